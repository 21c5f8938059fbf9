// `continuity validate FILE…`: check SLA and site files, reporting every problem with file:line:col.
import type { Command } from 'commander';
import { EXIT } from '../core/errors.ts';

export function define(program: Command, setExit: (code: number) => void): void {
  program
    .command('validate')
    .description('check SLA and site files (kind: sla | site) and report every problem at once')
    .argument('<files...>', 'YAML files to check')
    .action(async (files: string[]) => {
      const { validateFiles } = await import('../app/validate.ts');
      const problems = await validateFiles(files);
      setExit(problems ? EXIT.badInput : EXIT.ok);
    });
}
