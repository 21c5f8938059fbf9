// The availability report as CSV (RFC 4180): one row per service × period with every seconds field.
import type { AvailabilityReport } from '../core/report-model.ts';
import { csvRecord } from './escape.ts';
import { rows } from './format.ts';

/** Column names, in order; stable so spreadsheets and scripts can rely on them. */
export const CSV_COLUMNS = [
  'service_id', 'service_name', 'group', 'host', 'service', 'service_hours', 'subcontractor',
  'period_from', 'period_to', 'kind', 'period_name',
  'service_seconds', 'up_seconds', 'down_seconds', 'planned_seconds', 'unknown_seconds',
  'availability_percent', 'outages', 'longest_outage_seconds', 'mttr_seconds', 'mtbf_seconds',
  'target_percent', 'max_outages', 'max_outage_minutes', 'met', 'missed', 'price_reduction_percent',
] as const;

/** Render the report as CSV with a header row and CRLF line endings; empty field = not applicable. */
export function render(report: AvailabilityReport): string {
  let out = csvRecord([...CSV_COLUMNS]);
  for (const { service: s, period: p } of rows(report)) {
    out += csvRecord([
      s.id, s.name ?? '', s.group ?? '', s.monitor.host, s.monitor.service ?? '', s.serviceHours, s.subcontractor,
      p.from, p.to, p.kind, p.name ?? '',
      p.serviceSeconds, p.upSeconds, p.downSeconds, p.plannedSeconds, p.unknownSeconds,
      p.availabilityPercent, p.outages, p.longestOutageSeconds, p.mttrSeconds, p.mtbfSeconds,
      p.target, p.maxOutages, p.maxOutageMinutes, p.met, p.missed.join(' '), p.priceReductionPercent,
    ]);
  }
  return out;
}
