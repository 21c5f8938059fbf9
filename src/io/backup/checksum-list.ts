// A checksum list kept beside a backup that records no content digests of its own (an rsync mirror, a plain .tar):
// the `sha256sum` output the backup job writes when it is done, read by the drill to check the backup itself.
import path from 'node:path/posix';
import { StepFailed } from '../../core/errors.ts';
import { shq, type Standby } from '../standby/types.ts';
import { runTool } from './tool-run.ts';
import type { BackupSource } from './types.ts';

/**
 * Where the list is on the standby: `backup.checksums` as written, when absolute; else inside `folder` (the mirror,
 * or the folder holding the archives).
 */
export function checksumListPath(checksums: string, folder: string): string {
  return checksums.startsWith('/') ? checksums : path.join(folder, checksums);
}

/** The list's path relative to `folder` when it lies inside it (a mirror must not restore or verify it), else undefined. */
export function insideFolder(file: string, folder: string): string | undefined {
  const rel = path.relative(folder, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : undefined;
}

/** GNU coreutils' escaping of a name holding a backslash or a newline (the line then starts with `\`). */
function unescapeName(name: string, file: string, line: number): string {
  return name.replace(/\\(.)/g, (_, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    if (c === 'r') return '\r';
    throw new StepFailed(`${file} line ${line}: the file name has an unknown escape \`\\${c}\``);
  });
}

/**
 * Parse `sha256sum` output: `<64 hex>  name` (text mode), `<64 hex> *name` (binary mode), either with a leading `\`
 * when the name is escaped, or the `--tag` form `SHA256 (name) = <64 hex>`. Names lose a leading `./`. Blank lines
 * and `#` comments are skipped. Anything else fails naming the file and the line; so does a name listed twice with
 * two different digests.
 */
export function parseChecksumList(text: string, file: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    const n = i + 1;
    const escaped = raw.startsWith('\\');
    const l = escaped ? raw.slice(1) : raw;
    let hex: string;
    let name: string;
    const gnu = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(l);
    const tag = gnu ? undefined : /^SHA256 \((.+)\) = ([0-9a-fA-F]{64})$/.exec(l);
    if (gnu) [hex, name] = [gnu[1], gnu[2]];
    else if (tag) [name, hex] = [tag[1], tag[2]];
    else {
      const shown = raw.length > 80 ? `${raw.slice(0, 80)}…` : raw;
      const why = /^[0-9a-fA-F]{32}\s|^[0-9a-fA-F]{40}\s|^[0-9a-fA-F]{128}\s/.test(l) ? ' (that digest is not SHA-256: write the list with sha256sum)' : '';
      throw new StepFailed(`${file} line ${n}: expected \`<64 hex digits>  <file name>\` as sha256sum writes it, got \`${shown}\`${why}`);
    }
    if (escaped) name = unescapeName(name, file, n);
    name = name.replace(/^(\.\/)+/, '');
    const digest = hex.toLowerCase();
    const before = out.get(name);
    if (before !== undefined && before !== digest) throw new StepFailed(`${file} line ${n}: \`${name}\` is listed twice with different digests`);
    out.set(name, digest);
  }
  return out;
}

/** Read and parse the list on the standby; a missing or unreadable list fails naming it. */
export async function readChecksumList(
  standby: Standby,
  source: BackupSource,
  file: string,
  options: { signal?: AbortSignal; timeoutMs?: number; background?: boolean } = {},
): Promise<Map<string, string>> {
  const r = await runTool(standby, {
    tool: source.tool,
    action: `read the checksum list ${file} of`,
    repository: source.repository,
    command: `cat ${shq(file)}`,
    ...options,
  });
  return parseChecksumList(r.stdout, file);
}
