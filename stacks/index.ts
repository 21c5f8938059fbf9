// Deploys: for one school (one stack per school, Pulumi.<school>.yaml), from its site file
//   - a ReserveServer: the bare Debian reserve machine made into the standby the drills restore onto;
//   - one ThinClientServer per thin-client server the site lists, sized by the seed's capacity rules.
// Everything is done over SSH by remote.Command running the scripts in stacks/scripts/.
import * as pulumi from '@pulumi/pulumi';
import { readStackConfig } from './config.ts';
import { ReserveServer } from './reserve-server.ts';
import { ThinClientServer } from './thin-client-server.ts';

// Config (defaults in stacks/config.ts DEFAULTS and Pulumi.yaml): continuity:site (required),
// continuity:sshPrivateKey (required, secret), continuity:drillPublicKey (required),
// continuity:sshUser = root, continuity:drillUser = drill, continuity:readinessTimeoutSeconds = 300.
const cfg = await readStackConfig();
const site = cfg.site;
const reserve = site.reserve!;
// Every connection checks the machine's host key (from the site file); without it remote.Command would ignore it.
const connectionTo = (host: string, hostKey: string, port = 22) => ({ host, port, hostKey, user: cfg.sshUser, privateKey: cfg.sshPrivateKey });

// The reserve machine: one per school, kept at the municipality building.
const standby = new ReserveServer(`${site.name}-reserve`, {
  connection: connectionTo(reserve.host, reserve.hostKey, reserve.port),
  host: reserve.host,
  port: reserve.port ?? 22,
  tool: site.backup.tool,
  toolVersion: reserve.toolVersion,
  restoreRoot: site.standby.restoreRoot,
  minFreeBytes: cfg.minFreeBytes,
  drillUser: cfg.drillUser,
  drillPublicKey: cfg.drillPublicKey,
  packages: reserve.packages ?? [],
  readinessTimeoutSeconds: cfg.readinessTimeoutSeconds,
});

// Thin-client servers: the plan was checked in readStackConfig (a slow plan never gets here).
const plan = cfg.thinClientPlan;
const thinClientServers = (site.thinClients?.servers ?? []).map(
  (server, i) =>
    new ThinClientServer(`${site.name}-${server.name}`, {
      connection: connectionTo(server.host, server.hostKey, server.port),
      system: site.thinClients!.system,
      sizing: plan!.servers[i],
      clientSwapMiB: plan!.clientSwapMiB,
    }),
);

// Outputs: exactly what the site file's `standby:` needs (`continuity standby from-pulumi`).
export const standbyHost = standby.host;
export const standbyPort = standby.port;
export const standbyUser = standby.user;
export const standbyHostKeyFingerprint = standby.hostKeyFingerprint;
export const standbyKnownHostsLine = standby.knownHostsLine;
export const standbyRestoreRoot = standby.restoreRoot;
export const standbyToolVersions = standby.toolVersions;
export const thinClients = pulumi.all(
  thinClientServers.map((t) => pulumi.output({ system: t.system, sessions: t.sessions, requiredMemoryMiB: t.requiredMemoryMiB, memoryMiB: t.memoryMiB, clientSwapMiB: t.clientSwapMiB })),
);
