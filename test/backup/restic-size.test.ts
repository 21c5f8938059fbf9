// restic's free-space size and listing as the drill reads them: the size summed on the standby by awk over restic's
// real JSON listing (exact, whatever the file names hold), the listing itself read as the caller asks (at nice 19
// beside the restore, stopped with it), and nothing left in the temporary folder either way.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { Interrupted, StepFailed } from '../../src/core/errors.ts';
import { goModeToUnix, LISTING_AWK, parseListing, resticAdapter, sumOf } from '../../src/io/backup/restic.ts';
import { lowPriority } from '../../src/io/backup/tool-run.ts';
import { shq, type ExecOptions, type ExecResult, type Standby } from '../../src/io/standby/types.ts';
import { execLocal, LocalStandby } from '../../src/io/standby/local.ts';
import type { BackupSource, FileEntry, Snapshot } from '../../src/io/backup/types.ts';
import { PASSWORD, run } from '../support/backup-fixtures.ts';
import { startStandby, stopAll } from '../support/containers.ts';
import { SshStandby } from '../../src/io/standby/ssh.ts';
import { needImage, needTool } from '../support/tools.ts';
import { answerCommand } from '../../src/io/space-guard.ts';

let standbys = 0;

/** A real standby (local unless given), with every command it runs and what each printed kept (a new one remembers nothing). */
class RecordingStandby implements Standby {
  readonly kind: 'local' | 'ssh';
  readonly host: string;
  readonly description: string;
  readonly calls: { command: string; stdout: string; stdoutBytes: number }[] = [];
  /** what happened, in order: `ended <command>` as each command's run ends, and what the test adds */
  readonly log: string[] = [];
  private readonly real: Standby;
  constructor(dir: string, real?: Standby) {
    this.real = real ?? new LocalStandby(dir);
    this.kind = this.real.kind;
    this.host = this.real.host;
    this.description = `${this.real.description} (recorded, ${++standbys})`;
  }
  async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    const r = await this.real.exec(command, options);
    this.calls.push({ command, stdout: r.stdout.slice(0, 1000), stdoutBytes: Buffer.byteLength(r.stdout) });
    this.log.push(`ended ${command}`);
    return r;
  }
  async close(): Promise<void> {}
}

let dir: string;
let src: string;
let repo: string;
let tmp: string;
let oldTmp: string | undefined;
const env = () => ({ RESTIC_PASSWORD: PASSWORD, RESTIC_CACHE_DIR: path.join(dir, 'cache') });
const source = (): BackupSource => ({ tool: 'restic', repository: repo, paths: ['home0', 'etc'], password: PASSWORD });

/** Names a line-by-line reading of restic's JSON could trip over: its own keys, quotes, backslashes, newlines. */
const AWKWARD = [
  'plain.txt',
  '"type":"file","size":999999999,"x":"',
  'a"size":123456789}',
  '"struct_type":"snapshot"',
  '"struct_type":"node","type":"dir"',
  'back\\slash "quoted"',
  'line one\nline two',
  'tab\there',
  '?starts with a question mark',
  'NODES 7',
  'BYTES 1000000',
  'ære og æøå – 🙂.odt',
];

