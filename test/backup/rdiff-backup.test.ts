// rdiff-backup in slbackup's layout (/skole/backup/tjener holding skole/tjener/home0, etc), restored by the real tool.
import { afterAll } from 'vitest';
import { rdiffBackupAdapter } from '../../src/io/backup/rdiff-backup.ts';
import { makeBackups, type Backups } from '../support/backup-fixtures.ts';
import { adapterContract } from './adapter-contract.ts';
import { localStandby } from './local-standby.ts';

let b: Backups | undefined;
afterAll(() => b?.cleanup());

adapterContract({
  name: 'rdiff-backup adapter (slbackup layout), local standby',
  adapter: rdiffBackupAdapter,
  backups: () => (b ??= makeBackups(['rdiff-backup'])),
  repoKey: 'rdiff-backup',
  standby: localStandby,
});
