// borg's preflight (version, archive list, the newest archive's size) from one process of borg's own python, and the
// same answers from the `borg` commands where that cannot work: checked against what the real borg CLI prints.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepFailed } from '../../src/core/errors.ts';
import { borgAdapter } from '../../src/io/backup/borg.ts';
import type { BackupSource } from '../../src/io/backup/types.ts';
import type { Standby } from '../../src/io/standby/types.ts';
import { hashRepository, PASSWORD, run } from '../support/backup-fixtures.ts';
import { needTool } from '../support/tools.ts';
import { Recording } from '../support/recording-standby.ts';


let dir = '';
let repo = '';
let borgPath = '';
let python = '';
const env = () => ({ BORG_PASSPHRASE: PASSWORD, BORG_BASE_DIR: path.join(dir, 'cli-base'), TZ: 'UTC' });
const source = (): BackupSource => ({ tool: 'borg', repository: repo, paths: [], password: PASSWORD });

/** What `borg list --json` says, as snapshots: the oracle. */
function cliSnapshots(): { id: string; time: string }[] {
  const list = JSON.parse(run('borg', ['list', '--json', repo], { env: env() })) as { archives: { name: string; start: string }[] };
  return list.archives.map((a) => ({ id: a.name, time: new Date(`${a.start.slice(0, 23)}Z`).toISOString() }));
}

/** What `borg info --json` says an archive's original size is: the oracle. */
function cliSize(name: string): number {
  const info = JSON.parse(run('borg', ['info', '--json', `${repo}::${name}`], { env: env() })) as { archives: { stats: { original_size: number } }[] };
  return info.archives[0].stats.original_size;
}

/** version, list and both sizes through the adapter, as plain data. */
async function answers(standby: Standby) {
  const version = await borgAdapter.version(standby);
  const snaps = await borgAdapter.listSnapshots(standby, source());
  const sizes: Record<string, number> = {};
  // the newest first (answered with the list where the script ran), then the older one
  for (const s of [...snaps].reverse()) sizes[s.id] = await borgAdapter.snapshotBytes(standby, source(), s);
  return { version, snapshots: snaps.map((s) => ({ id: s.id, time: s.time.toISOString() })), sizes };
}

const has = needTool('borg');

