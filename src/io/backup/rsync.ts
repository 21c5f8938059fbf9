// An rsync mirror: one snapshot (the mirror as it is now), restored with rsync keeping numeric owners, ACLs, xattrs.
import { StepFailed } from '../../core/errors.ts';
import { shq, type Standby } from '../standby/types.ts';
import { cleanPaths, isRemote, parseSum, requirePaths, sumCommand } from './manifest-helper.ts';
import { listTree } from '../restored-tree.ts';
import { parseVersion, runTool } from './tool-run.ts';
import { checksumListPath, insideFolder, readChecksumList } from './checksum-list.ts';
import type { BackupAdapter, BackupSource, FileEntry } from './types.ts';

const TOOL = 'rsync';
/** The file a backup job touches when the mirror is complete; its mtime is the snapshot time. */
export const SNAPSHOT_MARKER = '.continuity-snapshot';

function join(repo: string, rel: string): string {
  return repo.replace(/\/+$/, '') + '/' + rel;
}

/**
 * A shell producer printing the bytes of the regular files under `roots` as partial sums, one per line: the files at
 * depth 0 and 1 by one `find`, each folder at depth 1 (a home directory) by `find`s run four at a time, every batch
 * summed by its own awk (one short line each, so parallel output never mixes inside a line). A cold walk of 100 000
 * files' inodes is CPU-bound in the kernel: 1.2 s this way against 1.7-2.0 s for one `find` (2 cores). `prune` (a
 * path as find prints it) is left out. Exits non-zero when any find failed.
 */
export function parallelSizes(roots: string[], prune: string): string {
  const batch = `{ find "$@" -type f -printf '%s\\n'; echo "CONTINUITY-EXIT $?"; } | awk '/^CONTINUITY-EXIT [0-9]+$/ { rc = $2; next } { s += $1 } END { printf "%.0f\\n", s; exit rc }'`;
  const r = roots.map(shq).join(' ');
  return (
    `( rc=0; find ${r} -maxdepth 1 -path ${shq(prune)} -prune -o -type f -printf '%s\\n' || rc=1; ` +
    `find ${r} -mindepth 1 -maxdepth 1 -type d ! -path ${shq(prune)} -print0 | xargs -0 -r -P 4 -n 64 sh -c ${shq(batch)} sh || rc=1; exit $rc )`
  );
}

/** The checksum list (`backup.checksums`) on the standby, and its path inside the mirror when it is kept there. */
function checksumList(source: BackupSource): { file: string; inside?: string } | undefined {
  if (!source.checksums) return undefined;
  const file = checksumListPath(source.checksums, source.repository);
  return { file, inside: insideFolder(file, source.repository) };
}

/**
 * The snapshot's side with a checksum list: the mirror's metadata (types, sizes, owners, modes, link targets; its
 * files are not hashed) and each file's digest from the list, which the backup job wrote from the data it had just
 * copied. A file damaged in the mirror since then is restored as it is now, and its digest no longer matches the
 * list: verification names it. A mirror file the list does not name has no digest (verification names it as
 * unchecked); a file the list names under the chosen paths that the mirror has lost is an entry of its own, which the
 * restore cannot bring back (verification names it as missing).
 */
async function withChecksums(
  standby: Standby,
  source: BackupSource,
  list: { file: string; inside?: string },
  paths: string[],
  options: { signal?: AbortSignal; timeoutMs?: number; background?: boolean },
): Promise<FileEntry[]> {
  const prune = [SNAPSHOT_MARKER, ...(list.inside ? [list.inside] : [])];
  const [listed, digests] = await Promise.all([
    listTree(standby, source.repository, { ...options, paths, prune, hash: false }).catch((err: unknown) => {
      throw new StepFailed(`rsync: could not read the snapshot in ${source.repository}: ${err instanceof Error ? err.message : String(err)}`);
    }),
    readChecksumList(standby, source, list.file, options),
  ]);
  const entries = list.inside ? listed.filter((e) => e.path !== list.inside) : listed;
  const seen = new Set<string>();
  for (const e of entries) {
    if (e.type !== 'file') continue;
    seen.add(e.path);
    const d = digests.get(e.path);
    if (d !== undefined) e.sha256 = d;
    else e.noDigest = `a line in the checksum list ${list.file}`;
  }
  const chosen = (p: string) => paths.length === 0 || paths.some((c) => p === c || p.startsWith(`${c}/`));
  for (const name of digests.keys()) {
    if (seen.has(name) || name === SNAPSHOT_MARKER || name === list.inside || !chosen(name)) continue;
    // listed when the backup was made, gone from the mirror since: what the list says the file was
    entries.push({ path: name, type: 'file', size: 0, sha256: digests.get(name), uid: -1, gid: -1, mode: 0 });
  }
  return entries;
}

