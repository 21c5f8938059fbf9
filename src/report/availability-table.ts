// The availability report as a plain-text table for a terminal: one block per service row,
// one line per period, then the outages, the inputs and the policy.
import type { AvailabilityReport, PeriodResult } from '../core/report-model.ts';

/** 5400 → `1h30m`, 59 → `59s`. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${String(m).padStart(h ? 2 : 1, '0')}m` : h ? '' : '0m'}${s && !h ? `${String(s).padStart(2, '0')}s` : ''}`;
}

function label(p: PeriodResult): string {
  const day = (iso: string) => iso.slice(0, 10);
  if (p.kind !== 'exam') return `${day(p.from)}..${day(p.to)}`;
  // exam periods are written with inclusive dates in the SLA; show them the same way
  const last = new Date(`${day(p.to)}T00:00:00Z`);
  last.setUTCDate(last.getUTCDate() - 1);
  return `${p.name ?? 'exam'} ${day(p.from)}..${last.toISOString().slice(0, 10)}`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()).join('\n');
}

/** Render the report as text. */
export function render(report: AvailabilityReport): string {
  return [...pieces(report)].join('');
}

/**
 * The text of render() in pieces (the heading, one per service, the footer), each ending in a
 * newline. The services may come from an iterable computed as it goes; the footer is read after.
 */
export function* pieces(report: AvailabilityReport, services: Iterable<AvailabilityReport['services'][number]> = report.services): Generator<string> {
  const parties = [report.sla.customer, report.sla.provider].filter(Boolean).join(' / ');
  yield `Availability ${report.range.from.slice(0, 10)} .. ${report.range.to.slice(0, 10)} (to exclusive; ${report.range.period}, ${report.sla.timezone})${parties ? `  ${parties}` : ''}\n`;
  for (const s of services) {
    const out: string[] = [''];
    const who = s.monitor.service ? `${s.monitor.host}/${s.monitor.service}` : s.monitor.host;
    out.push(`${s.id}${s.group ? ` [${s.group}]` : ''}  ${s.name ?? ''}  (monitor ${who}, hours ${s.serviceHours}${s.subcontractor ? ', subcontracted' : ''})`.replace(/ {2,}\(/, '  ('));
    const rows = [['period', 'service', 'up', 'down', 'planned', 'unknown', 'avail %', 'target', 'outages', 'longest', 'MTTR', 'MTBF', 'result']];
    for (const p of s.periods) {
      rows.push([
        label(p),
        duration(p.serviceSeconds),
        duration(p.upSeconds),
        duration(p.downSeconds),
        duration(p.plannedSeconds),
        duration(p.unknownSeconds),
        p.availabilityPercent === null ? '-' : p.availabilityPercent.toFixed(3),
        `${p.target}${p.maxOutages !== undefined ? `/${p.maxOutages}` : ''}`,
        String(p.outages),
        duration(p.longestOutageSeconds),
        duration(p.mttrSeconds),
        duration(p.mtbfSeconds),
        p.met ? 'met' : `MISSED (${p.missed.join(', ')})${p.priceReductionPercent ? ` -${p.priceReductionPercent}%` : ''}`,
      ]);
    }
    out.push(table(rows));
    const outages = s.periods.filter((p) => p.kind === 'regular').flatMap((p) => p.outageList);
    if (outages.length) {
      out.push('  outages:');
      for (const o of outages) out.push(`    ${o.start.slice(0, 16).replace('T', ' ')} → ${o.end.slice(0, 16).replace('T', ' ')}  ${o.state}  ${duration(o.serviceSeconds)} of service time`);
    }
    yield `${out.join('\n')}\n`;
  }
  const out: string[] = [''];
  for (const i of report.inputs) {
    out.push(`input ${i.file}: ${i.lines} lines, ${(i.bytes / 1e6).toFixed(1)} MB${i.malformed ? `, ${i.malformed} malformed (line ${i.malformedExamples.map((e) => e.line).join(', ')}${i.malformed > i.malformedExamples.length ? ', …' : ''})` : ''}`);
  }
  for (const w of report.warnings ?? []) out.push(`warning: ${w}`);
  out.push('policy:');
  for (const d of report.policy.description) out.push(`  - ${d}`);
  out.push(report.met ? 'All targets met.' : 'A target was missed.');
  yield `${out.join('\n')}\n`;
}
