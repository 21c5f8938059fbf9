// Wires the commands together. Each command lives in its own file and imports its heavy
// modules only when it runs, so `continuity --help` stays fast.
import { Command, CommanderError } from 'commander';
import { ContinuityError, EXIT, exitCodeOf } from '../core/errors.ts';

/** Command modules: each exports `define(program)` that adds one command. */
const commands = [
  () => import('./demo.ts'),
  () => import('./availability.ts'),
  () => import('./drill.ts'),
  () => import('./standby.ts'),
  () => import('./validate.ts'),
];

export function buildProgram(): Command {
  const program = new Command('continuity')
    .description("Make a school's ICT service-level agreement verifiable.")
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  return program;
}

/** Print an error the way an operator wants it: the message, no stack trace (unless CONTINUITY_DEBUG=1). */
export function reportError(err: unknown): number {
  if (err instanceof ContinuityError) {
    process.stderr.write(`continuity: ${err.message}\n`);
  } else {
    process.stderr.write(`continuity: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  if (process.env.CONTINUITY_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return exitCodeOf(err);
}

/** Run the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  let exitCode: number = EXIT.ok;
  const modules = await Promise.all(commands.map((load) => load()));
  for (const mod of modules) mod.define(program, (code: number) => (exitCode = code));
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; usage errors are bad input
      return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    return reportError(err);
  }
}
