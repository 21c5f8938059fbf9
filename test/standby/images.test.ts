// The locally built test machines are what they claim: a standby with the real backup tools, a bare
// Debian machine with nothing but sshd, sudo and working apt sources; each with its own host key.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SshStandby } from '../../src/io/standby/ssh.ts';
import { startStandby, stopAll, type StartedStandby } from '../support/containers.ts';
import { needImage, needTool } from '../support/tools.ts';

const ready = needTool('ssh') && needImage('continuity/standby:latest') && needImage('continuity/bare:latest');

async function connect(sb: StartedStandby, user = sb.user): Promise<SshStandby> {
  return SshStandby.connect({ user, host: sb.host, port: sb.port, identityFile: sb.identityFile, knownHostsFile: sb.knownHostsFile });
}

describe.runIf(ready)('test machine images', () => {
  afterAll(async () => {
    await stopAll();
  });

  it('continuity/standby has sshd, the backup tools and the tools drills use', async () => {
    const sb = await startStandby();
    const ssh = await connect(sb);
    try {
      const r = await ssh.exec('rdiff-backup --version; restic version; borg --version; rsync --version | head -1; tar --version | head -1; zstd --version; python3 --version');
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/^rdiff-backup 2\.2\./m);
      expect(r.stdout).toMatch(/^restic 0\.\d+/m);
      expect(r.stdout).toMatch(/^borg 1\.2\./m);
      expect(r.stdout).toMatch(/^rsync\s+version/m);
      expect(r.stdout).toMatch(/^tar \(GNU tar\)/m);
      expect(r.stdout).toMatch(/Zstandard CLI/);
      expect(r.stdout).toMatch(/^Python 3\./m);
      for (const tool of ['gzip', 'sha256sum', 'find', 'ps', 'df', 'stat'])
        expect((await ssh.exec(`command -v ${tool}`)).exitCode, tool).toBe(0);
    } finally {
      await ssh.close();
      await sb.stop();
    }
  });

  it('sshd takes keys only: password authentication is off, root logs in by key', async () => {
    const sb = await startStandby();
    try {
      const cfg = await sb.exec('sshd -T');
      expect(cfg.stdout).toMatch(/^passwordauthentication no$/m);
      expect(cfg.stdout).toMatch(/^kbdinteractiveauthentication no$/m);
      expect(cfg.stdout).toMatch(/^permitrootlogin without-password$/m);
      expect(cfg.stdout).toMatch(/^pubkeyauthentication yes$/m);
    } finally {
      await sb.stop();
    }
  });

  it('every container has its own host key', async () => {
    const [a, b] = await Promise.all([startStandby(), startStandby()]);
    try {
      expect(a.hostKey).toMatch(/^ssh-ed25519 AAAA/);
      expect(b.hostKey).toMatch(/^ssh-ed25519 AAAA/);
      expect(a.hostKey).not.toBe(b.hostKey);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('continuity/bare is bare: sshd, sudo for admin, ca-certificates, working apt sources, no backup tools', async () => {
    const sb = await startStandby({ image: 'continuity/bare:latest' });
    const admin = await connect(sb, 'admin');
    try {
      expect((await admin.exec('id -un')).stdout).toBe('admin\n');
      expect((await admin.exec('sudo -n id -u')).stdout).toBe('0\n');
      expect((await admin.exec('test -s /etc/ssl/certs/ca-certificates.crt')).exitCode).toBe(0);
      for (const tool of ['rdiff-backup', 'restic', 'borg', 'rsync', 'python3', 'zstd'])
        expect((await admin.exec(`command -v ${tool}`)).exitCode, `${tool} must not be on the bare machine`).not.toBe(0);
      const sources = await admin.exec('cat /etc/apt/sources.list.d/debian.sources');
      expect(sources.stdout).toMatch(/^Suites: bookworm bookworm-updates$/m);
      expect(sources.stdout).toMatch(/^Suites: bookworm-security$/m);
      // the sources work: the package lists download and a package can be found
      const update = await admin.exec('sudo -n apt-get update -qq && apt-cache policy rsync | grep -c Candidate', { timeoutMs: 180_000 });
      expect(update.stderr).not.toMatch(/^(E|W):/m);
      expect(update.stdout.trim()).toBe('1');
    } finally {
      await admin.close();
      await sb.stop();
    }
  });

  it('startStandby mounts a backup read-only and a small tmpfs that fills up', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'continuity-bind-'));
    await writeFile(path.join(dir, 'snapshot.txt'), 'backup bytes\n');
    const sb = await startStandby({ binds: [{ source: dir, target: '/backup', mode: 'ro' }], tmpfs: { '/srv/restore': 'size=1m' } });
    const ssh = await connect(sb);
    try {
      expect((await ssh.exec('cat /backup/snapshot.txt')).stdout).toBe('backup bytes\n');
      const write = await ssh.exec('touch /backup/new');
      expect(write.exitCode).not.toBe(0);
      expect(write.stderr).toMatch(/Read-only file system/);
      const fill = await ssh.exec('head -c 2000000 /dev/zero > /srv/restore/big');
      expect(fill.exitCode).not.toBe(0);
      expect(fill.stderr).toMatch(/No space left on device/);
    } finally {
      await ssh.close();
      await sb.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
