// borg repositories: read with --bypass-lock, caches outside the repository, the passphrase on stdin only.
import { StepFailed } from '../../core/errors.ts';
import { shq, type Standby } from '../standby/types.ts';
import { cleanPaths, parseSum, requirePaths, runHelper, sumCommand } from './manifest-helper.ts';
import { parseVersion, runTool, tail } from './tool-run.ts';
import type { BackupAdapter, BackupSource, FileEntry, Snapshot } from './types.ts';

const TOOL = 'borg';

/** borg with its passphrase read from stdin (BORG_PASSCOMMAND=cat), its cache/config/security dirs out of the repository, UTC times. */
function base(): string[] {
  return [
    'env', '-u', 'BORG_PASSPHRASE', '-u', 'BORG_PASSPHRASE_FD', 'BORG_PASSCOMMAND=cat',
    'BORG_BASE_DIR=/var/tmp/continuity-borg', 'BORG_RELOCATED_REPO_ACCESS_IS_OK=yes', 'TZ=UTC', 'borg',
  ];
}

function needPassword(source: BackupSource): string {
  if (source.password === undefined) throw new StepFailed(`borg: ${source.repository} needs a passphrase (backup.passwordFile)`);
  return source.password;
}

function archive(source: BackupSource, snapshot: Snapshot): string {
  return `${source.repository}::${snapshot.id}`;
}

async function borg(standby: Standby, source: BackupSource, action: string, args: string[], extra: { cwd?: string; timeoutMs?: number; signal?: AbortSignal } = {}) {
  const cmd = [...base(), ...args].map(shq).join(' ');
  return runTool(standby, {
    tool: TOOL,
    action,
    repository: source.repository,
    command: extra.cwd ? `mkdir -p ${shq(extra.cwd)} && cd ${shq(extra.cwd)} && ${cmd}` : cmd,
    secret: needPassword(source),
    timeoutMs: extra.timeoutMs,
    signal: extra.signal,
  });
}

/** The newest archive's name and original size, asked for beside the archive list, by standby and repository. */
const latestInfo = new Map<string, Promise<{ name: string; originalSize: number }>>();

/** The (first) archive's name and original size from `borg info --json`. */
function originalSize(stdout: string, source: BackupSource): { name: string; originalSize: number } {
  let a: { name?: string; stats?: { original_size?: number } } | undefined;
  try {
    a = (JSON.parse(stdout) as { archives?: { name?: string; stats?: { original_size?: number } }[] }).archives?.[0];
  } catch {
    a = undefined;
  }
  if (!a?.name) throw new StepFailed(`borg: could not read the size of ${source.repository}`);
  return { name: a.name, originalSize: checkedSize(a.stats?.original_size, source) };
}

/** A byte count borg reported, or StepFailed. */
function checkedSize(n: unknown, source: BackupSource): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new StepFailed(`borg: could not read the size of ${source.repository}`);
  return n;
}

/**
 * borg's preflight answers from one Python process instead of three `borg` commands: each borg command pays its
 * interpreter start and the import of borg's whole command line (~0.7 s of CPU on a small standby), and the drill
 * asked for the version, the archive list and the newest archive's statistics at once. This script runs with the
 * python of borg's own entry script (its `#!` line, so the same borg modules `borg` would run) and uses borg's own
 * classes the way `borg list` does: the repository opened without a lock, the manifest loaded and authenticated with
 * the passphrase (`BORG_PASSCOMMAND=cat`: stdin), borg's security checks (`assert_secure`: a known repository at its
 * known place, no manifest rolled back), the archives as `borg list` lists them (checkpoints left out, times to the
 * second in UTC), and an archive's original size from the statistics borg 1.2 stores with it (what `borg info`
 * prints, without opening borg's chunk cache). A borg error exits with borg's own message and code; anything it does
 * not know (not a Python borg, other borg internals, a remote repository, an archive without stored statistics)
 * exits FALLBACK with MARKER on stderr, and the adapter asks the `borg` commands instead.
 */
