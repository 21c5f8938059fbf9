// `continuity availability` as an operator runs it: exit codes 0/1/2, the JSON contract of
// issue 2, file:line:col for a bad SLA without a stack trace, --strict, --out written atomically.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logLines, slaYaml, tempDir, writeScenario } from './support/scenario.ts';

const bin = resolve('bin/continuity.mjs');

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, 'availability', ...args], { encoding: 'utf8', env: { ...process.env, CONTINUITY_DEBUG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const nordby = ['--sla', 'fixtures/sla-exams.yaml', '--log', 'fixtures/nagios/nordby-2026-11.log'];
const goodWeek = writeScenario(
  slaYaml({}),
  logLines([
    ['2026-11-16T00:00', 'CURRENT HOST STATE: tjener;UP;HARD;1;PING OK'],
    ['2026-11-17T10:00', 'HOST ALERT: tjener;DOWN;HARD;3;CRITICAL'],
    ['2026-11-17T10:05', 'HOST ALERT: tjener;UP;HARD;1;PING OK'],
  ]),
);
const week = ['--from', '2026-11-16', '--to', '2026-11-21'];

describe('continuity availability', () => {
  it('exit 0 when every target is met, with the table on stdout', () => {
    const r = run(['--sla', goodWeek.sla, '--log', goodWeek.log, ...week]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^2026-11-16\.\.2026-11-21 +50h +49h55m +5m .* 99\.833 .* met$/m);
    expect(r.stdout).toContain('All targets met.');
  });

  it('exit 1 when a target is missed; --format json follows the contract of issue 2', () => {
    const r = run([...nordby, '--format', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.policy).toMatchObject({ scheduledDowntime: 'exclude', softStates: 'ignore', warning: 'up', unknown: 'exclude' });
    expect(report.policy.description.length).toBeGreaterThan(3);
    expect(report.met).toBe(false);
    const nfs = report.services.find((s: { id: string }) => s.id === 'home-directories');
    expect(nfs).toMatchObject({ id: 'home-directories', group: null, monitor: { host: 'tjener', service: 'NFS' } });
    const month = nfs.periods[0];
    const contract = ['from', 'to', 'kind', 'serviceSeconds', 'upSeconds', 'downSeconds', 'plannedSeconds', 'unknownSeconds', 'availabilityPercent', 'outages', 'longestOutageSeconds', 'mttrSeconds', 'mtbfSeconds', 'target', 'met'];
    for (const k of contract) expect(month, k).toHaveProperty(k);
    expect(month).toMatchObject({
      from: '2026-11-01T00:00:00.000+01:00',
      to: '2026-12-01T00:00:00.000+01:00',
      kind: 'regular',
      serviceSeconds: 160 * 3600,
      downSeconds: 3600,
      plannedSeconds: 3600,
      unknownSeconds: 120,
      outages: 1,
      longestOutageSeconds: 3600,
      target: 99.5,
      met: false,
      missed: ['availability', 'outage-length'],
      priceReductionPercent: 15,
    });
    expect(nfs.periods[1]).toMatchObject({ kind: 'exam', name: 'Mock exams', target: 99.9, met: true });
    const groups = report.services.filter((s: { id: string }) => s.id === 'main-server').map((s: { group: string }) => s.group);
    expect(groups).toEqual(['teachers', 'students']);
  });

  it('a malformed SLA gives file:line:col and exit 2, no stack trace', () => {
    const dir = tempDir();
    const sla = join(dir, 'sla.yaml');
    writeFileSync(sla, slaYaml({ hours: '{ days: [mon], from: "08:00", to: "25:00" }' }));
    const r = run(['--sla', sla, '--log', goodWeek.log]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${sla}:5:\\d+: \`serviceHours.main.to\`: expected HH:MM \\(00:00 to 24:00\\), got \`25:00\``));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('a missing log is bad input naming the file (exit 2)', () => {
    const r = run(['--sla', goodWeek.sla, '--log', '/nonexistent/nagios.log']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('continuity: /nonexistent/nagios.log: no such file\n');
    const dir = run(['--sla', goodWeek.sla, '--log', os.tmpdir()]);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toBe(`continuity: ${os.tmpdir()}: not a log file (a directory; use --log-dir for a folder of logs)\n`);
  });

  it('bad options are bad input (exit 2)', () => {
    expect(run(['--sla', goodWeek.sla, '--log', goodWeek.log, '--format', 'pdf']).code).toBe(2);
    expect(run(['--sla', goodWeek.sla, '--log', goodWeek.log, '--period', 'fortnight']).code).toBe(2);
    const r = run(['--sla', goodWeek.sla, '--log', goodWeek.log, '--from', '2026-13-01']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Expected `--from` to be a date YYYY-MM-DD, got `2026-13-01`');
  });

  it('malformed lines are counted and reported; --strict makes them fatal with file:line', () => {
    const s = writeScenario(slaYaml({}), `${logLines([['2026-11-16T00:00', 'CURRENT HOST STATE: tjener;UP;HARD;1;ok']])}garbage line\n[1763370000] HOST ALERT: tjener;SIDEWAYS;HARD;1;x\n`);
    const lenient = run(['--sla', s.sla, '--log', s.log, ...week]);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toContain(`input ${s.log}: 3 lines, 0.0 MB, 2 malformed (line 2, 3)`);
    const strict = run(['--sla', s.sla, '--log', s.log, ...week, '--strict']);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain(`${s.log}:2: malformed line: expected \`[epoch]\` at the start of the line`);
    expect(strict.stderr).toContain(`${s.log}:3: malformed line: HOST ALERT: expected host state UP, DOWN or UNREACHABLE, got \`SIDEWAYS\``);
    expect(strict.stdout).toBe('');
  });

  it('--out is written atomically: a failed run leaves the old report whole, a good run replaces it', () => {
    const dir = tempDir();
    const out = join(dir, 'report.json');
    writeFileSync(out, '{"previous":"report"}\n');
    const bad = run(['--sla', goodWeek.sla, '--log', '/nonexistent/nagios.log', '--format', 'json', '--out', out]);
    expect(bad.code).toBe(2);
    expect(readFileSync(out, 'utf8')).toBe('{"previous":"report"}\n');
    const good = run(['--sla', goodWeek.sla, '--log', goodWeek.log, ...week, '--format', 'json', '--out', out]);
    expect(good.code).toBe(0);
    expect(good.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).services[0].periods[0].downSeconds).toBe(300);
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('--log-dir reads rotated archives with the current log; --incidents adds to them', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'nagios-11-17-2026-00.log'), logLines([['2026-11-16T00:00', 'CURRENT HOST STATE: tjener;UP;HARD;1;ok'], ['2026-11-16T12:00', 'HOST ALERT: tjener;DOWN;HARD;3;x']]));
    writeFileSync(join(dir, 'nagios.log'), logLines([['2026-11-17T00:00', 'CURRENT HOST STATE: tjener;DOWN;HARD;3;x'], ['2026-11-17T09:00', 'HOST ALERT: tjener;UP;HARD;1;ok']]));
    const inc = join(tempDir(), 'incidents.csv');
    writeFileSync(inc, 'start,end,service,planned,note\n2026-11-18 10:00,2026-11-18 10:10,svc,no,login broken\n');
    const r = run(['--sla', goodWeek.sla, '--log-dir', dir, '--incidents', inc, ...week, '--format', 'json']);
    expect(r.code).toBe(1);
    const p = JSON.parse(r.stdout).services[0].periods[0];
    expect(p).toMatchObject({ downSeconds: 6 * 3600 + 3600 + 600, outages: 2 });
  });
});
