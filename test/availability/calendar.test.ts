// Service time: windows in local time across DST changes, holidays and closures removed,
// reporting periods and exam periods in the SLA zone.
import { describe, expect, it } from 'vitest';
import { ServiceClock, serviceWindows } from '../../src/core/calendar.ts';
import { examPeriods, isoFormatter, isoIn, splitPeriods } from '../../src/core/periods.ts';
import { at } from './support/scenario.ts';

const zone = 'Europe/Oslo';
const weekdays = { days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, from: '08:00', to: '18:00' };
const hours = { ...weekdays, days: [...weekdays.days] };

describe('service-hour windows across DST (Europe/Oslo)', () => {
  it('spring forward (Sun 29 Mar 2026): every window stays 08:00–18:00 local, 10 h', () => {
    const w = serviceWindows(hours, { zone }, at('2026-03-23T00:00'), at('2026-04-04T00:00'));
    expect(w).toHaveLength(10);
    for (const iv of w) {
      expect(iv.end - iv.start).toBe(36000);
      expect(isoIn(iv.start, zone).slice(11, 16)).toBe('08:00');
      expect(isoIn(iv.end, zone).slice(11, 16)).toBe('18:00');
    }
    // the Monday after the change starts at 06:00 UTC, the Friday before at 07:00 UTC
    expect(new Date(w[4].start * 1000).toISOString()).toBe('2026-03-27T07:00:00.000Z');
    expect(new Date(w[5].start * 1000).toISOString()).toBe('2026-03-30T06:00:00.000Z');
  });

  it('fall back (Sun 25 Oct 2026): every window stays 08:00–18:00 local, 10 h', () => {
    const w = serviceWindows(hours, { zone }, at('2026-10-19T00:00'), at('2026-10-31T00:00'));
    expect(w.map((iv) => iv.end - iv.start)).toEqual(Array(10).fill(36000));
    expect(new Date(w[4].start * 1000).toISOString()).toBe('2026-10-23T06:00:00.000Z');
    expect(new Date(w[5].start * 1000).toISOString()).toBe('2026-10-26T07:00:00.000Z');
  });

  it('24x7 service time is 23 h on the spring-forward day and 25 h on the fall-back day', () => {
    const clock = (d: string, next: string) => new ServiceClock(serviceWindows('24x7', { zone }, at(`${d}T00:00`), at(`${next}T00:00`)));
    expect(clock('2026-03-29', '2026-03-30').between(at('2026-03-29T00:00'), at('2026-03-30T00:00'))).toBe(23 * 3600);
    expect(clock('2026-10-25', '2026-10-26').between(at('2026-10-25T00:00'), at('2026-10-26T00:00'))).toBe(25 * 3600);
  });

  it('a window ending at 24:00 ends at the next local midnight', () => {
    const w = serviceWindows({ days: ['sun'], from: '20:00', to: '24:00' }, { zone }, at('2026-10-25T00:00'), at('2026-10-27T00:00'));
    expect(w).toEqual([{ start: at('2026-10-25T20:00'), end: at('2026-10-26T00:00') }]);
  });
});

describe('holidays and closures', () => {
  it('removes holidays and inclusive closure days from service time', () => {
    const cal = { zone, holidays: ['2026-12-25'], closures: [{ name: 'Christmas break', from: '2026-12-21', to: '2027-01-03' }] };
    const from = at('2026-12-14T00:00');
    const to = at('2027-01-09T00:00');
    const w = serviceWindows(hours, cal, from, to);
    const days = w.map((iv) => isoIn(iv.start, zone).slice(0, 10));
    expect(days).toEqual(['2026-12-14', '2026-12-15', '2026-12-16', '2026-12-17', '2026-12-18', '2027-01-04', '2027-01-05', '2027-01-06', '2027-01-07', '2027-01-08']);
    expect(new ServiceClock(w).between(from, to)).toBe(10 * 36000);
  });

  it('a holiday on a weekday of a 24x7 service removes the whole local day', () => {
    const w = serviceWindows('24x7', { zone, holidays: ['2026-05-01'] }, at('2026-04-30T00:00'), at('2026-05-03T00:00'));
    expect(w).toEqual([
      { start: at('2026-04-30T00:00'), end: at('2026-05-01T00:00') },
      { start: at('2026-05-02T00:00'), end: at('2026-05-03T00:00') },
    ]);
  });
});

describe('ServiceClock', () => {
  it('counts service seconds inside any interval, windows clipped', () => {
    const clock = new ServiceClock([
      { start: 100, end: 200 },
      { start: 300, end: 400 },
    ]);
    expect(clock.between(0, 1000)).toBe(200);
    expect(clock.between(150, 350)).toBe(100);
    expect(clock.between(200, 300)).toBe(0);
    expect(clock.between(399, 401)).toBe(1);
  });
});

describe('reporting periods', () => {
  it('months are local calendar months on both sides of a DST change', () => {
    const p = splitPeriods(at('2026-03-01T00:00'), at('2026-05-01T00:00'), zone, 'month');
    expect(p.map((x) => [isoIn(x.from, zone), isoIn(x.to, zone)])).toEqual([
      ['2026-03-01T00:00:00.000+01:00', '2026-04-01T00:00:00.000+02:00'],
      ['2026-04-01T00:00:00.000+02:00', '2026-05-01T00:00:00.000+02:00'],
    ]);
    expect(p[0].to - p[0].from).toBe(31 * 86400 - 3600);
  });

  it('weeks start on Monday, quarters and years on their first day; partial edges are kept', () => {
    const w = splitPeriods(at('2026-11-04T00:00'), at('2026-11-20T00:00'), zone, 'week');
    expect(w.map((x) => isoIn(x.from, zone).slice(0, 10))).toEqual(['2026-11-04', '2026-11-09', '2026-11-16']);
    const q = splitPeriods(at('2026-02-01T00:00'), at('2026-08-01T00:00'), zone, 'quarter');
    expect(q.map((x) => isoIn(x.from, zone).slice(0, 10))).toEqual(['2026-02-01', '2026-04-01', '2026-07-01']);
    const y = splitPeriods(at('2026-06-01T00:00'), at('2027-03-01T00:00'), zone, 'year');
    expect(y.map((x) => isoIn(x.to, zone).slice(0, 10))).toEqual(['2027-01-01', '2027-03-01']);
    expect(splitPeriods(at('2026-06-01T00:00'), at('2027-03-01T00:00'), zone, 'whole')).toHaveLength(1);
  });

  it('exam periods are rows of their own, inclusive dates, clipped to the range', () => {
    const rows = examPeriods([{ name: 'Spring exams', from: '2027-05-18', to: '2027-06-18' }], at('2027-06-01T00:00'), at('2027-07-01T00:00'), zone);
    expect(rows).toEqual([{ from: at('2027-06-01T00:00'), to: at('2027-06-19T00:00'), kind: 'exam', name: 'Spring exams' }]);
  });
});

describe('timestamps in the report', () => {
  it('the fast formatter writes what luxon writes, across DST changes and in zones west of UTC', () => {
    for (const z of ['Europe/Oslo', 'America/New_York', 'UTC', 'Etc/UTC', 'Europe/London', 'Asia/Kolkata']) {
      const f = isoFormatter(z);
      for (let t = at('2026-03-28T00:00', z); t < at('2026-03-30T00:00', z); t += 1777) expect(f(t)).toBe(isoIn(t, z));
      for (let t = at('2026-10-24T00:00', z); t < at('2026-11-03T00:00', z); t += 3607) expect(f(t)).toBe(isoIn(t, z));
    }
  });
});
