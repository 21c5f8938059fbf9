// The behaviour every backup adapter must show, run against real backups made by the real tool.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepFailed } from '../../src/core/errors.ts';
import type { BackupAdapter, BackupSource, FileEntry, Snapshot } from '../../src/io/backup/types.ts';
import type { Standby } from '../../src/io/standby/types.ts';
import { byPath, CHOSEN, hashRepository, PASSWORD, readOnlyView, TIMES, treeOf, type Backups } from '../support/backup-fixtures.ts';

export interface ContractOptions {
  name: string;
  adapter: BackupAdapter;
  backups: () => Backups;
  /** which repository of the fixture to use */
  repoKey: keyof Backups['repos'];
  /** one snapshot only (an rsync mirror holds just the latest state) */
  single?: boolean;
  /** the standby and the folder on it where restores go; `repo` is the read-only view as the standby sees it */
  standby: () => Promise<{ standby: Standby; restoreDir: string; repoOnStandby: (hostPath: string) => string; readLocal: (p: string) => string; close(): Promise<void> }>;
  password?: boolean;
  /**
   * The tool checks the restored content itself (restic's restore --verify): the restore reports that check, and the
   * manifest carries no digests (and, restic 0.14, no symlink targets) for verification to compare
   */
  contentByRestore?: boolean;
  /** what snapshotBytes must give when it is a documented upper bound, not the exact sum (tar: the uncompressed stream's length) */
  expectedBytes?: (repoDir: string, snapshotId: string, exact: number) => number;
}

async function collect(it: AsyncIterable<FileEntry>): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

