// Human wording shared by the report renderers: periods, durations, percentages, the result line.
import type { AvailabilityReport, PeriodResult, ServiceResult } from '../core/report-model.ts';

/** The local calendar date of an ISO timestamp written in the SLA's zone (`2024-03-01T00:00…+01:00` → `2024-03-01`). */
export function localDate(iso: string): string {
  return iso.slice(0, 10);
}

/** The last day a period covers (its `to` is exclusive), as a local date. */
export function lastLocalDate(iso: string): string {
  // `to` is a local midnight in the SLA's zone: the day before it is the last covered day
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  const prev = new Date(Date.UTC(y, m - 1, d - 1));
  return prev.toISOString().slice(0, 10);
}

/** A period as a reader names it: `2024-03` for a calendar month, else `from – to` (inclusive dates), exam name in front. */
export function periodLabel(p: Pick<PeriodResult, 'from' | 'to' | 'kind' | 'name'>): string {
  const from = localDate(p.from);
  const last = lastLocalDate(p.to);
  const wholeMonth = from.endsWith('-01') && last.slice(0, 7) === from.slice(0, 7) && localDate(p.to).endsWith('-01');
  const span = wholeMonth ? from.slice(0, 7) : from === last ? from : `${from} – ${last}`;
  return p.kind === 'exam' ? `${p.name ?? 'Exam period'} (${span})` : span;
}

/** A number of seconds as `2 h 05 min`, `45 min 10 s`, `3 d 4 h`; `0` as `0 s`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  return sec > 0 ? `${m} min ${sec} s` : `${m} min`;
}

/** An availability percentage with three decimals (`99.512 %`), or `n/a` when nothing was counted. */
export function formatPercent(p: number | null): string {
  return p === null ? 'n/a' : `${p.toFixed(3)} %`;
}

/** The subject the figures come from: `host tjener` or `service NFS on tjener`. */
export function monitorLabel(s: ServiceResult): string {
  return s.monitor.service ? `service ${s.monitor.service} on ${s.monitor.host}` : `host ${s.monitor.host}`;
}

/** The service's display name, with the user group when the row is per group. */
export function serviceLabel(s: ServiceResult): string {
  const name = s.name ?? s.id;
  return s.group ? `${name} – ${s.group}` : name;
}

/** Which parts of a target were missed, in words. */
export function missedLabel(p: PeriodResult): string {
  const words: Record<PeriodResult['missed'][number], string> = {
    availability: `availability ${formatPercent(p.availabilityPercent)} < ${p.target} %`,
    outages: `${p.outages} ${p.outages === 1 ? 'outage' : 'outages'} > ${p.maxOutages ?? 0} allowed`,
    'outage-length': `longest outage ${formatDuration(p.longestOutageSeconds)} > ${p.maxOutageMinutes ?? 0} min allowed`,
  };
  return p.missed.map((m) => words[m]).join('; ');
}

/** The target in words: `99.5 %, ≤ 2 outages, each ≤ 60 min`. */
export function targetLabel(p: PeriodResult): string {
  const parts = [`${p.target} %`];
  if (p.maxOutages !== undefined) parts.push(`≤ ${p.maxOutages} outages`);
  if (p.maxOutageMinutes !== undefined) parts.push(`each ≤ ${p.maxOutageMinutes} min`);
  return parts.join(', ');
}

/** Every (service, period) pair of the report, in order. */
export function rows(report: AvailabilityReport): { service: ServiceResult; period: PeriodResult }[] {
  return report.services.flatMap((service) => service.periods.map((period) => ({ service, period })));
}

/** The one-line verdict: all met, or how many of how many missed. */
export function verdict(report: AvailabilityReport): string {
  const all = rows(report);
  const missed = all.filter((r) => !r.period.met).length;
  if (missed > 0) return `${missed} of ${all.length} targets missed.`;
  return all.length === 1 ? 'The target was met.' : `All ${all.length} targets met.`;
}

/** The policy as plain sentences (the report's own description), then the settings as the SLA file names them. */
export function policyLines(report: AvailabilityReport): string[] {
  const p = report.policy;
  const sentences = p.description.length
    ? p.description
    : [
        `Scheduled downtime: ${p.scheduledDowntime === 'exclude' ? 'excluded from service time' : `counted as ${p.scheduledDowntime}`}.`,
        `SOFT states: ${p.softStates === 'ignore' ? 'ignored (only HARD states count)' : 'counted'}.`,
        `Service WARNING: counted as ${p.warning}.`,
        `UNKNOWN, no data, monitoring not running: ${p.unknown === 'exclude' ? 'excluded from service time' : `counted as ${p.unknown}`}.`,
      ];
  return [
    ...sentences,
    `Settings (SLA \`accounting\`): scheduledDowntime: ${p.scheduledDowntime}, softStates: ${p.softStates}, warning: ${p.warning}, unknown: ${p.unknown}.`,
  ];
}
