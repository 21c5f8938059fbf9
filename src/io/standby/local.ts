// A standby that is a directory on this machine: the embedded default for the demo.
import { spawn } from 'node:child_process';
import os from 'node:os';
import type { ExecOptions, ExecResult, Standby } from './types.ts';

/** Run a shell command line locally with a timeout, abort signal and stdin; never throws for a non-zero exit. */
export function execLocal(command: string, options: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // own process group, so a timeout kills the whole pipeline
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = options.timeoutMs ? setTimeout(() => ((timedOut = true), kill()), options.timeoutMs) : undefined;
    const onAbort = () => kill();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      options.onStdout?.(c);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.stdin.on('error', () => {}); // the command may exit before reading its input
    child.stdin.end(options.input ?? '');
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ exitCode: code, stdout, stderr, timedOut });
    });
  });
}

export class LocalStandby implements Standby {
  readonly kind = 'local' as const;
  readonly host = os.hostname();
  readonly description: string;
  constructor(readonly directory: string) {
    this.description = `local directory ${directory}`;
  }
  exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    return execLocal(command, options);
  }
  async close(): Promise<void> {}
}
