// List what a restore put on the standby: type, size, owner, group, mode and sha256 of every entry,
// read ON the standby with one `find` and a parallel `sha256sum` (one worker per core there).
import type { TreeEntry } from '../core/verify.ts';
import { StepFailed } from '../core/errors.ts';
import { shq, type Standby } from './standby/types.ts';

/** Limits for listing a restored tree. */
export interface ListOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** hashing workers; default: the standby's core count */
  parallel?: number;
}

const TYPES: Record<string, TreeEntry['type']> = { f: 'file', d: 'dir', l: 'symlink' };

/** Shell command printing NUL-separated records: type, size, uid, gid, mode (octal), link target, relative path. */
export function listCommand(root: string): string {
  return `cd ${shq(root)} && find . -mindepth 1 -printf '%y\\0%s\\0%U\\0%G\\0%m\\0%l\\0%P\\0'`;
}

/**
 * Shell command hashing the NUL-separated relative paths on its stdin, one sha256sum per core,
 * printing `sha256  path` NUL-terminated. Batches are sized so each worker gets about 8 of them:
 * big enough that process start-up is noise, small enough that one large file does not leave a core idle.
 * Each batch writes its own file (parallel writers on one pipe would tear records apart), then all are printed.
 */
export function hashCommand(root: string, files: number, parallel?: number): string {
  const workers = parallel ? String(parallel) : '$(nproc 2>/dev/null || echo 2)';
  return (
    `P=${workers}; N=$(( ${files} / (P * 8) + 1 )); [ "$N" -lt 16 ] && N=16; ` +
    `T=$(mktemp -d) || exit 1; trap 'rm -rf "$T"' EXIT; cd ${shq(root)} && ` +
    `xargs -0 -r -P "$P" -n "$N" sh -c 'f=$(mktemp "$0/h.XXXXXX") && sha256sum -z -- "$@" > "$f"' "$T" && cat "$T"/h.*`
  );
}

/** Parse the output of `listCommand`. */
export function parseListing(out: string): TreeEntry[] {
  const f = out.split('\0');
  const entries: TreeEntry[] = [];
  for (let i = 0; i + 6 < f.length; i += 7) {
    const [y, size, uid, gid, mode, target, p] = f.slice(i, i + 7);
    const type = TYPES[y] ?? 'other';
    entries.push({
      path: p,
      type,
      size: type === 'dir' ? 0 : Number(size),
      uid: Number(uid),
      gid: Number(gid),
      mode: parseInt(mode, 8),
      ...(type === 'symlink' ? { target } : {}),
    });
  }
  return entries;
}

/** Parse `sha256sum -z` output into path → hash. */
export function parseHashes(out: string): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const rec of out.split('\0')) {
    if (rec.length < 67) continue;
    // `<64 hex>  path` (binary mode marks with `*` instead of the second space)
    hashes.set(rec.slice(66), rec.slice(0, 64));
  }
  return hashes;
}

/** Every entry under `root` on the standby, paths relative to `root`, files with their sha256. */
export async function listRestoredTree(standby: Standby, root: string, options: ListOptions = {}): Promise<TreeEntry[]> {
  const run = async (what: string, command: string, input?: string) => {
    const r = await standby.exec(command, { signal: options.signal, timeoutMs: options.timeoutMs, ...(input !== undefined ? { input } : {}) });
    if (r.timedOut) throw new StepFailed(`${what} on ${standby.description} timed out`, { command: what, exitCode: r.exitCode, stderr: r.stderr });
    if (r.exitCode !== 0)
      throw new StepFailed(`${what} on ${standby.description} failed (exit ${r.exitCode}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`, {
        command: what,
        exitCode: r.exitCode,
        stderr: r.stderr,
      });
    return r.stdout;
  };
  // list first (fast, metadata only), then hash with batches sized from the file count
  const entries = parseListing(await run(`listing ${root}`, listCommand(root)));
  const files = entries.filter((e) => e.type === 'file').map((e) => e.path);
  const hashes = files.length
    ? parseHashes(await run(`hashing ${root}`, hashCommand(root, files.length, options.parallel), `${files.join('\0')}\0`))
    : new Map<string, string>();
  for (const e of entries) if (e.type === 'file') e.sha256 = hashes.get(e.path);
  const unhashed = files.filter((f) => !hashes.has(f));
  if (unhashed.length)
    throw new StepFailed(`hashing ${root} on ${standby.description}: ${unhashed.length} file(s) could not be hashed, e.g. ${unhashed.slice(0, 3).join(', ')}`);
  return entries;
}
