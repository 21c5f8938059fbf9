// Build the availability report: read the SLA, the monitoring logs and incident lists, and
// account every service (and user group) per period. The only layer that knows both files and
// the pure accounting core.
import { DateTime } from 'luxon';
import { ConfigError } from '../core/errors.ts';
import { ServiceClock, serviceWindows } from '../core/calendar.ts';
import { availabilityPercent, countedSeconds, describePolicy, tally } from '../core/accounting.ts';
import { findOutages, summariseOutages } from '../core/outages.ts';
import { examPeriods, isoFormatter, isoIn, periodBounds, splitPeriods, type PeriodKind, type PeriodRange } from '../core/periods.ts';
import { evaluateTarget, priceReduction } from '../core/sanctions.ts';
import { policyOf, type Sla, type SlaService } from '../core/sla.ts';
import { buildTimeline, Ev, EventList, State, TimelineBuilder, type StateCode } from '../core/states.ts';
import { RunningTally } from '../core/running-tally.ts';
import type { AvailabilityReport, PeriodResult, ServiceResult } from '../core/report-model.ts';
import { loadSla } from '../io/load.ts';
import { logFilesIn, orderLogFiles, predictSpan, scanLogs, subjectKey, type FoldOptions, type Subject } from '../io/nagios-log.ts';
import { loadIncidents, type Incident } from '../io/incidents.ts';

/** What to report on. */
export interface AvailabilityOptions {
  slaFile: string;
  logs: string[];
  logDir?: string;
  incidents?: string[];
  /** local date YYYY-MM-DD in the SLA zone, inclusive */
  from?: string;
  /** local date YYYY-MM-DD in the SLA zone, exclusive */
  to?: string;
  period?: PeriodKind;
  strict?: boolean;
  /** the clock: service time after it has not happened yet (default: the real time) */
  now?: Date;
  /** progress while reading logs (bytes read, total bytes) */
  onProgress?: (read: number, total: number) => void;
  /**
   * Account the logs while reading them when the range is known (default FOLD), or `false`:
   * keep every event first (same results; for tests that compare the two).
   */
  fold?: false | { everyBytes: number; slackSeconds: number };
  /** told how the logs were accounted: while reading (flat memory) or the exact way (every event kept first) */
  onAccounting?: (how: 'while-reading' | 'exact') => void;
}

const PERIODS: PeriodKind[] = ['week', 'month', 'quarter', 'year', 'whole'];

function localDate(text: string, option: string, zone: string): number {
  const dt = /^\d{4}-\d{2}-\d{2}$/.test(text) ? DateTime.fromISO(text, { zone }) : null;
  if (!dt?.isValid) throw new ConfigError(`Expected \`${option}\` to be a date YYYY-MM-DD, got \`${text}\``);
  return Math.round(dt.startOf('day').toSeconds());
}

/** The report range: --from/--to as given, else whole periods around the data's span. */
function reportRange(
  opts: AvailabilityOptions,
  zone: string,
  period: PeriodKind,
  span: { first: number | null; last: number | null },
): { from: number; to: number } {
  const unit: PeriodKind = period === 'whole' ? 'month' : period;
  const from = opts.from !== undefined ? localDate(opts.from, '--from', zone) : span.first !== null ? periodBounds(span.first, zone, unit).start : null;
  let to: number | null = opts.to !== undefined ? localDate(opts.to, '--to', zone) : null;
  if (to === null && span.last !== null) to = periodBounds(Math.max(span.first ?? span.last, span.last - 1), zone, unit).end;
  if (from === null || to === null)
    throw new ConfigError('The logs hold no timestamps to take a report range from; give --from and --to (YYYY-MM-DD)');
  if (to <= from) throw new ConfigError(`Expected \`--to\` after \`--from\`, got ${isoIn(from, zone).slice(0, 10)} → ${isoIn(to, zone).slice(0, 10)}`);
  return { from, to };
}

/** The report rows of a service: one per user group, or one with the service's own hours. */
function rowsOf(sla: Sla, s: SlaService): { group: string | null; hours: string }[] {
  if (s.groups?.length) return s.groups.map((g) => ({ group: g, hours: sla.userGroups![g].serviceHours }));
  return [{ group: null, hours: s.serviceHours! }];
}

/** The subject's events plus the incidents listed for its service, sorted. */
function withIncidents(events: EventList | undefined, incidents: Incident[]): EventList {
  if (!incidents.length) return events ?? new EventList();
  const out = new EventList();
  if (events) for (let i = 0; i < events.length; i++) out.push(events.times[i], events.codes[i]);
  for (const inc of incidents) {
    out.push(inc.start, inc.planned ? Ev.PLANNED_START : Ev.INCIDENT_START);
    out.push(inc.end, inc.planned ? Ev.PLANNED_END : Ev.INCIDENT_END);
  }
  out.sort();
  return out;
}