const FALLBACK = 86;
const MARKER = 'continuity: borg internals not usable here';
const PREFLIGHT_PY = `import sys
if sys.path[:1] == ['']:
    del sys.path[0]  # never a borg/ folder of the current directory
import json


def fallback(why):
    print('${MARKER}: ' + why, file=sys.stderr)
    sys.exit(${FALLBACK})


try:
    from datetime import timezone
    from borg.archive import Archive
    from borg.cache import assert_secure
    from borg.helpers import Error, Location, Manifest, check_extension_modules, remove_surrogates
    from borg.logger import setup_logging
    from borg.repository import Repository
    setup_logging(level='warning')
    check_extension_modules()
except Exception as e:
    fallback('%s: %s' % (type(e).__name__, e))

what, repo = sys.argv[1], sys.argv[2]
out = {}
try:
    location = Location(repo)
    if location.proto != 'file' or location.archive:
        fallback('not a local repository')
    with Repository(location.path, exclusive=False, lock=False, lock_wait=1) as repository:
        manifest, key = Manifest.load(repository, (Manifest.Operation.READ,))
        assert_secure(repository, manifest, 1)

        def original_size(name):
            metadata = Archive(repository, key, manifest, name).metadata
            if metadata.get('nfiles') is None:
                fallback('an archive without stored statistics (borg < 1.2)')
            size = metadata.size
            if not isinstance(size, int):
                fallback('no size in the archive statistics')
            return size

        if what == 'list':
            archives = manifest.archives.list(sort_by=('ts',), consider_checkpoints=False)
            out['archives'] = [
                {'name': remove_surrogates(a.name), 'start': a.ts.astimezone(timezone.utc).replace(microsecond=0).strftime('%Y-%m-%dT%H:%M:%S')}
                for a in archives
            ]
            if archives:
                out['latest'] = {'name': remove_surrogates(archives[-1].name), 'original_size': original_size(archives[-1].name)}
        else:
            out['original_size'] = original_size(sys.argv[3])
except Error as e:
    print(e.get_message(), file=sys.stderr)
    sys.exit(e.exit_code)
except Exception as e:
    fallback('%s: %s' % (type(e).__name__, e))
print(json.dumps(out))
`;

/** Start of a shell command: `$l` = the `#!` line of borg's entry script, or exit FALLBACK when borg is no Python script. */
const SHEBANG = `b=$(command -v borg) && IFS= read -r l < "$b" || { echo ${shq(`${MARKER}: no borg entry script`)} >&2; exit ${FALLBACK}; }; case "$l" in '#!'*python*) ;; *) echo ${shq(`${MARKER}: borg is no Python script`)} >&2; exit ${FALLBACK} ;; esac; set -f;`;

/** A repository borg reaches over SSH itself (`ssh://…`, `user@host:/path`): the `borg` commands, as before. */
function remote(repository: string): boolean {
  return /^ssh:\/\//.test(repository) || (!/^file:\/\//.test(repository) && /^(?:[^@/]+@)?[^:/]+:/.test(repository));
}

/** Run the preflight script; undefined when it cannot answer here (the caller asks the `borg` commands). */
async function preflight(standby: Standby, source: BackupSource, action: string, args: string[]): Promise<unknown> {
  if (remote(source.repository)) return undefined;
  const env = base().slice(0, -1); // everything but `borg`
  const command = `${SHEBANG} exec ${env.map(shq).join(' ')} \${l#??} -c ${shq(PREFLIGHT_PY)} ${args.map(shq).join(' ')}`;
  const r = await runTool(standby, { tool: TOOL, action, repository: source.repository, command, secret: needPassword(source), okExitCodes: [FALLBACK] });
  if (r.exitCode === FALLBACK) {
    if (r.stderr.includes(MARKER)) return undefined;
    // a borg error that happens to have our code
    throw new StepFailed(`${TOOL}: could not ${action} ${source.repository} (exit ${r.exitCode}): ${tail(r.stderr) || 'no message'}`, {
      exitCode: r.exitCode,
      stderr: r.stderr,
    });
  }
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new StepFailed(`borg: could not read the answer about ${source.repository}: ${r.stdout.slice(0, 200)}`);
  }
}

/** borg's archive list (`borg list --json` or the preflight script's) as snapshots, oldest first. */
function snapshots(archives: { name: string; time?: string; start?: string }[]): Snapshot[] {
  // with TZ=UTC borg prints UTC times without an offset
  return archives
    .map((a) => ({ id: a.name, time: new Date(`${(a.start ?? a.time ?? '').replace(/(\.\d{3})\d+/, '$1')}Z`) }))
    .sort((a, b) => a.time.getTime() - b.time.getTime());
}

