// Availability accounting: intersect a subject's state timeline with service time and sum the
// seconds by what they mean to users, under the SLA's accounting policy (DESIGN.md section 3).
import type { AccountingPolicy } from './sla.ts';
import type { ServiceClock } from './calendar.ts';
import { State, STATE_NAMES, type StateCode, type StateName, type Timeline } from './states.ts';

/** What a state means to a user, before planned downtime is considered. */
export type Category = 'up' | 'down' | 'unknown';

/** The category of a state under the policy: DOWN/UNREACHABLE/CRITICAL are down, WARNING as configured. */
export function categoryOf(state: StateCode, policy: Pick<AccountingPolicy, 'warning'>): Category {
  switch (state) {
    case State.OK:
      return 'up';
    case State.WARNING:
      return policy.warning === 'down' ? 'down' : 'up';
    case State.CRITICAL:
    case State.DOWN:
    case State.UNREACHABLE:
    case State.INCIDENT:
      return 'down';
    default:
      return 'unknown';
  }
}

/** Service seconds of one subject in one period, every component reported. */
export interface Tally {
  /** service time after holidays and closures */
  serviceSeconds: number;
  /** available, outside scheduled downtime */
  upSeconds: number;
  /** unplanned unavailability */
  downSeconds: number;
  /** all service time inside scheduled downtime, whatever the state */
  plannedSeconds: number;
  /** no usable state (UNKNOWN, no data, monitoring not running), outside scheduled downtime */
  unknownSeconds: number;
  /** seconds per raw state: total, and the part inside scheduled downtime */
  byState: Record<StateName, { total: number; planned: number }>;
}

/** An empty tally. */
export function emptyTally(): Tally {
  const byState = {} as Tally['byState'];
  for (const name of STATE_NAMES) byState[name] = { total: 0, planned: 0 };
  return { serviceSeconds: 0, upSeconds: 0, downSeconds: 0, plannedSeconds: 0, unknownSeconds: 0, byState };
}

/** Sum the service seconds of the timeline's segments inside [from, to). */
export function tally(tl: Timeline, clock: ServiceClock, from: number, to: number, policy: AccountingPolicy): Tally {
  const t = emptyTally();
  t.serviceSeconds = clock.between(from, to);
  for (let i = tl.firstAfter(from); i < tl.length && tl.starts[i] < to; i++) {
    const a = Math.max(tl.starts[i], from);
    const b = Math.min(tl.ends[i], to);
    if (b <= a) continue;
    const secs = clock.between(a, b);
    if (!secs) continue;
    const state = tl.states[i] as StateCode;
    const raw = t.byState[STATE_NAMES[state]];
    raw.total += secs;
    if (tl.planned[i]) {
      raw.planned += secs;
      t.plannedSeconds += secs;
      continue;
    }
    const cat = categoryOf(state, policy);
    if (cat === 'up') t.upSeconds += secs;
    else if (cat === 'down') t.downSeconds += secs;
    else t.unknownSeconds += secs;
  }
  // service time the segments do not cover (none when the timeline spans [from, to)) has no data
  const covered = t.upSeconds + t.downSeconds + t.plannedSeconds + t.unknownSeconds;
  if (covered < t.serviceSeconds) {
    t.byState.NODATA.total += t.serviceSeconds - covered;
    t.unknownSeconds += t.serviceSeconds - covered;
  }
  return t;
}

/** Numerator and denominator of the availability percentage under the policy. */
export function countedSeconds(t: Tally, policy: AccountingPolicy): { up: number; total: number } {
  let up = t.upSeconds;
  let total = t.serviceSeconds;
  if (policy.scheduledDowntime === 'exclude') total -= t.plannedSeconds;
  else if (policy.scheduledDowntime === 'up') up += t.plannedSeconds;
  if (policy.unknown === 'exclude') total -= t.unknownSeconds;
  else if (policy.unknown === 'up') up += t.unknownSeconds;
  return { up, total };
}

/** Availability % = counted up ÷ (service time − excluded); null when nothing is left to count. */
export function availabilityPercent(t: Tally, policy: AccountingPolicy): number | null {
  const { up, total } = countedSeconds(t, policy);
  return total > 0 ? (100 * up) / total : null;
}

/** One sentence per policy choice, for the report. */
export function describePolicy(policy: AccountingPolicy): string[] {
  return [
    'Service time is the service-hour windows in the SLA time zone, minus holidays and closures.',
    {
      exclude: 'Scheduled downtime is planned: excluded from the service time that availability is computed over.',
      up: 'Scheduled downtime is counted as available.',
      down: 'Scheduled downtime is counted as unavailable.',
    }[policy.scheduledDowntime],
    policy.softStates === 'count'
      ? 'SOFT states count from the first failed check.'
      : 'Only HARD states count; SOFT states (checks being retried) keep the previous HARD state.',
    'Host DOWN and UNREACHABLE, service CRITICAL and listed incidents are unavailable.',
    policy.warning === 'down' ? 'Service WARNING is counted as unavailable.' : 'Service WARNING is counted as available.',
    {
      exclude: 'UNKNOWN, no data and time while monitoring was not running are excluded from the service time.',
      up: 'UNKNOWN, no data and time while monitoring was not running are counted as available.',
      down: 'UNKNOWN, no data and time while monitoring was not running are counted as unavailable.',
    }[policy.unknown],
    'An outage is a maximal stretch of unplanned unavailability that overlaps service time; unknown and planned time inside it neither end it nor add to it.',
  ];
}
