// borg's content check by the repository's own chunk ids (checkContent) and its metadata-only manifest
// (manifest with content: false), on real repositories made by the real borg: against what borg export-tar
// streams, with files whose chunk lists were made with other chunker params (borg's files cache keeps them), a
// large file of several chunks, hard links across the chosen paths, a byte flipped after a real restore, the
// `borg` commands' way where borg's python cannot be used, and whole drills.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrill } from '../../src/app/run-drill.ts';
import { borgAdapter } from '../../src/io/backup/borg.ts';
import type { BackupSource, FileEntry, Snapshot } from '../../src/io/backup/types.ts';
import { LocalStandby } from '../../src/io/standby/local.ts';
import { shq, type Standby } from '../../src/io/standby/types.ts';
import { CHOSEN, hashRepository, makeTreeV1, PASSWORD, run } from '../support/backup-fixtures.ts';
import { needTool } from '../support/tools.ts';
import { Recording } from '../support/recording-standby.ts';
import { writeSite } from '../drill/site-fixture.ts';


const has = needTool('borg');
let dir = '';
let repo = '';
let src = '';
let before = '';
const env = () => ({ BORG_PASSPHRASE: PASSWORD, BORG_BASE_DIR: path.join(dir, 'cli-base'), TZ: 'UTC' });
const source = (paths = CHOSEN): BackupSource => ({ tool: 'borg', repository: repo, paths, password: PASSWORD });
const snap = (id: string): Snapshot => ({ id, time: new Date() });
/** the small chunker of the later archives: 1 KiB minimum, 16 KiB maximum, 4 KiB on average */
const SMALL = 'buzhash,10,14,12,4095';
const BIG = 'skole/tjener/home0/laerer01/video/opptak.bin';

const chunkCount = (archive: string, file: string) =>
  Number(run('borg', ['list', '--bypass-lock', '--format', '{num_chunks}', `${repo}::${archive}`, file], { env: env() }).trim());
const chunkerParams = (archive: string) =>
  (JSON.parse(run('borg', ['info', '--bypass-lock', '--json', `${repo}::${archive}`], { env: env() })) as { archives: { chunker_params: unknown[] }[] }).archives[0]
    .chunker_params;

async function collect(it: AsyncIterable<FileEntry>): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

/** The adapter's export-tar manifest (every file read from the archive and hashed), without the digests. */
async function exportTarManifest(paths: string[], archive: string): Promise<FileEntry[]> {
  const all = await collect(borgAdapter.manifest(new LocalStandby(dir), source(paths), snap(archive)));
  expect(all.filter((e) => e.type === 'file').every((e) => typeof e.sha256 === 'string')).toBe(true);
  return all.map(({ sha256: _, ...e }) => e);
}

/** A fresh restore of `archive` by the adapter (the real borg extract), its folder. */
async function restore(archive: string, name: string): Promise<string> {
  const target = path.join(dir, 'restores', name);
  fs.mkdirSync(target, { recursive: true });
  await borgAdapter.restore(new LocalStandby(dir), source(), snap(archive), target, {});
  return target;
}

