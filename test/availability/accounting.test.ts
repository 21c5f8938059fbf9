// Availability accounting as a user sees it in the report: outages across nights and weekends,
// downtime across window edges, SOFT/HARD, restarts and gaps, out-of-order lines, and every
// policy variant. Real log lines, real SLA files, the report builder end to end.
import { describe, expect, it } from 'vitest';
import { buildAvailabilityReport } from '../../src/app/availability-report.ts';
import type { PeriodResult } from '../../src/core/report-model.ts';
import { logLines, slaYaml, writeScenario } from './support/scenario.ts';

const now = new Date('2027-01-01T00:00:00Z');
const HOUR = 3600;

/** The single report row for a week of Mon 16 – Fri 20 Nov 2026, 08:00–18:00 Europe/Oslo. */
async function week(
  entries: [string, string][],
  opts: { accounting?: string; monitor?: string; from?: string; to?: string; hours?: string } = {},
): Promise<PeriodResult> {
  const monitor = opts.monitor ?? '{ host: tjener }';
  const start: [string, string][] = monitor.includes('service')
    ? [['2026-11-16T00:00', 'CURRENT SERVICE STATE: tjener;NFS;OK;HARD;1;ok']]
    : [['2026-11-16T00:00', 'CURRENT HOST STATE: tjener;UP;HARD;1;PING OK']];
  const s = writeScenario(slaYaml({ accounting: opts.accounting, monitor, hours: opts.hours }), logLines([...start, ...entries]));
  const r = await buildAvailabilityReport({ slaFile: s.sla, logs: [s.log], from: opts.from ?? '2026-11-16', to: opts.to ?? '2026-11-21', period: 'whole', now });
  expect(r.services).toHaveLength(1);
  expect(r.services[0].periods).toHaveLength(1);
  return r.services[0].periods[0];
}

describe('outages across nights and weekends', () => {
  it('17:30 → 09:00 next day is ONE outage of 90 service minutes (08:00–18:00)', async () => {
    const p = await week([
      ['2026-11-18T17:30', 'HOST ALERT: tjener;DOWN;HARD;3;CRITICAL - Host Unreachable'],
      ['2026-11-19T09:00', 'HOST ALERT: tjener;UP;HARD;1;PING OK'],
    ]);
    expect(p.serviceSeconds).toBe(50 * HOUR);
    expect(p.outages).toBe(1);
    expect(p.downSeconds).toBe(90 * 60);
    expect(p.longestOutageSeconds).toBe(90 * 60);
    expect(p.mttrSeconds).toBe(90 * 60);
    expect(p.upSeconds).toBe(50 * HOUR - 90 * 60);
    expect(p.mtbfSeconds).toBe(50 * HOUR - 90 * 60);
    expect(p.outageList).toEqual([{ start: '2026-11-18T17:30:00.000+01:00', end: '2026-11-19T09:00:00.000+01:00', serviceSeconds: 5400, state: 'DOWN' }]);
  });

  it('Friday 17:00 → Monday 08:30 is one outage of 90 service minutes', async () => {
    const p = await week(
      [
        ['2026-11-20T17:00', 'HOST ALERT: tjener;DOWN;HARD;3;CRITICAL'],
        ['2026-11-23T08:30', 'HOST ALERT: tjener;UP;HARD;1;PING OK'],
      ],
      { to: '2026-11-28' },
    );
    expect(p.outages).toBe(1);
    expect(p.downSeconds).toBe(90 * 60);
    expect(p.outageList[0].start).toBe('2026-11-20T17:00:00.000+01:00');
    expect(p.outageList[0].end).toBe('2026-11-23T08:30:00.000+01:00');
  });

  it('an outage entirely outside service time is no outage', async () => {
    const p = await week([
      ['2026-11-18T19:00', 'HOST ALERT: tjener;DOWN;HARD;3;CRITICAL'],
      ['2026-11-19T07:00', 'HOST ALERT: tjener;UP;HARD;1;PING OK'],
    ]);
    expect(p.outages).toBe(0);
    expect(p.downSeconds).toBe(0);
    expect(p.availabilityPercent).toBe(100);
  });

  it('a change from DOWN to UNREACHABLE continues the same outage; two separate failures are two', async () => {
    const p = await week([
      ['2026-11-17T10:00', 'HOST ALERT: tjener;DOWN;HARD;3;CRITICAL'],
      ['2026-11-17T10:20', 'HOST ALERT: tjener;UNREACHABLE;HARD;3;CRITICAL'],
      ['2026-11-17T10:30', 'HOST ALERT: tjener;UP;HARD;1;OK'],
      ['2026-11-19T14:00', 'HOST ALERT: tjener;DOWN;HARD;3;CRITICAL'],
      ['2026-11-19T14:10', 'HOST ALERT: tjener;UP;HARD;1;OK'],
    ]);
    expect(p.outages).toBe(2);
    expect(p.downSeconds).toBe(40 * 60);
    expect(p.longestOutageSeconds).toBe(30 * 60);
    expect(p.mttrSeconds).toBe(20 * 60);
  });
});

