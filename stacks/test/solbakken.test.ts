// The solbakken example stack under Pulumi mocks: a sudo user, a pinned restic, X2Go with client swap.
import { beforeAll, describe, expect, it } from 'vitest';
import { isSecretInput, recordResources, useStackConfig, valueOf, type Registered } from './mock-run.ts';

let resources: Registered[];
let program: typeof import('../index.ts');

beforeAll(async () => {
  useStackConfig('Pulumi.solbakken.yaml');
  resources = await recordResources('solbakken');
  program = await import('../index.ts');
  await valueOf(program.standbyKnownHostsLine);
});

const inputs = (n: string) => resources.find((r) => r.name === n)!.inputs;

describe('stack solbakken (mocks)', () => {
  it('declares the reserve server and one X2Go server', () => {
    expect(resources.filter((r) => r.type.startsWith('continuity:')).map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      'continuity:infra:ReserveServer solbakken-reserve',
      'continuity:infra:ThinClientServer solbakken-x2go1',
    ]);
    expect(resources.filter((r) => r.type === 'command:remote:Command')).toHaveLength(7);
  });

  it('pins the backup tool to the site\'s version and logs in as the sudo user', () => {
    expect(inputs('solbakken-reserve-backup-tools').stdin).toBe('TOOL=restic\nTOOL_VERSION=0.14.0-1+b5\n');
    const conn = inputs('solbakken-reserve-backup-tools').connection;
    expect(isSecretInput(conn)).toBe(true);
    expect(conn.value).toMatchObject({ host: '10.30.0.50', port: 22, user: 'admin' });
  });

  it('sizes the X2Go server from the site and gives the 48 MiB clients network swap', async () => {
    expect(inputs('solbakken-x2go1-thin-client-server').stdin).toBe('CLIENT_SWAP_MIB=64\nREQUIRED_MEMORY_MIB=4448\nSESSIONS=24\nSYSTEM=x2go\n');
    expect(await valueOf(program.thinClients)).toEqual([{ system: 'x2go', sessions: 24, requiredMemoryMiB: 4448, memoryMiB: 8192, clientSwapMiB: 64 }]);
  });

  it('exports the standby for the site file, with the restic version', async () => {
    expect(await valueOf(program.standbyHost)).toBe('10.30.0.50');
    expect(await valueOf(program.standbyToolVersions)).toEqual({ restic: '2.2.2' }); // the mock's readiness output
    expect(await valueOf(program.standbyRestoreRoot)).toBe('/srv/restore');
  });
});