beforeAll(() => {
  if (!has) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-borg-preflight-'));
  repo = path.join(dir, 'repo');
  borgPath = execFileSync('sh', ['-c', 'command -v borg'], { encoding: 'utf8' }).trim();
  python = fs.readFileSync(borgPath, 'latin1').split('\n')[0].replace(/^#!\s*/, '');
  const src = path.join(dir, 'src');
  fs.mkdirSync(path.join(src, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(src, 'etc', 'hostname'), 'tjener\n');
  run('borg', ['init', '-e', 'repokey', repo], { env: env() });
  // archives at their real times (borg keeps microseconds; `borg list` prints whole seconds), a name beyond ASCII,
  // and a checkpoint newest (which `borg list` leaves out, and `borg info --last 1` would not)
  run('borg', ['create', `${repo}::tjener-1`, 'etc'], { cwd: src, env: env() });
  fs.writeFileSync(path.join(src, 'etc', 'motd'), 'Velkommen til Ærøskøbing skole\n'.repeat(100));
  run('borg', ['create', `${repo}::tjener-2-Ærø`, 'etc'], { cwd: src, env: env() });
  fs.writeFileSync(path.join(src, 'etc', 'big'), Buffer.alloc(300_000, 7));
  run('borg', ['create', `${repo}::tjener-3.checkpoint`, 'etc'], { cwd: src, env: env() });
  // stand-in entry points that note each borg command they run, then run the real borg: one with borg's own python,
  // one that is a shell script (borg not a Python script), one whose python starts without its site-packages (so
  // borg's modules cannot be imported)
  const py = (flags: string, trace: string) =>
    `#!${python}${flags}\nimport os, sys\nopen(${JSON.stringify(trace)}, 'a').write(' '.join(sys.argv[1:]) + '\\n')\n` +
    `os.execv(${JSON.stringify(borgPath)}, [${JSON.stringify(borgPath)}] + sys.argv[1:])\n`;
  for (const [name, text] of [
    ['py-borg', (t: string) => py('', t)],
    ['sh-borg', (t: string) => `#!/bin/sh\necho "$*" >> '${t}'\nexec '${borgPath}' "$@"\n`],
    ['nosite-borg', (t: string) => py(' -S', t)],
  ] as const) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'borg'), text(path.join(dir, name, 'trace')), { mode: 0o755 });
  }
}, 120_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!has)('borg preflight', () => {
  let want: Awaited<ReturnType<typeof answers>>;
  beforeAll(() => {
    const snaps = cliSnapshots();
    want = {
      version: /(\d+\.\d+\.\d+)/.exec(run('borg', ['--version']))![1],
      snapshots: snaps,
      sizes: Object.fromEntries(snaps.map((s) => [s.id, cliSize(s.id)])),
    };
    // the oracle itself: two archives (the checkpoint left out), the second named beyond ASCII
    expect(snaps.map((s) => s.id)).toEqual(['tjener-1', 'tjener-2-Ærø']);
  });

  /** The borg commands a stand-in entry point ran (its trace), one per line. */
  const trace = (name: string) => {
    const f = path.join(dir, name, 'trace');
    return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '';
  };

  it('answers from one process per question what borg --version, borg list --json and borg info --json say', async () => {
    const standby = new Recording(dir);
    expect(await answers(standby)).toEqual(want);
    // version, the list with the newest archive's size, the older archive's size
    expect(standby.commands).toHaveLength(3);
    for (const c of standby.commands) expect(c).not.toContain(PASSWORD);
  });

  it("runs no borg command for it: borg's own python reads the repository", async () => {
    const standby = new Recording(dir, path.join(dir, 'py-borg'));
    expect(await answers(standby)).toEqual(want);
    expect(trace('py-borg')).toBe('');
  });

  it('gives the same answers through the borg commands where borg is not a Python script', async () => {
    const standby = new Recording(dir, path.join(dir, 'sh-borg'));
    expect(await answers(standby)).toEqual(want);
    const ran = trace('sh-borg');
    expect(ran).toMatch(/^--version$/m);
    expect(ran).toMatch(/^list --json --bypass-lock /m);
    expect(ran).toMatch(/^info --json --bypass-lock /m);
    expect(ran).not.toContain(PASSWORD);
  });

  it("gives the same answers through the borg commands where borg's python cannot import borg", async () => {
    const standby = new Recording(dir, path.join(dir, 'nosite-borg'));
    expect(await answers(standby)).toEqual(want);
    // the script was tried, then the borg commands answered
    expect(standby.commands.some((c) => c.includes('from borg.archive import Archive'))).toBe(true);
    const ran = trace('nosite-borg');
    expect(ran).toMatch(/^--version$/m);
    expect(ran).toMatch(/^list --json --bypass-lock /m);
  });

  for (const [how, bin] of [
    ['from the script', undefined],
    ['from the borg commands', 'sh-borg'],
  ] as const) {
    it(`refuses a wrong passphrase and names a missing repository ${how}, printing no passphrase`, async () => {
      const standby = new Recording(dir, bin && path.join(dir, bin));
      const wrong = 'not-the-passphrase-xyz';
      const e1 = await borgAdapter.listSnapshots(standby, { ...source(), password: wrong }).then(() => undefined, (e: unknown) => e);
      expect(e1).toBeInstanceOf(StepFailed);
      expect((e1 as Error).message).toContain(repo);
      expect((e1 as Error).message).toMatch(/passphrase .*incorrect/i);
      const missing = path.join(dir, 'no-such-repo');
      const e2 = await borgAdapter.listSnapshots(standby, { ...source(), repository: missing }).then(() => undefined, (e: unknown) => e);
      expect(e2).toBeInstanceOf(StepFailed);
      expect((e2 as Error).message).toContain(missing);
      expect((e2 as Error).message).toMatch(/does not exist/);
      const e3 = await borgAdapter
        .snapshotBytes(standby, source(), { id: 'tjener-9', time: new Date() })
        .then(() => undefined, (e: unknown) => e);
      expect(e3).toBeInstanceOf(StepFailed);
      expect((e3 as Error).message).toContain(repo);
      expect((e3 as Error).message).toMatch(/tjener-9 does not exist/);
      for (const e of [e1, e2, e3]) {
        expect((e as Error).message).not.toContain(wrong);
        expect((e as Error).message).not.toContain(PASSWORD);
        expect((e as Error).message).not.toMatch(/\n\s+at |Traceback/);
      }
    });
  }

  it('leaves a remote repository to borg itself (borg list over SSH), naming it when it cannot be reached', async () => {
    const standby = new Recording(dir);
    // nothing listens on port 1 of this machine: ssh is refused at once
    const remote = 'ssh://nobody@127.0.0.1:1/srv/backup/borg';
    const err = await borgAdapter.listSnapshots(standby, { ...source(), repository: remote }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(StepFailed);
    expect((err as Error).message).toContain(remote);
    expect(standby.commands.some((c) => c.includes('from borg.archive import Archive'))).toBe(false);
    expect(standby.commands.join('\n')).toMatch(/borg list --json/);
  });

  it('never writes to the repository', async () => {
    const before = hashRepository(repo);
    await answers(new Recording(dir));
    expect(hashRepository(repo)).toBe(before);
  });
});
