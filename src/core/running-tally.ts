// Accounting fed one timeline segment at a time, so a subject's logs can be accounted while
// they are read and forgotten (flat memory whatever the log size). For the same segments it
// gives exactly what tally() and findOutages() give over a whole timeline, per period.
import type { AccountingPolicy } from './sla.ts';
import type { ServiceClock } from './calendar.ts';
import { categoryOf, emptyTally, type Tally } from './accounting.ts';
import type { Outage } from './outages.ts';
import { STATE_NAMES, type StateCode } from './states.ts';

const NS = STATE_NAMES.length;
// per period: up, down, planned, unknown, then seconds per state, then planned seconds per state
const UP = 0;
const DOWN = 1;
const PLANNED = 2;
const UNKNOWN = 3;
const TOTAL = 4;
const PLANNED_BY_STATE = 4 + NS;
const WIDTH = 4 + 2 * NS;

/** One report row's tallies and outages over its periods, fed segments in time order. */
export class RunningTally {
  private readonly sums: Float64Array;
  private readonly service: Float64Array;
  private readonly open: (Outage | null)[];
  private readonly closed: Outage[][];
  private readonly froms: Float64Array;
  private readonly tos: Float64Array;
  /** ranges [0, sorted) are in time order and disjoint (the regular periods): a cursor walks them */
  private readonly sorted: number;
  private cursor = 0;
  private readonly up: boolean[] = [];
  private readonly down: boolean[] = [];

  constructor(
    private readonly clock: ServiceClock,
    ranges: { from: number; to: number }[],
    policy: AccountingPolicy,
  ) {
    const n = ranges.length;
    this.froms = Float64Array.from(ranges, (r) => r.from);
    this.tos = Float64Array.from(ranges, (r) => r.to);
    this.service = Float64Array.from(ranges, (r) => clock.between(r.from, r.to));
    this.sums = new Float64Array(n * WIDTH);
    this.open = ranges.map(() => null);
    this.closed = ranges.map(() => []);
    let sorted = n ? 1 : 0;
    while (sorted < n && this.froms[sorted] >= this.tos[sorted - 1]) sorted++;
    this.sorted = sorted;
    for (let s = 0; s < NS; s++) {
      const cat = categoryOf(s as StateCode, policy);
      this.up.push(cat === 'up');
      this.down.push(cat === 'down');
    }
  }

  /** The next segment [start, end) of the timeline (after every segment added before). */
  add(start: number, end: number, state: StateCode, planned: boolean): void {
    // regular periods: those that ended before this segment are done with
    while (this.cursor < this.sorted && this.tos[this.cursor] <= start) this.cursor++;
    for (let k = this.cursor; k < this.sorted && this.froms[k] < end; k++) this.part(k, start, end, state, planned);
    for (let k = this.sorted; k < this.froms.length; k++) this.part(k, start, end, state, planned);
  }

  private part(k: number, start: number, end: number, state: StateCode, planned: boolean): void {
    const a = Math.max(start, this.froms[k]);
    const b = Math.min(end, this.tos[k]);
    if (b <= a) return;
    const secs = this.clock.between(a, b);
    if (secs) {
      const o = k * WIDTH;
      this.sums[o + TOTAL + state] += secs;
      if (planned) {
        this.sums[o + PLANNED_BY_STATE + state] += secs;
        this.sums[o + PLANNED] += secs;
      } else if (this.up[state]) this.sums[o + UP] += secs;
      else if (this.down[state]) this.sums[o + DOWN] += secs;
      else this.sums[o + UNKNOWN] += secs;
    }
    if (planned) return; // bridges an outage
    if (this.up[state]) this.close(k);
    else if (this.down[state]) {
      const open = this.open[k];
      if (open) {
        open.end = b;
        open.serviceSeconds += secs;
      } else this.open[k] = { start: a, end: b, serviceSeconds: secs, state: STATE_NAMES[state] };
    }
    // unknown bridges
  }

  private close(k: number): void {
    const o = this.open[k];
    if (o && o.serviceSeconds > 0) this.closed[k].push(o);
    this.open[k] = null;
  }

  /** The timeline is complete: close the open outages. */
  finish(): void {
    for (let k = 0; k < this.froms.length; k++) this.close(k);
  }

  /** Period k's tally, as tally() gives it (after finish()). */
  tally(k: number): Tally {
    const t = emptyTally();
    const o = k * WIDTH;
    t.serviceSeconds = this.service[k];
    t.upSeconds = this.sums[o + UP];
    t.downSeconds = this.sums[o + DOWN];
    t.plannedSeconds = this.sums[o + PLANNED];
    t.unknownSeconds = this.sums[o + UNKNOWN];
    for (let s = 0; s < NS; s++) {
      t.byState[STATE_NAMES[s]].total = this.sums[o + TOTAL + s];
      t.byState[STATE_NAMES[s]].planned = this.sums[o + PLANNED_BY_STATE + s];
    }
    // service time no segment covered has no data
    const covered = t.upSeconds + t.downSeconds + t.plannedSeconds + t.unknownSeconds;
    if (covered < t.serviceSeconds) {
      t.byState.NODATA.total += t.serviceSeconds - covered;
      t.unknownSeconds += t.serviceSeconds - covered;
    }
    return t;
  }

  /** Period k's outages, as findOutages() gives them (after finish()). */
  outages(k: number): Outage[] {
    return this.closed[k];
  }
}
