// restic repositories: read with --no-lock; the password reaches restic on stdin only.
import { StepFailed } from '../../core/errors.ts';
import { shq, type Standby } from '../standby/types.ts';
import { cleanPaths, isRemote, requirePaths } from './manifest-helper.ts';
import { parseVersion, runTool } from './tool-run.ts';
import type { BackupAdapter, BackupSource, FileEntry, Snapshot } from './types.ts';

const TOOL = 'restic';

/** `user@host:/path` is restic's `sftp:user@host:/path`; anything else (a path, sftp:, rest:, s3:) as given. */
export function resticRepository(repository: string): string {
  return isRemote(repository) && !/^[a-z0-9]+:/.test(repository) ? `sftp:${repository}` : repository;
}

/** The restic argv prefix: no password from the environment (stdin is the only way in), never a lock in the repository. */
function base(source: BackupSource): string[] {
  return [
    'env', '-u', 'RESTIC_PASSWORD', '-u', 'RESTIC_PASSWORD_FILE', '-u', 'RESTIC_PASSWORD_COMMAND',
    'restic', '-q', '-r', resticRepository(source.repository), '--no-lock', '--cache-dir', '/var/tmp/continuity-restic-cache',
  ];
}

function needPassword(source: BackupSource): string {
  if (source.password === undefined) throw new StepFailed(`restic: ${source.repository} needs a password (backup.passwordFile)`);
  return source.password;
}

async function restic(standby: Standby, source: BackupSource, action: string, args: string[], extra: { timeoutMs?: number; signal?: AbortSignal } = {}) {
  return runTool(standby, {
    tool: TOOL,
    action,
    repository: source.repository,
    command: [...base(source), ...args].map(shq).join(' '),
    secret: needPassword(source),
    ...extra,
  });
}

interface ResticSnapshot {
  id: string;
  time: string;
  paths: string[];
}

interface ResticNode {
  struct_type?: string;
  type: string;
  path: string;
  uid: number;
  gid: number;
  mode: number;
  size?: number;
}

/** Go's os.FileMode -> Unix permission bits (with setuid, setgid, sticky). */
export function goModeToUnix(mode: number): number {
  let m = mode & 0o777;
  if (mode & (1 << 23)) m |= 0o4000;
  if (mode & (1 << 22)) m |= 0o2000;
  if (mode & (1 << 20)) m |= 0o1000;
  return m;
}

/** The folder a snapshot was taken of, as its `paths` say: its one path, or `/` when it holds several. */
async function claimedRoot(standby: Standby, source: BackupSource, snapshot: Snapshot): Promise<string> {
  const key = rootKey(standby, source, snapshot.id);
  const known = roots.get(key);
  if (known !== undefined) return known;
  const root = await readRoot(standby, source, snapshot);
  roots.set(key, root);
  return root;
}

/** Snapshot roots already read (a snapshot never changes): preflight, restore and verify each need it. */
const roots = new Map<string, string>();

/** Where each snapshot's folder is in its tree, once known (see rootOf). */
const treeRoots = new Map<string, string>();

/**
 * Where the folder a snapshot was taken of is in the snapshot's tree. An absolute backup (`restic backup
 * /srv/skole`) keeps it at its path; a relative one keeps only what was named: `restic backup skole` run in /srv
 * stores /skole, `restic backup ../srv/skole` /srv/skole, `restic backup .` the folder's content at the top, though
 * `paths` says /srv/skole every time. The listing of the chosen paths finds out for free when the folder is at its
 * path; else the top of the tree is read (one `restic ls`).
 */
async function rootOf(standby: Standby, source: BackupSource, snapshot: Snapshot): Promise<string> {
  const key = rootKey(standby, source, snapshot.id);
  const known = treeRoots.get(key);
  if (known !== undefined) return known;
  const root = await findTreeRoot(standby, source, snapshot, await claimedRoot(standby, source, snapshot));
  treeRoots.set(key, root);
  return root;
}

async function findTreeRoot(standby: Standby, source: BackupSource, snapshot: Snapshot, claimed: string): Promise<string> {
  if (claimed === '/') return '/';
  const r = await restic(standby, source, 'list the top folder of', ['ls', '--json', snapshot.id, '/']);
  const top: string[] = [];
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const n = JSON.parse(line) as ResticNode;
    if (n.struct_type === 'node' && /^\/[^/]+$/.test(n.path)) top.push(n.path.slice(1));
  }
  // one folder at the top, named as a part of the claimed path: the backup named the path from that part on;
  // anything else is the content of the folder itself (`restic backup .`)
  const parts = claimed.split('/').filter(Boolean);
  if (top.length === 1) for (let i = 0; i < parts.length; i++) if (parts[i] === top[0]) return `/${parts.slice(i).join('/')}`;
  return '/';
}

