// Incident lists from a service desk (CSV or YAML) as the only source, or on top of a monitor.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadIncidents, parseCsv } from '../../src/io/incidents.ts';
import { buildAvailabilityReport } from '../../src/app/availability-report.ts';
import { SpecError } from '../../src/core/errors.ts';
import { at, tempDir } from './support/scenario.ts';

const ids = ['main-server', 'home-directories', 'internet'];
const now = new Date('2027-01-01T00:00:00Z');

describe('incident lists', () => {
  it('CSV and YAML fixtures say the same thing', async () => {
    const csv = await loadIncidents('fixtures/incidents.csv', 'Europe/Oslo', ids);
    const yaml = await loadIncidents('fixtures/incidents.yaml', 'Europe/Oslo', ids);
    const strip = (l: typeof csv) => l.map(({ start, end, service, planned }) => ({ start, end, service, planned }));
    expect(strip(csv)).toEqual(strip(yaml));
    expect(csv[0]).toMatchObject({ start: at('2026-11-03T10:12'), end: at('2026-11-03T10:47'), service: 'main-server', planned: false, note: 'Power supply failed; replaced from spares', line: 2 });
    expect(csv[1].planned).toBe(true);
  });

  it('CSV quoting: commas, quotes and newlines inside a quoted note', () => {
    expect(parseCsv('a,b\n1,"x, ""y""\nz"\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', 'x, "y"\nz'] },
    ]);
  });

  it('every bad row is reported at once with file:line and the field', async () => {
    const dir = tempDir();
    const f = join(dir, 'incidents.csv');
    writeFileSync(f, 'start,end,service,planned,note\n2026-11-03 10:12,2026-11-03 09:00,main-server,no,x\nyesterday,2026-11-03 10:00,mail,maybe,y\n');
    const err = (await loadIncidents(f, 'Europe/Oslo', ids).catch((e: unknown) => e)) as SpecError;
    expect(err).toBeInstanceOf(SpecError);
    expect(err.message).toContain(`${f}:2: \`end\`: expected a time after start (2026-11-03 10:12), got \`2026-11-03 09:00\``);
    expect(err.message).toContain(`${f}:3: \`start\`: expected a time such as`);
    expect(err.message).toContain(`${f}:3: \`service\`: expected a service id from the SLA (main-server, home-directories, internet), got \`mail\``);
    expect(err.message).toContain(`${f}:3: \`planned\`: expected yes or no, got \`maybe\``);
  });

  it('YAML errors point at the line of the field', async () => {
    const dir = tempDir();
    const f = join(dir, 'incidents.yaml');
    writeFileSync(f, '- start: "2026-11-03 10:12"\n  end: "2026-11-03 11:00"\n  service: main-server\n- start: "2026-11-04 10:00"\n  end: soon\n  service: main-server\n');
    const err = (await loadIncidents(f, 'Europe/Oslo', ids).catch((e: unknown) => e)) as SpecError;
    expect(err.issues).toEqual([expect.objectContaining({ file: f, line: 5, path: '[1].end' })]);
  });

  it('a site with only an incident list: up except where an incident says otherwise', async () => {
    const r = await buildAvailabilityReport({ slaFile: 'fixtures/sla-exams.yaml', logs: [], incidents: ['fixtures/incidents.csv'], now });
    expect(r.range).toMatchObject({ from: '2026-11-01T00:00:00.000+01:00', to: '2026-12-01T00:00:00.000+01:00' });
    const teachers = r.services.find((s) => s.id === 'main-server' && s.group === 'teachers')!.periods[0];
    expect(teachers).toMatchObject({ serviceSeconds: 200 * 3600, downSeconds: 35 * 60, plannedSeconds: 2 * 3600, unknownSeconds: 0, outages: 1 });
    expect(teachers.outageList[0].state).toBe('INCIDENT');
    const nfs = r.services.find((s) => s.id === 'home-directories')!.periods[0];
    expect(nfs).toMatchObject({ downSeconds: 3600, outages: 1, longestOutageSeconds: 3600 });
    // the internet service has neither log nor incidents: unknown, and said so
    expect(r.warnings?.some((w) => w.includes('internet'))).toBe(true);
  });

  it('incidents on top of the monitor: an incident the monitor missed still counts', async () => {
    const dir = tempDir();
    const f = join(dir, 'incidents.csv');
    writeFileSync(f, 'start,end,service,planned,note\n2026-11-24 09:00,2026-11-24 09:30,internet,no,fibre cut reported by teachers; ping still answered\n');
    const r = await buildAvailabilityReport({ slaFile: 'fixtures/sla-exams.yaml', logs: ['fixtures/nagios/nordby-2026-11.log'], incidents: [f], now });
    const internet = r.services.find((s) => s.id === 'internet')!.periods[0];
    expect(internet.downSeconds).toBe(12 * 60 + 30 * 60);
    expect(internet.outages).toBe(2);
  });
});
