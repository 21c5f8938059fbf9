// Streaming parser for Nagios 3/4 and Icinga (1.x, and 2's compat log) `nagios.log` files:
// `[epoch] TYPE: field;field;...`. Reads large chunks, splits lines at the byte level, rejects
// uninteresting lines by a cheap prefix check before decoding anything, and keeps only the
// events of the subjects the caller asks for, compactly (see core/states.ts EventList).
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { DateTime } from 'luxon';
import { ConfigError, SpecError, type SpecIssue } from '../core/errors.ts';
import type { InputSummary } from '../core/report-model.ts';
import { Ev, EventList, MAX_TIME, State } from '../core/states.ts';

/** A monitored subject: a host, or a service on a host. */
export interface Subject {
  host: string;
  service?: string;
}

/** Options for reading logs. */
export interface ScanOptions {
  /** malformed lines are fatal (SpecError with file:line for each) */
  strict?: boolean;
  /** zone for human-readable timestamps (`[Tue Jan 12 00:00:00 2016]`); default UTC */
  zone?: string;
  /** called now and then with the bytes read so far over all files, and the total */
  onProgress?: (read: number, total: number) => void;
  /** hand events on while reading instead of keeping them all (see FoldOptions) */
  fold?: FoldOptions;
}

/**
 * Reading with a fold: every `everyBytes`, each subject's events older than the latest logged
 * time minus `slackSeconds` are final (sorted, stably) and go to `take`, and are forgotten; at
 * the end, all the rest. Memory then stays flat whatever the size of the logs. A line older than
 * a fold's horizon arrives too late to be placed: the scan says so (`late`) and the caller must
 * read again without a fold.
 */
export interface FoldOptions {
  everyBytes: number;
  slackSeconds: number;
  /** the next events of a subject (by subjectKey), in time order: columns [0, n) */
  take(key: string, times: Uint32Array, codes: Uint8Array, n: number): void;
}

/** What the logs said about the subjects asked for. */
export interface LogScan {
  /** events per subject, by `subjectKey`, sorted by time (stable) */
  events: Map<string, EventList>;
  /** subject keys for which at least one state was logged */
  seen: Set<string>;
  inputs: InputSummary[];
  /** with a fold: a line came older than a fold's horizon (the fold's results are not valid) */
  late: boolean;
  /** earliest and latest timestamp in the logs (epoch seconds), null for empty logs */
  firstTime: number | null;
  lastTime: number | null;
}

/** The map key of a subject. */
export function subjectKey(s: Subject): string {
  return s.service === undefined ? s.host : `${s.host};${s.service}`;
}


const enc = (s: string) => Buffer.from(s, 'latin1');
const P = {
  SERVICE_ALERT: enc('SERVICE ALERT: '),
  SERVICE_DOWNTIME: enc('SERVICE DOWNTIME ALERT: '),
  SUCCESSFULLY_SHUTDOWN: enc('Successfully shutdown'),
  HOST_ALERT: enc('HOST ALERT: '),
  HOST_DOWNTIME: enc('HOST DOWNTIME ALERT: '),
  CURRENT_HOST: enc('CURRENT HOST STATE: '),
  CURRENT_SERVICE: enc('CURRENT SERVICE STATE: '),
  INITIAL_HOST: enc('INITIAL HOST STATE: '),
  INITIAL_SERVICE: enc('INITIAL SERVICE STATE: '),
  CAUGHT_SIG: enc('Caught SIG'),
  NAGIOS: enc('Nagios '),
  ICINGA: enc('Icinga '),
  BAILING_OUT: enc('Bailing out'),
  PROGRAM_RESTART: enc('PROGRAM_RESTART'),
  LOG_: enc('LOG '),
  STARTING: enc(' starting...'),
  SHUTTING_DOWN: enc('shutting down...'),
  RESTARTING: enc('restarting...'),
};

function startsWith(buf: Buffer, pos: number, end: number, prefix: Buffer): boolean {
  const n = prefix.length;
  if (end - pos < n) return false;
  for (let i = 0; i < n; i++) if (buf[pos + i] !== prefix[i]) return false;
  return true;
}

