// The site model (continuity/v1, kind: site): one school, its backup, its standby, its probes.
import path from 'node:path';
import type { SpecIssue } from './errors.ts';
import { formatPath, type LoadedSpec } from '../io/spec-file.ts';

export type BackupToolName = 'rdiff-backup' | 'restic' | 'borg' | 'rsync' | 'tar';

export interface Probe {
  name: string;
  run?: string;
  expect?: { exitCode?: number; output?: string };
  tcp?: number;
  host?: string;
  timeout?: string;
}

export interface Site {
  version: 'continuity/v1';
  kind: 'site';
  name: string;
  sla: string;
  production?: string[];
  backup: { tool: BackupToolName; repository: string; paths?: string[]; passwordFile?: string; dataBytes?: number; checksums?: string; judgeProjection?: boolean };
  standby: {
    ssh?: string;
    local?: string;
    identityFile?: string;
    knownHosts?: string;
    /** ssh only: run every drill command as root through `sudo -n` (the login user is not root) */
    sudo?: boolean;
    restoreRoot: string;
    marginPercent?: number;
  };
  /** the reserve machine the Pulumi stack provisions into the standby */
  reserve?: { host: string; port?: number; hostKey: string; toolVersion?: string; packages?: string[] };
  /** thin clients and their servers, sized by src/core/capacity.ts */
  thinClients?: {
    system: 'ltsp' | 'x2go';
    clients: number;
    clientMemoryMiB: number;
    multimedia?: boolean;
    servers: { name: string; host: string; port?: number; hostKey: string; memoryMiB: number }[];
  };
  services?: Probe[];
  timeouts?: Partial<Record<'preflight' | 'restore' | 'verify' | 'services' | 'cleanup', string>>;
  [extra: string]: unknown;
}

/** A path written in a site file, resolved against the file's folder. Remote `user@host:/p` stays as is. */
export function resolveSitePath(siteFile: string, p: string): string {
  if (/^[^/]+@[^:/]+:/.test(p)) return p;
  return path.resolve(path.dirname(siteFile), p);
}

/** Parse `user@host[:port]`. */
export function parseSshTarget(s: string): { user: string; host: string; port: number } {
  const m = /^([^@]+)@(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(s);
  if (!m) throw new Error(`expected user@host[:port], got \`${s}\``);
  return { user: m[1], host: m[2].replace(/^\[|\]$/g, ''), port: m[3] ? Number(m[3]) : 22 };
}

/** Semantic checks: secrets needed by the tool, ssh standbys need key material, not a production host. */
export function checkSite(spec: LoadedSpec<Site>): SpecIssue[] {
  const s = spec.data;
  const issues: SpecIssue[] = [];
  const add = (p: (string | number)[], message: string) => issues.push({ ...spec.locate(p), path: formatPath(p), message });
  if ((s.backup.tool === 'restic' || s.backup.tool === 'borg') && !s.backup.passwordFile)
    add(['backup'], `expected \`passwordFile\` for ${s.backup.tool} (the repository is encrypted), got nothing`);
  if (s.backup.checksums !== undefined && s.backup.tool !== 'rsync' && s.backup.tool !== 'tar')
    add(['backup', 'checksums'], `expected \`checksums\` only for rsync or tar (${s.backup.tool} checks its own content), got it with \`tool: ${s.backup.tool}\``);
  if (s.backup.checksums !== undefined && s.backup.tool === 'rsync' && /^[^/]+@[^:/]+:/.test(s.backup.repository))
    add(['backup', 'checksums'], 'expected `checksums` with a mirror the standby mounts (a path), got it with a repository reached over SSH');
  if (s.backup.judgeProjection && s.backup.dataBytes === undefined)
    add(['backup', 'judgeProjection'], 'expected `dataBytes` beside `judgeProjection: true` (the size the projection is for), got no `dataBytes`');
  if (s.standby.ssh) {
    if (!s.standby.knownHosts) add(['standby'], 'expected `knownHosts` for an ssh standby (host keys are always checked), got nothing');
    try {
      const { host, port } = parseSshTarget(s.standby.ssh);
      if (port < 1 || port > 65535) add(['standby', 'ssh'], `expected a port from 1 to 65535, got \`${port}\``);
      if ((s.production ?? []).some((p) => p === host))
        add(['standby', 'ssh'], `expected a standby that is not a production host, got \`${host}\` (listed under production)`);
    } catch {
      add(['standby', 'ssh'], `expected user@host[:port], got \`${s.standby.ssh}\``);
    }
  }
  if (s.standby.sudo && s.standby.local)
    add(['standby', 'sudo'], 'expected `sudo` only for an `ssh` standby (a local standby runs as you), got `sudo: true` with `local`');
  if (!s.standby.restoreRoot.startsWith('/')) add(['standby', 'restoreRoot'], `expected an absolute path, got \`${s.standby.restoreRoot}\``);
  return issues;
}
