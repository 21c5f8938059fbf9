// bench/drill: about 1 GB of home directories (~100 000 files) backed up once by each real tool, then for each
// tool, side by side in one run: (a) the tool's own restore command into an empty folder, (b) the whole drill
// (`continuity drill run`, a child process, onto a LOCAL standby) with per-phase seconds from its journal, and
// (c) plain sha256sum over the same restored files, against the drill's verify phase. Prints a table and writes
// the figures as JSON under bench/results/.
//
// Run: npx tsx bench/drill.ts [--size 1G] [--files 100000] [--tools tar,rsync,rdiff-backup,restic,borg] [--quick] [--pairs N]
//                             [--cache DIR] [--seed N] [--warm] [--reuse-fs] [--order alternate|bare-first]
// With --pairs N the pairs alternate which side runs first (the bare restore in odd pairs, the drill in even ones),
// unless --order bare-first.
//
// Overhead (what docs/drill-bench.md calls "drill overhead"), all from the drill's own journal:
//   overhead = (RTO clock − verification − services) − bare restore
//            = preflight + (drill restore phase − tool's own check − bare restore) + bookkeeping between phases
// i.e. everything the drill puts on the RTO clock except the probes (verification, services) beyond what the bare
// tool needs. Verification = the verify phase + the content check a tool makes inside its restore command when the
// drill asks for it (restic's `restore --verify`: its own "took" seconds, a check of the restore phase in the journal).
// Cleanup runs after the RTO clock stops; it is shown but not counted.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateTree, parseSize, type TreeFigures } from './drill-tree.ts';
import { BENCH_PASSWORD, PATHS, TOOLS, bareRestoreCommand, bareRestoredRoot, ensureBackup, type BenchTool, type Repo } from './drill-backups.ts';
import { dropCaches, scratchFs, sha256sumCommand, timed, timedShell, warm, type Scratch, type Timed } from './drill-measure.ts';
import type { Journal } from '../src/core/journal.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    size: { type: 'string' },
    files: { type: 'string' },
    tools: { type: 'string', default: TOOLS.join(',') },
    quick: { type: 'boolean', default: false },
    cache: { type: 'string' },
    seed: { type: 'string', default: '1' },
    warm: { type: 'boolean', default: false },
    prepare: { type: 'boolean', default: false },
    pairs: { type: 'string', default: '1' },
    'reuse-fs': { type: 'boolean', default: false },
    order: { type: 'string', default: 'alternate' },
  },
});
/** bare restore + drill pairs per tool: one run of a long single-threaded restore can be 50 % off on this VM */
const pairs = Math.max(1, Number(args.pairs));
const bytesWanted = parseSize(args.size ?? (args.quick ? '100M' : '1G'));
const filesWanted = Number(args.files ?? (args.quick ? 10_000 : 100_000));
const seed = Number(args.seed);
const tools = args.tools!.split(',').map((t) => t.trim()).filter(Boolean) as BenchTool[];
if (args.order !== 'alternate' && args.order !== 'bare-first') fail(`--order: expected alternate or bare-first, got \`${args.order}\``);
for (const t of tools) if (!(TOOLS as readonly string[]).includes(t)) fail(`--tools: expected some of ${TOOLS.join(', ')}, got \`${t}\``);
if (!Number.isInteger(filesWanted) || filesWanted < 100) fail(`--files: expected a whole number ≥ 100, got \`${args.files}\``);
const cache = path.resolve(args.cache ?? path.join('/var/tmp/continuity-bench', `drill-${bytesWanted}-${filesWanted}-seed${seed}`));
const say = (s: string) => process.stdout.write(`${s}\n`);
const MB = 1e6;

function fail(msg: string): never {
  process.stderr.write(`bench/drill: ${msg}\n`);
  process.exit(2);
}

