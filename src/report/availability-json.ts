// The availability report as JSON: the contract of issue 2, pretty-printed. `pieces` yields the
// same text service by service, so a big report is written without one giant string.
import type { AvailabilityReport } from '../core/report-model.ts';

/** Render the report as JSON text (one trailing newline). */
export function render(report: AvailabilityReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** JSON.stringify(value, null, 2) as it appears as a top-level field's value (one level deep). */
function nested(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, '\n  ');
}

const BATCH = 64;

/** The text of render(), in pieces (one per top-level field, one per batch of services). */
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
      for (let i = 0; i < value.length; i += BATCH) {
        // [[a, b]] pretty-printed puts a and b at exactly the indentation of the services
        // array's items; strip the outer brackets (natively indented: no re-indenting pass)
        const text = JSON.stringify([value.slice(i, i + BATCH)], null, 2);
        yield `${i ? ',' : ''}${text.slice('[\n  ['.length, text.length - '\n  ]\n]'.length)}`;
      }
      yield '\n  ]';
    } else yield head + nested(value);
  }
  yield keys.length ? '\n}\n' : '}\n';
}
