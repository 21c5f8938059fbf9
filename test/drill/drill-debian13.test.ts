// Whole drills, one per backup tool, over SSH onto a Debian 13 (trixie) reserve machine: the standby's own restic
// 0.18, borg 1.4 and rdiff-backup 2.2.6 restore backups made by this machine's Debian 12 tools (a site whose reserve
// machine was installed with the current release before its server), and verification runs there too (restic's
// listing through awk, borg_content.py with trixie's borg, rdiff-backup's SHA-1 records). The image is built by
// `scripts/build-images.sh --suite trixie` (CI builds it; elsewhere this file is skipped without it).
// Then the faults of fault-damaged-backup, fault-standby and fault-interrupt.test.ts on this standby: damaged rdiff-backup,
// restic and borg repositories, a 2 MiB disk, the standby killed mid-restore, Ctrl-C during the restore, and two
// drills on one standby; the backup repository is hashed before and after each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHOSEN, PASSWORD, hashRepository, makeBackups, run, treeOf, type Backups, type Tool } from '../support/backup-fixtures.ts';
import { copyTree, drillInterruptedInRestore, drillKilledInRestore, flipBytes, largestBorgObject, makeTarRepository, makeZeroArchive, readJournal, standbyState, waitForPhase } from '../support/fault-helpers.ts';
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

/** the bytes the interrupt tests' restore writes: enough that trixie's tar -x still runs when the fault comes (about 3 s) */
const BIG_BYTES = 768 << 20;