/** Define the shared tests for one adapter. */
export function adapterContract(o: ContractOptions): void {
  describe(o.name, () => {
    let b: Backups;
    let ro: { path: string; release(): void };
    let before: string;
    let env: Awaited<ReturnType<ContractOptions['standby']>>;
    let source: BackupSource;
    let snaps: Snapshot[];
    let n = 0;
    const freshTarget = () => path.posix.join(env.restoreDir, `restore-${++n}`);

    beforeAll(async () => {
      b = o.backups();
      const repo = b.repos[o.repoKey]!;
      before = hashRepository(repo);
      ro = readOnlyView(repo);
      env = await o.standby();
      source = { tool: o.adapter.tool, repository: env.repoOnStandby(ro.path), paths: CHOSEN, password: o.password ? PASSWORD : undefined };
    });

    afterAll(async () => {
      await env?.close();
      ro?.release(); // the test file owns the backups and removes them
    });

    it('reports the version of the tool', async () => {
      expect(await o.adapter.version(env.standby)).toMatch(/^\d+\.\d+/);
    });

    it('lists the snapshots with their times, oldest first', async () => {
      snaps = await o.adapter.listSnapshots(env.standby, source);
      const want = o.single ? [TIMES.v2] : [TIMES.v1, TIMES.v2];
      expect(snaps.map((s) => s.time.toISOString())).toEqual(want.map((t) => t.toISOString()));
      expect(new Set(snaps.map((s) => s.id)).size).toBe(snaps.length);
    });

    const versions = o.single ? (['v2'] as const) : (['v1', 'v2'] as const);
    for (const v of versions) {
      it(`restores the chosen paths of the ${v === 'v1' ? 'older' : 'newer'} snapshot with their bytes, owners and modes`, async () => {
        const snap = v === 'v1' ? snaps[0] : snaps[snaps.length - 1];
        const target = freshTarget();
        const progress: unknown[] = [];
        const report = await o.adapter.restore(env.standby, source, snap, target, { timeoutMs: 120_000, onProgress: (p) => progress.push(p) });
        const local = env.readLocal(target);
        const got = treeOf(local);
        const want = treeOf(b.expected[v]);
        if (o.contentByRestore) {
          // the tool's own check covered every restored regular file, and says when it ended (ctime clock)
          const files = [...want.values()].filter((e) => e.type === 'file').length;
          expect(report && report.contentVerified).toMatchObject({ files });
          expect(report && report.contentVerified!.at).toBeGreaterThan(0);
        } else if (o.adapter.restoreReadsManifest) {
          // the manifest read from the stream the restore extracted: exactly what manifest() reads from the repository
          expect(report && report.manifest, 'the restore hands over its manifest').toBeDefined();
          const fromRestore = [...byPath(report!.manifest!).entries()].sort(([a], [b]) => a.localeCompare(b));
          const fromRepository = [...byPath(await collect(o.adapter.manifest(env.standby, source, snap))).entries()].sort(([a], [b]) => a.localeCompare(b));
          expect(fromRestore).toEqual(fromRepository);
          expect(report!.contentVerified).toBeUndefined();
        } else expect(report ?? undefined).toBeUndefined();
        expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
        for (const [p, e] of want) expect(got.get(p), p).toEqual(e);
        // what a user checks first: a pupil's home stays private and keeps its owner
        const home = fs.statSync(path.join(local, 'skole/tjener/home0/elev01'));
        expect(home.mode & 0o777).toBe(0o700);
        expect(home.uid).toBe(1001);
        // only the chosen paths come back
        expect(fs.existsSync(path.join(local, 'skole/tjener/home1'))).toBe(false);
      });

      it(`reads the manifest of the ${v === 'v1' ? 'older' : 'newer'} snapshot from the repository`, async () => {
        const snap = v === 'v1' ? snaps[0] : snaps[snaps.length - 1];
        const entries = await collect(o.adapter.manifest(env.standby, source, snap));
        const got = byPath(entries);
        const want = treeOf(b.expected[v]);
        expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
        const digest = o.adapter.digest ?? 'sha256';
        for (const [p, e] of want) {
          const g = got.get(p);
          if (o.contentByRestore) {
            // metadata only: no digest, no symlink target
            expect(g, p).toEqual({ ...e, sha256: undefined, target: undefined });
          } else if (e.type === 'file') {
            // every file carries the digest the adapter declares (rdiff-backup: the SHA-1 it recorded), and it is right
            const bytes = fs.readFileSync(path.join(b.expected[v], p));
            expect(g?.[digest], `${p}: ${digest}`).toBe(createHash(digest).update(bytes).digest('hex'));
            if (g?.sha256 !== undefined) expect(g.sha256, p).toBe(e.sha256);
            expect({ ...g, sha1: undefined, sha256: undefined }, p).toEqual({ ...e, sha1: undefined, sha256: undefined });
          } else expect(g, p).toEqual(e);
        }
      });

      it(`tells the size of the chosen paths in the ${v === 'v1' ? 'older' : 'newer'} snapshot`, async () => {
        const snap = v === 'v1' ? snaps[0] : snaps[snaps.length - 1];
        let want = 0;
        for (const e of treeOf(b.expected[v]).values()) if (e.type === 'file') want += e.size;
        const bytes = await o.adapter.snapshotBytes(env.standby, source, snap);
        // never an underestimate: the free-space gate trusts it
        expect(bytes).toBeGreaterThanOrEqual(want);
        if (o.expectedBytes) expect(bytes).toBe(o.expectedBytes(b.repos[o.repoKey]!, snap.id, want));
        else if (!o.adapter.snapshotBytesExact) expect(bytes).toBe(want);
        // where the cheap answer is an upper bound, the exact one (asked for when the bound does not fit) is exact
        if (o.adapter.snapshotBytesExact) expect(await o.adapter.snapshotBytesExact(env.standby, source, snap)).toBe(want);
      });
    }

    it('fails with a clear message naming a missing repository', async () => {
      const missing = { ...source, repository: env.repoOnStandby(path.join(b.dir, 'no-such-repo')) };
      const err = await o.adapter.listSnapshots(env.standby, missing).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StepFailed);
      expect((err as Error).message).toContain(missing.repository);
      expect((err as Error).message).not.toContain(PASSWORD);
      expect((err as Error).message).not.toMatch(/\n\s+at /); // no stack trace in the message
    });

    it('fails naming a path that is not in the snapshot', async () => {
      const wrong = { ...source, paths: ['skole/tjener/home7'] };
      const snap = snaps[snaps.length - 1];
      const err = await o.adapter.restore(env.standby, wrong, snap, freshTarget(), {}).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StepFailed);
      expect((err as Error).message).toContain('home7');
    });

    it('left the repository exactly as it was', () => {
      expect(hashRepository(b.repos[o.repoKey]!)).toBe(before);
    });
  });
}
