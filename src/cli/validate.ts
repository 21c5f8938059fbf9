// `continuity validate FILE…`: check SLA and site files, reporting every problem with file:line:col.
import type { Command } from 'commander';
import { EXIT } from '../core/errors.ts';

export function define(program: Command, setExit: (code: number) => void): void {
  program
    .command('validate')
    .description('check SLA and site files (kind: sla | site) and report every problem at once')
    .argument('<files...>', 'YAML files to check')
    .option('--no-files', "for a site file, do not check that the files it names exist (SLA, identityFile, knownHosts, passwordFile), e.g. on a machine without the site's secrets")
    .action(async (files: string[], opts: { files: boolean }) => {
      const { validateFiles } = await import('../app/validate.ts');
      const problems = await validateFiles(files, { checkFiles: opts.files });
      setExit(problems ? EXIT.badInput : EXIT.ok);
    });
}
