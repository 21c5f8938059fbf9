// The availability report as data: the JSON contract of `continuity availability --format json`.
// Every renderer (table, md, html, csv, junit) reads only this.
import type { AccountingPolicy, Target } from './sla.ts';

export interface OutageRecord {
  /** ISO timestamps in the SLA's zone */
  start: string;
  end: string;
  /** unplanned unavailable seconds inside service time */
  serviceSeconds: number;
  /** the state that made it unavailable: DOWN, UNREACHABLE, CRITICAL, WARNING (if counted) ... */
  state: string;
}

export interface PeriodResult {
  /** ISO, local time of the SLA zone, e.g. 2024-03-11T00:00:00.000+01:00 */
  from: string;
  /** exclusive */
  to: string;
  kind: 'regular' | 'exam';
  /** exam period name when kind = exam */
  name?: string;
  serviceSeconds: number;
  upSeconds: number;
  downSeconds: number;
  plannedSeconds: number;
  unknownSeconds: number;
  /** null when nothing counted (no service time left) */
  availabilityPercent: number | null;
  outages: number;
  longestOutageSeconds: number;
  mttrSeconds: number;
  mtbfSeconds: number;
  target: number;
  maxOutages?: number;
  maxOutageMinutes?: number;
  met: boolean;
  /** the availability denominator: service time minus what the policy excludes */
  countedSeconds?: number;
  /** the availability numerator: up time plus what the policy counts as up */
  countedUpSeconds?: number;
  /** which parts of the target were missed */
  missed: ('availability' | 'outages' | 'outage-length')[];
  /** price reduction in percent the SLA's sanctions give for this period */
  priceReductionPercent: number;
  outageList: OutageRecord[];
}

export interface ServiceResult {
  id: string;
  name?: string;
  /** user group this row is for, or null when the service has its own service hours */
  group: string | null;
  serviceHours: string;
  monitor: { host: string; service: string | null };
  subcontractor: boolean;
  periods: PeriodResult[];
}

export interface InputSummary {
  file: string;
  lines: number;
  bytes: number;
  /** lines that could not be parsed */
  malformed: number;
  /** up to 20 examples: line number and the reason */
  malformedExamples: { line: number; reason: string }[];
}

export interface AvailabilityReport {
  generatedAt: string;
  sla: { file: string; customer?: string; provider?: string; timezone: string };
  range: { from: string; to: string; period: 'week' | 'month' | 'quarter' | 'year' | 'whole' };
  /** the accounting policy used, stated in every report */
  policy: AccountingPolicy & { description: string[] };
  inputs: InputSummary[];
  services: ServiceResult[];
  /** things the reader should know (a monitored subject never seen in the logs, ...) */
  warnings?: string[];
  /** all targets met */
  met: boolean;
}

export type { Target };
