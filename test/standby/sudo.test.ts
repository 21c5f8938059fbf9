// `standby.sudo: true` against a real sshd and a real sudo (continuity/bare): the login user is not root,
// every command runs as root through `sudo -n`, stdin reaches it, timeouts and aborts kill root's processes,
// and a login user that sudo refuses is a clear error when the standby is opened, not a hang.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { openStandby } from '../../src/io/standby/open.ts';
import type { Standby } from '../../src/io/standby/types.ts';
import { rejection, siteWith } from '../support/standby-site.ts';
import { startStandby, stopAll, type StartedStandby } from '../support/containers.ts';
import { needImage, needTool } from '../support/tools.ts';

const ready = needTool('ssh') && needTool('ssh-keygen') && needImage('continuity/bare:latest');

describe.runIf(ready)('SSH standby with sudo: true (real sshd and sudo, login user admin)', () => {
  let sb: StartedStandby;
  let tmp: string;
  let siteFile: string;
  let standby: Standby;
  /** `user@127.0.0.1:PORT` for another account of the container that logs in with the test key */
  const as = (user: string) => `${user}@127.0.0.1:${sb.port}`;
  /** processes on the standby whose command line starts with `prefix`, read from /proc as root (docker exec) */
  const processes = async (prefix: string) =>
    (await sb.exec(`for d in /proc/[0-9]*; do tr '\\0' ' ' < $d/cmdline 2>/dev/null; echo; done | grep -F ${JSON.stringify(prefix)} | grep -v grep || true`)).stdout.trim();

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'continuity-sudo-test-'));
    siteFile = path.join(tmp, 'site.yaml');
    sb = await startStandby({ image: 'continuity/bare:latest', user: 'admin' });
    // two accounts sudo refuses: one without any rule, one allowed only /usr/bin/true; both log in with the test key
    const setup = await sb.exec(
      [
        'set -e',
        'for u in nosudo limited; do useradd --create-home --shell /bin/sh $u; install -d -m 700 -o $u -g $u /home/$u/.ssh; install -m 600 -o $u -g $u /root/.ssh/authorized_keys /home/$u/.ssh/; done',
        "printf 'limited ALL=(root) NOPASSWD: /usr/bin/true\\n' > /etc/sudoers.d/limited && chmod 440 /etc/sudoers.d/limited",
        'install -d -m 700 -o root -g root /srv/restore',
      ].join('\n'),
    );
    expect(setup.exitCode, setup.stderr).toBe(0);
    standby = await openStandby(siteWith({ ...sb.siteStandby('/srv/restore'), sudo: true }), siteFile);
  });
  afterAll(async () => {
    await standby?.close();
    await stopAll();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('runs each command as root, logged in as admin, and says so in its description', async () => {
    expect(standby.description).toBe(`ssh admin@127.0.0.1:${sb.port} (root via sudo)`);
    const r = await standby.exec('id -u; id -un; echo "$SUDO_USER"; echo err >&2; exit 3');
    expect(r).toEqual({ exitCode: 3, stdout: '0\nroot\nadmin\n', stderr: 'err\n', timedOut: false });
  });

  it('can do what a restore needs and admin alone cannot: enter root\'s 0700 restore root, set owners', async () => {
    const r = await standby.exec('pwd; touch f && chown 1234:2345 f && chmod 640 f && stat -c "%u:%g %a" f', { cwd: '/srv/restore' });
    expect(r.stdout).toBe('/srv/restore\n1234:2345 640\n');
    expect(r.exitCode).toBe(0);
    // the same login without sudo: refused at the cd, nothing ran in there
    const plain = await openStandby(siteWith(sb.siteStandby('/srv/restore')), siteFile);
    try {
      expect(plain.description).toBe(`ssh admin@127.0.0.1:${sb.port}`);
      const denied = await plain.exec('touch g', { cwd: '/srv/restore' });
      expect(denied.exitCode).not.toBe(0);
      expect(denied.stderr).toMatch(/can't cd to \/srv\/restore/);
      expect((await plain.exec('id -u')).stdout).not.toBe('0\n');
    } finally {
      await plain.close();
    }
    expect((await sb.exec('test -e /srv/restore/g')).exitCode).not.toBe(0);
  });

  it('passes stdin to the root command, and the secret is on no command line', async () => {
    const secret = `s3cret-${Date.now()}`;
    const running = standby.exec('sleep 2; cat > /root/pass && chmod 600 /root/pass && stat -c "%U %a" /root/pass', { input: `${secret}\n` });
    await new Promise((res) => setTimeout(res, 700));
    const args = await processes('');
    expect(args).toContain('sleep 2');
    expect(args).not.toContain(secret);
    const r = await running;
    expect(r.stdout).toBe('root 600\n');
    expect(r.exitCode).toBe(0);
    expect((await sb.exec('cat /root/pass')).stdout).toBe(`${secret}\n`);
    const big = Buffer.alloc(3 * 1024 * 1024, 'abcdefgh');
    const sum = await standby.exec('sha256sum | cut -d" " -f1', { input: big });
    expect(sum.stdout.trim()).toBe(spawnSync('sha256sum', { input: big, encoding: 'utf8' }).stdout.split(' ')[0]);
  });

  it('a timeout kills root\'s processes on the standby too, within about the timeout', async () => {
    const t0 = performance.now();
    const r = await standby.exec('sleep 31 & wait; touch /tmp/sudo-should-not-exist', { timeoutMs: 1000 });
    const ms = performance.now() - t0;
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(3000);
    console.log(`[figures] ssh+sudo timeout of 1000 ms returned after ${Math.round(ms)} ms`);
    // the root shell and its sleep are gone (admin alone could not have killed them)
    expect(await processes('sleep 31')).toBe('');
    expect(await processes('sudo -n -- sh -c sleep 31')).toBe('');
    await new Promise((res) => setTimeout(res, 500));
    expect((await sb.exec('test -e /tmp/sudo-should-not-exist')).exitCode).not.toBe(0);
  });

  it('an abort signal stops the root command on the standby', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 500);
    const t0 = performance.now();
    const r = await standby.exec('sleep 32; touch /tmp/sudo-aborted-but-ran', { signal: ac.signal });
    expect(performance.now() - t0).toBeLessThan(2500);
    expect(r).toMatchObject({ exitCode: null, timedOut: false });
    expect(await processes('sleep 32')).toBe('');
  });

  it('a login user without a sudo rule is refused when the standby is opened, with a clear error, fast', async () => {
    const t0 = performance.now();
    const err = await rejection(openStandby(siteWith({ ...sb.siteStandby('/srv/restore'), ssh: as('nosudo'), sudo: true }), siteFile));
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect(err.message).toMatch(new RegExp(`^standby nosudo@127\\.0\\.0\\.1:${sb.port}: sudo -n refused: sudo: a password is required`));
    expect(err.message).toContain('passwordless sudo rule for nosudo');
  });

  it('a sudo rule that does not allow a shell is refused the same way', async () => {
    const err = await rejection(openStandby(siteWith({ ...sb.siteStandby('/srv/restore'), ssh: as('limited'), sudo: true }), siteFile));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(new RegExp(`^standby limited@127\\.0\\.0\\.1:${sb.port}: sudo -n refused: `));
    // sure enough, the rule itself works for what it allows
    expect((await sb.exec(['su', 'limited', '-c', 'sudo -n /usr/bin/true && echo allowed'])).stdout).toBe('allowed\n');
  });
});

describe('standby.sudo in the site file', () => {
  const site = (standby: string) =>
    `version: continuity/v1\nkind: site\nname: test\nsla: ./sla.yaml\nbackup:\n  tool: tar\n  repository: /backup\nstandby:\n${standby}  restoreRoot: /srv/restore\n`;

  it('is read as a boolean for an ssh standby, and refused for a local one with file:line:col', async () => {
    const { loadSite } = await import('../../src/io/load.ts');
    const ok = await loadSite('/sites/a.yaml', site('  ssh: drill@10.0.0.5\n  sudo: true\n  knownHosts: ./kh\n  identityFile: ./k\n'));
    expect(ok.data.standby.sudo).toBe(true);
    const local = await rejection(loadSite('/sites/b.yaml', site('  local: /tmp/sb\n  sudo: true\n')));
    expect(local.message).toContain('/sites/b.yaml:10:3: `standby.sudo`: expected `sudo` only for an `ssh` standby');
    const notBool = await rejection(loadSite('/sites/c.yaml', site('  ssh: drill@10.0.0.5\n  sudo: yes please\n  knownHosts: ./kh\n')));
    expect(notBool.message).toMatch(/\/sites\/c\.yaml:10:\d+: `standby\.sudo`/);
  });
});
