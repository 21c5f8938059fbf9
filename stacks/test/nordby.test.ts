// The nordby example stack under Pulumi mocks: graph, inputs, outputs, secrets.
import { beforeAll, describe, expect, it } from 'vitest';
import { isSecretInput, recordResources, secretOf, TEST_PRIVATE_KEY, useStackConfig, valueOf, type Registered } from './mock-run.ts';

let resources: Registered[];
let program: typeof import('../index.ts');

beforeAll(async () => {
  useStackConfig('Pulumi.nordby.yaml');
  resources = await recordResources('nordby');
  program = await import('../index.ts');
  await valueOf(program.standbyKnownHostsLine); // let every registration land
});

describe('stack nordby (mocks)', () => {
  it('declares one ReserveServer with its six provisioning commands, and one LTSP server', () => {
    expect(resources.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      'command:remote:Command nordby-ltsp1-thin-client-server',
      'command:remote:Command nordby-reserve-backup-tools',
      'command:remote:Command nordby-reserve-drill-user',
      'command:remote:Command nordby-reserve-readiness',
      'command:remote:Command nordby-reserve-restore-root',
      'command:remote:Command nordby-reserve-service-packages',
      'command:remote:Command nordby-reserve-sshd-hardening',
      'continuity:infra:ReserveServer nordby-reserve',
      'continuity:infra:ThinClientServer nordby-ltsp1',
    ]);
  });

  it('passes the site file\'s settings to the scripts on stdin', () => {
    const stdin = (n: string) => resources.find((r) => r.name === n)!.inputs.stdin;
    expect(stdin('nordby-reserve-backup-tools')).toBe('TOOL=rdiff-backup\nTOOL_VERSION=\n');
    expect(stdin('nordby-reserve-restore-root')).toBe(`MIN_FREE_BYTES=${Math.ceil(53687091200 * 1.1)}\nRESTORE_ROOT=/srv/restore\n`);
    expect(stdin('nordby-reserve-service-packages')).toBe('PACKAGES=nfs-kernel-server slapd ldap-utils apache2\n');
    expect(stdin('nordby-reserve-drill-user')).toMatch(/^DRILL_PUBLIC_KEY=ssh-ed25519 \S+ continuity-drill@nordby\nDRILL_USER=drill\n$/);
    expect(stdin('nordby-ltsp1-thin-client-server')).toBe('CLIENT_SWAP_MIB=0\nREQUIRED_MEMORY_MIB=6548\nSESSIONS=45\nSYSTEM=ltsp\n');
  });

  it('runs the real script files, as root, with delete steps where undoing makes sense', () => {
    const cmd = (n: string) => resources.find((r) => r.name === n)!.inputs;
    expect(cmd('nordby-reserve-drill-user').create).toContain('useradd --create-home');
    expect(cmd('nordby-reserve-drill-user').create).toContain('sudo -n /bin/sh -c');
    expect(cmd('nordby-reserve-drill-user').update).toBe(cmd('nordby-reserve-drill-user').create);
    expect(cmd('nordby-reserve-drill-user').delete).toContain('userdel --remove');
    expect(cmd('nordby-reserve-sshd-hardening').delete).toContain('rm -f "$SSHD_DROPIN"');
    expect(cmd('nordby-reserve-backup-tools').delete).toBeUndefined();
    expect(cmd('nordby-reserve-drill-user').connection.value).toMatchObject({ host: '10.20.0.50', port: 22, user: 'root' });
  });

  it('checks every machine\'s host key: each connection carries the key the site file lists', async () => {
    const { loadSite } = await import('../../src/io/load.ts');
    const site = (await loadSite('sites/nordby.yaml')).data;
    for (const r of resources.filter((x) => x.type === 'command:remote:Command')) {
      const expected = r.name.startsWith('nordby-reserve-') ? site.reserve!.hostKey : site.thinClients!.servers[0].hostKey;
      expect(r.inputs.connection.value.hostKey, r.name).toBe(expected);
    }
  });

  it('exports exactly what the site file\'s standby section needs', async () => {
    expect(Object.keys(program).sort()).toEqual([
      'standbyHost', 'standbyHostKeyFingerprint', 'standbyKnownHostsLine', 'standbyPort', 'standbyRestoreRoot', 'standbyToolVersions', 'standbyUser', 'thinClients',
    ]);
    expect(await valueOf(program.standbyHost)).toBe('10.20.0.50');
    expect(await valueOf(program.standbyUser)).toBe('drill');
    expect(await valueOf(program.standbyRestoreRoot)).toBe('/srv/restore');
    expect(await valueOf(program.standbyHostKeyFingerprint)).toBe('SHA256:mockfingerprint');
    expect(await valueOf(program.standbyKnownHostsLine)).toBe('10.20.0.50 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMockHostKeyForTests');
    expect(await valueOf(program.standbyToolVersions)).toEqual({ 'rdiff-backup': '2.2.2' });
    expect(await valueOf(program.thinClients)).toEqual([{ system: 'ltsp', sessions: 45, requiredMemoryMiB: 6548, memoryMiB: 8192, clientSwapMiB: 0 }]);
  });

  it('keeps the provisioning key secret: only in the connection, never in a script, stdin or output', async () => {
    for (const r of resources.filter((x) => x.type === 'command:remote:Command')) {
      const { connection, ...rest } = r.inputs;
      expect(isSecretInput(connection), r.name).toBe(true);
      expect(connection.value.privateKey).toBe(TEST_PRIVATE_KEY);
      expect(JSON.stringify(rest)).not.toContain('not-a-real-key');
    }
    for (const [name, out] of Object.entries(program)) {
      expect(JSON.stringify(await valueOf(out as any)), name).not.toContain('not-a-real-key');
      expect(await secretOf(out as any), name).toBe(false);
    }
  });
});
