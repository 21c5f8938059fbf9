// Open the standby a site file names: a local directory, or a machine over SSH with its host key checked.
import { stat } from 'node:fs/promises';
import { ConfigError } from '../../core/errors.ts';
import { parseSshTarget, resolveSitePath, type Site } from '../../core/site.ts';
import { LocalStandby } from './local.ts';
import type { Standby } from './types.ts';

/** The site's standby, ready to run commands; for ssh the connection is open, the host key verified and (with `sudo`) root checked. */
export async function openStandby(site: Site, siteFile: string): Promise<Standby> {
  const sb = site.standby;
  const field = (name: string) => `${siteFile}: \`standby.${name}\``;
  if (sb.local && sb.ssh) throw new ConfigError(`${siteFile}: \`standby\`: expected exactly one of \`ssh\` or \`local\`, got both`);
  if (sb.local) return new LocalStandby(resolveSitePath(siteFile, sb.local));
  if (!sb.ssh) throw new ConfigError(`${siteFile}: \`standby\`: expected \`ssh\` or \`local\`, got neither`);

  let target: { user: string; host: string; port: number };
  try {
    target = parseSshTarget(sb.ssh);
  } catch {
    throw new ConfigError(`${field('ssh')}: expected user@host[:port], got \`${sb.ssh}\``);
  }
  if (!sb.knownHosts) throw new ConfigError(`${field('knownHosts')}: expected a known_hosts file for the ssh standby (host keys are always checked), got nothing`);
  if (!sb.identityFile) throw new ConfigError(`${field('identityFile')}: expected the private key that logs in to the standby, got nothing`);
  const knownHostsFile = resolveSitePath(siteFile, sb.knownHosts);
  const identityFile = resolveSitePath(siteFile, sb.identityFile);
  await mustBeFile(knownHostsFile, field('knownHosts'), 'known_hosts file');
  const mode = await mustBeFile(identityFile, field('identityFile'), 'private key file');
  if (mode & 0o077)
    throw new ConfigError(`${field('identityFile')}: expected a private key only its owner can read, got \`${identityFile}\` with mode ${(mode & 0o777).toString(8)} (ssh refuses it; chmod 600 it)`);

  const { SshStandby } = await import('./ssh.ts');
  return SshStandby.connect({ user: target.user, host: target.host, port: target.port, identityFile, knownHostsFile, sudo: sb.sudo ?? false });
}

async function mustBeFile(file: string, field: string, what: string): Promise<number> {
  const st = await stat(file).catch((e: NodeJS.ErrnoException) => {
    throw new ConfigError(`${field}: expected an existing ${what}, got \`${file}\` (${e.code === 'ENOENT' ? 'not found' : e.code ?? e.message})`);
  });
  if (!st.isFile()) throw new ConfigError(`${field}: expected a ${what}, got \`${file}\` (not a regular file)`);
  return st.mode;
}
