// Where Debian's avail.cgi 4.4.6 is wrong, we are right: each case runs avail.cgi on a small log, shows
// that it differs from us, and asserts OUR answer, computed by hand in the comments.
// (See ../shared/guides/AVAIL-CGI.md, "Known behaviour of 4.4.6", items 1–3 and 5.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildAvailabilityReport } from '../../src/app/availability-report.ts';
import { AvailCgi, WORKHOURS, needAvailCgi, toOurTerms, type TimePeriod } from '../support/avail-cgi.ts';

const have = needAvailCgi();
const work = mkdtempSync(join(tmpdir(), 'avail-bugs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const utc = (iso: string) => Date.parse(iso) / 1000;
const HOSTS = [{ name: 'tjener', services: ['NFS'] }];

/** A log from [ISO time, text] lines (the times carry their own offset). */
function log(lines: [string, string][]): string {
  return lines.map(([t, text]) => `[${utc(t)}] ${text}`).join('\n') + '\n';
}

/** Our report for host `tjener` with `extended` hours (Mon–Fri 08:00–18:00) in `zone`, one period. */
async function ourRow(name: string, text: string, zone: string, from: string, to: string, calendar = '') {
  const dir = mkdtempSync(join(work, `${name}-`));
  writeFileSync(join(dir, 'nagios.log'), text);
  writeFileSync(join(dir, 'sla.yaml'), [
    'version: continuity/v1', 'kind: sla', `timezone: ${zone}`, calendar,
    'serviceHours:', '  extended: { days: [mon, tue, wed, thu, fri], from: "08:00", to: "18:00" }',
    'services:', '  - { id: main-server, monitor: { host: tjener }, serviceHours: extended, target: { availability: 99.5 } }', '',
  ].join('\n'));
  const report = await buildAvailabilityReport({ slaFile: join(dir, 'sla.yaml'), logs: [join(dir, 'nagios.log')], from, to, period: 'whole', now: new Date() });
  const p = report.services[0].periods[0];
  return { dir, ours: { up: p.upSeconds, down: p.downSeconds, planned: p.plannedSeconds, unknown: p.unknownSeconds, total: p.serviceSeconds }, period: p };
}

async function cgiRow(dir: string, zone: string, t1: string, t2: string, rpttimeperiod: string, periods: TimePeriod[]) {
  const cgi = AvailCgi.setup({ hosts: HOSTS, log: join(dir, 'nagios.log'), timeperiods: periods });
  try {
    const [row] = await cgi.query({ host: 'tjener', t1: utc(t1), t2: utc(t2), tz: zone, rpttimeperiod });
    return { raw: row.seconds, terms: toOurTerms(row) };
  } finally {
    cgi.cleanup();
  }
}

const start = (t: string): [string, string][] => [
  [t, 'Nagios 4.4.6 starting... (PID=4242)'],
  [t, 'INITIAL HOST STATE: tjener;UP;HARD;1;PING OK'],
  [t, 'INITIAL SERVICE STATE: tjener;NFS;OK;HARD;1;NFS OK'],
];

describe.skipIf(!have)('where avail.cgi 4.4.6 is wrong, our answer is the right one', () => {
  it('holidays: avail.cgi ignores the date exceptions of the report time period and counts an outage on a holiday', async () => {
    // Week of Mon 2024-03-04 (UTC), Wed 2024-03-06 is a holiday. Outages: Wed 10:00–12:00 (holiday), Thu 10:00–11:00.
    const text = log([
      ...start('2024-03-04T00:00:00Z'),
      ['2024-03-06T10:00:00Z', 'HOST ALERT: tjener;DOWN;HARD;3;PING CRITICAL'],
      ['2024-03-06T12:00:00Z', 'HOST ALERT: tjener;UP;HARD;1;PING OK'],
      ['2024-03-07T10:00:00Z', 'HOST ALERT: tjener;DOWN;HARD;3;PING CRITICAL'],
      ['2024-03-07T11:00:00Z', 'HOST ALERT: tjener;UP;HARD;1;PING OK'],
    ]);
    const { dir, ours, period } = await ourRow('holiday', text, 'UTC', '2024-03-04', '2024-03-09', 'calendar: { holidays: [2024-03-06] }');
    // Ours: 4 working days × 10 h = 144000 s of service time; only Thursday's hour is down.
    expect(ours).toEqual({ total: 144_000, up: 140_400, down: 3_600, planned: 0, unknown: 0 });
    expect(period.outages).toBe(1);

    // avail.cgi, with the holiday excluded the Nagios way (a `holidays` period and `exclude holidays`):
    const holidays: TimePeriod = { name: 'holidays', lines: ['2024-03-06 00:00-24:00'] };
    const school: TimePeriod = { name: 'schooldays', lines: [...WORKHOURS.lines, 'exclude holidays'] };
    const cgi = await cgiRow(dir, 'UTC', '2024-03-04T00:00:00Z', '2024-03-09T00:00:00Z', 'schooldays', [holidays, school]);
    // it still counts Wednesday: 5 × 10 h, and both outages (3 h down)
    expect(cgi.terms).toEqual({ total: 180_000, up: 169_200, down: 10_800, planned: 0, unknown: 0 });
    expect(cgi.terms).not.toEqual(ours);
  });

  it('DST: for a state that began before the change to summer time (Europe/Oslo, 2024-03-31), avail.cgi shifts the 08:00–18:00 window by an hour', async () => {
    // Mon 2024-03-25 … Fri 2024-04-05, local time Europe/Oslo (CET +01:00; CEST +02:00 from Sun 31 March 02:00).
    // One outage over the weekend of the change: Fri 29 March 17:00 CET → Tue 2 April 08:30 CEST.
    const text = log([
      ...start('2024-03-25T00:00:00+01:00'),
      ['2024-03-29T17:00:00+01:00', 'HOST ALERT: tjener;DOWN;HARD;3;PING CRITICAL'],
      ['2024-04-02T08:30:00+02:00', 'HOST ALERT: tjener;UP;HARD;1;PING OK'],
    ]);
    const { dir, ours, period } = await ourRow('dst', text, 'Europe/Oslo', '2024-03-25', '2024-04-06');
    // Ours, 08:00–18:00 local on both sides of the change: 10 weekdays × 10 h = 360000 s of service time;
    // down = Fri 17:00–18:00 (3600) + Mon 1 April 08:00–18:00 (36000) + Tue 08:00–08:30 (1800) = 41400 s, one outage.
    expect(ours).toEqual({ total: 360_000, up: 318_600, down: 41_400, planned: 0, unknown: 0 });
    expect(period.outages).toBe(1);
    expect(period.longestOutageSeconds).toBe(41_400);

    const cgi = await cgiRow(dir, 'Europe/Oslo', '2024-03-25T00:00:00+01:00', '2024-04-06T00:00:00+02:00', 'workhours', [WORKHOURS]);
    // avail.cgi steps a state interval's days by 86400 s from the local midnight where the interval began, so
    // inside the outage (begun in CET) the days after the change start at 01:00 CEST and "08:00–18:00" is
    // 09:00–19:00: it counts Monday as 10 h but misses Tuesday 08:00–08:30 of the outage, and reports
    // those 1800 s as "undetermined" instead of down.
    expect(cgi.terms).toEqual({ total: 360_000, up: 318_600, down: 39_600, planned: 0, unknown: 1_800 });
    expect(cgi.terms).not.toEqual(ours);
  });

  it('downtime crossing 18:00: avail.cgi counts all of it as scheduled and drives "unscheduled" negative', async () => {
    // Mon 2024-03-04 (UTC). Scheduled downtime 17:00–23:00; inside it the host goes DOWN 17:30–22:00.
    const text = log([
      ...start('2024-03-04T00:00:00Z'),
      ['2024-03-04T17:00:00Z', 'HOST DOWNTIME ALERT: tjener;STARTED; Host has entered a period of scheduled downtime'],
      ['2024-03-04T17:30:00Z', 'HOST ALERT: tjener;DOWN;HARD;3;PING CRITICAL'],
      ['2024-03-04T22:00:00Z', 'HOST ALERT: tjener;UP;HARD;1;PING OK'],
      ['2024-03-04T23:00:00Z', 'HOST DOWNTIME ALERT: tjener;STOPPED; Host has exited from a period of scheduled downtime'],
    ]);
    const { dir, ours, period } = await ourRow('downtime', text, 'UTC', '2024-03-04', '2024-03-05');
    // Ours: 10 h of service time; 17:00–18:00 is planned (excluded), the rest up: 32400 / (36000 − 3600) = 100 %.
    expect(ours).toEqual({ total: 36_000, up: 32_400, down: 0, planned: 3_600, unknown: 0 });
    expect(period.availabilityPercent).toBe(100);
    expect(period.outages).toBe(0);

    const cgi = await cgiRow(dir, 'UTC', '2024-03-04T00:00:00Z', '2024-03-05T00:00:00Z', 'workhours', [WORKHOURS]);
    // avail.cgi: scheduled seconds ignore the report period (17:00–23:00 = 21600 s counted), then
    // unscheduled = in-window − scheduled goes below zero.
    const r = cgi.raw;
    expect(r.TIME_UP_SCHEDULED + r.TIME_DOWN_SCHEDULED).toBe(21_600);
    expect(Math.min(r.TIME_UP_UNSCHEDULED, r.TIME_DOWN_UNSCHEDULED)).toBeLessThan(0);
    expect(cgi.terms).not.toEqual(ours);
  });
  it('a state change inside a downtime: avail.cgi counts the problem time inside the downtime as unplanned down', async () => {
    // Mon 2024-03-04 (UTC). NFS on tjener CRITICAL from 10:00; scheduled downtime of the host 13:00–14:00;
    // NFS recovers at 13:30, inside the downtime. (Found by bench/availability on generated data.)
    const text = log([
      ...start('2024-03-04T00:00:00Z'),
      ['2024-03-04T10:00:00Z', 'SERVICE ALERT: tjener;NFS;CRITICAL;HARD;3;NFS CRITICAL'],
      ['2024-03-04T13:00:00Z', 'HOST DOWNTIME ALERT: tjener;STARTED; Host has entered a period of scheduled downtime'],
      ['2024-03-04T13:30:00Z', 'SERVICE ALERT: tjener;NFS;OK;HARD;1;NFS OK'],
      ['2024-03-04T14:00:00Z', 'HOST DOWNTIME ALERT: tjener;STOPPED; Host has exited from a period of scheduled downtime'],
    ]);
    const dir = mkdtempSync(join(work, 'inside-'));
    writeFileSync(join(dir, 'nagios.log'), text);
    writeFileSync(join(dir, 'sla.yaml'), [
      'version: continuity/v1', 'kind: sla', 'timezone: UTC',
      'serviceHours:', '  extended: { days: [mon, tue, wed, thu, fri], from: "08:00", to: "18:00" }',
      'services:', '  - { id: nfs, monitor: { host: tjener, service: NFS }, serviceHours: extended, target: { availability: 99.5 } }', '',
    ].join('\n'));
    const report = await buildAvailabilityReport({ slaFile: join(dir, 'sla.yaml'), logs: [join(dir, 'nagios.log')], from: '2024-03-04', to: '2024-03-05', period: 'whole', now: new Date() });
    const p = report.services[0].periods[0];
    // Ours: down 10:00–13:00 (10800 s), the downtime hour is planned whatever the state (3600 s), up the rest
    // of 08:00–18:00: 36000 − 10800 − 3600 = 21600 s.
    expect({ up: p.upSeconds, down: p.downSeconds, planned: p.plannedSeconds, unknown: p.unknownSeconds, total: p.serviceSeconds })
      .toEqual({ total: 36_000, up: 21_600, down: 10_800, planned: 3_600, unknown: 0 });

    const cgi = AvailCgi.setup({ hosts: HOSTS, log: join(dir, 'nagios.log'), timeperiods: [WORKHOURS] });
    try {
      const [row] = await cgi.query({ host: 'tjener', service: 'NFS', t1: utc('2024-03-04T00:00:00Z'), t2: utc('2024-03-05T00:00:00Z'), tz: 'UTC', rpttimeperiod: 'workhours' });
      // avail.cgi: CRITICAL until 13:30 unscheduled (12600 s), yet the whole hour also as scheduled OK (3600 s),
      // so 1800 s are counted twice and "up" is 1800 s short.
      expect(toOurTerms(row)).toEqual({ total: 36_000, up: 19_800, down: 12_600, planned: 3_600, unknown: 0 });
      expect(row.seconds.TIME_OK_SCHEDULED).toBe(3_600);
    } finally {
      cgi.cleanup();
    }
  });
});
