// tar archives (.tar, .tar.gz, .tar.zst, ...): a directory of archive files on the standby, one snapshot per file.
import path from 'node:path/posix';
import { StepFailed } from '../../core/errors.ts';
import { shq, type Standby } from '../standby/types.ts';
import { helperCommand, parseEntries, type HelperCall, requirePaths, runHelper, totalBytes } from './manifest-helper.ts';
import { parseVersion, runTool } from './tool-run.ts';
import { checksumListPath, readChecksumList } from './checksum-list.ts';
import { hashCommand, parseHashes } from '../restored-tree.ts';
import type { BackupAdapter, BackupSource, FileEntry, RestoreReport, Snapshot } from './types.ts';

interface Compression {
  ext: RegExp;
  /** GNU tar flag */
  flag: string[];
  /** decompressor writing the plain tar to stdout */
  cat: string[];
}

const COMPRESSIONS: Compression[] = [
  { ext: /\.(tar\.gz|tgz)$/, flag: ['-z'], cat: ['gzip', '-dc'] },
  { ext: /\.(tar\.zst|tzst)$/, flag: ['--zstd'], cat: ['zstd', '-dcq'] },
  { ext: /\.(tar\.xz|txz)$/, flag: ['-J'], cat: ['xz', '-dc'] },
  { ext: /\.(tar\.bz2|tbz2?)$/, flag: ['-j'], cat: ['bzip2', '-dc'] },
  { ext: /\.tar$/, flag: [], cat: ['cat'] },
];

/** The compression of an archive, from its file name; undefined when the name is not a tar archive. */
export function compressionOf(name: string): Compression | undefined {
  return COMPRESSIONS.find((c) => c.ext.test(name));
}

/**
 * The time in an archive's name: `home-2026-11-25T0200.tar.gz`, `etc_20261125-020000.tar`, `2026-11-25.tar.zst`.
 * Read as local time of this machine unless followed by `Z`; undefined when the name holds no date.
 */
export function timeFromArchiveName(name: string): Date | undefined {
  const m = /(\d{4})-?(\d{2})-?(\d{2})(?:[T_ -]?(\d{2}):?(\d{2})(?::?(\d{2}))?)?(Z)?/.exec(name);
  if (!m) return undefined;
  const [y, mo, d, h = '0', mi = '0', s = '0'] = m.slice(1, 7).map((v) => v ?? undefined) as string[];
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
  if (parts[1] > 11 || parts[2] < 1 || parts[2] > 31 || parts[3] > 23 || parts[4] > 59 || parts[5] > 59) return undefined;
  const t = m[7] ? new Date(Date.UTC(...parts)) : new Date(...parts);
  return Number.isNaN(t.getTime()) ? undefined : t;
}

const TOOL = 'tar';

function checkLocal(source: BackupSource): void {
  if (/^[^/]+@[^:/]+:/.test(source.repository))
    throw new StepFailed(`tar: the repository must be a path on the standby (mount it there), got \`${source.repository}\``);
}

/** Where a snapshot's archive is: the repository itself when it names one archive, else a file in it. */
function archiveOf(source: BackupSource, snapshot: Snapshot): string {
  return compressionOf(source.repository) && path.basename(source.repository) === snapshot.id
    ? source.repository
    : path.join(source.repository, snapshot.id);
}

function compressionFor(file: string): Compression {
  const c = compressionOf(file);
  if (!c) throw new StepFailed(`tar: \`${file}\` is not a tar archive name (.tar, .tar.gz, .tgz, .tar.zst, .tar.xz, .tar.bz2)`);
  return c;
}

/** Members of an archive may be stored as `./skole/...`: name the chosen paths the way the archive does. */
async function memberPrefix(standby: Standby, archive: string, c: Compression, timeoutMs?: number): Promise<string> {
  const r = await runTool(standby, {
    tool: TOOL,
    action: 'read',
    repository: archive,
    command: `${c.cat.map(shq).join(' ')} ${shq(archive)} | tar -t -f - 2>/dev/null | head -n 1; exit 0`,
    timeoutMs,
  });
  return r.stdout.startsWith('./') ? './' : '';
}

function helperArgs(source: BackupSource, archive: string, hash: boolean): HelperCall & { mode: 'tar' } {
  const c = compressionFor(archive);
  const args = ['--paths', JSON.stringify(source.paths), ...(hash ? [] : ['--no-hash'])];
  // .tar read directly, .tar.gz inflated by the helper's own zlib (twice as fast as `gzip -dc`, beside the parsing);
  // other compressions through their tool
  const own = c.cat[0] === 'cat' ? ['--file', archive] : c.cat[0] === 'gzip' ? ['--file', archive, '--gunzip'] : undefined;
  return { tool: TOOL, repository: archive, mode: 'tar' as const, ...(own ? { args: [...args, ...own] } : { args, producer: [...c.cat, archive] }) };
}

