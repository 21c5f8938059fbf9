// The availability report as JSON: the contract of issue 2, pretty-printed. `pieces` yields the
// same text service by service, so a big report is written without one giant string.
import type { AvailabilityReport } from '../core/report-model.ts';
import { TextSlice, type Piece } from '../io/write-chunks-atomic.ts';

/** Render the report as JSON text (one trailing newline). */
export function render(report: AvailabilityReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** JSON.stringify(value, null, 2) as it appears as a top-level field's value (one level deep). */
function nested(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, '\n  ');
}

// Services per JSON.stringify: its result is a rope that writing flattens into a new string; kept
// well under V8's large-object size (~128 KB; a service of 12 monthly rows is ~14 KB) so that the
// new string comes from reused young-generation memory, not freshly mapped pages (3x slower here).
const BATCH = 4;

/**
 * The text of render(), in pieces (one per top-level field, one per batch of services). The
 * services may come from an iterable computed as it goes (app/availability-report.ts
 * streamAvailabilityReport); fields after `services` are read once it is done.
 */
export function* pieces(report: AvailabilityReport, services: Iterable<AvailabilityReport['services'][number]> = report.services): Generator<Piece> {
  const fields = report as unknown as Record<string, unknown>;
  let first = true;
  for (const key of Object.keys(report)) {
    if (key !== 'services' && fields[key] === undefined) continue;
    const head = `${first ? '{' : ','}\n  ${JSON.stringify(key)}: `;
    first = false;
    if (key !== 'services') {
      yield head + nested(fields[key]);
      continue;
    }
    let batch: unknown[] = [];
    let any = false;
    const flush = () => {
      // [[a, b]] pretty-printed puts a and b at exactly the indentation of the services
      // array's items; the outer brackets are cut off (natively indented: no re-indenting pass)
      const text = JSON.stringify([batch], null, 2);
      batch = [];
      return new TextSlice(text, '[\n  ['.length, text.length - '\n  ]\n]'.length);
    };
    for (const s of services) {
      batch.push(s);
      if (batch.length === BATCH) {
        yield any ? ',' : `${head}[`;
        any = true;
        yield flush();
      }
    }
    if (batch.length) {
      yield any ? ',' : `${head}[`;
      any = true;
      yield flush();
    }
    yield any ? '\n  ]' : `${head}[]`;
  }
  yield first ? '{}\n' : '\n}\n';
}
