// borg repositories: read with --bypass-lock, caches outside the repository, the passphrase on stdin only.
import { StepFailed } from '../../core/errors.ts';
import { shq, type Standby } from '../standby/types.ts';
import { cleanPaths, parseSum, requirePaths, runHelper, sumCommand } from './manifest-helper.ts';
import { parseVersion, runTool } from './tool-run.ts';
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
  const n = a?.stats?.original_size;
  if (!a?.name || typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new StepFailed(`borg: could not read the size of ${source.repository}`);
  return { name: a.name, originalSize: n };
}

/** The borg adapter: archives by `list --json`, `extract --numeric-ids` as root, `export-tar` for manifests. */
export const borgAdapter: BackupAdapter = {
  tool: TOOL,

  async version(standby) {
    const r = await runTool(standby, { tool: TOOL, action: 'ask the version of', repository: TOOL, command: 'borg --version' });
    return parseVersion(TOOL, r.stdout);
  },

  async listSnapshots(standby, source) {
    // a drill restores the newest archive unless told otherwise: its statistics (for the free-space gate) are asked
    // for at the same time, each borg call paying its own second of Python start-up on another core
    const key = `${standby.description}\0${source.repository}`;
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
    // with TZ=UTC borg prints UTC times without an offset
    return list.archives
      .map((a) => ({ id: a.name, time: new Date(`${(a.start ?? a.time ?? '').replace(/(\.\d{3})\d+/, '$1')}Z`) }))
      .sort((a, b) => a.time.getTime() - b.time.getTime());
  },

  async snapshotBytes(standby, source, snapshot) {
    // the archive's own statistics (borg 1.2 stores them with the archive): its original size, every path in it,
    // an upper bound of the chosen paths' bytes read in one call; the newest archive's was asked for beside the list
    const key = `${standby.description}\0${source.repository}`;
    const early = await latestInfo.get(key)?.catch(() => undefined);
    if (early && early.name === snapshot.id) return early.originalSize;
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
