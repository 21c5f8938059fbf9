// Tools for fault-injection tests: damage a backup on purpose, make backups big enough to interrupt,
// watch a running drill's journal, and look at a standby container from the outside (docker exec).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FileEntry } from '../../src/io/backup/types.ts';
import { runDrill, type DrillResult } from '../../src/app/run-drill.ts';
import { AT_V2 } from '../drill/site-fixture.ts';
import type { StartedStandby } from './containers.ts';
import { run } from './backup-fixtures.ts';

/** Overwrite `count` bytes at `offset` of a file with their bitwise complement (size and mtime kept). */
export function flipBytes(file: string, offset: number, count = 16): void {
  const st = fs.statSync(file);
  const fd = fs.openSync(file, 'r+');
  try {
    const buf = Buffer.alloc(count);
    fs.readSync(fd, buf, 0, count, offset);
    for (let i = 0; i < count; i++) buf[i] = ~buf[i] & 0xff;
    fs.writeSync(fd, buf, 0, count, offset);
  } finally {
    fs.closeSync(fd);
  }
  fs.utimesSync(file, st.atime, st.mtime);
}

/** Cut a file down to `bytes` (a backup disk that filled up, an interrupted copy). */
export function truncateTo(file: string, bytes: number): void {
  fs.truncateSync(file, bytes);
}

/** Copy a folder with owners, modes and times (cp -a), so a test can damage its own copy of a fixture. */
export function copyTree(from: string, to: string): string {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  run('cp', ['-a', from, to]);
  return to;
}

/**
 * A tar repository whose snapshot (2026-11-25T02:00Z, picked by AT_V2) holds the chosen paths:
 * `bigBytes` of random data in one teacher's file (a restore that takes seconds), or `tinyFiles`
 * one-byte files (a restore that needs far more disk blocks than bytes). Returns the repository folder.
 */
export function makeTarRepository(dir: string, o: { bigBytes?: number; tinyFiles?: number }): string {
  const src = path.join(dir, 'src');
  const repo = path.join(dir, 'repo');
  fs.mkdirSync(repo, { recursive: true });
  const d = (rel: string, mode: number, uid: number, gid: number) => {
    fs.mkdirSync(path.join(src, rel), { recursive: true });
    fs.chmodSync(path.join(src, rel), mode);
    fs.chownSync(path.join(src, rel), uid, gid);
  };
  d('skole/tjener/home0', 0o755, 0, 0);
  d('skole/tjener/home0/elev01', 0o700, 1001, 1001);
  fs.writeFileSync(path.join(src, 'skole/tjener/home0/elev01/notater.txt'), 'Første utkast\n', { mode: 0o600 });
  fs.chownSync(path.join(src, 'skole/tjener/home0/elev01/notater.txt'), 1001, 1001);
  d('etc', 0o755, 0, 0);
  fs.writeFileSync(path.join(src, 'etc/hosts'), '127.0.0.1 localhost\n10.0.2.2 tjener.intern tjener\n', { mode: 0o644 });
  if (o.bigBytes) {
    d('skole/tjener/home0/laerer01', 0o750, 1101, 1100);
    const file = path.join(src, 'skole/tjener/home0/laerer01/opptak.bin');
    const fd = fs.openSync(file, 'w', 0o644);
    const chunk = randomBytes(8 << 20);
    for (let left = o.bigBytes; left > 0; left -= chunk.length) fs.writeSync(fd, chunk, 0, Math.min(left, chunk.length));
    fs.closeSync(fd);
    fs.chownSync(file, 1101, 1100);
  }
  if (o.tinyFiles) {
    d('skole/tjener/home0/elev02', 0o700, 1002, 1002);
    for (let i = 0; i < o.tinyFiles; i++) {
      const f = path.join(src, `skole/tjener/home0/elev02/lapp-${String(i).padStart(5, '0')}.txt`);
      fs.writeFileSync(f, String(i % 10), { mode: 0o600 });
      fs.chownSync(f, 1002, 1002);
    }
  }
  run('tar', ['-cf', path.join(repo, 'tjener-2026-11-25T0200Z.tar'), '-C', src, 'skole', 'etc']);
  fs.rmSync(src, { recursive: true, force: true });
  return repo;
}

