// The SLA model (continuity/v1, kind: sla) and its semantic checks beyond the JSON Schema.
import { Duration, IANAZone } from 'luxon';
import type { SpecIssue } from './errors.ts';
import { formatPath, type LoadedSpec } from '../io/spec-file.ts';

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export interface Window { days: Weekday[]; from: string; to: string }
export type ServiceHours = '24x7' | Window | Window[];
export interface DateRange { name: string; from: string; to: string }
export interface Target { availability: number; maxOutages?: number; maxOutageMinutes?: number }

export interface SlaService {
  id: string;
  name?: string;
  monitor: { host: string; service?: string };
  serviceHours?: string;
  groups?: string[];
  target: Target;
  examTarget?: Target;
  subcontractor?: boolean;
}

export interface AccountingPolicy {
  scheduledDowntime: 'exclude' | 'up' | 'down';
  softStates: 'ignore' | 'count';
  warning: 'up' | 'down';
  unknown: 'exclude' | 'up' | 'down';
}

export const DEFAULT_POLICY: AccountingPolicy = {
  scheduledDowntime: 'exclude',
  softStates: 'ignore',
  warning: 'up',
  unknown: 'exclude',
};

export type SanctionTrigger = 'availability-below-target' | 'outages-above-target' | 'outage-too-long' | 'any-target-missed';

export interface Sla {
  version: 'continuity/v1';
  kind: 'sla';
  parties?: { customer?: { name: string; contact?: string; phone?: string }; provider?: { name: string; contact?: string; phone?: string } };
  duration?: { from?: string; to?: string };
  timezone: string;
  calendar?: { holidays?: string[]; closures?: DateRange[]; examPeriods?: DateRange[] };
  serviceHours: Record<string, ServiceHours>;
  userGroups?: Record<string, { serviceHours: string; name?: string }>;
  services: SlaService[];
  accounting?: Partial<AccountingPolicy>;
  recovery?: { rto?: string; rpo?: string };
  support?: Record<string, { response: string; hours?: string }>;
  sanctions?: { when: SanctionTrigger; priceReductionPercent: number }[];
  reporting?: { period?: 'week' | 'month' | 'quarter' | 'year' | 'whole'; meetings?: string };
}

/** The accounting policy with defaults filled in. */
export function policyOf(sla: Sla): AccountingPolicy {
  return { ...DEFAULT_POLICY, ...(sla.accounting ?? {}) };
}

/** Seconds of an ISO-8601 duration (`PT1H` → 3600). */
export function durationSeconds(iso: string): number {
  return Duration.fromISO(iso).as('seconds');
}

/** RTO and RPO in seconds, with the seed's defaults (one hour, one day) when the SLA is silent. */
export function recoveryTargets(sla: Sla): { rtoSeconds: number; rpoSeconds: number } {
  return {
    rtoSeconds: durationSeconds(sla.recovery?.rto ?? 'PT1H'),
    rpoSeconds: durationSeconds(sla.recovery?.rpo ?? 'P1D'),
  };
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

function validDate(d: string): boolean {
  const [y, m, day] = d.split('-').map(Number);
  const dt = new Date(Date.UTC(y, m - 1, day));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === day;
}

/** Checks the schema cannot express: references between sections, real dates, ordered ranges, zones. */
export function checkSla(spec: LoadedSpec<Sla>): SpecIssue[] {
  const sla = spec.data;
  const issues: SpecIssue[] = [];
  const add = (path: (string | number)[], message: string) =>
    issues.push({ ...spec.locate(path), path: formatPath(path), message });

  if (!IANAZone.isValidZone(sla.timezone)) add(['timezone'], `expected an IANA time zone such as Europe/Oslo, got \`${sla.timezone}\``);

  const hourNames = new Set(Object.keys(sla.serviceHours));
  for (const [name, hours] of Object.entries(sla.serviceHours)) {
    const windows = hours === '24x7' ? [] : Array.isArray(hours) ? hours : [hours];
    windows.forEach((w, i) => {
      const base = Array.isArray(hours) ? ['serviceHours', name, i] : ['serviceHours', name];
      if (minutes(w.to) <= minutes(w.from))
        add([...base, 'to'], `expected \`to\` after \`from\` (${w.from}), got \`${w.to}\` (windows across midnight: split them in two)`);
    });
  }
  const refHours = (path: (string | number)[], name: string) => {
    if (!hourNames.has(name)) add(path, `expected the name of a serviceHours window (${[...hourNames].join(', ')}), got \`${name}\``);
  };
  const groups = sla.userGroups ?? {};
  for (const [g, def] of Object.entries(groups)) refHours(['userGroups', g, 'serviceHours'], def.serviceHours);

  const ids = new Set<string>();
  sla.services.forEach((s, i) => {
    if (ids.has(s.id)) add(['services', i, 'id'], `expected a unique service id, got \`${s.id}\` twice`);
    ids.add(s.id);
    if (s.serviceHours) refHours(['services', i, 'serviceHours'], s.serviceHours);
    s.groups?.forEach((g, j) => {
      if (!(g in groups)) add(['services', i, 'groups', j], `expected a user group (${Object.keys(groups).join(', ') || 'none defined'}), got \`${g}\``);
    });
    if (!s.serviceHours && !s.groups) add(['services', i], 'expected `serviceHours` or `groups`, got neither');
  });

  const dates = (list: string[] | undefined, path: (string | number)[]) =>
    list?.forEach((d, i) => {
      if (!validDate(d)) add([...path, i], `expected a real calendar date, got \`${d}\``);
    });
  dates(sla.calendar?.holidays, ['calendar', 'holidays']);
  for (const key of ['closures', 'examPeriods'] as const) {
    sla.calendar?.[key]?.forEach((r, i) => {
      if (!validDate(r.from)) add(['calendar', key, i, 'from'], `expected a real calendar date, got \`${r.from}\``);
      if (!validDate(r.to)) add(['calendar', key, i, 'to'], `expected a real calendar date, got \`${r.to}\``);
      else if (r.to < r.from) add(['calendar', key, i, 'to'], `expected a date on or after \`from\` (${r.from}), got \`${r.to}\``);
    });
  }
  for (const [ch, def] of Object.entries(sla.support ?? {})) if (def.hours) refHours(['support', ch, 'hours'], def.hours);
  return issues;
}
