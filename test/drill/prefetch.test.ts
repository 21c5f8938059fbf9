// The snapshot's side of verification is read while the restore runs, at the lowest CPU priority: it starts with the
// restore, runs at nice 19 (and so does everything it starts), is what verify compares against, and is stopped when
// the restore fails (rsync here). tar reads it from the very stream its restore extracts: no second read at all.
// Real backups, a real local standby, the real adapters underneath.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHOSEN, makeBackups, treeOf, type Backups } from '../support/backup-fixtures.ts';
import { needTool } from '../support/tools.ts';
import { runDrill } from '../../src/app/run-drill.ts';
import { adapterFor } from '../../src/io/backup/index.ts';
import type { BackupAdapter, ManifestOptions } from '../../src/io/backup/types.ts';
import { lowPriority } from '../../src/io/backup/tool-run.ts';
import { execLocal } from '../../src/io/standby/local.ts';
import { AT_V2, writeSite } from './site-fixture.ts';

let b: Backups;
let work: string;

beforeAll(() => {
  needTool('tar');
  needTool('rsync');
  b = makeBackups(['tar', 'rsync']);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-prefetch-'));
});
afterAll(() => {
  b?.cleanup();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** The real adapter (rsync unless named), recording when manifest and restore run and what manifest was asked. */
function watched(opts: { failRestore?: boolean; tool?: 'rsync' | 'tar' } = {}) {
  const real = adapterFor(opts.tool ?? 'rsync');
  const log: string[] = [];
  const seen: { options?: ManifestOptions; abortedAtEnd?: boolean } = {};
  const adapter: BackupAdapter = {
    ...real,
    version: (s) => real.version(s),
    listSnapshots: (s, src) => real.listSnapshots(s, src),
    snapshotBytes: (s, src, snap) => real.snapshotBytes(s, src, snap),
    async *manifest(s, src, snap, options) {
      log.push('manifest started');
      seen.options = options;
      if (opts.failRestore) {
        // a slow read: still running when the restore fails, so stopping it is what ends it
        await new Promise<void>((resolve) => {
          if (options?.signal?.aborted) resolve();
          options?.signal?.addEventListener('abort', () => resolve(), { once: true });
        });
        seen.abortedAtEnd = options?.signal?.aborted;
        throw new Error('stopped');
      }
      yield* real.manifest(s, src, snap, options);
      log.push('manifest ended');
    },
    async restore(standby, source, snapshot, target, options) {
      log.push('restore started');
      // give the read a moment to start: it must begin beside the restore, not after it
      await new Promise((r) => setTimeout(r, 50));
      if (opts.failRestore) throw new Error('the standby went away');
      const report = await real.restore(standby, source, snapshot, target, options);
      log.push('restore ended');
      return report;
    },
  };
  return { adapter, log, seen };
}

describe('the snapshot side is read beside the restore', () => {
  it('starts with the restore, at low priority, and verify compares against it', async () => {
    const dir = path.join(work, 'ok');
    const siteFile = writeSite(dir, { tool: 'rsync', repository: b.repos.rsync! });
    const { adapter, log, seen } = watched();
    const r = await runDrill({ siteFile, at: AT_V2, journalDir: path.join(dir, 'journals'), output: { event: () => {} }, adapter });
    expect(r.journal.status, JSON.stringify(r.journal.phases, null, 1)).toBe('passed');
    // started before the restore finished, and asked to run in the background with a way to be stopped
    expect(log.indexOf('manifest started')).toBeGreaterThanOrEqual(0);
    expect(log.indexOf('manifest started')).toBeLessThan(log.indexOf('restore ended'));
    expect(seen.options?.background).toBe(true);
    expect(seen.options?.signal).toBeInstanceOf(AbortSignal);
    // verify says how long the read took and how much of it came after the restore
    const verify = r.journal.phases.find((p) => p.name === 'verify')!;
    const check = verify.checks?.find((c) => c.name === 'snapshot side read beside the restore');
    expect(check, JSON.stringify(verify)).toBeDefined();
    expect(check!.passed).toBe(true);
    expect(check!.seconds).toBeGreaterThan(0);
    expect(check!.detail).toMatch(/^what the repository holds for \d+ entries, asked for at the restore's start, read at low priority: .+, of which .+ after the restore$/);
  });

  it('is stopped when the restore fails, and verify is skipped', async () => {
    const dir = path.join(work, 'fail');
    const siteFile = writeSite(dir, { tool: 'rsync', repository: b.repos.rsync! });
    const { adapter, seen } = watched({ failRestore: true });
    const r = await runDrill({ siteFile, at: AT_V2, journalDir: path.join(dir, 'journals'), output: { event: () => {} }, adapter });
    expect(r.exitCode).toBe(1);
    expect(r.journal.phases.map((p) => `${p.name}:${p.status}`)).toEqual(['preflight:passed', 'restore:failed', 'verify:skipped', 'services:skipped', 'cleanup:passed']);
    expect(seen.abortedAtEnd).toBe(true);
  });
});

describe('tar: the manifest comes from the stream the restore extracts', () => {
  it.each(['tar', 'tar.gz', 'tar.zst'] as const)('%s: the archive is not read a second time, and verify compares every file', async (kind) => {
    if (kind === 'tar.zst') needTool('zstd');
    const dir = path.join(work, `stream-${kind}`);
    const siteFile = writeSite(dir, { tool: 'tar', repository: b.repos[kind]! });
    const { adapter, log } = watched({ tool: 'tar' });
    const r = await runDrill({ siteFile, at: AT_V2, journalDir: path.join(dir, 'journals'), output: { event: () => {} }, adapter });
    expect(r.journal.status, JSON.stringify(r.journal.phases, null, 1)).toBe('passed');
    expect(log).not.toContain('manifest started');
    const verify = r.journal.phases.find((p) => p.name === 'verify')!;
    expect(verify.checks?.map((c) => c.name)).toContain('snapshot side read from the restore stream');
    const files = [...treeOf(b.expected.v2, CHOSEN).values()].filter((e) => e.type === 'file').length;
    expect(r.journal.verification!.files).toBe(files);
    expect(r.journal.verification).toMatchObject({ mismatches: 0, missing: 0, extra: 0, permissionMismatches: 0 });
  });
});

describe('lowPriority', () => {
  it('runs the command and everything it starts at nice 19', async () => {
    const r = await execLocal(lowPriority(`nice; sh -c nice | cat; echo "$(nice)"`));
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['19', '19', '19']);
  });

  it("puts the command's own session, and nothing else, at autogroup nice 19 where the kernel has autogroups", async () => {
    // nice alone ranks processes inside one session; the kernel shares the CPU between sessions first (autogroups)
    const ours = fs.existsSync('/proc/self/autogroup') ? fs.readFileSync('/proc/self/autogroup', 'utf8') : undefined;
    const r = await execLocal(lowPriority(`cat /proc/$$/autogroup 2>/dev/null || echo none; sh -c 'cat /proc/$$/autogroup 2>/dev/null || echo none'`));
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split('\n');
    if (ours === undefined) expect(lines).toEqual(['none', 'none']);
    else {
      expect(lines).toHaveLength(2);
      for (const l of lines) expect(l).toMatch(/ nice 19$/);
      expect(lines[0].split(' ')[0]).not.toBe(ours.split(' ')[0]); // a session of its own, not ours
      expect(fs.readFileSync('/proc/self/autogroup', 'utf8')).toBe(ours); // ours untouched
    }
  });

  it('keeps the exit status and the output of the command', async () => {
    const r = await execLocal(lowPriority(`echo out; echo err >&2; exit 7`));
    expect(r).toMatchObject({ exitCode: 7, stdout: 'out\n', stderr: 'err\n' });
  });
});
