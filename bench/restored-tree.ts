// Benchmark: the drill's verification listing (find + forked python3/OpenSSL hashing workers on the standby) against
// plain `sha256sum` over the same files. Prints figures; run with `npx tsx bench/restored-tree.ts [pupils]`.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSchool } from '../src/app/demo-school.ts';
import { listRestoredTree } from '../src/io/restored-tree.ts';
import { LocalStandby } from '../src/io/standby/local.ts';

const pupils = Number(process.argv[2] ?? 2000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-bench-tree-'));
try {
  const school = generateSchool(path.join(dir, 'school'), { pupils, teachers: Math.ceil(pupils / 10) });
  const root = school.root;
  const standby = new LocalStandby(dir);
  const time = async (fn: () => Promise<unknown> | unknown) => {
    const t0 = performance.now();
    await fn();
    return (performance.now() - t0) / 1000;
  };
  // warm the page cache once, so both sides read from memory (as after a restore)
  execSync(`find ${root} -type f -print0 | xargs -0 cat > /dev/null`);
  const runs = 3;
  const ours: number[] = [];
  const plain: number[] = [];
  let entries = 0;
  for (let i = 0; i < runs; i++) {
    plain.push(await time(() => execSync(`cd ${root} && find . -type f -print0 | xargs -0 sha256sum > /dev/null`)));
    ours.push(await time(async () => (entries = (await listRestoredTree(standby, root)).length)));
  }
  const best = (a: number[]) => Math.min(...a);
  console.log(`tree: ${school.files} files, ${(school.bytes / 2 ** 20).toFixed(1)} MiB, ${entries} entries; ${os.cpus().length} cores; best of ${runs}`);
  console.log(`plain sha256sum (one process):        ${best(plain).toFixed(2)} s`);
  console.log(`listRestoredTree (find + ${os.cpus().length} hashing workers): ${best(ours).toFixed(2)} s  (${(best(plain) / best(ours)).toFixed(2)}x)`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
