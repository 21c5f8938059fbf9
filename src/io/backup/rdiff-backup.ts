// rdiff-backup repositories (and the layout Debian Edu's slbackup writes: /skole/backup/<host>/skole/tjener/home0, etc).
import { parse as parseYaml } from 'yaml';
import { StepFailed } from '../../core/errors.ts';
import { shq, type Standby } from '../standby/types.ts';
import { cleanPaths, helperCommand, isRemote, requirePaths, runHelper, totalBytes } from './manifest-helper.ts';
import { parseVersion, runTool } from './tool-run.ts';
import type { BackupAdapter, BackupSource, FileEntry, Snapshot } from './types.ts';

const TOOL = 'rdiff-backup';
// API 201 lists increments as YAML, but its restore crashes in rdiff-backup 2.2.2 (TypeError in map_rpath_owner); API 200 has the same CLI and works.
const RB = 'rdiff-backup --api-version 200';
// rdiff-backup's exit code is a bit set: 1 error, 2 warning, 4 file error, 8 file warning. A read-only repository
// always gives the warning "Unable to open logfile restore.log"; anything else fails the step.
const WARNINGS_ONLY = 2;

/** `user@host:/path` becomes rdiff-backup's own remote syntax `user@host::/path`. */
function location(repository: string, rel = ''): string {
  const base = isRemote(repository) ? repository.replace(/^([^/]+@[^:/]+):/, '$1::') : repository;
  return rel ? `${base.replace(/\/+$/, '')}/${rel}` : base;
}

/** rdiff-backup exits 0 and restores nothing for a path that is not in the backup: say so. */
function restored(dest: string, p: string): string {
  return `{ [ -e ${dest} ] || [ -L ${dest} ] || { echo ${shq(`${p}: not in this snapshot`)} >&2; exit 1; }; }`;
}

/**
 * rdiff-backup's restore writes `rdiff-backup-data/restore.log` into any repository it can write to. Where we are
 * root and may make a mount namespace, run it against a read-only bind mount of the repository, so a drill can
 * never change the backup; elsewhere (a remote repository, an unprivileged container, already read-only) as is.
 */
function readOnlyRepository(repository: string, command: string): string {
  if (isRemote(repository)) return command;
  const r = shq(repository);
  const inner = `mount --bind ${r} ${r} && mount -o remount,bind,ro ${r} && ${command}`;
  return `if [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then unshare -m --propagation private sh -c ${shq(inner)}; else ${command}; fi`;
}

function isLatest(snapshots: Snapshot[], snapshot: Snapshot): boolean {
  return snapshots.length > 0 && snapshots[snapshots.length - 1].id === snapshot.id;
}

function localOnly(source: BackupSource, what: string): void {
  if (isRemote(source.repository))
    throw new StepFailed(`rdiff-backup: ${what} of ${source.repository} needs the repository mounted on the standby, not reached over SSH`);
}

/** Metadata records already read in this process (an increment never changes), by standby, repository, increment and paths. */
const records = new Map<string, Promise<FileEntry[]>>();

/** An increment's entries as rdiff-backup recorded them (owners, modes, sizes, SHA-1 digests), read once per drill. */
function recorded(standby: Standby, source: BackupSource, snapshot: Snapshot): Promise<FileEntry[]> {
  const key = `${standby.description}\0${source.repository}\0${snapshot.id}\0${JSON.stringify(cleanPaths(source.paths))}`;
  let p = records.get(key);
  if (!p) {
    p = runHelper(standby, {
      tool: TOOL,
      repository: source.repository,
      mode: 'rdiff-meta',
      args: ['--metadata', `${source.repository}/rdiff-backup-data`, '--at', snapshot.id, '--paths', JSON.stringify(source.paths)],
    });
    records.set(key, p);
    p.catch(() => records.delete(key)); // a failed read is not remembered
  }
  return p;
}

