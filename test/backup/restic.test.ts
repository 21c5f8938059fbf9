// restic snapshots restored by the real restic (--no-lock) on the local standby, from a read-only view of the repository.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepFailed } from '../../src/core/errors.ts';
import { resticAdapter } from '../../src/io/backup/restic.ts';
import { LocalStandby } from '../../src/io/standby/local.ts';
import { CHOSEN, makeBackups, PASSWORD, run, type Backups } from '../support/backup-fixtures.ts';
import { adapterContract } from './adapter-contract.ts';
import { Recording } from '../support/recording-standby.ts';
import { localStandby } from './local-standby.ts';

let b: Backups | undefined;
afterAll(() => b?.cleanup());

adapterContract({
  name: 'restic adapter, local standby',
  adapter: resticAdapter,
  backups: () => (b ??= makeBackups(['restic'])),
  repoKey: 'restic',
  password: true,
  contentByRestore: true,
  standby: localStandby,
});

describe('restic adapter: bad password and damaged repository', () => {
  let own: Backups;
  beforeAll(() => {
    own = makeBackups(['restic']);
  });
  afterAll(() => own.cleanup());

  it('refuses a wrong password without printing either password', async () => {
    const standby = new LocalStandby(own.dir);
    const wrong = 'not-the-password-xyz';
    const err = await resticAdapter
      .listSnapshots(standby, { tool: 'restic', repository: own.repos.restic!, paths: CHOSEN, password: wrong })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(StepFailed);
    expect((err as Error).message).toContain(own.repos.restic!);
    expect((err as Error).message).toMatch(/wrong password|no key found/i);
    expect((err as Error).message).not.toContain(wrong);
    expect((err as Error).message).not.toContain(PASSWORD);
  });

  it('names the repository when a data pack is corrupted', async () => {
    const repo = own.repos.restic!;
    // corrupt every pack file in the middle: whatever restic reads next fails its authentication check
    const packs = run('find', [path.join(repo, 'data'), '-type', 'f']).trim().split('\n');
    for (const p of packs) {
      const fd = fs.openSync(p, 'r+');
      const size = fs.fstatSync(fd).size;
      fs.writeSync(fd, Buffer.alloc(64, 0xff), 0, 64, Math.floor(size / 3));
      fs.closeSync(fd);
    }
    const standby = new LocalStandby(own.dir);
    const source = { tool: 'restic' as const, repository: repo, paths: CHOSEN, password: PASSWORD };
    const [, newest] = await resticAdapter.listSnapshots(standby, source);
    const attempts = [
      () => resticAdapter.restore(standby, source, newest, path.join(own.dir, 'out'), {}),
      async () => {
        for await (const _ of resticAdapter.manifest(standby, source, newest));
      },
    ];
    for (const attempt of attempts) {
      const err = await attempt().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(StepFailed);
      expect((err as Error).message).toContain(repo);
      expect((err as Error).message).not.toContain(PASSWORD);
    }
  });
});

/** What a restic command of the adapter is: its restore, its read of a tree's top, or (shortened) anything else. */
const callKind = (c: string) => (/ restore [0-9a-f]{64} /.test(c) ? 'restore' : / ls --json [0-9a-f]{64} \/$/.test(c) ? 'ls /' : c.slice(0, 60));

