// The availability report as Markdown: a table per service, sanctions, the accounting policy, the inputs.
import type { AvailabilityReport, PeriodResult, ServiceResult } from '../core/report-model.ts';
import { escapeMarkdown as md } from './escape.ts';
import {
  formatDuration, formatPercent, missedLabel, monitorLabel, periodLabel, policyLines, rows, serviceLabel, targetLabel, verdict,
} from './format.ts';

/** A GitHub table; columns from `rightFrom` on are right-aligned (numbers). */
function table(header: string[], body: string[][], rightFrom = 1): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i < rightFrom ? ' --- ' : ' ---: ')).join('|')}|`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
  ];
}

function periodRow(p: PeriodResult): string[] {
  return [
    md(periodLabel(p)),
    formatDuration(p.serviceSeconds),
    formatDuration(p.upSeconds),
    formatDuration(p.downSeconds),
    formatDuration(p.plannedSeconds),
    formatDuration(p.unknownSeconds),
    formatPercent(p.availabilityPercent),
    md(targetLabel(p)),
    String(p.outages),
    formatDuration(p.longestOutageSeconds),
    formatDuration(p.mttrSeconds),
    formatDuration(p.mtbfSeconds),
    p.met ? 'met' : `**MISSED**: ${md(missedLabel(p))}`,
  ];
}

function serviceSection(s: ServiceResult): string[] {
  const facts = [
    `Monitored as ${md(monitorLabel(s))}`,
    `service hours: ${md(s.serviceHours)}`,
    ...(s.group ? [`user group: ${md(s.group)}`] : []),
    ...(s.subcontractor ? ['depends on a subcontractor: no guarantee from the provider'] : []),
  ];
  return [
    `## ${md(serviceLabel(s))} (\`${s.id.replace(/`/g, '')}\`)`,
    '',
    facts.join(' · ') + '.',
    '',
    ...table(
      ['Period', 'Service time', 'Up', 'Down', 'Planned', 'Unknown', 'Availability', 'Target', 'Outages', 'Longest', 'MTTR', 'MTBF', 'Result'],
      s.periods.map(periodRow),
    ),
    '',
  ];
}

function sanctions(report: AvailabilityReport): string[] {
  const missed = rows(report).filter((r) => !r.period.met);
  if (missed.length === 0) return ['## Sanctions', '', 'No target was missed: no price reduction.', ''];
  const total = missed.reduce((sum, r) => sum + r.period.priceReductionPercent, 0);
  return [
    '## Sanctions',
    '',
    ...table(
      ['Service', 'Period', 'Missed', 'Price reduction'],
      missed.map(({ service, period }) => [
        md(serviceLabel(service)), md(periodLabel(period)), md(missedLabel(period)), `${period.priceReductionPercent} %`,
      ]),
      3,
    ),
    '',
    `Price reductions in this report add up to ${total} %.`,
    '',
  ];
}

/** Render the report as Markdown (GitHub-flavoured tables). */
export function render(report: AvailabilityReport): string {
  const who = [report.sla.customer, report.sla.provider].filter(Boolean).map((x) => md(x!));
  const lines = [
    `# Availability report${report.sla.customer ? `: ${md(report.sla.customer)}` : ''}`,
    '',
    ...(who.length ? [`Customer and provider: ${who.join(' / ')}.  `] : []),
    `SLA: \`${report.sla.file.replace(/`/g, '')}\`, times in ${md(report.sla.timezone)}.  `,
    `Range: ${md(report.range.from.slice(0, 10))} to ${md(report.range.to.slice(0, 10))} (exclusive), per ${report.range.period}.  `,
    `Generated: ${md(report.generatedAt)}.`,
    '',
    `**${verdict(report)}**`,
    '',
    ...(report.warnings?.length ? [...report.warnings.map((w) => `> **Warning:** ${md(w)}`), ''] : []),
    ...report.services.flatMap(serviceSection),
    ...sanctions(report),
    '## Accounting policy',
    '',
    ...policyLines(report).map((l) => `- ${md(l)}`),
    '',
    '## Inputs',
    '',
    ...table(
      ['File', 'Lines', 'Bytes', 'Malformed lines'],
      report.inputs.map((i) => [
        md(i.file), String(i.lines), String(i.bytes),
        i.malformed === 0 ? '0' : `${i.malformed} (e.g. ${i.malformedExamples.slice(0, 3).map((e) => `line ${e.line}: ${md(e.reason)}`).join('; ')})`,
      ]),
    ),
    '',
  ];
  return lines.join('\n');
}
