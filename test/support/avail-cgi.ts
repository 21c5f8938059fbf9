// Runs Debian's Nagios 4 avail.cgi from the command line as a peer for our availability figures:
// a temp folder with nagios.cfg, cgi.cfg, the objects (hosts, services, timeperiods), objects.cache made by
// `nagios4 -vp`, a minimal status.dat and the log; the CGI's CSV parsed into seconds per state.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { GenHost } from './nagios-log-gen.ts';

const run = promisify(execFile);

/** Debian's avail.cgi (package nagios4-cgi). */
export const AVAIL_CGI = '/usr/lib/cgi-bin/nagios4/avail.cgi';
/** The Nagios 4 core binary (package nagios4-core): `-vp` writes objects.cache. */
export const NAGIOS4 = '/usr/sbin/nagios4';

/** True when avail.cgi and nagios4 are installed; throws in CI (CI=true) when they are not: a missing peer is a failure there. */
export function needAvailCgi(): boolean {
  const ok = existsSync(AVAIL_CGI) && existsSync(NAGIOS4);
  if (!ok && process.env.CI) throw new Error(`avail.cgi cross-check needs ${AVAIL_CGI} and ${NAGIOS4}: apt-get install -y nagios4-cgi nagios4-core`);
  return ok;
}

/** A Nagios time period: name and its definition lines (`monday 08:00-18:00`, `2024-03-06 00:00-24:00`, `exclude holidays`). */
export interface TimePeriod { name: string; lines: string[] }

/** The Nagios `workhours` period a school would define: Mon–Fri 08:00–18:00. */
export const WORKHOURS: TimePeriod = {
  name: 'workhours',
  lines: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((d) => `${d} 08:00-18:00`),
};

/** One avail.cgi report: the subjects, the window [t1, t2), the zone and the options that differ from the defaults. */
export interface AvailCgiQuery {
  /** a host name or `all` */
  host: string;
  /** a service description, or `all` (with host=all: every service); omit for host availability */
  service?: string;
  /** epoch seconds */
  t1: number;
  t2: number;
  /** TZ for the CGI: its weekday and midnight arithmetic is local time */
  tz: string;
  /** report time period name (a defined time period); omit for 24x7 */
  rpttimeperiod?: string;
  /** `yes` (the CGI default) keeps the last state while Nagios was not running; `no` counts it as undetermined */
  assumeStatesDuringNotRunning?: boolean;
  /** archives to read before t1 for the initial state (0: none) */
  backtrack?: number;
}

/** One subject's seconds as avail.cgi reports them, keyed by the CSV column (`TIME_UP_SCHEDULED`, `TIME_UNDETERMINED_NO_DATA` …). */
export interface AvailCgiRow {
  host: string;
  service: string | null;
  seconds: Record<string, number>;
}

function objectsCfg(hosts: GenHost[], periods: TimePeriod[]): string {
  const tp = (p: TimePeriod) => `define timeperiod {\n  timeperiod_name ${p.name}\n  alias ${p.name}\n${p.lines.map((l) => `  ${l}`).join('\n')}\n}\n`;
  const all: TimePeriod = { name: '24x7', lines: ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].map((d) => `${d} 00:00-24:00`) };
  const out = [tp(all), ...periods.map(tp)];
  out.push('define command {\n  command_name check_dummy\n  command_line /bin/true\n}\n');
  out.push(`define contact {
  contact_name nagiosadmin
  alias admin
  host_notifications_enabled 0
  service_notifications_enabled 0
  host_notification_period 24x7
  service_notification_period 24x7
  host_notification_options n
  service_notification_options n
  host_notification_commands check_dummy
  service_notification_commands check_dummy
}
`);
  for (const h of hosts) {
    out.push(`define host {\n  host_name ${h.name}\n  alias ${h.name}\n  address 127.0.0.1\n  check_command check_dummy\n  max_check_attempts 3\n  check_period 24x7\n  notification_period 24x7\n  contacts nagiosadmin\n}\n`);
    for (const s of h.services)
      out.push(`define service {\n  host_name ${h.name}\n  service_description ${s}\n  check_command check_dummy\n  max_check_attempts 3\n  check_interval 5\n  retry_interval 1\n  check_period 24x7\n  notification_period 24x7\n  contacts nagiosadmin\n}\n`);
  }
  return out.join('');
}

