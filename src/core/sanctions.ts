// Targets and sanctions: whether a period met its target, which parts it missed, and the price
// reduction the SLA's sanctions give for that.
import type { SanctionTrigger, Target } from './sla.ts';

/** The parts of a target a period can miss. */
export type Missed = 'availability' | 'outages' | 'outage-length';

/** Compare a period's figures with its target. A period with nothing to count meets availability. */
export function evaluateTarget(
  target: Target,
  figures: { availabilityPercent: number | null; outages: number; longestOutageSeconds: number },
): { met: boolean; missed: Missed[] } {
  const missed: Missed[] = [];
  if (figures.availabilityPercent !== null && figures.availabilityPercent < target.availability) missed.push('availability');
  if (target.maxOutages !== undefined && figures.outages > target.maxOutages) missed.push('outages');
  if (target.maxOutageMinutes !== undefined && figures.longestOutageSeconds > target.maxOutageMinutes * 60) missed.push('outage-length');
  return { met: missed.length === 0, missed };
}

const TRIGGERS: Record<SanctionTrigger, (m: Missed[]) => boolean> = {
  'availability-below-target': (m) => m.includes('availability'),
  'outages-above-target': (m) => m.includes('outages'),
  'outage-too-long': (m) => m.includes('outage-length'),
  'any-target-missed': (m) => m.length > 0,
};

/**
 * Price reduction in percent for one period: the sum of every sanction whose trigger fired,
 * capped at 100. A subcontracted service carries no guarantee, so no sanction applies.
 */
export function priceReduction(
  missed: Missed[],
  sanctions: { when: SanctionTrigger; priceReductionPercent: number }[] | undefined,
  subcontractor = false,
): number {
  if (subcontractor) return 0;
  let sum = 0;
  for (const s of sanctions ?? []) if (TRIGGERS[s.when]?.(missed)) sum += s.priceReductionPercent;
  return Math.min(100, sum);
}
