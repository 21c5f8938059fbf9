// borg repositories: read with --bypass-lock, caches outside the repository, the passphrase on stdin only.
import { readFileSync } from 'node:fs';
import { StepFailed } from '../../core/errors.ts';
import { listTree } from '../restored-tree.ts';
import { shq, type Standby } from '../standby/types.ts';
import { cleanPaths, parseEntries, parseSum, requirePaths, runHelper, sumCommand } from './manifest-helper.ts';
import { parseVersion, runTool, tail } from './tool-run.ts';
import type { BackupAdapter, BackupSource, ContentCheck, FileEntry, ManifestOptions, Snapshot } from './types.ts';

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

async function borg(
  standby: Standby,
  source: BackupSource,
  action: string,
  args: string[],
  extra: { cwd?: string; timeoutMs?: number; signal?: AbortSignal; background?: boolean } = {},
) {
  const cmd = [...base(), ...args].map(shq).join(' ');
  return runTool(standby, {
    tool: TOOL,
    action,
    repository: source.repository,
    command: extra.cwd ? `mkdir -p ${shq(extra.cwd)} && cd ${shq(extra.cwd)} && ${cmd}` : cmd,
    secret: needPassword(source),
    timeoutMs: extra.timeoutMs,
    signal: extra.signal,
    background: extra.background,
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

/**
 * borg_content.py (beside this file), run with the python of borg's entry script like the preflight script: an
 * archive's items from its metadata alone (`items`), and the restored files compared with the archive by the
 * repository's own chunk ids (`check`). See the script's head for what each does.
 */
const CONTENT_PY = readFileSync(new URL('./borg_content.py', import.meta.url), 'utf8');

/** Run borg_content.py; undefined when borg's internals cannot answer here (the caller uses the `borg` commands). */
async function internals(
  standby: Standby,
  source: BackupSource,
  action: string,
  args: string[],
  options: { signal?: AbortSignal; timeoutMs?: number; background?: boolean; onStdout?: (chunk: string) => void } = {},
): Promise<string | undefined> {
  if (remote(source.repository)) return undefined;
  const env = [...base().slice(0, -1), `CONTINUITY_FALLBACK=${FALLBACK}`, `CONTINUITY_MARKER=${MARKER}`];
  const command = `${SHEBANG} exec ${env.map(shq).join(' ')} \${l#??} -c ${shq(CONTENT_PY)} ${args.map(shq).join(' ')}`;
  const r = await runTool(standby, {
    tool: TOOL,
    action,
    repository: source.repository,
    command,
    secret: needPassword(source),
    okExitCodes: [FALLBACK],
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    background: options.background,
    onStdout: options.onStdout,
  });
  if (r.exitCode === FALLBACK) {
    if (r.stderr.includes(MARKER)) return undefined;
    throw new StepFailed(`${TOOL}: could not ${action} ${source.repository} (exit ${r.exitCode}): ${tail(r.stderr) || 'no message'}`, {
      exitCode: r.exitCode,
      stderr: r.stderr,
    });
  }
  return r.stdout;
}

/** borg_content.py's line after the items of `items-then-check`, with the folder its answer goes into. */
const ITEMS_END = /^CONTINUITY-ITEMS-END (\/.+)$/;

/** An `items-then-check` whose items were read and which waits for the drill's answer (see heldItems). */
interface HeldCheck {
  /** where its answer goes (`<folder>/answer`) */
  folder: string;
  /** its whole stdout, once it ended (undefined: borg's internals not usable after all) */
  done: Promise<string | undefined>;
}

/** The checks waiting for their answer, by standby and by repository, archive and paths. */
const heldChecks = new WeakMap<Standby, Map<string, HeldCheck>>();
const heldKey = (source: BackupSource, snapshot: Snapshot) => `${source.repository}\0${snapshot.id}\0${JSON.stringify(cleanPaths(source.paths))}`;

/**
 * The archive's items for a drill's manifest, read beside the restore by the process that then runs the content check
 * (borg_content.py `items-then-check`): it keeps the chunk lists it read and waits for `checkContent`'s answer, so the
 * check neither loads borg and the key again nor reads the archive's metadata a second time (0.26 + 0.22 + 0.98 s
 * for 100 000 files here). The items' text; undefined when borg's internals cannot be used.
 */
async function heldItems(standby: Standby, source: BackupSource, snapshot: Snapshot, options: ManifestOptions): Promise<string | undefined> {
  const parts: string[] = [];
  let partial = ''; // the unfinished last line so far
  let itemsDone = false;
  let settle!: (v: { text: string; folder: string } | undefined) => void;
  let fail!: (e: unknown) => void;
  const items = new Promise<{ text: string; folder: string } | undefined>((resolve, reject) => ((settle = resolve), (fail = reject)));
  const waitSeconds = Math.max(60, Math.ceil((options.timeoutMs ?? 3_600_000) / 1000));
  const done = internals(
    standby,
    source,
    'read the snapshot in',
    ['items-then-check', source.repository, snapshot.id, JSON.stringify(cleanPaths(source.paths)), String(waitSeconds)],
    {
      ...options,
      onStdout: (chunk) => {
        // only the last line of what came so far is looked at: the marker is the last line the script writes before
        // it waits (scanning all 20 MB of items again for every chunk cost seconds of CPU beside the restore)
        if (itemsDone) return;
        parts.push(chunk);
        const nl = chunk.lastIndexOf('\n');
        if (nl < 0) {
          partial += chunk;
          return;
        }
        const before = chunk.lastIndexOf('\n', nl - 1);
        const last = before < 0 ? partial + chunk.slice(0, nl) : chunk.slice(before + 1, nl);
        partial = chunk.slice(nl + 1);
        const m = partial === '' ? ITEMS_END.exec(last) : null;
        if (m) {
          itemsDone = true;
          const text = parts.join('');
          parts.length = 0;
          settle({ text: text.slice(0, text.length - last.length - 1), folder: m[1] });
        }
      },
    },
  );
  done.then(
    () => settle(undefined), // ended before its items were all out: no usable internals (or nothing to hold)
    (err) => fail(err),
  );
  done.catch(() => {}); // a failure after the items is the check's to report
  const got = await items;
  if (!got) {
    const out = await done;
    return out; // undefined (fallback) or, should it have ended early, its output
  }
  let byStandby = heldChecks.get(standby);
  if (!byStandby) heldChecks.set(standby, (byStandby = new Map()));
  const key = heldKey(source, snapshot);
  const held: HeldCheck = { folder: got.folder, done };
  byStandby.set(key, held);
  const forget = () => {
    if (byStandby!.get(key) === held) byStandby!.delete(key);
  };
  done.then(forget, () => {
    forget();
    // killed while it waited (the drill was stopped or its restore failed: the whole process group gets SIGKILL), it
    // could not remove its answer folder: removed from here, on the standby (best effort; the drill goes on). Only a
    // name the script makes (tempfile.mkdtemp's).
    if (/^\/[^'\n]*\/continuity-borg-check\.[A-Za-z0-9_]+$/.test(got.folder)) standby.exec(`rm -rf -- ${shq(got.folder)}`, { timeoutMs: 30_000 }).catch(() => {});
  });
  return got.text;
}

/** The check a drill's manifest read holds for this archive, answered with `root`: its output after the items; undefined when there is none. */
async function answerHeld(standby: Standby, source: BackupSource, snapshot: Snapshot, root: string, options: { signal?: AbortSignal; timeoutMs?: number }): Promise<string | undefined> {
  const byStandby = heldChecks.get(standby);
  const key = heldKey(source, snapshot);
  const held = byStandby?.get(key);
  if (!held) return undefined;
  byStandby!.delete(key);
  const answer = JSON.stringify({ answer: 'go', root });
  const file = `${held.folder}/answer`;
  const w = await standby.exec(`printf '%s\\n' ${shq(answer)} > ${shq(`${file}.new`)} && mv -f ${shq(`${file}.new`)} ${shq(file)}`, {
    signal: options.signal,
    timeoutMs: Math.min(options.timeoutMs ?? 30_000, 30_000),
  });
  if (w.exitCode !== 0) return undefined;
  let out: string | undefined;
  try {
    out = await held.done;
  } catch {
    return undefined; // it ended without its check (killed, timed out): the check runs afresh
  }
  if (out === undefined) return undefined;
  const m = /^CONTINUITY-ITEMS-END \/.+$/m.exec(out);
  const after = m ? out.slice(m.index + m[0].length).trim() : '';
  return after || undefined;
}

/** Mode bits from `stat.filemode` text (`drwxr-sr-t`, `-rwSr--r--`; a hard link's `h…` too). */
export function parseFileMode(text: string): number | undefined {
  if (!/^[-dlhcbps?][-r][-w][-xsS][-r][-w][-xsS][-r][-w][-xtT]$/.test(text)) return undefined;
  const bits = [0o400, 0o200, 0o100, 0o40, 0o20, 0o10, 0o4, 0o2, 0o1];
  const special: Record<number, number> = { 3: 0o4000, 6: 0o2000, 9: 0o1000 };
  let mode = 0;
  for (let i = 1; i <= 9; i++) {
    const c = text[i];
    if (c === 'r' || c === 'w' || c === 'x' || c === 's' || c === 't') mode |= bits[i - 1];
    if (c === 's' || c === 'S' || c === 't' || c === 'T') mode |= special[i];
  }
  return mode;
}

/**
 * The chosen items from `borg list --json-lines` (metadata only, as the internals' `items` gives them): the `borg`
 * commands' way where borg's python cannot be used. A hard-link slave gets its master's size (borg list prints 0);
 * undefined when a master is not among the listed items (the caller then reads the export-tar manifest).
 */
async function listedEntries(standby: Standby, source: BackupSource, snapshot: Snapshot, options: ManifestOptions): Promise<FileEntry[] | undefined> {
  const r = await borg(
    standby,
    source,
    'read the snapshot in',
    ['list', '--bypass-lock', '--json-lines', '--format', '{type}{mode}{uid}{gid}{size}{path}{linktarget}', archive(source, snapshot), ...cleanPaths(source.paths)],
    { signal: options.signal, timeoutMs: options.timeoutMs, background: options.background },
  );
  const entries: FileEntry[] = [];
  const sizes = new Map<string, number>();
  const slaves: { entry: FileEntry; master: string }[] = [];
  for (const line of r.stdout.split('\n')) {
    if (!line.trim()) continue;
    let item: { type?: unknown; mode?: unknown; uid?: unknown; gid?: unknown; size?: unknown; path?: unknown; linktarget?: unknown };
    try {
      item = JSON.parse(line);
    } catch {
      throw new StepFailed(`borg: could not read the listing of ${archive(source, snapshot)}: ${line.slice(0, 120)}`);
    }
    const mode = typeof item.mode === 'string' ? parseFileMode(item.mode) : undefined;
    if (typeof item.path !== 'string' || mode === undefined || typeof item.uid !== 'number' || typeof item.gid !== 'number')
      throw new StepFailed(`borg: could not read the listing of ${archive(source, snapshot)}: ${line.slice(0, 120)}`);
    const kind = (item.mode as string)[0];
    if (kind === 's') continue; // export-tar leaves sockets out
    const e: FileEntry = { path: item.path, uid: item.uid, gid: item.gid, mode, size: 0, type: 'other' };
    if (kind === '-' || kind === 'h') {
      e.type = 'file';
      if (kind === 'h') slaves.push({ entry: e, master: String(item.linktarget ?? '') });
      else {
        e.size = checkedSize(item.size, source);
        sizes.set(e.path, e.size);
      }
    } else if (kind === 'd') e.type = 'dir';
    else if (kind === 'l') {
      e.type = 'symlink';
      e.target = String(item.linktarget ?? '');
    }
    entries.push(e);
  }
  for (const s of slaves) {
    const size = sizes.get(s.master);
    if (size === undefined) return undefined;
    s.entry.size = size;
  }
  return entries;
}

/** The export-tar manifest: what `borg export-tar` streams, each file hashed (sha256) by the manifest helper. */
async function exportTarEntries(standby: Standby, source: BackupSource, snapshot: Snapshot, options: ManifestOptions): Promise<FileEntry[]> {
  return runHelper(standby, {
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    background: options.background,
    tool: TOOL,
    repository: source.repository,
    mode: 'tar',
    secret: needPassword(source),
    args: ['--paths', JSON.stringify(source.paths)],
    producer: [...base(), 'export-tar', '--bypass-lock', archive(source, snapshot), '-', ...cleanPaths(source.paths)],
  });
}

/** What the internals' `check` printed, validated. */
function parseCheck(stdout: string, source: BackupSource): ContentCheck {
  let out: { matched?: unknown; differs?: unknown; seconds?: unknown };
  try {
    out = JSON.parse(stdout);
  } catch {
    out = {};
  }
  const matched = out.matched;
  const differs = out.differs;
  if (
    !Array.isArray(matched) ||
    !matched.every((p) => typeof p === 'string') ||
    !Array.isArray(differs) ||
    !differs.every((d) => d && typeof (d as { path?: unknown }).path === 'string' && typeof (d as { found?: unknown }).found === 'string')
  )
    throw new StepFailed(`borg: could not read the content check of ${source.repository}: ${stdout.slice(0, 200)}`);
  return {
    by: 'borg chunk ids',
    matched: matched as string[],
    differs: (differs as { path: string; found: string }[]).map((d) => ({ path: d.path, found: d.found })),
    ...(typeof out.seconds === 'number' ? { seconds: out.seconds } : {}),
  };
}

/**
 * The content check where borg's internals cannot be used: the export-tar manifest (every file of the archive read
 * and hashed) against the restored files hashed on the standby. Only files both sides hashed are matched.
 */
async function checkByExport(
  standby: Standby,
  source: BackupSource,
  snapshot: Snapshot,
  root: string,
  options: { signal?: AbortSignal; timeoutMs?: number },
): Promise<ContentCheck> {
  const t0 = performance.now();
  const [expected, restored] = await Promise.all([
    exportTarEntries(standby, source, snapshot, options),
    listTree(standby, root, { signal: options.signal, timeoutMs: options.timeoutMs }),
  ]);
  const have = new Map(restored.map((e) => [e.path, e]));
  const matched: string[] = [];
  const differs: { path: string; found: string }[] = [];
  for (const e of expected) {
    if (e.type !== 'file' || !e.sha256) continue;
    const got = have.get(e.path);
    if (!got || got.type !== 'file' || !got.sha256) continue; // the listing reports what is missing or not a file
    if (got.sha256 === e.sha256) matched.push(e.path);
    else differs.push({ path: e.path, found: `sha256 ${got.sha256.slice(0, 12)}…, the snapshot has ${e.sha256.slice(0, 12)}…` });
  }
  return { by: 'borg export-tar and sha256', matched, differs, seconds: (performance.now() - t0) / 1000 };
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
    let entries: FileEntry[] | undefined;
    if (options.content === false) {
      // metadata only (the drill compares the content with checkContent): the archive's items as borg list reads
      // them, no chunk data; the `borg list` command where borg's python cannot be used
      // in a drill (beside the restore) by the process that then checks the content (heldItems)
      const fast = options.background
        ? await heldItems(standby, source, snapshot, options)
        : await internals(standby, source, 'read the snapshot in', ['items', source.repository, snapshot.id, JSON.stringify(cleanPaths(source.paths))], options);
      entries = fast !== undefined ? parseEntries(fast) : await listedEntries(standby, source, snapshot, options);
    }
    // every file read and hashed from `borg export-tar`; without content, the digests are left out
    entries ??= (await exportTarEntries(standby, source, snapshot, options)).map((e) => {
      if (options.content !== false) return e;
      const { sha256: _, ...rest } = e;
      return rest;
    });
    requirePaths(TOOL, source.repository, snapshot.id, entries, source.paths);
    yield* entries;
  },

  async checkContent(standby, source, snapshot, root, options) {
    // borg's own python: the restored files cut at the chunk sizes the archive lists, hashed with the repository's
    // id key, against the archive's chunk ids (forked workers, one per core); a differing piece compared byte by
    // byte with the repository's chunk. Where that cannot work: the export-tar manifest against the restored
    // files' sha256
    // the drill's manifest read holds a check with the archive's chunk lists already read: answered; else one of its own
    const out =
      (await answerHeld(standby, source, snapshot, root, options)) ??
      (await internals(standby, source, 'check the restored files against', ['check', source.repository, snapshot.id, JSON.stringify(cleanPaths(source.paths)), root], options));
    if (out !== undefined) return parseCheck(out, source);
    return checkByExport(standby, source, snapshot, root, options);
  },
};
