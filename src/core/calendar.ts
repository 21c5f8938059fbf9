// Service time: the SLA's service-hour windows in its time zone, minus holidays and closures.
// Windows are built from local wall-clock times with luxon, so 08:00–18:00 stays 08:00–18:00 local
// (ten hours) on both sides of a DST change. Times are epoch seconds; intervals are [start, end).
import { DateTime } from 'luxon';
import type { DateRange, ServiceHours, Weekday } from './sla.ts';

/** A half-open interval of epoch seconds. */
export interface Interval {
  start: number;
  end: number;
}

/** The calendar parts that remove or mark service time. */
export interface CalendarSpec {
  zone: string;
  holidays?: string[];
  closures?: DateRange[];
}

const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function hm(text: string): { hour: number; minute: number } {
  const [hour, minute] = text.split(':').map(Number);
  return { hour, minute };
}

/** Epoch seconds of a local date (YYYY-MM-DD) at HH:MM in the zone; 24:00 is the next day's midnight. */
export function localTime(date: string, hhmm: string, zone: string): number {
  const { hour, minute } = hm(hhmm);
  let dt = DateTime.fromISO(date, { zone }).startOf('day');
  if (hour === 24) dt = dt.plus({ days: 1 });
  else dt = dt.set({ hour, minute });
  return Math.round(dt.toSeconds());
}

/** Epoch seconds of local midnight starting a date (YYYY-MM-DD) in the zone. */
export function localMidnight(date: string, zone: string): number {
  return Math.round(DateTime.fromISO(date, { zone }).startOf('day').toSeconds());
}

/** True when the local date is a holiday or inside a closure (both inclusive, by date). */
export function isClosedDay(date: string, cal: CalendarSpec): boolean {
  if (cal.holidays?.includes(date)) return true;
  return (cal.closures ?? []).some((c) => c.from <= date && date <= c.to);
}

/** Merge sorted intervals that touch or overlap. */
export function mergeIntervals(list: Interval[]): Interval[] {
  const sorted = [...list].sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const iv of sorted) {
    const last = out[out.length - 1];
    if (last && iv.start <= last.end) last.end = Math.max(last.end, iv.end);
    else if (iv.end > iv.start) out.push({ ...iv });
  }
  return out;
}

/**
 * Service-time windows of one service-hours definition inside [from, to) (epoch seconds),
 * with holidays and closures removed, merged and sorted.
 */
export function serviceWindows(hours: ServiceHours, cal: CalendarSpec, from: number, to: number): Interval[] {
  const zone = cal.zone;
  const windows = hours === '24x7' ? [{ days: WEEKDAYS, from: '00:00', to: '24:00' }] : Array.isArray(hours) ? hours : [hours];
  const out: Interval[] = [];
  let day = DateTime.fromSeconds(from, { zone }).startOf('day');
  const last = DateTime.fromSeconds(to, { zone });
  while (day < last) {
    const date = day.toISODate() as string;
    if (!isClosedDay(date, cal)) {
      const wd = WEEKDAYS[day.weekday - 1];
      for (const w of windows) {
        if (!w.days.includes(wd)) continue;
        const start = Math.max(from, localTime(date, w.from, zone));
        const end = Math.min(to, localTime(date, w.to, zone));
        if (end > start) out.push({ start, end });
      }
    }
    day = day.plus({ days: 1 });
  }
  return mergeIntervals(out);
}

/** A date range (inclusive local dates) as [midnight of from, midnight after to) in epoch seconds. */
export function dateRangeInterval(range: { from: string; to: string }, zone: string): Interval {
  const end = DateTime.fromISO(range.to, { zone }).startOf('day').plus({ days: 1 });
  return { start: localMidnight(range.from, zone), end: Math.round(end.toSeconds()) };
}

/**
 * Cumulative service seconds over sorted, disjoint windows, so the service time inside any
 * [a, b) is `at(b) - at(a)` in O(log n).
 */
export class ServiceClock {
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  private readonly before: Float64Array;

  constructor(readonly windows: Interval[]) {
    const n = windows.length;
    this.starts = new Float64Array(n);
    this.ends = new Float64Array(n);
    this.before = new Float64Array(n + 1);
    let acc = 0;
    windows.forEach((w, i) => {
      this.starts[i] = w.start;
      this.ends[i] = w.end;
      this.before[i] = acc;
      acc += w.end - w.start;
    });
    this.before[n] = acc;
  }

  /** Service seconds from the beginning of time up to t. */
  at(t: number): number {
    let lo = 0;
    let hi = this.starts.length;
    // first window with start > t
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return 0;
    const i = lo - 1;
    return this.before[i] + Math.min(t, this.ends[i]) - this.starts[i];
  }

  /** Service seconds inside [a, b). */
  between(a: number, b: number): number {
    return b > a ? this.at(b) - this.at(a) : 0;
  }
}
