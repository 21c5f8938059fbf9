// An rsync mirror restored by the real rsync, on the local standby, from a read-only view of the mirror.
import { afterAll } from 'vitest';
import { rsyncAdapter } from '../../src/io/backup/rsync.ts';
import { makeBackups, type Backups } from '../support/backup-fixtures.ts';
import { adapterContract } from './adapter-contract.ts';
import { localStandby } from './local-standby.ts';

let b: Backups | undefined;
afterAll(() => b?.cleanup());

adapterContract({
  name: 'rsync mirror adapter, local standby',
  adapter: rsyncAdapter,
  backups: () => (b ??= makeBackups(['rsync'])),
  repoKey: 'rsync',
  single: true,
  standby: localStandby,
});
