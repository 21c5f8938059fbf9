// Real standby machines for tests: a locally built Debian image with sshd, started with testcontainers,
// reached with a throwaway key and a known_hosts built from the container's true host key.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';

export type StandbyImage = 'continuity/standby:latest' | 'continuity/bare:latest' | 'continuity/standby:trixie';

export interface StartStandbyOptions {
  /** continuity/standby (sshd + backup tools, default; :trixie the same on Debian 13) or continuity/bare (sshd + sudo only) */
  image?: StandbyImage;
  binds?: { source: string; target: string; mode?: 'ro' | 'rw' }[];
  /** mount point -> tmpfs options, e.g. { '/srv/restore': 'size=8m' } for a disk that fills up */
  tmpfs?: Record<string, string>;
  /** login user; the bare image also accepts the sudo user `admin` */
  user?: string;
}

/** The `standby` section of a site file for this container. */
export interface SiteStandbySection {
  ssh: string;
  identityFile: string;
  knownHosts: string;
  restoreRoot: string;
}

export interface StartedStandby {
  container: StartedTestContainer;
  host: '127.0.0.1';
  port: number;
  user: string;
  /** private key that logs in (throwaway, per test run) */
  identityFile: string;
  /** known_hosts holding this container's true host key as `[127.0.0.1]:PORT ssh-ed25519 …` */
  knownHostsFile: string;
  /** the host key line itself (`ssh-ed25519 AAAA…`) */
  hostKey: string;
  /** `root@127.0.0.1:PORT`, as a site file's `standby.ssh` */
  sshTarget: string;
  siteStandby(restoreRoot: string): SiteStandbySection;
  /** run a command inside the container with docker exec (the trusted side channel) */
  exec(cmd: string | string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

let keyDir: Promise<{ dir: string; identityFile: string; publicKey: string }> | undefined;
const running = new Map<string, StartedTestContainer>();

/** A throwaway ed25519 key pair for this test run, created once. */
function testKey() {
  keyDir ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'continuity-ssh-'));
    const identityFile = path.join(dir, 'id_ed25519');
    const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'continuity-test', '-f', identityFile]);
    if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr?.toString() || r.error?.message}`);
    return { dir, identityFile, publicKey: (await readFile(`${identityFile}.pub`, 'utf8')).trim() };
  })();
  return keyDir;
}

// Ryuk is disabled: remove whatever a crashed test left running when the process exits.
process.once('exit', () => {
  if (running.size) spawnSync('docker', ['rm', '-f', '-v', ...running.keys()], { stdio: 'ignore' });
});

/** Start a standby container (sshd ready, ~1-2 s) and return how to reach it over SSH with checked host key. */
export async function startStandby(opts: StartStandbyOptions = {}): Promise<StartedStandby> {
  const key = await testKey();
  const user = opts.user ?? 'root';
  let builder = new GenericContainer(opts.image ?? 'continuity/standby:latest')
    .withExposedPorts(22)
    .withEnvironment({ AUTHORIZED_KEY: key.publicKey })
    .withLabels({ 'continuity.test': 'standby' })
    .withWaitStrategy(Wait.forLogMessage(/Server listening on/))
    .withStartupTimeout(30_000);
  if (opts.binds?.length) builder = builder.withBindMounts(opts.binds.map((b) => ({ source: b.source, target: b.target, mode: b.mode ?? 'rw' })));
  if (opts.tmpfs) builder = builder.withTmpFs(opts.tmpfs);
  const container = await builder.start();
  running.set(container.getId(), container);

  const exec: StartedStandby['exec'] = async (cmd) => {
    const r = await container.exec(typeof cmd === 'string' ? ['sh', '-c', cmd] : cmd);
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  };
  const port = container.getMappedPort(22);
  const pub = await exec(['cat', '/etc/ssh/ssh_host_ed25519_key.pub']);
  if (pub.exitCode !== 0) throw new Error(`could not read the standby's host key: ${pub.stderr}`);
  const hostKey = pub.stdout.trim().split(/\s+/).slice(0, 2).join(' ');
  const knownHostsFile = path.join(key.dir, `known_hosts-${port}`);
  await writeFile(knownHostsFile, `[127.0.0.1]:${port} ${hostKey}\n`, { mode: 0o600 });
  const sshTarget = `${user}@127.0.0.1:${port}`;
  let stopped = false;
  return {
    container,
    host: '127.0.0.1',
    port,
    user,
    identityFile: key.identityFile,
    knownHostsFile,
    hostKey,
    sshTarget,
    siteStandby: (restoreRoot) => ({ ssh: sshTarget, identityFile: key.identityFile, knownHosts: knownHostsFile, restoreRoot }),
    exec,
    async stop() {
      if (stopped) return;
      stopped = true;
      running.delete(container.getId());
      await container.stop({ timeout: 0, remove: true, removeVolumes: true }).catch(() => {
        /* already gone (a test may kill it on purpose) */
      });
    },
  };
}

/** Stop every standby this process started and remove the throwaway key; for afterAll. */
export async function stopAll(): Promise<void> {
  const all = [...running.values()];
  running.clear();
  await Promise.all(all.map((c) => c.stop({ timeout: 0, remove: true, removeVolumes: true }).catch(() => {})));
  if (keyDir) {
    const { dir } = await keyDir.catch(() => ({ dir: '' }));
    keyDir = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
