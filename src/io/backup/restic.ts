// restic repositories: read with --no-lock; the password reaches restic on stdin only.
import { Interrupted, StepFailed } from '../../core/errors.ts';
import { shq, type Standby } from '../standby/types.ts';
import { cleanPaths, isRemote, requirePaths } from './manifest-helper.ts';
import { parseVersion, runTool } from './tool-run.ts';
import { guardEvents, guardScript } from '../space-guard.ts';
import { formatBytes } from '../../core/drill-plan.ts';
import type { BackupAdapter, BackupSource, FileEntry, Snapshot, SnapshotBytesOptions } from './types.ts';

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

/** How a read of the repository runs: the manifest's reads may run beside the restore, at the lowest priority. */
interface ReadOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  background?: boolean;
}

async function restic(standby: Standby, source: BackupSource, action: string, args: string[], extra: ReadOptions = {}) {
  return runTool(standby, {
    tool: TOOL,
    action,
    repository: source.repository,
    command: [...base(source), ...args].map(shq).join(' '),
    secret: needPassword(source),
    ...extra,
  });
}

/**
 * A restic command whose output goes to a temporary file `$f` on the standby first, for `then` to read through fd 4.
 * restic writes its JSON listing a line per write(); into a pipe that is 100 000 writes for 100 000 files, each
 * waking the reader: 3.6-4.9 s where the same listing into a file took 2.4-2.8 s (1 GB bench tree). The file is
 * unlinked as soon as it is open, so nothing is left behind when the command is killed (but for an empty file, killed
 * in the few milliseconds between mktemp and rm).
 */
