// Faults on the standby side, each a real drill over SSH onto a real standby container: the disk is too
// small (refused in preflight), the disk fills up during the restore, a wrong host key, a backup older
// than the RPO, and two drills on one standby. The backup repository is hashed before and after each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDrill, type DrillResult } from '../../src/app/run-drill.ts';
import { hashRepository, makeBackups, PASSWORD, type Backups } from '../support/backup-fixtures.ts';
import { startStandby, stopAll, type StartedStandby } from '../support/containers.ts';
import { containerLog, makeTarRepository, standbyState, waitForPhase } from '../support/fault-helpers.ts';
import { needImage, needTool } from '../support/tools.ts';
import { AT_V2, writeSite, type SiteOptions } from './site-fixture.ts';

let b: Backups;
let work: string;
let tiny: string;
let sb: StartedStandby;

beforeAll(async () => {
  needTool('tar');
  needTool('restic');
  needImage('continuity/standby:latest');
  b = makeBackups(['tar', 'restic']);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-fault-standby-'));
  // 1500 one-byte files: a 1.5 MiB archive (headers included) passes the size gate of the 2 MiB disk,
  // but 1500 files take 1500 disk blocks (about 6 MiB) once restored
  tiny = makeTarRepository(path.join(work, 'tiny'), { tinyFiles: 1500 });
  // /srv/restore is a 2 MiB disk; the fixture's snapshot holds about 6.4 MiB
  sb = await startStandby({
    binds: [
      { source: b.dir, target: b.dir, mode: 'ro' },
      { source: tiny, target: tiny, mode: 'ro' },
    ],
    tmpfs: { '/srv/restore': 'size=2m' },
  });
}, 120_000);

