// Whole drills, one per backup tool, over SSH onto a Debian 13 (trixie) reserve machine: the standby's own restic
// 0.18, borg 1.4 and rdiff-backup 2.2.6 restore backups made by this machine's Debian 12 tools (a site whose reserve
// machine was installed with the current release before its server), and verification runs there too (restic's
// listing through awk, borg_content.py with trixie's borg, rdiff-backup's SHA-1 records). The image is built by
// `scripts/build-images.sh --suite trixie` (CI builds it; elsewhere this file is skipped without it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHOSEN, PASSWORD, hashRepository, makeBackups, run, treeOf, type Backups, type Tool } from '../support/backup-fixtures.ts';
import { copyTree, flipBytes, makeTarRepository, standbyState } from '../support/fault-helpers.ts';
import { needImage, needTool } from '../support/tools.ts';
import { startStandby, stopAll, type StartedStandby } from '../support/containers.ts';
import { runDrill } from '../../src/app/run-drill.ts';
import { AT_V2, writeSite } from './site-fixture.ts';

const IMAGE = 'continuity/standby:trixie';
const TOOLS: Tool[] = ['tar', 'rsync', 'rdiff-backup', 'restic', 'borg'];
/** how each tool tells its version on the standby */
const VERSION: Record<Tool, string> = {
  tar: 'tar --version | head -n 1',
  rsync: 'rsync --version | head -n 1',
  'rdiff-backup': 'rdiff-backup --version',
  restic: 'restic version',
  borg: 'borg --version',
};

const ready = TOOLS.every((t) => needTool(t)) && needImage(IMAGE);

let b: Backups;
let work: string;
let passwordFile: string;
let sb: StartedStandby;

