// `continuity drill run` and drills/restore.ts as a user runs them: exit codes, reports, no stack
// traces, a held standby refused, Ctrl-C leaving an aborted journal and a clean standby.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeBackups, type Backups } from '../support/backup-fixtures.ts';
import { needTool } from '../support/tools.ts';
import { acquireLock, lockPath, releaseLock } from '../../src/io/lock.ts';
import { LocalStandby } from '../../src/io/standby/local.ts';
import { AT_V2, writeSite } from './site-fixture.ts';

const bin = path.resolve('bin/continuity.mjs');
let b: Backups;
let work: string;

beforeAll(() => {
  needTool('tar');
  b = makeBackups(['tar']);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-drill-cli-'));
});
afterAll(() => {
  b?.cleanup();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function site(name: string, extra: Partial<Parameters<typeof writeSite>[1]> = {}) {
  const dir = path.join(work, name);
  return { dir, file: writeSite(dir, { tool: 'tar', repository: b.repos['tar.gz']!, ...extra }) };
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [bin, 'drill', 'run', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('continuity drill run', () => {
  it('exit 0 and a table report when the drill passes; the journal is where it says', () => {
    const { dir, file } = site('pass');
    const r = cli(['--site', file, '--at', AT_V2, '--journal-dir', path.join(dir, 'j')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Restore drill nordby: PASSED/);
    expect(r.stdout).toMatch(/RTO\s+met: /);
    const journal = /Journal: (\S+)/.exec(r.stdout)![1];
    expect(JSON.parse(fs.readFileSync(journal, 'utf8')).status).toBe('passed');
    // progress went to stderr, one plain line per step (not a TTY)
    expect(r.stderr).toContain('✓ verify');
  });

  it('JUnit output has one test case per phase plus RTO and RPO, and fails the RPO case for a stale backup (exit 1)', () => {
    const { dir, file } = site('stale', { recovery: '{ rto: PT1H, rpo: PT30M }' });
    const out = path.join(dir, 'drill.xml');
    const r = cli(['--site', file, '--at', AT_V2, '--journal-dir', path.join(dir, 'j'), '--format', 'junit', '--out', out]);
    expect(r.code, r.stderr).toBe(1);
    const xml = fs.readFileSync(out, 'utf8');
    const names = [...xml.matchAll(/<testcase classname="drill\.nordby" name="([^"]+)"/g)].map((m) => m[1]);
    expect(names).toEqual(['preflight', 'restore', 'verify', 'services', 'cleanup', 'RTO', 'RPO']);
    expect(xml).toMatch(/name="RPO" time="[\d.]+">\s*<failure type="ObjectiveMissed" message="MISSED: backup age 1 h 00 min \(target 30 min 00 s\)"/);
    expect(xml).toMatch(/name="preflight"[^>]*>\s*<failure/);
    expect(xml).toMatch(/name="cleanup"[^>]*>\s*<system-out>/);
  });

  it('exit 2 on a bad site file: file, line and field named, no stack trace, no journal', () => {
    const { dir, file } = site('bad');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('tool: tar', 'tool: tarball'));
    const r = cli(['--site', file, '--journal-dir', path.join(dir, 'j')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: \`backup\\.tool\`: expected one of`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(dir, 'j'))).toBe(false);
  });

  it('exit 2 on an --at that is not a date, and on an unknown --format', () => {
    const { file } = site('bad-at');
    const r = cli(['--site', file, '--at', 'last tuesday']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--at: expected an ISO-8601 date');
    const f = cli(['--site', file, '--format', 'pdf']);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('--format: expected one of table, md, html, json, junit');
  });

  it('exit 3 when another drill holds the standby; its lock and files are left alone', async () => {
    const { dir, file } = site('locked');
    const standby = new LocalStandby(path.join(dir, 'standby'));
    const root = path.join(dir, 'standby', 'srv', 'restore');
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(path.join(root, 'theirs.txt'), 'another drill is restoring here');
    const held = await acquireLock(standby, root, { site: 'other', now: new Date(), maxSeconds: 3600 });
    expect(held.ok).toBe(true);
    try {
      const r = cli(['--site', file, '--at', AT_V2, '--journal-dir', path.join(dir, 'j')]);
      expect(r.code).toBe(3);
      expect(r.stdout + r.stderr).toContain('locked by another drill (site other');
      expect(fs.readFileSync(path.join(root, 'theirs.txt'), 'utf8')).toBe('another drill is restoring here');
      expect(fs.existsSync(lockPath(root))).toBe(true);
    } finally {
      if (held.ok) await releaseLock(standby, held.lock);
    }
  });

  it('Ctrl-C during a phase: the journal says aborted and where, cleanup ran, exit 130', async () => {
    const { dir, file } = site('sigint', { services: `  - { name: slow service, run: 'sleep 60' }\n` });
    const child = spawn(process.execPath, [bin, 'drill', 'run', '--site', file, '--at', AT_V2, '--journal-dir', path.join(dir, 'j'), '--format', 'json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const started = new Promise<void>((resolve) =>
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        if (stderr.includes('services: started')) resolve();
      }),
    );
    await started;
    const t0 = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(130);
    expect(Date.now() - t0).toBeLessThan(20_000);
    const journal = JSON.parse(stdout);
    expect(journal).toMatchObject({ status: 'aborted', abortedIn: 'services', signal: 'SIGINT' });
    expect(journal.phases.map((p: { name: string; status: string }) => `${p.name}:${p.status}`)).toEqual([
      'preflight:passed',
      'restore:passed',
      'verify:passed',
      'services:failed',
      'cleanup:passed',
    ]);
    const onDisk = JSON.parse(fs.readFileSync(path.join(dir, 'j', fs.readdirSync(path.join(dir, 'j'))[0]), 'utf8'));
    expect(onDisk.status).toBe('aborted');
    expect(fs.readdirSync(path.join(dir, 'standby', 'srv'))).toEqual([]);
  });
});

describe('drills/restore.ts (the zx script)', () => {
  it('runs the same drill with zx, as the README says', () => {
    const { dir, file } = site('zx');
    const r = spawnSync('npx', ['zx', 'drills/restore.ts', '--site', file, '--at', AT_V2, '--journal-dir', path.join(dir, 'j'), '--format', 'json'], {
      encoding: 'utf8',
      // no loader from outside: the project's .npmrc must give npx the tsx loader by itself
      env: { ...process.env, NODE_OPTIONS: '' },
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ drill: 'restore', site: 'nordby', status: 'passed' });
  });

  it('exit 2 with a usage line when --site is missing', () => {
    const r = spawnSync('npx', ['tsx', 'drills/restore.ts'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('expected --site FILE');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
