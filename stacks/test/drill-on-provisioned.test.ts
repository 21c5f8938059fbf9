// Provisioning and drills proven together: a bare Debian container is provisioned by the stack's
// scripts over SSH with the default `drillUser: drill`, the readiness facts become the site's standby
// (`standby from-pulumi`, which adds `sudo: true`), and a real rdiff-backup restore drill runs onto it
// as `drill` through sudo, with the host key checked against those facts and owners and modes restored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStandby, stopAll, type StartedStandby } from '../../test/support/containers.ts';
import { needImage, needTool } from '../../test/support/tools.ts';
import { makeBackups, treeOf, type Backups } from '../../test/support/backup-fixtures.ts';
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
    // provisioning logs in as the sudo user `admin` (stacks/config.ts: sshUser), the drill as the default `drill`
    const settings = reserveSettings({
      host: m.host, port: m.port, tool: 'rdiff-backup', restoreRoot: '/srv/restore', minFreeBytes: 64 * 1024 * 1024,
      drillUser: 'drill', drillPublicKey: fs.readFileSync(`${drillKey}.pub`, 'utf8').trim(), packages: [], readinessTimeoutSeconds: 60,
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

  it('drill logs in with the drill key only, is not root, and gets root with a non-interactive sudo', async () => {
    expect((await ssh(m, 'drill', m.identityFile, 'true')).code).toBe(255);
    const r = await ssh(m, 'drill', drillKey, 'id -un; sudo -n -- sh -c "id -u"');
    expect(r.stdout).toBe('drill\n0\n');
    expect((await m.exec('passwd -S drill | cut -d" " -f2')).stdout.trim()).toBe('L');
  });

  let siteFile: string;

  it('passes as drill through sudo: outputs -> site file (sudo: true) -> drill, owners and modes restored, host key checked from the facts', async () => {
    const dir = path.join(work, 'site');
    siteFile = writeSite(dir, {
      tool: 'rdiff-backup',
      repository: b.repos['rdiff-backup']!,
      standbySsh: { ssh: 'nobody@192.0.2.1', identityFile: drillKey, knownHosts: path.join(dir, 'known_hosts') },
    });
    // what `pulumi stack output --json` would print for this machine
    const outputs = {
      standbyHost: m.host,
      standbyPort: m.port,
      standbyUser: 'drill',
      standbyHostKeyFingerprint: facts.hostKeyFingerprint,
      standbyKnownHostsLine: knownHostsLineFor(m.host, m.port, facts.hostKey),
      standbyRestoreRoot: '/srv/restore',
      standbyToolVersions: { 'rdiff-backup': facts.toolVersion },
    };
    await standbyFromPulumi({ outputsText: JSON.stringify(outputs), outputsSource: 'outputs.json', siteFile, write: true });
    expect(fs.readFileSync(siteFile, 'utf8')).toContain(`  ssh: drill@127.0.0.1:${m.port}\n  sudo: true\n`);

    const r = await runDrill({ siteFile, at: AT_V2, journalDir: path.join(dir, 'journals'), keep: true });
    expect(r.journal.phases.map((p) => `${p.name}:${p.status}`), JSON.stringify(r.journal.phases, null, 1)).toEqual([
      'preflight:passed',
      'restore:passed',
      'verify:passed',
      'services:passed',
      'cleanup:passed',
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.journal.standby).toMatchObject({ kind: 'ssh', description: `ssh drill@127.0.0.1:${m.port} (root via sudo)` });
    expect(r.journal.verification).toMatchObject({ mismatches: 0, missing: 0, extra: 0, permissionMismatches: 0 });
    expect(r.journal.verification!.files).toBeGreaterThan(5);

    // our own look at the kept restore (docker exec, not the drill's verifier): owners and modes as backed up
    const found = await m.exec("cd /srv/restore && find skole/tjener/home0 etc -printf '%p\\t%U:%G\\t%m\\t%y\\n'");
    expect(found.exitCode, found.stderr).toBe(0);
    const onStandby = new Map(found.stdout.trim().split('\n').map((l) => {
      const [p, owner, mode, type] = l.split('\t');
      return [p, type === 'l' ? owner : `${owner} ${mode}`] as const;
    }));
    const expected = new Map([...treeOf(b.expected.v2)].map(([p, e]) => [p, e.type === 'symlink' ? `${e.uid}:${e.gid}` : `${e.uid}:${e.gid} ${e.mode.toString(8)}`] as const));
    expect(onStandby).toEqual(expected);
    // not trivially root everywhere: the pupils' and teachers' own uids came back
    expect([...onStandby.values()].filter((v) => !v.startsWith('0:0')).length).toBeGreaterThan(3);
    expect((await m.exec('rm -rf /srv/restore/skole /srv/restore/etc && ls -A /srv/restore')).stdout).toBe('');
  });

  it('the same drill without sudo does not pass: drill may not even take the lock next to root\'s restore root', async () => {
    const plain = path.join(path.dirname(siteFile), 'site-no-sudo.yaml');
    fs.writeFileSync(plain, fs.readFileSync(siteFile, 'utf8').replace('  sudo: true\n', '  sudo: false\n'));
    const r = await runDrill({ siteFile: plain, at: AT_V2, journalDir: path.join(work, 'journals-no-sudo') });
    expect(r.exitCode).not.toBe(0);
    expect(r.journal.status).toBe('failed');
    expect(r.journal.standby.description).toBe(`ssh drill@127.0.0.1:${m.port}`);
    // (the lock's message blames a lock "without a readable owner": mkdir was in fact refused to drill)
    expect(r.journal.phases[0]).toMatchObject({ name: 'preflight', status: 'failed' });
    expect(r.journal.phases[0].detail, JSON.stringify(r.journal.phases, null, 1)).toMatch(/^lock: /);
    expect(r.journal.phases.filter((p) => p.name !== 'preflight').map((p) => p.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    expect((await m.exec('ls -A /srv/restore; test -e /srv/restore.continuity-lock && echo locked; true')).stdout).toBe('');
  });

  it('a drill user whose sudo rule is gone fails preflight with "sudo -n refused", fast, and writes nothing', async () => {
    expect((await m.exec('rm /etc/sudoers.d/continuity-drill')).exitCode).toBe(0);
    const t0 = performance.now();
    const r = await runDrill({ siteFile, at: AT_V2, journalDir: path.join(work, 'journals-refused') });
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(r.exitCode).not.toBe(0);
    expect(r.journal.phases[0]).toMatchObject({ name: 'preflight', status: 'failed' });
    expect(r.journal.phases[0].detail).toContain(`standby drill@127.0.0.1:${m.port}: sudo -n refused: sudo: a password is required`);
    expect(r.journal.phases.filter((p) => p.name === 'restore').every((p) => p.status === 'skipped')).toBe(true);
    expect((await m.exec('ls -A /srv/restore; test -e /srv/restore.continuity-lock && echo locked; true')).stdout).toBe('');
  });
});