const ready = TOOLS.every((t) => needTool(t)) && needTool('zstd') && needImage(IMAGE);

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
  const damagedDrill = async (tool: Tool, name: string, damage: (repo: string) => void) => {
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
    return r;
  };
  const damaged = async (tool: Tool, name: string, damage: (repo: string) => void) =>
    (await damagedDrill(tool, name, damage)).journal.phases.find((p) => p.status === 'failed')!;

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
  it("borg: a damaged chunk of the repository fails the restore naming the repository and borg's own error (exit 2), later phases skipped, cleaned up; no traceback", async () => {
    let hit = { segment: '', offset: 0, size: 0 };
    const r = await damagedDrill('borg', 'borg-chunk', (repo) => {
      hit = largestBorgObject(repo);
      // 64 bytes flipped in the middle of that object's data: its CRC no longer matches
      flipBytes(path.join(repo, 'data', hit.segment), hit.offset + Math.floor(hit.size / 2), 64);
    });
    const phase = (n: string) => r.journal.phases.find((p) => p.name === n)!;
    console.log(`[figures] damaged borg chunk on trixie (segment ${hit.segment}, offset ${hit.offset}, ${hit.size} bytes): ${r.journal.phases.map((p) => `${p.name} ${p.status} ${p.seconds ?? 0}s${p.status === 'failed' ? `: ${p.detail}` : ''}`).join(' | ')}`);
    // an object of the big video file (6 MiB of random bytes), not the manifest or an archive's metadata
    expect(hit.size).toBeGreaterThan(256 << 10);
    // the archive list and its statistics are intact: the drill gets as far as borg extract, which reads the chunk
    expect(phase('preflight').status).toBe('passed');
    expect(phase('restore').status).toBe('failed');
    // borg extract exits 2 (an error, not a warning) on the damaged chunk
    expect(phase('restore').detail).toMatch(/^borg: could not restore from \/backup\/borg-chunk \(exit 2\): /);
    expect(phase('restore').detail).not.toMatch(/Traceback|File ".*\.py", line \d+/);
    // borg's own error: after it borg prints a traceback and a report about the machine (`Platform:`, `Borg:`, `PID:`,
    // `sys.argv:` …), which the message leaves out (before, those six lines were all it kept)
    expect(phase('restore').detail).toContain(`Data integrity error: Segment entry checksum mismatch [segment ${path.basename(hit.segment)}, offset ${hit.offset}]`);
    expect(phase('restore').detail).not.toMatch(/Platform: |sys\.argv|SSH_ORIGINAL_COMMAND/);
    expect(['verify', 'services', 'cleanup'].map((p) => phase(p).status)).toEqual(['skipped', 'skipped', 'passed']);
    expect(r.journal.status).toBe('failed');
    expect(r.journal.rto.actualSeconds).toBeNull();
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

  // the faults of test/drill/fault-interrupt.test.ts and the lock of fault-standby.test.ts, on trixie
  /**
   * The repository of the tests that stop a drill mid-restore, made once under work/damaged (the first standby sees it
   * at /backup/big/repo): a .tar.zst whose big file is BIG_BYTES of zeros. The standby inflates, hashes and writes all
   * of them (seconds of extraction, as the 768 MiB random archive of fault-interrupt.test.ts), but the archive here is
   * a few KiB: made in a second and hashed at once (hashing that archive takes 9 s, twice a test).
   */
  let big = '';
  const bigRepo = () => (big ||= makeZeroArchive(path.join(work, 'damaged', 'big'), BIG_BYTES));
  const phasesLine = (phases: { name: string; status: string; seconds?: number; detail?: string }[]) =>
    phases.map((p) => `${p.name} ${p.status} ${p.seconds ?? 0}s: ${p.detail ?? ''}`).join(' | ');

  it('the standby dies mid-restore (docker kill while trixie’s tar -x runs): the restore phase fails at once naming the lost standby, no hang; the repository is unchanged', async () => {
    const repo = bigRepo();
    const dying = await startStandby({ image: IMAGE, binds: [{ source: repo, target: '/backup/big/repo', mode: 'ro' }] });
    const dir = path.join(work, 'dies');
    const file = writeSite(dir, {
      tool: 'tar',
      repository: '/backup/big/repo',
      standbySsh: { ssh: dying.sshTarget, identityFile: dying.identityFile, knownHosts: dying.knownHostsFile },
      services: `  - { name: ssh login, tcp: 22 }\n`,
    });
    const before = hashRepository(repo);
    const journals = path.join(dir, 'journals');
    const { r, afterKill } = await drillKilledInRestore(dying, file, journals);
    console.log(`[figures] trixie standby killed mid-restore: drill ended ${afterKill.toFixed(1)} s after the kill, exit ${r.exitCode}, ${phasesLine(r.journal.phases)}`);
    expect(afterKill).toBeLessThan(30);
    const phase = (n: string) => r.journal.phases.find((p) => p.name === n)!;
    expect(phase('preflight').status).toBe('passed');
    expect(phase('restore').status).toBe('failed');
    expect(phase('restore').detail).toMatch(
      new RegExp(`^tar: could not restore from /backup/big/repo/tjener-2026-11-25T0200Z\\.tar\\.zst on ssh ${dying.sshTarget.replace(/\./g, '\\.')}: standby ${dying.sshTarget.replace(/\./g, '\\.')}: (connection lost|unreachable)`),
    );
    expect(phase('verify')).toMatchObject({ status: 'skipped', detail: 'restore failed' });
    expect(phase('services')).toMatchObject({ status: 'skipped', detail: 'restore failed' });
    // cleanup is tried (the drill holds the lock) and says why it could not reach the standby
    expect(phase('cleanup').status).toBe('failed');
    expect(phase('cleanup').detail).toMatch(/unreachable|connection/);
    expect(r.exitCode).toBe(1);
    expect(r.journal).toMatchObject({ status: 'failed', rto: { actualSeconds: null, met: false } });
    expect(JSON.parse(fs.readFileSync(r.journalFile!, 'utf8'))).toEqual(r.journal);
    expect(hashRepository(repo)).toBe(before);
    await dying.stop();
  }, 180_000);

  it('Ctrl-C during the restore (SIGINT to `continuity drill run`): exit 130, journal aborted in restore, trixie’s tar killed, cleanup ran, lock released; the repository is unchanged', async () => {
    const repo = bigRepo();
    const dir = path.join(work, 'sigint');
    const root = '/srv/sigint';
    const file = writeSite(dir, {
      tool: 'tar',
      repository: '/backup/big/repo',
      restoreRoot: root,
      standbySsh: { ssh: sb.sshTarget, identityFile: sb.identityFile, knownHosts: sb.knownHostsFile },
      services: `  - { name: ssh login, tcp: 22 }\n`,
    });
    const before = hashRepository(repo);
    const journals = path.join(dir, 'journals');
    const { code, afterSignal, stderr, journal, journalInRestore } = await drillInterruptedInRestore(sb, file, journals);
    expect(journalInRestore).toBe('restore');
    console.log(`[figures] Ctrl-C in restore on trixie: exit ${code} ${afterSignal.toFixed(1)} s after SIGINT, ${phasesLine(journal.phases)}`);
    expect(code, stderr).toBe(130);
    expect(afterSignal).toBeLessThan(20);
    expect(stderr).toContain('SIGINT: stopping the drill, cleaning up the standby and writing the journal');
    expect(journal).toMatchObject({ status: 'aborted', abortedIn: 'restore', signal: 'SIGINT', rto: { actualSeconds: null } });
    expect(journal.phases.map((p: { name: string; status: string }) => `${p.name}:${p.status}`)).toEqual([
      'preflight:passed',
      'restore:failed',
      'verify:skipped',
      'services:skipped',
      'cleanup:passed',
    ]);
    expect(journal.phases[1].detail).toBe('interrupted by SIGINT');
    expect(readJournal(journals)).toEqual(journal);
    // on the standby: no tar (nor the zstd feeding it) left running, the restore root removed, the lock released
    expect((await sb.exec(['pgrep', '-x', 'tar|zstd'])).exitCode).toBe(1);
    expect(await standbyState(sb, root)).toEqual({ root: 'ABSENT', locked: false });
    expect(hashRepository(repo)).toBe(before);
  }, 180_000);

  it('two drills on one trixie standby: the second is refused by the lock while the first runs, and the first still passes; the repository is unchanged', async () => {
    const repo = repoFor('tar');
    const site = (name: string, o: { services: string; name?: string }) => {
      const dir = path.join(work, name);
      const file = writeSite(dir, {
        tool: 'tar',
        repository: repo,
        restoreRoot: '/srv/shared',
        standbySsh: { ssh: sb.sshTarget, identityFile: sb.identityFile, knownHosts: sb.knownHostsFile },
        ...o,
      });
      return { file, journals: path.join(dir, 'journals') };
    };
    const first = site('lock-first', { services: `  - { name: ssh login, tcp: 22 }\n  - { name: slow service, run: 'sleep 3' }\n` });
    const second = site('lock-second', { services: `  - { name: ssh login, tcp: 22 }\n`, name: 'nordby-2' });
    const before = hashRepository(repo);
    const running = runDrill({ siteFile: first.file, at: AT_V2, journalDir: first.journals });
    running.catch(() => {});
    await waitForPhase(first.journals, 'services');
    const t0 = performance.now();
    const refused = await runDrill({ siteFile: second.file, at: AT_V2, journalDir: second.journals });
    const refusedSeconds = (performance.now() - t0) / 1000;
    const firstDone = await running;
    console.log(`[figures] trixie: second drill refused in ${refusedSeconds.toFixed(1)} s, exit ${refused.exitCode}, ${phasesLine(refused.journal.phases)}; first drill exit ${firstDone.exitCode}`);
    const lock = refused.journal.phases[0].checks?.find((c) => c.name === 'lock');
    expect(lock?.passed).toBe(false);
    expect(lock?.detail).toMatch(/^the standby is locked by another drill \(site nordby, started .* by pid \d+ on .*; lock \/srv\/shared\.continuity-lock\)$/);
    expect(refused.journal.phases.map((p) => `${p.name}:${p.status}`)).toEqual(['preflight:failed', 'restore:skipped', 'verify:skipped', 'services:skipped', 'cleanup:skipped']);
    expect(refused.journal.phases[0].detail).toContain('the standby is locked by another drill (site nordby');
    expect(refused.journal).toMatchObject({ status: 'failed', couldNotRun: true });
    expect(refused.exitCode).toBe(3);
    expect(firstDone.journal.phases.map((p) => `${p.name}:${p.status}`), JSON.stringify(firstDone.journal.phases, null, 1)).toEqual([
      'preflight:passed',
      'restore:passed',
      'verify:passed',
      'services:passed',
      'cleanup:passed',
    ]);
    expect(firstDone.exitCode).toBe(0);
    expect(hashRepository(repo)).toBe(before);
    expect(await standbyState(sb, '/srv/shared')).toEqual({ root: 'ABSENT', locked: false });
  }, 180_000);
});
