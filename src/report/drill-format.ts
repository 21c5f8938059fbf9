// Wording shared by the drill report renderers: the verdict line, objective lines, verification counts.
import type { Journal, PhaseRecord } from '../core/journal.ts';
import { formatBytes, formatSeconds } from '../core/drill-plan.ts';

/** `PASSED`, `FAILED`, `ABORTED (in restore, SIGINT)`, `RUNNING`. */
export function statusLabel(j: Journal): string {
  if (j.status === 'aborted') return `ABORTED${j.abortedIn ? ` (in ${j.abortedIn}${j.signal ? `, ${j.signal}` : ''})` : ''}`;
  return `${j.status.toUpperCase()}${j.dryRun ? ' (dry run)' : ''}`;
}

/** The RTO line: measured against the target. */
export function rtoLine(j: Journal): string {
  if (j.dryRun) return `not measured (dry run); target ${formatSeconds(j.rto.targetSeconds)}`;
  const verdict = j.rto.met ? 'met' : 'MISSED';
  if (j.rto.actualSeconds === null) return `${verdict}: the service was not restored (target ${formatSeconds(j.rto.targetSeconds)})`;
  return `${verdict}: ${formatSeconds(j.rto.actualSeconds)} from incident to services up (target ${formatSeconds(j.rto.targetSeconds)})${
    j.rto.met === false && j.rto.actualSeconds <= j.rto.targetSeconds ? ', but a phase failed' : ''
  }${j.rto.projection?.judged ? `; ${projectionLine(j)}` : ''}`;
}

/** The judged projection: the full data's restore at the measured speed against the RTO. */
export function projectionLine(j: Journal): string {
  const p = j.rto.projection;
  if (!p) return 'no projection (no `backup.dataBytes`, or the service was not restored)';
  return `full restore projected at ${formatSeconds(p.seconds)}: ${p.met ? 'within the target' : 'MISSED (longer than the target)'}`;
}

/** The RPO line: backup age against the target. */
export function rpoLine(j: Journal): string {
  if (j.rpo.backupAgeSeconds === null) return `not measured: no snapshot was chosen (target ${formatSeconds(j.rpo.targetSeconds)})`;
  return `${j.rpo.met ? 'met' : 'MISSED'}: backup age ${formatSeconds(j.rpo.backupAgeSeconds)} (target ${formatSeconds(j.rpo.targetSeconds)})`;
}

/** What the restore achieved and what it means for the full data size. */
export function throughputLine(j: Journal): string | undefined {
  const r = j.restore;
  if (!r) return undefined;
  let s = `${formatBytes(r.bytes)} in ${formatSeconds(r.seconds)} (${formatBytes(r.bytesPerSecond)}/s)`;
  if (r.projectedSeconds !== undefined && r.dataBytes !== undefined)
    s += `; the full ${formatBytes(r.dataBytes)} would take about ${formatSeconds(r.projectedSeconds)}${r.projectedSeconds > j.rto.targetSeconds ? ' — longer than the RTO' : ''}`;
  return s;
}

/** Verification counts in one line. */
export function verificationLine(j: Journal): string | undefined {
  const v = j.verification;
  if (!v) return undefined;
  return `${v.files} files, ${formatBytes(v.bytes)}: ${v.mismatches} changed, ${v.missing} missing, ${v.extra} extra, ${v.permissionMismatches} wrong owner/group/mode, ${v.exposedHomes} home directories exposed`;
}

/** The backup that was restored. */
export function backupLine(j: Journal): string {
  const b = j.backup;
  return `${b.tool}${b.toolVersion ? ` ${b.toolVersion}` : ''}, ${b.repository}${b.snapshot ? `, snapshot ${b.snapshot}${b.snapshotTime ? ` (${b.snapshotTime})` : ''}` : ''}`;
}

/** Seconds of a phase for a table cell. */
export function phaseSeconds(p: PhaseRecord): string {
  return p.status === 'skipped' ? '-' : formatSeconds(p.seconds ?? 0);
}