/** The newest journal in a folder, parsed; undefined while there is none (or it is being replaced). */
export function readJournal(dir: string): Record<string, any> | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return undefined;
  }
  if (!names.length) return undefined;
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, names[names.length - 1]), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Wait until the drill writing journals into `dir` is in `phase` (the journal's `currentPhase`); polls every 20 ms. */
export async function waitForPhase(dir: string, phase: string, timeoutMs = 60_000): Promise<Record<string, any>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const j = readJournal(dir);
    if (j?.currentPhase === phase) return j;
    if (j && j.status !== 'running') throw new Error(`the drill ended (${j.status}) before it reached ${phase}: ${JSON.stringify(j.phases)}`);
    if (Date.now() > until) throw new Error(`the drill did not reach ${phase} within ${timeoutMs} ms (journal: ${JSON.stringify(j?.phases)})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What is at and beside a restore root inside the container: `ls -A` of the root (or `ABSENT`) and whether the lock folder exists. */
export async function standbyState(sb: StartedStandby, root = '/srv/restore'): Promise<{ root: string; locked: boolean }> {
  const r = await sb.exec(`if [ -e ${root} ]; then ls -A ${root}; else echo ABSENT; fi; if [ -e ${root}.continuity-lock ]; then echo LOCKED; fi`);
  const lines = r.stdout.split('\n').filter(Boolean);
  return { root: lines.filter((l) => l !== 'LOCKED').join('\n'), locked: lines.includes('LOCKED') };
}

/** Wait until a process whose command line matches `pattern` (pgrep -f) runs inside the container; polls. */
export async function waitForProcess(sb: StartedStandby, pattern: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while ((await sb.exec(['pgrep', '-f', pattern])).exitCode !== 0) {
    if (Date.now() > until) throw new Error(`no process matching ${pattern} in the container within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** sshd's log of the container (its stderr): who logged in. */
export function containerLog(sb: StartedStandby): string {
  const r = spawnSync('docker', ['logs', sb.container.getId()], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`;
}

/** SIGKILL the container (the standby loses power); returns when docker says it is gone. */
export function killContainer(sb: StartedStandby): void {
  const r = spawnSync('docker', ['kill', sb.container.getId()], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`docker kill failed: ${r.stderr}`);
}

/**
 * The tree under `paths` of `root` INSIDE the container, read with docker exec (find + sha256sum),
 * in the shape of `treeOf` of backup-fixtures: the independent oracle for a restore over SSH.
 */
export async function containerTree(sb: StartedStandby, root: string, paths: string[]): Promise<Map<string, FileEntry>> {
  const list = await sb.exec(['sh', '-c', `cd "$1" && shift && find "$@" -printf '%y\\0%s\\0%U\\0%G\\0%m\\0%l\\0%p\\0'`, 'sh', root, ...paths]);
  if (list.exitCode !== 0) throw new Error(`find in ${root} failed: ${list.stderr}`);
  const sums = await sb.exec(['sh', '-c', `cd "$1" && shift && find "$@" -type f -print0 | xargs -0 -r sha256sum -z --`, 'sh', root, ...paths]);
  if (sums.exitCode !== 0) throw new Error(`sha256sum in ${root} failed: ${sums.stderr}`);
  const hashes = new Map<string, string>();
  for (const rec of sums.stdout.split('\0').filter(Boolean)) hashes.set(rec.slice(66), rec.slice(0, 64));
  const out = new Map<string, FileEntry>();
  const f = list.stdout.split('\0');
  for (let i = 0; i + 6 < f.length; i += 7) {
    const [y, size, uid, gid, mode, target, p] = f.slice(i, i + 7);
    const type = y === 'f' ? 'file' : y === 'd' ? 'dir' : y === 'l' ? 'symlink' : 'other';
    const e: FileEntry = { path: p, type, size: type === 'file' ? Number(size) : 0, uid: Number(uid), gid: Number(gid), mode: parseInt(mode, 8) };
    if (type === 'file') e.sha256 = hashes.get(p);
    if (type === 'symlink') e.target = target;
    out.set(p, e);
  }
  return out;
}

/**
 * The largest object (a PUT entry: crc32, size, tag, 32-byte id, data) in a borg 1.x repository's segment files:
 * a chunk of the fixture's 6 MiB video. `segment` is relative to data/, `offset` where the entry starts.
 */
export function largestBorgObject(repo: string): { segment: string; offset: number; size: number } {
  let best = { segment: '', offset: 0, size: 0 };
  for (const file of run('find', [path.join(repo, 'data'), '-type', 'f', '-regex', '.*/[0-9]+']).trim().split('\n')) {
    const buf = fs.readFileSync(file);
    if (buf.toString('latin1', 0, 8) !== 'BORG_SEG') continue;
    for (let at = 8; at + 9 <= buf.length; ) {
      const size = buf.readUInt32LE(at + 4);
      if (size < 9 || at + size > buf.length) break;
      if (buf[at + 8] === 0 && size > best.size) best = { segment: path.relative(path.join(repo, 'data'), file), offset: at, size };
      at += size;
    }
  }
  if (!best.size) throw new Error(`no object found in the segments of ${repo}`);
  return best;
}

/**
 * A tar repository (folder `dir`/repo) holding tjener-2026-11-25T0200Z.tar.zst, the snapshot AT_V2 picks: the chosen
 * paths, one teacher's file of `bytes` zeros (a hole in the source, so nothing is written here) and /etc/hosts. zstd
 * records the stream's size in the frame, so the preflight size gate reads it without inflating the archive.
 */
export function makeZeroArchive(dir: string, bytes: number): string {
  const src = path.join(dir, 'src');
  const repo = path.join(dir, 'repo');
  fs.mkdirSync(path.join(src, 'skole/tjener/home0/laerer01'), { recursive: true });
  fs.mkdirSync(path.join(src, 'etc'));
  fs.mkdirSync(repo, { recursive: true });
  fs.writeFileSync(path.join(src, 'etc/hosts'), '127.0.0.1 localhost\n10.0.2.2 tjener.intern tjener\n');
  fs.writeFileSync(path.join(src, 'skole/tjener/home0/laerer01/opptak.bin'), '');
  fs.truncateSync(path.join(src, 'skole/tjener/home0/laerer01/opptak.bin'), bytes);
  const tar = 'tar -c -f - -C "$1" skole etc';
  const size = run('sh', ['-c', `${tar} | wc -c`, 'sh', src]).trim();
  run('sh', ['-c', `${tar} | zstd -q -1 --stream-size=${size} -o "$2"`, 'sh', src, path.join(repo, 'tjener-2026-11-25T0200Z.tar.zst')]);
  fs.rmSync(src, { recursive: true, force: true });
  return repo;
}

/**
 * A drill (`runDrill` in this process) whose standby container is killed while the restore's `tar -x` runs there.
 * Returns the drill's result and how long after the kill it ended.
 */
export async function drillKilledInRestore(sb: StartedStandby, siteFile: string, journalDir: string): Promise<{ r: DrillResult; afterKill: number }> {
  const drill = runDrill({ siteFile, at: AT_V2, journalDir });
  await waitForPhase(journalDir, 'restore');
  // the extraction itself runs on the standby (not only the archive's first look)
  await waitForProcess(sb, '^tar -x');
  const killedAt = performance.now();
  killContainer(sb);
  const r = await drill;
  return { r, afterKill: (performance.now() - killedAt) / 1000 };
}

/**
 * `continuity drill run --format json` as a child process, sent SIGINT once its restore has started and `tar -x`
 * runs on the standby (the journal then says `restore`). Returns its exit code, output, parsed journal (stdout) and
 * how long after the signal it ended. Should it never reach that point, the child is killed and the error thrown.
 */
export async function drillInterruptedInRestore(
  sb: StartedStandby,
  siteFile: string,
  journalDir: string,
): Promise<{ code: number | null; afterSignal: number; stdout: string; stderr: string; journal: Record<string, any>; journalInRestore: string | undefined }> {
  const child = spawn(process.execPath, [path.resolve('bin/continuity.mjs'), 'drill', 'run', '--site', siteFile, '--at', AT_V2, '--journal-dir', journalDir, '--format', 'json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const inRestore = new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (stderr.includes('restore: started')) resolve();
    });
    child.on('close', () => reject(new Error(`the drill ended before its restore: ${stderr}`)));
  });
  let journalInRestore: string | undefined;
  try {
    await inRestore;
    // the extraction really runs on the standby when the signal comes
    await waitForProcess(sb, '^tar -x');
    journalInRestore = readJournal(journalDir)?.currentPhase;
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const sentAt = performance.now();
  child.kill('SIGINT');
  const code = await closed;
  return { code, afterSignal: (performance.now() - sentAt) / 1000, stdout, stderr, journal: JSON.parse(stdout), journalInRestore };
}
