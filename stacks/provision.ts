// Turns a script in stacks/scripts/ into what remote.Command runs: the script text (after the
// shared prelude) as the remote shell's command line, root via sudo when the SSH user is not
// root, settings on stdin, and a hash of both for `triggers`. Tests run these same strings.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const scriptDir = fileURLToPath(new URL('./scripts/', import.meta.url));

/** What remote.Command gets for one provisioning step. */
export interface ProvisionStep {
  /** the script's name, e.g. `drill-user` */
  name: string;
  /** command line for `create` and `update` */
  command: string;
  /** command line for `delete`, when the step has an undo script (`<name>.delete.sh`) */
  deleteCommand?: string;
  /** sha256 of everything the remote shell runs for this step */
  scriptHash: string;
}

/** Quote a string for a POSIX shell. */
function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Run `text` as root: directly when the SSH user is root, otherwise through non-interactive sudo. */
export function asRoot(text: string, label: string): string {
  const quoted = shq(text);
  return `if [ "$(id -u)" -eq 0 ]; then exec /bin/sh -c ${quoted} ${label}; else exec sudo -n /bin/sh -c ${quoted} ${label}; fi`;
}

/** sha256 hex of the given parts, separated so that ("ab","c") differs from ("a","bc"). */
export function sha256(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p.length}:${p}\n`);
  return h.digest('hex');
}

/** Load `stacks/scripts/<name>.sh` (and its `.delete.sh`) as a provisioning step; `dir` is for tests. */
export function provisionStep(name: string, dir: string = scriptDir): ProvisionStep {
  const prelude = readFileSync(`${dir}/_prelude.sh`, 'utf8');
  const body = readFileSync(`${dir}/${name}.sh`, 'utf8');
  const undoFile = `${dir}/${name}.delete.sh`;
  const undo = existsSync(undoFile) ? readFileSync(undoFile, 'utf8') : undefined;
  const command = asRoot(`${prelude}\n${body}`, `continuity-${name}`);
  const deleteCommand = undo === undefined ? undefined : asRoot(`${prelude}\n${undo}`, `continuity-${name}-delete`);
  return { name, command, deleteCommand, scriptHash: sha256(command, deleteCommand ?? '') };
}

/** Settings as the scripts read them on stdin: one KEY=value line each, in a stable order. */
export function settingsText(settings: Record<string, string | number>): string {
  return Object.keys(settings)
    .sort()
    .map((k) => {
      const v = String(settings[k]);
      if (!/^[A-Z][A-Z0-9_]*$/.test(k)) throw new Error(`setting name \`${k}\` is not UPPER_CASE`);
      if (/[\r\n]/.test(v)) throw new Error(`setting \`${k}\` must be one line`);
      return `${k}=${v}\n`;
    })
    .join('');
}

/** The `fact: name=value` lines a script printed, as a map. */
export function parseFacts(stdout: string): Record<string, string> {
  const facts: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^fact: ([A-Za-z]+)=(.*)$/.exec(line);
    if (m) facts[m[1]] = m[2];
  }
  return facts;
}
