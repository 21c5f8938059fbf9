// Verification of a restore: every file the snapshot holds against what came back on the standby,
// by type, size, content hash, owner, group and mode; plus the home-directory privacy rule.
//
// The privacy rule, precisely: a *home root* is a directory named `home` or `home<digits>`
// (Debian Edu keeps users under `skole/tjener/home0`), or one listed in `homeRoots`. A *home
// directory* is an immediate child of a home root; it and everything under it belong to that user.
// A home directory is *exposed* when any restored entry at or under it
//   - grants group or others read or write permission (mask 0o066) that the snapshot's entry did not, or
//   - has a different owner (uid) than the snapshot's entry (another account now holds the data), or
//   - is not in the snapshot at all and grants group or others read or write.
// Execute/search bits are not counted: they let others pass through, not read or change data.
// Every exposure is also a permission mismatch; `exposedHomes` counts distinct home directories.
import type { VerificationSummary } from './journal.ts';

/** One entry of a file tree, as the snapshot lists it (the backup adapters' FileEntry) or as it was restored. */
export interface TreeEntry {
  /** path relative to the restore root, `/`-separated, no leading slash */
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
  /** sha256 hex of the content (files only) */
  sha256?: string;
  /** sha1 hex of the content (files only): what rdiff-backup records per file; compared when both sides have no sha256 */
  sha1?: string;
  uid: number;
  gid: number;
  /** permission bits, e.g. 0o700 */
  mode: number;
  /** symlink target */
  target?: string;
  /** restored side only, when asked for: when the inode last changed (seconds, the standby's clock) */
  ctime?: number;
  /** snapshot side only: why a file has no digest, when the snapshot should have given one (`not in /srv/SHA256SUMS`) */
  noDigest?: string;
}

/** What is wrong with one path. */
export type ProblemKind = 'missing' | 'extra' | 'type' | 'size' | 'content' | 'unchecked' | 'symlink' | 'owner' | 'group' | 'mode' | 'exposed-home';

/** One difference, naming the file and what was expected and found. */
export interface Problem {
  path: string;
  kind: ProblemKind;
  expected?: string;
  found?: string;
}

/** Where the homes are, what not to call extra, how many problems to keep. */
export interface VerifyOptions {
  /** home roots (relative paths); default: any directory named `home` or `home<digits>` */
  homeRoots?: string[];
  /** restored paths not to report as extra (the parent folders a restore creates above the chosen paths) */
  ignoreExtra?: (path: string) => boolean;
  /** how many problems to keep in the summary (default 100); all are counted */
  problemCap?: number;
  /**
   * The restore tool itself read every restored file back and checked its content against the snapshot (restic's
   * `restore --verify`), finishing at `at` (the standby's ctime clock). A file the snapshot gives no digest for is
   * then content-checked when its ctime is not after `at` (nothing wrote to it since), and a content problem
   * when it is; without this, such a file only counts as `contentUnchecked`.
   */
  contentVerified?: { by: string; at: number };
  /**
   * The adapter compared the restored files' content with the snapshot itself, after the restore, by the repository's
   * own content ids (borg: the chunk ids). A file the snapshot gives no digest for is content-checked when its path
   * is in `matched`, a content problem when it is in `differs` (with what was found), and `contentUnchecked`
   * otherwise: only what the check vouched for passes.
   */
  contentChecked?: { by: string; matched: ReadonlySet<string>; differs: ReadonlyMap<string, string> };
}

/** The counts for the journal and every problem found. */
export interface VerifyResult {
  summary: VerificationSummary;
  problems: Problem[];
}

const GROUP_OTHER_RW = 0o066;

/** The home directory (relative path) an entry belongs to, or undefined outside homes. */
export function homeOf(p: string, homeRoots?: string[]): string | undefined {
  if (homeRoots?.length) {
    for (const root of homeRoots) {
      const r = root.replace(/^\/+|\/+$/g, '');
      if (p.startsWith(`${r}/`)) {
        const user = p.slice(r.length + 1).split('/')[0];
        if (user) return `${r}/${user}`;
      }
    }
    return undefined;
  }
  const parts = p.split('/');
  for (let i = 0; i < parts.length - 1; i++) {
    if (/^home\d*$/.test(parts[i])) return parts.slice(0, i + 2).join('/');
  }
  return undefined;
}

/** Paths of all folders above the chosen restore paths (`skole`, `skole/tjener` for `skole/tjener/home0`). */
export function ancestorsOf(paths: string[]): Set<string> {
  const out = new Set<string>();
  for (const p of paths) {
    const parts = p.replace(/^\/+|\/+$/g, '').split('/');
    for (let i = 1; i < parts.length; i++) out.add(parts.slice(0, i).join('/'));
  }
  return out;
}

const octal = (m: number) => `0${(m & 0o7777).toString(8).padStart(3, '0')}`;

