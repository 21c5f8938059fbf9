// Runs the Pulumi program under pulumi.runtime.setMocks with a stack's config file, recording
// every resource registered, so tests can read the graph, the inputs and the exports.
import * as pulumi from '@pulumi/pulumi';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** A resource as the program registered it. */
export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

/** What a fake provider prints for a command: readiness reports facts like the real script. */
function fakeStdout(name: string): string {
  if (name.endsWith('-readiness'))
    return 'fact: toolVersion=2.2.2\nfact: hostKey=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMockHostKeyForTests\nfact: hostKeyFingerprint=SHA256:mockfingerprint\nno changes\n';
  if (name.endsWith('-thin-client-server')) return 'fact: memoryMiB=8192\nno changes\n';
  return 'no changes\n';
}

/** The test's stand-in for the provisioning private key (what `pulumi config set --secret` would hold). */
export const TEST_PRIVATE_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key-used-only-under-mocks\n-----END OPENSSH PRIVATE KEY-----';

/** Set the stack's config as the Pulumi CLI hands it to the program (the stack file's values, the secret marked secret). */
export function useStackConfig(stackFile: string | null, overrides: Record<string, string | undefined> = {}, secret: string | null = TEST_PRIVATE_KEY): void {
  const config: Record<string, string> = {};
  if (stackFile) {
    const doc = parse(readFileSync(stackFile, 'utf8')) as { config: Record<string, unknown> };
    for (const [k, v] of Object.entries(doc.config)) config[k] = String(v);
  }
  if (secret !== null) config['continuity:sshPrivateKey'] = secret;
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete config[k];
    else config[k] = v;
  }
  pulumi.runtime.setAllConfig(config, secret === null ? [] : ['continuity:sshPrivateKey']);
}

/** Install mocks that record every resource; returns the list they fill. */
export async function recordResources(stack: string): Promise<Registered[]> {
  const registered: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: { ...args.inputs, stdout: fakeStdout(args.name), stderr: '' } };
      },
      call(args) {
        return args.inputs;
      },
    },
    'continuity',
    stack,
    false,
  );
  return registered;
}

/** The value inside an Output (resolves after the mocks have run). */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => (resolve(v), v)));
}

/** Whether a resource input arrived at the engine marked secret (Pulumi's secret signature). */
export function isSecretInput(v: unknown): v is { value: any } {
  return typeof v === 'object' && v !== null && (v as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
}

/** Whether an Output is marked secret. */
export function secretOf(o: pulumi.Output<unknown>): Promise<boolean> {
  return pulumi.isSecret(o);
}
