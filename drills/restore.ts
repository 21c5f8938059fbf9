#!/usr/bin/env -S npx tsx
// The restore drill as a zx script, runnable on its own (the project's .npmrc gives npx the tsx loader Node 20 needs for .ts):
//   npx zx drills/restore.ts --site sites/nordby.yaml [--at DATE] [--journal-dir DIR]
//        [--format table|md|html|json|junit] [--out FILE] [--dry-run] [--keep]
//   npx tsx drills/restore.ts --site ...        (the same, without zx's launcher)
// Exit codes as `continuity drill run`: 0 passed, 1 failed or missed, 2 bad input, 3 could not run, 130 interrupted.
import { echo, parseArgv } from 'zx';
import { runDrillSession } from '../src/app/drill-session.ts';
import { ConfigError, EXIT } from '../src/core/errors.ts';
import { reportError } from '../src/cli/main.ts';

const USAGE = 'usage: drills/restore.ts --site FILE [--at DATE] [--journal-dir DIR] [--format table|md|html|json|junit] [--out FILE] [--dry-run] [--keep]';

// zx hands the script's own arguments in process.argv after the script path
const scriptAt = process.argv.findIndex((a) => /restore\.ts$/.test(a));
const args = parseArgv(process.argv.slice(scriptAt + 1), {
  string: ['site', 'at', 'journal-dir', 'format', 'out'],
  boolean: ['dry-run', 'keep', 'help'],
  camelCase: true,
});

async function main(): Promise<number> {
  if (args.help) {
    echo(USAGE);
    return EXIT.ok;
  }
  const unknown = Object.keys(args).filter((k) => !['_', 'site', 'at', 'journalDir', 'journal-dir', 'format', 'out', 'dryRun', 'dry-run', 'keep', 'help'].includes(k));
  if (!args.site || unknown.length || args._.length) throw new ConfigError(`${!args.site ? 'expected --site FILE' : `unexpected ${[...unknown.map((u) => `--${u}`), ...args._].join(' ')}`}\n${USAGE}`);
  const { exitCode } = await runDrillSession({
    siteFile: args.site,
    at: args.at,
    journalDir: args.journalDir ?? 'journals',
    format: args.format ?? 'table',
    out: args.out,
    dryRun: args.dryRun,
    keep: args.keep,
  });
  return exitCode;
}

try {
  process.exitCode = await main();
} catch (err) {
  // the message only, never a stack trace; the exit code says what kind of failure
  process.exitCode = reportError(err);
}
