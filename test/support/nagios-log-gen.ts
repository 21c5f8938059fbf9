// Generates realistic Nagios 4 logs (alerts with SOFT/HARD attempts, notifications, downtimes, program restarts,
// daily LOG ROTATION with CURRENT states and archives named like Nagios names them) from a seed, for the
// avail.cgi cross-check tests and for bench/availability. Same seed, same log.
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';

/** One monitored host and its services. */
export interface GenHost { name: string; services: string[] }

/** What to generate: the seed, the time span, the subjects, and how eventful their life is. */
export interface LogGenOptions {
  seed: number;
  /** epoch seconds of the first line (a UTC midnight when rotating daily) */
  from: number;
  /** epoch seconds, exclusive: nothing is logged at or after it */
  to: number;
  hosts: GenHost[];
  /** HARD problems per subject per day (mean) */
  problemsPerDay?: number;
  /** SOFT problems that recover before turning HARD, per subject per day */
  softBlipsPerDay?: number;
  /** mean length of a HARD problem, seconds (a mix of short and long ones around it) */
  meanProblemSeconds?: number;
  /** scheduled downtimes: chance per host per day, and the UTC hours [from, to) they must lie in */
  downtimes?: { perHostPerDay: number; hours: [number, number]; weekdaysOnly?: boolean } | false;
  /** program restarts: chance per day, the UTC hours they happen in, the gap while Nagios is not running */
  restarts?: { perDay: number; hours: [number, number]; gapSeconds: [number, number] } | false;
  /** notifications, external commands, retention saves, worker warnings: lines a real log has and a parser must skip */
  noise?: boolean;
  /** `daily`: LOG ROTATION at each UTC midnight with CURRENT states, archives in `archives/` */
  rotation?: 'none' | 'daily';
}

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` hosts named `school-srv-001`… each with `services` services (`svc-01`…). */
export function hostsOf(count: number, services: number): GenHost[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `school-srv-${String(i + 1).padStart(3, '0')}`,
    services: Array.from({ length: services }, (_, k) => SERVICE_NAMES[k] ?? `svc-${String(k + 1).padStart(2, '0')}`),
  }));
}

const SERVICE_NAMES = ['HTTP', 'SSH', 'Disk /home', 'NFS', 'LDAP', 'Load', 'Printing', 'Swap', 'DNS', 'NTP'];

interface Subject {
  host: string;
  service: string | null;
  state: string;
}

const OK_OUT: Record<string, string> = {
  UP: 'PING OK - Packet loss = 0%, RTA = 0.45 ms',
  OK: 'OK - check returned in 0.012 second response time',
  WARNING: 'WARNING - load average: 7.12, 6.01, 5.40',
  CRITICAL: 'CRITICAL - Socket timeout after 10 seconds',
  UNKNOWN: 'UNKNOWN - NRPE: Unable to read output',
  DOWN: 'PING CRITICAL - Packet loss = 100%',
  UNREACHABLE: 'CRITICAL - Host Unreachable (10.0.0.1)',
};

const MAX_ATTEMPTS = 3;
const RETRY = 60;

/** time, order of creation, line, and for HARD alerts the subject and its new state */
type Ev = [time: number, seq: number, line: string, subject: number, hardState: string | null];

/** The log line by line in time order; a `{ file }` marker where a daily rotation starts a new file (its archive name). */
export function* generateLines(opts: LogGenOptions): Generator<string | { file: string }> {
  const rnd = prng(opts.seed);
  const exp = (mean: number) => -Math.log(1 - rnd()) * mean;
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const problemRate = (opts.problemsPerDay ?? 0.25) / 86400;
  const blipRate = (opts.softBlipsPerDay ?? 0.5) / 86400;
  const meanProblem = opts.meanProblemSeconds ?? 3600;
  const subjects: Subject[] = [];
  for (const h of opts.hosts) {
    subjects.push({ host: h.name, service: null, state: 'UP' });
    for (const s of h.services) subjects.push({ host: h.name, service: s, state: 'OK' });
  }
  let seq = 0;
  let pid = 1000 + Math.floor(rnd() * 9000);
  const stamp = (t: number, text: string) => `[${Math.floor(t)}] ${text}`;
  const okState = (s: Subject) => (s.service ? 'OK' : 'UP');
  const alert = (s: Subject, state: string, type: 'SOFT' | 'HARD', attempt: number) =>
    s.service
      ? `SERVICE ALERT: ${s.host};${s.service};${state};${type};${attempt};${OK_OUT[state]}`
      : `HOST ALERT: ${s.host};${state};${type};${attempt};${OK_OUT[state]}`;
  const current = (s: Subject, kind: 'CURRENT' | 'INITIAL') =>
    s.service
      ? `${kind} SERVICE STATE: ${s.host};${s.service};${s.state};HARD;1;${OK_OUT[s.state]}`
      : `${kind} HOST STATE: ${s.host};${s.state};HARD;1;${OK_OUT[s.state]}`;
  const badStates = (s: Subject) => (s.service ? ['CRITICAL', 'CRITICAL', 'CRITICAL', 'WARNING', 'UNKNOWN'] : ['DOWN', 'DOWN', 'DOWN', 'UNREACHABLE']);

  // every subject's own schedule: the time of its next change
  const pending: Ev[] = [];
  let pending2: Ev[] = [];
  const push = (t: number, line: string, subject = -1, hardState: string | null = null) => pending.push([Math.floor(t), seq++, line, subject, hardState]);

  const nextStart = new Float64Array(subjects.length);
  subjects.forEach((_, i) => (nextStart[i] = opts.from + 1 + exp(1 / (problemRate + blipRate))));

  const first = opts.from;
  yield stamp(first, `Nagios 4.4.6 starting... (PID=${pid})`);
  yield stamp(first, 'Local time is ' + new Date(first * 1000).toUTCString());
  yield stamp(first, 'LOG VERSION: 2.0');
  for (const s of subjects) yield stamp(first, current(s, 'INITIAL'));

  for (let day = opts.from - (opts.from % 86400); day < opts.to; day += 86400) {
    const dayEnd = Math.min(day + 86400, opts.to);
    if (day > opts.from && opts.rotation === 'daily') {
      yield { file: archiveName(day) };
      yield stamp(day, 'LOG ROTATION: DAILY');
      yield stamp(day, 'LOG VERSION: 2.0');
      for (const s of subjects) yield stamp(day, current(s, 'CURRENT'));
    }
    // subjects: problems and blips starting today (a problem may recover tomorrow: it stays pending)
    subjects.forEach((s, i) => {
      while (nextStart[i] < dayEnd) {
        const t0 = nextStart[i];
        const bad = pick(badStates(s));
        if (rnd() < blipRate / (problemRate + blipRate)) {
          push(t0, alert(s, bad, 'SOFT', 1));
          push(t0 + RETRY, alert(s, okState(s), 'SOFT', 2));
          nextStart[i] = t0 + RETRY + 1 + exp(1 / (problemRate + blipRate));
        } else {
          for (let a = 1; a < MAX_ATTEMPTS; a++) push(t0 + (a - 1) * RETRY, alert(s, bad, 'SOFT', a));
          const hard = t0 + (MAX_ATTEMPTS - 1) * RETRY;
          push(hard, alert(s, bad, 'HARD', MAX_ATTEMPTS), i, bad);
          if (opts.noise) push(hard, s.service
            ? `SERVICE NOTIFICATION: nagiosadmin;${s.host};${s.service};${bad};notify-service-by-email;${OK_OUT[bad]}`
            : `HOST NOTIFICATION: nagiosadmin;${s.host};${bad};notify-host-by-email;${OK_OUT[bad]}`);
          const len = Math.max(RETRY, rnd() < 0.7 ? exp(meanProblem * 0.3) : exp(meanProblem * 2.6));
          const end = hard + len;
          push(end, alert(s, okState(s), 'HARD', 1), i, okState(s));
          if (opts.noise) push(end, s.service
            ? `SERVICE NOTIFICATION: nagiosadmin;${s.host};${s.service};RECOVERY;notify-service-by-email;${OK_OUT.OK}`
            : `HOST NOTIFICATION: nagiosadmin;${s.host};RECOVERY;notify-host-by-email;${OK_OUT.UP}`);
          nextStart[i] = end + 1 + exp(1 / (problemRate + blipRate));
        }
      }
    });
    // downtimes: at most one per host per day (host or one of its services), inside the allowed hours
    const weekday = new Date(day * 1000).getUTCDay();
    if (opts.downtimes && !(opts.downtimes.weekdaysOnly && (weekday === 0 || weekday === 6))) {
      const [h0, h1] = opts.downtimes.hours;
      for (const h of opts.hosts) {
        if (rnd() >= opts.downtimes.perHostPerDay) continue;
        const start = day + h0 * 3600 + Math.floor(rnd() * (h1 - h0 - 1) * 3600);
        const end = Math.min(start + 600 + Math.floor(rnd() * 3 * 3600), day + h1 * 3600 - 1);
        if (end > dayEnd) continue;
        const svc = rnd() < 0.5 ? null : pick(h.services);
        const cancelled = rnd() < 0.15;
        if (opts.noise) push(start - 300, svc
          ? `EXTERNAL COMMAND: SCHEDULE_SVC_DOWNTIME;${h.name};${svc};${start};${end};1;0;${end - start};admin;Patching`
          : `EXTERNAL COMMAND: SCHEDULE_HOST_DOWNTIME;${h.name};${start};${end};1;0;${end - start};admin;Patching`);
        push(start, svc
          ? `SERVICE DOWNTIME ALERT: ${h.name};${svc};STARTED; Service has entered a period of scheduled downtime`
          : `HOST DOWNTIME ALERT: ${h.name};STARTED; Host has entered a period of scheduled downtime`);
        push(end, svc
          ? `SERVICE DOWNTIME ALERT: ${h.name};${svc};${cancelled ? 'CANCELLED; Scheduled downtime for service has been cancelled.' : 'STOPPED; Service has exited from a period of scheduled downtime'}`
          : `HOST DOWNTIME ALERT: ${h.name};${cancelled ? 'CANCELLED; Scheduled downtime for host has been cancelled.' : 'STOPPED; Host has exited from a period of scheduled downtime'}`);
      }
    }
    const gaps: [number, number][] = [];
    if (opts.restarts && rnd() < opts.restarts.perDay) {
      const [h0, h1] = opts.restarts.hours;
      const stop = day + h0 * 3600 + Math.floor(rnd() * (h1 - h0) * 3600);
      const [g0, g1] = opts.restarts.gapSeconds;
      const start = stop + g0 + Math.floor(rnd() * (g1 - g0));
      if (start < dayEnd) {
        push(stop, 'Caught SIGTERM, shutting down...');
        push(stop, `Successfully shutdown... (PID=${pid})`);
        pid += 1 + Math.floor(rnd() * 50);
        push(start, `Nagios 4.4.6 starting... (PID=${pid})`);
        push(start, 'LOG VERSION: 2.0');
        gaps.push([stop, start]);
      }
    }
    if (opts.noise) {
      for (let t = day + 3599; t < dayEnd; t += 3600) push(t, 'Auto-save of retention data completed successfully.');
      if (rnd() < 0.3) push(day + Math.floor(rnd() * 86400), `wproc: Core Worker ${pid + 3}: job ${Math.floor(rnd() * 9e5)} (pid=${Math.floor(rnd() * 3e4)}) timed out. Killing it`);
    }
    // emit today's events in time order; while Nagios is down nothing is checked: defer to the restart
    const today: Ev[] = [];
    pending2 = [];
    for (const e of pending) (e[0] < dayEnd ? today : pending2).push(e);
    pending.length = 0;
    pending.push(...pending2);
    for (const e of today) {
      const line = e[2];
      if (line.startsWith('Caught') || line.startsWith('Successfully') || line.startsWith('Nagios 4') || line.startsWith('LOG VERSION')) continue;
      for (const [a, b] of gaps) if (e[0] >= a && e[0] <= b) e[0] = b + 1;
    }
    today.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [t, , line, subject, hardState] of today) {
      if (t >= opts.to) continue;
      if (hardState !== null) subjects[subject].state = hardState;
      yield stamp(t, line);
    }
    if (pending.length > 100_000) throw new Error('generator: too many pending events');
  }
  if (opts.rotation === 'daily' && opts.to % 86400 === 0) {
    // the log of the last day is rotated at `to` like every other: the current nagios.log starts there
    yield { file: archiveName(opts.to) };
    yield stamp(opts.to, 'LOG ROTATION: DAILY');
    yield stamp(opts.to, 'LOG VERSION: 2.0');
    for (const s of subjects) yield stamp(opts.to, current(s, 'CURRENT'));
  }
}

/** The archive name Nagios gives the log rotated at `rotatedAt` (epoch s, UTC): nagios-MM-DD-YYYY-HH.log. */
export function archiveName(rotatedAt: number): string {
  const d = new Date(rotatedAt * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `nagios-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${d.getUTCFullYear()}-${p(d.getUTCHours())}.log`;
}

/** The whole log as one string (for small test scenarios; rotation markers are dropped). */
export function generateLog(opts: LogGenOptions): string {
  const out: string[] = [];
  for (const l of generateLines({ ...opts, rotation: 'none' })) if (typeof l === 'string') out.push(l);
  return out.join('\n') + '\n';
}

/**
 * Writes the log to `dir`: `nagios.log` (the current file) and, when rotating daily, `archives/nagios-MM-DD-YYYY-00.log`
 * (day d is in the archive named for the rotation at the next midnight, as Nagios names them; with `to` at a
 * midnight, the last day is archived too and nagios.log holds only the rotation at `to`).
 */
export async function writeLogs(opts: LogGenOptions, dir: string): Promise<{ current: string; archiveDir: string; files: string[]; lines: number; bytes: number }> {
  const archiveDir = join(dir, 'archives');
  mkdirSync(archiveDir, { recursive: true });
  const files: string[] = [];
  let lines = 0, bytes = 0;
  let buf: string[] = [];
  let stream: ReturnType<typeof createWriteStream> | null = null;
  const flush = async () => {
    if (!stream || buf.length === 0) return;
    const chunk = buf.join('\n') + '\n';
    buf = [];
    bytes += Buffer.byteLength(chunk);
    if (!stream.write(chunk)) await once(stream, 'drain');
  };
  const close = async () => {
    await flush();
    if (stream) { stream.end(); await once(stream, 'finish'); }
  };
  // Nagios writes into nagios.log and moves it to the archive at rotation; we know the names ahead
  const names: string[] = [];
  if (opts.rotation === 'daily') for (const l of generateLinesNamesOnly(opts)) names.push(l);
  let index = 0;
  const open = (path: string) => { files.push(path); stream = createWriteStream(path); };
  open(names.length > 0 ? join(archiveDir, names[0]) : join(dir, 'nagios.log'));
  for (const l of generateLines(opts)) {
    if (typeof l !== 'string') {
      await close();
      index++;
      open(index < names.length ? join(archiveDir, names[index]) : join(dir, 'nagios.log'));
      continue;
    }
    buf.push(l);
    lines++;
    if (buf.length >= 4096) await flush();
  }
  await close();
  return { current: join(dir, 'nagios.log'), archiveDir, files, lines, bytes };
}

/** Archive names in order: the file holding day d is named for the rotation at the next midnight (up to and including `to`). */
function* generateLinesNamesOnly(opts: LogGenOptions): Generator<string> {
  const startDay = opts.from - (opts.from % 86400);
  for (let day = startDay + 86400; day <= opts.to; day += 86400) yield archiveName(day);
}
