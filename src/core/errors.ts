// The one family of "could not run" errors. A missed target is data (a report, a journal), not an error.

/** Process exit codes used by every command. */
export const EXIT = {
  ok: 0,
  /** ran, and a target was missed or the drill failed */
  missed: 1,
  /** bad input or configuration */
  badInput: 2,
  /** could not run (tool missing, standby unreachable, ...) */
  cannotRun: 3,
  /** interrupted (Ctrl-C) */
  interrupted: 130,
} as const;

/** A location in an input file, 1-based. */
export interface SourceLocation {
  file: string;
  line?: number;
  col?: number;
}

/** One problem found while validating an input file. */
export interface SpecIssue extends SourceLocation {
  /** dotted path of the field, e.g. `serviceHours.school-day.to` */
  path: string;
  /** what was expected and what was found */
  message: string;
}

export function formatLocation(loc: SourceLocation): string {
  let s = loc.file;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (loc.line !== undefined && loc.col !== undefined) s += `:${loc.col}`;
  return s;
}

export class ContinuityError extends Error {
  readonly code: string = 'E_CONTINUITY';
  readonly exitCode: number = EXIT.cannotRun;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An input file (SLA, site, log, incident list) is invalid. Carries every issue found, not only the first. */
export class SpecError extends ContinuityError {
  override readonly code = 'E_SPEC';
  override readonly exitCode = EXIT.badInput;
  constructor(readonly issues: SpecIssue[]) {
    super(issues.map((i) => `${formatLocation(i)}: ${i.path ? `\`${i.path}\`: ` : ''}${i.message}`).join('\n'));
  }
}

/** A command-line option or environment is wrong. */
export class ConfigError extends ContinuityError {
  override readonly code = 'E_CONFIG';
  override readonly exitCode = EXIT.badInput;
}

/** A tool or remote step failed; `result` holds what the process said (already free of secrets). */
export class StepFailed extends ContinuityError {
  override readonly code = 'E_STEP';
  override readonly exitCode = EXIT.cannotRun;
  constructor(
    message: string,
    readonly result?: { command?: string; exitCode?: number | null; stderr?: string; stdout?: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The user interrupted the run (SIGINT/SIGTERM). */
export class Interrupted extends ContinuityError {
  override readonly code = 'E_INTERRUPTED';
  override readonly exitCode = EXIT.interrupted;
}

/** Exit code for any thrown value: our errors carry their own, anything else is "could not run". */
export function exitCodeOf(err: unknown): number {
  return err instanceof ContinuityError ? err.exitCode : EXIT.cannotRun;
}
