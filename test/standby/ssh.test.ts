// The SSH standby against a real sshd in a container: commands, stdin, timeouts, host keys, dead standbys.
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, StepFailed } from '../../src/core/errors.ts';
import { openStandby } from '../../src/io/standby/open.ts';
import { lowPriority } from '../../src/io/backup/tool-run.ts';
import { SshStandby } from '../../src/io/standby/ssh.ts';
import { HostKeyRejected } from '../../src/io/standby/ssh-failure.ts';
import type { Standby } from '../../src/io/standby/types.ts';
import { rejection, siteWith } from '../support/standby-site.ts';
import { startStandby, stopAll, type StartedStandby } from '../support/containers.ts';
import { needImage, needTool } from '../support/tools.ts';

const ready = needTool('ssh') && needTool('ssh-keygen') && needImage('continuity/standby:latest');

let tmp: string;

/** A fresh ed25519 key pair's public line, not the standby's. */
function otherKey(name: string): string {
  const f = path.join(tmp, name);
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', f]);
  return spawnSync('cat', [`${f}.pub`], { encoding: 'utf8' }).stdout.trim().split(' ').slice(0, 2).join(' ');
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe.runIf(ready)('SSH standby (real sshd in a container)', () => {
  let sb: StartedStandby;
  let standby: Standby;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'continuity-ssh-test-'));
    sb = await startStandby();
    standby = await openStandby(siteWith(sb.siteStandby('/srv/restore')), path.join(tmp, 'site.yaml'));
  });
  afterAll(async () => {
    await standby?.close();
    await stopAll();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('runs a command and reports its exit code, stdout and stderr separately', async () => {
    expect(standby.kind).toBe('ssh');
    expect(standby.description).toBe(`ssh root@127.0.0.1:${sb.port}`);
    const r = await standby.exec('echo out; echo err >&2; exit 3');
    expect(r).toEqual({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false });
    const ok = await standby.exec('id -un; hostname');
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout.split('\n')[0]).toBe('root');
    // the command ran on the standby, not here
    expect(ok.stdout.split('\n')[1]).toBe((await sb.exec('hostname')).stdout.trim());
  });

  it("lowPriority puts an SSH command's own session, and no other, at autogroup nice 19 (sshd makes each command a session leader)", async () => {
    const low = await standby.exec(lowPriority(`cat /proc/$$/autogroup; sh -c 'cat /proc/$$/autogroup'`));
    expect(low.exitCode).toBe(0);
    const lines = low.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/^\/autogroup-\d+ nice 19$/);
    // the next command is a session of its own, at normal priority
    const next = (await standby.exec('cat /proc/$$/autogroup')).stdout.trim();
    expect(next).toMatch(/^\/autogroup-\d+ nice 0$/);
    expect(next.split(' ')[0]).not.toBe(lines[0].split(' ')[0]);
  });

  it('lowPriority still reaches nice 19 when several sessions start at once (the kernel refuses a second write within 100 ms without CAP_SYS_ADMIN)', async () => {
    const runs = await Promise.all(
      Array.from({ length: 4 }, () => standby.exec(lowPriority('cat /proc/$$/autogroup'))),
    );
    for (const r of runs) {
      expect(r.exitCode).toBe(0);
      expect(r.stdout.trim()).toMatch(/^\/autogroup-\d+ nice 19$/);
    }
  });

  it('runs POSIX sh semantics, in the given working directory', async () => {
    const r = await standby.exec('pwd; [ "$(echo a b | wc -w)" -eq 2 ] && echo two', { cwd: '/etc/ssh' });
    expect(r.stdout).toBe('/etc/ssh\ntwo\n');
    expect(r.exitCode).toBe(0);
    // a working directory that does not exist runs nothing
    const bad = await standby.exec('echo ran; touch /tmp/ran-elsewhere', { cwd: '/no/such/dir' });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/\/no\/such\/dir/);
    expect((await sb.exec('test -e /tmp/ran-elsewhere')).exitCode).not.toBe(0);
  });

  it('a remote command exiting 255 is a result, not a lost connection', async () => {
    const r = await standby.exec('echo before; exit 255');
    expect(r.exitCode).toBe(255);
    expect(r.stdout).toBe('before\n');
  });

  it('passes stdin to the command (how secrets travel), and the secret is never on a command line', async () => {
    const secret = `s3cret-${Date.now()}`;
    const running = standby.exec('sleep 3; cat > /root/pass && chmod 600 /root/pass && wc -c < /root/pass', { input: `${secret}\n` });
    await new Promise((res) => setTimeout(res, 500));
    // while it runs, no process here or on the standby carries the secret in its arguments
    expect((await sb.exec(['ps', '-eo', 'args'])).stdout).toContain('sleep 3');
    expect((await sb.exec(['ps', '-eo', 'args'])).stdout).not.toContain(secret);
    expect(spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout).not.toContain(secret);
    const r = await running;
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe(String(secret.length + 1));
    expect((await sb.exec('cat /root/pass')).stdout).toBe(`${secret}\n`);
    // a large binary-ish input arrives intact
    const big = Buffer.alloc(3 * 1024 * 1024, 'abcdefgh');
    const sum = await standby.exec('sha256sum | cut -d" " -f1', { input: big });
    const local = spawnSync('sha256sum', { input: big, encoding: 'utf8' }).stdout.split(' ')[0];
    expect(sum.stdout.trim()).toBe(local);
  });

  it('streams stdout chunks as they arrive', async () => {
    const chunks: string[] = [];
    const r = await standby.exec('for i in 1 2 3; do echo $i; sleep 0.2; done', { onStdout: (c) => chunks.push(c) });
    expect(r.stdout).toBe('1\n2\n3\n');
    expect(chunks.length).toBeGreaterThanOrEqual(2);
  });

  it('a timeout kills the command locally and on the standby, within about the timeout', async () => {
    const t0 = performance.now();
    const r = await standby.exec('sleep 30 & wait; touch /tmp/should-not-exist', { timeoutMs: 1000 });
    const ms = performance.now() - t0;
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(3000);
    console.log(`[figures] ssh timeout of 1000 ms returned after ${Math.round(ms)} ms`);
    // nothing of it keeps running on the standby
    const ps = await sb.exec(['sh', '-c', 'ps -eo args | grep "^sleep 30" || true']);
    expect(ps.stdout).toBe('');
    expect((await sb.exec('test -e /tmp/should-not-exist')).exitCode).not.toBe(0);
  });

  it('an abort signal stops the command on the standby', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 500);
    const t0 = performance.now();
    const r = await standby.exec('sleep 2; touch /tmp/aborted-but-ran', { signal: ac.signal });
    expect(performance.now() - t0).toBeLessThan(1800);
    expect(r.exitCode).toBeNull();
    expect(r.timedOut).toBe(false);
    await new Promise((res) => setTimeout(res, 2000));
    expect((await sb.exec('test -e /tmp/aborted-but-ran')).exitCode).not.toBe(0);
    // an already-aborted signal runs nothing
    const r2 = await standby.exec('touch /tmp/pre-aborted', { signal: AbortSignal.abort() });
    expect(r2.exitCode).toBeNull();
    expect((await sb.exec('test -e /tmp/pre-aborted')).exitCode).not.toBe(0);
  });

  it('many quick commands are fast over the shared ControlMaster connection', async () => {
    const n = 40;
    let t0 = performance.now();
    for (let i = 0; i < n; i++) expect((await standby.exec(`echo ${i}`)).stdout).toBe(`${i}\n`);
    const muxMs = (performance.now() - t0) / n;
    // the same with a full connection (key exchange, authentication) per command
    const direct = 8;
    t0 = performance.now();
    for (let i = 0; i < direct; i++) {
      const r = spawnSync('ssh', ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${sb.knownHostsFile}`,
        '-o', 'IdentitiesOnly=yes', '-i', sb.identityFile, '-p', String(sb.port), 'root@127.0.0.1', `echo ${i}`], { encoding: 'utf8' });
      expect(r.stdout).toBe(`${i}\n`);
    }
    const directMs = (performance.now() - t0) / direct;
    console.log(`[figures] ssh exec: ${muxMs.toFixed(1)} ms per command over ControlMaster, ${directMs.toFixed(1)} ms with a new connection each`);
    expect(muxMs).toBeLessThan(directMs / 2);
    // parallel commands beyond sshd's session limit queue instead of failing
    t0 = performance.now();
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => standby.exec(`sleep 0.1; echo ${i}`)));
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 30 }, (_, i) => `${i}\n`));
    console.log(`[figures] 30 parallel commands of 0.1 s each: ${Math.round(performance.now() - t0)} ms`);
  });

  it('refuses a standby whose host key differs from known_hosts, before any command runs', async () => {
    const kh = path.join(tmp, 'known_hosts-wrong');
    const content = `[127.0.0.1]:${sb.port} ${otherKey('impostor')}\n`;
    await writeFile(kh, content);
    const site = siteWith({ ...sb.siteStandby('/srv/restore'), knownHosts: kh });
    const err = await rejection(openStandby(site, path.join(tmp, 'site.yaml')).then((s) => s.exec('touch /tmp/pwned')));
    expect(err).toBeInstanceOf(HostKeyRejected);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as HostKeyRejected).reason).toBe('host-key-mismatch');
    expect(err.message).toContain(`root@127.0.0.1:${sb.port}`);
    expect(err.message).toContain(kh);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((await sb.exec('test -e /tmp/pwned')).exitCode).not.toBe(0);
    // the refusal left known_hosts as it was
    expect(spawnSync('cat', [kh], { encoding: 'utf8' }).stdout).toBe(content);
  });

  it('refuses a standby that is not in known_hosts at all, and adds nothing to the file', async () => {
    const kh = path.join(tmp, 'known_hosts-other');
    const content = `[127.0.0.1]:1 ${otherKey('elsewhere')}\n`;
    await writeFile(kh, content);
    const site = siteWith({ ...sb.siteStandby('/srv/restore'), knownHosts: kh });
    const err = await rejection(openStandby(site, path.join(tmp, 'site.yaml')).then((s) => s.exec('touch /tmp/pwned2')));
    expect(err).toBeInstanceOf(HostKeyRejected);
    expect((err as HostKeyRejected).reason).toBe('unknown-host');
    expect(err.message).toMatch(/host key is not in .*known_hosts-other/);
    expect((await sb.exec('test -e /tmp/pwned2')).exitCode).not.toBe(0);
    expect(spawnSync('cat', [kh], { encoding: 'utf8' }).stdout).toBe(content);
  });

  it('a key the standby does not accept is a clear configuration error', async () => {
    otherKey('stranger');
    const id = path.join(tmp, 'stranger');
    const err = await rejection(SshStandby.connect({ user: 'root', host: '127.0.0.1', port: sb.port, identityFile: id, knownHostsFile: sb.knownHostsFile }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(`standby root@127.0.0.1:${sb.port} refused the key ${id}`);
  });

  it('an unreachable port fails fast with a clear message', async () => {
    const port = await freePort();
    const t0 = performance.now();
    const err = await rejection(SshStandby.connect({ user: 'root', host: '127.0.0.1', port, identityFile: sb.identityFile, knownHostsFile: sb.knownHostsFile }));
    const ms = performance.now() - t0;
    expect(err).toBeInstanceOf(StepFailed);
    expect(err.message).toBe(`standby root@127.0.0.1:${port} unreachable: connection refused`);
    expect(ms).toBeLessThan(2000);
  });

  it('a host that never answers times out after ConnectTimeout instead of hanging', async () => {
    // a listener that accepts TCP but never speaks SSH
    const silent = net.createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise((res) => silent.once('listening', res));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const t0 = performance.now();
      const err = await rejection(
        SshStandby.connect({ user: 'root', host: '127.0.0.1', port, identityFile: sb.identityFile, knownHostsFile: sb.knownHostsFile, connectTimeoutSeconds: 2 }),
      );
      const ms = performance.now() - t0;
      expect(err).toBeInstanceOf(StepFailed);
      expect(err.message).toMatch(new RegExp(`^standby root@127.0.0.1:${port} unreachable: connection timed out`));
      expect(ms).toBeLessThan(6000);
    } finally {
      silent.close();
    }
  });
});

describe.runIf(ready)('SSH standby: the standby dies', () => {
  afterAll(async () => {
    await stopAll();
  });

  it('a container killed mid-command gives an error, not a hang', async () => {
    const sb = await startStandby();
    const standby = await SshStandby.connect({ user: 'root', host: '127.0.0.1', port: sb.port, identityFile: sb.identityFile, knownHostsFile: sb.knownHostsFile });
    try {
      setTimeout(() => spawnSync('docker', ['kill', sb.container.getId()]), 1000);
      const t0 = performance.now();
      const err = await rejection(standby.exec('sleep 60; echo finished'));
      const ms = performance.now() - t0;
      console.log(`[figures] standby killed mid-command: error after ${Math.round(ms)} ms`);
      expect(err).toBeInstanceOf(StepFailed);
      expect(err.message).toMatch(new RegExp(`^standby root@127.0.0.1:${sb.port}: connection lost during \`sleep 60; echo finished\``));
      expect(ms).toBeLessThan(20_000);
      // and the next command fails fast too, it does not wait for a dead master
      const t1 = performance.now();
      const err2 = await rejection(standby.exec('true'));
      expect(err2).toBeInstanceOf(StepFailed);
      expect(err2.message).toMatch(/unreachable|connection lost/);
      expect(performance.now() - t1).toBeLessThan(12_000);
    } finally {
      await standby.close();
      await sb.stop();
    }
  });
});

