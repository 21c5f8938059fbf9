// borg archives restored by the real borg (--bypass-lock, caches outside the repository) on the local standby, read-only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepFailed } from '../../src/core/errors.ts';
import { borgAdapter } from '../../src/io/backup/borg.ts';
import { LocalStandby } from '../../src/io/standby/local.ts';
import { CHOSEN, makeBackups, PASSWORD, type Backups } from '../support/backup-fixtures.ts';
import { adapterContract } from './adapter-contract.ts';
import { localStandby } from './local-standby.ts';

let b: Backups | undefined;
const backups = () => (b ??= makeBackups(['borg']));
afterAll(() => b?.cleanup());

adapterContract({ name: 'borg adapter, local standby', adapter: borgAdapter, backups, repoKey: 'borg', password: true, standby: localStandby });

describe('borg adapter: wrong passphrase', () => {
  beforeAll(() => void backups());
  it('refuses a wrong passphrase without printing either one', async () => {
    const wrong = 'not-the-passphrase-xyz';
    const err = await borgAdapter
      .listSnapshots(new LocalStandby(b!.dir), { tool: 'borg', repository: b!.repos.borg!, paths: CHOSEN, password: wrong })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(StepFailed);
    expect((err as Error).message).toContain(b!.repos.borg!);
    expect((err as Error).message).toMatch(/passphrase/i);
    expect((err as Error).message).not.toContain(wrong);
    expect((err as Error).message).not.toContain(PASSWORD);
  });
});