describe('scheduled downtime', () => {
  it('downtime crossing the start of a window counts only its service part as planned, and is not an outage', async () => {
    const p = await week([
      ['2026-11-17T07:00', 'HOST DOWNTIME ALERT: tjener;STARTED; Host has entered a period of scheduled downtime'],
      ['2026-11-17T07:30', 'HOST ALERT: tjener;DOWN;HARD;1;CRITICAL'],
      ['2026-11-17T08:30', 'HOST ALERT: tjener;UP;HARD;1;OK'],
      ['2026-11-17T09:00', 'HOST DOWNTIME ALERT: tjener;STOPPED; Host has exited from a period of scheduled downtime'],
    ]);
    expect(p.plannedSeconds).toBe(HOUR);
    expect(p.downSeconds).toBe(0);
    expect(p.outages).toBe(0);
    expect(p.availabilityPercent).toBe(100);
  });

  it('downtime crossing the end of a window; a failure that outlasts the downtime becomes an outage', async () => {
    const p = await week([
      ['2026-11-18T17:00', 'HOST DOWNTIME ALERT: tjener;STARTED; Host has entered a period of scheduled downtime'],
      ['2026-11-18T17:10', 'HOST ALERT: tjener;DOWN;HARD;1;CRITICAL'],
      ['2026-11-18T19:00', 'HOST DOWNTIME ALERT: tjener;CANCELLED; Scheduled downtime for host has been cancelled.'],
      ['2026-11-19T08:20', 'HOST ALERT: tjener;UP;HARD;1;OK'],
    ]);
    expect(p.plannedSeconds).toBe(HOUR);
    expect(p.downSeconds).toBe(20 * 60);
    expect(p.outages).toBe(1);
    expect(p.outageList[0].start).toBe('2026-11-18T19:00:00.000+01:00');
  });

  it("a host's downtime is planned time for its services too", async () => {
    const p = await week(
      [
        ['2026-11-17T10:00', 'HOST DOWNTIME ALERT: tjener;STARTED; Host has entered a period of scheduled downtime'],
        ['2026-11-17T10:05', 'SERVICE ALERT: tjener;NFS;CRITICAL;HARD;1;nfsd down'],
        ['2026-11-17T10:50', 'SERVICE ALERT: tjener;NFS;OK;HARD;1;ok'],
        ['2026-11-17T11:00', 'HOST DOWNTIME ALERT: tjener;STOPPED; Host has exited from a period of scheduled downtime'],
      ],
      { monitor: '{ host: tjener, service: NFS }' },
    );
    expect(p.plannedSeconds).toBe(HOUR);
    expect(p.downSeconds).toBe(0);
    expect(p.outages).toBe(0);
  });

  const dayWithDowntimeAndOutage: [string, string][] = [
    ['2026-11-17T10:00', 'HOST DOWNTIME ALERT: tjener;STARTED; Host has entered a period of scheduled downtime'],
    ['2026-11-17T11:00', 'HOST DOWNTIME ALERT: tjener;STOPPED; Host has exited from a period of scheduled downtime'],
    ['2026-11-17T13:00', 'HOST ALERT: tjener;DOWN;HARD;3;CRITICAL'],
    ['2026-11-17T13:30', 'HOST ALERT: tjener;UP;HARD;1;OK'],
  ];
  const oneDay = { from: '2026-11-17', to: '2026-11-18' };
  it('scheduledDowntime: exclude (default) leaves planned time out of the denominator', async () => {
    const p = await week(dayWithDowntimeAndOutage, oneDay);
    expect([p.serviceSeconds, p.upSeconds, p.downSeconds, p.plannedSeconds]).toEqual([36000, 30600, 1800, 3600]);
    expect(p.availabilityPercent).toBeCloseTo((100 * 30600) / 32400, 4);
  });
  it('scheduledDowntime: up counts planned time as available', async () => {
    const p = await week(dayWithDowntimeAndOutage, { ...oneDay, accounting: '{ scheduledDowntime: up }' });
    expect(p.availabilityPercent).toBe(95);
  });
  it('scheduledDowntime: down counts planned time as unavailable (but not as an outage)', async () => {
    const p = await week(dayWithDowntimeAndOutage, { ...oneDay, accounting: '{ scheduledDowntime: down }' });
    expect(p.availabilityPercent).toBe(85);
    expect(p.outages).toBe(1);
  });
});