/** A stand-in `borg` entry point with borg's own python that notes each borg command it runs, then runs the real borg. */
function pyBorg(): string {
  const bin = path.join(dir, 'py-borg');
  if (fs.existsSync(bin)) return bin;
  const real = execFileSync('sh', ['-c', 'command -v borg'], { encoding: 'utf8' }).trim();
  const python = fs.readFileSync(real, 'latin1').split('\n')[0].replace(/^#!\s*/, '');
  fs.mkdirSync(bin);
  fs.writeFileSync(
    path.join(bin, 'borg'),
    `#!${python}\nimport os, sys\nopen(${JSON.stringify(path.join(bin, 'trace'))}, 'a').write(' '.join(sys.argv[1:]) + '\\n')\n` +
      `os.execv(${JSON.stringify(real)}, [${JSON.stringify(real)}] + sys.argv[1:])\n`,
    { mode: 0o755 },
  );
  return bin;
}
const traceOf = (bin: string) => (fs.existsSync(path.join(bin, 'trace')) ? fs.readFileSync(path.join(bin, 'trace'), 'utf8') : '');

const filesOf = (entries: FileEntry[]) => entries.filter((e) => e.type === 'file').map((e) => e.path).sort();

beforeAll(() => {
  if (!has) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-borg-content-'));
  repo = path.join(dir, 'repo');
  src = path.join(dir, 'src');
  fs.mkdirSync(src);
  makeTreeV1(src);
  // a large file of several chunks, and hard links: both names chosen, and one whose other name is not chosen
  // 16 MiB: borg's default chunker cuts at 8 MiB at the latest, so at least three chunks whatever the repository's
  // chunk seed (12 MiB came out as two chunks now and then)
  fs.writeFileSync(path.join(src, BIG), randomBytes(16 * 1024 * 1024 + 77));
  fs.linkSync(path.join(src, 'etc/hosts'), path.join(src, 'skole/tjener/home0/felles/hosts-lenke'));
  fs.linkSync(path.join(src, 'skole/tjener/home1/elev99/ikke valgt.txt'), path.join(src, 'skole/tjener/home0/elev02/lenke.txt'));
  run('borg', ['init', '-e', 'repokey', repo], { env: env() });
  const create = (name: string, time: string, extra: string[] = []) =>
    run('borg', ['create', ...extra, '--timestamp', time, `${repo}::${name}`, 'skole', 'etc'], { cwd: src, env: env() });
  // a1: borg's default chunker; a2: the small chunker over unchanged files, whose chunk lists borg's files cache
  // takes from a1; a3: the small chunker, a file changed and a new large one cut by it
  create('a1', '2026-11-23T02:00:00');
  create('a2', '2026-11-24T02:00:00', ['--chunker-params', SMALL]);
  fs.appendFileSync(path.join(src, 'skole/tjener/home0/elev01/notater.txt'), 'Andre utkast.\n');
  fs.writeFileSync(path.join(src, 'skole/tjener/home0/laerer01/video/ny.bin'), randomBytes(3 * 1024 * 1024 + 5));
  create('a3', '2026-11-25T02:00:00', ['--chunker-params', SMALL]);
  before = hashRepository(repo);
}, 180_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!has)('borg: content checked by the chunk ids', () => {
  it('the repository is as the test means it: several chunks, other chunker params, chunk lists kept by the files cache', () => {
    expect(chunkCount('a1', BIG)).toBeGreaterThan(2);
    expect(chunkerParams('a1')).not.toEqual(chunkerParams('a2'));
    // a2's unchanged large file keeps a1's chunk list (the small chunker would have cut ~3000 chunks)
    expect(chunkCount('a2', BIG)).toBe(chunkCount('a1', BIG));
    expect(chunkCount('a3', 'skole/tjener/home0/laerer01/video/ny.bin')).toBeGreaterThan(100);
  });

  it('manifest without content: what the export-tar manifest holds, less the digests (chosen paths and all)', async () => {
    for (const archive of ['a1', 'a3'])
      for (const paths of [CHOSEN, [], ['skole/tjener/home0/elev02']]) {
        const standby = new Recording(dir, pyBorg());
        const fast = await collect(borgAdapter.manifest(standby, source(paths), snap(archive), { content: false }));
        expect(fast).toEqual(await exportTarManifest(paths, archive));
        // from borg's own python in one process: no borg command ran (borg export-tar reads every chunk)
        expect(standby.commands).toHaveLength(1);
        expect(standby.commands[0]).toContain('borg.archive import Archive');
        expect(standby.commands[0]).not.toContain(PASSWORD);
      }
    expect(traceOf(pyBorg())).toBe('');
    // the hard link whose other name is not chosen carries that file's size
    const fast = await collect(borgAdapter.manifest(new LocalStandby(dir), source(), snap('a1'), { content: false }));
    expect(fast.find((e) => e.path === 'skole/tjener/home0/elev02/lenke.txt')).toMatchObject({ type: 'file', size: 11 });
  });

  it('matches every restored file, also where the chunk lists were made with other chunker params', async () => {
    for (const archive of ['a1', 'a2', 'a3']) {
      const root = await restore(archive, `ok-${archive}`);
      const standby = new Recording(dir, pyBorg());
      const c = await borgAdapter.checkContent!(standby, source(), snap(archive), root, {});
      expect(c.by).toBe('borg chunk ids');
      expect(c.differs).toEqual([]);
      expect([...c.matched].sort()).toEqual(filesOf(await exportTarManifest(CHOSEN, archive)));
      expect(c.seconds).toBeGreaterThan(0);
      expect(standby.commands).toHaveLength(1);
      expect(standby.commands[0]).not.toContain(PASSWORD);
    }
    expect(traceOf(pyBorg())).toBe('');
  });

  it("in a drill one process reads the items beside the restore and checks the content when answered, reading the metadata once", async () => {
    for (const archive of ['a1', 'a3']) {
      const standby = new Recording(dir, pyBorg());
      // as a drill reads the snapshot's side beside the restore
      const entries = await collect(borgAdapter.manifest(standby, source(), snap(archive), { content: false, background: true, timeoutMs: 120_000 }));
      expect(entries).toEqual(await exportTarManifest(CHOSEN, archive));
      expect(standby.commands).toHaveLength(1);
      expect(standby.commands[0]).toContain('items-then-check');
      // it still waits: the restore happens now, into a folder it is told about only in the answer
      const root = await restore(archive, `held-${archive}`);
      const short = 'skole/tjener/home0/elev01/.bashrc';
      if (archive === 'a3') fs.truncateSync(path.join(root, short), 3);
      const c = await borgAdapter.checkContent!(standby, source(), snap(archive), root, {});
      expect(c.by).toBe('borg chunk ids');
      const files = filesOf(await exportTarManifest(CHOSEN, archive));
      if (archive === 'a3') {
        expect(c.differs.map((d) => d.path)).toEqual([short]);
        expect([...c.matched].sort()).toEqual(files.filter((f) => f !== short));
      } else {
        expect(c.differs).toEqual([]);
        expect([...c.matched].sort()).toEqual(files);
      }
      expect(c.seconds).toBeGreaterThan(0);
      // the only other command is the answer: no second python loaded borg and read the items
      expect(standby.commands).toHaveLength(2);
      expect(standby.commands[1]).toMatch(/ mv -f \S+\/answer\.new'? '?\S+\/answer'?$/);
      expect(standby.commands.join('\n')).not.toContain(PASSWORD);
      // its answer folder is gone
      expect(fs.existsSync(/'?([^' ]+)\/answer'?$/.exec(standby.commands[1])![1])).toBe(false);
    }
    expect(traceOf(pyBorg())).toBe('');
    expect(hashRepository(repo)).toBe(before);
  });

  it('a held check that is stopped (the drill failed or was interrupted) ends, and a later check runs one of its own', async () => {
    const standby = new Recording(dir, pyBorg());
    const stop = new AbortController();
    await collect(borgAdapter.manifest(standby, source(), snap('a1'), { content: false, background: true, signal: stop.signal, timeoutMs: 120_000 }));
    const waiting = () => execFileSync('sh', ['-c', "pgrep -f 'items-then-chec[k]' || true"], { encoding: 'utf8' }).trim();
    expect(waiting()).not.toBe('');
    stop.abort(new Error('not needed'));
    for (let i = 0; i < 100 && waiting(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(waiting()).toBe('');
    // the folder its answer would have gone into is gone too (the process was killed: it could not remove it)
    const folder = /^CONTINUITY-ITEMS-END (\/.+)$/m.exec(standby.output)![1];
    expect(folder).toMatch(/\/continuity-borg-check\.[^/]+$/);
    for (let i = 0; i < 100 && fs.existsSync(folder); i++) await new Promise((r) => setTimeout(r, 50));
    expect(fs.existsSync(folder)).toBe(false);
    const root = await restore('a1', 'held-stopped');
    const c = await borgAdapter.checkContent!(standby, source(), snap('a1'), root, {});
    expect(c.differs).toEqual([]);
    // the commands: the held read, the removal of its folder, the check's own
    expect(standby.commands).toHaveLength(3);
    expect(standby.commands[1]).toBe(`rm -rf -- ${shq(folder)}`);
    expect(standby.commands.at(-1)).toContain("'check'");
  });

  it('names a file with a byte flipped in a later chunk of a large file, a shortened one, a changed hard link', async () => {
    for (const archive of ['a1', 'a3']) {
      const root = await restore(archive, `bad-${archive}`);
      const big = fs.readFileSync(path.join(root, BIG));
      const at = 9 * 1024 * 1024 + 3;
      big[at] ^= 0x40;
      fs.writeFileSync(path.join(root, BIG), big);
      const short = 'skole/tjener/home0/elev01/.bashrc';
      fs.truncateSync(path.join(root, short), 3);
      // both names of the inode change: each is named
      const hosts = fs.readFileSync(path.join(root, 'etc/hosts'));
      hosts[0] ^= 1;
      fs.writeFileSync(path.join(root, 'etc/hosts'), hosts);
      const c = await borgAdapter.checkContent!(new LocalStandby(dir), source(), snap(archive), root, {});
      const found = Object.fromEntries(c.differs.map((d) => [d.path, d.found]));
      expect(found).toEqual({
        [BIG]: `byte ${at} differs`,
        [short]: expect.stringMatching(/^size 3, the snapshot has \d+$/),
        'etc/hosts': 'byte 0 differs',
        'skole/tjener/home0/felles/hosts-lenke': 'byte 0 differs',
      });
      expect(c.matched).not.toContain(BIG);
      expect(c.matched).toContain('skole/tjener/home0/elev01/notater.txt');
      expect(c.matched.length + c.differs.length).toBe(filesOf(await exportTarManifest(CHOSEN, archive)).length);
    }
  });

  it('a file missing from the restore is not matched', async () => {
    const root = await restore('a1', 'missing');
    fs.rmSync(path.join(root, 'etc/shadow'));
    const c = await borgAdapter.checkContent!(new LocalStandby(dir), source(), snap('a1'), root, {});
    expect(c.matched).not.toContain('etc/shadow');
    expect(c.differs).toEqual([{ path: 'etc/shadow', found: expect.stringMatching(/^unreadable/) }]);
  });

  describe("where borg's python cannot be used", () => {
    let bin = '';
    beforeAll(() => {
      // a stand-in `borg` that is a shell script (borg not a Python script): the borg commands answer
      const real = execFileSync('sh', ['-c', 'command -v borg'], { encoding: 'utf8' }).trim();
      bin = path.join(dir, 'sh-borg');
      fs.mkdirSync(bin, { recursive: true });
      fs.writeFileSync(path.join(bin, 'borg'), `#!/bin/sh\necho "$1" >> '${path.join(bin, 'trace')}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
    });

    it('manifest without content comes from borg list, the same entries', async () => {
      for (const paths of [CHOSEN, [], ['skole/tjener/home0/elev02']]) {
        const standby = new Recording(dir, bin);
        const listed = await collect(borgAdapter.manifest(standby, source(paths), snap('a1'), { content: false }));
        expect(listed).toEqual(await exportTarManifest(paths, 'a1'));
        expect(standby.commands.join('\n')).not.toContain(PASSWORD);
      }
      expect(traceOf(bin)).toMatch(/^list$/m);
    });

    it('checkContent compares the export-tar manifest with the restored files hashed, and names a changed file', async () => {
      const root = await restore('a3', 'fallback');
      const standby = new Recording(dir, bin);
      const ok = await borgAdapter.checkContent!(standby, source(), snap('a3'), root, {});
      expect(ok.by).toBe('borg export-tar and sha256');
      expect(ok.differs).toEqual([]);
      expect([...ok.matched].sort()).toEqual(filesOf(await exportTarManifest(CHOSEN, 'a3')));
      expect(traceOf(bin)).toMatch(/^export-tar$/m);
      const f = path.join(root, 'skole/tjener/home0/elev01/notater.txt');
      const buf = fs.readFileSync(f);
      buf[2] ^= 1;
      fs.writeFileSync(f, buf);
      const bad = await borgAdapter.checkContent!(standby, source(), snap('a3'), root, {});
      expect(bad.differs).toEqual([{ path: 'skole/tjener/home0/elev01/notater.txt', found: expect.stringMatching(/^sha256 /) }]);
      expect(bad.matched).not.toContain('skole/tjener/home0/elev01/notater.txt');
      expect(standby.commands.join('\n')).not.toContain(PASSWORD);
    });
  });

  it('a whole drill passes with the content checked by the chunk ids', async () => {
    for (const [archive, at] of [
      ['a3', '2026-11-25T03:00Z'],
      ['a2', '2026-11-24T03:00Z'],
    ] as const) {
      const site = path.join(dir, `drill-${archive}`);
      const passwordFile = path.join(dir, 'repo-pass');
      fs.writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
      const file = writeSite(site, { tool: 'borg', repository: repo, passwordFile });
      const r = await runDrill({ siteFile: file, at, journalDir: path.join(site, 'journals') });
      const j = r.journal;
      expect(j.phases.map((p) => `${p.name}:${p.status}`), JSON.stringify(j.phases, null, 1)).toEqual([
        'preflight:passed',
        'restore:passed',
        'verify:passed',
        'services:passed',
        'cleanup:passed',
      ]);
      expect(j.backup.snapshot).toBe(archive);
      const verify = j.phases.find((p) => p.name === 'verify')!;
      const check = verify.checks!.find((c) => c.name === 'content checked by borg chunk ids');
      expect(check, JSON.stringify(verify.checks)).toMatchObject({ passed: true });
      expect(j.verification).toMatchObject({ mismatches: 0, missing: 0, extra: 0 });
      expect(j.verification!.contentUnchecked ?? 0).toBe(0);
      expect(JSON.stringify(j)).not.toContain(PASSWORD);
    }
  });

  it('a drill ends the held check when verify never answers it (nothing of it is left waiting)', async () => {
    const site = path.join(dir, 'drill-unanswered');
    const passwordFile = path.join(dir, 'repo-pass');
    fs.writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    const file = writeSite(site, { tool: 'borg', repository: repo, passwordFile });
    const waiting = () => execFileSync('sh', ['-c', "pgrep -f 'items-then-chec[k]' || true"], { encoding: 'utf8' }).trim();
    let heldWhileVerifying = '';
    // verify checks the content on another standby object, so the check the manifest read holds is never answered
    const adapter = {
      ...borgAdapter,
      checkContent: async (_s: Standby, src: BackupSource, sn: Snapshot, root: string, o: { signal?: AbortSignal; timeoutMs?: number }) => {
        heldWhileVerifying = waiting();
        return borgAdapter.checkContent!(new LocalStandby(dir), src, sn, root, o);
      },
    };
    const r = await runDrill({ siteFile: file, at: '2026-11-25T03:00Z', journalDir: path.join(site, 'journals'), adapter });
    expect(r.journal.status, JSON.stringify(r.journal.phases, null, 1)).toBe('passed');
    expect(heldWhileVerifying).not.toBe('');
    for (let i = 0; i < 100 && waiting(); i++) await new Promise((res) => setTimeout(res, 50));
    expect(waiting()).toBe('');
  });

  it('never writes to the repository', () => {
    expect(hashRepository(repo)).toBe(before);
  });
});
