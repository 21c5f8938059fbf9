// The drill journal as Markdown, for a wiki page or an issue comment.
import type { Journal } from '../core/journal.ts';
import { escapeMarkdown as m } from './escape.ts';
import { backupLine, phaseSeconds, rpoLine, rtoLine, statusLabel, throughputLine, verificationLine } from './drill-format.ts';

/** Render the journal as a Markdown section. */
export function render(j: Journal, journalFile?: string): string {
  const out = [
    `## Restore drill ${m(j.site)}: ${m(statusLabel(j))}`,
    '',
    `- **Started:** ${m(j.startedAt)}${j.endedAt ? `, **ended:** ${m(j.endedAt)}` : ''}`,
    `- **Backup:** ${m(backupLine(j))}`,
    `- **Standby:** ${m(j.standby.description)}, restore root \`${j.standby.restoreRoot.replace(/`/g, '')}\``,
    `- **RTO:** ${m(rtoLine(j))}`,
    `- **RPO:** ${m(rpoLine(j))}`,
  ];
  const t = throughputLine(j);
  if (t) out.push(`- **Restore:** ${m(t)}`);
  const v = verificationLine(j);
  if (v) out.push(`- **Verification:** ${m(v)}`);
  out.push('', '| Phase | Status | Time | Detail |', '|---|---|---:|---|');
  for (const p of j.phases) out.push(`| ${p.name} | ${p.status === 'failed' ? '**failed**' : p.status} | ${m(phaseSeconds(p))} | ${m(p.detail ?? '')} |`);
  const checks = j.phases.flatMap((p) => (p.checks ?? []).map((c) => ({ phase: p.name, ...c })));
  if (checks.length) {
    out.push('', '| Phase | Check | Result | Detail |', '|---|---|---|---|');
    for (const c of checks) out.push(`| ${c.phase} | ${m(c.name)} | ${c.passed ? 'ok' : '**failed**'} | ${m(c.detail ?? '')} |`);
  }
  const problems = j.verification?.problems ?? [];
  if (problems.length) {
    out.push('', '| File | Problem | Expected | Found |', '|---|---|---|---|');
    for (const p of problems) out.push(`| ${m(p.path)} | ${p.kind} | ${m(p.expected ?? '')} | ${m(p.found ?? '')} |`);
    if (j.verification?.moreProblems) out.push('', `… and ${j.verification.moreProblems} more problems.`);
  }
  if (journalFile) out.push('', `Journal: \`${journalFile.replace(/`/g, '')}\``);
  return `${out.join('\n')}\n`;
}
