// Faults in the backup itself, drilled onto a real standby container over SSH: a file of an rdiff-backup
// mirror changed on the backup disk, a truncated tar archive, a damaged gzip stream, a damaged restic pack; an rsync
// mirror and a plain .tar damaged after the backup job wrote their checksum list (`backup.checksums`).
// Each drill must fail, name what is wrong, and leave the (read-only mounted) repository as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDrill } from '../../src/app/run-drill.ts';
import { hashRepository, makeBackups, PASSWORD, run, type Backups } from '../support/backup-fixtures.ts';
import { startStandby, stopAll, type StartedStandby } from '../support/containers.ts';
import { copyTree, flipBytes, largestBorgObject, standbyState, truncateTo } from '../support/fault-helpers.ts';
import { needImage, needTool } from '../support/tools.ts';
import { AT_V2, writeSite } from './site-fixture.ts';

const VIDEO = 'skole/tjener/home0/laerer01/video/forelesning.bin';
let b: Backups;
let work: string;
let sb: StartedStandby;

beforeAll(async () => {
  for (const t of ['tar', 'rsync', 'rdiff-backup', 'restic', 'borg', 'sha256sum']) needTool(t);
  needImage('continuity/standby:latest');
  b = makeBackups(['tar', 'rsync', 'rdiff-backup', 'restic', 'borg']);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-fault-damage-'));
  // each test damages its own copy under work/damaged; the standby sees it read-only at /backup
  fs.mkdirSync(path.join(work, 'damaged'));
  sb = await startStandby({ binds: [{ source: path.join(work, 'damaged'), target: '/backup', mode: 'ro' }] });
}, 120_000);

afterAll(async () => {
  await stopAll();
  b?.cleanup();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** Copy a fixture repository to work/damaged/<name>, damage it, and drill it; the repository hash is taken after the damage. */
async function drillDamaged(name: string, o: { tool: 'tar' | 'rsync' | 'rdiff-backup' | 'restic' | 'borg'; from: string; damage: (repo: string) => void; at?: string; checksums?: string }) {
  const repo = copyTree(o.from, path.join(work, 'damaged', name));
  o.damage(repo);
  const hash = hashRepository(repo);
  let passwordFile: string | undefined;
  if (o.tool === 'restic' || o.tool === 'borg') {
    passwordFile = path.join(work, `${name}.pass`);
    fs.writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  }
  const file = writeSite(path.join(work, name), {
    tool: o.tool,
    repository: `/backup/${name}`,
    passwordFile,
    standbySsh: { ssh: sb.sshTarget, identityFile: sb.identityFile, knownHosts: sb.knownHostsFile },
    services: `  - { name: ssh login, tcp: 22 }\n`,
  });
  if (o.checksums) fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^( {2}dataBytes: .*)$/m, `$1\n  checksums: ${o.checksums}`));
  const t0 = performance.now();
  const r = await runDrill({ siteFile: file, at: o.at ?? AT_V2, journalDir: path.join(work, name, 'j') });
  const seconds = (performance.now() - t0) / 1000;
  const phases = Object.fromEntries(r.journal.phases.map((p) => [p.name, p]));
  const onDisk = JSON.parse(fs.readFileSync(r.journalFile!, 'utf8'));
  console.log(`[figures] ${name}: ${seconds.toFixed(1)} s, exit ${r.exitCode}, ${r.journal.phases.map((p) => `${p.name} ${p.status} ${p.seconds ?? 0}s`).join(', ')}`);
  return { r, phases, seconds, onDisk, unchanged: () => hashRepository(repo) === hash, repo };
}

