// `continuity availability`: availability inside agreed service hours, from Nagios/Icinga logs
// and incident lists, against the SLA's targets. Exit 0 all met, 1 a target missed, 2 bad input.
import type { Command } from 'commander';
import { ContinuityError, ConfigError, EXIT } from '../core/errors.ts';

const FORMATS = ['table', 'md', 'html', 'json', 'csv', 'junit'] as const;
const PERIODS = ['week', 'month', 'quarter', 'year', 'whole'] as const;
const collect = (value: string, previous: string[]) => [...previous, value];

/** Add the `availability` command. */
export function define(program: Command, setExit: (code: number) => void): void {
  program
    .command('availability')
    .description('availability inside agreed service hours from Nagios/Icinga logs, against the SLA targets')
    .requiredOption('--sla <file>', 'SLA file (kind: sla)')
    .option('--log <file>', 'nagios.log / icinga.log (repeatable; .gz is read too)', collect, [])
    .option('--log-dir <dir>', 'directory of rotated archives (nagios-MM-DD-YYYY-HH.log) and the current log')
    .option('--incidents <file>', 'incident list, CSV or YAML: start,end,service,planned,note (repeatable)', collect, [])
    .option('--from <date>', 'first local day (YYYY-MM-DD, SLA time zone); default: start of the period of the first log line')
    .option('--to <date>', 'day after the last (exclusive); default: end of the period of the last log line')
    .option('--period <period>', `report period: ${PERIODS.join('|')} (default: the SLA's reporting.period, else month)`)
    .option('--format <format>', `output format: ${FORMATS.join('|')}`, 'table')
    .option('--out <file>', 'write the report to this file (atomically) instead of stdout')
    .option('--strict', 'malformed log lines are fatal (exit 2)', false)
    .action(async (o: { sla: string; log: string[]; logDir?: string; incidents: string[]; from?: string; to?: string; period?: string; format: string; out?: string; strict: boolean }) => {
      if (!(FORMATS as readonly string[]).includes(o.format)) throw new ConfigError(`Expected \`--format\` to be one of ${FORMATS.join(', ')}, got \`${o.format}\``);
      if (o.period !== undefined && !(PERIODS as readonly string[]).includes(o.period))
        throw new ConfigError(`Expected \`--period\` to be one of ${PERIODS.join(', ')}, got \`${o.period}\``);
      const renderer = await loadRenderer(o.format);
      const { streamAvailabilityReport } = await import('../app/availability-report.ts');
      const tty = process.stderr.isTTY;
      const { report, services } = await streamAvailabilityReport({
        slaFile: o.sla,
        logs: o.log,
        logDir: o.logDir,
        incidents: o.incidents,
        from: o.from,
        to: o.to,
        period: o.period as (typeof PERIODS)[number] | undefined,
        strict: o.strict,
        onProgress: tty
          ? (read, total) => process.stderr.write(`\rreading logs: ${(read / 1e6).toFixed(0)} / ${(total / 1e6).toFixed(0)} MB${read >= total ? '\n' : ''}`)
          : undefined,
      });
      if (renderer.pieces) {
        // a big report goes out service by service as each is computed, never held whole
        const { writeChunks, writeChunksAtomic } = await import('../io/write-chunks-atomic.ts');
        if (o.out) writeChunksAtomic(o.out, renderer.pieces(report, services));
        else writeChunks(process.stdout.fd, renderer.pieces(report, services));
      } else {
        report.services = [...services];
        const text = renderer.render(report);
        if (o.out) {
          const { writeFileAtomic } = await import('../io/write-atomic.ts');
          await writeFileAtomic(o.out, text);
        } else process.stdout.write(text);
      }
      setExit(report.met ? EXIT.ok : EXIT.missed);
    });
}

type Report = import('../core/report-model.ts').AvailabilityReport;
/** A renderer: the whole text, and optionally the same text in pieces (written as they come). */
interface Renderer {
  render: (report: Report) => string;
  pieces?: (report: Report, services: Iterable<Report['services'][number]>) => Iterable<import('../io/write-chunks-atomic.ts').Piece>;
}

/** The renderer module for a format; a missing one is a clear "could not run". */
async function loadRenderer(format: string): Promise<Renderer> {
  try {
    const mod = (await import(`../report/availability-${format}.ts`)) as Partial<Renderer>;
    if (typeof mod.render !== 'function') throw new Error('no render() export');
    return { render: mod.render, pieces: typeof mod.pieces === 'function' ? mod.pieces : undefined };
  } catch (err) {
    throw new ContinuityError(`The ${format} format is not available: src/report/availability-${format}.ts could not be loaded (${(err as Error).message.split('\n')[0]})`);
  }
}