/** The key of a report row's RunningTally. */
const rowKey = (id: string, group: string | null) => `${id}\u0000${group ?? ''}`;

/** Bytes read between two folds, and how far (seconds) a line may be older than the latest before the exact way is needed. */
export const FOLD = { everyBytes: 16 << 20, slackSeconds: 6 * 3600 };

/**
 * How to account the logs while they are read: one TimelineBuilder per subject feeding a
 * RunningTally per report row. Possible when the report range can be known before reading:
 * from --from and --to, or else from `span` (the logs' first and last timestamps, predicted from
 * the first and last lines of the ordered files), and no incident list is merged in; null
 * otherwise. Service time is cut at `now` as the exact way cuts it, assuming no log line lies
 * after `now`. `assumed` is what the plan took for granted: the caller checks it against what the
 * scan found and accounts the exact way when it does not hold.
 */
function foldPlan(
  opts: AvailabilityOptions,
  sla: Sla,
  policy: ReturnType<typeof policyOf>,
  period: PeriodKind,
  zone: string,
  now: number,
  span: { first: number | null; last: number | null },
): { fold: FoldOptions; finish: () => Map<string, RunningTally>; assumed: { from: number; to: number; until: number } } | null {
  if (opts.fold === false || opts.incidents?.length) return null;
  const every = opts.fold ?? FOLD;
  let range: { from: number; to: number };
  try {
    range = reportRange(opts, zone, period, span);
  } catch {
    return null; // reported in the usual place, after the logs are read
  }
  const { from, to } = range;
  const until = Math.min(to, Math.max(from, now));
  const regular = splitPeriods(from, to, zone, period);
  const withExams = [...regular, ...examPeriods(sla.calendar?.examPeriods, from, to, zone)];
  const clocks = new Map<string, ServiceClock>();
  const subjects = new Map<string, { builder: TimelineBuilder; rows: RunningTally[]; flush: () => void }>();
  const rows = new Map<string, RunningTally>();
  for (const s of sla.services) {
    const key = subjectKey({ host: s.monitor.host, service: s.monitor.service });
    let subject = subjects.get(key);
    if (!subject) {
      const list: RunningTally[] = [];
      // consecutive segments in the same state are merged first (as Timeline.add does): the
      // rows then see one segment per state change, not one per logged line
      let pa = 0;
      let pb = 0;
      let ps: StateCode = State.NODATA;
      let pp = false;
      const flush = () => {
        if (pb > pa) for (const r of list) r.add(pa, pb, ps, pp);
      };
      const builder = new TimelineBuilder(from, to, { softStates: policy.softStates, notRunning: 'unknown' }, (a, b, state, planned) => {
        if (a === pb && state === ps && planned === pp) {
          pb = b;
          return;
        }
        flush();
        pa = a;
        pb = b;
        ps = state;
        pp = planned;
      });
      subjects.set(key, (subject = { builder, rows: list, flush }));
    }
    for (const row of rowsOf(sla, s)) {
      let clock = clocks.get(row.hours);
      if (!clock) clocks.set(row.hours, (clock = new ServiceClock(serviceWindows(sla.serviceHours[row.hours], { zone, ...sla.calendar }, from, until))));
      const running = new RunningTally(clock, s.examTarget ? withExams : regular, policy);
      subject.rows.push(running);
      rows.set(rowKey(s.id, row.group), running);
    }
  }
  return {
    assumed: { from, to, until },
    fold: {
      everyBytes: every.everyBytes,
      slackSeconds: every.slackSeconds,
      take: (key, times, codes, n) => subjects.get(key)?.builder.feed(times, codes, n),
    },
    finish: () => {
      for (const { builder, rows: list, flush } of subjects.values()) {
        builder.finish();
        flush();
        for (const r of list) r.finish();
      }
      return rows;
    },
  };
}

/** Whether the scan bears out the range and clock cut a fold plan assumed (see foldPlan). */
function sameRange(
  assumed: { from: number; to: number; until: number },
  opts: AvailabilityOptions,
  zone: string,
  period: PeriodKind,
  now: number,
  scan: { firstTime: number | null; lastTime: number | null },
): boolean {
  let range: { from: number; to: number };
  try {
    range = reportRange(opts, zone, period, { first: scan.firstTime, last: scan.lastTime });
  } catch {
    return false;
  }
  const until = scan.lastTime !== null && scan.lastTime > now ? range.to : Math.min(range.to, Math.max(range.from, now));
  return range.from === assumed.from && range.to === assumed.to && until === assumed.until;
}