describe('a damaged backup, drilled onto a standby container', () => {
  it('a file changed inside the rdiff-backup mirror (latest snapshot): verify fails naming the file', async () => {
    const d = await drillDamaged('rdiff-flipped', { tool: 'rdiff-backup', from: b.repos['rdiff-backup']!, damage: (repo) => flipBytes(path.join(repo, VIDEO), 1_000_000, 32) });
    console.log(`rdiff-backup flipped bytes: ${d.seconds.toFixed(1)} s, exit ${d.r.exitCode}`);
    expect(d.r.journal.phases.map((p) => `${p.name}:${p.status}`)).toEqual(['preflight:passed', 'restore:passed', 'verify:failed', 'services:passed', 'cleanup:passed']);
    expect(d.phases.verify.detail).toContain(VIDEO);
    expect(d.phases.verify.detail).toMatch(/SHA1|damaged|corrupt/i);
    expect(d.r.exitCode).toBe(1);
    expect(d.onDisk).toMatchObject({ status: 'failed', rto: { met: false } });
    expect(d.unchanged()).toBe(true);
    expect(await standbyState(sb)).toEqual({ root: 'ABSENT', locked: false });
  });

  it('the same damage drilled at the older rdiff-backup increment (rebuilt from the damaged mirror): verify fails naming the file', async () => {
    const d = await drillDamaged('rdiff-flipped-old', {
      tool: 'rdiff-backup',
      from: b.repos['rdiff-backup']!,
      damage: (repo) => flipBytes(path.join(repo, VIDEO), 4096, 8),
      at: '2026-11-24T03:00Z',
    });
    console.log(`rdiff-backup flipped bytes, older increment: ${d.seconds.toFixed(1)} s, exit ${d.r.exitCode}`);
    expect(d.phases.restore.status).toBe('passed');
    expect(d.phases.verify.status).toBe('failed');
    expect(d.phases.verify.detail).toContain(VIDEO);
    expect(d.r.exitCode).toBe(1);
    expect(d.unchanged()).toBe(true);
  });

  it('a file cut short inside the rdiff-backup mirror: verify fails naming the file and both sizes', async () => {
    const d = await drillDamaged('rdiff-truncated', { tool: 'rdiff-backup', from: b.repos['rdiff-backup']!, damage: (repo) => truncateTo(path.join(repo, VIDEO), 1 << 20) });
    console.log(`rdiff-backup truncated file: ${d.seconds.toFixed(1)} s, exit ${d.r.exitCode}`);
    expect(d.phases.verify.status).toBe('failed');
    expect(d.phases.verify.detail).toContain(VIDEO);
    expect(d.phases.verify.detail).toContain(String(6 * 1024 * 1024 + 123));
    expect(d.phases.verify.detail).toContain(String(1 << 20));
    expect(d.r.exitCode).toBe(1);
    expect(d.unchanged()).toBe(true);
  });

  it('a truncated .tar archive: the drill fails (in restore: preflight reads only the archive size), naming the archive; nothing left on the standby', async () => {
    const d = await drillDamaged('tar-truncated', {
      tool: 'tar',
      from: b.repos.tar!,
      damage: (repo) => truncateTo(path.join(repo, 'tjener-2026-11-25T0200Z.tar'), 3 << 20),
    });
    console.log(`truncated .tar: ${d.seconds.toFixed(1)} s, exit ${d.r.exitCode}, ${d.r.journal.phases.find((p) => p.status === 'failed')?.name}: ${d.r.journal.phases.find((p) => p.status === 'failed')?.detail}`);
    const failed = d.r.journal.phases.find((p) => p.status === 'failed')!;
    expect(['preflight', 'restore']).toContain(failed.name);
    expect(failed.detail).toContain('tjener-2026-11-25T0200Z.tar');
    expect(failed.detail).toMatch(/truncated|unexpected (end|EOF)/i);
    expect(failed.detail).not.toMatch(/\n\s+at /);
    expect(d.phases.verify.status).toBe('skipped');
    // a damaged backup is the drill's finding (exit 1), not "could not run" (3)
    expect(d.r.exitCode).toBe(1);
    expect(d.onDisk.status).toBe('failed');
    expect(d.unchanged()).toBe(true);
    expect(await standbyState(sb)).toEqual({ root: 'ABSENT', locked: false });
  });

  it('damaged bytes in a .tar.gz stream: the drill fails naming the archive and the gzip error', async () => {
    const d = await drillDamaged('targz-flipped', {
      tool: 'tar',
      from: b.repos['tar.gz']!,
      damage: (repo) => flipBytes(path.join(repo, 'tjener-2026-11-25T0200Z.tar.gz'), 3 << 20, 64),
    });
    const failed = d.r.journal.phases.find((p) => p.status === 'failed')!;
    console.log(`damaged .tar.gz: ${d.seconds.toFixed(1)} s, exit ${d.r.exitCode}, ${failed.name}: ${failed.detail}`);
    expect(['preflight', 'restore']).toContain(failed.name);
    expect(failed.detail).toContain('tjener-2026-11-25T0200Z.tar.gz');
    expect(failed.detail).toMatch(/gzip|crc|invalid compressed|corrupt/i);
    expect(d.phases.verify.status).toBe('skipped');
    // a damaged backup is the drill's finding (exit 1), not "could not run" (3)
    expect(d.r.exitCode).toBe(1);
    expect(d.unchanged()).toBe(true);
    expect(await standbyState(sb)).toEqual({ root: 'ABSENT', locked: false });
  });

  it('a damaged restic data pack: the drill fails naming the repository, the password never shows', async () => {
    const d = await drillDamaged('restic-pack', {
      tool: 'restic',
      from: b.repos.restic!,
      damage: (repo) => {
        for (const p of run('find', [path.join(repo, 'data'), '-type', 'f']).trim().split('\n')) {
          const size = fs.statSync(p).size;
          flipBytes(p, Math.floor(size / 2), 64);
        }
      },
    });
    const failed = d.r.journal.phases.find((p) => p.status === 'failed')!;
    console.log(`damaged restic pack: ${d.seconds.toFixed(1)} s, exit ${d.r.exitCode}, ${failed.name}: ${failed.detail}`);
    expect(failed.detail).toContain('/backup/restic-pack');
    // restic's own error, not the Go stack trace it prints under it
    expect(failed.detail).toMatch(/ciphertext verification failed/);
    expect(failed.detail).not.toMatch(/\.go:\d+|main\.main|runtime\.goexit/);
    // a damaged backup is the drill's finding (exit 1), not "could not run" (3)
    expect(d.r.exitCode).toBe(1);
    expect(JSON.stringify(d.onDisk)).not.toContain(PASSWORD);
    expect(d.unchanged()).toBe(true);
    expect(await standbyState(sb)).toEqual({ root: 'ABSENT', locked: false });
  });

  it("a damaged borg chunk: the restore fails naming the repository and borg's own error, not its traceback or its report about the machine", async () => {
    let hit = { segment: '', offset: 0, size: 0 };
    const d = await drillDamaged('borg-chunk', {
      tool: 'borg',
      from: b.repos.borg!,
      damage: (repo) => {
        hit = largestBorgObject(repo);
        flipBytes(path.join(repo, 'data', hit.segment), hit.offset + Math.floor(hit.size / 2), 64);
      },
    });
    const failed = d.r.journal.phases.find((p) => p.status === 'failed')!;
    console.log(`damaged borg chunk: ${d.seconds.toFixed(1)} s, exit ${d.r.exitCode}, ${failed.name}: ${failed.detail}`);
    expect(hit.size).toBeGreaterThan(256 << 10);
    expect(failed.name).toBe('restore');
    expect(failed.detail).toMatch(/^borg: could not restore from \/backup\/borg-chunk \(exit 2\): /);
    expect(failed.detail).toContain(`Data integrity error: Segment entry checksum mismatch [segment ${path.basename(hit.segment)}, offset ${hit.offset}]`);
    expect(failed.detail).not.toMatch(/Traceback|File ".*\.py", line \d+|Platform: |sys\.argv/);
    expect(d.r.exitCode).toBe(1);
    expect(JSON.stringify(d.onDisk)).not.toContain(PASSWORD);
    expect(d.unchanged()).toBe(true);
    expect(await standbyState(sb)).toEqual({ root: 'ABSENT', locked: false });
  });

  it('an rsync mirror file damaged after the backup job wrote the checksum list: verify fails naming the file', async () => {
    const d = await drillDamaged('rsync-listed', {
      tool: 'rsync',
      from: b.repos.rsync!,
      damage: (repo) => {
        run('sh', ['-c', 'cd "$1" && find . -type f ! -path ./.continuity-snapshot -print0 | xargs -0 sha256sum > /tmp/continuity-sums.$$ && mv /tmp/continuity-sums.$$ SHA256SUMS', 'sh', repo]);
        flipBytes(path.join(repo, VIDEO), 1_000_000, 16);
      },
      checksums: 'SHA256SUMS',
    });
    console.log(`rsync mirror with a list, flipped bytes: ${d.seconds.toFixed(1)} s, exit ${d.r.exitCode}, verify: ${d.phases.verify.detail}`);
    expect(d.r.journal.phases.map((p) => `${p.name}:${p.status}`)).toEqual(['preflight:passed', 'restore:passed', 'verify:failed', 'services:passed', 'cleanup:passed']);
    expect(d.phases.verify.detail).toMatch(new RegExp(`1 changed; ${VIDEO} \\(content: expected sha256 [0-9a-f]{12}…, found sha256 [0-9a-f]{12}…\\)`));
    expect(d.phases.verify.checks?.find((c) => c.name === 'content against the checksum list')).toMatchObject({ passed: false, detail: expect.stringContaining('/backup/rsync-listed/SHA256SUMS') });
    expect(d.r.exitCode).toBe(1);
    expect(d.unchanged()).toBe(true);
    expect(await standbyState(sb)).toEqual({ root: 'ABSENT', locked: false });
  });

  it('a plain .tar damaged after its checksum was written: restore passes (tar cannot tell), verify fails naming the archive', async () => {
    const archive = 'tjener-2026-11-25T0200Z.tar';
    const d = await drillDamaged('tar-listed', {
      tool: 'tar',
      from: b.repos.tar!,
      damage: (repo) => {
        run('sh', ['-c', 'cd "$1" && sha256sum *.tar > SHA256SUMS', 'sh', repo]);
        const a = path.join(repo, archive);
        const line = run('tar', ['-tR', '-f', a]).split('\n').find((l) => l.endsWith(` ${VIDEO}`))!;
        flipBytes(a, (Number(/^block (\d+):/.exec(line)![1]) + 1) * 512 + 4096, 16);
      },
      checksums: 'SHA256SUMS',
    });
    console.log(`plain .tar with a list, flipped bytes: ${d.seconds.toFixed(1)} s, exit ${d.r.exitCode}, verify: ${d.phases.verify.detail}`);
    expect(d.phases.restore.status).toBe('passed');
    expect(d.phases.verify.status).toBe('failed');
    expect(d.phases.verify.detail).toContain(`the backup does not match its checksum list: ${archive}: sha256 `);
    expect(d.phases.verify.detail).toContain('but /backup/tar-listed/SHA256SUMS lists');
    expect(d.r.exitCode).toBe(1);
    expect(d.unchanged()).toBe(true);
    expect(await standbyState(sb)).toEqual({ root: 'ABSENT', locked: false });
  });
});