/** Compare the snapshot's entries with the restored ones. Pure; both sides fully listed. */
export function verifyTree(expected: Iterable<TreeEntry>, restored: Iterable<TreeEntry>, options: VerifyOptions = {}): VerifyResult {
  const found = new Map<string, TreeEntry>();
  for (const e of restored) found.set(e.path, e);
  const problems: Problem[] = [];
  const exposed = new Set<string>();
  let files = 0;
  let bytes = 0;
  let mismatches = 0;
  let missing = 0;
  let permissionMismatches = 0;
  let contentUnchecked = 0;

  // a file whose content nobody could check is named too (the drill fails on it: never a silent pass)
  const unchecked = (exp: TreeEntry, expected: string) => {
    contentUnchecked++;
    problems.push({ path: exp.path, kind: 'unchecked', expected: exp.noDigest ?? expected, found: 'nothing to compare with' });
  };

  const checkExposure = (exp: TreeEntry | undefined, got: TreeEntry) => {
    const home = homeOf(got.path, options.homeRoots);
    if (!home || got.type === 'symlink') return false;
    const widened = got.mode & GROUP_OTHER_RW & ~(exp ? exp.mode : 0);
    const ownerChanged = exp !== undefined && exp.uid !== got.uid;
    if (!widened && !ownerChanged) return false;
    exposed.add(home);
    problems.push({
      path: got.path,
      kind: 'exposed-home',
      expected: exp ? `${octal(exp.mode)} uid ${exp.uid}` : 'not present',
      found: `${octal(got.mode)} uid ${got.uid}`,
    });
    return true;
  };

  for (const exp of expected) {
    if (exp.type === 'file') {
      files++;
      bytes += exp.size;
    }
    const got = found.get(exp.path);
    found.delete(exp.path);
    if (!got) {
      missing++;
      problems.push({ path: exp.path, kind: 'missing', expected: exp.type });
      continue;
    }
    let content: Problem | undefined;
    if (got.type !== exp.type) content = { path: exp.path, kind: 'type', expected: exp.type, found: got.type };
    else if (exp.type === 'file') {
      if (got.size !== exp.size) content = { path: exp.path, kind: 'size', expected: String(exp.size), found: String(got.size) };
      else {
        // the digest both sides have (sha256 first); the snapshot's digest alone means the restored one is missing
        const algo = exp.sha256 && got.sha256 ? 'sha256' : exp.sha1 && got.sha1 ? 'sha1' : exp.sha256 ? 'sha256' : exp.sha1 ? 'sha1' : undefined;
        const want = algo && exp[algo];
        const have = algo && got[algo];
        const since = options.contentVerified;
        const checked = options.contentChecked;
        if ((!algo || !want) && checked) {
          const differs = checked.differs.get(exp.path);
          if (differs !== undefined) content = { path: exp.path, kind: 'content', expected: `as the snapshot holds it (${checked.by})`, found: differs };
          else if (!checked.matched.has(exp.path)) unchecked(exp, `a check by ${checked.by}`);
        } else if ((!algo || !want) && since && got.ctime !== undefined) {
          if (got.ctime > since.at)
            content = { path: exp.path, kind: 'content', expected: `as ${since.by} verified it`, found: 'written to after the restore' };
        } else if (!algo || !want) unchecked(exp, "the snapshot's content digest");
        else if (!have) content = { path: exp.path, kind: 'content', expected: `${algo} ${want.slice(0, 12)}…`, found: 'unreadable' };
        else if (have !== want) content = { path: exp.path, kind: 'content', expected: `${algo} ${want.slice(0, 12)}…`, found: `${algo} ${have.slice(0, 12)}…` };
      }
    } else if (exp.type === 'symlink' && exp.target === undefined) {
      // the snapshot's listing does not give the target (restic 0.14): the link is as the tool restored it, unless replaced since
      const since = options.contentVerified;
      if (since && got.ctime !== undefined && got.ctime > since.at)
        content = { path: exp.path, kind: 'symlink', expected: `as ${since.by} restored it`, found: `${got.target ?? ''} (replaced after the restore)` };
      else if (!since) unchecked(exp, "the snapshot's link target");
    } else if (exp.type === 'symlink' && exp.target !== (got.target ?? ''))
      content = { path: exp.path, kind: 'symlink', expected: exp.target, found: got.target };
    if (content) {
      mismatches++;
      problems.push(content);
    }
    const perms: Problem[] = [];
    if (got.uid !== exp.uid) perms.push({ path: exp.path, kind: 'owner', expected: `uid ${exp.uid}`, found: `uid ${got.uid}` });
    if (got.gid !== exp.gid) perms.push({ path: exp.path, kind: 'group', expected: `gid ${exp.gid}`, found: `gid ${got.gid}` });
    // symlink modes are meaningless on Linux; type changes are already a mismatch
    if (exp.type !== 'symlink' && got.type === exp.type && (got.mode & 0o7777) !== (exp.mode & 0o7777))
      perms.push({ path: exp.path, kind: 'mode', expected: octal(exp.mode), found: octal(got.mode) });
    if (perms.length) {
      permissionMismatches++;
      problems.push(...perms);
      checkExposure(exp, got);
    }
  }

  let extra = 0;
  for (const got of found.values()) {
    if (options.ignoreExtra?.(got.path)) continue;
    extra++;
    problems.push({ path: got.path, kind: 'extra', found: got.type });
    checkExposure(undefined, got);
  }

  problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const cap = options.problemCap ?? 100;
  return {
    problems,
    summary: {
      files,
      bytes,
      mismatches,
      missing,
      extra,
      permissionMismatches,
      exposedHomes: exposed.size,
      ...(contentUnchecked ? { contentUnchecked } : {}),
      problems: problems.slice(0, cap),
      moreProblems: Math.max(0, problems.length - cap),
    },
  };
}
