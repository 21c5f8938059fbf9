// The availability report as JSON: the contract of issue 2, pretty-printed. `pieces` yields the
// same text service by service, so a big report is written without one giant string.
import type { AvailabilityReport } from '../core/report-model.ts';

/** Render the report as JSON text (one trailing newline). */
export function render(report: AvailabilityReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** JSON.stringify(value, null, 2) as it appears nested `depth` levels deep. */
function nested(value: unknown, depth: number): string {
  const text = JSON.stringify(value, null, 2);
  return depth ? text.replace(/\n/g, `\n${'  '.repeat(depth)}`) : text;
}

/** The text of render(), in pieces (one per top-level field, one per service). */
export function* pieces(report: AvailabilityReport): Generator<string> {
  const keys = Object.keys(report).filter((k) => (report as unknown as Record<string, unknown>)[k] !== undefined);
  yield '{';
  let first = true;
  for (const key of keys) {
    const value = (report as unknown as Record<string, unknown>)[key];
    const head = `${first ? '' : ','}\n  ${JSON.stringify(key)}: `;
    first = false;
    if (key === 'services' && Array.isArray(value) && value.length) {
      yield `${head}[`;
      for (let i = 0; i < value.length; i++) yield `${i ? ',' : ''}\n    ${nested(value[i], 2)}`;
      yield '\n  ]';
    } else yield head + nested(value, 1);
  }
  yield keys.length ? '\n}\n' : '}\n';
}