/** The rsync adapter: the mirror is the only snapshot; its time is the marker's mtime, else the newest mtime. */
export const rsyncAdapter: BackupAdapter = {
  tool: TOOL,

  async version(standby) {
    const r = await runTool(standby, { tool: TOOL, action: 'ask the version of', repository: 'rsync', command: 'rsync --version' });
    return parseVersion(TOOL, r.stdout);
  },

  async listSnapshots(standby, source) {
    const repo = source.repository;
    if (isRemote(repo)) {
      // rsync lists the remote marker itself; its time is printed in the standby's local time
      const r = await runTool(standby, {
        tool: TOOL,
        action: 'list',
        repository: repo,
        command: `rsync --list-only ${shq(join(repo, SNAPSHOT_MARKER))}`,
      });
      const m = /(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)/.exec(r.stdout);
      if (!m) throw new StepFailed(`rsync: no ${SNAPSHOT_MARKER} in ${repo}: cannot tell the mirror's time`);
      const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
      return [{ id: 'mirror', time: new Date(y, mo - 1, d, h, mi, s) }];
    }
    const r = await runTool(standby, {
      tool: TOOL,
      action: 'list',
      repository: repo,
      command:
        `cd ${shq(repo)} || exit 3; if [ -e ${SNAPSHOT_MARKER} ]; then stat -c %Y ${SNAPSHOT_MARKER}; ` +
        `else find . -printf '%T@\\n' | sort -n | tail -n 1; fi`,
    });
    const seconds = Number(r.stdout.trim());
    if (!Number.isFinite(seconds) || r.stdout.trim() === '') throw new StepFailed(`rsync: ${repo} is empty: no mirror to restore`);
    return [{ id: 'mirror', time: new Date(seconds * 1000) }];
  },

  async snapshotBytes(standby, source, snapshot) {
    if (!isRemote(source.repository)) {
      // the mirror's regular files, summed by find: metadata only, no Python walk, exact
      const paths = cleanPaths(source.paths);
      const check = paths
        .map((p) => `{ [ -e ${shq('./' + p)} ] || [ -L ${shq('./' + p)} ] || { echo ${shq(`\`${p}\` not in snapshot ${snapshot.id} of ${source.repository}`)} >&2; exit 1; }; }`)
        .join(' && ');
      const r = await runTool(standby, {
        tool: TOOL,
        action: 'measure',
        repository: source.repository,
        command: `cd ${shq(source.repository)} || exit 3; ${check ? check + ' && ' : ''}${sumCommand(parallelSizes(paths.length ? paths.map((p) => './' + p) : ['.'], `./${SNAPSHOT_MARKER}`), '/^[0-9]+$/', '$1')}`,
      });
      return parseSum(TOOL, source.repository, r.stdout);
    }
    // remote mirror: rsync's own count (symlink targets' lengths included)
    const paths = cleanPaths(source.paths);
    const from = paths.length ? paths.map((p) => join(source.repository, './' + p)) : [join(source.repository, './')];
    const r = await runTool(standby, {
      tool: TOOL,
      action: 'measure',
      repository: source.repository,
      command: `rsync -a --relative --dry-run --stats --exclude=/${SNAPSHOT_MARKER} ${from.map(shq).join(' ')} /nonexistent-continuity-target/`,
    });
    const m = /Total file size: ([\d,.]+) bytes/.exec(r.stdout);
    if (!m) throw new StepFailed(`rsync: could not read the size of ${source.repository} from rsync --stats`);
    return Number(m[1].replace(/[,.]/g, ''));
  },

  async restore(standby, source, _snapshot, target, options) {
    const paths = cleanPaths(source.paths);
    const from = paths.length ? paths.map((p) => join(source.repository, './' + p)) : [join(source.repository, './')];
    const inside = isRemote(source.repository) ? undefined : checksumList(source)?.inside;
    const exclude = [SNAPSHOT_MARKER, ...(inside ? [inside] : [])].map((n) => shq(`--exclude=/${n}`)).join(' ');
    options.onProgress?.({ message: `copying from ${source.repository}` });
    await runTool(standby, {
      tool: TOOL,
      action: 'restore from',
      repository: source.repository,
      command:
        `mkdir -p ${shq(target)} && rsync -aHAX --numeric-ids --relative ${exclude} ` +
        `${from.map(shq).join(' ')} ${shq(target.replace(/\/+$/, '') + '/')}`,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
  },

  async *manifest(standby, source, snapshot, options = {}): AsyncIterable<FileEntry> {
    if (isRemote(source.repository))
      throw new StepFailed(`rsync: reading ${source.repository}'s manifest needs the mirror mounted on the standby, not reached over SSH`);
    const list = checksumList(source);
    if (list) {
      const entries = await withChecksums(standby, source, list, cleanPaths(source.paths), options);
      requirePaths(TOOL, source.repository, snapshot.id, entries, source.paths);
      yield* entries;
      return;
    }
    // the mirror listed and hashed exactly as the restored side is (find, then forked sha256 workers on every core)
    let entries: FileEntry[];
    try {
      entries = await listTree(standby, source.repository, { ...options, paths: cleanPaths(source.paths), prune: [SNAPSHOT_MARKER] });
    } catch (err) {
      throw new StepFailed(`rsync: could not read the snapshot in ${source.repository}: ${err instanceof Error ? err.message : String(err)}`);
    }
    requirePaths(TOOL, source.repository, snapshot.id, entries, source.paths);
    yield* entries;
  },
};

