// Triggers: a changed script or setting re-runs exactly that step (and the readiness poll), nothing else.
import { beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, cpSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { recordResources, valueOf, type Registered } from './mock-run.ts';
import { ReserveServer, type ReserveServerArgs } from '../reserve-server.ts';
import { tempDir } from '../../test/support/temp-dir.ts';

let resources: Registered[];

// the copies are made in beforeAll; they live in one folder made now, removed after the file's tests
const copies = tempDir('continuity-scripts-');

/** A private copy of stacks/scripts, optionally with one script edited. */
function scripts(edit?: { file: string; append: string }): string {
  const dir = mkdtempSync(path.join(copies, 'scripts-'));
  cpSync('stacks/scripts', dir, { recursive: true });
  if (edit) appendFileSync(path.join(dir, edit.file), edit.append);
  return dir;
}

const base: Omit<ReserveServerArgs, 'scriptDir'> = {
  connection: { host: '192.0.2.10', user: 'root', privateKey: 'k' },
  host: '192.0.2.10',
  port: 22,
  tool: 'restic',
  restoreRoot: '/srv/restore',
  minFreeBytes: 1000,
  drillUser: 'drill',
  drillPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleExampleExampleExampleExampleExample drill',
  packages: ['apache2'],
  readinessTimeoutSeconds: 60,
};

/** step name -> triggers, for the ReserveServer named `name` */
function triggersOf(name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of resources.filter((x) => x.name.startsWith(`${name}-`))) out[r.name.slice(name.length + 1)] = JSON.stringify(r.inputs.triggers);
  return out;
}

/** the steps whose triggers differ between two servers */
function changedSteps(a: string, b: string): string[] {
  const ta = triggersOf(a);
  const tb = triggersOf(b);
  return Object.keys(ta).filter((k) => ta[k] !== tb[k]).sort();
}

beforeAll(async () => {
  resources = await recordResources('triggers');
  const servers = [
    new ReserveServer('base', { ...base, scriptDir: scripts() }),
    new ReserveServer('same', { ...base, scriptDir: scripts() }),
    new ReserveServer('edited', { ...base, scriptDir: scripts({ file: 'drill-user.sh', append: '# a new comment\n' }) }),
    new ReserveServer('prelude', { ...base, scriptDir: scripts({ file: '_prelude.sh', append: '# shared change\n' }) }),
    new ReserveServer('packages', { ...base, scriptDir: scripts(), packages: ['apache2', 'slapd'] }),
  ];
  await Promise.all(servers.map((s) => valueOf(s.knownHostsLine)));
});

describe('provisioning triggers', () => {
  it('every step is a command with triggers', () => {
    expect(Object.keys(triggersOf('base')).sort()).toEqual(['backup-tools', 'drill-user', 'readiness', 'restore-root', 'service-packages', 'sshd-hardening']);
  });

  it('do not change when nothing changed', () => {
    expect(changedSteps('base', 'same')).toEqual([]);
  });

  it('change for the edited script and the readiness poll only', () => {
    expect(changedSteps('base', 'edited')).toEqual(['drill-user', 'readiness']);
  });

  it('change for every step when the shared prelude changes', () => {
    expect(changedSteps('base', 'prelude')).toEqual(['backup-tools', 'drill-user', 'readiness', 'restore-root', 'service-packages', 'sshd-hardening']);
  });

  it('change for the step whose settings changed, and the readiness poll', () => {
    expect(changedSteps('base', 'packages')).toEqual(['readiness', 'service-packages']);
  });
});
