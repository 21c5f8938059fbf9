// Provisioning and drills proven together: a bare Debian container is provisioned by the stack's
// scripts over SSH, the readiness facts become the site's standby (`standby from-pulumi`), and a
// real rdiff-backup restore drill runs onto it with the host key checked against those facts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStandby, stopAll, type StartedStandby } from '../../test/support/containers.ts';
import { needImage, needTool } from '../../test/support/tools.ts';
import { makeBackups, type Backups } from '../../test/support/backup-fixtures.ts';
import { AT_V2, writeSite } from '../../test/drill/site-fixture.ts';
import { runDrill } from '../../src/app/run-drill.ts';
import { standbyFromPulumi } from '../../src/app/standby-from-pulumi.ts';
import { parseFacts, provisionStep, settingsText } from '../provision.ts';
import { knownHostsLineFor, reserveSettings } from '../reserve-server.ts';

const ready = needImage('continuity/bare:latest') && needTool('ssh') && needTool('rdiff-backup');

/** Run a command line over SSH as `user` with a checked host key and stdin, as remote.Command does. */
function ssh(m: StartedStandby, user: string, identity: string, command: string, stdin = '') {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const c = spawn('ssh', ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${m.knownHostsFile}`, '-o', 'IdentitiesOnly=yes', '-i', identity, '-p', String(m.port), `${user}@${m.host}`, command]);
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    c.on('error', reject);
    c.on('close', (code) => resolve({ code, stdout, stderr }));
    c.stdin.end(stdin);
  });
}

describe.runIf(ready)('a restore drill onto a reserve server the stack provisioned', () => {
  let m: StartedStandby;
  let b: Backups;
  let work: string;
  let drillKey: string;
  let facts: Record<string, string>;

  beforeAll(async () => {
    b = makeBackups(['rdiff-backup']);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-provisioned-'));
    drillKey = path.join(work, 'drill_ed25519');
    expect(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'continuity-drill@test', '-f', drillKey]).status).toBe(0);
    m = await startStandby({ image: 'continuity/bare:latest', binds: [{ source: b.dir, target: b.dir, mode: 'ro' }] });
    expect((await m.exec('install -d -m 700 -o admin -g admin /home/admin/.ssh && install -m 600 -o admin -g admin /root/.ssh/authorized_keys /home/admin/.ssh/')).exitCode).toBe(0);
    // The drill logs in as root here: the drill restores owners as its login user and has no sudo step.
    const settings = reserveSettings({
      host: m.host, port: m.port, tool: 'rdiff-backup', restoreRoot: '/srv/restore', minFreeBytes: 64 * 1024 * 1024,
      drillUser: 'root', drillPublicKey: fs.readFileSync(`${drillKey}.pub`, 'utf8').trim(), packages: [], readinessTimeoutSeconds: 60,
    });
    for (const step of ['backup-tools', 'restore-root', 'drill-user', 'sshd-hardening', 'service-packages', 'readiness'] as const) {
      const r = await ssh(m, 'admin', m.identityFile, provisionStep(step).command, settingsText(settings[step]));
      if (r.code !== 0) throw new Error(`${step} exited ${r.code}: ${r.stderr}`);
      if (step === 'readiness') facts = parseFacts(r.stdout);
    }
  }, 480_000);
  afterAll(async () => {
    await m?.stop();
    await stopAll();
    b?.cleanup();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('root now accepts only the drill key (the harness key that was there is gone)', async () => {
    expect((await ssh(m, 'root', m.identityFile, 'true')).code).toBe(255);
    expect((await ssh(m, 'root', drillKey, 'id -u')).stdout.trim()).toBe('0');
  });

  it('passes: outputs -> site file -> drill, restored bytes, owners and modes verified, host key checked from the facts', async () => {
    const dir = path.join(work, 'site');
    const siteFile = writeSite(dir, {
      tool: 'rdiff-backup',
      repository: b.repos['rdiff-backup']!,
      standbySsh: { ssh: 'nobody@192.0.2.1', identityFile: drillKey, knownHosts: path.join(dir, 'known_hosts') },
    });
    // what `pulumi stack output --json` would print for this machine
    const outputs = {
      standbyHost: m.host,
      standbyPort: m.port,
      standbyUser: 'root',
      standbyHostKeyFingerprint: facts.hostKeyFingerprint,
      standbyKnownHostsLine: knownHostsLineFor(m.host, m.port, facts.hostKey),
      standbyRestoreRoot: '/srv/restore',
      standbyToolVersions: { 'rdiff-backup': facts.toolVersion },
    };
    await standbyFromPulumi({ outputsText: JSON.stringify(outputs), outputsSource: 'outputs.json', siteFile, write: true });
    expect(fs.readFileSync(siteFile, 'utf8')).toContain(`ssh: root@127.0.0.1:${m.port}`);

    const r = await runDrill({ siteFile, at: AT_V2, journalDir: path.join(dir, 'journals') });
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
  });
});
