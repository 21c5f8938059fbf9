// The provisioning scripts for real: a bare Debian container (sshd + sudo, nothing else), every
// step run over SSH exactly as remote.Command runs it (the same command line through the remote
// shell, the same stdin), twice. The second run must change nothing. Then look at the machine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startStandby, stopAll, type StartedStandby } from '../../test/support/containers.ts';
import { needImage, needTool } from '../../test/support/tools.ts';
import { parseFacts, provisionStep, settingsText } from '../provision.ts';
import { reserveSettings, SSHD_DROPIN } from '../reserve-server.ts';

const ready = needImage('continuity/bare:latest') && needTool('ssh');

/** Run one command line over SSH with a checked host key, stdin piped, like remote.Command's session.Run. */
function ssh(m: StartedStandby, user: string, command: string, stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', [
      '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${m.knownHostsFile}`,
      '-o', 'IdentitiesOnly=yes', '-i', m.identityFile, '-p', String(m.port), `${user}@${m.host}`, command,
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const site = { tool: 'restic' as const, packages: ['apache2', 'ldap-utils'] };
const drillKey = readFileSync('Pulumi.nordby.yaml', 'utf8').match(/drillPublicKey: (.*)/)![1];
const settings = reserveSettings({
  host: '127.0.0.1', port: 22, tool: site.tool, restoreRoot: '/srv/restore', minFreeBytes: 1024 * 1024,
  drillUser: 'drill', drillPublicKey: drillKey, packages: site.packages, readinessTimeoutSeconds: 60,
});
const steps = ['backup-tools', 'restore-root', 'drill-user', 'sshd-hardening', 'service-packages', 'readiness'] as const;

describe.runIf(ready)('provisioning scripts on a bare Debian machine over SSH', () => {
  let m: StartedStandby;
  const runs: Record<string, { code: number | null; stdout: string; stderr: string }[]> = {};

  beforeAll(async () => {
    m = await startStandby({ image: 'continuity/bare:latest' });
    // the provisioning account is the sudo user `admin` (the `sudo -n` path); give it the test key
    const setup = await m.exec('install -d -m 700 -o admin -g admin /home/admin/.ssh && install -m 600 -o admin -g admin /root/.ssh/authorized_keys /home/admin/.ssh/authorized_keys');
    expect(setup.exitCode).toBe(0);
    for (const round of [1, 2]) {
      for (const step of steps) {
        const r = await ssh(m, 'admin', provisionStep(step).command, settingsText(settings[step]));
        (runs[step] ??= []).push(r);
        if (r.code !== 0) throw new Error(`round ${round}, ${step} exited ${r.code}: ${r.stderr}`);
      }
    }
  }, 480_000);
  afterAll(async () => {
    await m?.stop();
    await stopAll();
  });

  it('the first run changes the bare machine, step by step', () => {
    expect(runs['backup-tools'][0].stdout).toMatch(/^changed: installed restic( openssh-client)?( python3)?$/m);
    expect(runs['restore-root'][0].stdout).toMatch(/^changed: created \/srv\/restore$/m);
    expect(runs['drill-user'][0].stdout).toMatch(/^changed: created user drill$/m);
    expect(runs['sshd-hardening'][0].stdout).toMatch(/^changed: hardened sshd/m);
    expect(runs['service-packages'][0].stdout).toMatch(/^changed: installed apache2 ldap-utils$/m);
  });

  it('the second run changes nothing', () => {
    for (const step of steps) {
      expect(runs[step][1].stdout, step).toMatch(/^no changes$/m);
      expect(runs[step][1].stdout, step).not.toMatch(/^changed:/m);
    }
  });

  it('the readiness poll reports the host key the container really has, and the tool version', () => {
    const facts = parseFacts(runs.readiness[1].stdout);
    expect(facts.hostKey).toBe(m.hostKey);
    expect(facts.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(facts.toolVersion).toMatch(/^0\.14\.\d+$/);
    expect(Number(facts.restoreRootFreeBytes)).toBeGreaterThan(1024 * 1024);
  });

  it('leaves packages installed, the restore root closed, the drill user with only its key and no password', async () => {
    const state = await m.exec(
      "dpkg-query -W -f='${Package} ${db:Status-Abbrev}\\n' restic python3 apache2 ldap-utils | sort; stat -c '%U:%G %a' /srv/restore; passwd -S drill | cut -d' ' -f2; cat /home/drill/.ssh/authorized_keys; stat -c '%U %a' /home/drill/.ssh /home/drill/.ssh/authorized_keys; cat /etc/sudoers.d/continuity-drill",
    );
    expect(state.stdout.split('\n')).toEqual([
      'apache2 ii ', 'ldap-utils ii ', 'python3 ii ', 'restic ii ', 'root:root 700', 'L', drillKey, 'drill 700', 'drill 600', 'drill ALL=(root) NOPASSWD: ALL', '',
    ]);
  });

  it('sshd refuses passwords and root password login, and says so in its effective config', async () => {
    const eff = await m.exec("sshd -T | grep -Ei '^(passwordauthentication|kbdinteractiveauthentication|permitemptypasswords|permitrootlogin) ' | sort");
    expect(eff.stdout.trim().split('\n')).toEqual([
      'kbdinteractiveauthentication no', 'passwordauthentication no', 'permitemptypasswords no', 'permitrootlogin without-password',
    ]);
    expect((await m.exec(`test -f ${SSHD_DROPIN}`)).exitCode).toBe(0);
    // a password login attempt is not even offered
    const pw = await ssh(m, 'drill', 'true').catch(() => null);
    expect(pw?.code).not.toBe(0); // the test key is not the drill key: key login fails, and no password method is left
    const methods = await new Promise<string>((resolve) => {
      const c = spawn('ssh', ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${m.knownHostsFile}`, '-o', 'PreferredAuthentications=password', '-p', String(m.port), `drill@${m.host}`, 'true']);
      let err = '';
      c.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      c.on('close', () => resolve(err));
    });
    expect(methods).toMatch(/Permission denied \(publickey\)/);
  });

  it('undo steps remove what they made, and only that', async () => {
    for (const step of ['drill-user', 'sshd-hardening', 'restore-root'] as const) {
      const r = await ssh(m, 'admin', provisionStep(step).deleteCommand!, settingsText(settings[step]));
      expect(r.code, `${step}: ${r.stderr}`).toBe(0);
    }
    const after = await m.exec(`id drill; test -e ${SSHD_DROPIN} && echo dropin; test -e /srv/restore && echo root; test -e /etc/sudoers.d/continuity-drill && echo sudoers; sshd -t && echo sshd-ok`);
    expect(after.stdout.trim()).toBe('sshd-ok');
  });
});