beforeAll(async () => {
  if (!ready) return;
  b = makeBackups(TOOLS);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-drill-trixie-'));
  passwordFile = path.join(work, 'repo-pass');
  fs.writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  // the damaged copies of the last tests go under work/damaged, seen read-only at /backup
  fs.mkdirSync(path.join(work, 'damaged'));
  sb = await startStandby({
    image: IMAGE,
    binds: [
      { source: b.dir, target: b.dir, mode: 'ro' },
      { source: path.join(work, 'damaged'), target: '/backup', mode: 'ro' },
    ],
  });
}, 180_000);
afterAll(async () => {
  await stopAll();
  b?.cleanup();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const repoFor = (tool: Tool) => (tool === 'tar' ? b.repos['tar.gz']! : b.repos[tool]!);

describe.skipIf(!ready)('a drill onto a Debian 13 (trixie) standby over SSH', () => {
  it('the standby is Debian 13 with its own tools, not this machine’s', async () => {
    const r = await sb.exec('. /etc/os-release && echo "$VERSION_CODENAME"; restic version; borg --version; rdiff-backup --version');
    expect(r.exitCode, r.stderr).toBe(0);
    const [codename, restic, borg, rdiff] = r.stdout.trim().split('\n');
    expect(codename).toBe('trixie');
    expect(restic).toMatch(/^restic 0\.(1[7-9]|[2-9]\d)\./); // 0.18 in trixie; 0.14 in bookworm
    expect(borg).toMatch(/^borg 1\.4\./);
    expect(rdiff).toMatch(/^rdiff-backup 2\.2\.([6-9]|\d\d)/);
  });

  for (const tool of TOOLS) {
    it(`${tool}: restores a Debian 12 backup, verifies every file there, cleans up; the repository is unchanged`, async () => {
      const dir = path.join(work, tool);
      const file = writeSite(dir, {
        tool,
        repository: repoFor(tool),
        ...(tool === 'restic' || tool === 'borg' ? { passwordFile } : {}),
        standbySsh: { ssh: sb.sshTarget, identityFile: sb.identityFile, knownHosts: sb.knownHostsFile },
      });
      const before = hashRepository(repoFor(tool));
      const r = await runDrill({ siteFile: file, at: AT_V2, journalDir: path.join(dir, 'journals') });
      const j = r.journal;
      expect(j.phases.map((p) => `${p.name}:${p.status}`), JSON.stringify(j.phases, null, 1)).toEqual([
        'preflight:passed',
        'restore:passed',
        'verify:passed',
        'services:passed',
        'cleanup:passed',
      ]);
      expect(r.exitCode).toBe(0);
      // the standby's tool did the work
      const v = await sb.exec(VERSION[tool]);
      expect(v.stdout).toContain(j.backup.toolVersion);
      const expected = [...treeOf(b.expected.v2, CHOSEN).values()].filter((e) => e.type === 'file');
      expect(j.verification).toMatchObject({
        files: expected.length,
        bytes: expected.reduce((a, e) => a + e.size, 0),
        mismatches: 0,
        missing: 0,
        extra: 0,
        permissionMismatches: 0,
        exposedHomes: 0,
      });
      // the tools' own content checks ran with trixie's versions, not a fallback
      const checks = j.phases.flatMap((p) => (p.checks ?? []).map((c) => `${p.name}: ${c.name}`));
      if (tool === 'restic') expect(checks).toContain('restore: content verified by restic restore --verify');
      if (tool === 'borg') expect(checks).toContain('verify: content checked by borg chunk ids');
      expect((await sb.exec('ls -A /srv')).stdout.trim()).toBe('');
      expect(hashRepository(repoFor(tool))).toBe(before);
    }, 180_000);
  }
  // the same damage as test/drill/fault-damaged-backup.test.ts, found by trixie's tools
  const VIDEO = 'skole/tjener/home0/laerer01/video/forelesning.bin';
  const damaged = async (tool: Tool, name: string, damage: (repo: string) => void) => {
    const repo = copyTree(repoFor(tool), path.join(work, 'damaged', name));
    damage(repo);
    const hash = hashRepository(repo);
    const dir = path.join(work, name);
    const file = writeSite(dir, {
      tool,
      repository: `/backup/${name}`,
      ...(tool === 'restic' || tool === 'borg' ? { passwordFile } : {}),
      standbySsh: { ssh: sb.sshTarget, identityFile: sb.identityFile, knownHosts: sb.knownHostsFile },
      services: `  - { name: ssh login, tcp: 22 }\n`,
    });
    const r = await runDrill({ siteFile: file, at: AT_V2, journalDir: path.join(dir, 'journals') });
    expect(r.exitCode, JSON.stringify(r.journal.phases, null, 1)).toBe(1);
    expect(JSON.stringify(r.journal)).not.toContain(PASSWORD);
    expect(hashRepository(repo)).toBe(hash);
    expect(await standbyState(sb)).toEqual({ root: 'ABSENT', locked: false });
    return r.journal.phases.find((p) => p.status === 'failed')!;
  };

  it('rdiff-backup: a file changed inside the mirror fails verification, naming the file', async () => {
    const failed = await damaged('rdiff-backup', 'rdiff-flipped', (repo) => flipBytes(path.join(repo, VIDEO), 1_000_000, 32));
    expect(failed.name).toBe('verify');
    expect(failed.detail).toContain(VIDEO);
  }, 180_000);

  it('restic: damaged data packs fail the drill naming the repository, with restic 0.18’s own error or its crash, and no Go trace', async () => {
    const failed = await damaged('restic', 'restic-pack', (repo) => {
      for (const p of run('find', [path.join(repo, 'data'), '-type', 'f']).trim().split('\n')) flipBytes(p, Math.floor(fs.statSync(p).size / 2), 64);
    });
    console.log(`[figures] damaged restic pack on trixie: ${failed.name}: ${failed.detail}`);
    expect(failed.detail).toContain('/backup/restic-pack');
    // whichever read meets the damage first: the restore (restic's own error) or the walk beside it, where restic
    // 0.18 panics on a damaged tree (the drill says it crashed)
    expect(failed.detail).toMatch(/ciphertext verification failed|restic crashed \(exit \d+, Go panic: /);
    expect(failed.detail).not.toMatch(/\.go:\d+|main\.main|runtime\.goexit|goroutine \d+/);
  }, 180_000);
  /**
   * A second trixie standby, its /srv/restore a 2 MiB disk (the fixture's snapshot holds about 6.4 MiB), started once
   * for the tests that need it; it also sees `tiny` (1500 one-byte files: a 1.5 MiB archive that passes the size gate,
   * but 1500 files take 1500 blocks once restored).
   */
  let small: Promise<StartedStandby> | undefined;
  let tiny = '';
  const smallDisk = () =>
    (small ??= (async () => {
      tiny = makeTarRepository(path.join(work, 'tiny'), { tinyFiles: 1500 });
      return startStandby({
        image: IMAGE,
        binds: [
          { source: b.dir, target: b.dir, mode: 'ro' },
          { source: tiny, target: tiny, mode: 'ro' },
        ],
        tmpfs: { '/srv/restore': 'size=2m' },
      });
    })());

  it("restic onto a 2 MiB disk: trixie's shell and tools run the space guard; the count stops the held restore, nothing and no restic left", async () => {
    const small = await smallDisk();
    const dir = path.join(work, 'small-disk-restic');
    const file = writeSite(dir, {
      tool: 'restic',
      repository: repoFor('restic'),
      passwordFile,
      standbySsh: { ssh: small.sshTarget, identityFile: small.identityFile, knownHosts: small.knownHostsFile },
      services: `  - { name: ssh login, tcp: 22 }\n`,
    });
    const before = hashRepository(repoFor('restic'));
    const r = await runDrill({ siteFile: file, at: AT_V2, journalDir: path.join(dir, 'journals') });
    const phase = (n: string) => r.journal.phases.find((p) => p.name === n)!;
    expect(phase('preflight').status).toBe('passed');
    expect(phase('preflight').checks?.find((c) => c.name === 'free space')?.detail).toMatch(/^2\.0 MiB free at \/srv\/restore; restic counts the snapshot's size beside the restore, which is held should less than 204\.8 KiB \(10 %\)/);
    expect(phase('restore').status).toBe('failed');
    expect(phase('restore').checks?.find((c) => c.name === 'free space')?.detail).toMatch(/^only 2\.0 MiB free at \/srv\/restore, the restore needs 6\.\d MiB /);
    expect(['verify', 'services', 'cleanup'].map((p) => phase(p).status)).toEqual(['skipped', 'skipped', 'passed']);
    expect(r.exitCode).toBe(1);
    expect(JSON.stringify(r.journal)).not.toContain(PASSWORD);
    expect(hashRepository(repoFor('restic'))).toBe(before);
    expect(await standbyState(small)).toEqual({ root: '', locked: false });
    // no restic left (not even held by SIGSTOP), and no process keeps restic's listing open
    expect((await small.exec(['pgrep', '-x', 'restic'])).stdout).toBe('');
    const open = await small.exec(`sleep 2.5; ls -l /proc/[0-9]*/fd 2>/dev/null | grep -c 'continuity-restic' || true`);
    expect(open.stdout.trim()).toBe('0');
  }, 180_000);
  it("a disk that fills up during a tar restore: trixie's tar reports ENOSPC naming the archive, the restore fails, cleanup empties the disk", async () => {
    const sb2 = await smallDisk();
    const dir = path.join(work, 'fills-up');
    const file = writeSite(dir, {
      tool: 'tar',
      repository: tiny,
      standbySsh: { ssh: sb2.sshTarget, identityFile: sb2.identityFile, knownHosts: sb2.knownHostsFile },
      services: `  - { name: ssh login, tcp: 22 }\n`,
    });
    const before = hashRepository(tiny);
    const r = await runDrill({ siteFile: file, at: AT_V2, journalDir: path.join(dir, 'journals') });
    const phase = (n: string) => r.journal.phases.find((p) => p.name === n)!;
    expect(phase('preflight').checks?.find((c) => c.name === 'free space')?.passed).toBe(true);
    expect(phase('restore').status).toBe('failed');
    expect(phase('restore').detail).toMatch(/No space left on device/);
    expect(phase('restore').detail).toContain('tjener-2026-11-25T0200Z.tar');
    expect(phase('restore').detail).not.toMatch(/\n\s+at /);
    expect(['verify', 'services', 'cleanup'].map((p) => phase(p).status)).toEqual(['skipped', 'skipped', 'passed']);
    expect(r.exitCode).toBe(1);
    expect(hashRepository(tiny)).toBe(before);
    expect(await standbyState(sb2)).toEqual({ root: '', locked: false });
  }, 180_000);
});
