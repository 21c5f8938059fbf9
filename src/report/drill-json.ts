// The drill journal as JSON: the journal contract itself.
import type { Journal } from '../core/journal.ts';

/** Render the journal exactly as it is written to the journal file. */
export function render(j: Journal): string {
  return `${JSON.stringify(j, null, 2)}\n`;
}
