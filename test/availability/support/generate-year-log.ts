// Generate a realistic large Nagios log (hosts x services, a year, daily rotation blocks,
// SOFT/HARD alert sequences, notifications, downtimes, restarts) to measure the parser.
// Usage: npx tsx test/availability/support/generate-year-log.ts OUT [hosts] [services] [days]
import { createWriteStream } from 'node:fs';

/** Write the log; resolves to { lines, bytes }. Deterministic for the same arguments. */
export async function generateYearLog(out: string, hosts = 200, services = 10, days = 365, start = 1767222000): Promise<{ lines: number; bytes: number }> {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const ws = createWriteStream(out, { highWaterMark: 1 << 20 });
  let buf: string[] = [];
  let lines = 0;
  let bytes = 0;
  const flush = async () => {
    const text = buf.join('');
    buf = [];
    bytes += Buffer.byteLength(text);
    if (!ws.write(text)) await new Promise<void>((r) => ws.once('drain', () => r()));
  };
  const line = (t: number, s: string) => {
    buf.push(`[${t}] ${s}\n`);
    lines++;
  };
  const svc = (j: number) => ['PING', 'SSH', 'HTTP', 'Disk /home', 'Load', 'NFS', 'Samba', 'LDAP', 'DNS', 'NTP', 'Backup', 'Mail'][j % 12] + (j >= 12 ? ` ${j}` : '');
  for (let d = 0; d < days; d++) {
    const t0 = start + d * 86400;
    line(t0, 'LOG ROTATION: DAILY');
    line(t0, 'LOG VERSION: 2.0');
    for (let h = 0; h < hosts; h++) line(t0, `CURRENT HOST STATE: host${h};UP;HARD;1;PING OK - Packet loss = 0%, RTA = 0.45 ms`);
    for (let h = 0; h < hosts; h++)
      for (let j = 0; j < services; j++) line(t0, `CURRENT SERVICE STATE: host${h};${svc(j)};OK;HARD;1;OK - everything is fine here, nothing to see`);
    // events of the day in time order
    const events: [number, string][] = [];
    for (let h = 0; h < hosts; h++)
      for (let j = 0; j < services; j++) {
        if (rnd() < 0.4) {
          const t = t0 + Math.floor(rnd() * 80000);
          const name = `host${h};${svc(j)}`;
          events.push([t, `SERVICE ALERT: ${name};CRITICAL;SOFT;1;CRITICAL - Socket timeout after 10 seconds`]);
          events.push([t + 60, `SERVICE ALERT: ${name};CRITICAL;SOFT;2;CRITICAL - Socket timeout after 10 seconds`]);
          if (rnd() < 0.5) {
            events.push([t + 120, `SERVICE ALERT: ${name};CRITICAL;HARD;3;CRITICAL - Socket timeout after 10 seconds`]);
            events.push([t + 120, `SERVICE NOTIFICATION: nagiosadmin;${name};CRITICAL;notify-service-by-email;CRITICAL - Socket timeout after 10 seconds`]);
            events.push([t + 300 + Math.floor(rnd() * 3000), `SERVICE ALERT: ${name};OK;HARD;3;OK - back to normal`]);
          } else events.push([t + 180, `SERVICE ALERT: ${name};OK;SOFT;3;OK - back to normal`]);
        }
        if (rnd() < 0.3) events.push([t0 + Math.floor(rnd() * 86000), `EXTERNAL COMMAND: PROCESS_SERVICE_CHECK_RESULT;host${h};${svc(j)};0;passive result ok`]);
      }
    for (let h = 0; h < hosts; h++) {
      if (rnd() < 0.05) {
        const t = t0 + Math.floor(rnd() * 80000);
        events.push([t, `HOST ALERT: host${h};DOWN;SOFT;1;CRITICAL - Host Unreachable (10.0.0.${h % 250})`]);
        events.push([t + 60, `HOST ALERT: host${h};DOWN;HARD;2;CRITICAL - Host Unreachable (10.0.0.${h % 250})`]);
        events.push([t + 60 + Math.floor(rnd() * 5000), `HOST ALERT: host${h};UP;HARD;1;PING OK - Packet loss = 0%, RTA = 0.5 ms`]);
      }
      if (rnd() < 0.01) {
        const t = t0 + 3600 * 2;
        events.push([t, `HOST DOWNTIME ALERT: host${h};STARTED; Host has entered a period of scheduled downtime`]);
        events.push([t + 3600, `HOST DOWNTIME ALERT: host${h};STOPPED; Host has exited from a period of scheduled downtime`]);
      }
    }
    if (d % 30 === 7) {
      events.push([t0 + 43000, 'Caught SIGTERM, shutting down...']);
      events.push([t0 + 43000, 'Successfully shutdown... (PID=1234)']);
      events.push([t0 + 43100, 'Nagios 4.4.6 starting... (PID=2345)']);
      events.push([t0 + 43100, 'Local time is Mon Jan 5 12:00:00 CET 2026']);
    }
    events.sort((a, b) => a[0] - b[0]);
    for (const [t, s] of events) line(t, s);
    await flush();
  }
  await new Promise<void>((r) => ws.end(r));
  return { lines, bytes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [out, h, s, d] = process.argv.slice(2);
  const r = await generateYearLog(out, Number(h ?? 200), Number(s ?? 10), Number(d ?? 365));
  console.log(`${out}: ${r.lines} lines, ${(r.bytes / 1e6).toFixed(0)} MB`);
}
