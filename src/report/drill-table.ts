// The drill journal as a plain-text table for a terminal.
import type { Journal } from '../core/journal.ts';
import { backupLine, phaseSeconds, rpoLine, rtoLine, statusLabel, throughputLine, verificationLine } from './drill-format.ts';

/** Render the journal as aligned plain text. */
export function render(j: Journal, journalFile?: string): string {
  const rows = j.phases.map((p) => [p.name, p.status, phaseSeconds(p), p.detail ?? '']);
  const head = ['phase', 'status', 'time', 'detail'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  widths[3] = Math.min(widths[3], 100);
  const line = (r: string[]) => r.map((c, i) => (i === 3 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [
    `Restore drill ${j.site}: ${statusLabel(j)}`,
    `  started  ${j.startedAt}${j.endedAt ? `, ended ${j.endedAt}` : ''}`,
    `  backup   ${backupLine(j)}`,
    `  standby  ${j.standby.description}, restore root ${j.standby.restoreRoot}`,
    `  RTO      ${rtoLine(j)}`,
    `  RPO      ${rpoLine(j)}`,
  ];
  const t = throughputLine(j);
  if (t) out.push(`  restore  ${t}`);
  const v = verificationLine(j);
  if (v) out.push(`  verify   ${v}`);
  out.push('', line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line));
  for (const p of j.phases)
    for (const c of p.checks ?? []) if (!c.passed) out.push(`  ✗ ${p.name} / ${c.name}: ${c.detail ?? ''}`);
  const problems = j.verification?.problems ?? [];
  if (problems.length) {
    out.push('', 'Verification problems:');
    for (const pr of problems.slice(0, 20))
      out.push(`  ${pr.kind.padEnd(12)} ${pr.path}${pr.expected !== undefined ? `  expected ${pr.expected}` : ''}${pr.found !== undefined ? `  found ${pr.found}` : ''}`);
    const more = problems.length - 20 + (j.verification?.moreProblems ?? 0);
    if (more > 0) out.push(`  … and ${more} more (see the journal)`);
  }
  if (journalFile) out.push('', `Journal: ${journalFile}`);
  return `${out.join('\n')}\n`;
}
