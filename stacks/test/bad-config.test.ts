// A bad stack configuration fails with every problem named, before any resource is declared.
import { describe, expect, it, vi } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { recordResources, useStackConfig } from './mock-run.ts';
import { tempDir } from '../../test/support/temp-dir.ts';

/** A copy of sites/nordby.yaml with `edit` applied, in a temp folder. */
function siteWith(edit: (text: string) => string): string {
  const file = path.join(tempDir('continuity-stack-'), 'site.yaml');
  writeFileSync(file, edit(readFileSync('sites/nordby.yaml', 'utf8')));
  return file;
}

/** Run the program (a fresh instance each time) and return what it threw. */
async function runProgram(): Promise<Error | null> {
  vi.resetModules();
  return import('../index.ts').then(
    () => null,
    (e: unknown) => e as Error,
  );
}

describe('bad stack configuration (mocks)', () => {
  it('names the missing secret, the bad key and the bad site field, and declares nothing', async () => {
    const site = siteWith((t) => t.replace('restoreRoot: /srv/restore', 'restoreRoot: /srv/restore\n  colour: blue'));
    useStackConfig('Pulumi.nordby.yaml', { 'continuity:site': site, 'continuity:drillPublicKey': 'AAAA no key here' }, null);
    const resources = await recordResources('broken');
    const err = await runProgram();
    expect(err?.constructor.name).toBe('RunError');
    const lines = err!.message.split('\n').map((l) => l.trim());
    expect(lines[0]).toBe('the stack configuration has 3 problem(s):');
    expect(lines).toContain(
      'continuity:sshPrivateKey: expected the provisioning SSH private key as a secret (pulumi config set --secret sshPrivateKey < key), got nothing',
    );
    expect(lines).toContain('continuity:drillPublicKey: expected one OpenSSH public key line (ssh-ed25519 AAAA... comment), got something else');
    expect(lines).toContain(`${site}:23:3: \`standby.colour\`: unknown field \`colour\` (expected one of the documented fields; check the spelling)`);
    expect(resources).toEqual([]);
  });

  it('refuses a thin-client plan the seed\'s rules say will be slow, before any resource', async () => {
    const site = siteWith((t) => t.replace('sla: ../fixtures/sla.yaml', `sla: ${path.resolve('fixtures/sla.yaml')}`).replace('clients: 45', 'clients: 60'));
    useStackConfig('Pulumi.nordby.yaml', { 'continuity:site': site });
    const resources = await recordResources('slow');
    const err = await runProgram();
    const lines = err!.message.split('\n').map((l) => l.trim());
    expect(lines).toEqual([
      'the stack configuration has 1 problem(s):',
      `${site}: \`thinClients\`: the plan will be slow: 60 clients need 2 servers at most 50 sessions each, got 1: add 1 thin-client server(s) or use diskless workstations`,
    ]);
    expect(resources).toEqual([]);
  });

  it('refuses a drill user that is the provisioning user (it would lock provisioning out)', async () => {
    useStackConfig('Pulumi.nordby.yaml', { 'continuity:drillUser': 'root' });
    const resources = await recordResources('same-user');
    const err = await runProgram();
    expect(err!.message).toContain(
      "continuity:drillUser: expected a different account than continuity:sshUser (`root`): the drill user accepts only the drill's key, so provisioning would lock itself out",
    );
    expect(resources).toEqual([]);
  });
});