describe('SOFT and HARD states', () => {
  const retries: [string, string][] = [
    ['2026-11-17T10:00', 'HOST ALERT: tjener;DOWN;SOFT;1;CRITICAL'],
    ['2026-11-17T10:01', 'HOST ALERT: tjener;DOWN;SOFT;2;CRITICAL'],
    ['2026-11-17T10:02', 'HOST ALERT: tjener;DOWN;HARD;3;CRITICAL'],
    ['2026-11-17T10:10', 'HOST ALERT: tjener;UP;HARD;1;OK'],
    ['2026-11-18T11:00', 'HOST ALERT: tjener;DOWN;SOFT;1;CRITICAL'],
    ['2026-11-18T11:01', 'HOST ALERT: tjener;UP;SOFT;2;OK'],
  ];
  it('softStates: ignore counts from the HARD state; a SOFT blip that recovers is nothing', async () => {
    const p = await week(retries);
    expect(p.downSeconds).toBe(8 * 60);
    expect(p.outages).toBe(1);
  });
  it('softStates: count counts from the first failed check, blips included', async () => {
    const p = await week(retries, { accounting: '{ softStates: count }' });
    expect(p.downSeconds).toBe(10 * 60 + 60);
    expect(p.outages).toBe(2);
  });
});

describe('monitoring restarts and gaps', () => {
  const restart: [string, string][] = [
    ['2026-11-17T10:00', 'Caught SIGTERM, shutting down...'],
    ['2026-11-17T10:00', 'Successfully shutdown... (PID=1312)'],
    ['2026-11-17T10:05', 'Nagios 4.4.6 starting... (PID=2207)'],
  ];
  it('time while Nagios was not running is unknown, excluded by default', async () => {
    const p = await week(restart, { from: '2026-11-17', to: '2026-11-18' });
    expect(p.unknownSeconds).toBe(300);
    expect(p.upSeconds).toBe(36000 - 300);
    expect(p.availabilityPercent).toBe(100);
  });
  it('unknown: up counts it as available, unknown: down as unavailable', async () => {
    const up = await week(restart, { from: '2026-11-17', to: '2026-11-18', accounting: '{ unknown: up }' });
    expect(up.availabilityPercent).toBe(100);
    expect(up.countedSeconds).toBe(36000);
    const down = await week(restart, { from: '2026-11-17', to: '2026-11-18', accounting: '{ unknown: down }' });
    expect(down.availabilityPercent).toBeCloseTo((100 * 35700) / 36000, 4);
    expect(down.outages).toBe(0);
  });
  it('a restart without a logged shutdown (crash) is unknown from the last logged line', async () => {
    const p = await week(
      [
        ['2026-11-17T09:00', 'SERVICE ALERT: tjener;Disk /home;WARNING;HARD;3;disk 91% full'],
        ['2026-11-17T11:00', 'Nagios 4.4.6 starting... (PID=611)'],
      ],
      { from: '2026-11-17', to: '2026-11-18' },
    );
    expect(p.unknownSeconds).toBe(2 * HOUR);
  });
  it('"Bailing out" stops monitoring until the next start', async () => {
    const p = await week(
      [
        ['2026-11-17T12:00', 'Bailing out due to errors encountered while trying to initialize the external command file worker'],
        ['2026-11-17T12:30', 'Nagios 4.4.6 starting... (PID=77)'],
      ],
      { from: '2026-11-17', to: '2026-11-18' },
    );
    expect(p.unknownSeconds).toBe(30 * 60);
  });
  it('an outage interrupted by a monitoring restart is still one outage', async () => {
    const p = await week([
      ['2026-11-17T10:00', 'HOST ALERT: tjener;DOWN;HARD;3;CRITICAL'],
      ['2026-11-17T10:20', 'Caught SIGTERM, shutting down...'],
      ['2026-11-17T10:25', 'Nagios 4.4.6 starting... (PID=2)'],
      ['2026-11-17T10:25', 'INITIAL HOST STATE: tjener;DOWN;HARD;1;CRITICAL'],
      ['2026-11-17T10:40', 'HOST ALERT: tjener;UP;HARD;1;OK'],
    ]);
    expect(p.outages).toBe(1);
    expect(p.downSeconds).toBe(35 * 60);
    expect(p.unknownSeconds).toBe(5 * 60);
  });
});

