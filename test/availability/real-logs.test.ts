// The real production and lab logs in ../shared/data/nagios (beside the repository) parse without a single malformed
// line and give a report; one service is checked against seconds worked out by hand.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAvailabilityReport } from '../../src/app/availability-report.ts';
import { tempDir } from './support/scenario.ts';

// the shared real-log collection (see its SOURCES.md); it lies beside the repository (../shared), or set NAGIOS_DATA
const data = process.env.NAGIOS_DATA ?? new URL('../../../shared/data/nagios', import.meta.url).pathname;
const now = new Date('2027-01-01T00:00:00Z');

function sla24x7(zone: string, monitors: string[]): string {
  const dir = tempDir();
  const f = join(dir, 'sla.yaml');
  writeFileSync(
    f,
    `version: continuity/v1
kind: sla
timezone: ${zone}
serviceHours:
  always: 24x7
services:
${monitors.map((m, i) => `  - { id: s${i}, monitor: ${m}, serviceHours: always, target: { availability: 99 } }`).join('\n')}
`,
  );
  return f;
}

describe('real Nagios logs', () => {
  it('ed54 (Nagios 4.0.4, EDT, restarts): squid on 20 Mar 2016 to the second', async () => {
    const sla = sla24x7('America/New_York', ['{ host: localhost }', '{ host: localhost, service: squid }', '{ host: localhost, service: SSH }']);
    const r = await buildAvailabilityReport({ slaFile: sla, logs: [`${data}/ed54_340MidtermProject_nagios.log`], from: '2016-03-20', to: '2016-03-21', period: 'whole', now });
    expect(r.inputs[0]).toMatchObject({ lines: 385, malformed: 0 });
    const squid = r.services[1].periods[0];
    // no squid state until its first HARD CRITICAL at 1458448505 (2105 s after midnight EDT);
    // CRITICAL 1201 s, OK 1019 s, CRITICAL 37636 s of which 3 s Nagios was restarting,
    // then UNKNOWN to midnight.
    expect(squid).toMatchObject({ serviceSeconds: 86400, upSeconds: 1019, downSeconds: 38834, plannedSeconds: 0, unknownSeconds: 46547, outages: 2 });
    expect(squid.outageList.map((o) => o.serviceSeconds)).toEqual([1201, 37633]);
    expect(squid.availabilityPercent).toBeCloseTo((100 * 1019) / (1019 + 38834), 3);
    for (const s of r.services) {
      const p = s.periods[0];
      expect(p.upSeconds + p.downSeconds + p.plannedSeconds + p.unknownSeconds).toBe(p.serviceSeconds);
    }
  });

  it('irockout (Nagios 4.2.3, EST, rotation and shutdown gaps) parses and reports', async () => {
    const sla = sla24x7('America/New_York', ['{ host: localhost }', '{ host: localhost, service: HTTP }']);
    const r = await buildAvailabilityReport({ slaFile: sla, logs: [`${data}/irockout_IT_nagios.log`], now });
    expect(r.inputs[0]).toMatchObject({ lines: 118, malformed: 0 });
    expect(r.range.from).toBe('2016-12-01T00:00:00.000-05:00');
    const host = r.services[0].periods[0];
    expect(host.upSeconds).toBeGreaterThan(0);
    // Nagios was shut down 1482131469 → 1482160256 (8 h) among others: that is unknown time
    expect(host.unknownSeconds).toBeGreaterThanOrEqual(1482160256 - 1482131469);
  });

  it('cawan1 (production day, 23 hosts, ~400 services): human-readable and epoch timestamps give the same report', async () => {
    const monitors = ['{ host: bredt1-svbusp01 }', '{ host: bredt1-svwlip08, service: "weblogic :: wlibatch02_ms111" }', '{ host: bredt1-svwlip07, service: "wli process :: aborted instances" }'];
    const sla = sla24x7('UTC', monitors);
    const run = (log: string) => buildAvailabilityReport({ slaFile: sla, logs: [`${data}/${log}`], from: '2016-01-12', to: '2016-01-13', period: 'whole', now });
    const [ctime, epoch] = await Promise.all([run('cawan1_ranklog_nagios.log'), run('cawan1_ranklog_nagios.epoch-utc.log')]);
    expect(ctime.inputs[0]).toMatchObject({ lines: 11087, malformed: 0 });
    expect(epoch.inputs[0]).toMatchObject({ lines: 11087, malformed: 0 });
    expect(ctime.services).toEqual(epoch.services);
    const flapping = epoch.services[1].periods[0];
    expect(flapping.outages).toBeGreaterThan(5);
    expect(flapping.upSeconds + flapping.downSeconds + flapping.unknownSeconds).toBe(86400);
  });

  it('the Monitoring-Availability test logs parse without a malformed line', async () => {
    const sla = sla24x7('UTC', ['{ host: n0_test_host_000 }']);
    const dir = `${data}/monitoring-availability`;
    const logs = ['21-availability-host_down.log', '30-availability-host_with_downtime.log', '31-availability-host_with_services.log', '34-availability-breakdown.log', '35-availability-timeperiods.log', '37-availability-no_initial_log.log', '38-availability-breakdown2.log'];
    for (const l of logs) {
      const r = await buildAvailabilityReport({ slaFile: sla, logs: [`${dir}/${l}`], now });
      expect(r.inputs[0].malformed, l).toBe(0);
    }
  });
});