/** Parse the CGI's CSV (`"a", 1, 2.000%` …); numbers that wrapped around as unsigned 64-bit come back negative. */
export function parseAvailCsv(stdout: string): AvailCgiRow[] {
  const body = stdout.slice(stdout.indexOf('\n\n') >= 0 ? stdout.indexOf('\n\n') + 2 : stdout.indexOf('\r\n\r\n') + 4).trim();
  if (!body) return [];
  const [head, ...lines] = body.split(/\r?\n/);
  const cols = head.split(',').map((c) => c.trim());
  const rows: AvailCgiRow[] = [];
  for (const line of lines) {
    const fields = line.match(/("([^"]|"")*"|[^,]*)(,\s*|$)/g)!.map((f) => f.replace(/,\s*$/, '').trim()).filter((_, i, a) => i < a.length);
    const value = (name: string) => fields[cols.indexOf(name)];
    const unq = (v: string | undefined) => (v ?? '').replace(/^"|"$/g, '').replace(/""/g, '"');
    const seconds: Record<string, number> = {};
    cols.forEach((c, i) => {
      if (!c.startsWith('TIME_')) return;
      const big = BigInt(fields[i]);
      seconds[c] = Number(big >= 2n ** 63n ? big - 2n ** 64n : big);
    });
    rows.push({ host: unq(value('HOST_NAME')), service: cols.includes('SERVICE_DESCRIPTION') ? unq(value('SERVICE_DESCRIPTION')) : null, seconds });
  }
  return rows;
}

/** A prepared avail.cgi: config, objects.cache and status.dat in a temp folder, reading the given log (and archives). */
export class AvailCgi {
  private constructor(readonly dir: string) {}

