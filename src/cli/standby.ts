// `continuity standby from-pulumi`: feed the reserve server Pulumi built into the site file the drills read.
import type { Command } from 'commander';
import { EXIT } from '../core/errors.ts';

/** Read a whole stream (stdin) as text. */
async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
  return text;
}

/** Adds `continuity standby from-pulumi`. */
export function define(program: Command, setExit: (code: number) => void): void {
  const standby = program.command('standby').description('the standby (reserve) machine drills restore onto');
  standby
    .command('from-pulumi')
    .description("turn `pulumi stack output --json` into the site file's `standby:` section (printed, or written with --write)")
    .option('--outputs <file>', 'the outputs JSON (`-` for stdin)', '-')
    .option('--site <file>', 'the site file (keeps its identityFile and knownHosts; required for --write)')
    .option('--write', 'update the site file in place (comments kept) and add the host key to its knownHosts file')
    .addHelpText('after', '\nExample:\n  pulumi stack output --json --stack nordby | continuity standby from-pulumi --site sites/nordby.yaml --write\n')
    .action(async (opts: { outputs: string; site?: string; write?: boolean }) => {
      const { standbyFromPulumi } = await import('../app/standby-from-pulumi.ts');
      const { readInputFile } = await import('../io/spec-file.ts');
      const outputsText = opts.outputs === '-' ? await readStream(process.stdin) : await readInputFile(opts.outputs);
      const r = await standbyFromPulumi({ outputsText, outputsSource: opts.outputs === '-' ? '<stdin>' : opts.outputs, siteFile: opts.site, write: opts.write });
      process.stdout.write(r.printed);
      setExit(EXIT.ok);
    });
}