describe.runIf(ready)('openStandby: checking the site file before connecting', () => {
  let sb: StartedStandby;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'continuity-open-test-'));
    sb = await startStandby();
  });
  afterAll(async () => {
    await stopAll();
    await rm(dir, { recursive: true, force: true });
  });

  it('resolves identityFile and knownHosts relative to the site file and connects', async () => {
    await copyFile(sb.identityFile, path.join(dir, 'drill_ed25519'));
    await chmod(path.join(dir, 'drill_ed25519'), 0o600);
    await copyFile(sb.knownHostsFile, path.join(dir, 'known_hosts'));
    const site = siteWith({ ssh: sb.sshTarget, identityFile: './drill_ed25519', knownHosts: './known_hosts', restoreRoot: '/srv/restore' });
    const standby = await openStandby(site, path.join(dir, 'site.yaml'));
    try {
      expect((await standby.exec('echo ok')).stdout).toBe('ok\n');
      expect(standby.host).toBe('127.0.0.1');
    } finally {
      await standby.close();
    }
  });

  it('names the field and the file when known_hosts or the key is missing', async () => {
    const siteFile = path.join(dir, 'site.yaml');
    let err = await rejection(openStandby(siteWith({ ssh: sb.sshTarget, identityFile: sb.identityFile, knownHosts: './nope', restoreRoot: '/r' }), siteFile));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(`${siteFile}: \`standby.knownHosts\`: expected an existing known_hosts file, got \`${path.join(dir, 'nope')}\` (not found)`);
    err = await rejection(openStandby(siteWith({ ssh: sb.sshTarget, identityFile: './missing_key', knownHosts: sb.knownHostsFile, restoreRoot: '/r' }), siteFile));
    expect(err.message).toBe(`${siteFile}: \`standby.identityFile\`: expected an existing private key file, got \`${path.join(dir, 'missing_key')}\` (not found)`);
    err = await rejection(openStandby(siteWith({ ssh: sb.sshTarget, identityFile: sb.identityFile, restoreRoot: '/r' }), siteFile));
    expect(err.message).toMatch(/`standby.knownHosts`: expected a known_hosts file/);
  });

  it('refuses a private key that others can read', async () => {
    const key = path.join(dir, 'open_key');
    await copyFile(sb.identityFile, key);
    await chmod(key, 0o644);
    const err = await rejection(openStandby(siteWith({ ssh: sb.sshTarget, identityFile: key, knownHosts: sb.knownHostsFile, restoreRoot: '/r' }), path.join(dir, 'site.yaml')));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/`standby.identityFile`: expected a private key only its owner can read, .* mode 644/);
  });

  it('a local standby is a directory here', async () => {
    const standby = await openStandby(siteWith({ local: './standby-dir', restoreRoot: '/srv/restore' }), path.join(dir, 'site.yaml'));
    expect(standby.kind).toBe('local');
    expect(standby.description).toBe(`local directory ${path.join(dir, 'standby-dir')}`);
    expect((await standby.exec('echo here')).stdout).toBe('here\n');
  });
});
