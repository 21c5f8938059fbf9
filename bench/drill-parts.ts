// bench/drill-parts: where a drill's time goes, part by part, on the cached bench tree and backups of bench/drill:
// the adapter's snapshotBytes (the free-space gate), restore, manifest (the snapshot side of verify) and
// listRestoredTree (the restored side), each alone, then manifest and listing together as the verify phase runs them.
//
// Run (after bench/drill has cached its backups): npx tsx bench/drill-parts.ts [--quick] [--tools restic,borg] [--cache DIR]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { adapterFor } from '../src/io/backup/index.ts';
import { listRestoredTree } from '../src/io/restored-tree.ts';
import { LocalStandby } from '../src/io/standby/local.ts';
import type { BackupSource } from '../src/io/backup/types.ts';
import { parseSize } from './drill-tree.ts';
import { BENCH_PASSWORD, PATHS, TOOLS, type BenchTool, type Repo } from './drill-backups.ts';
import { dropCaches, scratchFs } from './drill-measure.ts';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string' },
    files: { type: 'string' },
    quick: { type: 'boolean', default: false },
    tools: { type: 'string', default: TOOLS.join(',') },
    cache: { type: 'string' },
    seed: { type: 'string', default: '1' },
  },
});
const bytes = parseSize(args.size ?? (args.quick ? '100M' : '1G'));
const files = Number(args.files ?? (args.quick ? 10_000 : 100_000));
const cache = path.resolve(args.cache ?? path.join('/var/tmp/continuity-bench', `drill-${bytes}-${files}-seed${args.seed}`));
const say = (s: string) => process.stdout.write(`${s}\n`);

async function time<T>(what: string, fn: () => Promise<T>): Promise<T> {
  dropCaches();
  const t0 = performance.now();
  const r = await fn();
  say(`  ${what.padEnd(34)} ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  return r;
}

const scratch = scratchFs(path.join(cache, 'parts'), Math.max(2 * 2 ** 30, 4 * bytes), Math.max(65_536, 4 * files));
try {
  for (const tool of args.tools!.split(',') as BenchTool[]) {
    const marker = path.join(cache, 'repos', `${tool}.done.json`);
    if (!fs.existsSync(marker)) {
      say(`${tool}: no cached backup in ${cache} (run bench/drill first)`);
      continue;
    }
    const repo = JSON.parse(fs.readFileSync(marker, 'utf8')) as Repo;
    const adapter = adapterFor(tool);
    const standby = new LocalStandby(scratch.dir);
    const source: BackupSource = { tool, repository: repo.repository, paths: PATHS, ...(tool === 'restic' || tool === 'borg' ? { password: BENCH_PASSWORD } : {}) };
    say(`${tool}:`);
    const snaps = await time('listSnapshots', () => adapter.listSnapshots(standby, source));
    const snap = snaps[snaps.length - 1];
    await time('snapshotBytes (free-space gate)', () => adapter.snapshotBytes(standby, source, snap));
    const target = path.join(scratch.dir, tool);
    // as the drill does: the restored side hashed with the adapter's digest, or only its ctimes read where the tool
    // checked the content inside its restore (restic restore --verify; the manifest is then its listing, cached)
    const report = await time('restore', () => adapter.restore(standby, source, snap, target, {}));
    const listing = { digest: adapter.digest, ...(report && report.contentVerified ? { hash: false, ctime: true } : {}) };
    const collect = async () => {
      let n = 0;
      for await (const _ of adapter.manifest(standby, source, snap)) n++;
      return n;
    };
    await time('manifest (snapshot side) alone', collect);
    await time('listRestoredTree (restored) alone', () => listRestoredTree(standby, target, listing));
    await time('both together (= verify phase)', () => Promise.all([collect(), listRestoredTree(standby, target, listing)]));
    fs.rmSync(target, { recursive: true, force: true });
  }
} finally {
  scratch.release();
}
