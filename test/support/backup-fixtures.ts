// A small, realistic school file tree (owners, private modes, a symlink, UTF-8 names, a larger file) and real
// backups of it made by each tool: two snapshots, a day apart, with the tree changed in between.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FileEntry } from '../../src/io/backup/types.ts';

export type Tool = 'tar' | 'rsync' | 'rdiff-backup' | 'restic' | 'borg';

/** The password of the fixture restic and borg repositories; tests check it never shows up anywhere. */
export const PASSWORD = 'Rødgrøt med fløte 7!';
/** Paths a drill restores (relative to the backup root); `skole/tjener/home1` is backed up but not chosen. */
export const CHOSEN = ['skole/tjener/home0', 'etc'];
/** Snapshot times of the two backups. */
export const TIMES = { v1: new Date('2026-11-24T02:00:00Z'), v2: new Date('2026-11-25T02:00:00Z') };

/** Run a program, throwing with its stderr on failure. */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): string {
  try {
    return execFileSync(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      input: opts.input,
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

function write(root: string, rel: string, content: string | Buffer, mode: number, uid: number, gid: number): void {
  const full = path.join(root, rel);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, content);
  fs.chmodSync(full, mode);
  fs.chownSync(full, uid, gid);
}

function dir(root: string, rel: string, mode: number, uid: number, gid: number): void {
  const full = path.join(root, rel);
  fs.mkdirSync(full, { recursive: true });
  fs.chmodSync(full, mode);
  fs.chownSync(full, uid, gid);
}

/** Version 1 of the tree: pupils' private homes, a teacher's home with a larger file, a shared setgid folder, /etc. */
export function makeTreeV1(root: string): void {
  dir(root, 'skole', 0o755, 0, 0);
  dir(root, 'skole/tjener', 0o755, 0, 0);
  dir(root, 'skole/tjener/home0', 0o755, 0, 0);
  dir(root, 'skole/tjener/home0/elev01', 0o700, 1001, 1001);
  write(root, 'skole/tjener/home0/elev01/.bashrc', 'export LANG=nb_NO.UTF-8\n', 0o644, 1001, 1001);
  write(root, 'skole/tjener/home0/elev01/notater.txt', 'Første utkast\n', 0o600, 1001, 1001);
  write(root, 'skole/tjener/home0/elev01/Oppgåve 1 – ære og æøå.odt', randomBytes(20_000), 0o640, 1001, 1001);
  fs.symlinkSync('Oppgåve 1 – ære og æøå.odt', path.join(root, 'skole/tjener/home0/elev01/siste oppgåve'));
  fs.lchownSync(path.join(root, 'skole/tjener/home0/elev01/siste oppgåve'), 1001, 1001);
  dir(root, 'skole/tjener/home0/elev02', 0o700, 1002, 1002);
  write(root, 'skole/tjener/home0/elev02/prosjekt/rapport.md', '# Rapport\n\nVår klasse.\n', 0o600, 1002, 1002);
  fs.chownSync(path.join(root, 'skole/tjener/home0/elev02/prosjekt'), 1002, 1002);
  fs.chmodSync(path.join(root, 'skole/tjener/home0/elev02/prosjekt'), 0o700);
  write(root, 'skole/tjener/home0/elev02/tom fil', '', 0o600, 1002, 1002);
  dir(root, 'skole/tjener/home0/laerer01', 0o750, 1101, 1100);
  write(root, 'skole/tjener/home0/laerer01/video/forelesning.bin', randomBytes(6 * 1024 * 1024 + 123), 0o644, 1101, 1100);
  fs.chownSync(path.join(root, 'skole/tjener/home0/laerer01/video'), 1101, 1100);
  dir(root, 'skole/tjener/home0/felles', 0o2770, 0, 1100);
  write(root, 'skole/tjener/home0/felles/timeplan.csv', 'mandag;norsk\ntirsdag;matte\n', 0o660, 1101, 1100);
  dir(root, 'skole/tjener/home1', 0o755, 0, 0);
  write(root, 'skole/tjener/home1/elev99/ikke valgt.txt', 'not chosen\n', 0o600, 1099, 1099);
  dir(root, 'etc', 0o755, 0, 0);
  write(root, 'etc/hosts', '127.0.0.1 localhost\n10.0.2.2 tjener.intern tjener\n', 0o644, 0, 0);
  write(root, 'etc/shadow', 'root:*:19000:0:99999:7:::\n', 0o640, 0, 42);
}

/** Version 2: a pupil edits a file, a new pupil arrives, a file is deleted, a mode changes. */
export function mutateToV2(root: string): void {
  fs.appendFileSync(path.join(root, 'skole/tjener/home0/elev01/notater.txt'), 'Andre utkast, mye lengre enn det første.\n');
  dir(root, 'skole/tjener/home0/elev03', 0o700, 1003, 1003);
  write(root, 'skole/tjener/home0/elev03/hei.txt', 'Hei!\n', 0o600, 1003, 1003);
  fs.rmSync(path.join(root, 'skole/tjener/home0/elev02/tom fil'));
  fs.chmodSync(path.join(root, 'etc/hosts'), 0o600);
  write(root, 'etc/motd', 'Velkommen\n', 0o644, 0, 0);
}

export interface Backups {
  /** scratch folder holding everything; remove with `cleanup()` */
  dir: string;
  /** the source tree as it was at each backup (compare restores and manifests with these) */
  expected: { v1: string; v2: string };
  /** repository path per tool (tar: one per compression) */
  repos: Partial<Record<Tool | 'tar.gz' | 'tar.zst', string>>;
  cleanup(): void;
}

const TAR_KINDS = [
  { key: 'tar', ext: '.tar', flag: [] as string[] },
  { key: 'tar.gz', ext: '.tar.gz', flag: ['-z'] },
  { key: 'tar.zst', ext: '.tar.zst', flag: ['--zstd'] },
] as const;

function backup(tool: Tool, src: string, b: Backups, version: 'v1' | 'v2'): void {
  const time = TIMES[version];
  const stamp = time.toISOString().replace(/:\d\d\.\d+Z$/, '').replace(':', ''); // 2026-11-24T0200
  const secret = { RESTIC_PASSWORD: PASSWORD, BORG_PASSPHRASE: PASSWORD };
  switch (tool) {
    case 'tar':
      for (const k of TAR_KINDS) {
        const repo = (b.repos[k.key] ??= path.join(b.dir, 'repos', k.key.replace('.', '-')));
        fs.mkdirSync(repo, { recursive: true });
        run('tar', ['-c', ...k.flag, '-f', path.join(repo, `tjener-${stamp}Z${k.ext}`), '-C', src, 'skole', 'etc']);
      }
      break;
    case 'rsync': {
      // a plain mirror: one snapshot; the backup job touches .continuity-snapshot when it finishes
      const repo = (b.repos.rsync ??= path.join(b.dir, 'repos', 'rsync-mirror'));
      fs.mkdirSync(repo, { recursive: true });
      run('rsync', ['-aHAX', '--numeric-ids', '--delete', '--exclude=/.continuity-snapshot', `${src}/`, `${repo}/`]);
      fs.writeFileSync(path.join(repo, '.continuity-snapshot'), '');
      fs.utimesSync(path.join(repo, '.continuity-snapshot'), time, time);
      break;
    }
    case 'rdiff-backup': {
      // slbackup's layout: /skole/backup/<host> holding skole/tjener/home0, etc, ...
      const repo = (b.repos['rdiff-backup'] ??= path.join(b.dir, 'repos', 'skole', 'backup', 'tjener'));
      fs.mkdirSync(path.dirname(repo), { recursive: true });
      run('rdiff-backup', ['--api-version', '201', '--current-time', String(time.getTime() / 1000), 'backup', src, repo]);
      break;
    }
    case 'restic': {
      const repo = (b.repos.restic ??= path.join(b.dir, 'repos', 'restic'));
      if (!fs.existsSync(repo)) run('restic', ['init', '-q', '-r', repo], { env: secret });
      run('restic', ['-r', repo, 'backup', '-q', '--time', time.toISOString().slice(0, 19).replace('T', ' '), src], {
        env: { ...secret, TZ: 'UTC', RESTIC_CACHE_DIR: path.join(b.dir, 'cache', 'restic') },
      });
      break;
    }
    case 'borg': {
      const repo = (b.repos.borg ??= path.join(b.dir, 'repos', 'borg'));
      const env = {
        ...secret,
        BORG_BASE_DIR: path.join(b.dir, 'cache', 'borg'),
        TZ: 'UTC',
      };
      fs.mkdirSync(path.dirname(repo), { recursive: true });
      if (!fs.existsSync(repo)) run('borg', ['init', '-e', 'repokey', repo], { env });
      run('borg', ['create', '--timestamp', time.toISOString().slice(0, 19), `${repo}::tjener-${stamp}`, 'skole', 'etc'], {
        cwd: src,
        env,
      });
      break;
    }
  }
}

/** Make the tree, back it up with each tool (v1), change it, back it up again (v2). */
export function makeBackups(tools: Tool[]): Backups {
  const dirPath = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-backups-'));
  const b: Backups = {
    dir: dirPath,
    expected: { v1: path.join(dirPath, 'expected-v1'), v2: path.join(dirPath, 'expected-v2') },
    repos: {},
    cleanup: () => fs.rmSync(dirPath, { recursive: true, force: true }),
  };
  const src = path.join(dirPath, 'src');
  fs.mkdirSync(src);
  makeTreeV1(src);
  for (const t of tools) backup(t, src, b, 'v1');
  run('cp', ['-a', src, b.expected.v1]);
  mutateToV2(src);
  for (const t of tools) backup(t, src, b, 'v2');
  run('cp', ['-a', src, b.expected.v2]);
  return b;
}

/** What a directory holds under the chosen paths, read with plain fs calls (the test's own oracle). */
export function treeOf(root: string, paths: string[] = CHOSEN): Map<string, FileEntry> {
  const out = new Map<string, FileEntry>();
  const visit = (rel: string) => {
    const full = path.join(root, rel);
    const st = fs.lstatSync(full);
    const e: FileEntry = { path: rel, type: 'other', size: 0, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
    if (st.isFile()) {
      e.type = 'file';
      e.size = st.size;
      e.sha256 = createHash('sha256').update(fs.readFileSync(full)).digest('hex');
    } else if (st.isSymbolicLink()) {
      e.type = 'symlink';
      e.target = fs.readlinkSync(full);
    } else if (st.isDirectory()) {
      e.type = 'dir';
    }
    out.set(rel, e);
    if (st.isDirectory()) for (const n of fs.readdirSync(full).sort()) visit(`${rel}/${n}`);
  };
  for (const p of paths) visit(p);
  return out;
}

/** Entries as a path-keyed map, for comparing a manifest with `treeOf`. */
export function byPath(entries: Iterable<FileEntry>): Map<string, FileEntry> {
  const m = new Map<string, FileEntry>();
  for (const e of entries) m.set(e.path, { ...e, ...(e.type === 'file' ? {} : { sha256: undefined }) });
  return m;
}

/** A fingerprint of everything in a repository: paths, types, modes, owners, sizes, mtimes and contents. */
export function hashRepository(root: string): string {
  const h = createHash('sha256');
  const visit = (rel: string) => {
    const full = path.join(root, rel);
    const st = fs.lstatSync(full);
    h.update(`${rel}\0${st.mode}\0${st.uid}\0${st.gid}\0${st.size}\0${st.mtimeMs}\0`);
    if (st.isFile()) h.update(fs.readFileSync(full));
    else if (st.isSymbolicLink()) h.update(fs.readlinkSync(full));
    else if (st.isDirectory()) for (const n of fs.readdirSync(full).sort()) visit(rel ? `${rel}/${n}` : n);
  };
  visit('');
  return h.digest('hex');
}

/**
 * A read-only view of a folder (a bind mount remounted `ro`), as a backup disk mounted read-only on a standby.
 * Needs root; in CI a failure to mount fails the test.
 */
export function readOnlyView(source: string): { path: string; release(): void } {
  const view = `${source}-ro`;
  fs.mkdirSync(view, { recursive: true });
  try {
    run('mount', ['--bind', source, view]);
    run('mount', ['-o', 'remount,bind,ro', view]);
  } catch (err) {
    try {
      run('umount', [view]);
    } catch {
      /* was not mounted */
    }
    throw new Error(`could not mount ${source} read-only at ${view} (tests run as root): ${(err as Error).message}`);
  }
  return {
    path: view,
    release: () => {
      run('umount', [view]);
      fs.rmdirSync(view);
    },
  };
}
