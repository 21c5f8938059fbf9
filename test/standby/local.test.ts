// The local standby (a directory on this machine) and execLocal: exit codes, stdin, timeouts, abort.
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execLocal, LocalStandby } from '../../src/io/standby/local.ts';

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

describe('execLocal', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'continuity-local-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports exit code, stdout and stderr separately, and never throws for a failing command', async () => {
    expect(await execLocal('echo out; echo err >&2; exit 7')).toEqual({ exitCode: 7, stdout: 'out\n', stderr: 'err\n', timedOut: false });
    expect((await execLocal('true')).exitCode).toBe(0);
    const missing = await execLocal('no-such-command-here');
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toMatch(/not found/);
  });

  it('passes stdin to the command', async () => {
    const r = await execLocal('tr a-z A-Z', { input: 'secret from stdin\n' });
    expect(r.stdout).toBe('SECRET FROM STDIN\n');
    const big = Buffer.alloc(2 * 1024 * 1024, 'x');
    expect((await execLocal('wc -c', { input: big })).stdout.trim()).toBe(String(big.length));
    // a command that does not read its input still finishes
    expect((await execLocal('exit 0', { input: big })).exitCode).toBe(0);
  });

  it('runs in the given working directory and streams stdout', async () => {
    // the command waits until the first chunk has reached us, so the test does not depend on timing
    const chunks: string[] = [];
    const flag = path.join(dir, 'first-chunk-seen');
    const r = await execLocal(`pwd; while [ ! -e ${flag} ]; do sleep 0.02; done; echo two`, {
      cwd: dir,
      timeoutMs: 30_000,
      onStdout: (c) => {
        chunks.push(c);
        if (chunks.length === 1) writeFileSync(flag, '');
      },
    });
    expect(r.stdout).toBe(`${dir}\ntwo\n`);
    expect(chunks.join('')).toBe(r.stdout);
    expect(chunks.length).toBeGreaterThanOrEqual(2);
  });

  it('a timeout kills the whole pipeline within about the timeout', async () => {
    const marker = path.join(dir, 'timed-out-but-ran');
    const t0 = performance.now();
    const r = await execLocal(`sleep 10 | cat; touch ${marker}`, { timeoutMs: 300 });
    const ms = performance.now() - t0;
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(ms).toBeLessThan(5000);
    await sleep(500);
    expect(existsSync(marker)).toBe(false);
  });

  it('an abort signal kills the command', async () => {
    const marker = path.join(dir, 'aborted-but-ran');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const t0 = performance.now();
    const r = await execLocal(`sleep 10; touch ${marker}`, { signal: ac.signal });
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(r.exitCode).toBeNull();
    expect(r.timedOut).toBe(false);
    await sleep(500);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('LocalStandby', () => {
  it('describes itself and runs commands on this machine', async () => {
    const s = new LocalStandby('/var/tmp/standby');
    expect(s.kind).toBe('local');
    expect(s.description).toBe('local directory /var/tmp/standby');
    expect(s.host).toBe(os.hostname());
    expect((await s.exec('hostname')).stdout.trim()).toBe(os.hostname());
    await s.close();
  });
});
