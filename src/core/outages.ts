// Outages: maximal stretches of unplanned unavailability that overlap service time. An outage
// from 17:30 to 09:00 the next day is one outage; only its service seconds count (90 minutes
// with 08:00–18:00). Unknown and planned time inside a stretch bridge it (a monitoring restart
// in the middle of an outage does not make two); only available time ends it.
import type { AccountingPolicy } from './sla.ts';
import type { ServiceClock } from './calendar.ts';
import { categoryOf } from './accounting.ts';
import { STATE_NAMES, type StateCode, type Timeline } from './states.ts';

/** One outage, times in epoch seconds (clipped to the period). */
export interface Outage {
  start: number;
  end: number;
  /** unplanned unavailable seconds inside service time */
  serviceSeconds: number;
  /** the state that started it */
  state: string;
}

/** The outages inside [from, to) that have at least one second of service time. */
export function findOutages(tl: Timeline, clock: ServiceClock, from: number, to: number, policy: AccountingPolicy): Outage[] {
  const out: Outage[] = [];
  let open: Outage | null = null;
  const close = () => {
    if (open && open.serviceSeconds > 0) out.push(open);
    open = null;
  };
  for (let i = tl.firstAfter(from); i < tl.length && tl.starts[i] < to; i++) {
    const a = Math.max(tl.starts[i], from);
    const b = Math.min(tl.ends[i], to);
    if (b <= a) continue;
    if (tl.planned[i]) continue; // bridges
    const state = tl.states[i] as StateCode;
    const cat = categoryOf(state, policy);
    if (cat === 'up') close();
    else if (cat === 'down') {
      const secs = clock.between(a, b);
      if (open) {
        open.end = b;
        open.serviceSeconds += secs;
      } else open = { start: a, end: b, serviceSeconds: secs, state: STATE_NAMES[state] };
    }
    // unknown bridges
  }
  close();
  return out;
}

/** Count, longest, MTTR and MTBF inside service time. */
export interface OutageSummary {
  outages: number;
  longestOutageSeconds: number;
  /** mean service seconds to restore: down seconds in outages ÷ outages (0 without outages) */
  mttrSeconds: number;
  /** mean available service seconds between failures: up ÷ outages (all up time without outages) */
  mtbfSeconds: number;
}

/** Summarise outages against the available service time of the same period. */
export function summariseOutages(list: Outage[], upSeconds: number): OutageSummary {
  const n = list.length;
  const total = list.reduce((s, o) => s + o.serviceSeconds, 0);
  return {
    outages: n,
    longestOutageSeconds: list.reduce((m, o) => Math.max(m, o.serviceSeconds), 0),
    mttrSeconds: n ? Math.round(total / n) : 0,
    mtbfSeconds: n ? Math.round(upSeconds / n) : upSeconds,
  };
}
