// A bare Debian machine made into a ready standby for the restore drills, over SSH:
// backup tool, restore root with room, drill user, hardened sshd, service packages, readiness.
import * as pulumi from '@pulumi/pulumi';
import { remote, types } from '@pulumi/command';
import { parseFacts, provisionStep, settingsText, sha256 } from './provision.ts';
import type { BackupToolName } from '../src/core/site.ts';

/** Inputs of a ReserveServer. */
export interface ReserveServerArgs {
  /** how provisioning reaches the bare machine (root, or a user with passwordless sudo) */
  connection: types.input.remote.ConnectionArgs;
  /** the address drills use (usually the connection's host) */
  host: string;
  port: number;
  tool: BackupToolName;
  /** pin the backup tool to this Debian package version; empty: the release's version */
  toolVersion?: string;
  restoreRoot: string;
  /** free bytes the restore root must have */
  minFreeBytes: number;
  drillUser: string;
  drillPublicKey: string;
  /** packages the restored services need to start */
  packages: string[];
  readinessTimeoutSeconds: number;
  /** folder of the provisioning scripts (default: stacks/scripts) */
  scriptDir?: string;
}

/** Where the sshd hardening drop-in goes: `00-` so it is read before any other drop-in (first value wins). */
export const SSHD_DROPIN = '/etc/ssh/sshd_config.d/00-continuity.conf';

/** The known_hosts line for a host key as the drills' SSH client looks it up (`[host]:port` unless port 22). */
export function knownHostsLineFor(host: string, port: number, hostKey: string): string {
  return `${port === 22 ? host : `[${host}]:${port}`} ${hostKey}`;
}

/** The settings each provisioning script reads on stdin, from the component's inputs. */
export function reserveSettings(args: Omit<ReserveServerArgs, 'connection' | 'scriptDir'>): Record<string, Record<string, string | number>> {
  return {
    'backup-tools': { TOOL: args.tool, TOOL_VERSION: args.toolVersion ?? '' },
    'restore-root': { RESTORE_ROOT: args.restoreRoot, MIN_FREE_BYTES: args.minFreeBytes },
    'drill-user': { DRILL_USER: args.drillUser, DRILL_PUBLIC_KEY: args.drillPublicKey },
    'sshd-hardening': { SSHD_DROPIN },
    'service-packages': { PACKAGES: args.packages.join(' ') },
    readiness: { TOOL: args.tool, RESTORE_ROOT: args.restoreRoot, DRILL_USER: args.drillUser, TIMEOUT_SECONDS: args.readinessTimeoutSeconds },
  };
}

/** A standby machine for restore drills (`continuity:infra:ReserveServer`). */
export class ReserveServer extends pulumi.ComponentResource {
  /** address and port drills connect to */
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** the account drills log in as */
  readonly user: pulumi.Output<string>;
  /** SHA256 fingerprint of the ed25519 host key, to compare with the machine's console */
  readonly hostKeyFingerprint: pulumi.Output<string>;
  /** the known_hosts line drills check the host key against */
  readonly knownHostsLine: pulumi.Output<string>;
  readonly restoreRoot: pulumi.Output<string>;
  /** backup tool name -> version the standby runs */
  readonly toolVersions: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: ReserveServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('continuity:infra:ReserveServer', name, {}, opts);
    const settings = reserveSettings(args);
    const steps: remote.Command[] = [];
    for (const step of ['backup-tools', 'restore-root', 'drill-user', 'sshd-hardening', 'service-packages'] as const) {
      steps.push(this.command(name, step, args.scriptDir, args.connection, settingsText(settings[step]), [], steps.slice(-1)));
    }
    // Readiness re-runs whenever any step changes: its triggers include theirs.
    const ready = this.command(name, 'readiness', args.scriptDir, args.connection, settingsText(settings.readiness), steps.map((s) => s.triggers), steps);
    const facts = ready.stdout.apply(parseFacts);
    this.host = pulumi.output(args.host);
    this.port = pulumi.output(args.port);
    this.user = pulumi.output(args.drillUser);
    this.restoreRoot = pulumi.output(args.restoreRoot);
    this.hostKeyFingerprint = facts.apply((f) => f.hostKeyFingerprint ?? '');
    this.knownHostsLine = facts.apply((f) => knownHostsLineFor(args.host, args.port, f.hostKey ?? ''));
    this.toolVersions = facts.apply((f) => ({ [args.tool]: f.toolVersion ?? '' }));
    this.registerOutputs({
      host: this.host,
      port: this.port,
      user: this.user,
      hostKeyFingerprint: this.hostKeyFingerprint,
      knownHostsLine: this.knownHostsLine,
      restoreRoot: this.restoreRoot,
      toolVersions: this.toolVersions,
    });
  }

  /** One remote.Command running a script, re-run (as an update, never a replace) when the script or its settings change. */
  private command(
    name: string,
    step: string,
    scriptDir: string | undefined,
    connection: types.input.remote.ConnectionArgs,
    stdin: string,
    extraTriggers: pulumi.Input<unknown>[],
    dependsOn: pulumi.Resource[],
  ): remote.Command {
    const s = provisionStep(step, scriptDir);
    return new remote.Command(
      `${name}-${step}`,
      {
        connection,
        create: s.command,
        update: s.command,
        delete: s.deleteCommand,
        stdin,
        triggers: [s.scriptHash, sha256(stdin), ...extraTriggers],
        addPreviousOutputInEnv: false,
      },
      { parent: this, dependsOn },
    );
  }
}
