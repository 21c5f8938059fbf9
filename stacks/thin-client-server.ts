// An LTSP or X2Go thin-client server, sized by the seed's capacity rules (src/core/capacity.ts).
import * as pulumi from '@pulumi/pulumi';
import { remote, types } from '@pulumi/command';
import { parseFacts, provisionStep, settingsText, sha256 } from './provision.ts';
import type { ServerSizing } from '../src/core/capacity.ts';

/** Inputs of a ThinClientServer: one server's share of a checked plan. */
export interface ThinClientServerArgs {
  connection: types.input.remote.ConnectionArgs;
  system: 'ltsp' | 'x2go';
  /** this server's part of the plan from planThinClients (which must have no `slow` reasons) */
  sizing: ServerSizing;
  /** network swap each low-memory client needs (0: none) */
  clientSwapMiB: number;
}

/** A thin-client server (`continuity:infra:ThinClientServer`). */
export class ThinClientServer extends pulumi.ComponentResource {
  readonly system: pulumi.Output<string>;
  /** sessions the plan gives this server */
  readonly sessions: pulumi.Output<number>;
  /** memory the plan says the sessions need */
  readonly requiredMemoryMiB: pulumi.Output<number>;
  /** memory the machine reported */
  readonly memoryMiB: pulumi.Output<number>;
  readonly clientSwapMiB: pulumi.Output<number>;

  constructor(name: string, args: ThinClientServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('continuity:infra:ThinClientServer', name, {}, opts);
    if (args.sizing.memoryMiB < args.sizing.requiredMemoryMiB)
      throw new pulumi.RunError(
        `thin-client server \`${args.sizing.name}\`: the plan will be slow: ${args.sizing.sessions} sessions need ${args.sizing.requiredMemoryMiB} MiB, the server has ${args.sizing.memoryMiB} MiB`,
      );
    const step = provisionStep('thin-client-server');
    const stdin = settingsText({
      SYSTEM: args.system,
      SESSIONS: args.sizing.sessions,
      REQUIRED_MEMORY_MIB: args.sizing.requiredMemoryMiB,
      CLIENT_SWAP_MIB: args.clientSwapMiB,
    });
    const cmd = new remote.Command(
      `${name}-thin-client-server`,
      {
        connection: args.connection,
        create: step.command,
        update: step.command,
        stdin,
        triggers: [step.scriptHash, sha256(stdin)],
        addPreviousOutputInEnv: false,
      },
      { parent: this },
    );
    this.system = pulumi.output(args.system);
    this.sessions = pulumi.output(args.sizing.sessions);
    this.requiredMemoryMiB = pulumi.output(args.sizing.requiredMemoryMiB);
    this.memoryMiB = cmd.stdout.apply((out) => Number(parseFacts(out).memoryMiB ?? 0));
    this.clientSwapMiB = pulumi.output(args.clientSwapMiB);
    this.registerOutputs({
      system: this.system,
      sessions: this.sessions,
      requiredMemoryMiB: this.requiredMemoryMiB,
      memoryMiB: this.memoryMiB,
      clientSwapMiB: this.clientSwapMiB,
    });
  }
}
