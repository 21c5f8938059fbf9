// A whole drill over SSH onto a real standby container (sshd, checked host key), the backup disk
// mounted read-only as on a real reserve machine: restored bytes, owners and modes verified there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashRepository, makeBackups, type Backups } from '../support/backup-fixtures.ts';
import { needImage, needTool } from '../support/tools.ts';
import { startStandby, stopAll, type StartedStandby } from '../support/containers.ts';
import { runDrill } from '../../src/app/run-drill.ts';
import { AT_V2, writeSite } from './site-fixture.ts';

let b: Backups;
let work: string;
let sb: StartedStandby;

beforeAll(async () => {
  needTool('tar');
  needImage('continuity/standby:latest');
  b = makeBackups(['tar']);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-drill-ssh-'));
  sb = await startStandby({ binds: [{ source: b.dir, target: b.dir, mode: 'ro' }] });
});
afterAll(async () => {
  await stopAll();
  b?.cleanup();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('a drill onto a standby container over SSH', () => {
  it('passes: restores, verifies on the standby, probes sshd, cleans up; the repository is unchanged', async () => {
    const repo = b.repos['tar.gz']!;
    const before = hashRepository(repo);
    const file = writeSite(path.join(work, 'ok'), {
      tool: 'tar',
      repository: repo,
      standbySsh: { ssh: sb.sshTarget, identityFile: sb.identityFile, knownHosts: sb.knownHostsFile },
      services: `  - { name: home directories restored, run: 'test -d /srv/restore/skole/tjener/home0/elev01' }\n  - { name: ssh login, tcp: 22 }\n`,
    });
    const r = await runDrill({ siteFile: file, at: AT_V2, journalDir: path.join(work, 'ok', 'j') });
    expect(r.journal.phases.map((p) => `${p.name}:${p.status}`), JSON.stringify(r.journal.phases, null, 1)).toEqual([
      'preflight:passed',
      'restore:passed',
      'verify:passed',
      'services:passed',
      'cleanup:passed',
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.journal.standby.kind).toBe('ssh');
    expect(r.journal.verification!.files).toBeGreaterThan(5);
    const services = r.journal.phases.find((p) => p.name === 'services')!;
    expect(services.checks!.map((c) => c.passed)).toEqual([true, true]);
    // nothing left on the standby, and the lock is gone
    const left = await sb.exec('ls -A /srv');
    expect(left.stdout.trim()).toBe('');
    expect(hashRepository(repo)).toBe(before);
  });

  it('a wrong host key is refused in preflight before anything is sent; exit 3', async () => {
    const wrong = path.join(work, 'wrong_known_hosts');
    const other = fs.readFileSync(sb.knownHostsFile, 'utf8').replace(/ssh-ed25519 \S+/, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl');
    fs.writeFileSync(wrong, other);
    const file = writeSite(path.join(work, 'wrongkey'), {
      tool: 'tar',
      repository: b.repos['tar.gz']!,
      standbySsh: { ssh: sb.sshTarget, identityFile: sb.identityFile, knownHosts: wrong },
    });
    const r = await runDrill({ siteFile: file, at: AT_V2, journalDir: path.join(work, 'wrongkey', 'j') });
    expect(r.exitCode).toBe(3);
    const pre = r.journal.phases[0];
    expect(pre).toMatchObject({ name: 'preflight', status: 'failed' });
    expect(pre.checks![0]).toMatchObject({ name: 'standby reachable', passed: false });
    expect(pre.checks![0].detail).toMatch(/host key/i);
    const left = await sb.exec('ls -A /srv');
    expect(left.stdout.trim()).toBe('');
  });
});
