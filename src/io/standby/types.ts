// A standby (reserve) machine that a drill restores onto: this machine's directory, or a host over SSH.

/** Result of a command run on the standby. Never contains secrets: callers pass them on stdin. */
export interface ExecResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** true when the command was killed by the timeout */
  timedOut: boolean;
}

export interface ExecOptions {
  /** kill the command after this many milliseconds */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** data written to the command's stdin (how secrets reach the standby) */
  input?: string | Buffer;
  /** called with chunks of stdout as they arrive (progress parsing) */
  onStdout?: (chunk: string) => void;
  /** working directory on the standby */
  cwd?: string;
}

export interface Standby {
  readonly kind: 'local' | 'ssh';
  /** where the standby is, safe to print (no key paths' contents, no passwords) */
  readonly description: string;
  /** the host name drills compare against the site's `production` list */
  readonly host: string;
  /** run a shell command line (POSIX sh) on the standby */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** close connections (ssh control master) */
  close(): Promise<void>;
}

/** Quote one argument for a POSIX shell. */
export function shq(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
