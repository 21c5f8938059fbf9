// The two things a drill needs from other modules: the adapter for a backup tool and an SSH standby,
// loaded lazily so `continuity --help` stays fast.
import { ConfigError } from '../core/errors.ts';
import type { BackupToolName, Site } from '../core/site.ts';
import type { BackupAdapter } from '../io/backup/types.ts';
import type { Standby } from '../io/standby/types.ts';


/** The adapter for a backup tool (`adapterFor` of src/io/backup/index.ts). */
export async function loadAdapter(tool: BackupToolName): Promise<BackupAdapter> {
  const { adapterFor } = await import('../io/backup/index.ts');
  return adapterFor(tool);
}

/** An SSH standby for the site, host key checked (`openStandby` of src/io/standby/open.ts). */
export async function openSshStandby(site: Site, siteFile: string): Promise<Standby> {
  if (!site.standby.ssh) throw new ConfigError(`${siteFile}: \`standby\`: expected \`ssh\` or \`local\`, got neither`);
  const { openStandby } = await import('../io/standby/open.ts');
  return openStandby(site, siteFile);
}
