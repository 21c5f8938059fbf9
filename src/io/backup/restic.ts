// restic repositories: read with --no-lock; the password reaches restic on stdin only.
import { StepFailed } from '../../core/errors.ts';
import { shq, type Standby } from '../standby/types.ts';
import { cleanPaths, isRemote, parseSum, requirePaths, runHelper, sumCommand } from './manifest-helper.ts';
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

/** The folder a snapshot was taken of: its one path, or `/` when it holds several. */
async function rootOf(standby: Standby, source: BackupSource, snapshot: Snapshot): Promise<string> {
  const key = `${standby.description}\0${source.repository}\0${snapshot.id}`;
  const known = roots.get(key);
  if (known !== undefined) return known;
  const root = await readRoot(standby, source, snapshot);
  roots.set(key, root);
  return root;
}

/** Snapshot roots already read (a snapshot never changes): preflight, restore and verify each need it. */
const roots = new Map<string, string>();

async function readRoot(standby: Standby, source: BackupSource, snapshot: Snapshot): Promise<string> {
  const r = await restic(standby, source, 'read snapshot ' + snapshot.id + ' of', ['snapshots', '--json', snapshot.id]);
  const list = JSON.parse(r.stdout) as ResticSnapshot[];
  if (list.length !== 1) throw new StepFailed(`restic: no snapshot ${snapshot.id} in ${source.repository}`);
  return list[0].paths.length === 1 ? list[0].paths[0].replace(/\/+$/, '') || '/' : '/';
}

function under(root: string, rel: string): string {
  return root === '/' ? `/${rel}` : `${root}/${rel}`;
}

async function nodes(standby: Standby, source: BackupSource, snapshot: Snapshot, dirs: string[], recursive: boolean): Promise<ResticNode[]> {
  const r = await restic(standby, source, 'list files of', ['ls', '--json', ...(recursive ? ['--recursive'] : []), snapshot.id, ...dirs]);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ResticNode)
    .filter((n) => n.struct_type === 'node');
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
    return list
      .map((s) => ({ id: s.id, time: new Date(s.time.replace(/(\.\d{3})\d+/, '$1')) }))
      .sort((a, b) => a.time.getTime() - b.time.getTime());
  },

  async snapshotBytes(standby, source, snapshot) {
    // restic's own listing, summed on the standby by awk (restic 0.14's `stats` cannot narrow to paths):
    // no 40 MB of JSON carried back and parsed node by node
    const root = await rootOf(standby, source, snapshot);
    const paths = cleanPaths(source.paths);
    const dirs = paths.length ? paths.map((p) => under(root, p)) : [root];
    const ls = [...base(source), 'ls', '--json', '--recursive', snapshot.id, ...dirs].map(shq).join(' ');
    const r = await runTool(standby, {
      tool: TOOL,
      action: 'list files of',
      repository: source.repository,
      command: sumCommand(ls, 'index($0, "\\"struct_type\\":\\"node\\"") && index($0, "\\"type\\":\\"file\\"") && match($0, /"size":[0-9]+/)', 'substr($0, RSTART + 7, RLENGTH - 7)'),
      secret: needPassword(source),
    });
    return parseSum(TOOL, source.repository, r.stdout);
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
    const cmd =
      `mkdir -p ${shq(t)} && s=$(mktemp -d ${shq(t)}/.continuity-restic.XXXXXX) || exit 3; ` +
      `${[...base(source), 'restore', snapshot.id, '--target', '@S@', ...includes].map(shq).join(' ').replace("'@S@'", '"$s"').replace('@S@', '"$s"')} && ` +
      `${moves.join(' && ')}; rc=$?; rm -rf "$s"; exit $rc`;
    options.onProgress?.({ message: `restoring snapshot ${snapshot.id.slice(0, 8)}` });
    await runTool(standby, {
      tool: TOOL,
      action: 'restore from',
      repository: source.repository,
      command: cmd,
      secret: needPassword(source),
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
  },

  async *manifest(standby, source, snapshot): AsyncIterable<FileEntry> {
    const root = await rootOf(standby, source, snapshot);
    const paths = cleanPaths(source.paths);
    const tops = paths.length ? paths : [];
    const entries: FileEntry[] = [];
    if (tops.length === 0) {
      // everything: dump the root (its children come as a tar stream)
      entries.push(...(await runHelper(standby, {
        tool: TOOL, repository: source.repository, mode: 'tar', secret: needPassword(source),
        args: ['--strip', root.replace(/^\/+/, '')], producer: [...base(source), 'dump', snapshot.id, root],
      })));
    }
    for (const p of tops) {
      const abs = under(root, p);
      const top = (await nodes(standby, source, snapshot, [abs], false)).find((n) => n.path === abs);
      if (!top) throw new StepFailed(`restic: \`${p}\` not in snapshot ${snapshot.id} of ${source.repository}`);
      const meta = { path: p, uid: top.uid, gid: top.gid, mode: goModeToUnix(top.mode) };
      if (top.type === 'dir') {
        entries.push({ ...meta, type: 'dir', size: 0 });
        // restic dump of a folder: a tar of what is below it, names as full paths without the leading `/`
        entries.push(...(await runHelper(standby, {
          tool: TOOL, repository: source.repository, mode: 'tar', secret: needPassword(source),
          args: ['--strip', root.replace(/^\/+/, ''), '--paths', JSON.stringify([p])],
          producer: [...base(source), 'dump', snapshot.id, abs],
        })));
      } else if (top.type === 'file') {
        const [raw] = await runHelper(standby, {
          tool: TOOL, repository: source.repository, mode: 'raw', secret: needPassword(source),
          args: ['--name', p], producer: [...base(source), 'dump', snapshot.id, abs],
        });
        entries.push({ ...meta, type: 'file', size: raw.size, sha256: raw.sha256 });
      } else {
        entries.push({ ...meta, type: top.type === 'symlink' ? 'symlink' : 'other', size: 0 });
      }
    }
    requirePaths(TOOL, source.repository, snapshot.id, entries, source.paths);
    yield* entries;
  },
};
