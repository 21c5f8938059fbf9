// The thin-client server script for real on a bare Debian container over SSH: a machine with too
// little memory for the plan is refused before anything is installed; X2Go is installed once and
// the second run changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { startStandby, stopAll, type StartedStandby } from '../../test/support/containers.ts';
import { needImage, needTool } from '../../test/support/tools.ts';
import { parseFacts, provisionStep, settingsText } from '../provision.ts';
import { planThinClients } from '../../src/core/capacity.ts';

const ready = needImage('continuity/bare:latest') && needTool('ssh');

function ssh(m: StartedStandby, command: string, stdin: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const c = spawn('ssh', ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${m.knownHostsFile}`, '-o', 'IdentitiesOnly=yes', '-i', m.identityFile, '-p', String(m.port), `root@${m.host}`, command]);
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    c.on('error', reject);
    c.on('close', (code) => resolve({ code, stdout, stderr }));
    c.stdin.end(stdin);
  });
}

describe.runIf(ready)('thin-client-server.sh on a bare Debian machine over SSH', () => {
  let m: StartedStandby;
  const step = provisionStep('thin-client-server');
  beforeAll(async () => {
    m = await startStandby({ image: 'continuity/bare:latest' });
  });
  afterAll(async () => {
    await m?.stop();
    await stopAll();
  });

  it('refuses a machine with less memory than the plan needs, and installs nothing', async () => {
    const r = await ssh(m, step.command, settingsText({ SYSTEM: 'x2go', SESSIONS: 40, REQUIRED_MEMORY_MIB: 100_000_000, CLIENT_SWAP_MIB: 0 }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: this machine has \d+ MiB of memory, 40 sessions need 100000000 MiB: add memory or move clients to another server$/m);
    expect((await m.exec("dpkg-query -W -f='${db:Status-Abbrev}' x2goserver 2>/dev/null")).stdout).not.toBe('ii ');
  });

  it('installs X2Go for the planned sessions, then the second run changes nothing', async () => {
    const plan = planThinClients({ clients: 24, clientMemoryMiB: 48, servers: [{ name: 'x2go1', memoryMiB: 6144 }] });
    const settings = settingsText({ SYSTEM: 'x2go', SESSIONS: plan.servers[0].sessions, REQUIRED_MEMORY_MIB: plan.servers[0].requiredMemoryMiB, CLIENT_SWAP_MIB: plan.clientSwapMiB });
    const first = await ssh(m, step.command, settings);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^changed: installed x2goserver x2goserver-xsession$/m);
    expect(first.stdout).toMatch(/^changed: recorded the plan: 24 sessions, 4448 MiB, client swap 64 MiB$/m);
    const second = await ssh(m, step.command, settings);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^no changes$/m);
    expect(Number(parseFacts(second.stdout).memoryMiB)).toBeGreaterThanOrEqual(4448);
    const state = await m.exec("dpkg-query -W -f='${db:Status-Abbrev}' x2goserver; echo; cat /etc/continuity/thin-clients.conf");
    expect(state.stdout).toMatch(/^ii \n/);
    expect(state.stdout).toContain('SESSIONS=24\nREQUIRED_MEMORY_MIB=4448\nCLIENT_SWAP_MIB=64');
  }, 480_000);
});
