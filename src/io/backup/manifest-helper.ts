// The standby-side reader of snapshots (manifest_helper.py, python3 stdlib): tar streams and mirrors -> FileEntry.
import { readFileSync } from 'node:fs';
import { StepFailed } from '../../core/errors.ts';
import { shq, type Standby } from '../standby/types.ts';
import type { FileEntry } from './types.ts';
import { runTool } from './tool-run.ts';

const SOURCE = readFileSync(new URL('./manifest_helper.py', import.meta.url), 'utf8');

export interface HelperCall {
  tool: string;
  repository: string;
  mode: 'tar' | 'raw' | 'walk' | 'rdiff-sizes' | 'rdiff-meta' | 'hash';
  args: string[];
  /** command whose stdout the helper reads (the backup tool), run by the helper itself */
  producer?: string[];
  /** handed to the producer on its stdin (restic/borg password) */
  secret?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** at the lowest CPU priority (see ManifestOptions.background) */
  background?: boolean;
}

/** The shell command line that runs the helper on the standby; `shellArgs` are words already quoted for the shell. */
export function helperCommand(call: Pick<HelperCall, 'mode' | 'args' | 'producer' | 'secret'> & { shellArgs?: string }): string {
  const argv = [...call.args, ...(call.secret !== undefined ? ['--password-stdin'] : [])];
  if (call.producer) argv.push('--', ...call.producer);
  // the system python first: a pyenv shim in PATH costs a second per call
  return (
    `P=python3; [ -x /usr/bin/python3 ] && P=/usr/bin/python3; "$P" -c ${shq(SOURCE)} ${call.mode}` +
    `${call.shellArgs ? ' ' + call.shellArgs : ''} ${argv.map(shq).join(' ')}`
  );
}

/** Run the helper on the standby and parse its JSON lines. */
export async function runHelper(standby: Standby, call: HelperCall): Promise<FileEntry[]> {
  const r = await runTool(standby, {
    tool: call.tool,
    action: 'read the snapshot in',
    repository: call.repository,
    command: helperCommand(call),
    secret: call.secret,
    timeoutMs: call.timeoutMs,
    signal: call.signal,
    background: call.background,
  }).catch((err: unknown) => {
    if (err instanceof StepFailed && /python3/.test(err.message) && /missing/.test(err.message))
      throw new StepFailed(`${call.tool}: reading a snapshot's manifest needs python3 on ${standby.description}`, err.result);
    throw err;
  });
  return parseEntries(r.stdout);
}

/** The helper's JSON lines. */
export function parseEntries(stdout: string): FileEntry[] {
  const entries: FileEntry[] = [];
  for (const line of stdout.split('\n')) if (line) entries.push(JSON.parse(line) as FileEntry);
  return entries;
}

/** Sum of file sizes: what the chosen paths occupy once restored (directories and links count 0). */
export function totalBytes(entries: Iterable<FileEntry>): number {
  let n = 0;
  for (const e of entries) if (e.type === 'file') n += e.size;
  return n;
}

/** Every chosen path must be in the snapshot: a missing one is a failed step, not an empty manifest. */
export function requirePaths(tool: string, repository: string, snapshotId: string, entries: FileEntry[], paths: string[]): void {
  // a look-up of the few chosen paths, not a set of every entry's (100 000 paths: 80 ms of the drill's time)
  const missing = new Set(paths.map((p) => p.replace(/^\/+|\/+$/g, '')).filter((p) => p !== ''));
  for (const e of entries) {
    if (missing.size === 0) break;
    missing.delete(e.path);
  }
  if (missing.size > 0)
    throw new StepFailed(`${tool}: ${[...missing].map((p) => `\`${p}\``).join(', ')} not in snapshot ${snapshotId} of ${repository}`);
}

/** `user@host:/path`: a repository the tool reaches over SSH by itself. */
export function isRemote(repository: string): boolean {
  return /^[^/]+@[^:/]+:/.test(repository);
}

/** Chosen paths without leading or trailing slashes. */
export function cleanPaths(paths: string[]): string[] {
  return paths.map((p) => p.replace(/^\/+|\/+$/g, '')).filter((p) => p !== '');
}

/**
 * Shell words that run `producer` and print the sum of the numbers `awkSize` (an awk expression) picks from the lines
 * `awkMatch` (an awk condition) selects, then exit with the producer's own status: a failing tool is never a size of 0.
 */
export function sumCommand(producer: string, awkMatch: string, awkSize: string): string {
  const awk = `/^CONTINUITY-EXIT [0-9]+$/ { rc = $2; next } ${awkMatch} { s += ${awkSize} } END { printf "%.0f\\n", s; exit rc }`;
  return `{ ${producer}; echo "CONTINUITY-EXIT $?"; } | awk ${shq(awk)}`;
}

/** Read the one number `sumCommand` printed. */
export function parseSum(tool: string, repository: string, stdout: string): number {
  const n = Number(stdout.trim());
  if (stdout.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new StepFailed(`${tool}: could not read the size of ${repository}: \`${stdout.trim().slice(0, 80)}\``);
  return n;
}