afterAll(async () => {
  await stopAll();
  b?.cleanup();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function site(name: string, o: Partial<SiteOptions> = {}): { file: string; journals: string } {
  const dir = path.join(work, name);
  const file = writeSite(dir, {
    tool: 'tar',
    repository: b.repos['tar.gz']!,
    standbySsh: { ssh: sb.sshTarget, identityFile: sb.identityFile, knownHosts: sb.knownHostsFile },
    services: `  - { name: ssh login, tcp: 22 }\n`,
    ...o,
  });
  return { file, journals: path.join(dir, 'j') };
}

/** Run a drill, timing it; the repository must be unchanged afterwards. */
async function drill(name: string, s: { file: string; journals: string }, repo = b.repos['tar.gz']!, at = AT_V2) {
  const before = hashRepository(repo);
  const t0 = performance.now();
  const r = await runDrill({ siteFile: s.file, at, journalDir: s.journals });
  const seconds = (performance.now() - t0) / 1000;
  console.log(`[figures] ${name}: ${seconds.toFixed(1)} s, exit ${r.exitCode}, ${r.journal.phases.map((p) => `${p.name} ${p.status} ${p.seconds ?? 0}s${p.status === 'failed' ? `: ${p.detail}` : ''}`).join(', ')}`);
  expect(hashRepository(repo), 'the backup repository changed').toBe(before);
  const onDisk = JSON.parse(fs.readFileSync(r.journalFile!, 'utf8'));
  expect(onDisk).toEqual(r.journal);
  return { r, seconds, phase: (n: string) => r.journal.phases.find((p) => p.name === n)! };
}

const gate = (r: DrillResult, name: string) => r.journal.phases[0].checks?.find((c) => c.name === name);

describe('standby faults, drilled over SSH onto a standby container', () => {
  it('a disk too small for the snapshot: preflight refuses with the free and needed space; nothing restored', async () => {
    const { r, phase } = await drill('disk too small', site('small-disk'));
    expect(phase('preflight').status).toBe('failed');
    const free = gate(r, 'free space')!;
    expect(free.passed).toBe(false);
    expect(free.detail).toMatch(/^only 2\.0 MiB free at \/srv\/restore, the restore needs 6\.6 MiB \(6\.0 MiB \+ 10 %\)$/);
    expect(phase('preflight').detail).toContain('free space: only 2.0 MiB free');
    expect(['restore', 'verify', 'services'].map((p) => phase(p).status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(phase('cleanup').status).toBe('passed');
    expect(r.exitCode).toBe(1);
    expect(r.journal.status).toBe('failed');
    // the tmpfs mount point is still there, empty; the lock is gone
    expect(await standbyState(sb)).toEqual({ root: '', locked: false });
  });

  it("a disk too small for a restic snapshot: the restore starts beside restic's count of the size and is stopped by its answer; nothing left, no restic left, the password never shows", async () => {
    const passwordFile = path.join(work, 'restic.pass');
    fs.writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    const repo = b.repos.restic!;
    const { r, phase } = await drill('restic disk too small', site('small-disk-restic', { tool: 'restic', repository: repo, passwordFile }), repo);
    // preflight found the free space and let the restore start, guarded: held below 10 % of it until the count answers
    const free = gate(r, 'free space')!;
    expect(free.passed).toBe(true);
    expect(free.detail).toBe("2.0 MiB free at /srv/restore; restic counts the snapshot's size beside the restore, which is held should less than 204.8 KiB (10 %) stay free before the count answers");
    expect(phase('preflight').status).toBe('passed');
    // the count's answer is the restore phase's verdict, with the sizes, as preflight gives them for other tools
    expect(phase('restore').status).toBe('failed');
    const counted = phase('restore').checks?.find((c) => c.name === 'free space');
    expect(counted?.passed).toBe(false);
    expect(counted?.detail).toMatch(/^only 2\.0 MiB free at \/srv\/restore, the restore needs 6\.\d MiB \(\d\.\d MiB \+ 10 %\) \(counted beside the restore in \d+\.\d s\)$/);
    expect(phase('restore').detail).toMatch(/^free space: only 2\.0 MiB free at \/srv\/restore/);
    expect(['verify', 'services'].map((p) => phase(p).status)).toEqual(['skipped', 'skipped']);
    expect(phase('cleanup').status).toBe('passed');
    expect(r.exitCode).toBe(1);
    expect(r.journal.status).toBe('failed');
    expect(JSON.stringify(r.journal)).not.toContain(PASSWORD);
    expect(await standbyState(sb)).toEqual({ root: '', locked: false });
    // the stopped restore is gone, not left held (SIGSTOP) on the standby
    expect((await sb.exec(['pgrep', '-x', 'restic'])).stdout).toBe('');
  });

  it('a disk that fills up during the restore (1500 tiny files pass the size gate, not the block count): restore fails with ENOSPC, cleaned up', async () => {
    const { r, phase } = await drill('disk fills up', site('fills-up', { tool: 'tar', repository: tiny }), tiny);
    expect(gate(r, 'free space')!.passed).toBe(true);
    expect(phase('restore').status).toBe('failed');
    expect(phase('restore').detail).toMatch(/No space left on device/);
    expect(phase('restore').detail).toContain('tjener-2026-11-25T0200Z.tar');
    expect(phase('restore').detail).not.toMatch(/\n\s+at /);
    expect(phase('verify').status).toBe('skipped');
    expect(phase('cleanup').status).toBe('passed');
    expect(r.exitCode).toBe(1);
    expect(r.journal).toMatchObject({ status: 'failed', rto: { met: false } });
    expect(await standbyState(sb)).toEqual({ root: '', locked: false });
  });

  it('a wrong host key for that host:port: refused before anything is sent (no login, no lock, no restore root); exit 3', async () => {
    const wrong = path.join(work, 'wrong_known_hosts');
    // a real, different ed25519 host key for the same [127.0.0.1]:port entry
    const other = fs.readFileSync(sb.knownHostsFile, 'utf8').replace(/ssh-ed25519 \S+/, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl');
    fs.writeFileSync(wrong, other);
    const logins = (containerLog(sb).match(/Accepted publickey/g) ?? []).length;
    const s = site('wrong-key', { restoreRoot: '/srv/wrong-key', standbySsh: { ssh: sb.sshTarget, identityFile: sb.identityFile, knownHosts: wrong } });
    const { r, phase } = await drill('wrong host key', s);
    expect(r.exitCode).toBe(3);
    expect(r.journal).toMatchObject({ status: 'failed', couldNotRun: true });
    const reach = gate(r, 'standby reachable')!;
    expect(reach.passed).toBe(false);
    expect(reach.detail).toMatch(/host key does not match the one in .*wrong_known_hosts \(refused before anything was sent/);
    expect(phase('preflight').checks).toHaveLength(1);
    expect(phase('cleanup')).toMatchObject({ status: 'skipped' });
    // sshd never let the drill log in, and nothing appeared on the standby
    expect((containerLog(sb).match(/Accepted publickey/g) ?? []).length).toBe(logins);
    expect(await standbyState(sb, '/srv/wrong-key')).toEqual({ root: 'ABSENT', locked: false });
  });

  it('a backup older than the RPO: preflight fails naming both ages, nothing restored; exit 1', async () => {
    const s = site('stale', { recovery: '{ rto: PT1H, rpo: PT30M }', restoreRoot: '/srv/stale' });
    const { r, phase } = await drill('backup older than RPO', s);
    const rpo = gate(r, 'backup within RPO')!;
    expect(rpo).toMatchObject({ passed: false, detail: 'backup age 1 h 00 min exceeds the RPO of 30 min 00 s' });
    expect(r.journal.rpo).toEqual({ targetSeconds: 1800, backupAgeSeconds: 3600, met: false });
    expect(phase('restore').status).toBe('skipped');
    expect(r.journal.rto.actualSeconds).toBeNull();
    expect(r.exitCode).toBe(1);
    expect(await standbyState(sb, '/srv/stale')).toEqual({ root: 'ABSENT', locked: false });
  });

  it('two drills on one standby: the second is refused by the lock while the first runs, and the first still passes', async () => {
    const first = site('first', { restoreRoot: '/srv/shared', services: `  - { name: ssh login, tcp: 22 }\n  - { name: slow service, run: 'sleep 3' }\n` });
    const second = site('second', { restoreRoot: '/srv/shared', name: 'nordby-2' });
    const before = hashRepository(b.repos['tar.gz']!);
    const running = runDrill({ siteFile: first.file, at: AT_V2, journalDir: first.journals });
    await waitForPhase(first.journals, 'services');
    const t0 = performance.now();
    const refused = await runDrill({ siteFile: second.file, at: AT_V2, journalDir: second.journals });
    const refusedSeconds = (performance.now() - t0) / 1000;
    const firstDone = await running;
    console.log(`[figures] second drill refused in ${refusedSeconds.toFixed(1)} s, exit ${refused.exitCode}; first drill exit ${firstDone.exitCode}`);
    expect(refused.exitCode).toBe(3);
    const lock = gate(refused, 'lock')!;
    expect(lock.passed).toBe(false);
    expect(lock.detail).toMatch(/^the standby is locked by another drill \(site nordby, started .* by pid \d+ on .*; lock \/srv\/shared\.continuity-lock\)$/);
    expect(refused.journal.phases.find((p) => p.name === 'cleanup')!.status).toBe('skipped');
    expect(firstDone.exitCode).toBe(0);
    expect(firstDone.journal.phases.map((p) => `${p.name}:${p.status}`)).toEqual(['preflight:passed', 'restore:passed', 'verify:passed', 'services:passed', 'cleanup:passed']);
    expect(hashRepository(b.repos['tar.gz']!)).toBe(before);
    expect(await standbyState(sb, '/srv/shared')).toEqual({ root: 'ABSENT', locked: false });
  });
});
