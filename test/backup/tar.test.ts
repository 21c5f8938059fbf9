// tar archives (.tar, .tar.gz, .tar.zst) restored and read by the real GNU tar, on the local standby.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepFailed } from '../../src/core/errors.ts';
import { tarAdapter, timeFromArchiveName } from '../../src/io/backup/tar.ts';
import { LocalStandby } from '../../src/io/standby/local.ts';
import { CHOSEN, makeBackups, type Backups } from '../support/backup-fixtures.ts';
import { adapterContract } from './adapter-contract.ts';
import { localStandby } from './local-standby.ts';

let b: Backups | undefined;
const backups = () => (b ??= makeBackups(['tar']));
afterAll(() => b?.cleanup());

/** The length of an archive's uncompressed tar stream when it can be read without decompressing (see tar.ts), else the exact sum. */
function streamLength(repoDir: string, id: string, exact: number): number {
  const file = path.join(repoDir, id);
  const cat = id.endsWith('.tar.gz') ? 'gzip -dc' : id.endsWith('.tar.zst') ? 'zstd -dcq' : 'cat';
  if (id.endsWith('.tar.zst') && !/Decompressed Size/.test(execSync(`zstd -lv '${file}' 2>&1 || true`, { encoding: 'utf8' }))) return exact;
  return Number(execSync(`${cat} '${file}' | wc -c`, { encoding: 'utf8' }).trim());
}

for (const kind of ['tar', 'tar.gz', 'tar.zst'] as const)
  adapterContract({ name: `tar adapter (.${kind}), local standby`, adapter: tarAdapter, backups, repoKey: kind, standby: localStandby, expectedBytes: streamLength });

describe('tar adapter: damaged archives', () => {
  let own: Backups;
  beforeAll(() => {
    own = makeBackups(['tar']);
  });
  afterAll(() => own.cleanup());

  it('names a truncated .tar.gz in a clear error instead of a stack trace', async () => {
    const repo = own.repos['tar.gz']!;
    const [name] = fs.readdirSync(repo).sort();
    const file = path.join(repo, name);
    fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
    const standby = new LocalStandby(own.dir);
    const source = { tool: 'tar' as const, repository: repo, paths: CHOSEN };
    const snap = (await tarAdapter.listSnapshots(standby, source))[0];
    expect(snap.id).toBe(name);
    for (const attempt of [
      () => tarAdapter.restore(standby, source, snap, path.join(own.dir, 'out'), {}),
      async () => {
        for await (const _ of tarAdapter.manifest(standby, source, snap));
      },
    ]) {
      const err = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StepFailed);
      expect((err as Error).message).toContain(file);
      expect((err as Error).message).toMatch(/unexpected end of file|truncated|corrupt/i);
    }
  });
});

describe('tar archive names', () => {
  it('reads the snapshot time from the archive name', () => {
    expect(timeFromArchiveName('home-2026-11-25T0200Z.tar.gz')?.toISOString()).toBe('2026-11-25T02:00:00.000Z');
    expect(timeFromArchiveName('etc_20261125-020030Z.tar')?.toISOString()).toBe('2026-11-25T02:00:30.000Z');
    expect(timeFromArchiveName('home-2026-11-25T0200.tar.gz')?.getTime()).toBe(new Date(2026, 10, 25, 2, 0).getTime());
    expect(timeFromArchiveName('home.tar.zst')).toBeUndefined();
  });
});
