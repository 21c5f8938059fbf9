// restic snapshots restored by the real restic (--no-lock) on the local standby, from a read-only view of the repository.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepFailed } from '../../src/core/errors.ts';
import { resticAdapter } from '../../src/io/backup/restic.ts';
import { LocalStandby } from '../../src/io/standby/local.ts';
import { CHOSEN, makeBackups, PASSWORD, run, type Backups } from '../support/backup-fixtures.ts';
import { adapterContract } from './adapter-contract.ts';
import { localStandby } from './local-standby.ts';

let b: Backups | undefined;
afterAll(() => b?.cleanup());

adapterContract({
  name: 'restic adapter, local standby',
  adapter: resticAdapter,
  backups: () => (b ??= makeBackups(['restic'])),
  repoKey: 'restic',
  password: true,
  contentByRestore: true,
  standby: localStandby,
});

describe('restic adapter: bad password and damaged repository', () => {
  let own: Backups;
  beforeAll(() => {
    own = makeBackups(['restic']);
  });
  afterAll(() => own.cleanup());

  it('refuses a wrong password without printing either password', async () => {
    const standby = new LocalStandby(own.dir);
    const wrong = 'not-the-password-xyz';
    const err = await resticAdapter
      .listSnapshots(standby, { tool: 'restic', repository: own.repos.restic!, paths: CHOSEN, password: wrong })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(StepFailed);
    expect((err as Error).message).toContain(own.repos.restic!);
    expect((err as Error).message).toMatch(/wrong password|no key found/i);
    expect((err as Error).message).not.toContain(wrong);
    expect((err as Error).message).not.toContain(PASSWORD);
  });

  it('names the repository when a data pack is corrupted', async () => {
    const repo = own.repos.restic!;
    // corrupt every pack file in the middle: whatever restic reads next fails its authentication check
    const packs = run('find', [path.join(repo, 'data'), '-type', 'f']).trim().split('\n');
    for (const p of packs) {
      const fd = fs.openSync(p, 'r+');
      const size = fs.fstatSync(fd).size;
      fs.writeSync(fd, Buffer.alloc(64, 0xff), 0, 64, Math.floor(size / 3));
      fs.closeSync(fd);
    }
    const standby = new LocalStandby(own.dir);
    const source = { tool: 'restic' as const, repository: repo, paths: CHOSEN, password: PASSWORD };
    const [, newest] = await resticAdapter.listSnapshots(standby, source);
    const attempts = [
      () => resticAdapter.restore(standby, source, newest, path.join(own.dir, 'out'), {}),
      async () => {
        for await (const _ of resticAdapter.manifest(standby, source, newest));
      },
    ];
    for (const attempt of attempts) {
      const err = await attempt().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(StepFailed);
      expect((err as Error).message).toContain(repo);
      expect((err as Error).message).not.toContain(PASSWORD);
    }
  });
});