function contains(buf: Buffer, pos: number, end: number, needle: Buffer): boolean {
  const i = buf.indexOf(needle, pos);
  return i >= 0 && i + needle.length <= end;
}

/** Index of the first `;` in [a, end), or -1 (a loop: the fields are short, a native call costs more). */
function semi(buf: Buffer, a: number, end: number): number {
  for (let i = a; i < end; i++) if (buf[i] === 0x3b) return i;
  return -1;
}

function eqAscii(buf: Buffer, a: number, b: number, s: string): boolean {
  if (b - a !== s.length) return false;
  for (let i = 0; i < s.length; i++) if (buf[a + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** State code of a host state field; `OK` is accepted as UP (some Nagios 3 lines write it). -1 if invalid. */
function hostState(buf: Buffer, a: number, b: number): number {
  if (eqAscii(buf, a, b, 'UP') || eqAscii(buf, a, b, 'OK')) return State.OK;
  if (eqAscii(buf, a, b, 'DOWN')) return State.DOWN;
  if (eqAscii(buf, a, b, 'UNREACHABLE')) return State.UNREACHABLE;
  return -1;
}

/** State code of a service state field, -1 if invalid. */
function serviceState(buf: Buffer, a: number, b: number): number {
  if (eqAscii(buf, a, b, 'OK')) return State.OK;
  if (eqAscii(buf, a, b, 'WARNING')) return State.WARNING;
  if (eqAscii(buf, a, b, 'CRITICAL')) return State.CRITICAL;
  if (eqAscii(buf, a, b, 'UNKNOWN')) return State.UNKNOWN;
  return -1;
}

/** 0 for HARD, Ev.SOFT for SOFT, -1 if invalid. */
function stateType(buf: Buffer, a: number, b: number): number {
  if (eqAscii(buf, a, b, 'HARD')) return 0;
  if (eqAscii(buf, a, b, 'SOFT')) return Ev.SOFT;
  return -1;
}

/** 0 started, 1 stopped/cancelled, -1 invalid. */
function downtimeAction(buf: Buffer, a: number, b: number): number {
  // the field may carry trailing blanks in some versions
  while (b > a && buf[b - 1] === 0x20) b--;
  if (eqAscii(buf, a, b, 'STARTED')) return 0;
  if (eqAscii(buf, a, b, 'STOPPED') || eqAscii(buf, a, b, 'CANCELLED')) return 1;
  return -1;
}

const MONTHS: Record<string, number> = { Jan: 1, Feb: 2, Mar: 3, Apr: 4, May: 5, Jun: 6, Jul: 7, Aug: 8, Sep: 9, Oct: 10, Nov: 11, Dec: 12 };
const CTIME = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/** One name the parser looks up: a host (its own list, and every list that sees its downtime) or `host;service`. */
interface WantedEntry {
  bytes: Buffer;
  own?: EventList;
  downtime: EventList[];
  seen: boolean;
}

/** FNV-1a over bytes [a, b). */
function hashBytes(buf: Buffer, a: number, b: number): number {
  let h = 0x811c9dc5;
  for (let i = a; i < b; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  return h >>> 0;
}

/** The subjects asked for, indexed by a hash of their names' bytes, so lookups decode nothing. */
class Wanted {
  private readonly index = new Map<number, WantedEntry[]>();
  readonly all: EventList[] = [];
  readonly byKey = new Map<string, { list: EventList; entry: WantedEntry }>();

  constructor(subjects: Subject[]) {
    for (const s of subjects) {
      const key = subjectKey(s);
      if (this.byKey.has(key)) continue;
      const list = new EventList();
      this.all.push(list);
      const host = this.entry(Buffer.from(s.host, 'utf8'));
      host.downtime.push(list);
      let entry = host;
      if (s.service === undefined) host.own = list;
      else {
        entry = this.entry(Buffer.from(`${s.host};${s.service}`, 'utf8'));
        entry.own = list;
      }
      this.byKey.set(key, { list, entry });
    }
  }

  private entry(bytes: Buffer): WantedEntry {
    const h = hashBytes(bytes, 0, bytes.length);
    let bucket = this.index.get(h);
    if (!bucket) this.index.set(h, (bucket = []));
    let e = bucket.find((x) => x.bytes.equals(bytes));
    if (!e) bucket.push((e = { bytes, downtime: [], seen: false }));
    return e;
  }

  /** The entry whose name is the bytes [a, b) of buf, if asked for. */
  lookup(buf: Buffer, a: number, b: number): WantedEntry | undefined {
    return this.lookupHashed(buf, a, b, hashBytes(buf, a, b));
  }

  /** lookup() when the caller has already hashed the bytes [a, b) (FNV-1a, unsigned). */
  lookupHashed(buf: Buffer, a: number, b: number, hash: number): WantedEntry | undefined {
    const bucket = this.index.get(hash);
    if (!bucket) return undefined;
    const n = b - a;
    outer: for (const e of bucket) {
      if (e.bytes.length !== n) continue;
      for (let i = 0; i < n; i++) if (e.bytes[i] !== buf[a + i]) continue outer;
      return e;
    }
    return undefined;
  }
}

/** Parser state carried across files (program running, latest time seen). */
class Scanner {
  running = true;
  sawLine = false;
  maxTime = -Infinity;
  minTime = Infinity;
  private lastCtime = '';
  private lastCtimeValue = 0;

  constructor(
    readonly wanted: Wanted,
    readonly zone: string,
  ) {}

  /** Parse one line; returns an error reason for a malformed line, or null. */
  line(buf: Buffer, pos: number, end: number): string | null {
    if (buf[pos] !== 0x5b /* [ */) return 'expected `[epoch]` at the start of the line';
    let p = pos + 1;
    let t = 0;
    const c0 = buf[p];
    if (c0 >= 0x30 && c0 <= 0x39) {
      while (p < end) {
        const c = buf[p];
        if (c < 0x30 || c > 0x39) break;
        t = t * 10 + (c - 0x30);
        p++;
      }
      if (buf[p] !== 0x5d /* ] */) return 'expected `[epoch]` at the start of the line';
      if (t > MAX_TIME) return `expected \`[epoch]\` in seconds, got \`[${buf.toString('latin1', pos + 1, p)}]\` (milliseconds?)`;
    } else {
      const close = buf.indexOf(0x5d, p);
      if (close < 0 || close >= end) return 'expected `[epoch]` at the start of the line';
      const text = buf.toString('latin1', p, close);
      const parsed = this.ctime(text);
      if (parsed === null) return `expected \`[epoch]\` at the start of the line, got \`[${text}]\``;
      t = parsed;
      p = close;
    }
    p++; // ]
    if (buf[p] === 0x20) p++;
    // the latest time logged before this line: where an unannounced restart's gap begins
    const previous = this.sawLine ? this.maxTime : t;
    this.sawLine = true;
    if (t > this.maxTime) this.maxTime = t;
    if (t < this.minTime) this.minTime = t;

    switch (buf[p]) {
      case 0x53: // S
        if (startsWith(buf, p, end, P.SERVICE_ALERT)) return this.serviceState(buf, p + P.SERVICE_ALERT.length, end, t, 'SERVICE ALERT');
        if (startsWith(buf, p, end, P.SERVICE_DOWNTIME)) return this.serviceDowntime(buf, p + P.SERVICE_DOWNTIME.length, end, t);
        if (startsWith(buf, p, end, P.SUCCESSFULLY_SHUTDOWN)) this.program(t, false, previous);
        return null;
      case 0x48: // H
        if (startsWith(buf, p, end, P.HOST_ALERT)) return this.hostState(buf, p + P.HOST_ALERT.length, end, t, 'HOST ALERT');
        if (startsWith(buf, p, end, P.HOST_DOWNTIME)) return this.hostDowntime(buf, p + P.HOST_DOWNTIME.length, end, t);
        return null;
      case 0x43: // C
        if (startsWith(buf, p, end, P.CURRENT_SERVICE)) return this.serviceState(buf, p + P.CURRENT_SERVICE.length, end, t, 'CURRENT SERVICE STATE');
        if (startsWith(buf, p, end, P.CURRENT_HOST)) return this.hostState(buf, p + P.CURRENT_HOST.length, end, t, 'CURRENT HOST STATE');
        if (startsWith(buf, p, end, P.CAUGHT_SIG) && (contains(buf, p, end, P.SHUTTING_DOWN) || contains(buf, p, end, P.RESTARTING)))
          this.program(t, false, previous);
        return null;
      case 0x49: // I
        if (startsWith(buf, p, end, P.INITIAL_SERVICE)) return this.serviceState(buf, p + P.INITIAL_SERVICE.length, end, t, 'INITIAL SERVICE STATE');
        if (startsWith(buf, p, end, P.INITIAL_HOST)) return this.hostState(buf, p + P.INITIAL_HOST.length, end, t, 'INITIAL HOST STATE');
        if (startsWith(buf, p, end, P.ICINGA) && contains(buf, p, end, P.STARTING)) this.program(t, true, previous);
        return null;
      case 0x4e: // N
        if (startsWith(buf, p, end, P.NAGIOS) && contains(buf, p, end, P.STARTING)) this.program(t, true, previous);
        return null;
      case 0x42: // B
        if (startsWith(buf, p, end, P.BAILING_OUT)) this.program(t, false, previous);
        return null;
      case 0x50: // P
        if (startsWith(buf, p, end, P.PROGRAM_RESTART)) this.program(t, false, previous);
        return null;
      default:
        // LOG ROTATION / LOG VERSION and everything else well-formed carry no state
        return null;
    }
  }

  private ctime(text: string): number | null {
    if (text === this.lastCtime) return this.lastCtimeValue;
    const m = CTIME.exec(text);
    if (!m || !MONTHS[m[1]]) return null;
    const dt = DateTime.fromObject(
      { year: +m[6], month: MONTHS[m[1]], day: +m[2], hour: +m[3], minute: +m[4], second: +m[5] },
      { zone: this.zone },
    );
    if (!dt.isValid) return null;
    this.lastCtime = text;
    this.lastCtimeValue = Math.round(dt.toSeconds());
    return this.lastCtimeValue;
  }

  /** A program start or stop; a start while running means the program died unlogged after the previous line. */
  private program(t: number, start: boolean, previous: number): void {
    if (start && this.running && previous < t) for (const l of this.wanted.all) l.push(previous, Ev.PROGRAM_STOP);
    this.running = start;
    const code = start ? Ev.PROGRAM_START : Ev.PROGRAM_STOP;
    for (const l of this.wanted.all) l.push(t, code);
  }

  private hostState(buf: Buffer, p: number, end: number, t: number, what: string): string | null {
    // host name up to the first `;`, hashed on the way (the lookup key)
    let h = 0x811c9dc5;
    let s1 = p;
    for (; s1 < end; s1++) {
      const c = buf[s1];
      if (c === 0x3b) break;
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (s1 >= end || s1 === p) return `${what}: expected host;state;HARD|SOFT;attempt;output`;
    const s2 = semi(buf, s1 + 1, end);
    if (s2 < 0) return `${what}: expected host;state;HARD|SOFT;attempt;output`;
    let s3 = semi(buf, s2 + 1, end);
    if (s3 < 0) s3 = end;
    const state = hostState(buf, s1 + 1, s2);
    if (state < 0) return `${what}: expected host state UP, DOWN or UNREACHABLE, got \`${buf.toString('latin1', s1 + 1, s2)}\``;
    const type = stateType(buf, s2 + 1, s3);
    if (type < 0) return `${what}: expected HARD or SOFT, got \`${buf.toString('latin1', s2 + 1, s3)}\``;
    const entry = this.wanted.lookupHashed(buf, p, s1, h >>> 0);
    if (entry?.own) {
      entry.own.push(t, state + type);
      entry.seen = true;
    }
    return null;
  }

  private serviceState(buf: Buffer, p: number, end: number, t: number, what: string): string | null {
    // `host;service` up to the second `;`, hashed on the way (the lookup key)
    let h = 0x811c9dc5;
    let s1 = -1;
    let s2 = p;
    for (; s2 < end; s2++) {
      const c = buf[s2];
      if (c === 0x3b) {
        if (s1 >= 0) break;
        s1 = s2;
      }
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (s1 < 0 || s1 === p || s2 >= end) return `${what}: expected host;service;state;HARD|SOFT;attempt;output`;
    const s3 = semi(buf, s2 + 1, end);
    if (s3 < 0) return `${what}: expected host;service;state;HARD|SOFT;attempt;output`;
    let s4 = semi(buf, s3 + 1, end);
    if (s4 < 0) s4 = end;
    const state = serviceState(buf, s2 + 1, s3);
    if (state < 0) return `${what}: expected service state OK, WARNING, CRITICAL or UNKNOWN, got \`${buf.toString('latin1', s2 + 1, s3)}\``;
    const type = stateType(buf, s3 + 1, s4);
    if (type < 0) return `${what}: expected HARD or SOFT, got \`${buf.toString('latin1', s3 + 1, s4)}\``;
    const entry = this.wanted.lookupHashed(buf, p, s2, h >>> 0);
    if (entry?.own) {
      entry.own.push(t, state + type);
      entry.seen = true;
    }
    return null;
  }

  private hostDowntime(buf: Buffer, p: number, end: number, t: number): string | null {
    const s1 = buf.indexOf(0x3b, p);
    if (s1 < 0 || s1 >= end || s1 === p) return 'HOST DOWNTIME ALERT: expected host;STARTED|STOPPED|CANCELLED;comment';
    let s2 = buf.indexOf(0x3b, s1 + 1);
    if (s2 < 0 || s2 > end) s2 = end;
    const action = downtimeAction(buf, s1 + 1, s2);
    if (action < 0) return `HOST DOWNTIME ALERT: expected STARTED, STOPPED or CANCELLED, got \`${buf.toString('latin1', s1 + 1, s2)}\``;
    const entry = this.wanted.lookup(buf, p, s1);
    if (entry) {
      for (const l of entry.downtime) {
        if (l === entry.own) l.push(t, action ? Ev.DOWNTIME_STOP : Ev.DOWNTIME_START);
        else l.push(t, action ? Ev.HOST_DOWNTIME_STOP : Ev.HOST_DOWNTIME_START);
      }
    }
    return null;
  }

  private serviceDowntime(buf: Buffer, p: number, end: number, t: number): string | null {
    const s1 = buf.indexOf(0x3b, p);
    const s2 = s1 < 0 ? -1 : buf.indexOf(0x3b, s1 + 1);
    if (s1 < 0 || s2 < 0 || s2 >= end || s1 === p) return 'SERVICE DOWNTIME ALERT: expected host;service;STARTED|STOPPED|CANCELLED;comment';
    let s3 = buf.indexOf(0x3b, s2 + 1);
    if (s3 < 0 || s3 > end) s3 = end;
    const action = downtimeAction(buf, s2 + 1, s3);
    if (action < 0) return `SERVICE DOWNTIME ALERT: expected STARTED, STOPPED or CANCELLED, got \`${buf.toString('latin1', s2 + 1, s3)}\``;
    this.wanted.lookup(buf, p, s2)?.own?.push(t, action ? Ev.DOWNTIME_STOP : Ev.DOWNTIME_START);
    return null;
  }
}

const MAX_EXAMPLES = 20;
const NL = 0x0a;

const CHUNK = 1 << 20;

/**
 * Two read buffers shared by every file of one scan: a year of daily archives is hundreds of
 * files, and fresh multi-megabyte buffers per file are external memory that makes V8 run full
 * garbage collections (and grows the resident set) for nothing.
 */
class ReadBuffers {
  readonly bufs = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
}

/**
 * The bytes of a file in large chunks, the next read already in flight while the caller parses
 * the current one (the two shared buffers in turn: the caller must be done with a chunk before
 * asking for the next). Gzip archives are inflated on the way.
 */
async function* readChunks(file: string, shared: ReadBuffers): AsyncGenerator<Buffer> {
  if (file.endsWith('.gz')) {
    const raw = createReadStream(file, { highWaterMark: 1 << 20 });
    const stream = raw.pipe(createGunzip({ chunkSize: 1 << 20 }));
    raw.on('error', (e) => stream.destroy(e));
    yield* stream as AsyncIterable<Buffer>;
    return;
  }
  const fh = await open(file, 'r');
  const bufs = shared.bufs;
  let which = 0;
  let pending: Promise<{ bytesRead: number }> | null = fh.read(bufs[0], 0, CHUNK, null);
  try {
    for (;;) {
      const { bytesRead }: { bytesRead: number } = await pending;
      pending = null;
      if (bytesRead === 0) return;
      const current = bufs[which];
      which ^= 1;
      pending = fh.read(bufs[which], 0, CHUNK, null);
      yield current.subarray(0, bytesRead);
    }
  } finally {
    await pending?.catch(() => undefined);
    await fh.close();
  }
}

/** Read one file through the scanner, line by line, at the byte level. */
async function scanFile(file: string, scanner: Scanner, shared: ReadBuffers, onBytes: (n: number) => void): Promise<InputSummary> {
  const summary: InputSummary = { file, lines: 0, bytes: 0, malformed: 0, malformedExamples: [] };
  let lineNo = 0;
  const handle = (buf: Buffer, start: number, end: number) => {
    lineNo++;
    if (end > start && buf[end - 1] === 0x0d) end--; // CRLF
    if (end === start) return;
    const reason = scanner.line(buf, start, end);
    if (reason !== null) {
      summary.malformed++;
      if (summary.malformedExamples.length < MAX_EXAMPLES) summary.malformedExamples.push({ line: lineNo, reason });
    }
  };
  let carry: Buffer | null = null;
  try {
    for await (const chunk of readChunks(file, shared)) {
      summary.bytes += chunk.length;
      onBytes(chunk.length);
      let pos = 0;
      if (carry) {
        const nl = chunk.indexOf(NL);
        if (nl < 0) {
          carry = Buffer.concat([carry, chunk]);
          continue;
        }
        const joined = Buffer.concat([carry, chunk.subarray(0, nl)]);
        handle(joined, 0, joined.length);
        carry = null;
        pos = nl + 1;
      }
      for (;;) {
        const nl = chunk.indexOf(NL, pos);
        if (nl < 0) break;
        handle(chunk, pos, nl);
        pos = nl + 1;
      }
      if (pos < chunk.length) carry = Buffer.from(chunk.subarray(pos));
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? (err as Error).message})`);
  }
  if (carry) handle(carry, 0, carry.length);
  summary.lines = lineNo;
  return summary;
}

/** First timestamp in a file (for ordering archives), or null. */
async function firstTimestamp(file: string): Promise<number | null> {
  if (file.endsWith('.gz')) return null;
  const fh = await open(file, 'r').catch(() => null);
  if (!fh) return null;
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const m = /^\[(\d+)\]/m.exec(buf.subarray(0, bytesRead).toString('latin1'));
    return m ? Number(m[1]) : null;
  } catch {
    return null; // a directory or unreadable file: scanLogs names it
  } finally {
    await fh.close();
  }
}

/** Last timestamp in a file (its last line with an `[epoch]`), or null. */
async function lastTimestamp(file: string): Promise<number | null> {
  if (file.endsWith('.gz')) return null;
  const fh = await open(file, 'r').catch(() => null);
  if (!fh) return null;
  try {
    const { size } = await fh.stat();
    const n = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, size - n);
    const lines = buf.subarray(0, bytesRead).toString('latin1').split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const m = /^\[(\d+)\]/.exec(lines[i]);
      if (m) return Number(m[1]);
    }
    return null;
  } catch {
    return null;
  } finally {
    await fh.close();
  }
}

/**
 * The logs' span as their first and last lines tell it: the first timestamp of the first file and
 * the last of the last (files in time order, see orderLogFiles), read without reading the files
 * through. A prediction: a line out of order can lie outside it, so a caller relying on it checks
 * it against the scan's firstTime/lastTime. Unknown (null) for gzip archives and ctime timestamps.
 */
export async function predictSpan(ordered: string[]): Promise<{ first: number | null; last: number | null }> {
  if (!ordered.length) return { first: null, last: null };
  const [first, last] = await Promise.all([firstTimestamp(ordered[0]), lastTimestamp(ordered[ordered.length - 1])]);
  return first === null || last === null ? { first: null, last: null } : { first, last };
}

// nagios-MM-DD-YYYY-HH.log, icinga-MM-DD-YYYY-HH.log (archives)
const ARCHIVE = /-(\d{2})-(\d{2})-(\d{4})-(\d{2})\.log(\.gz)?$/;

/** The log files of a directory: rotated archives and the current `nagios.log`/`icinga.log`. */
export async function logFilesIn(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? `${dir}: no such directory` : `${dir}: cannot read (${code})`);
  }
  const files = names.filter((n) => /\.log(\.gz)?$/.test(n)).map((n) => join(dir, n));
  return files;
}

/**
 * Put log files in time order: by their first timestamp, else the date in an archive name,
 * else the current log (no date in its name) last.
 */
export async function orderLogFiles(files: string[]): Promise<string[]> {
  const keyed = await Promise.all(
    files.map(async (f, i) => {
      let t = await firstTimestamp(f);
      if (t === null) {
        const m = ARCHIVE.exec(f);
        t = m ? Date.UTC(+m[3], +m[1] - 1, +m[2], +m[4]) / 1000 : Infinity;
      }
      return { f, t, i };
    }),
  );
  return keyed.sort((a, b) => a.t - b.t || a.i - b.i).map((k) => k.f);
}

/** Read the log files (in the order given) and collect the events of the subjects asked for. */
export async function scanLogs(files: string[], subjects: Subject[], opts: ScanOptions = {}): Promise<LogScan> {
  const wanted = new Wanted(subjects);
  const scanner = new Scanner(wanted, opts.zone ?? 'UTC');
  let total = 0;
  for (const f of files) {
    let st;
    try {
      st = await stat(f);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ConfigError(code === 'ENOENT' ? `${f}: no such file` : `${f}: cannot read (${code})`);
    }
    if (!st.isFile()) throw new ConfigError(`${f}: not a log file (a ${st.isDirectory() ? 'directory; use --log-dir for a folder of logs' : 'special file'})`);
    total += st.size;
  }
  let read = 0;
  let lastReport = 0;
  const fold = opts.fold;
  let sinceFold = 0;
  const foldBefore = (horizon: number) => {
    for (const [key, { list }] of wanted.byKey) list.takeBefore(horizon, (times, codes, n) => fold!.take(key, times, codes, n));
  };
  const onBytes = (n: number) => {
    // called before a chunk is parsed: every line before it is in the lists
    if (fold && (sinceFold += n) >= fold.everyBytes) {
      sinceFold = 0;
      foldBefore(scanner.maxTime - fold.slackSeconds);
    }
    read += n;
    if (opts.onProgress && read - lastReport >= 16 << 20) {
      lastReport = read;
      opts.onProgress(read, total);
    }
  };
  const inputs: InputSummary[] = [];
  const shared = new ReadBuffers();
  let late = false;
  for (const f of files) {
    inputs.push(await scanFile(f, scanner, shared, onBytes));
    if (fold && wanted.all.some((l) => l.late)) {
      late = true;
      break; // the caller reads again without a fold; no need to read on
    }
  }
  opts.onProgress?.(read, total);

  if (opts.strict && !late) {
    const issues: SpecIssue[] = [];
    for (const s of inputs)
      for (const ex of s.malformedExamples) issues.push({ file: s.file, line: ex.line, path: '', message: `malformed line: ${ex.reason}` });
    const more = inputs.reduce((n, s) => n + s.malformed - s.malformedExamples.length, 0);
    if (more > 0) issues.push({ file: inputs.find((s) => s.malformed > s.malformedExamples.length)!.file, path: '', message: `and ${more} more malformed line(s)` });
    if (issues.length) throw new SpecError(issues);
  }

  if (fold && !late) foldBefore(Infinity);
  const events = new Map<string, EventList>();
  const seen = new Set<string>();
  for (const [key, { list, entry }] of wanted.byKey) {
    list.sort();
    events.set(key, list);
    if (entry.seen) seen.add(key);
  }
  return {
    events,
    seen,
    inputs,
    late,
    firstTime: Number.isFinite(scanner.minTime) ? scanner.minTime : null,
    lastTime: Number.isFinite(scanner.maxTime) ? scanner.maxTime : null,
  };
}
