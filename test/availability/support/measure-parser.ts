// Measure the log parser: MB/s, lines/s and peak RSS on a file, for a few subjects and for all.
// Usage: npx tsx test/availability/support/measure-parser.ts FILE [hosts] [services]
import { stat } from 'node:fs/promises';
import { scanLogs, type Subject } from '../../../src/io/nagios-log.ts';

const [file, h = '200', s = '10'] = process.argv.slice(2);
const names = ['PING', 'SSH', 'HTTP', 'Disk /home', 'Load', 'NFS', 'Samba', 'LDAP', 'DNS', 'NTP'];
const all: Subject[] = [];
for (let i = 0; i < Number(h); i++) {
  all.push({ host: `host${i}` });
  for (let j = 0; j < Number(s); j++) all.push({ host: `host${i}`, service: names[j % names.length] });
}
const size = (await stat(file)).size;
let peak = 0;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
for (const [label, subjects] of [['5 subjects', all.slice(0, 5)], [`${all.length} subjects`, all]] as const) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const scan = await scanLogs([file], [...subjects]);
  const secs = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  // CPU time: what the figure is on an idle machine (the wall clock counts other processes too)
  const cpu = (c.user + c.system) / 1e6;
  const lines = scan.inputs[0].lines;
  let events = 0;
  for (const l of scan.events.values()) events += l.length;
  console.log(`${label}: ${(size / 1e6 / secs).toFixed(0)} MB/s wall, ${(size / 1e6 / cpu).toFixed(0)} MB per CPU-second, ${(lines / secs / 1e6).toFixed(2)} M lines/s wall, ${secs.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU, ${events} events kept, peak RSS ${(Math.max(peak, process.memoryUsage.rss()) / 1e6).toFixed(0)} MB`);
}
clearInterval(timer);
