// The site's service probes, run ON the standby after a restore: a command with an expected exit
// code and output, or a TCP port that must accept a connection.
import type { Probe } from '../core/site.ts';
import type { CheckRecord } from '../core/journal.ts';
import { durationSeconds } from '../core/sla.ts';
import { shq, type Standby } from './standby/types.ts';

/** What a probe needs to know about the drill running it. */
export interface ProbeContext {
  /** the restore root as the standby sees it; exported to `run` probes as $RESTORE_ROOT */
  restoreRoot: string;
  signal?: AbortSignal;
  /** limit for a probe without its own `timeout` */
  defaultTimeoutMs: number;
  /** monotonic milliseconds (performance.now) */
  monotonic: () => number;
}

/** The shell command a probe runs on the standby. */
export function probeCommand(probe: Probe, restoreRoot: string, timeoutSeconds: number): string {
  if (probe.tcp !== undefined) {
    const host = probe.host ?? '127.0.0.1';
    // bash's /dev/tcp: no netcat needed on the standby
    return `timeout ${Math.max(1, Math.ceil(timeoutSeconds))} bash -c ${shq(`exec 3<>/dev/tcp/${host}/${probe.tcp}`)}`;
  }
  return `RESTORE_ROOT=${shq(restoreRoot)}; export RESTORE_ROOT; ${probe.run}`;
}

/** Run one probe; never throws for a failed probe (a failure is a result). */
export async function runProbe(standby: Standby, probe: Probe, ctx: ProbeContext): Promise<CheckRecord> {
  const timeoutMs = probe.timeout ? durationSeconds(probe.timeout) * 1000 : ctx.defaultTimeoutMs;
  const t0 = ctx.monotonic();
  const r = await standby.exec(probeCommand(probe, ctx.restoreRoot, timeoutMs / 1000), { timeoutMs, signal: ctx.signal });
  const seconds = Math.round(ctx.monotonic() - t0) / 1000;
  const base = { name: probe.name, seconds };
  if (r.timedOut) return { ...base, passed: false, detail: `timed out after ${timeoutMs / 1000} s` };
  if (probe.tcp !== undefined) {
    const target = `${probe.host ?? '127.0.0.1'}:${probe.tcp}`;
    return r.exitCode === 0
      ? { ...base, passed: true, detail: `port ${target} accepts connections` }
      : { ...base, passed: false, detail: `port ${target} refused or unreachable (exit ${r.exitCode})${r.stderr.trim() ? `: ${lastLine(r.stderr)}` : ''}` };
  }
  const wantExit = probe.expect?.exitCode ?? 0;
  if (r.exitCode !== wantExit)
    return { ...base, passed: false, detail: `expected exit code ${wantExit}, got ${r.exitCode}${r.stderr.trim() ? ` (${lastLine(r.stderr)})` : ''}` };
  if (probe.expect?.output !== undefined && !`${r.stdout}${r.stderr}`.includes(probe.expect.output))
    return { ...base, passed: false, detail: `expected output containing \`${probe.expect.output}\`, got \`${lastLine(r.stdout) || '(nothing)'}\`` };
  return { ...base, passed: true, detail: probe.expect?.output !== undefined ? `exit ${wantExit}, output contains \`${probe.expect.output}\`` : `exit ${wantExit}` };
}

function lastLine(s: string): string {
  const lines = s.trim().split('\n');
  return lines[lines.length - 1].slice(0, 200);
}
