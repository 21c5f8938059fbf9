// The availability report as JSON: the contract of issue 2, pretty-printed.
import type { AvailabilityReport } from '../core/report-model.ts';

/** Render the report as JSON text (one trailing newline). */
export function render(report: AvailabilityReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
