// Reporting periods: the report range split into weeks, months, quarters or years in the SLA's
// zone (local midnights, so a month is a calendar month on both sides of a DST change), plus
// exam periods as rows of their own.
import { DateTime, IANAZone } from 'luxon';
import { dateRangeInterval } from './calendar.ts';
import type { DateRange } from './sla.ts';

/** How the report range is split into rows. */
export type PeriodKind = 'week' | 'month' | 'quarter' | 'year' | 'whole';

/** One report row's time range (epoch seconds, [from, to)). */
export interface PeriodRange {
  from: number;
  to: number;
  kind: 'regular' | 'exam';
  /** exam period name */
  name?: string;
}

const UNIT = { week: 'week', month: 'month', quarter: 'quarter', year: 'year' } as const;

/** Split [from, to) at period boundaries in the zone; the first and last rows may be partial. */
export function splitPeriods(from: number, to: number, zone: string, period: PeriodKind): PeriodRange[] {
  if (to <= from) return [];
  if (period === 'whole') return [{ from, to, kind: 'regular' }];
  const unit = UNIT[period];
  const out: PeriodRange[] = [];
  let start = DateTime.fromSeconds(from, { zone });
  while (start.toSeconds() < to) {
    const next = start.startOf(unit).plus({ [`${unit}s`]: 1 });
    const end = Math.min(to, Math.round(next.toSeconds()));
    out.push({ from: Math.round(start.toSeconds()), to: end, kind: 'regular' });
    start = next;
  }
  return out;
}

/** The start of the period containing t, and the end of the period containing t (epoch seconds). */
export function periodBounds(t: number, zone: string, period: PeriodKind): { start: number; end: number } {
  const unit = period === 'whole' ? 'day' : UNIT[period];
  const dt = DateTime.fromSeconds(t, { zone }).startOf(unit);
  return { start: Math.round(dt.toSeconds()), end: Math.round(dt.plus({ [`${unit}s`]: 1 }).toSeconds()) };
}

/** Exam periods that overlap [from, to), each clipped to it. */
export function examPeriods(exams: DateRange[] | undefined, from: number, to: number, zone: string): PeriodRange[] {
  const out: PeriodRange[] = [];
  for (const e of exams ?? []) {
    const iv = dateRangeInterval(e, zone);
    const a = Math.max(iv.start, from);
    const b = Math.min(iv.end, to);
    if (b > a) out.push({ from: a, to: b, kind: 'exam', name: e.name });
  }
  return out;
}

/** ISO timestamp of epoch seconds in the zone, e.g. 2024-03-11T00:00:00.000+01:00. */
export function isoIn(t: number, zone: string): string {
  return DateTime.fromSeconds(t, { zone }).toISO() as string;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * A fast isoIn for one zone (same output), for formatting many timestamps: the zone's offset
 * comes from luxon, the rest is arithmetic, no DateTime objects.
 */
export function isoFormatter(zone: string): (t: number) => string {
  const z = IANAZone.create(zone);
  // luxon writes `Z` for fixed UTC zones (`UTC`) and +00:00 for zones that are at UTC for a while
  const zulu = isoIn(0, zone).endsWith('Z');
  // Offsets change at most once in a quarter of an hour (in practice: twice a year), and asking
  // luxon for one is slow (Intl), so remember them per quarter hour where both ends agree.
  // First per day (where both ends of the day agree, i.e. all days but the two DST changes),
  // then per quarter hour inside a day that changes.
  const days = new Map<number, number>();
  const quarters = new Map<number, number>();
  const offsetAt = (t: number) => {
    const day = Math.floor(t / 86400);
    let whole = days.get(day);
    if (whole === undefined) {
      const start = z.offset(day * 86400 * 1000);
      whole = start === z.offset((day * 86400 + 86399) * 1000) ? start : NaN;
      days.set(day, whole);
    }
    if (!Number.isNaN(whole)) return whole;
    const q = Math.floor(t / 900);
    let o = quarters.get(q);
    if (o === undefined) {
      const start = z.offset(q * 900 * 1000);
      o = start === z.offset((q * 900 + 899) * 1000) ? start : NaN;
      quarters.set(q, o);
    }
    return Number.isNaN(o) ? z.offset(t * 1000) : o;
  };
  // The text is written as character codes into one reused array and made into a string in one
  // step: a flat string of 24–29 bytes, where template literals would leave a tree of a dozen
  // concatenation nodes per timestamp (tens of megabytes for a big report's outage lists).
  const codes: number[] = [];
  const put = (at: number, n: number, width: number) => {
    for (let i = at + width - 1; i >= at; i--) {
      codes[i] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    }
  };
  const fixed = (at: number, text: string) => {
    for (let i = 0; i < text.length; i++) codes[at + i] = text.charCodeAt(i);
  };
  return (t: number) => {
    const offset = offsetAt(t); // minutes east of UTC
    const d = new Date((t + offset * 60) * 1000);
    const year = d.getUTCFullYear();
    if (year < 0 || year > 9999) {
      // outside four-digit years: the plain way (never in practice)
      const sign = offset < 0 ? '-' : '+';
      const abs = Math.abs(offset);
      const suffix = zulu && offset === 0 ? 'Z' : `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
      return `${pad(year, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.000${suffix}`;
    }
    put(0, year, 4);
    fixed(4, '-');
    put(5, d.getUTCMonth() + 1, 2);
    fixed(7, '-');
    put(8, d.getUTCDate(), 2);
    fixed(10, 'T');
    put(11, d.getUTCHours(), 2);
    fixed(13, ':');
    put(14, d.getUTCMinutes(), 2);
    fixed(16, ':');
    put(17, d.getUTCSeconds(), 2);
    fixed(19, '.000');
    if (zulu && offset === 0) {
      fixed(23, 'Z');
      codes.length = 24;
    } else {
      const abs = Math.abs(offset);
      fixed(23, offset < 0 ? '-' : '+');
      put(24, Math.floor(abs / 60), 2);
      fixed(26, ':');
      put(27, abs % 60, 2);
      codes.length = 29;
    }
    return String.fromCharCode.apply(null, codes);
  };
}
