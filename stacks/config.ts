// Reads the stack's configuration (Pulumi.<stack>.yaml) and the site file it names, checks
// everything, and fails with every problem listed before a single resource is declared.
import * as pulumi from '@pulumi/pulumi';
import { loadSite } from '../src/io/load.ts';
import type { Site } from '../src/core/site.ts';
import { SpecError } from '../src/core/errors.ts';
import { planThinClients, type ThinClientPlan } from '../src/core/capacity.ts';

/** Defaults of the optional keys; Pulumi.yaml documents the same values. */
export const DEFAULTS = {
  sshUser: 'root',
  drillUser: 'drill',
  readinessTimeoutSeconds: 300,
} as const;

/** Everything the program needs, checked. */
export interface StackConfig {
  siteFile: string;
  site: Site;
  /** the user provisioning logs in as (root, or a user with passwordless sudo) */
  sshUser: string;
  /** the private key provisioning logs in with (a Pulumi secret) */
  sshPrivateKey: pulumi.Output<string>;
  drillUser: string;
  drillPublicKey: string;
  readinessTimeoutSeconds: number;
  /** free bytes the restore root needs: the site's data plus its margin */
  minFreeBytes: number;
  /** the thin-client plan, when the site has thin clients */
  thinClientPlan?: ThinClientPlan;
}

const PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( [^\n]*)?$/;

/** Read and check the configuration; throws pulumi.RunError listing every problem (no stack trace in `pulumi up`). */
export async function readStackConfig(config = new pulumi.Config('continuity')): Promise<StackConfig> {
  const problems: string[] = [];
  const key = (k: string) => `continuity:${k}`;
  const all = pulumi.runtime.allConfig();

  const siteFile = config.get('site');
  if (!siteFile) problems.push(`${key('site')}: expected the path of the site file (e.g. sites/nordby.yaml), got nothing`);
  if (all[key('sshPrivateKey')] === undefined)
    problems.push(`${key('sshPrivateKey')}: expected the provisioning SSH private key as a secret (pulumi config set --secret sshPrivateKey < key), got nothing`);
  const drillPublicKey = (config.get('drillPublicKey') ?? '').trim();
  if (!PUBLIC_KEY.test(drillPublicKey))
    problems.push(`${key('drillPublicKey')}: expected one OpenSSH public key line (ssh-ed25519 AAAA... comment), got ${drillPublicKey ? 'something else' : 'nothing'}`);
  const sshUser = config.get('sshUser') ?? DEFAULTS.sshUser;
  const drillUser = config.get('drillUser') ?? DEFAULTS.drillUser;
  for (const [k, v] of [['sshUser', sshUser], ['drillUser', drillUser]] as const)
    if (!/^[a-z_][a-z0-9_-]*$/.test(v)) problems.push(`${key(k)}: expected a user name (lower-case letters, digits, - and _), got \`${v}\``);
  if (drillUser === sshUser)
    problems.push(`${key('drillUser')}: expected a different account than ${key('sshUser')} (\`${sshUser}\`): the drill user accepts only the drill's key, so provisioning would lock itself out`);
  const timeoutText = config.get('readinessTimeoutSeconds');
  const readinessTimeoutSeconds = timeoutText === undefined ? DEFAULTS.readinessTimeoutSeconds : Number(timeoutText);
  if (!Number.isInteger(readinessTimeoutSeconds) || readinessTimeoutSeconds < 1)
    problems.push(`${key('readinessTimeoutSeconds')}: expected a whole number of seconds >= 1, got \`${timeoutText}\``);

  let site: Site | undefined;
  if (siteFile) {
    try {
      site = (await loadSite(siteFile)).data;
    } catch (err) {
      if (err instanceof SpecError) problems.push(...err.message.split('\n'));
      else if (err instanceof Error) problems.push(`${key('site')}: ${err.message}`);
      else throw err;
    }
  }
  let thinClientPlan: ThinClientPlan | undefined;
  if (site) {
    if (!site.reserve) problems.push(`${siteFile}: \`reserve\`: expected the reserve machine (reserve: { host: ... }) for the ReserveServer, got nothing`);
    if (site.thinClients) {
      thinClientPlan = planThinClients({ ...site.thinClients });
      for (const why of thinClientPlan.slow) problems.push(`${siteFile}: \`thinClients\`: the plan will be slow: ${why}`);
    }
  }
  if (problems.length) throw new pulumi.RunError(`the stack configuration has ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  const s = site as Site;
  const margin = s.standby.marginPercent ?? 10;
  return {
    siteFile: siteFile as string,
    site: s,
    sshUser,
    sshPrivateKey: config.requireSecret('sshPrivateKey'),
    drillUser,
    drillPublicKey,
    readinessTimeoutSeconds,
    minFreeBytes: Math.ceil((s.backup.dataBytes ?? 0) * (1 + margin / 100)),
    thinClientPlan,
  };
}
