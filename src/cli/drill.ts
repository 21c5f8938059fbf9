// `continuity drill run`: restore the real backup onto the standby, verify, probe, clean up, and judge against RTO/RPO.
import type { Command } from 'commander';

/** Add `drill run` to the program. */
export function define(program: Command, setExit: (code: number) => void): void {
  const drill = program.command('drill').description('restore drills: restore the backup onto a standby and time it against the SLA');
  drill
    .command('run')
    .description('run one restore drill (exit 0 passed, 1 failed or missed a target, 2 bad input, 3 could not run, 130 interrupted)')
    .requiredOption('--site <file>', 'the site file (kind: site)')
    .option('--at <date>', 'restore the last snapshot taken at or before this ISO-8601 date or date-time (a bare date means that day)')
    .option('--journal-dir <dir>', 'where to write the journal', 'journals')
    .option('--format <format>', 'report format: table, md, html, json, junit', 'table')
    .option('--out <file>', 'write the report to this file instead of stdout')
    .option('--dry-run', 'check the preflight gates without writing anything (no lock, no restore, no journal)')
    .option('--keep', 'leave the restored files on the standby (the lock is released)')
    .action(async (opts: { site: string; at?: string; journalDir: string; format: string; out?: string; dryRun?: boolean; keep?: boolean }) => {
      const { runDrillSession } = await import('../app/drill-session.ts');
      const { exitCode } = await runDrillSession({
        siteFile: opts.site,
        at: opts.at,
        journalDir: opts.journalDir,
        format: opts.format,
        out: opts.out,
        dryRun: opts.dryRun,
        keep: opts.keep,
      });
      setExit(exitCode);
    });
}