/** The rdiff-backup adapter: increments by `list increments`, restores as root with numeric ids. */
export const rdiffBackupAdapter: BackupAdapter = {
  tool: TOOL,
  // the metadata records SHA-1 per file: the restored side is hashed with it
  digest: 'sha1',

  async version(standby) {
    const r = await runTool(standby, { tool: TOOL, action: 'ask the version of', repository: TOOL, command: 'rdiff-backup --version' });
    return parseVersion(TOOL, r.stdout);
  },

  async listSnapshots(standby, source) {
    const r = await runTool(standby, {
      tool: TOOL,
      action: 'list increments of',
      repository: source.repository,
      command: `rdiff-backup --api-version 201 --parsable-output list increments ${shq(location(source.repository))}`,
    });
    let list: unknown;
    try {
      list = parseYaml(r.stdout);
    } catch {
      list = undefined;
    }
    if (!Array.isArray(list)) throw new StepFailed(`rdiff-backup: could not read the increments of ${source.repository}`);
    return list
      .map((i: { time?: number }) => Number(i.time))
      .filter((t) => Number.isFinite(t))
      .sort((a, b) => a - b)
      .map((t) => ({ id: String(t), time: new Date(t * 1000) }));
  },

  async snapshotBytes(standby, source, snapshot) {
    localOnly(source, 'measuring a snapshot');
    // from the metadata alone: no restore needed, any increment; kept for verification, which reads the same records
    return totalBytes(await recorded(standby, source, snapshot));
  },

  async restore(standby, source, snapshot, target, options) {
    const paths = cleanPaths(source.paths);
    const t = target.replace(/\/+$/, '');
    // each chosen path to the same place under target; a whole-repository restore goes to target itself
    const steps = paths.length
      ? paths.map(
          (p) =>
            `mkdir -p ${shq(`${t}/${p}`.replace(/\/[^/]+$/, ''))} && { ${RB} restore --preserve-numerical-ids --at ${shq(snapshot.id)} ` +
            `${shq(location(source.repository, p))} ${shq(`${t}/${p}`)}; rc=$?; [ $rc -le ${WARNINGS_ONLY} ] || exit $rc; } && ${restored(shq(`${t}/${p}`), p)}`,
        )
      : [`${RB} restore --preserve-numerical-ids --force --at ${shq(snapshot.id)} ${shq(location(source.repository))} ${shq(t)}`];
    for (const [i, step] of steps.entries()) {
      options.onProgress?.({ message: `restoring ${paths[i] ?? 'everything'} as of ${snapshot.time.toISOString()}` });
      await runTool(standby, {
        tool: TOOL,
        action: `restore ${paths[i] ?? 'everything'} from`,
        repository: source.repository,
        command: readOnlyRepository(source.repository, step),
        okExitCodes: [WARNINGS_ONLY],
        timeoutMs: options.timeoutMs,
        signal: options.signal,
      });
    }
  },

  async *manifest(standby, source, snapshot, options = {}): AsyncIterable<FileEntry> {
    localOnly(source, 'reading the manifest');
    const meta = ['--metadata', `${source.repository}/rdiff-backup-data`, '--at', snapshot.id];
    // what rdiff-backup recorded when it made the backup: owners, modes and every regular file's SHA-1 digest, so
    // the restored files are checked against the backup as it was made, without reading the mirror's data at all
    // (a file damaged on the backup disk since comes back damaged and fails against its recorded digest)
    const records = await recorded(standby, source, snapshot);
    if (records.every((e) => e.type !== 'file' || e.sha1)) {
      requirePaths(TOOL, source.repository, snapshot.id, records, source.paths);
      yield* records;
      return;
    }
    // a file recorded without a digest (not written by rdiff-backup 2): read the data, as below
    const snapshots = await this.listSnapshots(standby, source);
    let entries: FileEntry[];
    if (isLatest(snapshots, snapshot)) {
      // the mirror is the latest snapshot; owners and modes come from the metadata (the mirror may be the backup user's)
      entries = await runHelper(standby, {
        tool: TOOL,
        repository: source.repository,
        mode: 'walk',
        args: ['--root', source.repository, '--paths', JSON.stringify(source.paths), '--skip', 'rdiff-backup-data', ...meta],
        ...options,
      });
    } else {
      // an older increment exists only as reverse diffs: rdiff-backup itself rebuilds it into a scratch folder on the
      // standby, which is walked and removed; owners and modes still come from that increment's metadata
      const paths = cleanPaths(source.paths);
      const restores = (paths.length ? paths : ['']).map((p) => {
        const dest = p ? `"$d"/${shq(p)}` : '"$d"/all';
        return `mkdir -p "$(dirname ${dest})" && { ${RB} restore --preserve-numerical-ids --at ${shq(snapshot.id)} ${shq(location(source.repository, p))} ${dest} >/dev/null; [ $? -le ${WARNINGS_ONLY} ]; } && ${restored(dest, p)}`;
      });
      const walk = helperCommand({
        mode: 'walk',
        shellArgs: `--root "$d"${paths.length ? '' : '/all'}`,
        args: ['--paths', JSON.stringify(source.paths), ...meta],
      });
      const r = await runTool(standby, {
        tool: TOOL,
        action: `rebuild increment ${snapshot.id} of`,
        repository: source.repository,
        okExitCodes: [WARNINGS_ONLY],
        ...options,
        command: readOnlyRepository(
          source.repository,
          `d=$(mktemp -d "\${TMPDIR:-/var/tmp}/continuity-increment.XXXXXX") || exit 3; ( ${restores.join(' && ')} && ${walk} ); rc=$?; rm -rf "$d"; exit $rc`,
        ),
      });
      entries = r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as FileEntry);
    }
    requirePaths(TOOL, source.repository, snapshot.id, entries, source.paths);
    yield* entries;
  },
};