/** gzip's ISIZE is the uncompressed length modulo 4 GiB: trusted only below that. */
const GZIP_ISIZE_LIMIT = 2 ** 32;

/**
 * The length of the archive's uncompressed tar stream, read without decompressing it: an upper bound of the bytes
 * its files (any chosen subset of them) occupy once restored, since the stream holds every member's content plus
 * headers and padding. `.tar`: the file's size; `.tar.gz`: the gzip trailer's ISIZE (archives below 4 GiB whose
 * ISIZE is at least the compressed size; a multi-member gzip's last member only, hence that check); `.tar.zst`:
 * the content size zstd recorded in its frames. Undefined when none of these applies: the caller reads the archive.
 * A damaged archive is not detected here: the restore, which reads it whole, fails naming it.
 */
async function streamBytes(standby: Standby, archive: string): Promise<number | undefined> {
  const size = `stat -L -c %s ${shq(archive)}`;
  const read = (command: string) => runTool(standby, { tool: TOOL, action: 'measure', repository: archive, command });
  if (/\.tar$/.test(archive)) {
    const n = Number((await read(size)).stdout.trim());
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  }
  if (/\.(tar\.gz|tgz)$/.test(archive)) {
    const r = await read(`${size} && tail -c 4 ${shq(archive)} | od -An -v -tu1`);
    const [first, ...rest] = r.stdout.trim().split(/\s+/);
    const compressed = Number(first);
    const b = rest.map(Number);
    if (b.length !== 4 || b.some((x) => !Number.isInteger(x)) || !(compressed < GZIP_ISIZE_LIMIT)) return undefined;
    const isize = b[0] + b[1] * 2 ** 8 + b[2] * 2 ** 16 + b[3] * 2 ** 24;
    return isize >= compressed ? isize : undefined;
  }
  if (/\.(tar\.zst|tzst)$/.test(archive)) {
    const r = await runTool(standby, { tool: TOOL, action: 'measure', repository: archive, command: `zstd -lv ${shq(archive)} 2>&1; exit 0` });
    const m = /Decompressed Size:.*\((\d+) B\)/.exec(r.stdout);
    const n = m ? Number(m[1]) : NaN;
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  }
  return undefined;
}

/**
 * The archive against its line in the checksum list (`backup.checksums`, relative to the archives' folder): the
 * archive hashed once more, at the lowest priority, beside the restore that reads it (mostly from the page cache).
 * A plain .tar records no checksum of its own, so a flipped byte in it would be restored and verified against itself;
 * compressed archives have their CRC, but the list also catches an archive replaced or cut at a member's end. Never
 * throws but for an interrupt: an unreadable list or archive is a failed check, which verification reports.
 */
async function checkArchive(
  standby: Standby,
  source: BackupSource,
  archive: string,
  checksums: string,
  o: { signal?: AbortSignal; timeoutMs?: number },
): Promise<NonNullable<RestoreReport['backupCheck']>> {
  const file = checksumListPath(checksums, path.dirname(archive));
  const by = `its sha256 in ${file}`;
  const name = path.basename(archive);
  const t0 = performance.now();
  try {
    const [list, r] = await Promise.all([
      readChecksumList(standby, source, file, { ...o, background: true }),
      runTool(standby, { tool: TOOL, action: 'hash', repository: archive, command: hashCommand(path.dirname(archive), { paths: [name], parallel: 1 }), background: true, ...o }),
    ]);
    const seconds = Math.round(performance.now() - t0) / 1000;
    // the helper's own hasher (python3's hashlib: OpenSSL, with the CPU's SHA extensions; coreutils' has none)
    const found = parseHashes(r.stdout, './').get(name);
    if (found === undefined) return { by, passed: false, seconds, detail: `${name}: the hasher gave no digest (${r.stdout.trim().slice(0, 80) || 'nothing printed'})` };
    const want = list.get(name) ?? list.get(archive) ?? list.get(path.relative(path.dirname(file), archive));
    if (want === undefined) return { by, passed: false, seconds, detail: `${name} is not in the checksum list ${file}` };
    if (want !== found)
      return {
        by,
        passed: false,
        seconds,
        detail: `${name}: sha256 ${found.slice(0, 16)}…, but ${file} lists ${want.slice(0, 16)}…: the archive changed after its checksum was written (damaged or replaced)`,
      };
    return { by, passed: true, seconds, detail: `${name}: sha256 ${found.slice(0, 16)}…, as listed` };
  } catch (err) {
    if (o.signal?.aborted) throw err;
    return { by, passed: false, seconds: Math.round(performance.now() - t0) / 1000, detail: err instanceof Error ? err.message : String(err) };
  }
}