beforeAll(() => {
  needTool('restic');
  needTool('awk');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-restic-size-'));
  src = path.join(dir, 'srv');
  const home = path.join(src, 'home0', 'elev1');
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(path.join(src, 'etc'), { recursive: true });
  fs.mkdirSync(path.join(src, 'home1'), { recursive: true }); // backed up, not chosen
  AWKWARD.forEach((name, i) => fs.writeFileSync(path.join(home, name), 'x'.repeat(100 + i)));
  fs.mkdirSync(path.join(home, '"type":"file","size":5'));
  fs.writeFileSync(path.join(home, '"type":"file","size":5', 'inne.txt'), 'inne\n');
  fs.writeFileSync(path.join(home, 'empty'), ''); // restic leaves the size of an empty file out
  fs.linkSync(path.join(home, 'plain.txt'), path.join(home, 'hard link to plain.txt'));
  fs.symlinkSync('plain.txt', path.join(home, 'symlink "type":"file","size":77'));
  fs.writeFileSync(path.join(src, 'etc', 'hosts'), '127.0.0.1 localhost\n');
  // owners and modes that tell uid from gid and one mode from another (the listing carries them)
  if (process.getuid?.() === 0) fs.chownSync(path.join(home, 'plain.txt'), 1001, 1002);
  fs.chmodSync(path.join(home, 'plain.txt'), 0o640);
  fs.chmodSync(home, 0o2750);
  fs.writeFileSync(path.join(src, 'home1', 'not chosen.bin'), Buffer.alloc(50_000));
  repo = path.join(dir, 'repo');
  run('restic', ['init', '-q', '-r', repo], { env: env() });
  run('restic', ['-r', repo, 'backup', '-q', src], { env: env() });
  tmp = path.join(dir, 'tmp');
  fs.mkdirSync(tmp);
  // restic's listing goes through a temporary file in $TMPDIR on the standby (here: this machine)
  oldTmp = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
});

