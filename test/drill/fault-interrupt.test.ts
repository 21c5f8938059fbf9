// A drill stopped in the middle of its restore, onto a real standby container over SSH: the standby
// dies (docker kill), or the operator presses Ctrl-C (SIGINT to `continuity drill run`). The restore is
// a 768 MiB archive (seconds of extraction even on an idle machine), so it is still running when the fault comes. No hang, an honest journal, and the
// backup repository unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDrill } from '../../src/app/run-drill.ts';
import { hashRepository } from '../support/backup-fixtures.ts';
import { startStandby, stopAll } from '../support/containers.ts';
import { killContainer, makeTarRepository, readJournal, standbyState, waitForPhase, waitForProcess } from '../support/fault-helpers.ts';
import { needImage, needTool } from '../support/tools.ts';
import { AT_V2, writeSite } from './site-fixture.ts';

const bin = path.resolve('bin/continuity.mjs');
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
    const drill = runDrill({ siteFile: file, at: AT_V2, journalDir: journals });
    await waitForPhase(journals, 'restore');
    // the extraction itself is running on the standby (not only the archive's first look)
    await waitForProcess(sb, '^tar -x');
    const killedAt = performance.now();
    killContainer(sb);
    const r = await drill;
    const afterKill = (performance.now() - killedAt) / 1000;
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
    const child = spawn(process.execPath, [bin, 'drill', 'run', '--site', file, '--at', AT_V2, '--journal-dir', journals, '--format', 'json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const inRestore = new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        if (stderr.includes('restore: started')) resolve();
      });
      child.on('close', () => reject(new Error(`the drill ended before its restore: ${stderr}`)));
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await inRestore;
    // the extraction is really running on the standby when the signal comes
    await waitForProcess(sb, '^tar -x');
    expect(readJournal(journals)?.currentPhase).toBe('restore');
    const sentAt = performance.now();
    child.kill('SIGINT');
    const code = await closed;
    const afterSignal = (performance.now() - sentAt) / 1000;
    const journal = JSON.parse(stdout);
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
