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

/** CPU seconds of the processes this one has waited for (/proc/self/stat's cutime + cstime). */
function childrenCpu(): number {
  const f = fs.readFileSync('/proc/self/stat', 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[13]) + Number(rest[14])) / 100; // fields 16 and 17, in clock ticks (100 a second on Linux)
}

/** Wall seconds, and CPU seconds of this process (the drill's own work) and of the commands it ran, page cache cold. */
async function time<T>(what: string, fn: () => Promise<T>): Promise<T> {
  dropCaches();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const k0 = childrenCpu();
  const r = await fn();
  const c = process.cpuUsage(c0);
  say(
    `  ${what.padEnd(34)} ${((performance.now() - t0) / 1000).toFixed(2)} s  (CPU: drill ${((c.user + c.system) / 1e6).toFixed(2)} s, commands ${(childrenCpu() - k0).toFixed(2)} s)`,
  );
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
    // as a drill reads the snapshot side beside the restore: the size, then the manifest, both at the lowest priority
    // (a standby of its own: what an adapter remembers of its reads is kept by standby)
    const beside = new LocalStandby(path.join(scratch.dir, 'beside'));
    await adapter.listSnapshots(beside, source); // as preflight has, before the restore starts
    await time('size + manifest, as beside a restore', async () => {
      await adapter.snapshotBytes(beside, source, snap, { background: true });
      let n = 0;
      for await (const _ of adapter.manifest(beside, source, snap, { background: true })) n++;
      return n;
    });
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