function has(cmd: string): boolean {
  try {
    execFileSync('/bin/sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function versionOf(cmd: string): string {
  try {
    const v = execFileSync('/bin/sh', ['-c', cmd === 'restic' ? 'restic version' : `${cmd} --version`], { encoding: 'utf8' });
    return /(\d+\.\d+(?:\.\d+)?)/.exec(v)?.[1] ?? '?';
  } catch {
    return '?';
  }
}

/** The tree, generated once into the cache. */
function ensureTree(): { dir: string; fig: TreeFigures; seconds?: number } {
  const dir = path.join(cache, 'tree');
  const marker = path.join(cache, 'tree.done.json');
  if (fs.existsSync(marker)) return { dir, fig: JSON.parse(fs.readFileSync(marker, 'utf8')) as TreeFigures };
  // a new tree makes every cached backup stale
  fs.rmSync(path.join(cache, 'repos'), { recursive: true, force: true });
  say(`generating ~${(bytesWanted / MB).toFixed(0)} MB in ~${filesWanted} files into ${dir} …`);
  const t0 = performance.now();
  const chown = process.getuid?.() === 0;
  const fig = generateTree(dir, { bytes: bytesWanted, files: filesWanted, seed, chown });
  if (!chown) say('  (not root: every file stays owned by you; owners are not exercised)');
  fs.mkdirSync(cache, { recursive: true });
  fs.writeFileSync(marker, JSON.stringify(fig, null, 1));
  return { dir, fig, seconds: (performance.now() - t0) / 1000 };
}

/** The bench's SLA: the fixture's, with an RPO that lets a cached backup of any age through (the gate is still run). */
function writeSla(dir: string): void {
  const sla = fs.readFileSync(path.join(ROOT, 'fixtures/sla.yaml'), 'utf8');
  fs.writeFileSync(path.join(dir, 'sla.yaml'), sla.replace(/^recovery: .*$/m, 'recovery: { rto: PT4H, rpo: P3650D }'));
}

function writeSite(dir: string, repo: Repo, standby: string, passwordFile: string): string {
  const pw = repo.tool === 'restic' || repo.tool === 'borg' ? `  passwordFile: ${passwordFile}\n` : '';
  const file = path.join(dir, `site-${repo.tool}.yaml`);
  fs.writeFileSync(
    file,
    `version: continuity/v1
kind: site
name: bench-${repo.tool}
sla: ./sla.yaml
production: [tjener.nordby.skole]
backup:
  tool: ${repo.tool}
  repository: ${repo.repository}
  paths: [${PATHS.join(', ')}]
${pw}standby:
  local: ${standby}
  restoreRoot: /srv/restore
services:
  - { name: home directories restored, run: 'test -d "$RESTORE_ROOT/skole/tjener/home0/elev0000"' }
  - { name: hosts file restored, run: 'cat "$RESTORE_ROOT/etc/hosts"', expect: { output: tjener.intern } }
`,
  );
  return file;
}

interface ToolResult {
  tool: BenchTool;
  /** which side of the pair ran first */
  first: 'bare' | 'drill';
  version: string;
  repoBytes: number;
  files: number;
  bytes: number;
  bare: Timed;
  sha256sum: { p1Warm: number; p2Warm: number; p1Cold: number; p2Cold: number };
  drill: {
    process: Timed;
    status: string;
    exitCode: number;
    phases: Record<string, number>;
    preflightChecks: { name: string; seconds: number }[];
    /** seconds of the content check the tool made inside the drill's restore (restic restore --verify), by the tool's count */
    toolVerify: number;
    /** verification in all, seconds: the verify phase plus toolVerify */
    verifySeconds: number;
    rtoSeconds: number;
    /** RTO clock minus the phases' own seconds: journal writes and gaps between phases */
    bookkeeping: number;
    verification?: Journal['verification'];
    detail: Record<string, string | undefined>;
  };
  overheadSeconds: number;
  overheadPercent: number;
}

/**
 * One bare/drill pair. `work` holds the site, SLA, password and journals; the bare restore lands on `scratch.bare`,
 * the drill's on `scratch.drill`, each made fresh (`renew`) before its restore unless --reuse-fs. The warm sha256sum
 * follows the bare restore; the side that runs first alternates from pair to pair (`drillFirst`; `--order
 * bare-first` keeps the old order). The cold sha256sum runs (only with `cold`: the last pair of a tool) come last: a
 * cold read of the restored tree through the loop device made the next restore 1-2 s slower (docs/drill-bench.md,
 * "Order of the measurements").
 */
async function benchTool(
  repo: Repo,
  tree: string,
  work: string,
  scratch: { bare: Scratch; drill: Scratch },
  passwordFile: string,
  canDrop: boolean,
  cold: boolean,
  drillFirst: boolean,
): Promise<ToolResult> {
  const tool = repo.tool;
  const before = () => (canDrop ? dropCaches() : warm(repo.repository));

  const target = path.join(scratch.bare.dir, `bare-${tool}`);
  const restored = bareRestoredRoot(repo, tree, target);
  const journals = path.join(work, `journals-${tool}`);
  // (c) sha256sum over the files the bare restore wrote: warm (just written, as verify finds the drill's restore)
  // right after it; cold ones (the last pair only) at the end
  const hash = async (p: number, cold: boolean) => {
    if (cold) {
      if (!canDrop) return NaN;
      dropCaches();
    }
    const r = await timedShell(sha256sumCommand(restored, p));
    if (r.exitCode !== 0) throw new Error(`sha256sum failed: ${r.stderr}`);
    return r.seconds;
  };

  // (a) the bare tool's own restore into an empty folder, then (c) warm
  const bareSide = async () => {
    if (!args['reuse-fs']) scratch.bare.renew();
    fs.rmSync(target, { recursive: true, force: true });
    fs.mkdirSync(target);
    const { command, env } = bareRestoreCommand(repo, tree, target, cache);
    await before();
    say(`  ${tool}: bare restore …`);
    const bare = await timedShell(command, { env });
    if (bare.exitCode !== 0) throw new Error(`${tool}: the bare restore failed (exit ${bare.exitCode}): ${bare.stderr.trim().slice(-800)}`);
    const files = Number(execFileSync('/bin/sh', ['-c', `find ${JSON.stringify(restored)} -type f | wc -l`], { encoding: 'utf8' }).trim());
    const bytes = Number(execFileSync('/bin/sh', ['-c', `find ${JSON.stringify(restored)} -type f -printf '%s\\n' | awk '{s+=$1} END {print s+0}'`], { encoding: 'utf8' }).trim());
    say(`  ${tool}: sha256sum …`);
    const sha256sum = { p1Warm: await hash(1, false), p2Warm: await hash(2, false), p1Cold: NaN, p2Cold: NaN };
    return { bare, files, bytes, sha256sum };
  };

  // (b) the whole drill onto a local standby, as a user runs it
  const drillSide = async () => {
    if (!args['reuse-fs']) scratch.drill.renew();
    const standby = path.join(scratch.drill.dir, `standby-${tool}`);
    fs.rmSync(standby, { recursive: true, force: true });
    fs.rmSync(journals, { recursive: true, force: true });
    fs.mkdirSync(standby);
    const site = writeSite(work, repo, standby, passwordFile);
    await before();
    say(`  ${tool}: drill …`);
    return timed([process.execPath, path.join(ROOT, 'bin/continuity.mjs'), 'drill', 'run', '--site', site, '--journal-dir', journals, '--format', 'json'], {
      cwd: work,
      // `npx tsx` may hand `--import tsx` down in NODE_OPTIONS, which does not resolve from the scratch folder; bin/continuity.mjs registers tsx itself
      env: { NODE_OPTIONS: '' },
    });
  };

  // every other pair runs the drill first (drillFirst): what a side follows (the other side's restore and read-back,
  // the VM's drift within the minute) then falls on bare restores and drills alike
  let sides: [Awaited<ReturnType<typeof bareSide>>, Awaited<ReturnType<typeof drillSide>>];
  if (drillFirst) {
    const p = await drillSide();
    sides = [await bareSide(), p];
  } else {
    const b = await bareSide();
    sides = [b, await drillSide()];
  }
  const [{ bare, files, bytes, sha256sum }, proc] = sides;
  if (cold) {
    say(`  ${tool}: sha256sum, page cache cold …`);
    sha256sum.p1Cold = await hash(1, true);
    sha256sum.p2Cold = await hash(2, true);
  }
  fs.rmSync(target, { recursive: true, force: true });
  const jf = fs.existsSync(journals) ? fs.readdirSync(journals).filter((f) => f.endsWith('.json')) : [];
  if (jf.length !== 1) throw new Error(`${tool}: the drill left no journal (exit ${proc.exitCode}): ${proc.stderr.split('\n').filter((l) => l.trim() && !/^\s+at /.test(l)).join('\n').slice(0, 800)}`);
  const journal = JSON.parse(fs.readFileSync(path.join(journals, jf[0]), 'utf8')) as Journal;
  const phases: Record<string, number> = {};
  const detail: Record<string, string | undefined> = {};
  for (const p of journal.phases) {
    phases[p.name] = p.seconds ?? 0;
    detail[p.name] = p.detail;
  }
  const preflightChecks = (journal.phases.find((p) => p.name === 'preflight')?.checks ?? []).map((c) => ({ name: c.name, seconds: c.seconds ?? 0 }));
  const rtoSeconds = journal.rto.actualSeconds ?? NaN;
  const inPhases = (phases.preflight ?? 0) + (phases.restore ?? 0) + (phases.verify ?? 0) + (phases.services ?? 0);
  const toolVerify = (journal.phases.find((p) => p.name === 'restore')?.checks ?? [])
    .filter((c) => c.name.startsWith('content verified by'))
    .reduce((a, c) => a + (c.seconds ?? 0), 0);
  const verifySeconds = (phases.verify ?? 0) + toolVerify;
  const overheadSeconds = rtoSeconds - verifySeconds - (phases.services ?? 0) - bare.seconds;
  return {
    tool,
    first: drillFirst ? 'drill' : 'bare',
    version: journal.backup.toolVersion ?? versionOf(tool),
    repoBytes: repo.repoBytes,
    files,
    bytes,
    bare,
    sha256sum,
    drill: {
      process: proc,
      status: journal.status,
      exitCode: proc.exitCode,
      phases,
      preflightChecks,
      toolVerify,
      verifySeconds,
      rtoSeconds,
      bookkeeping: rtoSeconds - inPhases,
      verification: journal.verification,
      detail,
    },
    overheadSeconds,
    overheadPercent: (overheadSeconds / bare.seconds) * 100,
  };
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');

function table(rows: string[][]): string {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(rows[0]), w.map((n) => '-'.repeat(n)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  if (!fs.existsSync('/usr/bin/time')) fail('needs GNU time at /usr/bin/time (apt-get install time)');
  fs.mkdirSync(cache, { recursive: true });
  const tree = ensureTree();
  const usable = tools.filter((t) => {
    if (has(t)) return true;
    say(`skipping ${t}: not installed`);
    return false;
  });
  say(`tree: ${tree.fig.files} files, ${(tree.fig.bytes / MB).toFixed(0)} MB, ${tree.fig.users} homes, in ${tree.dir}${tree.seconds ? ` (generated in ${tree.seconds.toFixed(0)} s)` : ' (cached)'}`);
  const repos: Repo[] = usable.map((t) => ensureBackup(t, tree.dir, cache, say));
  if (args.prepare) {
    say('prepared: tree and backups are cached');
    return;
  }

  const fsBytes = Math.max(2 * 2 ** 30, 4 * tree.fig.bytes);
  const fsInodes = Math.max(65_536, 4 * tree.fig.files);
  const scratch = { bare: scratchFs(path.join(cache, 'run-bare'), fsBytes, fsInodes), drill: scratchFs(path.join(cache, 'run'), fsBytes, fsInodes) };
  // the site, SLA, password and journals stay on this machine's disk: the scratch file system is made anew
  const work = path.join(cache, 'run-files');
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  say(`restores land on ${scratch.drill.note} (the bare ones on another such), ${args['reuse-fs'] ? 'the same ones for every restore (--reuse-fs)' : 'made anew before every restore'}`);
  writeSla(work);
  const passwordFile = path.join(work, 'repo-pass');
  fs.writeFileSync(passwordFile, `${BENCH_PASSWORD}\n`, { mode: 0o600 });

  const canDrop = !args.warm && dropCaches();
  const cacheNote = canDrop
    ? 'cold: page cache dropped (sync; echo 3 > /proc/sys/vm/drop_caches) before each bare restore, each drill and each cold sha256sum'
    : `warm: ${args.warm ? '--warm given' : 'dropping the page cache is not permitted here'}; the repository is read once before each bare restore and each drill`;
  say(`page cache: ${cacheNote}`);

  const results: ToolResult[] = [];
  try {
    for (const repo of repos) {
      say(`${repo.tool}:`);
      for (let i = 1; i <= pairs; i++) {
        try {
          const r = await benchTool(repo, tree.dir, work, scratch, passwordFile, canDrop, i === pairs, args.order === 'alternate' && i % 2 === 0);
          results.push(r);
          say(`  ${r.tool}${pairs > 1 ? ` (pair ${i}/${pairs})` : ''}: bare ${f1(r.bare.seconds)} s, drill restore ${f1(r.drill.phases.restore)} s, overhead ${f1(r.overheadSeconds)} s (${r.overheadPercent.toFixed(0)} %), verify ${f1(r.drill.verifySeconds)} s${r.drill.toolVerify ? ` (${f1(r.drill.toolVerify)} s of it in the restore, by ${r.tool})` : ''} vs sha256sum ${f2(r.sha256sum.p1Warm)} s; drill ${r.drill.status}${r.first === 'drill' ? ' (the drill ran first)' : ''}`);
        } catch (err) {
          say(`  ${repo.tool} FAILED: ${(err as Error).message}`);
        }
      }
    }
  } finally {
    scratch.bare.release();
    scratch.drill.release();
  }

  const head = ['tool', 'files', 'bare restore s', 'drill restore s', 'preflight+bk s', 'overhead s', 'overhead %', 'verify s', 'sha256sum s', '-P2 s', 'restore MB/s', 'files/s', 'verify MB/s', 'peak RSS bare/drill MiB', 'unchecked', 'drill'];
  const rows = results.map((r) => [
    r.tool,
    String(r.files),
    f1(r.bare.seconds),
    f1(r.drill.phases.restore),
    f1(r.drill.phases.preflight + r.drill.bookkeeping),
    f1(r.overheadSeconds),
    `${r.overheadPercent.toFixed(0)} %`,
    f1(r.drill.verifySeconds),
    f2(r.sha256sum.p1Warm),
    f2(r.sha256sum.p2Warm),
    f1(r.bytes / MB / r.drill.phases.restore),
    String(Math.round(r.files / r.drill.phases.restore)),
    f1(r.bytes / MB / r.drill.verifySeconds),
    `${r.bare.rssMiB.toFixed(0)}/${r.drill.process.rssMiB.toFixed(0)}`,
    String(r.drill.verification?.contentUnchecked ?? 0),
    r.drill.status,
  ]);
  say('');
  say(`bench/drill: load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at the end (2 cores: anything above ~2 means other work competed)`);
  say(`bench/drill: ${tree.fig.files} files, ${(tree.fig.bytes / MB).toFixed(0)} MB; ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; page cache ${canDrop ? 'cold' : 'warm'}`);
  say(table([head, ...rows]));
  if (pairs > 1) {
    say('');
    say(`medians over ${pairs} pairs (bare restore s, drill restore s, overhead %, verify s, sha256sum -P1 s):`);
    const median = (xs: number[]) => {
      const v = [...xs].sort((a, b) => a - b);
      return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    };
    for (const tool of new Set(results.map((r) => r.tool))) {
      const rs = results.filter((r) => r.tool === tool);
      say(`  ${tool.padEnd(12)} ${f1(median(rs.map((r) => r.bare.seconds)))}  ${f1(median(rs.map((r) => r.drill.phases.restore)))}  ${median(rs.map((r) => r.overheadPercent)).toFixed(0)} % (pairs: ${rs.map((r) => `${r.overheadPercent.toFixed(0)} %`).join(', ')})  ${f1(median(rs.map((r) => r.drill.verifySeconds)))}  ${f2(median(rs.map((r) => r.sha256sum.p1Warm)))}`);
      const by = (first: 'bare' | 'drill') => rs.filter((r) => r.first === first).map((r) => r.overheadPercent);
      if (by('drill').length && by('bare').length)
        say(`  ${''.padEnd(12)} overhead by order: ${median(by('bare')).toFixed(0)} % with the bare restore first (${by('bare').length}), ${median(by('drill')).toFixed(0)} % with the drill first (${by('drill').length})`);
    }
  }
  say('');
  say('per phase (s): preflight gates | restore (of which the tool\'s own content check) | verify phase | services | cleanup | RTO clock | process wall');
  for (const r of results) {
    const gates = r.drill.preflightChecks.filter((c) => c.seconds >= 0.05).map((c) => `${c.name} ${f2(c.seconds)}`).join(', ');
    say(
      `  ${r.tool.padEnd(12)} ${f2(r.drill.phases.preflight)} (${gates || 'all gates < 0.05'}) | ${f2(r.drill.phases.restore)}${r.drill.toolVerify ? ` (${f2(r.drill.toolVerify)})` : ''} | ${f2(r.drill.phases.verify)} | ${f2(r.drill.phases.services)} | ${f2(r.drill.phases.cleanup)} | ${f2(r.drill.rtoSeconds)} | ${f2(r.drill.process.seconds)}`,
    );
  }
  say('');
  say('CPU seconds (user+sys, all processes) and 1-min load average at the end: bare restore | whole drill process');
  for (const r of results)
    say(`  ${r.tool.padEnd(12)} ${f1(r.bare.cpuSeconds)} (load ${f1(r.bare.load)}) | ${f1(r.drill.process.cpuSeconds)} (load ${f1(r.drill.process.load)})`);
  say('');
  say('sha256sum over the restored files (s): warm -P1 / warm -P2 / cold -P1 / cold -P2');
  for (const r of results) say(`  ${r.tool.padEnd(12)} ${f2(r.sha256sum.p1Warm)} / ${f2(r.sha256sum.p2Warm)} / ${f2(r.sha256sum.p1Cold)} / ${f2(r.sha256sum.p2Cold)}`);
  if (results.some((r) => r.drill.verification?.contentUnchecked))
    say('NOTE: "unchecked" files were compared by size only: the drill got no sha256 for them from the standby (see docs/drill-bench.md)');
  for (const r of results)
    if (r.drill.status !== 'passed') say(`NOTE: the ${r.tool} drill ${r.drill.status} (exit ${r.drill.exitCode}): ${JSON.stringify(r.drill.detail)}`);

  const outDir = path.join(ROOT, 'bench/results');
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, `drill-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const strip = (t: Timed) => ({ seconds: t.seconds, rssMiB: t.rssMiB, cpuSeconds: t.cpuSeconds, load: t.load, exitCode: t.exitCode });
  fs.writeFileSync(
    out,
    JSON.stringify(
      {
        command: process.argv.slice(1).join(' '),
        // the drill measured is the working tree's, uncommitted changes included
        commit: (() => {
          try {
            return execFileSync('git', ['-C', ROOT, 'describe', '--always', '--dirty'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
          } catch {
            return 'unknown (not a git checkout)';
          }
        })(),
        machine: { cores: os.cpus().length, model: os.cpus()[0]?.model, memGiB: os.totalmem() / 2 ** 30, kernel: os.release() },
        pageCache: canDrop ? 'cold' : 'warm',
        restoresOn: `${scratch.drill.note} (bare restores on another such), ${args['reuse-fs'] ? 'reused for every restore' : 'made anew before every restore'}; cold sha256sum after the last drill of a tool`,
        tree: tree.fig,
        results: results.map((r) => ({ ...r, bare: strip(r.bare), drill: { ...r.drill, process: strip(r.drill.process) } })),
      },
      null,
      1,
    ),
  );
  say(`\nfigures: ${path.relative(process.cwd(), out)}`);
}

await main();
