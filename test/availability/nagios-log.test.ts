// The streaming log parser on real line formats: every line type it must recognise, malformed
// lines counted with their numbers (fatal under strict), chunk boundaries, CRLF, gzip, UTF-8
// names, human-readable timestamps, Icinga archives and log-dir ordering.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { logFilesIn, orderLogFiles, scanLogs } from '../../src/io/nagios-log.ts';
import { Ev, State } from '../../src/core/states.ts';
import { SpecError } from '../../src/core/errors.ts';
import { tempDir } from './support/scenario.ts';

function file(text: string | Buffer, name = 'nagios.log'): string {
  const dir = tempDir();
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

const events = (scan: Awaited<ReturnType<typeof scanLogs>>, key: string) => {
  const l = scan.events.get(key)!;
  return Array.from({ length: l.length }, (_, i) => [l.times[i], l.codes[i]]);
};

describe('line types', () => {
  it('reads alerts, current/initial states, downtime and program lines of Nagios 3/4 and Icinga', async () => {
    const f = file(
      [
        '[100] LOG ROTATION: DAILY',
        '[100] LOG VERSION: 2.0',
        '[100] CURRENT HOST STATE: tjener;UP;HARD;1;PING OK',
        '[100] CURRENT SERVICE STATE: tjener;NFS;OK;HARD;1;ok',
        '[110] HOST ALERT: tjener;DOWN;SOFT;1;CRITICAL',
        '[120] HOST ALERT: tjener;UNREACHABLE;HARD;2;CRITICAL',
        '[125] HOST NOTIFICATION: admin;tjener;DOWN;notify-host-by-email;CRITICAL',
        '[130] SERVICE ALERT: tjener;NFS;WARNING;HARD;3;slow',
        '[140] HOST DOWNTIME ALERT: tjener;STARTED; Host has entered a period of scheduled downtime',
        '[150] SERVICE DOWNTIME ALERT: tjener;NFS;STARTED; Service has entered a period of scheduled downtime',
        '[160] SERVICE DOWNTIME ALERT: tjener;NFS;CANCELLED; Scheduled downtime for service has been cancelled.',
        '[170] HOST DOWNTIME ALERT: tjener;STOPPED; Host has exited from a period of scheduled downtime',
        '[180] Caught SIGTERM, shutting down...',
        '[180] Successfully shutdown... (PID=1)',
        '[190] Nagios 4.4.6 starting... (PID=2)',
        '[190] INITIAL HOST STATE: tjener;OK;HARD;1;ok',
        '[190] INITIAL SERVICE STATE: tjener;NFS;UNKNOWN;HARD;1;ok',
        '[200] Caught SIGHUP, restarting...',
        '[201] Icinga 1.14.2 starting... (PID=3)',
        '[210] PROGRAM_RESTART event encountered, restarting...',
        '[211] Nagios 3.2.0 starting... (PID=4)',
        '[220] Bailing out due to one or more errors encountered in the configuration files.',
        '[230] Successfully launched command file worker with pid 5',
        '[240] wproc: Registry request: name=Core Worker 3573;pid=3573',
        '[250] EXTERNAL COMMAND: SCHEDULE_HOST_DOWNTIME;tjener;1;2;1;0;3600;admin;patch',
      ].join('\n'),
    );
    const scan = await scanLogs([f], [{ host: 'tjener' }, { host: 'tjener', service: 'NFS' }]);
    expect(scan.inputs[0]).toMatchObject({ lines: 25, malformed: 0 });
    expect([scan.firstTime, scan.lastTime]).toEqual([100, 250]);
    expect(events(scan, 'tjener')).toEqual([
      [100, State.OK],
      [110, Ev.SOFT + State.DOWN],
      [120, State.UNREACHABLE],
      [140, Ev.DOWNTIME_START],
      [170, Ev.DOWNTIME_STOP],
      [180, Ev.PROGRAM_STOP],
      [180, Ev.PROGRAM_STOP],
      [190, Ev.PROGRAM_START],
      [190, State.OK],
      [200, Ev.PROGRAM_STOP],
      [201, Ev.PROGRAM_START],
      [210, Ev.PROGRAM_STOP],
      [211, Ev.PROGRAM_START],
      [220, Ev.PROGRAM_STOP],
    ]);
    expect(events(scan, 'tjener;NFS').filter(([, c]) => c < 32)).toEqual([
      [100, State.OK],
      [130, State.WARNING],
      [140, Ev.HOST_DOWNTIME_START],
      [150, Ev.DOWNTIME_START],
      [160, Ev.DOWNTIME_STOP],
      [170, Ev.HOST_DOWNTIME_STOP],
      [190, State.UNKNOWN],
    ]);
    expect(scan.seen).toEqual(new Set(['tjener', 'tjener;NFS']));
  });

  it('keeps nothing for subjects the SLA does not name', async () => {
    const f = file('[1] HOST ALERT: other;DOWN;HARD;1;x\n[2] SERVICE ALERT: tjener;SSH;CRITICAL;HARD;1;x\n');
    const scan = await scanLogs([f], [{ host: 'tjener', service: 'NFS' }]);
    expect(scan.events.get('tjener;NFS')!.length).toBe(0);
    expect(scan.seen.size).toBe(0);
  });

  it('matches UTF-8 host and service names byte for byte', async () => {
    const f = file('[1] HOST ALERT: lærer-pc-ø;DOWN;HARD;1;x\n[2] SERVICE ALERT: lærer-pc-ø;Utskrift på rom 2;CRITICAL;HARD;1;x\n');
    const scan = await scanLogs([f], [{ host: 'lærer-pc-ø' }, { host: 'lærer-pc-ø', service: 'Utskrift på rom 2' }]);
    expect(events(scan, 'lærer-pc-ø')).toEqual([[1, State.DOWN]]);
    expect(events(scan, 'lærer-pc-ø;Utskrift på rom 2')).toEqual([[2, State.CRITICAL]]);
  });

  it('reads human-readable timestamps in the given zone', async () => {
    const f = file('[Tue Jan 12 00:00:00 2016] CURRENT HOST STATE: h;UP;HARD;1;ok\n[Tue Jan 12 13:05:09 2016] HOST ALERT: h;DOWN;HARD;1;x\n');
    const scan = await scanLogs([f], [{ host: 'h' }], { zone: 'Europe/Oslo' });
    expect(scan.inputs[0].malformed).toBe(0);
    expect(events(scan, 'h')).toEqual([
      [Date.UTC(2016, 0, 11, 23) / 1000, State.OK],
      [Date.UTC(2016, 0, 12, 12, 5, 9) / 1000, State.DOWN],
    ]);
  });
});

describe('malformed lines', () => {
  const text = [
    '[100] HOST ALERT: tjener;UP;HARD;1;ok',
    'this line has no timestamp',
    '[110] HOST ALERT: tjener;SIDEWAYS;HARD;1;what',
    '[120] SERVICE ALERT: tjener;NFS',
    '[130] HOST ALERT: tjener;DOWN;MAYBE;1;x',
    '[abc] HOST ALERT: tjener;DOWN;HARD;1;x',
    '[140] HOST DOWNTIME ALERT: tjener;PAUSED; hmm',
    '',
    '[150] HOST ALERT: tjener;DOWN;HARD;1;x',
  ].join('\n');

  it('are counted with their line numbers and reasons; good lines still count', async () => {
    const scan = await scanLogs([file(text)], [{ host: 'tjener' }]);
    const s = scan.inputs[0];
    expect(s.malformed).toBe(6);
    expect(s.malformedExamples.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(s.malformedExamples[1].reason).toMatch(/expected host state UP, DOWN or UNREACHABLE, got `SIDEWAYS`/);
    expect(s.malformedExamples[3].reason).toMatch(/expected HARD or SOFT, got `MAYBE`/);
    expect(events(scan, 'tjener')).toEqual([
      [100, State.OK],
      [150, State.DOWN],
    ]);
  });

  it('an epoch in milliseconds is malformed, not silently a date in the far future', async () => {
    const scan = await scanLogs([file('[1458446400000] HOST ALERT: tjener;DOWN;HARD;1;x\n')], [{ host: 'tjener' }]);
    expect(scan.inputs[0].malformedExamples).toEqual([{ line: 1, reason: 'expected `[epoch]` in seconds, got `[1458446400000]` (milliseconds?)' }]);
    expect(scan.events.get('tjener')!.length).toBe(0);
  });

  it('are fatal under strict, each named by file:line', async () => {
    const f = file(text);
    const err = await scanLogs([f], [{ host: 'tjener' }], { strict: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    const msg = (err as SpecError).message;
    expect(msg).toContain(`${f}:2: malformed line: expected \`[epoch]\``);
    expect(msg).toContain(`${f}:3: malformed line: HOST ALERT: expected host state`);
    expect((err as SpecError).issues).toHaveLength(6);
    expect((err as SpecError).exitCode).toBe(2);
  });
});

describe('reading', () => {
  it('lines split across 1 MiB read chunks are read whole', async () => {
    // about 3 MB of alternating alerts with lines of varying length
    const lines: string[] = [];
    for (let i = 0; i < 40000; i++)
      lines.push(`[${1000 + i}] SERVICE ALERT: tjener;NFS;${i % 2 ? 'OK' : 'CRITICAL'};HARD;1;${'x'.repeat(i % 97)}`);
    const scan = await scanLogs([file(lines.join('\n'))], [{ host: 'tjener', service: 'NFS' }]);
    expect(scan.inputs[0].malformed).toBe(0);
    const ev = events(scan, 'tjener;NFS');
    expect(ev).toHaveLength(40000);
    expect(ev.every(([t, c], i) => t === 1000 + i && c === (i % 2 ? State.OK : State.CRITICAL))).toBe(true);
  });

  it('reads CRLF line ends and gzip-compressed archives', async () => {
    const text = '[1] HOST ALERT: h;DOWN;HARD;1;x\r\n[2] HOST ALERT: h;UP;HARD;1;x\r\n';
    for (const f of [file(text), file(gzipSync(text), 'nagios-11-02-2026-00.log.gz')]) {
      const scan = await scanLogs([f], [{ host: 'h' }]);
      expect(scan.inputs[0].malformed).toBe(0);
      expect(events(scan, 'h')).toEqual([
        [1, State.DOWN],
        [2, State.OK],
      ]);
    }
  });

  it('a missing log file is bad input naming the file', async () => {
    await expect(scanLogs(['/nonexistent/nagios.log'], [{ host: 'h' }])).rejects.toThrow(/\/nonexistent\/nagios\.log: no such file/);
  });

  it('a log directory is read in time order: archives, then the current log', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'archives'));
    writeFileSync(join(dir, 'nagios.log'), '[300] HOST ALERT: h;UP;HARD;1;x\n');
    writeFileSync(join(dir, 'nagios-11-03-2026-00.log'), '[200] HOST ALERT: h;DOWN;HARD;1;x\n');
    writeFileSync(join(dir, 'nagios-11-02-2026-00.log'), '[100] HOST ALERT: h;UP;HARD;1;x\n');
    writeFileSync(join(dir, 'icinga-11-01-2026-00.log'), '[50] CURRENT HOST STATE: h;UP;HARD;1;x\n');
    writeFileSync(join(dir, 'README'), 'not a log');
    const files = await orderLogFiles(await logFilesIn(dir));
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['icinga-11-01-2026-00.log', 'nagios-11-02-2026-00.log', 'nagios-11-03-2026-00.log', 'nagios.log']);
  });
});
