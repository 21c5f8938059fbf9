// A standby that is a separate machine, reached with the system OpenSSH client: host keys always
// checked against the site's known_hosts, one ControlMaster connection shared by every command.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, StepFailed } from '../../core/errors.ts';
import { isTransportFailure, sshFailure, type SshEndpoint } from './ssh-failure.ts';
import { shq, type ExecOptions, type ExecResult, type Standby } from './types.ts';

export interface SshStandbyOptions {
  user: string;
  host: string;
  port?: number;
  /** private key file (absolute path); its contents never leave this machine except to ssh */
  identityFile: string;
  /** the only known_hosts consulted; an unknown or changed host key is refused */
  knownHostsFile: string;
  /** TCP connect and banner timeout (default 10 s) */
  connectTimeoutSeconds?: number;
  /** keep-alive probe interval; a standby that stops answering is dropped after interval × count (default 5 s × 3) */
  serverAliveIntervalSeconds?: number;
  serverAliveCountMax?: number;
  /** at most this many commands at once over the shared connection (sshd's MaxSessions is 10 by default) */
  maxSessions?: number;
  /** run every command as root through `sudo -n` (a login user that is not root); checked once at connect */
  sudo?: boolean;
}

/** Standbys with a live control master, closed if the process exits without `close()`. */
const openMasters = new Set<SshStandby>();
let exitHookInstalled = false;

/** A standby reached over SSH. Create with `SshStandby.connect`, which verifies the host key first. */
export class SshStandby implements Standby {
  readonly kind = 'ssh' as const;
  readonly host: string;
  readonly description: string;
  private readonly port: number;
  private readonly ep: SshEndpoint;
  private controlDir: string | undefined;
  private connecting: Promise<void> | undefined;
  private masterStarted = false;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly maxSessions: number;

  private constructor(private readonly opts: SshStandbyOptions) {
    this.host = opts.host;
    this.port = opts.port ?? 22;
    const hostPart = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
    const target = `${opts.user}@${hostPart}:${this.port}`;
    this.description = opts.sudo ? `ssh ${target} (root via sudo)` : `ssh ${target}`;
    this.ep = { target, knownHostsFile: opts.knownHostsFile, identityFile: opts.identityFile };
    this.maxSessions = Math.max(1, opts.maxSessions ?? 8);
  }

  /** Open the shared connection; throws HostKeyRejected, ConfigError (key refused, sudo refused) or StepFailed (unreachable). */
  static async connect(opts: SshStandbyOptions): Promise<SshStandby> {
    const s = new SshStandby(opts);
    try {
      await s.ensureMaster();
      if (opts.sudo) await s.checkSudo();
    } catch (err) {
      await s.close();
      throw err;
    }
    return s;
  }

  /** Options every ssh invocation shares: strict host key checking against one file, key auth only. */
  private baseArgs(): string[] {
    const o = this.opts;
    const opt = (kv: string) => ['-o', kv];
    return [
      ...opt('BatchMode=yes'),
      ...opt('StrictHostKeyChecking=yes'),
      ...opt(`UserKnownHostsFile=${o.knownHostsFile}`),
      ...opt('GlobalKnownHostsFile=/dev/null'),
      ...opt('UpdateHostKeys=no'),
      ...opt('CheckHostIP=no'),
      ...opt('IdentitiesOnly=yes'),
      ...opt('IdentityAgent=none'),
      ...opt('PreferredAuthentications=publickey'),
      ...opt('PasswordAuthentication=no'),
      ...opt('KbdInteractiveAuthentication=no'),
      ...opt('ForwardAgent=no'),
      ...opt('ForwardX11=no'),
      ...opt('ClearAllForwardings=yes'),
      ...opt('RequestTTY=no'),
      ...opt(`ConnectTimeout=${o.connectTimeoutSeconds ?? 10}`),
      ...opt(`ServerAliveInterval=${o.serverAliveIntervalSeconds ?? 5}`),
      ...opt(`ServerAliveCountMax=${o.serverAliveCountMax ?? 3}`),
      ...opt('LogLevel=ERROR'),
      '-i',
      o.identityFile,
      '-p',
      String(this.port),
    ];
  }

  private get controlPath(): string | undefined {
    return this.controlDir ? path.join(this.controlDir, 'cm') : undefined;
  }

  private destination(): string {
    return `${this.opts.user}@${this.opts.host}`;
  }

