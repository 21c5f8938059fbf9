// One drill as a command runs it: signals wired to abort, progress on stderr, the report on stdout
// or in a file. Shared by `continuity drill run` and the zx script drills/restore.ts.
import { runDrill, type DrillResult, type RunDrillOptions } from './run-drill.ts';
import { renderDrill, DRILL_FORMATS } from '../report/drill-render.ts';
import { drillProgress } from '../io/drill-progress.ts';
import { writeFileAtomic } from '../io/journal-file.ts';
import { ConfigError } from '../core/errors.ts';
import { scrub } from '../core/scrub.ts';

/** A drill as a command line asks for it. */
export interface SessionOptions extends Pick<RunDrillOptions, 'siteFile' | 'at' | 'journalDir' | 'dryRun' | 'keep'> {
  format?: string;
  /** write the report here (atomically) instead of stdout */
  out?: string;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WriteStream;
}

/** Run a drill with Ctrl-C handling (first: abort and clean up; second: leave at once) and print its report; resolves to the exit code. */
export async function runDrillSession(o: SessionOptions): Promise<{ exitCode: number; result: DrillResult }> {
  const format = o.format ?? 'table';
  if (!(DRILL_FORMATS as readonly string[]).includes(format))
    throw new ConfigError(`--format: expected one of ${DRILL_FORMATS.join(', ')}, got \`${format}\``);
  const stderr = o.stderr ?? process.stderr;
  const ac = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      stderr.write(`\n${sig}: stopping the drill, cleaning up the standby and writing the journal (press Ctrl-C again to leave at once)\n`);
      ac.abort(sig);
    } else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = drillProgress(stderr);
  try {
    const result = await runDrill({
      siteFile: o.siteFile,
      at: o.at,
      journalDir: o.journalDir,
      dryRun: o.dryRun,
      keep: o.keep,
      signal: ac.signal,
      output: progress,
    });
    const text = scrub(await renderDrill(format, result.journal, result.journalFile), result.secrets);
    if (o.out) {
      await writeFileAtomic(o.out, text);
      stderr.write(`Report: ${o.out}\n`);
    } else (o.stdout ?? process.stdout).write(text);
    if (result.journalFile && format !== 'table' && format !== 'md') stderr.write(`Journal: ${result.journalFile}\n`);
    return { exitCode: result.exitCode, result };
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
