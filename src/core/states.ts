// The state timeline of one monitored subject (a Nagios host, or host + service): which state
// it was in at each instant, and whether that instant was inside scheduled downtime.
// Events are kept compactly (typed arrays) per subject; the timeline is built after sorting
// them by time, stably, so out-of-order log lines are handled the same way every time.

/** Monitoring states, host and service on one scale (a host UP is stored as OK). */
export const State = {
  OK: 0,
  WARNING: 1,
  CRITICAL: 2,
  UNKNOWN: 3,
  DOWN: 4,
  UNREACHABLE: 5,
  /** no state logged yet */
  NODATA: 6,
  /** the monitoring program was not running (shut down, crashed, gap in the logs) */
  NOTRUNNING: 7,
  /** an incident from the service desk's list (unplanned unavailability) */
  INCIDENT: 8,
} as const;
/** One of the State codes. */
export type StateCode = (typeof State)[keyof typeof State];

/** Printable names of the states, by code. */
export const STATE_NAMES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN', 'DOWN', 'UNREACHABLE', 'NODATA', 'NOTRUNNING', 'INCIDENT'] as const;
/** One of the state names. */
export type StateName = (typeof STATE_NAMES)[number];

/** Event codes stored per subject. HARD states are 0..5, SOFT states 8 + state. */
export const Ev = {
  SOFT: 8,
  DOWNTIME_START: 16,
  DOWNTIME_STOP: 17,
  HOST_DOWNTIME_START: 18,
  HOST_DOWNTIME_STOP: 19,
  INCIDENT_START: 20,
  INCIDENT_END: 21,
  PLANNED_START: 22,
  PLANNED_END: 23,
  PROGRAM_START: 32,
  PROGRAM_STOP: 33,
} as const;

/** Latest epoch second an EventList can hold (Uint32: the year 2106). */
export const MAX_TIME = 0xffffffff;

/** A growable, compact list of (time, code) events in arrival order, stably sortable by time: 5 bytes an event. */
export class EventList {
  times = new Uint32Array(16);
  codes = new Uint8Array(16);
  length = 0;
  /** false once an event arrives with a time earlier than the one before it */
  inOrder = true;
  /** events before this time have been taken away (takeBefore); a later one cannot be placed */
  floor = 0;
  /** an event arrived earlier than `floor` */
  late = false;

  /** Append one event (epoch seconds 0..MAX_TIME, event code). */
  push(time: number, code: number): void {
    if (time < this.floor) this.late = true;
    if (this.length === this.times.length) {
      const t = new Uint32Array(this.length * 2);
      t.set(this.times);
      this.times = t;
      const c = new Uint8Array(this.length * 2);
      c.set(this.codes);
      this.codes = c;
    }
    if (this.length && time < this.times[this.length - 1]) this.inOrder = false;
    this.times[this.length] = time;
    this.codes[this.length] = code;
    this.length++;
  }

  /** Sort by time, keeping arrival order for equal times (a no-op when already in order). */
  sort(): void {
    if (this.inOrder) return;
    const idx = Array.from({ length: this.length }, (_, i) => i);
    idx.sort((a, b) => this.times[a] - this.times[b] || a - b);
    const t = new Uint32Array(this.times.length);
    const c = new Uint8Array(this.codes.length);
    idx.forEach((from, to) => {
      t[to] = this.times[from];
      c[to] = this.codes[from];
    });
    this.times = t;
    this.codes = c;
    this.inOrder = true;
  }

  /**
   * Sort, hand the events before `horizon` to `take` (in time order) and keep only the rest;
   * from now on an event before `horizon` is `late`.
   */
  takeBefore(horizon: number, take: (times: Uint32Array, codes: Uint8Array, n: number) => void): void {
    this.sort();
    let n = 0;
    while (n < this.length && this.times[n] < horizon) n++;
    if (n) {
      take(this.times, this.codes, n);
      this.times.copyWithin(0, n, this.length);
      this.codes.copyWithin(0, n, this.length);
      this.length -= n;
    }
    if (horizon > this.floor) this.floor = horizon;
  }

  /** Build a list from plain events (tests, incident lists). */
  static of(events: [number, number][]): EventList {
    const l = new EventList();
    for (const [t, c] of events) l.push(t, c);
    return l;
  }
}

/** A stretch of time in one state; `planned` when inside scheduled downtime. */
export interface Segment {
  start: number;
  end: number;
  state: StateCode;
  planned: boolean;
}

/**
 * A subject's consecutive segments, stored as columns (typed arrays) so a year of state changes
 * for thousands of subjects makes no garbage: segment i is [starts[i], ends[i]) in states[i].
 */
export class Timeline {
  starts = new Uint32Array(16);
  ends = new Uint32Array(16);
  states = new Uint8Array(16);
  planned = new Uint8Array(16);
  length = 0;