  /** Prepare the folder and objects.cache for `hosts` (every host and service of the log) and extra time periods. */
  static setup(opts: { hosts: GenHost[]; log: string; archiveDir?: string; timeperiods?: TimePeriod[] }): AvailCgi {
    const dir = mkdtempSync(join(tmpdir(), 'avail-cgi-'));
    const archives = opts.archiveDir ?? join(dir, 'archives');
    const cfg = {
      log_file: opts.log,
      log_archive_path: archives,
      // d: daily archives nagios-MM-DD-YYYY-00.log, so the CGI reads them for older time ranges
      log_rotation_method: opts.archiveDir ? 'd' : 'n',
      object_cache_file: join(dir, 'objects.cache'),
      precached_object_file: join(dir, 'objects.cache'),
      status_file: join(dir, 'status.dat'),
      cfg_file: join(dir, 'objects.cfg'),
      interval_length: '60',
      date_format: 'iso8601',
      check_result_path: dir,
      lock_file: join(dir, 'nagios.lock'),
      temp_file: join(dir, 'nagios.tmp'),
      temp_path: dir,
      state_retention_file: join(dir, 'retention.dat'),
      command_file: join(dir, 'nagios.cmd'),
      nagios_user: 'nagios',
      nagios_group: 'nagios',
    };
    writeFileSync(join(dir, 'nagios.cfg'), Object.entries(cfg).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
    writeFileSync(join(dir, 'cgi.cfg'), [
      `main_config_file=${join(dir, 'nagios.cfg')}`,
      'physical_html_path=/usr/share/nagios4/htdocs',
      'url_html_path=/nagios4',
      'use_authentication=1',
      'authorized_for_all_hosts=nagiosadmin',
      'authorized_for_all_services=nagiosadmin',
    ].join('\n') + '\n');
    writeFileSync(join(dir, 'objects.cfg'), objectsCfg(opts.hosts, opts.timeperiods ?? []));
    writeFileSync(join(dir, 'status.dat'), 'info {\n\tcreated=1\n\tversion=4.4.6\n}\nprogramstatus {\n\tnagios_pid=1\n}\n');
    chmodSync(dir, 0o777);
    if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'nagios:nagios', dir]);
    try {
      execFileSync(NAGIOS4, ['-vp', join(dir, 'nagios.cfg')], { stdio: 'pipe' });
    } catch (err) {
      const out = (err as { stdout?: Buffer }).stdout?.toString() ?? '';
      throw new Error(`nagios4 -vp rejected the generated objects:\n${out.split('\n').filter((l) => /Error|Warning/.test(l)).join('\n')}`);
    }
    return new AvailCgi(dir);
  }

  /** The query string avail.cgi gets for `q` (the defaults AVAIL-CGI.md lists). */
  static queryString(q: AvailCgiQuery): string {
    const params: [string, string][] = [['host', q.host]];
    if (q.service) params.push(['service', q.service]);
    params.push(
      ['timeperiod', 'custom'], ['t1', String(q.t1)], ['t2', String(q.t2)],
      ['assumeinitialstates', 'yes'], ['assumestateretention', 'yes'],
      ['assumestatesduringnotrunning', q.assumeStatesDuringNotRunning === false ? 'no' : 'yes'],
      ['includesoftstates', 'no'], ['initialassumedhoststate', '0'], ['initialassumedservicestate', '0'],
      ['showscheduleddowntime', 'yes'], ['backtrack', String(q.backtrack ?? 0)],
    );
    if (q.rpttimeperiod) params.push(['rpttimeperiod', q.rpttimeperiod]);
    return params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&') + '&csvoutput';
  }

  /** The environment the CGI runs with. */
  env(q: AvailCgiQuery): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      NAGIOS_CGI_CONFIG: join(this.dir, 'cgi.cfg'),
      REQUEST_METHOD: 'GET',
      REMOTE_USER: 'nagiosadmin',
      TZ: q.tz,
      QUERY_STRING: AvailCgi.queryString(q),
    };
  }

  /** Run avail.cgi for `q` and return its rows. */
  async query(q: AvailCgiQuery): Promise<AvailCgiRow[]> {
    const { stdout } = await run(AVAIL_CGI, [], { env: this.env(q), maxBuffer: 256 * 1024 * 1024 });
    const rows = parseAvailCsv(stdout);
    if (rows.length === 0) throw new Error(`avail.cgi returned no rows for ${AvailCgi.queryString(q)}:\n${stdout.slice(0, 2000)}`);
    return rows;
  }

  /** Remove the temp folder. */
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What our report calls up / down / planned / unknown, summed from an avail.cgi row (scheduled = planned, whatever the state). */
export function toOurTerms(row: AvailCgiRow): { up: number; down: number; planned: number; unknown: number; total: number } {
  const s = row.seconds;
  const g = (k: string) => s[k] ?? 0;
  const undetermined = g('TIME_UNDETERMINED_NOT_RUNNING') + g('TIME_UNDETERMINED_NO_DATA');
  if (row.service === null) {
    const planned = g('TIME_UP_SCHEDULED') + g('TIME_DOWN_SCHEDULED') + g('TIME_UNREACHABLE_SCHEDULED');
    const up = g('TIME_UP_UNSCHEDULED');
    const down = g('TIME_DOWN_UNSCHEDULED') + g('TIME_UNREACHABLE_UNSCHEDULED');
    return { up, down, planned, unknown: undetermined, total: up + down + planned + undetermined };
  }
  const planned = g('TIME_OK_SCHEDULED') + g('TIME_WARNING_SCHEDULED') + g('TIME_UNKNOWN_SCHEDULED') + g('TIME_CRITICAL_SCHEDULED');
  const up = g('TIME_OK_UNSCHEDULED') + g('TIME_WARNING_UNSCHEDULED');
  const down = g('TIME_CRITICAL_UNSCHEDULED');
  const unknown = g('TIME_UNKNOWN_UNSCHEDULED') + undetermined;
  return { up, down, planned, unknown, total: up + down + planned + unknown };
}
