// Run one backup-tool command on the standby: secrets on stdin only, scrubbed from anything we keep.
import { Interrupted, StepFailed } from '../../core/errors.ts';
import type { ExecResult, Standby } from '../standby/types.ts';

export interface ToolCall {
  /** the tool's name, for messages */
  tool: string;
  /** what we were doing, for messages: `list snapshots of`, `restore from` */
  action: string;
  /** the repository as the standby sees it (safe to print: never holds a password) */
  repository: string;
  /** the command line, run by POSIX sh on the standby */
  command: string;
  /** the repository password: sent as the first line of stdin, never on a command line */
  secret?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  onStdout?: (chunk: string) => void;
  /** run at the lowest CPU priority (nice 19, inherited by every process the command starts) */
  background?: boolean;
  /** exit codes that mean success besides 0 (rdiff-backup exits 2 for warnings such as a read-only restore.log) */
  okExitCodes?: number[];
}

/** Replace every occurrence of the secret (and its trimmed form) by `***`. */
export function scrub(text: string, secret?: string): string {
  if (!secret) return text;
  let out = text;
  for (const s of new Set([secret, secret.trim()])) if (s.length > 0) out = out.split(s).join('***');
  return out;
}

/** A Go stack frame's location line (restic prints `\tgithub.com/…/repository.go:303` under each function). */
const GO_FRAME = /^\s+\S+\.(go|s):\d+(\s+\+0x[0-9a-f]+)?$/;

/** The other lines of a Go panic's trace: the signal, and the header of each goroutine. */
const GO_TRACE_LINE = /^(\[signal .*\]|goroutine \d+ \[.*\]:)$/;

/**
 * The lines of the report borg prints about the machine after an error (`Platform: Linux …`, `Borg: 1.4.0  Python: …`,
 * `PID: 14  CWD: /tmp`, `sys.argv: […]`, `SSH_ORIGINAL_COMMAND: None`): after a traceback they were the last six lines
 * of stderr, and borg's own error (`Data integrity error: Segment entry checksum mismatch [segment 2, offset …]`)
 * never reached the message.
 */
const BORG_SYSINFO = /^(Platform|Linux|Borg|PID|sys\.argv|SSH_ORIGINAL_COMMAND): /;

/** Python's lines between exceptions of a chained traceback. */
const PY_CHAIN = /^(During handling of the above exception, another exception occurred:|The above exception was the direct cause of the following exception:)$/;

/**
 * The last few meaningful lines of a tool's stderr, for an error message: Go stack traces, Python tracebacks and
 * borg's report about the machine left out (the error is printed above them). A stderr that holds nothing but a
 * traceback keeps the traceback's last line, the exception.
 */
export function tail(stderr: string, lines = 6): string {
  const all = stderr.split('\n').map((l) => l.trimEnd());
  const frame = new Set<number>();
  const exceptions: string[] = [];
  let inTraceback = false;
  all.forEach((l, i) => {
    if (inTraceback) {
      frame.add(i);
      // a traceback's frames are indented; its first line that is not ends it: the exception itself
      if (l !== '' && !/^\s/.test(l)) {
        inTraceback = false;
        exceptions.push(l);
      }
    } else if (l === 'Traceback (most recent call last):') {
      inTraceback = true;
      frame.add(i);
    } else if (PY_CHAIN.test(l) || BORG_SYSINFO.test(l) || GO_TRACE_LINE.test(l)) frame.add(i);
    else if (GO_FRAME.test(l)) frame.add(i).add(i - 1);
  });
  const kept = all.filter((l, i) => l.trim() !== '' && !frame.has(i));
  return (kept.length ? kept : exceptions).slice(-lines).join('\n');
}