async function readRoot(standby: Standby, source: BackupSource, snapshot: Snapshot): Promise<string> {
  const r = await restic(standby, source, 'read snapshot ' + snapshot.id + ' of', ['snapshots', '--json', snapshot.id]);
  const list = JSON.parse(r.stdout) as ResticSnapshot[];
  if (list.length !== 1) throw new StepFailed(`restic: no snapshot ${snapshot.id} in ${source.repository}`);
  return rootFromPaths(list[0].paths);
}

function rootKey(standby: Standby, source: BackupSource, id: string): string {
  return `${standby.description}\0${source.repository}\0${id}`;
}

function rootFromPaths(paths: string[] | undefined): string {
  return paths?.length === 1 ? paths[0].replace(/\/+$/, '') || '/' : '/';
}

function under(root: string, rel: string): string {
  return root === '/' ? `/${rel}` : `${root}/${rel}`;
}

/** Listings already read in this process (a snapshot never changes), by standby, repository, snapshot and paths. */
const listings = new Map<string, Promise<ResticNode[]>>();

/** Every node under the chosen paths (the paths themselves included), read once: the free-space gate and verification share it. */
function listing(standby: Standby, source: BackupSource, snapshot: Snapshot): Promise<ResticNode[]> {
  const key = `${rootKey(standby, source, snapshot.id)}\0${JSON.stringify(cleanPaths(source.paths))}`;
  let p = listings.get(key);
  if (!p) {
    p = readListing(standby, source, snapshot);
    listings.set(key, p);
    p.catch(() => listings.delete(key)); // a failed read is not remembered
  }
  return p;
}

async function readListing(standby: Standby, source: BackupSource, snapshot: Snapshot): Promise<ResticNode[]> {
  const key = rootKey(standby, source, snapshot.id);
  const claimed = await claimedRoot(standby, source, snapshot);
  let root = treeRoots.get(key) ?? claimed;
  let out = await listUnder(standby, source, snapshot, root);
  if (!out.length && !treeRoots.has(key)) {
    // nothing at the claimed path: a relative backup keeps its folder elsewhere in the tree (see rootOf)
    const found = await findTreeRoot(standby, source, snapshot, claimed);
    if (found !== root) out = await listUnder(standby, source, snapshot, (root = found));
  }
  treeRoots.set(key, root);
  return out;
}

async function listUnder(standby: Standby, source: BackupSource, snapshot: Snapshot, root: string): Promise<ResticNode[]> {
  const paths = cleanPaths(source.paths);
  const dirs = paths.length ? paths.map((p) => under(root, p)) : [root];
  const out: ResticNode[] = [];
  for (const line of (await restic(standby, source, 'list files of', ['ls', '--json', '--recursive', snapshot.id, ...dirs])).stdout.split('\n')) {
    if (!line) continue;
    const n = JSON.parse(line) as ResticNode;
    // only what verification compares: restic's listing has three times and two spellings of the mode besides
    if (n.struct_type === 'node') out.push({ type: n.type, path: n.path, uid: n.uid, gid: n.gid, mode: n.mode, ...(n.size !== undefined ? { size: n.size } : {}) });
  }
  return out;
}

/** restic's `finished verifying N files in T (took 2.309s)` and our marker's ctime, from the restore's output. */
export function parseVerified(stdout: string): { by: string; at: number; files?: number; seconds?: number } | undefined {
  const at = /^CONTINUITY-VERIFIED (\d+(?:\.\d+)?)$/m.exec(stdout);
  const done = /finished verifying (\d+) files in .* \(took ([0-9.hmsµun]+)\)/.exec(stdout);
  if (!at || !done) return undefined;
  return { by: 'restic restore --verify', at: Number(at[1]), files: Number(done[1]), seconds: goDuration(done[2]) };
}

/** Go's time.Duration text (`1m2.5s`, `850ms`, `2.309s`) in seconds; undefined when it is not one. */
export function goDuration(text: string): number | undefined {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, 'µs': 1e-6, us: 1e-6, ns: 1e-9 };
  let total = 0;
  let rest = text;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(h|ms|m|s|µs|us|ns)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** The restic adapter: snapshots --json, restore into a staging folder then renamed into place, dump for manifests. */
