// Cross-check against a peer implementation: every row of EXPECTED.md (sni/Monitoring-Availability,
// which Debian's avail.cgi 4.4.6 reproduces) must come out of our core to the second.
//
// Mapping of avail.cgi's options onto ours (documented in docs/availability.md):
// - the report window [t1, t2) is a 24x7 service window in UTC with no holidays;
// - `defaults` = avail.cgi assumes states during program downtime: TimelineOptions.notRunning 'keep';
//   `notrunning=no` = our own default, notRunning 'unknown' (reported as NOTRUNNING);
// - `initial=UP/OK` = TimelineOptions.initialState OK; without it, time before the first state is NODATA;
// - avail.cgi's totals include time in scheduled downtime; byState[x].total is the same, and
//   byState[x].planned is its "sched" column.
import { describe, expect, it } from 'vitest';
import { scanLogs } from '../../src/io/nagios-log.ts';
import { buildTimeline, State, type StateName } from '../../src/core/states.ts';
import { ServiceClock } from '../../src/core/calendar.ts';
import { tally } from '../../src/core/accounting.ts';
import { DEFAULT_POLICY } from '../../src/core/sla.ts';

// the shared real-log collection (see its SOURCES.md); it lies beside the repository (../shared), or set NAGIOS_DATA
const dir = `${process.env.NAGIOS_DATA ?? new URL('../../../shared/data/nagios', import.meta.url).pathname}/monitoring-availability`;

async function peerRow(file: string, host: string, service: string | undefined, t1: number, t2: number, options: string) {
  const subject = { host, service };
  const scan = await scanLogs([`${dir}/${file}`], [subject]);
  expect(scan.inputs[0].malformed).toBe(0);
  const events = scan.events.get(service ? `${host};${service}` : host)!;
  const segments = buildTimeline(events, t1, t2, {
    softStates: 'ignore',
    notRunning: options.includes('notrunning=no') ? 'unknown' : 'keep',
    initialState: options.includes('initial=UP/OK') ? State.OK : undefined,
  });
  const clock = new ServiceClock([{ start: t1, end: t2 }]);
  return tally(segments, clock, t1, t2, DEFAULT_POLICY).byState;
}

const pick = (b: Awaited<ReturnType<typeof peerRow>>, names: StateName[], part: 'total' | 'planned') =>
  names.map((n) => b[n][part]);

describe('host rows of EXPECTED.md', () => {
  const rows: [string, string, number, number, string, number[]][] = [
    // up, down, unreach, sched up, sched down, not running, no data
    ['21-availability-host_down.log', 'n0_test_host_000', 1262894050, 1263498850, 'notrunning=no', [0, 507250, 0, 0, 0, 0, 97550]],
    ['30-availability-host_with_downtime.log', 'n0_test_host_000', 1262894050, 1263498850, 'notrunning=no', [507245, 0, 0, 680, 0, 5, 97550]],
    ['34-availability-breakdown.log', 'mo', 1334959200, 1335132000, 'notrunning=no', [172218, 582, 0, 0, 0, 0, 0]],
    ['31-availability-host_with_services.log', 'n0_test_host_001', 1263718203, 1264323003, 'defaults', [208203, 0, 0, 0, 0, 0, 396597]],
  ];
  for (const [file, host, t1, t2, options, expected] of rows) {
    it(`${file} ${host} [${t1}, ${t2}) ${options}`, async () => {
      const b = await peerRow(file, host, undefined, t1, t2, options);
      expect([
        ...pick(b, ['OK', 'DOWN', 'UNREACHABLE'], 'total'),
        ...pick(b, ['OK', 'DOWN'], 'planned'),
        b.NOTRUNNING.total,
        b.NODATA.total,
      ]).toEqual(expected);
    });
  }
});

describe('service rows of EXPECTED.md', () => {
  const rows: [string, string, string, number, number, string, number[]][] = [
    // ok, warn, unknown, crit, s-ok, s-warn, s-unk, s-crit, not running, no data
    ['31-availability-host_with_services.log', 'n0_test_host_001', 'n0_test_ok_07', 1263718203, 1264323003, 'defaults', [208203, 0, 0, 0, 0, 0, 0, 0, 0, 396597]],
    ['31-availability-host_with_services.log', 'n0_test_host_001', 'n0_test_warning_16', 1263718203, 1264323003, 'defaults', [0, 208203, 0, 0, 0, 0, 0, 0, 0, 396597]],
    ['35-availability-timeperiods.log', 'testhost', 'testservice', 1262991600, 1262991900, 'defaults', [230, 0, 0, 70, 0, 0, 0, 0, 0, 0]],
    ['37-availability-no_initial_log.log', 'n0_test_host_000', 'n0_test_random_04', 1262991000, 1262992000, 'initial=UP/OK', [1000, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
    ['38-availability-breakdown2.log', 'n0_test_host_000', 'n0_test_pending_01', 1264026307, 1264231856, 'defaults', [114500, 500, 20, 4796, 114500, 500, 0, 4782, 0, 85733]],
  ];
  for (const [file, host, service, t1, t2, options, expected] of rows) {
    it(`${file} ${host};${service} [${t1}, ${t2}) ${options}`, async () => {
      const b = await peerRow(file, host, service, t1, t2, options);
      const states: StateName[] = ['OK', 'WARNING', 'UNKNOWN', 'CRITICAL'];
      expect([...pick(b, states, 'total'), ...pick(b, states, 'planned'), b.NOTRUNNING.total, b.NODATA.total]).toEqual(expected);
    });
  }
});