/** The tar adapter: GNU tar restores with numeric owners and modes; python3 on the standby reads manifests. */
export const tarAdapter: BackupAdapter = {
  tool: TOOL,
  restoreReadsManifest: true,

  async version(standby) {
    const r = await runTool(standby, { tool: TOOL, action: 'ask the version of', repository: 'tar', command: 'tar --version' });
    return parseVersion(TOOL, r.stdout);
  },

  async listSnapshots(standby, source) {
    checkLocal(source);
    const repo = source.repository;
    const r = await runTool(standby, {
      tool: TOOL,
      action: 'list archives in',
      repository: repo,
      command:
        `if [ -d ${shq(repo)} ]; then find ${shq(repo)} -mindepth 1 -maxdepth 1 -type f -printf '%T@\\t%f\\n'; ` +
        `elif [ -f ${shq(repo)} ]; then find ${shq(repo)} -maxdepth 0 -printf '%T@\\t%f\\n'; ` +
        `else echo 'no such file or directory' >&2; exit 3; fi`,
    });
    const snaps: Snapshot[] = [];
    for (const line of r.stdout.split('\n')) {
      const tab = line.indexOf('\t');
      if (tab < 0) continue;
      const name = line.slice(tab + 1);
      if (!compressionOf(name)) continue;
      const time = timeFromArchiveName(name) ?? new Date(Number(line.slice(0, tab)) * 1000);
      snaps.push({ id: name, time });
    }
    if (snaps.length === 0) throw new StepFailed(`tar: no tar archives (.tar, .tar.gz, .tar.zst, ...) in ${repo}`);
    return snaps.sort((a, b) => a.time.getTime() - b.time.getTime() || a.id.localeCompare(b.id));
  },

  async snapshotBytes(standby, source, snapshot) {
    checkLocal(source);
    const archive = archiveOf(source, snapshot);
    const bound = await streamBytes(standby, archive);
    if (bound !== undefined) return bound;
    return totalBytes(await runHelper(standby, helperArgs(source, archive, false)));
  },

  async snapshotBytesExact(standby, source, snapshot) {
    checkLocal(source);
    return totalBytes(await runHelper(standby, helperArgs(source, archiveOf(source, snapshot), false)));
  },

  async restore(standby, source, snapshot, target, options) {
    checkLocal(source);
    const archive = archiveOf(source, snapshot);
    const c = compressionFor(archive);
    const prefix = source.paths.length > 0 ? await memberPrefix(standby, archive, c, options.timeoutMs) : '';
    const members = source.paths.map((p) => prefix + p.replace(/^\/+|\/+$/g, ''));
    options.onProgress?.({ message: `extracting ${snapshot.id}` });
    // GNU tar extracts; the helper reads (and for .tar.gz inflates, with zlib) the archive once, hands tar the plain
    // stream on its stdin and hashes every member as it goes by: the manifest verify compares against, without a
    // second read of the archive. The helper exits non-zero when tar does, with tar's message.
    const extract = ['tar', '-x', '--same-owner', '--numeric-owner', '-p', '-f', '-', '-C', target, ...(members.length ? ['--', ...members] : [])];
    const call = helperArgs(source, archive, true);
    // with a checksum list, the archive itself is checked beside the restore; stopped when the restore fails
    const stop = new AbortController();
    const stopCheck = () => {
      stop.abort(new Error('not needed'));
      options.signal?.removeEventListener('abort', stopCheck);
    };
    let sealed: ReturnType<typeof checkArchive> | undefined;
    if (source.checksums) {
      options.signal?.addEventListener('abort', stopCheck, { once: true });
      sealed = checkArchive(standby, source, archive, source.checksums, { signal: stop.signal, timeoutMs: options.timeoutMs });
      sealed.catch(() => {});
    }
    const r = await runTool(standby, {
      tool: TOOL,
      action: 'restore from',
      repository: archive,
      command: `mkdir -p ${shq(target)} && ${helperCommand({ mode: call.mode, args: [...call.args, '--restore', JSON.stringify(extract)], ...(call.producer ? { producer: call.producer } : {}) })}`,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    }).catch((err: unknown) => {
      stopCheck();
      throw err;
    });
    options.onProgress?.({ message: `extracted ${snapshot.id}` });
    const manifest = parseEntries(r.stdout);
    try {
      requirePaths(TOOL, archive, snapshot.id, manifest, source.paths);
    } catch (err) {
      stopCheck();
      throw err;
    }
    if (!sealed) return { manifest };
    options.onProgress?.({ message: `checking ${snapshot.id} against its checksum list` });
    const backupCheck = await sealed;
    options.signal?.removeEventListener('abort', stopCheck);
    return { manifest, backupCheck };
  },

  async *manifest(standby, source, snapshot, options = {}): AsyncIterable<FileEntry> {
    checkLocal(source);
    const archive = archiveOf(source, snapshot);
    const entries = await runHelper(standby, { ...helperArgs(source, archive, true), ...options });
    requirePaths(TOOL, archive, snapshot.id, entries, source.paths);
    yield* entries;
  },
};
