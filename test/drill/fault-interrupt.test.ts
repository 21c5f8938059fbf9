// A drill stopped in the middle of its restore, onto a real standby container over SSH: the standby
// dies (docker kill), or the operator presses Ctrl-C (SIGINT to `continuity drill run`). The restore is
// a 768 MiB archive (seconds of extraction even on an idle machine), so it is still running when the fault comes. No hang, an honest journal, and the
// backup repository unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashRepository } from '../support/backup-fixtures.ts';
import { startStandby, stopAll } from '../support/containers.ts';
import { drillInterruptedInRestore, drillKilledInRestore, makeTarRepository, standbyState } from '../support/fault-helpers.ts';
import { needImage, needTool } from '../support/tools.ts';
import { writeSite } from './site-fixture.ts';

let work: string;
let repo: string;

beforeAll(() => {
  needTool('tar');
  needImage('continuity/standby:latest');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-fault-interrupt-'));
  repo = makeTarRepository(path.join(work, 'big'), { bigBytes: 768 << 20 });
});

afterAll(async () => {
  await stopAll();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('a drill interrupted during its restore', () => {
  it('the standby dies mid-restore: the restore phase fails at once naming the lost standby, the drill ends failed, no hang', async () => {
    const sb = await startStandby({ binds: [{ source: repo, target: '/backup', mode: 'ro' }] });
    const dir = path.join(work, 'dies');
    const file = writeSite(dir, {
      tool: 'tar',
      repository: '/backup',
      standbySsh: { ssh: sb.sshTarget, identityFile: sb.identityFile, knownHosts: sb.knownHostsFile },
      services: `  - { name: ssh login, tcp: 22 }\n`,
    });
    const before = hashRepository(repo);
    const journals = path.join(dir, 'j');
    const t0 = performance.now();
    const { r, afterKill } = await drillKilledInRestore(sb, file, journals);
    console.log(
      `[figures] standby killed mid-restore: drill ended ${afterKill.toFixed(1)} s after the kill (${((performance.now() - t0) / 1000).toFixed(1)} s in all), exit ${r.exitCode}, ` +
        r.journal.phases.map((p) => `${p.name} ${p.status} ${p.seconds ?? 0}s: ${p.detail ?? ''}`).join(' | '),
    );
    expect(afterKill).toBeLessThan(30);
    const phase = (n: string) => r.journal.phases.find((p) => p.name === n)!;
    expect(phase('preflight').status).toBe('passed');
    expect(phase('restore').status).toBe('failed');
    expect(phase('restore').detail).toMatch(/tar: could not restore from \/backup\/tjener-2026-11-25T0200Z\.tar on ssh root@127\.0\.0\.1:\d+: standby .* (connection lost|unreachable)/);
    expect(phase('verify')).toMatchObject({ status: 'skipped', detail: 'restore failed' });
    expect(phase('services')).toMatchObject({ status: 'skipped', detail: 'restore failed' });
    // cleanup is tried (it holds the lock) and says why it could not reach the standby
    expect(phase('cleanup').status).toBe('failed');
    expect(phase('cleanup').detail).toMatch(/unreachable|connection/);
    expect(r.exitCode).toBe(1);
    const onDisk = JSON.parse(fs.readFileSync(r.journalFile!, 'utf8'));
    expect(onDisk).toMatchObject({ status: 'failed', rto: { actualSeconds: null, met: false } });
    expect(onDisk.phases[1]).toMatchObject({ name: 'restore', status: 'failed' });
    expect(hashRepository(repo)).toBe(before);
  });

  it('Ctrl-C during the restore: exit 130, journal aborted in restore, the remote restore killed, cleanup ran, lock released', async () => {
    const sb = await startStandby({ binds: [{ source: repo, target: '/backup', mode: 'ro' }] });
    const dir = path.join(work, 'sigint');
    const file = writeSite(dir, {
      tool: 'tar',
      repository: '/backup',
      standbySsh: { ssh: sb.sshTarget, identityFile: sb.identityFile, knownHosts: sb.knownHostsFile },
      services: `  - { name: ssh login, tcp: 22 }\n`,
    });
    const before = hashRepository(repo);
    const journals = path.join(dir, 'j');
    const { code, afterSignal, stderr, journal, journalInRestore } = await drillInterruptedInRestore(sb, file, journals);
    expect(journalInRestore).toBe('restore');
    console.log(
      `[figures] Ctrl-C in restore: exit ${code} ${afterSignal.toFixed(1)} s after SIGINT, ` +
        journal.phases.map((p: { name: string; status: string; seconds?: number; detail?: string }) => `${p.name} ${p.status} ${p.seconds ?? 0}s: ${p.detail ?? ''}`).join(' | '),
    );
    expect(code, stderr).toBe(130);
    expect(afterSignal).toBeLessThan(20);
    expect(stderr).toContain('SIGINT: stopping the drill, cleaning up the standby and writing the journal');
    expect(journal).toMatchObject({ status: 'aborted', abortedIn: 'restore', signal: 'SIGINT' });
    expect(journal.phases.map((p: { name: string; status: string }) => `${p.name}:${p.status}`)).toEqual([
      'preflight:passed',
      'restore:failed',
      'verify:skipped',
      'services:skipped',
      'cleanup:passed',
    ]);
    expect(journal.phases[1].detail).toBe('interrupted by SIGINT');
    expect(JSON.parse(fs.readFileSync(path.join(journals, fs.readdirSync(journals)[0]), 'utf8'))).toEqual(journal);
    // on the standby: no tar left running, the restore root removed, the lock released
    expect((await sb.exec('pgrep -x tar')).exitCode).toBe(1);
    expect(await standbyState(sb)).toEqual({ root: 'ABSENT', locked: false });
    expect(hashRepository(repo)).toBe(before);
    await sb.stop();
  });
});