  /** Append a segment, merging it into the previous one when it continues it unchanged. */
  add(start: number, end: number, state: StateCode, planned: boolean): void {
    const n = this.length;
    const p = planned ? 1 : 0;
    if (n && this.ends[n - 1] === start && this.states[n - 1] === state && this.planned[n - 1] === p) {
      this.ends[n - 1] = end;
      return;
    }
    if (n === this.starts.length) {
      const grow = <T extends Uint32Array | Uint8Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(n * 2);
        b.set(a);
        return b;
      };
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
      this.states = grow(this.states);
      this.planned = grow(this.planned);
    }
    this.starts[n] = start;
    this.ends[n] = end;
    this.states[n] = state;
    this.planned[n] = p;
    this.length = n + 1;
  }

  /** Index of the first segment that ends after t. */
  firstAfter(t: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The segments as objects (tests, debugging). */
  toArray(): Segment[] {
    return Array.from({ length: this.length }, (_, i) => ({ start: this.starts[i], end: this.ends[i], state: this.states[i] as StateCode, planned: this.planned[i] === 1 }));
  }
}

/** How to read the events into states. */
export interface TimelineOptions {
  /** count SOFT states as state changes (default: only HARD states count) */
  softStates: 'ignore' | 'count';
  /**
   * Time while the monitoring program was not running: `unknown` (NOTRUNNING, our default) or
   * `keep` the last state (avail.cgi's "assume states during program downtime").
   */
  notRunning?: 'unknown' | 'keep';
  /** state assumed at the start of the range when none is known yet (avail.cgi's initial state) */
  initialState?: StateCode;
}

/** Receives a timeline's segments in time order: [start, end) in a state, planned or not. */
export type SegmentSink = (start: number, end: number, state: StateCode, planned: boolean) => void;

/**
 * The timeline of one subject inside [from, to), built from events fed in time order (any
 * number of batches): the segments go to `sink` as soon as they are known. Consecutive segments
 * may be in the same state (the sink must not care; Timeline.add merges them).
 */
export class TimelineBuilder {
  private last: StateCode = State.NODATA;
  private running = true;
  private ownDowntime = false;
  private hostDowntime = false;
  private incidents = 0;
  private plannedIncidents = 0;
  private cursor: number;
  private initialApplied = false;
  private done = false;
  private readonly countSoft: boolean;
  private readonly keepWhenStopped: boolean;

  constructor(
    private readonly from: number,
    private readonly to: number,
    private readonly opts: TimelineOptions,
    private readonly sink: SegmentSink,
  ) {
    this.cursor = from;
    this.countSoft = opts.softStates === 'count';
    this.keepWhenStopped = opts.notRunning === 'keep';
    if (to <= from) this.done = true;
  }

  private emit(until: number): void {
    if (!this.initialApplied) {
      this.initialApplied = true;
      if (this.last === State.NODATA && this.opts.initialState !== undefined) this.last = this.opts.initialState;
    }
    const end = Math.min(until, this.to);
    if (end <= this.cursor) return;
    let state: StateCode = this.last;
    if (this.incidents > 0) state = State.INCIDENT;
    else if (!this.running && !this.keepWhenStopped && this.last !== State.NODATA) state = State.NOTRUNNING;
    this.sink(this.cursor, end, state, this.ownDowntime || this.hostDowntime || this.plannedIncidents > 0);
    this.cursor = end;
  }

  /** Feed the events [0, n) of the columns (sorted by time, after every event fed before). */
  feed(times: ArrayLike<number>, codes: ArrayLike<number>, n: number): void {
    for (let i = 0; i < n && !this.done; i++) {
      const t = times[i];
      if (t >= this.to) {
        this.done = true;
        break;
      }
      if (t > this.cursor) this.emit(t);
      const code = codes[i];
      if (code < 6) this.last = code as StateCode;
      else if (code >= Ev.SOFT && code < Ev.SOFT + 6) {
        if (this.countSoft) this.last = (code - Ev.SOFT) as StateCode;
      } else
        switch (code) {
          case Ev.DOWNTIME_START: this.ownDowntime = true; break;
          case Ev.DOWNTIME_STOP: this.ownDowntime = false; break;
          case Ev.HOST_DOWNTIME_START: this.hostDowntime = true; break;
          case Ev.HOST_DOWNTIME_STOP: this.hostDowntime = false; break;
          case Ev.INCIDENT_START: this.incidents++; break;
          case Ev.INCIDENT_END: this.incidents = Math.max(0, this.incidents - 1); break;
          case Ev.PLANNED_START: this.plannedIncidents++; break;
          case Ev.PLANNED_END: this.plannedIncidents = Math.max(0, this.plannedIncidents - 1); break;
          case Ev.PROGRAM_START: this.running = true; break;
          case Ev.PROGRAM_STOP: this.running = false; break;
        }
    }
  }

  /** No more events: the last segment runs to the end of the range. */
  finish(): void {
    if (this.to <= this.from) return;
    this.done = true;
    this.emit(this.to);
  }
}

/**
 * The timeline of one subject inside [from, to): consecutive segments, merged when state and
 * planned flag are equal. Events must be sorted (EventList.sort).
 */
export function buildTimeline(events: EventList, from: number, to: number, opts: TimelineOptions): Timeline {
  const out = new Timeline();
  if (to <= from) return out;
  const builder = new TimelineBuilder(from, to, opts, (a, b, state, planned) => out.add(a, b, state, planned));
  builder.feed(events.times, events.codes, events.length);
  builder.finish();
  return out;
}