describe('restic adapter: snapshots made with relative paths', () => {
  // `restic backup skole` run in /srv stores the tree as /skole, `restic backup .` run in /srv/skole stores the
  // folder's content at the top, `restic backup ../srv/skole` stores /srv/skole; `paths` says /srv/skole each time.
  let dir: string;
  let src: string;
  let repo: string;
  const env = { RESTIC_PASSWORD: PASSWORD, RESTIC_CACHE_DIR: '' };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-restic-rel-'));
    src = path.join(dir, 'srv', 'skole');
    fs.mkdirSync(path.join(src, 'tjener', 'home0', 'elev1'), { recursive: true });
    fs.mkdirSync(path.join(src, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(src, 'tjener', 'home0', 'elev1', 'stil.txt'), 'min stil\n', { mode: 0o600 });
    fs.writeFileSync(path.join(src, 'etc', 'hosts'), '127.0.0.1 localhost\n');
    fs.chmodSync(path.join(src, 'tjener', 'home0', 'elev1'), 0o700);
    repo = path.join(dir, 'repo');
    env.RESTIC_CACHE_DIR = path.join(dir, 'cache');
    run('restic', ['init', '-q', '-r', repo], { env: { ...process.env, ...env } });
    const backup = (cwd: string, what: string, time: string) =>
      run('restic', ['-r', repo, 'backup', '-q', '--time', time, what], { cwd, env: { ...process.env, ...env } });
    backup(path.join(dir, 'srv'), 'skole', '2026-11-20 02:00:00');
    backup(src, '.', '2026-11-21 02:00:00');
    backup(path.join(dir, 'srv'), '../srv/skole', '2026-11-22 02:00:00');
    backup(dir, src, '2026-11-23 02:00:00'); // absolute
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('restores, sizes and lists the chosen paths of each, wherever the tree keeps them', async () => {
    const standby = new LocalStandby(dir);
    const source = { tool: 'restic' as const, repository: repo, paths: ['tjener/home0', 'etc'], password: PASSWORD };
    const snapshots = await resticAdapter.listSnapshots(standby, source);
    expect(snapshots).toHaveLength(4);
    for (const [i, snapshot] of snapshots.entries()) {
      expect(await resticAdapter.snapshotBytes(standby, source, snapshot)).toBe('min stil\n'.length + '127.0.0.1 localhost\n'.length);
      const target = path.join(dir, `out-${i}`);
      await resticAdapter.restore(standby, source, snapshot, target, {});
      expect(fs.readFileSync(path.join(target, 'tjener/home0/elev1/stil.txt'), 'utf8')).toBe('min stil\n');
      expect(fs.statSync(path.join(target, 'tjener/home0/elev1')).mode & 0o777).toBe(0o700);
      expect(fs.readdirSync(target).sort()).toEqual(['etc', 'tjener']);
      const listed: string[] = [];
      for await (const e of resticAdapter.manifest(standby, source, snapshot)) listed.push(`${e.type} ${e.path}`);
      expect(listed.sort()).toEqual(['dir etc', 'dir tjener/home0', 'dir tjener/home0/elev1', 'file etc/hosts', 'file tjener/home0/elev1/stil.txt']);
    }
  }, 120_000);

  it("restores with only the snapshot list known (a drill's walk still running): one restic call where the folder is at its path, the tree's top read only where it is not", async () => {
    const standby = new Recording(dir); // a standby of its own: nothing of the test above is remembered
    const source = { tool: 'restic' as const, repository: repo, paths: ['tjener/home0', 'etc'], password: PASSWORD };
    const snapshots = await resticAdapter.listSnapshots(standby, source);
    const kinds: string[][] = [];
    for (const [i, snapshot] of snapshots.entries()) {
      const from = standby.commands.length;
      const target = path.join(dir, `first-${i}`);
      await resticAdapter.restore(standby, source, snapshot, target, {});
      expect(fs.readFileSync(path.join(target, 'tjener/home0/elev1/stil.txt'), 'utf8')).toBe('min stil\n');
      expect(fs.statSync(path.join(target, 'tjener/home0/elev1')).mode & 0o777).toBe(0o700);
      // nothing else: not the staging folder of a restore that found nothing at the claimed path
      expect(fs.readdirSync(target).sort()).toEqual(['etc', 'tjener']);
      kinds.push(standby.commands.slice(from).map(callKind));
    }
    // oldest first: `backup skole`, `backup .`, `backup ../srv/skole` keep the folder elsewhere; the absolute one at its path
    expect(kinds).toEqual([['restore', 'ls /', 'restore'], ['restore', 'ls /', 'restore'], ['restore', 'ls /', 'restore'], ['restore']]);
  }, 120_000);

  it('restores the whole snapshot (no paths chosen) the same way, a wrong first guess restoring nothing', async () => {
    const standby = new Recording(dir);
    const source = { tool: 'restic' as const, repository: repo, paths: [], password: PASSWORD };
    const kinds: string[][] = [];
    for (const [i, snapshot] of (await resticAdapter.listSnapshots(standby, source)).entries()) {
      const from = standby.commands.length;
      const target = path.join(dir, `whole-${i}`);
      await resticAdapter.restore(standby, source, snapshot, target, {});
      expect(fs.readdirSync(target).sort()).toEqual(['etc', 'tjener']);
      expect(fs.readFileSync(path.join(target, 'etc/hosts'), 'utf8')).toBe('127.0.0.1 localhost\n');
      const cmds = standby.commands.slice(from);
      // the first try names the folder's supposed place: at the wrong one it restores nothing
      expect(cmds[0]).toContain(`--include ${src}`);
      kinds.push(cmds.map(callKind));
    }
    expect(kinds).toEqual([['restore', 'ls /', 'restore'], ['restore', 'ls /', 'restore'], ['restore', 'ls /', 'restore'], ['restore']]);
  }, 120_000);

  it("reads a relative snapshot's tree top once when the walk and the restore both need it, and lists what was restored", async () => {
    const standby = new Recording(dir);
    const source = { tool: 'restic' as const, repository: repo, paths: ['tjener/home0', 'etc'], password: PASSWORD };
    const [oldest] = await resticAdapter.listSnapshots(standby, source); // `backup skole`: the tree keeps /skole
    const target = path.join(dir, 'both');
    const [bytes] = await Promise.all([resticAdapter.snapshotBytes(standby, source, oldest), resticAdapter.restore(standby, source, oldest, target, {})]);
    expect(bytes).toBe('min stil\n'.length + '127.0.0.1 localhost\n'.length);
    expect(standby.commands.filter((c) => callKind(c) === 'ls /')).toHaveLength(1);
    const listed: string[] = [];
    for await (const e of resticAdapter.manifest(standby, source, oldest)) listed.push(`${e.type} ${e.path}`);
    expect(listed.sort()).toEqual(['dir etc', 'dir tjener/home0', 'dir tjener/home0/elev1', 'file etc/hosts', 'file tjener/home0/elev1/stil.txt']);
  }, 120_000);

  it('names a chosen path that is in no snapshot, wherever the folder is, and leaves the target empty', async () => {
    const standby = new Recording(dir);
    const source = { tool: 'restic' as const, repository: repo, paths: ['tjener/home0', 'tjener/home9'], password: PASSWORD };
    for (const snapshot of await resticAdapter.listSnapshots(standby, source)) {
      const target = path.join(dir, `none-${snapshot.id.slice(0, 8)}`);
      const err = await resticAdapter.restore(standby, source, snapshot, target, {}).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(StepFailed);
      expect((err as Error).message).toBe(`restic: tjener/home9: not in snapshot ${snapshot.id.slice(0, 8)} of ${repo}`);
      // nothing moved into place, no staging folder left
      expect(fs.readdirSync(target)).toEqual([]);
    }
  }, 120_000);
});