/** Run the command; a non-zero exit becomes StepFailed naming tool, action and repository, with secrets removed. */
export async function runTool(standby: Standby, call: ToolCall): Promise<ExecResult> {
  const input = call.secret !== undefined ? call.secret.replace(/\r?\n$/, '') + '\n' : undefined;
  let r: ExecResult;
  try {
    r = await standby.exec(call.background ? lowPriority(call.command) : call.command, {
      input,
      timeoutMs: call.timeoutMs,
      signal: call.signal,
      onStdout: call.onStdout,
    });
  } catch (err) {
    const msg = scrub(err instanceof Error ? err.message : String(err), call.secret);
    throw new StepFailed(`${call.tool}: could not ${call.action} ${call.repository} on ${standby.description}: ${msg}`);
  }
  const clean: ExecResult = { ...r, stderr: scrub(r.stderr, call.secret), stdout: r.exitCode === 0 ? r.stdout : scrub(r.stdout, call.secret) };
  if (call.signal?.aborted) throw new Interrupted(`${call.tool}: ${call.action} ${call.repository} was interrupted`);
  if (r.timedOut)
    throw new StepFailed(`${call.tool}: ${call.action} ${call.repository} timed out after ${Math.round((call.timeoutMs ?? 0) / 1000)} s`, {
      exitCode: r.exitCode,
      stderr: clean.stderr,
    });
  if (r.exitCode === 127 && /not found/.test(clean.stderr))
    throw new StepFailed(`${call.tool}: a command is missing on ${standby.description}: ${tail(clean.stderr, 2)}`, {
      exitCode: r.exitCode,
      stderr: clean.stderr,
    });
  if (r.exitCode !== 0 && !(r.exitCode !== null && call.okExitCodes?.includes(r.exitCode))) {
    // a Go program that panicked (restic 0.18 does on some damaged trees) crashed: said so, with the panic's own line
    const panic = /^panic: (.+)$/m.exec(clean.stderr);
    throw new StepFailed(
      panic
        ? `${call.tool}: could not ${call.action} ${call.repository}: ${call.tool} crashed (exit ${r.exitCode}, Go panic: ${panic[1].trim()}); a damaged repository can cause this: check it with the tool's own check`
        : `${call.tool}: could not ${call.action} ${call.repository} (exit ${r.exitCode}): ${tail(clean.stderr) || 'no message'}`,
      { exitCode: r.exitCode, stderr: clean.stderr },
    );
  }
  return clean;
}

/**
 * The command at the lowest CPU priority: the shell renices itself first, so that everything it starts (pipelines,
 * the helper's forked workers, the backup tool a helper runs) inherits nice 19. Where `renice` is missing the command
 * runs at normal priority (slower restores, never a failed drill).
 *
 * A nice value alone does not reach the restore: with the kernel's autogroups (`kernel.sched_autogroup_enabled`, on
 * in Debian's kernels) the scheduler first shares the CPU fairly between sessions, and nice only ranks the processes
 * of one session. Every standby command is a session of its own (a local one is started with setsid, sshd makes each
 * SSH command a session leader), so a nice-19 read beside a restore still competed with it as an equal. The shell
 * therefore also sets its session's autogroup to nice 19 (`/proc/$$/autogroup`; raising it needs no privilege). The
 * session holds only this command and what it starts. Without autogroups the file is missing and nothing changes.
 *
 * Without CAP_SYS_ADMIN (a root shell inside a container, or a non-root drill user) the kernel accepts one autogroup
 * write per 100 ms on the whole machine and refuses the rest with EAGAIN: two commands started together left the
 * second at nice 0. The write is therefore retried every 50 ms, for at most a second, before the command runs anyway.
 */
export function lowPriority(command: string): string {
  const autogroup =
    'if [ -e /proc/$$/autogroup ]; then _n=0; ' +
    'until { echo 19 > /proc/$$/autogroup; } 2>/dev/null || [ $_n -ge 20 ]; do _n=$((_n + 1)); sleep 0.05; done; fi';
  return `renice -n 19 -p $$ >/dev/null 2>&1; ${autogroup}; ${command}`;
}

/** The first `x.y.z` in a tool's `--version` output. */
export function parseVersion(tool: string, text: string): string {
  const m = /(\d+\.\d+(?:\.\d+)?)/.exec(text);
  if (!m) throw new StepFailed(`${tool}: could not read a version from \`${text.split('\n')[0]}\``);
  return m[1];
}