/** The borg adapter: archives by `list --json`, `extract --numeric-ids` as root, `export-tar` for manifests. */
export const borgAdapter: BackupAdapter = {
  tool: TOOL,

  async version(standby) {
    // the version borg's own package declares, read by borg's python (~0.1 s) instead of `borg --version` (which
    // imports borg's whole command line first); `borg --version` where borg is not a Python script or that fails
    const ask = `import sys\nif sys.path[:1] == ['']:\n    del sys.path[0]\nimport borg\nprint('borg ' + borg.__version__)`;
    const command = `{ b=$(command -v borg) && IFS= read -r l < "$b" && case "$l" in '#!'*python*) set -f; \${l#??} -c ${shq(ask)} ;; *) false ;; esac; } 2>/dev/null || borg --version`;
    const r = await runTool(standby, { tool: TOOL, action: 'ask the version of', repository: TOOL, command });
    return parseVersion(TOOL, r.stdout);
  },

  async listSnapshots(standby, source) {
    // a drill restores the newest archive unless told otherwise: its original size (for the free-space gate) comes
    // with the list, from the same process
    const key = `${standby.description}\0${source.repository}`;
    latestInfo.delete(key);
    const fast = (await preflight(standby, source, 'list archives of', ['list', source.repository])) as
      | { archives?: { name: string; start: string }[]; latest?: { name?: unknown; original_size?: unknown } }
      | undefined;
    if (fast) {
      if (!Array.isArray(fast.archives)) throw new StepFailed(`borg: could not read the archives of ${source.repository}`);
      const latest = fast.latest;
      if (latest && typeof latest.name === 'string') {
        const n = checkedSize(latest.original_size, source);
        latestInfo.set(key, Promise.resolve({ name: latest.name, originalSize: n }));
      }
      return snapshots(fast.archives);
    }
    // the borg commands: the newest archive's statistics asked for at the same time, each borg call paying its own
    // second of Python start-up on another core
    const info = borg(standby, source, 'read the statistics of', ['info', '--json', '--bypass-lock', '--last', '1', source.repository]).then((i) =>
      originalSize(i.stdout, source),
    );
    info.catch(() => {});
    latestInfo.set(key, info);
    const r = await borg(standby, source, 'list archives of', ['list', '--json', '--bypass-lock', source.repository]);
    let list: { archives: { name: string; time?: string; start?: string }[] };
    try {
      list = JSON.parse(r.stdout);
    } catch {
      throw new StepFailed(`borg: could not read the archives of ${source.repository}`);
    }
    return snapshots(list.archives);
  },

  async snapshotBytes(standby, source, snapshot) {
    // the archive's own statistics (borg 1.2 stores them with the archive): its original size, every path in it,
    // an upper bound of the chosen paths' bytes read in one call; the newest archive's came with the list
    const key = `${standby.description}\0${source.repository}`;
    const early = await latestInfo.get(key)?.catch(() => undefined);
    if (early && early.name === snapshot.id) return early.originalSize;
    const fast = (await preflight(standby, source, 'read the statistics of', ['size', source.repository, snapshot.id])) as
      | { original_size?: unknown }
      | undefined;
    if (fast) return checkedSize(fast.original_size, source);
    const r = await borg(standby, source, 'read the statistics of', ['info', '--json', '--bypass-lock', archive(source, snapshot)]);
    return originalSize(r.stdout, source).originalSize;
  },

  async snapshotBytesExact(standby, source, snapshot) {
    // type and size only, summed on the standby: exact for the chosen paths, without borg's JSON of every item
    const list = [...base(), 'list', '--bypass-lock', '--format', '{type} {size}{NL}', archive(source, snapshot), ...cleanPaths(source.paths)].map(shq).join(' ');
    const r = await runTool(standby, {
      tool: TOOL,
      action: 'list files of',
      repository: source.repository,
      command: sumCommand(list, '/^- [0-9]+$/', '$2'),
      secret: needPassword(source),
    });
    return parseSum(TOOL, source.repository, r.stdout);
  },

  async restore(standby, source, snapshot, target, options) {
    options.onProgress?.({ message: `extracting ${snapshot.id}` });
    await borg(standby, source, 'restore from', ['extract', '--numeric-ids', '--bypass-lock', archive(source, snapshot), ...cleanPaths(source.paths)], {
      cwd: target,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
  },

  async *manifest(standby, source, snapshot, options = {}): AsyncIterable<FileEntry> {
    const entries = await runHelper(standby, {
      ...options,
      tool: TOOL,
      repository: source.repository,
      mode: 'tar',
      secret: needPassword(source),
      args: ['--paths', JSON.stringify(source.paths)],
      producer: [...base(), 'export-tar', '--bypass-lock', archive(source, snapshot), '-', ...cleanPaths(source.paths)],
    });
    requirePaths(TOOL, source.repository, snapshot.id, entries, source.paths);
    yield* entries;
  },
};
