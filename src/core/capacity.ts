// Thin-client sizing rules from the seed's "Capacity Management" section, as pure arithmetic:
// how many sessions one server carries, how much memory they need, which clients need swap,
// and why a plan will be slow. No I/O: the stack and the capacity report both call this.

/** The numbers behind the rules; each default cites the seed's field report it comes from. */
export interface ThinClientRules {
  /** "has 60 thin clients connected to the server and wants more PCs -> install another thin client server": keep a margin below 60 */
  maxSessionsPerServer: number;
  /** "flash animations make the thin clients slow when 50 students are logged into the same server": lower ceiling for multimedia use */
  maxMultimediaSessionsPerServer: number;
  /** "slow after we expanded with 20 pieces -> install 2 GB more memory": 2048 MiB / 20 sessions */
  memoryPerSessionMiB: number;
  /** memory the server needs before the first session (operating system, display manager, services) */
  baseMemoryMiB: number;
  /** "thin clients with 32 MB memory do not start ... turn on swapping": clients below this need network swap */
  swapBelowClientMiB: number;
  /** network swap given to each low-memory client */
  clientSwapMiB: number;
  /** "install diskless workstations (> 800 MHz processor, > 256 MB RAM)": clients at or above this could run as diskless workstations */
  disklessFromClientMiB: number;
}

/** The seed's rules with the figures its field reports give. */
export const DEFAULT_THIN_CLIENT_RULES: ThinClientRules = {
  maxSessionsPerServer: 50,
  maxMultimediaSessionsPerServer: 30,
  memoryPerSessionMiB: 100,
  baseMemoryMiB: 2048,
  swapBelowClientMiB: 64,
  clientSwapMiB: 64,
  disklessFromClientMiB: 256,
};

/** One thin-client server as the site describes it. */
export interface ThinClientServerInput {
  name: string;
  memoryMiB: number;
}

/** What the site says about its thin clients. */
export interface ThinClientDemand {
  /** number of thin clients that may be logged in at once */
  clients: number;
  /** memory in each thin client */
  clientMemoryMiB: number;
  /** students run video/animation-heavy material (the seed's "flash animations") */
  multimedia?: boolean;
  servers: ThinClientServerInput[];
}

/** The sizing of one server in a plan. */
export interface ServerSizing {
  name: string;
  sessions: number;
  memoryMiB: number;
  requiredMemoryMiB: number;
}

/** A sized plan; `slow` lists every rule the plan breaks (empty: the rules expect it to be fast enough). */
export interface ThinClientPlan {
  servers: ServerSizing[];
  maxSessionsPerServer: number;
  /** servers the rules need for this many clients */
  serversNeeded: number;
  /** network swap per client (0: clients have enough memory) */
  clientSwapMiB: number;
  /** clients have enough memory to run as diskless workstations instead */
  disklessPossible: boolean;
  slow: string[];
}

/** Spread the clients over the servers as evenly as possible and check every rule. */
export function planThinClients(demand: ThinClientDemand, rules: ThinClientRules = DEFAULT_THIN_CLIENT_RULES): ThinClientPlan {
  const slow: string[] = [];
  const max = demand.multimedia ? rules.maxMultimediaSessionsPerServer : rules.maxSessionsPerServer;
  const n = demand.servers.length;
  const serversNeeded = Math.max(1, Math.ceil(demand.clients / max));
  const servers: ServerSizing[] = demand.servers.map((s, i) => {
    const sessions = Math.floor(demand.clients / n) + (i < demand.clients % n ? 1 : 0);
    return { name: s.name, sessions, memoryMiB: s.memoryMiB, requiredMemoryMiB: rules.baseMemoryMiB + sessions * rules.memoryPerSessionMiB };
  });
  if (n === 0) slow.push(`expected at least one thin-client server for ${demand.clients} clients, got none`);
  if (n > 0 && n < serversNeeded)
    slow.push(
      `${demand.clients} clients need ${serversNeeded} servers at most ${max} sessions each${demand.multimedia ? ' (multimedia use)' : ''}, got ${n}: add ${serversNeeded - n} thin-client server(s) or use diskless workstations`,
    );
  for (const s of servers) {
    if (s.memoryMiB < s.requiredMemoryMiB)
      slow.push(
        `server \`${s.name}\` needs ${s.requiredMemoryMiB} MiB for ${s.sessions} sessions (${rules.baseMemoryMiB} + ${s.sessions} x ${rules.memoryPerSessionMiB}), has ${s.memoryMiB} MiB: add ${s.requiredMemoryMiB - s.memoryMiB} MiB`,
      );
  }
  return {
    servers,
    maxSessionsPerServer: max,
    serversNeeded,
    clientSwapMiB: demand.clientMemoryMiB < rules.swapBelowClientMiB ? rules.clientSwapMiB : 0,
    disklessPossible: demand.clientMemoryMiB >= rules.disklessFromClientMiB,
    slow,
  };
}
