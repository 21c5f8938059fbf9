// What every backup-tool adapter offers a drill. Adapters run the real tool, on the standby,
// and only ever read the repository.
import type { Standby } from '../standby/types.ts';
import type { BackupToolName } from '../../core/site.ts';
import type { TreeEntry } from '../../core/verify.ts';
import type { SpaceGuard } from '../space-guard.ts';

export interface Snapshot {
  /** the tool's own id: rdiff-backup increment time, restic snapshot id, borg archive name, tar file name */
  id: string;
  time: Date;
}

/** One file as the snapshot holds it (the expected side of verification): the core's tree entry. */
export type FileEntry = TreeEntry;

export interface BackupSource {
  tool: BackupToolName;
  /** path of the repository as the standby sees it, or user@host:/path */
  repository: string;
  /** paths to restore, relative to the backup root; empty = all */
  paths: string[];
  /** the repository password (restic/borg), read from the site's passwordFile; never logged */
  password?: string;
  /**
   * rsync and tar only: the site's `backup.checksums`, a `sha256sum` list the backup job writes (see checksum-list.ts):
   * absolute on the standby, or relative to the mirror (rsync) or to the folder of the archives (tar)
   */
  checksums?: string;
}

/** What a restore tells beyond success: a content check the tool itself made of the files it wrote. */
export interface RestoreReport {
  /**
   * The tool read every restored regular file back and checked it against the snapshot's own content hashes
   * (restic's `restore --verify`): `by` names the check, `at` is when it was done on the standby's ctime clock
   * (a file written to after `at` is no longer covered), `seconds` how long the check took by the tool's own count.
   */
  contentVerified?: { by: string; at: number; files?: number; seconds?: number };
  /**
   * The snapshot's manifest (what `manifest()` gives), read from the very stream the restore extracted, as it went
   * by: the archive is read and decompressed once for both (tar). Only from adapters with `restoreReadsManifest`.
   */
  manifest?: FileEntry[];
  /**
   * The backup itself checked against its checksum list (tar: the archive's sha256 against `backup.checksums`), read
   * beside the restore. A failed check fails verification: the files came from a damaged archive.
   */
  backupCheck?: { by: string; passed: boolean; detail: string; seconds?: number };
}

export interface RestoreProgress {
  bytes?: number;
  files?: number;
  message?: string;
}

/** How a manifest is read. */
export interface ManifestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /**
   * Read at the lowest CPU priority (`nice 19`: every process it starts inherits it): the drill reads the snapshot's
   * side while the restore runs, on the CPU the restore leaves idle, and must not slow the restore down.
   */
  background?: boolean;
  /**
   * false: the entries need no content digest (the adapter's `checkContent` compares the content instead), only
   * types, sizes, owners, modes and symlink targets. Default true.
   */
  content?: boolean;
}

/** What an adapter's own content check of a restored tree found (see BackupAdapter.checkContent). */
export interface ContentCheck {
  /** what compared, for messages: `borg chunk ids` */
  by: string;
  /** restored regular files (paths relative to the restore root) whose content matched the snapshot */
  matched: string[];
  /** restored regular files whose content did not match, with what was found (`chunk 3 differs`, `unreadable`) */
  differs: { path: string; found: string }[];
  /** the check's own seconds */
  seconds?: number;
}

/** How `snapshotBytes` reads. */
export interface SnapshotBytesOptions {
  /** at the lowest priority: a drill counts beside its restore */
  background?: boolean;
  /**
   * What the count read and verification will want again (restic's listing) may be kept on the standby while this
   * folder exists (a drill's lock: its cleanup ends the keeping), for at most `maxSeconds`.
   */
  keepWhile?: { folder: string; maxSeconds: number };
}

export interface BackupAdapter {
  readonly tool: BackupToolName;
  /**
   * Its restore returns the manifest (RestoreReport.manifest), read from the stream it restores: the drill does not
   * read the snapshot's side separately beside the restore.
   */
  readonly restoreReadsManifest?: boolean;
  /**
   * Its restore honours `spaceGuard` (see space-guard.ts): the drill starts it while the snapshot's size is still
   * being counted, and answers the guard when the count is done. For a tool whose count is slow (restic walks every
   * tree of the snapshot).
   */
  readonly guardsSpace?: boolean;
  /** the content digest its manifest gives for every file, which the restored side must compute (default sha256) */
  readonly digest?: 'sha256' | 'sha1';
  /** the tool's version string, e.g. `2.2.2` */
  version(standby: Standby): Promise<string>;
  /** snapshots, oldest first */
  listSnapshots(standby: Standby, source: BackupSource): Promise<Snapshot[]>;
  /** bytes the chosen paths occupy in the snapshot (for the free-space gate): exact, or a cheap upper bound when `snapshotBytesExact` exists */
  snapshotBytes(standby: Standby, source: BackupSource, snapshot: Snapshot, options?: SnapshotBytesOptions): Promise<number>;
  /** the exact bytes, asked for only when the upper bound does not fit (a gate never fails on a bound alone) */
  snapshotBytesExact?(standby: Standby, source: BackupSource, snapshot: Snapshot): Promise<number>;
  /** restore the chosen paths of a snapshot under `target` on the standby, keeping owners and modes */
  restore(
    standby: Standby,
    source: BackupSource,
    snapshot: Snapshot,
    target: string,
    options: { timeoutMs?: number; signal?: AbortSignal; onProgress?: (p: RestoreProgress) => void; spaceGuard?: SpaceGuard },
  ): Promise<RestoreReport | void>;
  /**
   * What the snapshot holds for the chosen paths, read from the repository (never from the restore). Files carry
   * the adapter's `digest`, except where the restore's report says the tool checked the content itself (restic).
   */
  manifest(standby: Standby, source: BackupSource, snapshot: Snapshot, options?: ManifestOptions): AsyncIterable<FileEntry>;
  /**
   * Compare the content of the files restored under `root` with the snapshot by the repository's own content ids,
   * on the standby, reading the repository's metadata only (borg: each restored file cut by the archive's chunker
   * and hashed with the repository's id key, against the chunk ids the archive lists). When an adapter has it, the
   * drill asks `manifest` for `content: false` and does not hash the restored files: only what this check reports
   * as matched counts as verified content.
   */
  checkContent?(
    standby: Standby,
    source: BackupSource,
    snapshot: Snapshot,
    root: string,
    options: { signal?: AbortSignal; timeoutMs?: number },
  ): Promise<ContentCheck>;
}