  /** Start the control master (ssh -M -N -f) unless it runs; the host key is checked here, before any command. */
  private ensureMaster(): Promise<void> {
    // Once started, a master that died later (idle ControlPersist, lost link) is not restarted here:
    // clients then fall back to a direct connection, host key still checked.
    if (this.masterStarted) return Promise.resolve();
    this.connecting ??= this.startMaster().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private masterAlive(): Promise<boolean> {
    const cp = this.controlPath;
    if (!cp) return Promise.resolve(false);
    return new Promise((resolve) => {
      const child = spawn('ssh', ['-o', `ControlPath=${cp}`, '-O', 'check', 'continuity-standby'], { stdio: 'ignore' });
      const timer = setTimeout(() => killProcess(child), 5000);
      child.on('error', () => (clearTimeout(timer), resolve(false)));
      child.on('exit', (code) => (clearTimeout(timer), resolve(code === 0)));
    });
  }

  private async startMaster(): Promise<void> {
    // A unix socket path must stay under ~104 bytes: fall back to /tmp when TMPDIR is deep.
    const tmp = os.tmpdir().length > 60 ? '/tmp' : os.tmpdir();
    this.controlDir ??= await mkdtemp(path.join(tmp, 'continuity-ssh-cm-'));
    const logFile = path.join(this.controlDir, 'master.log');
    // stderr goes to a file: with -f the backgrounded master keeps it open, a pipe would never close.
    const fd = openSync(logFile, 'w', 0o600);
    const connectMs = ((this.opts.connectTimeoutSeconds ?? 10) + 20) * 1000;
    let code: number | null;
    try {
      code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(
          'ssh',
          [...this.baseArgs(), '-o', 'ControlMaster=yes', '-o', `ControlPath=${this.controlPath}`, '-o', 'ControlPersist=600', '-N', '-f', this.destination()],
          { stdio: ['ignore', 'ignore', fd], detached: true }, // own session: a Ctrl-C meant for us leaves cleanup a connection
        );
        const timer = setTimeout(() => child.kill('SIGKILL'), connectMs);
        child.on('error', (e) => (clearTimeout(timer), reject(new StepFailed(`cannot run ssh for standby ${this.ep.target}: ${e.message}`))));
        child.on('exit', (c, sig) => (clearTimeout(timer), resolve(sig ? null : c)));
      });
    } finally {
      closeSync(fd);
    }
    if (code === 0) {
      this.masterStarted = true;
      openMasters.add(this);
      installExitHook();
      return;
    }
    const stderr = await readFile(logFile, 'utf8').catch(() => '');
    if (code === null) throw new StepFailed(`standby ${this.ep.target} unreachable: no answer within ${connectMs / 1000} s`, { command: `ssh ${this.ep.target}`, stderr });
    throw sshFailure(this.ep, stderr, 'connect');
  }

  /** With `sudo`: the login user must get root without a password, or every command would fail (or wait for one). */
  private async checkSudo(): Promise<void> {
    // plain `sudo -n` outside the wrapper: -n makes sudo fail at once where it would ask for a password
    const r = await this.run('sudo -n -- sh -c \'[ "$(id -u)" -eq 0 ]\'', { timeoutMs: 15_000 }, false);
    if (r.exitCode === 0) return;
    const why = r.timedOut ? 'no answer within 15 s' : r.stderr.trim().split('\n').slice(-2).join(' | ') || `exit ${r.exitCode}`;
    throw new ConfigError(
      `standby ${this.ep.target}: sudo -n refused: ${why} (\`standby.sudo: true\` needs a passwordless sudo rule for ${this.opts.user}, as stacks/scripts/drill-user.sh writes)`,
    );
  }

  private async acquire(): Promise<void> {
    if (this.active < this.maxSessions) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }

  /** Run a POSIX sh command line on the standby; never throws for a non-zero exit, throws StepFailed if the connection is lost. */
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (options.signal?.aborted) return { exitCode: null, stdout: '', stderr: '', timedOut: false };
    await this.acquire();
    try {
      await this.ensureMaster();
      return await this.run(command, options, this.opts.sudo ?? false);
    } finally {
      this.release();
    }
  }

  private run(command: string, options: ExecOptions, sudo: boolean): Promise<ExecResult> {
    // The login shell records its pid (= its process group, sshd made it a session leader) so a timeout can kill the command remotely.
    // sudo without a terminal keeps the command in that process group (use_pty only applies on a tty), so the same kill reaches it.
    const pidFile = `/tmp/.continuity-exec-${randomUUID()}.pid`;
    // `cd … || exit` on its own line: a failed cd must not run the rest of a multi-statement command elsewhere.
    // The cd is inside the root shell: the restore root is root's 0700 directory.
    const body = options.cwd ? `cd ${shq(options.cwd)} || exit 1\n${command}` : command;
    const shell = sudo ? `sudo -n -- sh -c ${shq(body)}` : `sh -c ${shq(body)}`;
    const remote = `{ echo $$ > ${pidFile}; } 2>/dev/null; ${shell}; rc=$?; rm -f ${pidFile}; exit $rc`;
    const args = [...this.baseArgs(), '-o', 'ControlMaster=no', ...(this.controlPath ? ['-o', `ControlPath=${this.controlPath}`] : []), '-T', this.destination(), remote];
    return new Promise<ExecResult>((resolve, reject) => {
      const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      let killed = false;
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const stop = () => {
        if (killed) return;
        killed = true;
        const remoteKill = this.killRemote(pidFile, sudo);
        killProcess(child);
        // A multiplexed session's pipes are held by the master until the remote side ends: do not wait for them.
        child.once('exit', () => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          void remoteKill.finally(() => finish(() => resolve({ exitCode: null, stdout, stderr, timedOut })));
        });
      };
      const timer = options.timeoutMs ? setTimeout(() => ((timedOut = true), stop()), options.timeoutMs) : undefined;
      const onAbort = () => stop();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        stdout += c;
        options.onStdout?.(c);
      });
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      child.on('error', (e) => finish(() => reject(new StepFailed(`cannot run ssh for standby ${this.ep.target}: ${e.message}`))));
      child.stdin.on('error', () => {}); // the command may exit before reading its input
      child.stdin.end(options.input ?? '');
      child.on('close', (code) => {
        if (killed) return;
        if (code !== 255) return finish(() => resolve({ exitCode: code, stdout, stderr, timedOut }));
        // 255 is ssh's own failure, or the remote command's exit status: tell them apart.
        void (async () => {
          const lost = isTransportFailure(stderr) || !(await this.masterAlive());
          if (lost) finish(() => reject(sshFailure(this.ep, stderr, `\`${firstLine(command)}\``)));
          else finish(() => resolve({ exitCode: code, stdout, stderr, timedOut }));
        })();
      });
    });
  }

  /** Kill a timed-out or aborted command's process group on the standby; bounded, best effort. */
  private async killRemote(pidFile: string, sudo: boolean): Promise<void> {
    if (!this.controlPath) return;
    // the group holds root's processes when the command ran through sudo: only root may kill those
    const kill = sudo ? `sudo -n -- sh -c "kill -KILL -$(cat ${pidFile})"` : `kill -KILL -$(cat ${pidFile})`;
    const cmd = `if [ -s ${pidFile} ]; then ${kill} 2>/dev/null; rm -f ${pidFile}; fi`;
    await new Promise<void>((resolve) => {
      const child = spawn('ssh', [...this.baseArgs(), '-o', 'ControlMaster=no', '-o', `ControlPath=${this.controlPath}`, '-T', this.destination(), cmd], {
        stdio: 'ignore',
        detached: true,
      });
      const timer = setTimeout(() => killProcess(child), 3000);
      child.on('error', () => (clearTimeout(timer), resolve()));
      child.on('exit', () => (clearTimeout(timer), resolve()));
    });
  }

  /** Close the shared connection and remove its private directory. */
  async close(): Promise<void> {
    await this.connecting?.catch(() => {});
    openMasters.delete(this);
    const dir = this.controlDir;
    if (!dir) return;
    this.controlDir = undefined;
    this.masterStarted = false;
    await new Promise<void>((resolve) => {
      const child = spawn('ssh', ['-o', `ControlPath=${path.join(dir, 'cm')}`, '-O', 'exit', 'continuity-standby'], { stdio: 'ignore' });
      const timer = setTimeout(() => killProcess(child), 5000);
      child.on('error', () => (clearTimeout(timer), resolve()));
      child.on('exit', () => (clearTimeout(timer), resolve()));
    });
    await rm(dir, { recursive: true, force: true });
  }

  /** Synchronous close for process exit. */
  closeSync(): void {
    if (!this.controlPath) return;
    spawnSync('ssh', ['-o', `ControlPath=${this.controlPath}`, '-O', 'exit', 'continuity-standby'], { stdio: 'ignore', timeout: 3000 });
  }
}

function killProcess(child: ChildProcess): void {
  try {
    child.kill('SIGKILL');
  } catch {
    /* already gone */
  }
}

function firstLine(s: string): string {
  const l = s.split('\n')[0];
  return l.length > 60 ? `${l.slice(0, 57)}...` : l;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const s of openMasters) s.closeSync();
  });
}
