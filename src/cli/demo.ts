// `continuity demo`: generate a small school, back it up with the best tool present, and run a full restore drill.
import type { Command } from 'commander';
import type { BackupToolName } from '../core/site.ts';

/** Add `demo` to the program. */
export function define(program: Command, setExit: (code: number) => void): void {
  program
    .command('demo')
    .description('generate a small school, back it up with the best tool present, and run a full restore drill onto a standby')
    .option('--dir <dir>', 'work folder for the school, backup, site file and journal', '.demo')
    .option('--tool <tool>', 'backup tool: rdiff-backup, restic, borg, rsync or tar (default: the best one installed)')
    .option('--standby <kind>', 'local (a folder here) or container (a continuity/standby container over SSH)', 'local')
    .option('--pupils <n>', 'number of pupils', (v) => Number.parseInt(v, 10), 300)
    .option('--teachers <n>', 'number of teachers', (v) => Number.parseInt(v, 10), 30)
    .option('--format <format>', 'report format: table, md, html, json, junit', 'table')
    .action(async (opts: { dir: string; tool?: BackupToolName; standby: 'local' | 'container'; pupils: number; teachers: number; format: string }) => {
      const { ConfigError } = await import('../core/errors.ts');
      for (const k of ['pupils', 'teachers'] as const)
        if (!Number.isInteger(opts[k]) || opts[k] < 1) throw new ConfigError(`--${k}: expected a whole number of at least 1, got \`${String(opts[k])}\``);
      const { runDemo } = await import('../app/demo.ts');
      setExit(await runDemo(opts));
    });
}