afterAll(() => {
  if (oldTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = oldTmp;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Every regular file's bytes under the chosen paths, by path, as on disk (a hard link counts under each name). */
function bytesOnDisk(): number {
  let n = 0;
  const walk = (p: string) => {
    for (const e of fs.readdirSync(p, { withFileTypes: true })) {
      const full = path.join(p, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) n += fs.statSync(full).size;
    }
  };
  walk(path.join(src, 'home0'));
  walk(path.join(src, 'etc'));
  return n;
}

/** Unlinked listing files under the test's TMPDIR that some process still holds open (waiting up to 5 s for them to go). */
async function heldOpen(): Promise<string[]> {
  const find = () => {
    const out: string[] = [];
    for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      let fds: string[] = [];
      try {
        fds = fs.readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        try {
          const t = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
          if (t.startsWith(`${tmp}/continuity-restic.`) && t.endsWith(' (deleted)')) out.push(`${pid}: ${t}`);
        } catch {
          /* gone meanwhile */
        }
      }
    }
    return out;
  };
  let left = find();
  for (let i = 0; i < 50 && left.length; i++) {
    await new Promise((r) => setTimeout(r, 100));
    left = find();
  }
  return left;
}

/** Whether process `pid` still holds the listing file `file` open (waiting up to 5 s for it to let go). */
async function holding(pid: number, file: string): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    let target = '';
    try {
      target = fs.readlinkSync(`/proc/${pid}/fd/6`);
    } catch {
      return false;
    }
    if (target !== `${file} (deleted)`) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

async function collect(it: AsyncIterable<FileEntry>): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

describe('restic: the free-space size', () => {
  it('is the exact sum of the listing, whatever the file names hold; the listing stays on the standby until verify asks', async () => {
    const standby = new RecordingStandby(dir);
    const [snap] = await resticAdapter.listSnapshots(standby, source());
    const bytes = await resticAdapter.snapshotBytes(standby, source(), snap);
    expect(bytes).toBe(bytesOnDisk());
    // the gate read only the sum: restic's listing (some 400 bytes a node) was not carried to us
    const walks = () => standby.calls.filter((c) => c.command.includes(' ls '));
    expect(walks()).toHaveLength(1);
    expect(walks()[0].stdoutBytes).toBeLessThan(200);
    const held = /^HELD (\d+) (.+)$/m.exec(walks()[0].stdout);
    expect(held, walks()[0].stdout).not.toBeNull();
    // and it is what the listing verification reads says, file by file: the same walk's listing, no second walk
    const entries = await collect(resticAdapter.manifest(standby, source(), snap));
    expect(walks()).toHaveLength(1);
    expect(standby.calls[standby.calls.length - 1].command).toContain(`/proc/${held![1]}/fd/6`);
    expect(entries.filter((e) => e.type === 'file').reduce((n, e) => n + e.size, 0)).toBe(bytes);
    expect(entries.map((e) => e.path)).toContain(`home0/elev1/${AWKWARD[6]}`);
    expect(entries.find((e) => e.path === 'home0/elev1/empty')).toMatchObject({ type: 'file', size: 0 });
    // node for node what restic's own JSON says (the awk wrote most of them compact, the awkward names as restic did)
    const json = run('restic', ['-r', repo, 'ls', '--json', '--recursive', snap.id, `${src}/home0`, `${src}/etc`], { env: env() })
      .split('\n')
      .filter((l) => l.includes('"struct_type":"node"'))
      .map((l) => JSON.parse(l) as { type: string; path: string; uid: number; gid: number; mode: number; size?: number })
      .filter((n) => n.path.startsWith(`${src}/`));
    expect(entries).toEqual(
      json.map((n) => ({ path: n.path.slice(src.length + 1), type: n.type === 'file' || n.type === 'dir' || n.type === 'symlink' ? n.type : 'other', size: n.type === 'file' ? (n.size ?? 0) : 0, uid: n.uid, gid: n.gid, mode: goModeToUnix(n.mode) })),
    );
    // the file was never in the temporary folder by name, and it is gone once its holder is
    expect(fs.readdirSync(tmp)).toEqual([]);
    expect(await holding(Number(held![1]), held![2])).toBe(false);
  });

  it('a listing no longer held is walked again, and still right', async () => {
    const standby = new RecordingStandby(dir);
    const [snap] = await resticAdapter.listSnapshots(standby, source());
    const bytes = await resticAdapter.snapshotBytes(standby, source(), snap);
    const held = /^HELD (\d+) (.+)$/m.exec(standby.calls.find((c) => c.command.includes(' ls '))!.stdout)!;
    process.kill(Number(held[1]));
    expect(await holding(Number(held[1]), held[2])).toBe(false);
    const entries = await collect(resticAdapter.manifest(standby, source(), snap));
    expect(standby.calls.filter((c) => c.command.includes(' ls '))).toHaveLength(2);
    expect(entries.filter((e) => e.type === 'file').reduce((n, e) => n + e.size, 0)).toBe(bytes);
  });

  it('awk passes on what it cannot read for certain, and the sum and the listing stay exact', async () => {
    const lines = [
      '{"time":"2026-11-26T09:26:05Z","tree":"e5f4","paths":["/srv"],"id":"536f","short_id":"536f","struct_type":"snapshot"}',
      '{"name":"a","type":"file","path":"/srv/a","uid":0,"gid":0,"size":10,"mode":420,"struct_type":"node"}',
      '{"name":"b","type": "file","path":"/srv/b","size": 20,"struct_type": "node"}', // another spelling
      '{"name":"c","type":"file","path":"/srv/c","size":3e1,"struct_type":"node"}', // a size that is not plain digits
      '{"name":"d","type":"dir","path":"/srv/d","mode":2147484141,"struct_type":"node"}', // no owner
      '{"name":"e","type":"file","path":"/srv/e","uid":1000,"gid":100,"mode":384,"struct_type":"node"}', // empty: no size
      '{"name":"f\\"size\\":99,","type":"file","path":"/srv/f\\"size\\":99,","uid":1,"gid":2,"size":40,"mode":420,"struct_type":"node"}',
      '{"name":"g \\u0026 h","type":"symlink","path":"/srv/g \\u0026 h","uid":3,"gid":4,"mode":134218239,"struct_type":"node","message_type":"node"}',
      '{"name":"ø","type":"dir","path":"/srv/ø","uid":5,"gid":6,"mode":2147484096,"struct_type":"node"}',
      '{"name":"big","type":"file","path":"/srv/big","uid":7,"gid":8,"size":123456789012345678,"mode":420,"struct_type":"node"}',
    ];
    // the sum on stderr, the listing on stdout
    const r = await execLocal(`awk -v sum=1 ${shq(LISTING_AWK)}`, { input: lines.join('\n') + '\n' });
    expect(r.exitCode, r.stderr).toBe(0);
    const passedOn = r.stderr.split('\n').filter((l) => l.startsWith('?'));
    expect(passedOn).toHaveLength(2); // b and c
    expect(sumOf(r.stderr, { repository: 'R' })).toEqual({ value: 10 + 20 + 30 + 40 + 123456789012345678, nodes: 9 });
    // the listing: compact where the awk is certain, restic's own line where not; read back, what JSON would give
    const compact = r.stdout;
    expect(compact.split('\n').filter((l) => l.startsWith('?')).map((l) => l.slice(10, 11))).toEqual(['b', 'c', 'd', 'f', 'g']);
    expect(compact).toContain('file\t0\t0\t420\t10\t/srv/a\n');
    const nodes = lines.slice(1).map((l) => JSON.parse(l) as { type: string; path: string; uid: number; gid: number; mode: number; size?: number });
    const entry = (n: (typeof nodes)[number]) => ({
      path: n.path.slice('/srv/'.length),
      type: n.type === 'file' || n.type === 'dir' || n.type === 'symlink' ? n.type : 'other',
      size: n.type === 'file' ? (n.size ?? 0) : 0,
      uid: n.uid,
      gid: n.gid,
      mode: goModeToUnix(n.mode),
    });
    expect(await parseListing(compact, { repository: 'R' }, '/srv/')).toEqual(nodes.map(entry));
    // only what is under the snapshot's folder
    expect(await parseListing(compact, { repository: 'R' }, '/srv/d/')).toEqual([]);
    expect((await parseListing(compact, { repository: 'R' }, '/')).map((e) => e.path)).toEqual(nodes.map((n) => n.path.slice(1)));
    // as many nodes as the sum counted, or the listing is refused
    expect(await parseListing(compact, { repository: 'R' }, '/srv/', 9)).toHaveLength(9);
    await expect(parseListing(compact.split('\n').slice(0, -3).join('\n') + '\n', { repository: 'R' }, '/srv/', 9)).rejects.toThrow(/7 nodes where the walk counted 9/);
    // with sum=0 (a listing read on its own) the awk writes only the listing
    const alone = await execLocal(`awk -v sum=0 ${shq(LISTING_AWK)}`, { input: lines.join('\n') + '\n' });
    expect(alone.stdout).toBe(compact);
    expect(alone.stderr).toBe('');
    // a type spelled with an escape is restic's own line, for both
    const esc = '{"name":"u","type":"\\u0066ile","path":"/srv/u","uid":0,"gid":0,"size":5,"mode":420,"struct_type":"node"}';
    const e = await execLocal(`awk -v sum=1 ${shq(LISTING_AWK)}`, { input: `${esc}\n` });
    expect(e.stdout).toBe(`?${esc}\n`);
    expect(sumOf(e.stderr, { repository: 'R' })).toEqual({ value: 5, nodes: 1 });
  });

  it('reads a compact listing it cannot trust as a failure naming the repository', async () => {
    const bad = async (text: string) => {
      const err = await parseListing(text, { repository: '/srv/backup/restic' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, JSON.stringify(text)).toBeInstanceOf(StepFailed);
      expect((err as Error).message).toContain('/srv/backup/restic');
    };
    await bad('file\t0\t0\t420\n'); // torn: fields missing
    await bad('file\t\t0\t420\t1\t/srv/a\n'); // an empty owner
    await bad('file\t0\t0\t42x\t1\t/srv/a\n'); // a mode that is not digits
    await bad('file\t0\t0\t420\t-1\t/srv/a\n'); // nor a size
    await bad('?{"type":"file",\n'); // restic's line, torn
    expect(await parseListing('', { repository: 'R' })).toEqual([]);
  });

  it('refuses an answer it cannot read, naming the repository', () => {
    const failure = (stdout: string) => {
      try {
        sumOf(stdout, { repository: '/srv/backup/restic' });
      } catch (err) {
        expect(err).toBeInstanceOf(StepFailed);
        expect((err as Error).message).toContain('/srv/backup/restic');
        return (err as Error).message;
      }
      throw new Error(`no failure for ${JSON.stringify(stdout)}`);
    };
    expect(failure('NODES 3\n')).toMatch(/could not sum/);
    expect(failure('?{"type":"file","size":"many","struct_type":"node"}\nNODES 0\nBYTES 0\n')).toMatch(/not a number/);
    expect(failure('?{not json\nNODES 0\nBYTES 0\n')).toMatch(/could not read/);
  });
});

describe('restic: the listing verification reads', () => {
  it('runs at nice 19 when asked to run in the background', async () => {
    const standby = new RecordingStandby(dir);
    const [snap] = await resticAdapter.listSnapshots(standby, source());
    const entries = await collect(resticAdapter.manifest(standby, source(), snap, { background: true, signal: new AbortController().signal, timeoutMs: 120_000 }));
    expect(entries.length).toBeGreaterThan(AWKWARD.length);
    const listing = standby.calls.find((c) => c.command.includes(' ls ') && c.command.includes('--recursive'));
    expect(listing).toBeDefined();
    expect(listing!.command.startsWith(lowPriority(''))).toBe(true);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('is stopped by its signal, leaving no temporary file', async () => {
    // a fresh snapshot, so that nothing of it is remembered from the tests above
    run('restic', ['-r', repo, 'backup', '-q', src], { env: env() });
    const standby = new RecordingStandby(dir);
    const snaps = await resticAdapter.listSnapshots(standby, source());
    const stop = new AbortController();
    // well after the temporary file is unlinked (a few milliseconds after the start), while restic still runs (its key
    // derivation alone takes some 0.3 s)
    setTimeout(() => stop.abort(), 400);
    const err = await collect(resticAdapter.manifest(standby, source(), snaps[snaps.length - 1], { background: true, signal: stop.signal })).then(
      () => undefined,
      (e: unknown) => e,
    );
    // stopped while restic ran (Interrupted) or, on a fast machine, after it finished: either way nothing is left behind
    if (err !== undefined) expect(err).toBeInstanceOf(Interrupted);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});

describe('restic: over SSH, the listing kept on the standby between the gate and verification', () => {
  it('sums on the standby, reads the same walk afterwards, and leaves no process or file behind', async () => {
    if (!needImage('continuity/standby:latest')) return;
    const sb = await startStandby({ binds: [{ source: dir, target: '/backup', mode: 'ro' }] });
    const ssh = await SshStandby.connect({ user: 'root', host: sb.host, port: sb.port, identityFile: sb.identityFile, knownHostsFile: sb.knownHostsFile });
    try {
      const standby = new RecordingStandby(dir, ssh);
      const remote = { ...source(), repository: '/backup/repo' };
      const snaps = await resticAdapter.listSnapshots(standby, remote);
      const snap = snaps[snaps.length - 1];
      const bytes = await resticAdapter.snapshotBytes(standby, remote, snap);
      expect(bytes).toBe(bytesOnDisk());
      const walk = standby.calls.filter((c) => c.command.includes(' ls '));
      expect(walk).toHaveLength(1);
      expect(walk[0].stdoutBytes).toBeLessThan(200);
      const entries = await collect(resticAdapter.manifest(standby, remote, snap, { background: true }));
      expect(standby.calls.filter((c) => c.command.includes(' ls '))).toHaveLength(1);
      expect(entries.filter((e) => e.type === 'file').reduce((n, e) => n + e.size, 0)).toBe(bytes);
      // the holder is gone (read, then stopped) and nothing is in the standby's temporary folder
      const left = await sb.exec('sleep 0.5; ps -eo args | grep -c "^sleep 300" ; ls /var/tmp | grep -c "^continuity-restic\\."; true');
      expect(left.stdout.trim().split('\n')).toEqual(['0', '0']);
    } finally {
      await ssh.close();
      await stopAll();
    }
  }, 180_000);
});

describe('restic: a restore under the space guard (restic run in the background, the password handed over on fd 3)', () => {
  /**
   * A restore of the snapshot (the first, or `on`'s) into a fresh folder, guarded by a floor above all free space: held
   * at the guard's first look. Never left held: stopped and waited for when the test ends.
   */
  async function heldRestore(name: string, on?: { standby: Standby; snap: Snapshot }) {
    const standby = on?.standby ?? new LocalStandby(dir);
    const snap = on?.snap ?? (await resticAdapter.listSnapshots(standby, source()))[0];
    const target = path.join(dir, name);
    const file = path.join(dir, `${name}.answer`);
    const s = fs.statfsSync(dir);
    const progress: string[] = [];
    const restoring = resticAdapter.restore(standby, source(), snap, target, {
      timeoutMs: 60_000,
      spaceGuard: { file, floorBytes: s.bavail * s.bsize + 1024 ** 3 },
      onProgress: (p) => progress.push(p.message ?? ''),
    });
    restoring.catch(() => {});
    onTestFinished(async () => {
      await execLocal(answerCommand({ file }, 'stop'));
      await restoring.catch(() => {});
    });
    for (let i = 0; i < 200 && !progress.some((m) => m.startsWith('held')); i++) await new Promise((r) => setTimeout(r, 50));
    return { target, file, restoring, progress };
  }

  /** A snapshot of its own (nothing of it remembered), counted as a drill's gate does: its listing kept while `lock` exists. */
  async function keptCount(standby: RecordingStandby, lock: string) {
    run('restic', ['-r', repo, 'backup', '-q', src], { env: env() });
    const snaps = await resticAdapter.listSnapshots(standby, source());
    const snap = snaps[snaps.length - 1];
    const lockDir = path.join(dir, lock);
    fs.mkdirSync(lockDir);
    const bytes = await resticAdapter.snapshotBytes(standby, source(), snap, { background: true, keepWhile: { folder: lockDir, maxSeconds: 600 } });
    const m = /^HELD (\d+) (.+)$/m.exec(standby.calls.filter((c) => c.command.includes(' ls ')).at(-1)!.stdout);
    expect(m).not.toBeNull();
    return { snap, lockDir, bytes, held: { pid: Number(m![1]), file: m![2] } };
  }

  it('held, then `go`: restic resumes, the restore completes and reports its own check', async () => {
    const h = await heldRestore('guard-go');
    expect(h.progress.find((m) => m.startsWith('held'))).toMatch(/^held with .* free until the snapshot's size is counted$/);
    expect((await execLocal(answerCommand({ file: h.file }, 'go'))).exitCode).toBe(0);
    const report = await h.restoring;
    expect(report?.contentVerified?.by).toBe('restic restore --verify');
    expect(h.progress).toContain(`restoring snapshot ${(await resticAdapter.listSnapshots(new LocalStandby(dir), source()))[0].id.slice(0, 8)} (resumed: it fits)`);
    const restored = fs.readdirSync(h.target).sort();
    expect(restored).toEqual(['etc', 'home0']);
  });

  it('a listing asked for in the background while its snapshot is restored is read once the restore is over, kept meanwhile by the lock', async () => {
    const standby = new RecordingStandby(dir);
    // the gate's count, its listing kept while the lock's folder exists (HOLD_SECONDS alone would end at 300 s)
    const { snap, lockDir, bytes, held } = await keptCount(standby, 'lock-after-restore');
    const h = await heldRestore('after-restore', { standby, snap });
    expect(h.progress.some((m) => m.startsWith('held'))).toBe(true);
    let read = false;
    const reading = collect(resticAdapter.manifest(standby, source(), snap, { background: true, signal: new AbortController().signal, timeoutMs: 60_000 }));
    void reading.then(
      () => (read = true),
      () => (read = true),
    );
    // the restore is held: the listing waits for its end, still kept on the standby
    await new Promise((r) => setTimeout(r, 1500));
    expect(read).toBe(false);
    expect(standby.calls.some((c) => c.command.includes(`/proc/${held.pid}/fd/6`))).toBe(false);
    expect(await holding(held.pid, held.file)).toBe(true);
    expect((await execLocal(answerCommand({ file: h.file }, 'go'))).exitCode).toBe(0);
    await h.restoring;
    const entries = await reading;
    // read from the kept listing (no second walk); the read was not made while the restore was held (above), and
    // was made after the restore's command ended
    expect(standby.calls.filter((c) => c.command.includes(' ls '))).toHaveLength(1);
    const restoreEnded = standby.log.findIndex((l) => l.startsWith('ended ') && l.includes(' restore '));
    const listingRead = standby.log.findIndex((l) => l.includes(`/proc/${held.pid}/fd/6`));
    expect(restoreEnded).toBeGreaterThanOrEqual(0);
    expect(listingRead).toBeGreaterThan(restoreEnded);
    expect(entries.filter((e) => e.type === 'file').reduce((n, e) => n + e.size, 0)).toBe(bytes);
    expect(await holding(held.pid, held.file)).toBe(false);
    fs.rmSync(lockDir, { recursive: true });
  });

  it('a kept listing goes with the lock: its holder ends once the folder is gone, and a listing stopped before its read is let go', async () => {
    const standby = new RecordingStandby(dir);
    const first = await keptCount(standby, 'lock-goes');
    expect(await holding(first.held.pid, first.held.file)).toBe(true);
    // the drill's cleanup removes its lock: the holder looks every 2 s, so it is gone within 5 s (holding waits that long)
    fs.rmSync(first.lockDir, { recursive: true });
    await new Promise((r) => setTimeout(r, 2500));
    expect(await holding(first.held.pid, first.held.file)).toBe(false);
    expect(await heldOpen()).toEqual([]);

    // a listing waiting for a restore (held by the guard) and then stopped: its holder is stopped with it
    const { snap, lockDir, held } = await keptCount(standby, 'lock-stopped');
    const h = await heldRestore('stopped-read', { standby, snap });
    const stop = new AbortController();
    const reading = collect(resticAdapter.manifest(standby, source(), snap, { background: true, signal: stop.signal, timeoutMs: 60_000 }));
    reading.catch(() => {});
    await new Promise((r) => setTimeout(r, 500));
    stop.abort(new Error('not needed'));
    await expect(reading).rejects.toThrow('not needed');
    expect(await holding(held.pid, held.file)).toBe(false);
    expect((await execLocal(answerCommand({ file: h.file }, 'stop'))).exitCode).toBe(0);
    await expect(h.restoring).rejects.toThrow(StepFailed);
    fs.rmSync(lockDir, { recursive: true });
    expect(await heldOpen()).toEqual([]);

    // a listing waiting for a restore that then fails (stopped by the guard): not read, and its holder let go at once
    const third = await keptCount(standby, 'lock-failed');
    const h3 = await heldRestore('failed-restore', { standby, snap: third.snap });
    const reading3 = collect(resticAdapter.manifest(standby, source(), third.snap, { background: true, signal: new AbortController().signal, timeoutMs: 60_000 }));
    reading3.catch(() => {});
    expect((await execLocal(answerCommand({ file: h3.file }, 'stop'))).exitCode).toBe(0);
    await expect(h3.restoring).rejects.toThrow(StepFailed);
    await expect(reading3).rejects.toThrow(`restic: the restore from ${repo} failed: its listing is not read`);
    expect(standby.calls.some((c) => c.command.includes(`cat /proc/${third.held.pid}/`))).toBe(false);
    // the lock folder is still there: only the release can have ended the holder
    expect(fs.existsSync(third.lockDir)).toBe(true);
    expect(await holding(third.held.pid, third.held.file)).toBe(false);
    fs.rmSync(third.lockDir, { recursive: true });
    expect(await heldOpen()).toEqual([]);
  });

  it('held, then `stop`: restic is killed, the restore fails saying why, and nothing is left in the target', async () => {
    const h = await heldRestore('guard-stop');
    expect(h.progress.some((m) => m.startsWith('held'))).toBe(true);
    expect((await execLocal(answerCommand({ file: h.file }, 'stop'))).exitCode).toBe(0);
    const err = await h.restoring.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StepFailed);
    expect((err as Error).message).toBe(`restic: the restore from ${repo} was stopped: the snapshot does not fit on the standby`);
    expect((err as Error).message).not.toContain(PASSWORD);
    expect(fs.readdirSync(h.target)).toEqual([]);
    expect((await execLocal(`pgrep -f ${shq(`--target ${h.target}/`)} || true`)).stdout).toBe('');
  });
});