/** Build the availability report (see core/report-model.ts for the contract). */
export async function buildAvailabilityReport(opts: AvailabilityOptions): Promise<AvailabilityReport> {
  const { report, services } = await streamAvailabilityReport(opts);
  report.services = [...services];
  return report;
}

/**
 * The availability report with its service rows still to come: `services` computes them one by
 * one, in report order, so a renderer can write each and forget it (a big SLA's report is never
 * held whole). `report.services` is empty; `report.warnings` and `report.met` are final once
 * `services` has been iterated to the end (it can be iterated once).
 */
export interface StreamedReport {
  report: AvailabilityReport;
  services: Iterable<ServiceResult>;
}

/** Read the inputs and account the logs; the service rows are computed as `services` is iterated. */
export async function streamAvailabilityReport(opts: AvailabilityOptions): Promise<StreamedReport> {
  const sla = (await loadSla(opts.slaFile)).data;
  const zone = sla.timezone;
  const policy = policyOf(sla);
  const period = opts.period ?? sla.reporting?.period ?? 'month';
  if (!PERIODS.includes(period)) throw new ConfigError(`Expected \`--period\` to be one of ${PERIODS.join(', ')}, got \`${String(period)}\``);
  const now = Math.floor((opts.now ?? new Date()).getTime() / 1000);

  const files = [...opts.logs];
  if (opts.logDir) files.push(...(await logFilesIn(opts.logDir)));
  if (!files.length && !opts.incidents?.length) throw new ConfigError('Expected at least one --log, --log-dir or --incidents, got none');
  const ordered = await orderLogFiles([...new Set(files)]);

  const subjects: Subject[] = sla.services.map((s) => ({ host: s.monitor.host, service: s.monitor.service }));
  // With the range known before reading (--from and --to, or the logs' span from their first and
  // last lines) and no incident lists, the logs are accounted while they are read (flat memory);
  // else every event is kept.
  const span = opts.from !== undefined && opts.to !== undefined ? { first: null, last: null } : await predictSpan(ordered);
  const folding = foldPlan(opts, sla, policy, period, zone, now, span);
  let scan = await scanLogs(ordered, subjects, { strict: opts.strict, zone, onProgress: opts.onProgress, fold: folding?.fold });
  let accounted: Map<string, RunningTally> | null = null;
  if (folding && (scan.late || !sameRange(folding.assumed, opts, zone, period, now, scan))) {
    // a line far older than the lines before it, or a span or clock other than assumed:
    // account the exact way, every event kept
    scan = await scanLogs(ordered, subjects, { strict: opts.strict, zone });
  } else if (folding) accounted = folding.finish();
  opts.onAccounting?.(accounted ? 'while-reading' : 'exact');

  const incidents: Incident[] = [];
  const ids = sla.services.map((s) => s.id);
  for (const f of opts.incidents ?? []) incidents.push(...(await loadIncidents(f, zone, ids)));

  let first = scan.firstTime;
  let last = scan.lastTime;
  for (const inc of incidents) {
    first = first === null ? inc.start : Math.min(first, inc.start);
    last = last === null ? inc.end : Math.max(last, inc.end);
  }
  const { from, to } = reportRange(opts, zone, period, { first, last });
  // Service time after the clock has not happened yet, unless the logs go beyond the clock
  // (then the clock of the machine making the report is the thing that is wrong).
  const until = last !== null && last > now ? to : Math.min(to, Math.max(from, now));

  // period labels are the same for every service: format them once and share the strings
  const format = isoFormatter(zone);
  const iso = new Map<number, string>();
  const isoOf = (t: number) => {
    let text = iso.get(t);
    if (text === undefined) iso.set(t, (text = format(t)));
    return text;
  };

  const clocks = new Map<string, ServiceClock>();
  const clockFor = (hours: string) => {
    let c = clocks.get(hours);
    if (!c) {
      c = new ServiceClock(serviceWindows(sla.serviceHours[hours], { zone, ...sla.calendar }, from, until));
      clocks.set(hours, c);
    }
    return c;
  };

  const warnings: string[] = [];
  if (until < to) warnings.push(`The range ends after the report was made (${isoIn(now, zone)}): service time after that is not counted yet.`);
  const usesLeft = new Map<string, number>();
  for (const s of sla.services) {
    const key = subjectKey({ host: s.monitor.host, service: s.monitor.service });
    usesLeft.set(key, (usesLeft.get(key) ?? 0) + 1);
  }
  // the period rows are the same for every service (luxon once, not per service)
  const regular: PeriodRange[] = splitPeriods(from, to, zone, period);
  const withExams: PeriodRange[] = [...regular, ...examPeriods(sla.calendar?.examPeriods, from, to, zone)];
  const incidentsOf = new Map<string, Incident[]>();
  for (const inc of incidents) incidentsOf.set(inc.service, [...(incidentsOf.get(inc.service) ?? []), inc]);
  const report: AvailabilityReport = {
    generatedAt: isoIn(now, zone),
    sla: { file: opts.slaFile, customer: sla.parties?.customer?.name, provider: sla.parties?.provider?.name, timezone: zone },
    range: { from: isoIn(from, zone), to: isoIn(to, zone), period },
    policy: {
      ...policy,
      description: [
        ...describePolicy(policy),
        'Time while monitoring was not running (from a shutdown, or from the last logged line before an unannounced restart, until the next start) is unknown.',
      ],
    },
    inputs: scan.inputs,
    services: [],
    // set when the rows are done (the key is here for its place in the JSON)
    warnings: undefined,
    met: true,
  };
  function* rows(): Generator<ServiceResult> {
    for (const s of sla.services) {
      const key = subjectKey({ host: s.monitor.host, service: s.monitor.service });
      const own = incidentsOf.get(s.id) ?? [];
      const seen = scan.seen.has(key);
      if (!seen && !own.length)
        warnings.push(`Service ${s.id}: ${s.monitor.service ? `service ${s.monitor.service} on host ${s.monitor.host}` : `host ${s.monitor.host}`} has no state in the logs; its time is unknown.`);
      // A service known only from an incident list is up unless an incident says otherwise.
      const initialState: StateCode | undefined = !seen && own.length ? State.OK : undefined;
      const segments = accounted
        ? null
        : buildTimeline(withIncidents(scan.events.get(key), own), from, to, {
            softStates: policy.softStates,
            notRunning: 'unknown',
            initialState,
          });
      // the timeline is all that is needed from here on, once no later service monitors the same subject
      const left = (usesLeft.get(key) ?? 1) - 1;
      usesLeft.set(key, left);
      if (left === 0) scan.events.delete(key);
      const ranges = s.examTarget ? withExams : regular;
      for (const row of rowsOf(sla, s)) {
        const clock = clockFor(row.hours);
        const running = accounted?.get(rowKey(s.id, row.group));
        if (running) accounted!.delete(rowKey(s.id, row.group));
        const periods: PeriodResult[] = ranges.map((p, k) => {
          const t = running ? running.tally(k) : tally(segments!, clock, p.from, p.to, policy);
          const outages = running ? running.outages(k) : findOutages(segments!, clock, p.from, p.to, policy);
          const summary = summariseOutages(outages, t.upSeconds);
          const pct = availabilityPercent(t, policy);
          const counted = countedSeconds(t, policy);
          const target = p.kind === 'exam' ? s.examTarget! : s.target;
          const evaluated = evaluateTarget(target, { availabilityPercent: pct, ...summary });
          // sanctions follow measured misses only; no data is not a measured miss
          const reduction = priceReduction(evaluated.missed, sla.sanctions, s.subcontractor);
          // but service time with nothing countable cannot show the target was met
          if (pct === null && t.serviceSeconds > 0) {
            evaluated.met = false;
            evaluated.missed.unshift('availability');
          }
          return {
            from: isoOf(p.from),
            to: isoOf(p.to),
            kind: p.kind,
            ...(p.name ? { name: p.name } : {}),
            serviceSeconds: t.serviceSeconds,
            upSeconds: t.upSeconds,
            downSeconds: t.downSeconds,
            plannedSeconds: t.plannedSeconds,
            unknownSeconds: t.unknownSeconds,
            availabilityPercent: pct === null ? null : Math.round(pct * 10000) / 10000,
            countedSeconds: counted.total,
            countedUpSeconds: counted.up,
            ...summary,
            target: target.availability,
            ...(target.maxOutages !== undefined ? { maxOutages: target.maxOutages } : {}),
            ...(target.maxOutageMinutes !== undefined ? { maxOutageMinutes: target.maxOutageMinutes } : {}),
            met: evaluated.met,
            missed: evaluated.missed,
            priceReductionPercent: reduction,
            outageList: outages.map((o) => ({ start: format(o.start), end: format(o.end), serviceSeconds: o.serviceSeconds, state: o.state })),
          };
        });
        const result: ServiceResult = {
          id: s.id,
          ...(s.name ? { name: s.name } : {}),
          group: row.group,
          serviceHours: row.hours,
          monitor: { host: s.monitor.host, service: s.monitor.service ?? null },
          subcontractor: s.subcontractor ?? false,
          periods,
        };
        if (!periods.every((p) => p.met)) report.met = false;
        yield result;
      }
    }
    if (warnings.length) report.warnings = warnings;
    else delete report.warnings;
  }
  return { report, services: rows() };
}
