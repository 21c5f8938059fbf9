// With the report range known before reading (--from/--to, or the logs' first and last lines), the
// report is accounted while the logs are read (events are handed on and forgotten every few MB: flat memory). The figures must be exactly those of the
// exact way (every event kept, sorted, then accounted), also when the logs hold lines out of
// order, and a line older than the fold allows makes the report fall back to the exact way.
import { describe, expect, it } from 'vitest';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildAvailabilityReport, type AvailabilityOptions } from '../../src/app/availability-report.ts';
import { hostsOf, writeLogs } from '../support/nagios-log-gen.ts';
import { tempDir } from '../support/temp-dir.ts';

const FROM = Date.UTC(2025, 2, 3) / 1000; // Monday 2025-03-03
const DAYS = 40;

async function scenario() {
  const dir = tempDir('continuity-fold-');
  const hosts = hostsOf(6, 4);
  const logs = await writeLogs(
    {
      seed: 7, from: FROM, to: FROM + DAYS * 86400, hosts, rotation: 'daily', noise: true,
      problemsPerDay: 1.5, softBlipsPerDay: 2, meanProblemSeconds: 5400,
      downtimes: { perHostPerDay: 0.2, hours: [7, 19] },
      restarts: { perDay: 0.3, hours: [0, 23], gapSeconds: [20, 4000] },
    },
    dir,
  );
  const sla = path.join(dir, 'sla.yaml');
  const lines = [
    'version: continuity/v1', 'kind: sla', 'timezone: Europe/Oslo',
    'calendar: { holidays: [2025-03-14], examPeriods: [{ name: Exams, from: 2025-03-20, to: 2025-03-27 }] }',
    'serviceHours:', '  day: { days: [mon, tue, wed, thu, fri], from: "08:00", to: "16:00" }', '  long: { days: [mon, tue, wed, thu, fri, sat], from: "07:00", to: "20:00" }', '  always: 24x7',
    'userGroups: { teachers: { serviceHours: long }, students: { serviceHours: day } }',
    'services:',
  ];
  for (const h of hosts) {
    lines.push(`  - { id: ${h.name}, monitor: { host: ${h.name} }, groups: [teachers, students], target: { availability: 99.5, maxOutages: 1 }, examTarget: { availability: 99.9 } }`);
    for (const s of h.services) lines.push(`  - { id: "${h.name}.${s.replace(/\W+/g, '-')}", monitor: { host: ${h.name}, service: "${s}" }, serviceHours: always, target: { availability: 99 } }`);
  }
  // a second service on the same subject, other hours
  lines.push(`  - { id: twice, monitor: { host: ${hosts[0].name}, service: "${hosts[0].services[0]}" }, serviceHours: day, target: { availability: 99 } }`);
  lines.push('sanctions: [{ when: availability-below-target, priceReductionPercent: 5 }]', '');
  writeFileSync(sla, lines.join('\n'));
  const opts: AvailabilityOptions = { slaFile: sla, logs: [logs.current], logDir: logs.archiveDir, from: '2025-03-03', to: '2025-04-10', period: 'week', now: new Date('2026-01-01') };
  return { dir, opts, logs };
}

const text = (r: unknown) => JSON.stringify(r, (k, v) => (k === 'generatedAt' ? undefined : v));

