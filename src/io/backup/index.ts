// The adapter for a site's `backup.tool`.
import { ConfigError } from '../../core/errors.ts';
import type { BackupToolName } from '../../core/site.ts';
import { rdiffBackupAdapter } from './rdiff-backup.ts';
import { borgAdapter } from './borg.ts';
import { resticAdapter } from './restic.ts';
import { rsyncAdapter } from './rsync.ts';
import { tarAdapter } from './tar.ts';
import type { BackupAdapter } from './types.ts';

const ADAPTERS: Partial<Record<BackupToolName, BackupAdapter>> = {
  tar: tarAdapter,
  rsync: rsyncAdapter,
  'rdiff-backup': rdiffBackupAdapter,
  restic: resticAdapter,
  borg: borgAdapter,
};

/** The adapter that drives `tool`; a tool without one is a configuration error. */
export function adapterFor(tool: BackupToolName): BackupAdapter {
  const a = ADAPTERS[tool];
  if (!a) throw new ConfigError(`expected backup.tool to be one of ${Object.keys(ADAPTERS).join(', ')}, got \`${tool}\``);
  return a;
}