export const resticAdapter: BackupAdapter = {
  tool: TOOL,

  async version(standby) {
    const r = await runTool(standby, { tool: TOOL, action: 'ask the version of', repository: TOOL, command: 'restic version' });
    return parseVersion(TOOL, r.stdout);
  },

  async listSnapshots(standby, source) {
    const r = await restic(standby, source, 'list snapshots of', ['snapshots', '--json']);
    let list: ResticSnapshot[];
    try {
      list = JSON.parse(r.stdout) as ResticSnapshot[];
    } catch {
      throw new StepFailed(`restic: could not read the snapshots of ${source.repository}`);
    }
    // each snapshot's root is in this list already: remembered, so restore and verify need no call of their own
    for (const s of list) roots.set(rootKey(standby, source, s.id), rootFromPaths(s.paths));
    return list
      .map((s) => ({ id: s.id, time: new Date(s.time.replace(/(\.\d{3})\d+/, '$1')) }))
      .sort((a, b) => a.time.getTime() - b.time.getTime());
  },

  async snapshotBytes(standby, source, snapshot) {
    // restic's own listing of the chosen paths (restic 0.14's `stats` cannot narrow to paths, and its restore-size
    // counts an inode number once across file systems): kept for this drill's verification, which needs it again
    let n = 0;
    for (const node of await listing(standby, source, snapshot)) if (node.type === 'file') n += node.size ?? 0;
    return n;
  },

  async restore(standby, source, snapshot, target, options) {
    const root = await rootOf(standby, source, snapshot);
    const paths = cleanPaths(source.paths);
    const t = target.replace(/\/+$/, '');
    const includes = paths.flatMap((p) => ['--include', under(root, p)]);
    // restic restores full paths (target/srv/backup/skole/...): restore into a staging folder inside the target,
    // then rename the chosen paths into place (same file system, so no copy)
    const staged = (p: string) => `"$s"${shq(under(root, p))}`;
    const moves = paths.length
      ? paths.map((p) => `{ [ -e ${staged(p)} ] || { echo ${shq(`${p}: not in this snapshot`)} >&2; exit 1; }; } && mkdir -p "$(dirname ${shq(`${t}/${p}`)})" && mv ${staged(p)} ${shq(`${t}/${p}`)}`)
      : [`for f in "$s"${shq(root === '/' ? '' : root)}/* "$s"${shq(root === '/' ? '' : root)}/.[!.]*; do [ -e "$f" ] && mv "$f" ${shq(t)}/; done; true`];
    // --verify: restic reads every restored file back and checks each chunk against the snapshot's blob ids. Then a
    // marker's ctime (the kernel's clock for inode changes) records when that check ended, and one clock tick
    // passes: any file written to afterwards has a later ctime, which verification reports.
    const restoreCmd = [...base(source), 'restore', snapshot.id, '--target', '@S@', '--verify', ...includes]
      .filter((w) => w !== '-q')
      .map(shq)
      .join(' ')
      .replace('@S@', '"$s"');
    const cmd =
      `mkdir -p ${shq(t)} && s=$(mktemp -d ${shq(t)}/.continuity-restic.XXXXXX) || exit 3; ` +
      `${restoreCmd} && ${moves.join(' && ')} && touch "$s/.verified" && printf 'CONTINUITY-VERIFIED %s\\n' "$(find "$s/.verified" -printf %C@)" && sleep 0.05; ` +
      `rc=$?; rm -rf "$s"; exit $rc`;
    options.onProgress?.({ message: `restoring snapshot ${snapshot.id.slice(0, 8)}` });
    const r = await runTool(standby, {
      tool: TOOL,
      action: 'restore from',
      repository: source.repository,
      command: cmd,
      secret: needPassword(source),
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
    const contentVerified = parseVerified(r.stdout);
    // never a silent downgrade to "restored, content unchecked"
    if (!contentVerified) throw new StepFailed(`restic: the restore from ${source.repository} did not report restic's verification of the restored files`);
    return { contentVerified };
  },

  async *manifest(standby, source, snapshot): AsyncIterable<FileEntry> {
    // the chosen paths as restic lists them (the listing the free-space gate already read): types, sizes, owners,
    // modes. Content is not in it: restic's restore --verify checks that (see restore). restic 0.14's JSON listing
    // has no symlink targets either: a symlink is as restic restored it, and verification only checks it was not
    // replaced since.
    const root = await rootOf(standby, source, snapshot);
    const prefix = root === '/' ? '/' : `${root}/`;
    const entries: FileEntry[] = [];
    for (const n of await listing(standby, source, snapshot)) {
      if (!n.path.startsWith(prefix)) continue;
      const type = n.type === 'file' || n.type === 'dir' || n.type === 'symlink' ? n.type : 'other';
      entries.push({ path: n.path.slice(prefix.length), type, size: type === 'file' ? (n.size ?? 0) : 0, uid: n.uid, gid: n.gid, mode: goModeToUnix(n.mode) });
    }
    requirePaths(TOOL, source.repository, snapshot.id, entries, source.paths);
    yield* entries;
  },
};
