// The seed's thin-client rules, checked against the field reports they come from.
import { describe, expect, it } from 'vitest';
import { DEFAULT_THIN_CLIENT_RULES, planThinClients } from '../../src/core/capacity.ts';

const server = (name: string, memoryMiB: number) => ({ name, memoryMiB });

describe('thin-client sizing (seed: Capacity Management)', () => {
  it('a school with 40 clients on one 8 GiB server is within every rule', () => {
    const plan = planThinClients({ clients: 40, clientMemoryMiB: 512, servers: [server('ltsp1', 8192)] });
    expect(plan.slow).toEqual([]);
    expect(plan.servers).toEqual([{ name: 'ltsp1', sessions: 40, memoryMiB: 8192, requiredMemoryMiB: 2048 + 40 * 100 }]);
    expect(plan.serversNeeded).toBe(1);
    expect(plan.clientSwapMiB).toBe(0);
    expect(plan.disklessPossible).toBe(true);
  });

  it('60 clients on one server is refused: the seed says install another thin-client server', () => {
    const plan = planThinClients({ clients: 60, clientMemoryMiB: 128, servers: [server('ltsp1', 16384)] });
    expect(plan.serversNeeded).toBe(2);
    expect(plan.slow).toEqual([
      '60 clients need 2 servers at most 50 sessions each, got 1: add 1 thin-client server(s) or use diskless workstations',
    ]);
  });

  it('adding 20 clients without memory is refused with the memory to add (seed: "install 2GB more memory")', () => {
    const before = planThinClients({ clients: 20, clientMemoryMiB: 128, servers: [server('ltsp1', 4096)] });
    expect(before.slow).toEqual([]);
    const after = planThinClients({ clients: 40, clientMemoryMiB: 128, servers: [server('ltsp1', 4096)] });
    expect(after.slow).toEqual(['server `ltsp1` needs 6048 MiB for 40 sessions (2048 + 40 x 100), has 4096 MiB: add 1952 MiB']);
    // the seed's remedy: 2 GB more memory makes the same plan acceptable
    expect(planThinClients({ clients: 40, clientMemoryMiB: 128, servers: [server('ltsp1', 4096 + 2048)] }).slow).toEqual([]);
  });

  it('multimedia use lowers the ceiling (seed: flash is slow with 50 students on one server)', () => {
    const plain = planThinClients({ clients: 50, clientMemoryMiB: 512, servers: [server('a', 16384)] });
    expect(plain.slow).toEqual([]);
    const flash = planThinClients({ clients: 50, clientMemoryMiB: 512, multimedia: true, servers: [server('a', 16384)] });
    expect(flash.maxSessionsPerServer).toBe(DEFAULT_THIN_CLIENT_RULES.maxMultimediaSessionsPerServer);
    expect(flash.slow[0]).toMatch(/^50 clients need 2 servers at most 30 sessions each \(multimedia use\), got 1/);
  });

  it('clients spread evenly over the servers, the first ones taking the remainder', () => {
    const plan = planThinClients({ clients: 75, clientMemoryMiB: 256, servers: [server('a', 8192), server('b', 8192)] });
    expect(plan.servers.map((s) => s.sessions)).toEqual([38, 37]);
    expect(plan.slow).toEqual([]);
  });

  it('low-memory clients get network swap (seed: 32 MB clients do not start without swap)', () => {
    expect(planThinClients({ clients: 10, clientMemoryMiB: 32, servers: [server('a', 8192)] }).clientSwapMiB).toBe(64);
    expect(planThinClients({ clients: 10, clientMemoryMiB: 64, servers: [server('a', 8192)] }).clientSwapMiB).toBe(0);
    expect(planThinClients({ clients: 10, clientMemoryMiB: 255, servers: [server('a', 8192)] }).disklessPossible).toBe(false);
  });

  it('reports every broken rule at once, and a plan without servers', () => {
    const plan = planThinClients({ clients: 120, clientMemoryMiB: 64, servers: [server('a', 2048), server('b', 4096)] });
    expect(plan.slow).toHaveLength(3);
    expect(planThinClients({ clients: 5, clientMemoryMiB: 64, servers: [] }).slow).toEqual([
      'expected at least one thin-client server for 5 clients, got none',
    ]);
  });
});