describe('out-of-order lines', () => {
  it('are sorted by time (stably) before accounting', async () => {
    const p = await week([
      ['2026-11-17T10:30', 'HOST ALERT: tjener;UP;HARD;1;OK'],
      ['2026-11-17T10:00', 'HOST ALERT: tjener;DOWN;HARD;3;CRITICAL'],
    ]);
    expect(p.downSeconds).toBe(30 * 60);
    expect(p.outages).toBe(1);
  });
  it('lines with the same second keep their order in the file', async () => {
    const p = await week([
      ['2026-11-17T10:00', 'HOST ALERT: tjener;DOWN;HARD;3;CRITICAL'],
      ['2026-11-17T10:00', 'HOST ALERT: tjener;UP;HARD;1;OK'],
      ['2026-11-17T09:00', 'HOST ALERT: tjener;UP;HARD;1;OK'],
    ]);
    expect(p.downSeconds).toBe(0);
  });
});

describe('service states and the warning policy', () => {
  const warningHour: [string, string][] = [
    ['2026-11-17T10:00', 'SERVICE ALERT: tjener;NFS;WARNING;HARD;3;slow'],
    ['2026-11-17T11:00', 'SERVICE ALERT: tjener;NFS;OK;HARD;1;ok'],
  ];
  const nfs = { monitor: '{ host: tjener, service: NFS }', from: '2026-11-17', to: '2026-11-18' };
  it('warning: up (default) counts WARNING as available', async () => {
    const p = await week(warningHour, nfs);
    expect(p.availabilityPercent).toBe(100);
    expect(p.outages).toBe(0);
  });
  it('warning: down counts WARNING as unavailable, and it is an outage', async () => {
    const p = await week(warningHour, { ...nfs, accounting: '{ warning: down }' });
    expect(p.availabilityPercent).toBe(90);
    expect(p.outages).toBe(1);
    expect(p.outageList[0].state).toBe('WARNING');
  });
  const unknownHour: [string, string][] = [
    ['2026-11-17T10:00', 'SERVICE ALERT: tjener;NFS;UNKNOWN;HARD;3;plugin timed out'],
    ['2026-11-17T11:00', 'SERVICE ALERT: tjener;NFS;OK;HARD;1;ok'],
  ];
  it('service UNKNOWN is unknown time: exclude / up / down', async () => {
    const ex = await week(unknownHour, nfs);
    expect([ex.unknownSeconds, ex.countedSeconds, ex.availabilityPercent]).toEqual([3600, 32400, 100]);
    const up = await week(unknownHour, { ...nfs, accounting: '{ unknown: up }' });
    expect([up.countedSeconds, up.availabilityPercent]).toEqual([36000, 100]);
    const down = await week(unknownHour, { ...nfs, accounting: '{ unknown: down }' });
    expect(down.availabilityPercent).toBe(90);
  });
  it('a service CRITICAL is unavailable', async () => {
    const p = await week(
      [
        ['2026-11-17T10:00', 'SERVICE ALERT: tjener;NFS;CRITICAL;HARD;3;nfsd down'],
        ['2026-11-17T10:36', 'SERVICE ALERT: tjener;NFS;OK;HARD;1;ok'],
      ],
      nfs,
    );
    expect(p.downSeconds).toBe(36 * 60);
    expect(p.availabilityPercent).toBe(94);
  });
});

describe('no data', () => {
  it('time before the first logged state is unknown; a row with only unknown time is not met', async () => {
    const s = writeScenario(slaYaml({}), logLines([['2026-11-17T12:00', 'CURRENT HOST STATE: othermachine;UP;HARD;1;OK']]));
    const r = await buildAvailabilityReport({ slaFile: s.sla, logs: [s.log], from: '2026-11-16', to: '2026-11-21', period: 'whole', now });
    const p = r.services[0].periods[0];
    expect(p.unknownSeconds).toBe(p.serviceSeconds);
    expect(p.availabilityPercent).toBeNull();
    expect(p.met).toBe(false);
    expect(p.priceReductionPercent).toBe(0);
    expect(r.warnings?.join('\n')).toMatch(/host tjener has no state in the logs/);
  });
});
