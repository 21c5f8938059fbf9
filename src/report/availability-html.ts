// The availability report as ONE self-contained HTML file (inline CSS and SVG, no external assets, no scripts)
// that a headteacher can open offline: availability against target per period, an outage timeline,
// the accounting policy and the sanctions.
import type { AvailabilityReport, PeriodResult, ServiceResult } from '../core/report-model.ts';
import { escapeXml as h } from './escape.ts';
import {
  formatDuration, formatPercent, missedLabel, monitorLabel, periodLabel, policyLines, rows, serviceLabel, targetLabel, verdict,
} from './format.ts';

const CSS = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2329;max-width:1200px;margin:2em auto;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
.meta{color:#57606a}.verdict{font-size:1.15em;font-weight:600;padding:.6em .9em;border-radius:6px;display:inline-block}
.ok{background:#dafbe1;color:#116329}.warn{background:#fff8c5;border-left:4px solid #d4a72c;padding:.4em .8em}.bad{background:#ffebe9;color:#a40e26}
table{border-collapse:collapse;margin:.6em 0;font-size:.85em}th,td{border:1px solid #d0d7de;padding:.25em .5em;text-align:right;vertical-align:top;white-space:nowrap}td.l,td.miss,td.t{white-space:normal}td.l{min-width:6.5em}td.miss{min-width:8em}td.t{min-width:8em}
th{background:#f6f8fa}td.l,th.l{text-align:left}td.miss{color:#a40e26;font-weight:600}td.met{color:#116329}
svg{display:block;max-width:100%;height:auto}svg text{font:11px system-ui,sans-serif;fill:#1d2329}
.legend span{display:inline-block;margin-right:1.2em}.sw{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em}
div.scroll{overflow-x:auto}
@media print{body{margin:0}h2{break-after:avoid}}
`;

const GREEN = '#2da44e';
const RED = '#cf222e';
const GREY = '#afb8c1';

function num(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

/** The lowest value shown on the chart's y axis: a round number below every bar and target. */
function axisFloor(periods: PeriodResult[]): number {
  const values = periods.flatMap((p) => [p.target, ...(p.availabilityPercent === null ? [] : [p.availabilityPercent])]);
  const min = Math.min(...values, 100);
  return [99.9, 99.5, 99, 98, 95, 90, 80, 50, 0].find((f) => f <= min - (100 - min) * 0.1 - 1e-9) ?? 0;
}

function chart(s: ServiceResult): string {
  const W = 1000, H = 230, left = 56, right = 12, top = 14, bottom = 46;
  const pw = W - left - right, ph = H - top - bottom;
  const n = Math.max(s.periods.length, 1);
  const lo = axisFloor(s.periods);
  const y = (v: number) => top + ph - ((Math.max(v, lo) - lo) / (100 - lo)) * ph;
  const slot = pw / n;
  const bw = Math.max(2, Math.min(60, slot * 0.7));
  const every = Math.ceil(n / 16);
  const parts: string[] = [];
  for (const t of [lo, (lo + 100) / 2, 100]) {
    parts.push(`<line x1="${left}" x2="${W - right}" y1="${num(y(t))}" y2="${num(y(t))}" stroke="#d0d7de"/>`);
    parts.push(`<text x="${left - 6}" y="${num(y(t) + 4)}" text-anchor="end">${h(`${+t.toFixed(2)} %`)}</text>`);
  }
  s.periods.forEach((p, i) => {
    const cx = left + slot * (i + 0.5);
    const label = periodLabel(p);
    const tip = `${label}: ${formatPercent(p.availabilityPercent)}, target ${targetLabel(p)}, ${p.met ? 'met' : `missed (${missedLabel(p)})`}`;
    if (p.availabilityPercent === null) {
      parts.push(`<rect x="${num(cx - bw / 2)}" y="${num(top)}" width="${num(bw)}" height="${num(ph)}" fill="${GREY}" opacity="0.35"><title>${h(`${label}: no service time counted`)}</title></rect>`);
    } else {
      const yt = y(p.availabilityPercent);
      parts.push(`<rect x="${num(cx - bw / 2)}" y="${num(yt)}" width="${num(bw)}" height="${num(top + ph - yt)}" fill="${p.met ? GREEN : RED}"><title>${h(tip)}</title></rect>`);
    }
    const yt = y(p.target);
    parts.push(`<line x1="${num(cx - bw / 2 - 3)}" x2="${num(cx + bw / 2 + 3)}" y1="${num(yt)}" y2="${num(yt)}" stroke="#1d2329" stroke-width="2" stroke-dasharray="4 2"/>`);
    if (i % every === 0) {
      const short = p.kind === 'exam' ? (p.name ?? 'exam') : label;
      parts.push(`<text x="${num(cx)}" y="${H - bottom + 16}" text-anchor="middle">${h(short)}</text>`);
      if (p.availabilityPercent !== null && n <= 16)
        parts.push(`<text x="${num(cx)}" y="${H - bottom + 31}" text-anchor="middle">${h(formatPercent(p.availabilityPercent))}</text>`);
    }
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${h(`Availability of ${serviceLabel(s)} per period against target`)}">${parts.join('')}</svg>`;
}

function timeline(report: AvailabilityReport): string {
  const t0 = Date.parse(report.range.from), t1 = Date.parse(report.range.to);
  const span = Math.max(t1 - t0, 1);
  const W = 1000, left = 220, right = 12, lane = 26, top = 8;
  const H = top + lane * report.services.length + 30;
  const x = (t: number) => left + ((Math.min(Math.max(t, t0), t1) - t0) / span) * (W - left - right);
  const parts: string[] = [];
  const ticks = (report.services[0]?.periods ?? []).filter((p) => p.kind === 'regular').map((p) => p.from);
  const every = Math.ceil(ticks.length / 12);
  ticks.forEach((iso, i) => {
    const tx = x(Date.parse(iso));
    parts.push(`<line x1="${num(tx)}" x2="${num(tx)}" y1="${top}" y2="${H - 24}" stroke="#d0d7de"/>`);
    if (i % every === 0) parts.push(`<text x="${num(tx + 2)}" y="${H - 10}">${h(iso.slice(0, 10))}</text>`);
  });
  parts.push(`<text x="${W - right}" y="${H - 10}" text-anchor="end">${h(report.range.to.slice(0, 10))}</text>`);
  report.services.forEach((s, i) => {
    const ly = top + i * lane;
    const name = serviceLabel(s);
    // keep the user group visible when the name must be shortened
    const base = s.name ?? s.id;
    const room = 34 - (s.group ? s.group.length + 3 : 0);
    const shown = name.length <= 34 ? name : `${base.slice(0, Math.max(room - 1, 8))}…${s.group ? ` – ${s.group}` : ''}`;
    parts.push(`<text x="${left - 8}" y="${ly + 17}" text-anchor="end"><title>${h(name)}</title>${h(shown)}</text>`);
    parts.push(`<rect x="${left}" y="${ly + 5}" width="${W - left - right}" height="${lane - 10}" fill="#f6f8fa" stroke="#d0d7de"/>`);
    const seen = new Set<string>();
    for (const p of s.periods) {
      for (const o of p.outageList) {
        const key = `${o.start}/${o.end}`;
        if (seen.has(key)) continue; // an outage is listed in every period it touches (and in exam rows)
        seen.add(key);
        const a = x(Date.parse(o.start)), b = x(Date.parse(o.end));
        parts.push(`<rect x="${num(a)}" y="${ly + 5}" width="${num(Math.max(b - a, 2))}" height="${lane - 10}" fill="${RED}"><title>${h(`${serviceLabel(s)}: ${o.state} from ${o.start} to ${o.end}, ${formatDuration(o.serviceSeconds)} in service time`)}</title></rect>`);
      }
    }
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Outage timeline">${parts.join('')}</svg>`;
}

function periodTable(s: ServiceResult): string {
  const head = ['Period', 'Service time', 'Up', 'Down', 'Planned', 'Unknown', 'Availability', 'Target', 'Outages', 'Longest', 'MTTR', 'MTBF', 'Result'];
  const body = s.periods.map((p) => {
    const cells = [
      formatDuration(p.serviceSeconds), formatDuration(p.upSeconds), formatDuration(p.downSeconds), formatDuration(p.plannedSeconds),
      formatDuration(p.unknownSeconds), formatPercent(p.availabilityPercent), targetLabel(p), String(p.outages),
      formatDuration(p.longestOutageSeconds), formatDuration(p.mttrSeconds), formatDuration(p.mtbfSeconds),
    ];
    const result = p.met ? '<td class="met l">met</td>' : `<td class="miss l">missed: ${h(missedLabel(p))}</td>`;
    return `<tr><td class="l">${h(periodLabel(p))}</td>${cells.map((c, i) => `<td${i === 6 ? ' class="t"' : ''}>${h(c)}</td>`).join('')}${result}</tr>`;
  });
  return `<div class="scroll"><table><thead><tr>${head.map((c, i) => `<th${i === 0 || i === head.length - 1 ? ' class="l"' : ''}>${h(c)}</th>`).join('')}</tr></thead><tbody>${body.join('')}</tbody></table></div>`;
}

function serviceSection(s: ServiceResult): string {
  const facts = [
    `Monitored as ${monitorLabel(s)}`,
    `service hours: ${s.serviceHours}`,
    ...(s.group ? [`user group: ${s.group}`] : []),
    ...(s.subcontractor ? ['depends on a subcontractor: no guarantee from the provider'] : []),
  ];
  return [
    `<section><h2>${h(serviceLabel(s))}</h2>`,
    `<p class="meta">${h(facts.join(' · '))}.</p>`,
    chart(s),
    periodTable(s),
    '</section>',
  ].join('\n');
}

function sanctions(report: AvailabilityReport): string {
  const missed = rows(report).filter((r) => !r.period.met);
  if (missed.length === 0) return '<h2>Sanctions</h2><p>No target was missed: no price reduction.</p>';
  const total = missed.reduce((sum, r) => sum + r.period.priceReductionPercent, 0);
  const body = missed
    .map(({ service, period }) => `<tr><td class="l">${h(serviceLabel(service))}</td><td class="l">${h(periodLabel(period))}</td><td class="l">${h(missedLabel(period))}</td><td>${h(`${period.priceReductionPercent} %`)}</td></tr>`)
    .join('');
  return `<h2>Sanctions</h2><table><thead><tr><th class="l">Service</th><th class="l">Period</th><th class="l">Missed</th><th>Price reduction</th></tr></thead><tbody>${body}</tbody></table><p>Price reductions in this report add up to <strong>${h(`${total} %`)}</strong>.</p>`;
}

/** Render the report as a single self-contained HTML page (no scripts, no external assets). */
export function render(report: AvailabilityReport): string {
  const title = `Availability report${report.sla.customer ? `: ${report.sla.customer}` : ''}`;
  const parties = [report.sla.customer, report.sla.provider].filter(Boolean).join(' / ');
  const missed = rows(report).some((r) => !r.period.met);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${h(title)}</h1>
<p class="meta">${parties ? `${h(parties)}<br>` : ''}${h(`${report.range.from.slice(0, 10)} to ${report.range.to.slice(0, 10)} (exclusive), per ${report.range.period}; times in ${report.sla.timezone}. SLA file ${report.sla.file}; generated ${report.generatedAt}.`)}</p>
<p class="verdict ${missed ? 'bad' : 'ok'}">${h(verdict(report))}</p>
${(report.warnings ?? []).map((w) => `<p class="warn">Warning: ${h(w)}</p>`).join('\n')}
<p class="legend"><span><i class="sw" style="background:${GREEN}"></i>target met</span><span><i class="sw" style="background:${RED}"></i>target missed</span><span><i class="sw" style="border-top:2px dashed #1d2329;height:0"></i>target</span><span><i class="sw" style="background:${GREY}"></i>no service time</span></p>
<h2>Outage timeline</h2>
<p class="meta">Unplanned unavailability that overlaps service time; hover an outage for its times.</p>
${timeline(report)}
${report.services.map(serviceSection).join('\n')}
${sanctions(report)}
<h2>How availability is counted</h2>
<ul>${policyLines(report).map((l) => `<li>${h(l)}</li>`).join('')}</ul>
<h2>Inputs</h2>
<table><thead><tr><th class="l">File</th><th>Lines</th><th>Bytes</th><th>Malformed lines</th></tr></thead><tbody>${report.inputs
    .map((i) => `<tr><td class="l">${h(i.file)}</td><td>${i.lines}</td><td>${i.bytes}</td><td>${i.malformed}</td></tr>`)
    .join('')}</tbody></table>
</body>
</html>
`;
}