describe('accounting while reading (fold)', () => {
  it('gives exactly the figures of the exact way, folding every 4 KB', async () => {
    const { opts } = await scenario();
    const exact = await buildAvailabilityReport({ ...opts, fold: false });
    const folded = await buildAvailabilityReport({ ...opts, fold: { everyBytes: 4096, slackSeconds: 3600 } });
    expect(exact.services.length).toBeGreaterThan(30);
    expect(exact.services.flatMap((s) => s.periods).some((p) => p.outages > 0 && p.plannedSeconds > 0)).toBe(true);
    expect(text(folded)).toBe(text(exact));
  }, 60_000);

  it('places lines out of order within the slack, and falls back to the exact way for an older one', async () => {
    const { opts, logs } = await scenario();
    const archive = path.join(logs.archiveDir, readdirSync(logs.archiveDir).sort()[10]);
    const firstTime = Number(/^\[(\d+)\]/.exec(readFileSync(archive, 'utf8'))![1]);
    const host = hostsOf(6, 4)[2].name;
    // 20 minutes back: inside a one-hour slack
    appendFileSync(archive, `[${firstTime + 86400 - 1200}] HOST ALERT: ${host};DOWN;HARD;3;CRITICAL - late line\n`);
    const exact1 = await buildAvailabilityReport({ ...opts, fold: false });
    expect(text(await buildAvailabilityReport({ ...opts, fold: { everyBytes: 4096, slackSeconds: 3600 } }))).toBe(text(exact1));
    // three days back: older than the horizon of the fold made before this file was read
    appendFileSync(archive, `[${firstTime - 3 * 86400}] HOST ALERT: ${host};UNREACHABLE;HARD;3;CRITICAL - very late line\n`);
    const exact2 = await buildAvailabilityReport({ ...opts, fold: false });
    expect(text(exact2)).not.toBe(text(exact1));
    expect(text(await buildAvailabilityReport({ ...opts, fold: { everyBytes: 4096, slackSeconds: 3600 } }))).toBe(text(exact2));
  }, 60_000);
});

describe('accounting while reading without --from/--to, or up to now', () => {
  const how = async (opts: AvailabilityOptions) => {
    let mode = '';
    const report = await buildAvailabilityReport({ ...opts, fold: { everyBytes: 4096, slackSeconds: 3600 }, onAccounting: (m) => (mode = m) });
    return { mode, report };
  };

  it('takes the range from the first and last lines of the logs, with the same figures', async () => {
    const { opts } = await scenario();
    const open = { ...opts, from: undefined, to: undefined };
    const exact = await buildAvailabilityReport({ ...open, fold: false });
    const { mode, report } = await how(open);
    expect(mode).toBe('while-reading');
    expect(report.range).toEqual(exact.range);
    expect(text(report)).toBe(text(exact));
  }, 60_000);

  it('cuts service time at the clock as the exact way does, for a range that ends after now', async () => {
    const { opts } = await scenario();
    const running = { ...opts, from: '2025-03-01', to: '2025-05-01', period: 'month' as const, now: new Date('2025-04-20T10:30:00Z') }; // after the last line (04-12), before --to
    const exact = await buildAvailabilityReport({ ...running, fold: false });
    const { mode, report } = await how(running);
    expect(mode).toBe('while-reading');
    expect(exact.warnings?.join(' ')).toContain('not counted yet');
    expect(text(report)).toBe(text(exact));
  }, 60_000);

  it('falls back to the exact way when a line lies outside the span the first and last lines told', async () => {
    const { opts, logs } = await scenario();
    const open = { ...opts, from: undefined, to: undefined };
    const archive = path.join(logs.archiveDir, readdirSync(logs.archiveDir).sort()[20]);
    const host = hostsOf(6, 4)[1].name;
    // a line a month before the first line of the first file: the range starts a month earlier
    appendFileSync(archive, `[${FROM - 31 * 86400}] HOST ALERT: ${host};DOWN;HARD;3;CRITICAL - clock was wrong\n`);
    const exact = await buildAvailabilityReport({ ...open, fold: false });
    const { mode, report } = await how(open);
    expect(mode).toBe('exact');
    expect(report.range.from < '2025-03-01').toBe(true);
    expect(text(report)).toBe(text(exact));
  }, 60_000);

  it('falls back to the exact way when the logs go beyond the clock', async () => {
    const { opts } = await scenario();
    const early = { ...opts, to: '2025-05-01', now: new Date('2025-03-20T12:00:00Z') };
    const exact = await buildAvailabilityReport({ ...early, fold: false });
    const { mode, report } = await how(early);
    expect(mode).toBe('exact');
    expect(text(report)).toBe(text(exact));
  }, 60_000);
});
