// Pick the drill renderer for a `--format`.
import type { Journal } from '../core/journal.ts';
import { ConfigError } from '../core/errors.ts';

/** The formats `--format` accepts. */
export const DRILL_FORMATS = ['table', 'md', 'html', 'json', 'junit'] as const;
/** One drill report format. */
export type DrillFormat = (typeof DRILL_FORMATS)[number];

/** Render a journal in one of the drill formats. */
export async function renderDrill(format: string, journal: Journal, journalFile?: string): Promise<string> {
  switch (format) {
    case 'table':
      return (await import('./drill-table.ts')).render(journal, journalFile);
    case 'md':
      return (await import('./drill-md.ts')).render(journal, journalFile);
    case 'html':
      return (await import('./drill-html.ts')).render(journal, journalFile);
    case 'json':
      return (await import('./drill-json.ts')).render(journal);
    case 'junit':
      return (await import('./drill-junit.ts')).render(journal);
    default:
      throw new ConfigError(`--format: expected one of ${DRILL_FORMATS.join(', ')}, got \`${format}\``);
  }
}