function throughFile(source: BackupSource, args: string[], then: string): string {
  const cmd = [...base(source), ...args].map(shq).join(' ');
  return `f=$(mktemp "\${TMPDIR:-/var/tmp}/continuity-restic.XXXXXX") || exit 3; exec 3>"$f" 4<"$f"; rm -f "$f"; ${cmd} >&3 || exit $?; exec 3>&-; ${then}`;
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
async function claimedRoot(standby: Standby, source: BackupSource, snapshot: Snapshot, o: ReadOptions = {}): Promise<string> {
  const key = rootKey(standby, source, snapshot.id);
  const known = roots.get(key);
  if (known !== undefined) return known;
  const root = await readRoot(standby, source, snapshot, o);
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
async function rootOf(standby: Standby, source: BackupSource, snapshot: Snapshot, o: ReadOptions = {}): Promise<string> {
  const key = rootKey(standby, source, snapshot.id);
  const known = treeRoots.get(key);
  if (known !== undefined) return known;
  const root = await lookUpTreeRoot(standby, source, snapshot, await claimedRoot(standby, source, snapshot, o), o);
  if (!treeRoots.has(key)) treeRoots.set(key, root);
  return treeRoots.get(key)!;
}

/** Reads of a tree's top under way, by rootKey: the restore and the walk may both ask at once (one `restic ls`). */
const lookups = new Map<string, Promise<string>>();

function lookUpTreeRoot(standby: Standby, source: BackupSource, snapshot: Snapshot, claimed: string, o: ReadOptions = {}): Promise<string> {
  const key = rootKey(standby, source, snapshot.id);
  let p = lookups.get(key);
  if (!p) {
    p = findTreeRoot(standby, source, snapshot, claimed, o);
    lookups.set(key, p);
    const forget = () => {
      if (lookups.get(key) === p) lookups.delete(key);
    };
    p.then(forget, forget);
  }
  return p;
}

async function findTreeRoot(standby: Standby, source: BackupSource, snapshot: Snapshot, claimed: string, o: ReadOptions = {}): Promise<string> {
  if (claimed === '/') return '/';
  const r = await restic(standby, source, 'list the top folder of', ['ls', '--json', snapshot.id, '/'], o);
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

async function readRoot(standby: Standby, source: BackupSource, snapshot: Snapshot, o: ReadOptions = {}): Promise<string> {
  const r = await restic(standby, source, 'read snapshot ' + snapshot.id + ' of', ['snapshots', '--json', snapshot.id], o);
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

/** Each chosen path under `root`, as restic names it in the snapshot (all of `root` when none are chosen). */
function dirsUnder(source: BackupSource, root: string): string[] {
  const paths = cleanPaths(source.paths);
  return paths.length ? paths.map((p) => under(root, p)) : [root];
}

/** The chosen paths of a snapshot as read once: the files' bytes, and restic's listing of them when asked. */
interface Chosen {
  bytes: number;
  /** every node under the snapshot's folder as a manifest entry; read from the standby when first asked, as the asker says (ReadOptions) */
  entries: (o?: ReadOptions) => Promise<FileEntry[]>;
}

/** Reads of the chosen paths already made in this process (a snapshot never changes), by standby, repository, snapshot and paths. */
const reads = new Map<string, Promise<Chosen>>();

/**
 * Restores running in this process, by standby, repository and snapshot (rootKey), each settled when its restore
 * ends: true when it succeeded. A listing asked for in the background while its snapshot is being restored is read
 * once that restore is over: receiving and parsing the 15 MB of a 100 000-file listing costs the drill 0.6-0.9 CPU s
 * at normal priority, which on two cores came out of the restore.
 */
const restoring = new Map<string, Promise<boolean>>();

/** Settles when `signal` aborts (never, without one), with its reason. */
function aborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (!signal) return;
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/**
 * The chosen paths of a snapshot, walked once by one `restic ls --json --recursive` into a temporary file on the
 * standby: its regular files' bytes summed there by awk (LISTING_AWK), the free-space gate's answer, and what
 * verification needs of each node written by the same awk into a second temporary file, kept by a holder process
 * (see holder, HOLD_SECONDS) until verification asks for the listing. In a drill it is asked for as the restore
 * starts, in the background, and read once that restore is over (see restoring): not between the gate and the
 * restore, where receiving it took 0.4-0.5 s, nor beside the restore, where it cost the restore CPU. At the path the
 * snapshot claims for its folder, or, when nothing is there (and the folder's place is not known yet), where the
 * tree keeps it (see rootOf).
 */
function chosen(standby: Standby, source: BackupSource, snapshot: Snapshot, o: ReadOptions = {}, keep?: Keep): Promise<Chosen> {
  const key = `${rootKey(standby, source, snapshot.id)}\0${JSON.stringify(cleanPaths(source.paths))}`;
  let p = reads.get(key);
  if (!p) {
    p = (async () => {
      const at = rootKey(standby, source, snapshot.id);
      const claimed = await claimedRoot(standby, source, snapshot, o);
      let root = treeRoots.get(at) ?? claimed;
      let read = await walk(standby, source, snapshot, dirsUnder(source, root), o, keep);
      // where the folder is, should the restore have found out meanwhile (see rootOf); else, with nothing at the
      // claimed path, a relative backup keeps its folder elsewhere in the tree: its top is read (once, see lookups)
      const found = treeRoots.get(at) ?? (read.nodes ? root : await lookUpTreeRoot(standby, source, snapshot, claimed, o));
      if (found !== root) {
        release(standby, read.held);
        read = await walk(standby, source, snapshot, dirsUnder(source, (root = found)), o, keep);
      }
      if (!treeRoots.has(at)) treeRoots.set(at, root);
      const dirs = dirsUnder(source, root);
      let parsed: Promise<FileEntry[]> | undefined;
      const entries = (asked: ReadOptions = {}) => {
        if (!parsed) {
          // a restore of this snapshot started before this first ask (in a drill, in the same tick: the restore
          // phase starts the restore right after asking, and the ask reaches here only after chosen's walk)
          const during = asked.background ? restoring.get(at) : undefined;
          parsed = (async () => {
            if (during) {
              // in the background while the snapshot is restored: after the restore (see restoring); stopped, or the
              // restore failed: nobody will read it
              const restored = await Promise.race([during, aborted(asked.signal)]).catch(() => false);
              if (!restored || asked.signal?.aborted) {
                release(standby, read.held);
                throw asked.signal?.aborted ? asked.signal.reason : new StepFailed(`restic: the restore from ${source.repository} failed: its listing is not read`);
              }
            }
            return listing(standby, source, snapshot, dirs, read.held, asked, root === '/' ? '/' : `${root}/`, read.nodes);
          })();
          parsed.catch(() => (parsed = undefined)); // stopped or failed: the next asker reads again
        }
        return parsed;
      };
      return { bytes: read.value, entries };
    })();
    reads.set(key, p);
    p.catch(() => reads.delete(key)); // a failed read is not remembered
  }
  return p;
}

/** Where the gate's walk left restic's listing: an unlinked file, open in a holder process (see holder). */
interface Held {
  pid: number;
  file: string;
}

/**
 * How long the walk's listing is kept for verification (seconds) when nothing says how long (see Keep). Should nobody
 * ask for it (a dry run, a failed gate, an interrupted drill), the holder's end frees the file.
 */
const HOLD_SECONDS = 300;

/** How long a drill wants the walk's listing kept: while its lock's folder exists, at most maxSeconds. */
type Keep = NonNullable<SnapshotBytesOptions['keepWhile']>;

/** How often a holder kept by a folder looks whether the folder is still there (seconds). */
const KEEP_LOOK_SECONDS = 2;

/** sh: a process that keeps the file open on HELD_FD for as long as `keep` says (HOLD_SECONDS without it). */
function holder(keep: Keep | undefined): string {
  if (!keep) return `sleep ${HOLD_SECONDS}`;
  const max = Math.max(KEEP_LOOK_SECONDS, Math.ceil(keep.maxSeconds));
  // its sleep holds the file too (closing the descriptor for it would make dash move the holder's own copy away from
  // HELD_FD while it sleeps): once the holder is killed, the file goes with that sleep, within KEEP_LOOK_SECONDS
  return `( n=0; while [ -d ${shq(keep.folder)} ] && [ $n -lt ${max} ]; do sleep ${KEEP_LOOK_SECONDS}; n=$((n+${KEEP_LOOK_SECONDS})); done )`;
}

/** The holder's descriptor of the compact listing (see walk). */
const HELD_FD = 6;

/**
 * One walk of `dirs`: restic's listing into a temporary file (see throughFile), read once by awk (LISTING_AWK), whose
 * sum (its stderr) comes to us and whose compact listing (its stdout) goes into a second temporary file; that one is
 * kept open by a holder process (see holder) after its name is gone (restic's own listing is freed when awk is done).
 */
async function walk(standby: Standby, source: BackupSource, snapshot: Snapshot, dirs: string[], o: ReadOptions, keep?: Keep): Promise<{ value: number; nodes: number; held?: Held }> {
  const hold =
    `g=$(mktemp "\${TMPDIR:-/var/tmp}/continuity-restic.XXXXXX") || exit 3; exec 5>"$g" ${HELD_FD}<"$g"; rm -f "$g"; ` +
    `awk -v sum=1 ${shq(LISTING_AWK)} <&4 2>&1 >&5 || exit $?; exec 4<&- 5>&-; ` +
    `${holder(keep)} </dev/null >/dev/null 2>&1 & echo "HELD $! $g"`;
  const r = await runTool(standby, {
    tool: TOOL,
    action: 'list files of',
    repository: source.repository,
    command: throughFile(source, ['ls', '--json', '--recursive', snapshot.id, ...dirs], hold),
    secret: needPassword(source),
    ...o,
  });
  const m = /^HELD (\d+) (.+)$/m.exec(r.stdout);
  return { ...sumOf(r.stdout, source), ...(m ? { held: { pid: Number(m[1]), file: m[2] } } : {}) };
}

/** `test` in sh: the holder is still the process that holds the walk's listing (its pid may have been reused since). */
function stillHeld(held: Held): string {
  return `[ "$(readlink /proc/${held.pid}/fd/${HELD_FD} 2>/dev/null)" = ${shq(`${held.file} (deleted)`)} ]`;
}

/** Let a listing go that nobody will read (its holder ends, and the file with it). */
function release(standby: Standby, held: Held | undefined): void {
  if (held) standby.exec(`${stillHeld(held)} && kill ${held.pid}; true`).catch(() => {});
}

/**
 * restic's listing of `dirs`, parsed: the walk's file when its holder is still there (checked by the file's name in
 * /proc, so a process that got the pid since is never read or stopped), else a walk of its own; as `o` says (in a
 * drill: at nice 19, stopped with the restore).
 */
async function listing(standby: Standby, source: BackupSource, snapshot: Snapshot, dirs: string[], held: Held | undefined, o: ReadOptions, prefix: string, nodes: number): Promise<FileEntry[]> {
  if (held) {
    const r = await runTool(standby, {
      tool: TOOL,
      action: 'read the listing of',
      repository: source.repository,
      command: `if ${stillHeld(held)}; then cat /proc/${held.pid}/fd/${HELD_FD} && kill ${held.pid}; else echo GONE; fi`,
      ...o,
    });
    if (r.stdout !== 'GONE\n') return parseListing(r.stdout, source, prefix, nodes);
  }
  const r = await runTool(standby, {
    tool: TOOL,
    action: 'list files of',
    repository: source.repository,
    command: throughFile(source, ['ls', '--json', '--recursive', snapshot.id, ...dirs], `exec awk -v sum=0 ${shq(LISTING_AWK)} <&4`),
    secret: needPassword(source),
    ...o,
  });
  return parseListing(r.stdout, source, prefix, nodes);
}

/** Go's type names, so that 100 000 nodes share three strings. */
const NODE_TYPES: Record<string, string> = { file: 'file', dir: 'dir', symlink: 'symlink' };

/** Plain digits `text[from, to)` as a number (JSON's own reading beyond 15 digits); NaN when they are not digits. */
function digitsAt(text: string, from: number, to: number): number {
  let v = 0;
  for (let k = from; k < to; k++) {
    const d = text.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return to - from > 15 ? Number(text.slice(from, to)) : v;
}

/** A node of restic's listing as a manifest entry, its path relative to the snapshot's folder. */
function entryOf(type: string, path: string, uid: number, gid: number, mode: number, size: number | undefined): FileEntry {
  const t = type === 'file' || type === 'dir' || type === 'symlink' ? type : 'other';
  return { path, type: t, size: t === 'file' ? (size ?? 0) : 0, uid, gid, mode: goModeToUnix(mode) };
}

/**
 * The manifest entries of the compact listing LISTING_AWK wrote, for the nodes under `prefix` (the snapshot's folder
 * and a slash), parsed a slice at a time: 100 000 lines in one go would hold up all else the drill does meanwhile. A
 * `?` line is one of restic's own JSON lines, parsed as JSON. restic 0.14's JSON listing has no symlink targets:
 * a symlink is as restic restored it, and verification only checks it was not replaced since.
 */
export async function parseListing(text: string, source: Pick<BackupSource, 'repository'>, prefix = '/', expectNodes?: number): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  let nodes = 0;
  const unreadable = (line: string) => new StepFailed(`restic: could not read restic's listing of ${source.repository}: ${line.slice(0, 200)}`);
  let i = 0;
  for (let n = 0; i < text.length; n++) {
    if (n % 5000 === 0) await new Promise((resolve) => setImmediate(resolve)); // first of all: whatever the drill does next
    let j = text.indexOf('\n', i);
    if (j < 0) j = text.length;
    if (j > i && text.charCodeAt(i) === 63 /* ? */) {
      let node: ResticNode;
      try {
        node = JSON.parse(text.slice(i + 1, j)) as ResticNode;
      } catch {
        throw unreadable(text.slice(i + 1, j));
      }
      // only what verification compares: restic's listing has three times and two spellings of the mode besides
      if (node.struct_type === 'node') nodes++;
      if (node.struct_type === 'node' && typeof node.path === 'string' && node.path.startsWith(prefix))
        out.push(entryOf(node.type, node.path.slice(prefix.length), node.uid, node.gid, node.mode, node.size));
    } else if (j > i) {
      // type, uid, gid, mode, size (empty when restic gave none) and the path, tab-separated: the numbers are plain
      // digits (the awk checked) and the path holds no escape, so no tab
      const a = text.indexOf('\t', i);
      const b = a < 0 || a > j ? -1 : text.indexOf('\t', a + 1);
      const c = b < 0 || b > j ? -1 : text.indexOf('\t', b + 1);
      const d = c < 0 || c > j ? -1 : text.indexOf('\t', c + 1);
      const e = d < 0 || d > j ? -1 : text.indexOf('\t', d + 1);
      if (e < 0 || e > j || a === i || b === a + 1 || c === b + 1 || d === c + 1) throw unreadable(text.slice(i, j));
      const uid = digitsAt(text, a + 1, b);
      const gid = digitsAt(text, b + 1, c);
      const mode = digitsAt(text, c + 1, d);
      const size = e > d + 1 ? digitsAt(text, d + 1, e) : undefined;
      if (Number.isNaN(uid) || Number.isNaN(gid) || Number.isNaN(mode) || Number.isNaN(size)) throw unreadable(text.slice(i, j));
      nodes++;
      if (text.startsWith(prefix, e + 1)) out.push(entryOf(NODE_TYPES[text.slice(i, a)] ?? text.slice(i, a), text.slice(e + 1 + prefix.length, j), uid, gid, mode, size));
    }
    i = j + 1;
  }
  // as many nodes as the walk counted: a listing cut short (a full disk on the standby, a lost connection) is no listing
  if (expectNodes !== undefined && nodes !== expectNodes)
    throw new StepFailed(`restic: restic's listing of ${source.repository} came back with ${nodes} nodes where the walk counted ${expectNodes}`);
  return out;
}

/**
 * awk, on the standby, over restic's JSON listing (40 MB for 100 000 files), in one pass: on stdout what verification
 * needs of each node as a line `type uid gid mode size path` (tab-separated; 15 MB, and read here in a quarter of the
 * time the JSON took), and with `sum=1`, on stderr (awk's own `/dev/stderr`: no /proc needed), the regular files'
 * bytes and the nodes counted. restic's Go encoder writes compact JSON, each key once, and a `"` inside a string is
 * always escaped, so `,"type":"`, `,"path":"`, `,"uid":` ... can only be those keys. A line that does not read that
 * way (another spelling, a number that is not plain digits, a type or path with an escape in it) is passed on whole,
 * `?`-prefixed, to both, and parsed by us as JSON: the sum and the listing are exactly what parsing every line would
 * give.
 */
export const LISTING_AWK = [
  'function num(key,   a, m) {',
  '  a = index($0, key)',
  '  if (!a) return ""',
  '  m = substr($0, a + length(key), 24)',
  '  if (!match(m, /^[0-9]+[,}]/)) return "x"',
  '  return substr(m, 1, RLENGTH - 1)',
  '}',
  '{',
  '  if (index($0, "\\"struct_type\\":\\"snapshot\\"")) next',
  '  t = index($0, ",\\"type\\":\\""); p = index($0, ",\\"path\\":\\"")',
  '  ty = ""; if (t) { ty = substr($0, t + 9); ty = substr(ty, 1, index(ty, "\\"") - 1) }',
  '  s = num(",\\"size\\":")',
  '  if (!index($0, "\\"struct_type\\":\\"node\\"") || ty == "" || index(ty, "\\\\") || s == "x") { if ($0 != "") { if (sum) print "?" $0 > "/dev/stderr"; print "?" $0 }; next }',
  '  n++',
  '  if (ty == "file") b += s',
  '  pa = ""; if (p) { pa = substr($0, p + 9); pa = substr(pa, 1, index(pa, "\\"") - 1) }',
  '  u = num(",\\"uid\\":"); g = num(",\\"gid\\":"); m = num(",\\"mode\\":")',
  '  if (!p || index(pa, "\\\\") || u == "" || u == "x" || g == "" || g == "x" || m == "" || m == "x") print "?" $0',
  '  else print ty "\\t" u "\\t" g "\\t" m "\\t" s "\\t" pa',
  '}',
  'END { if (sum) printf "NODES %.0f\\nBYTES %.0f\\n", n, b > "/dev/stderr" }',
].join('\n');

/** The awk's answer (LISTING_AWK with sum=1), with the lines it passed on parsed here. */
export function sumOf(stdout: string, source: Pick<BackupSource, 'repository'>): { value: number; nodes: number } {
  let value = 0;
  let nodes = 0;
  let complete = false;
  for (const line of stdout.split('\n')) {
    let m: RegExpExecArray | null;
    if (line.startsWith('?')) {
      let n: ResticNode;
      try {
        n = JSON.parse(line.slice(1)) as ResticNode;
      } catch {
        throw new StepFailed(`restic: could not read restic's listing of ${source.repository}: ${line.slice(1, 200)}`);
      }
      if (n.struct_type !== 'node') continue;
      nodes++;
      const size = Number(n.size ?? 0);
      if (!Number.isFinite(size) || size < 0) throw new StepFailed(`restic: a size in restic's listing of ${source.repository} is not a number: ${line.slice(1, 200)}`);
      if (n.type === 'file') value += size;
    } else if ((m = /^NODES (\d+)$/.exec(line))) nodes += Number(m[1]);
    else if ((m = /^BYTES (\d+)$/.exec(line))) {
      value += Number(m[1]);
      complete = true;
    }
  }
  if (!complete) throw new StepFailed(`restic: could not sum the sizes in restic's listing of ${source.repository}`);
  return { value, nodes };
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

/** restic's restore command's exit when it restored nothing at a chosen path (with MISSING_MARK on its stdout). */
const MISSING_EXIT = 65;
const MISSING_MARK = 'CONTINUITY-NOT-IN-SNAPSHOT';

/**
 * One restore of the chosen paths of `snapshot`, its folder taken to be at `root` in the tree: into a staging folder
 * inside the target, then, when every chosen path came back, renamed into place (same file system, so no copy).
 * When one did not, nothing is moved, the staging folder goes, and `missing` names them (the caller may try another
 * root). Otherwise restic's `--verify` answer.
 */
async function restoreFrom(
  standby: Standby,
  source: BackupSource,
  snapshot: Snapshot,
  target: string,
  root: string,
  options: Parameters<BackupAdapter['restore']>[4],
): Promise<{ missing: string[]; contentVerified?: undefined } | { missing?: undefined; contentVerified: ReturnType<typeof parseVerified> }> {
  const paths = cleanPaths(source.paths);
  const t = target.replace(/\/+$/, '');
  // the whole snapshot: still only what is under the folder's supposed place, so a wrong guess restores nothing
  const includes = paths.length ? paths.flatMap((p) => ['--include', under(root, p)]) : root === '/' ? [] : ['--include', root];
  // restic restores full paths (target/srv/backup/skole/...)
  const staged = (p: string) => `"$s"${shq(under(root, p))}`;
  const folder = `"$s"${shq(root === '/' ? '' : root)}`;
  // which chosen paths came back (by index: a path's own text is never echoed through the shell)
  const present = paths.length
    ? paths.map((p, i) => `[ -e ${staged(p)} ] || [ -L ${staged(p)} ] || m="$m ${i}"`).join('; ')
    : `[ -e ${folder} ] || [ -L ${folder} ] || m=" all"`;
  const moves = paths.length
    ? paths.map((p) => `mkdir -p "$(dirname ${shq(`${t}/${p}`)})" && mv ${staged(p)} ${shq(`${t}/${p}`)}`)
    : [
        // the folder's content (a snapshot of one file: that file), every name, dangling symlinks too
        `if [ -d ${folder} ] && [ ! -L ${folder} ]; then _bad=; for f in ${folder}/* ${folder}/.[!.]* ${folder}/..?*; do ` +
          `if [ -e "$f" ] || [ -L "$f" ]; then mv "$f" ${shq(t)}/ || _bad=1; fi; done; [ -z "$_bad" ]; else mv ${folder} ${shq(t)}/; fi`,
      ];
  // --verify: restic reads every restored file back and checks each chunk against the snapshot's blob ids. Then a
  // marker's ctime (the kernel's clock for inode changes) records when that check ended, and one clock tick
  // passes: any file written to afterwards has a later ctime, which verification reports.
  const restoreCmd = [...base(source), 'restore', snapshot.id, '--target', '@S@', '--verify', ...includes]
    .filter((w) => w !== '-q')
    .map(shq)
    .join(' ')
    .replace('@S@', '"$s"');
  // restic runs in the background (its stdin, with the password, handed over on fd 3: sh gives a background job
  // /dev/null), so that a space guard can watch it while the drill still counts the snapshot's size (see
  // space-guard.ts); without a guard the shell only waits
  const guard = options.spaceGuard ? `\n${guardScript(options.spaceGuard, 'rp', 's')}\n` : ' ';
  const cmd =
    `mkdir -p ${shq(t)} && s=$(mktemp -d ${shq(t)}/.continuity-restic.XXXXXX) || exit 3; ` +
    `exec 3<&0; ${restoreCmd} <&3 3<&- & rp=$!; exec 3<&-;${guard}wait "$rp"; rc=$?; ` +
    `if [ $rc -eq 0 ]; then m=; ${present}; ` +
    `if [ -n "$m" ]; then echo "${MISSING_MARK}$m"; rc=${MISSING_EXIT}; ` +
    `else ${moves.join(' && ')} && touch "$s/.verified" && printf 'CONTINUITY-VERIFIED %s\\n' "$(find "$s/.verified" -printf %C@)" && sleep 0.05; rc=$?; fi; fi; ` +
    `rm -rf "$s"; exit $rc`;
  options.onProgress?.({ message: `restoring snapshot ${snapshot.id.slice(0, 8)}` });
  let seen = '';
  const r = await runTool(standby, {
    tool: TOOL,
    action: 'restore from',
    repository: source.repository,
    command: cmd,
    secret: needPassword(source),
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    okExitCodes: [MISSING_EXIT],
    ...(options.spaceGuard
      ? {
          onStdout: (chunk: string) => {
            const before = guardEvents(seen);
            seen += chunk;
            const now = guardEvents(seen);
            if (now.heldAtFree !== undefined && before.heldAtFree === undefined)
              options.onProgress?.({ message: `held with ${formatBytes(now.heldAtFree)} free until the snapshot's size is counted` });
            if (now.resumed && !before.resumed) options.onProgress?.({ message: `restoring snapshot ${snapshot.id.slice(0, 8)} (resumed: it fits)` });
          },
        }
      : {}),
  }).catch((err: unknown) => {
    if (err instanceof StepFailed && guardEvents(seen).stopped)
      throw new StepFailed(`restic: the restore from ${source.repository} was stopped: the snapshot does not fit on the standby`);
    throw err;
  });
  if (r.exitCode === MISSING_EXIT) {
    const m = new RegExp(`^${MISSING_MARK}((?: (?:\\d+|all))+)$`, 'm').exec(r.stdout);
    if (!m) throw new StepFailed(`restic: could not restore from ${source.repository} (exit ${r.exitCode}): ${r.stderr.trim().split('\n').slice(-3).join(' ') || 'no message'}`);
    const idx = m[1].trim().split(' ');
    return { missing: idx[0] === 'all' ? [`the snapshot's folder (${root} in its tree)`] : idx.map((i) => paths[Number(i)]) };
  }
  return { contentVerified: parseVerified(r.stdout) };
}

/** The restic adapter: snapshots --json, restore into a staging folder then renamed into place, dump for manifests. */
export const resticAdapter: BackupAdapter = {
  tool: TOOL,
  guardsSpace: true,

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

  async snapshotBytes(standby, source, snapshot, options = {}) {
    // restic's own listing of the chosen paths, summed on the standby (restic 0.14's `stats` cannot narrow to paths,
    // and its restore-size counts an inode number once across file systems); the listing itself is kept there for
    // this drill's verification; in a drill the walk runs beside the restore (guardsSpace), at nice 19
    return (await chosen(standby, source, snapshot, { background: options.background }, options.keepWhile)).bytes;
  },

  async restore(standby, source, snapshot, target, options) {
    // a listing read in the background waits for this restore's end (see restoring)
    const key = rootKey(standby, source, snapshot.id);
    let ended!: (succeeded: boolean) => void;
    const settled = new Promise<boolean>((resolve) => (ended = resolve));
    restoring.set(key, settled);
    let succeeded = false;
    try {
      // the snapshot's folder where its `paths` say (the snapshot list preflight read says so: no restic call), or
      // where the walk found it; only when the chosen paths are not there is the tree's top read (see rootOf), and
      // the restore made again from there. Asking first cost every drill 0.6-0.8 s on the RTO clock: restic's key
      // derivation and index for `ls /`, while the walk that would have told was still running.
      const known = treeRoots.get(key);
      let root = known ?? (await claimedRoot(standby, source, snapshot, { timeoutMs: options.timeoutMs, signal: options.signal }));
      const stopped = () => {
        if (options.signal?.aborted) throw new Interrupted(`restic: the restore from ${source.repository} was interrupted`);
      };
      stopped();
      let r = await restoreFrom(standby, source, snapshot, target, root, options);
      if (r.missing && known === undefined) {
        const found = await rootOf(standby, source, snapshot, { timeoutMs: options.timeoutMs, signal: options.signal });
        stopped();
        if (found !== root) {
          options.onProgress?.({ message: `restoring snapshot ${snapshot.id.slice(0, 8)} (its folder is at ${found} in the tree)` });
          r = await restoreFrom(standby, source, snapshot, target, (root = found), options);
        }
      }
      if (r.missing)
        throw new StepFailed(`restic: ${r.missing.join(', ')}: not in snapshot ${snapshot.id.slice(0, 8)} of ${source.repository}`);
      const contentVerified = r.contentVerified;
      // never a silent downgrade to "restored, content unchecked"
      if (!contentVerified) throw new StepFailed(`restic: the restore from ${source.repository} did not report restic's verification of the restored files`);
      succeeded = true;
      return { contentVerified };
    } finally {
      if (restoring.get(key) === settled) restoring.delete(key);
      ended(succeeded);
    }
  },

  async *manifest(standby, source, snapshot, options = {}): AsyncIterable<FileEntry> {
    // the chosen paths as restic lists them (the listing the free-space gate already read): types, sizes, owners,
    // modes. Content is not in it: restic's restore --verify checks that (see restore).
    // in a drill the free-space gate started this read, and a background ask during the restore is read once the
    // restore is over (see restoring); otherwise it starts here, as the caller asks (at the lowest priority, stopped
    // with the restore)
    const o: ReadOptions = { timeoutMs: options.timeoutMs, signal: options.signal, background: options.background };
    const entries = await (await chosen(standby, source, snapshot, o)).entries(o);
    requirePaths(TOOL, source.repository, snapshot.id, entries, source.paths);
    yield* entries;
  },
};
