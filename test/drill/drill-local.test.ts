// Whole drills onto a local standby with real backups made by each real tool: the restored bytes,
// owners and modes are checked, the journal on disk tells the truth, and a faulty restore is caught.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHOSEN, PASSWORD, hashRepository, makeBackups, treeOf, type Backups, type Tool } from '../support/backup-fixtures.ts';
import { needTool } from '../support/tools.ts';
import { runDrill, type DrillEvent } from '../../src/app/run-drill.ts';
import { adapterFor } from '../../src/io/backup/index.ts';
import type { BackupAdapter } from '../../src/io/backup/types.ts';
import type { Journal } from '../../src/core/journal.ts';
import { AT_V2, writeSite } from './site-fixture.ts';

const TOOLS: Tool[] = ['tar', 'rsync', 'rdiff-backup', 'restic', 'borg'];
const BIN: Record<Tool, string> = { tar: 'tar', rsync: 'rsync', 'rdiff-backup': 'rdiff-backup', restic: 'restic', borg: 'borg' };
const present = TOOLS.filter((t) => needTool(BIN[t]));

let b: Backups;
let work: string;
let passwordFile: string;

beforeAll(() => {
  b = makeBackups(present);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-drill-'));
  passwordFile = path.join(work, 'repo-pass');
  fs.writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
});
afterAll(() => {
  b?.cleanup();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function repoFor(tool: Tool): string {
  return tool === 'tar' ? b.repos['tar.gz']! : b.repos[tool]!;
}

function site(tool: Tool, name: string, extra: Partial<Parameters<typeof writeSite>[1]> = {}): { file: string; dir: string } {
  const dir = path.join(work, name);
  const file = writeSite(dir, { tool, repository: repoFor(tool), ...(tool === 'restic' || tool === 'borg' ? { passwordFile } : {}), ...extra });
  return { file, dir };
}

function collector() {
  const events: DrillEvent[] = [];
  return { events, output: { event: (e: DrillEvent) => events.push(e) } };
}

const filesUnder = (root: string) => [...treeOf(root, CHOSEN).values()].filter((e) => e.type === 'file');

describe.each(present)('a full drill with %s onto a local standby', (tool) => {
  it('passes, verifies every restored file, cleans up, and never changes the repository', async () => {
    const { file, dir } = site(tool, `full-${tool}`);
    const before = hashRepository(repoFor(tool));
    const { events, output } = collector();
    const r = await runDrill({ siteFile: file, at: AT_V2, journalDir: path.join(dir, 'journals'), output });
    const j = r.journal;
    expect(j.phases.map((p) => `${p.name}:${p.status}`), JSON.stringify(j.phases, null, 1)).toEqual([
      'preflight:passed',
      'restore:passed',
      'verify:passed',
      'services:passed',
      'cleanup:passed',
    ]);
    expect(r.exitCode).toBe(0);
    expect(j.status).toBe('passed');
    expect(j.backup.snapshotTime).toBe('2026-11-25T02:00:00.000Z');
    expect(j.rpo).toEqual({ targetSeconds: 86400, backupAgeSeconds: 3600, met: true });
    expect(j.rto.met).toBe(true);
    expect(j.rto.actualSeconds).toBeGreaterThan(0);
    // every file of the second backup was compared
    const expected = filesUnder(b.expected.v2);
    expect(j.verification).toMatchObject({ files: expected.length, bytes: expected.reduce((a, e) => a + e.size, 0), mismatches: 0, missing: 0, extra: 0, permissionMismatches: 0, exposedHomes: 0 });
    expect(j.restore!.bytesPerSecond).toBeGreaterThan(0);
    expect(j.restore!.projectedSeconds).toBeGreaterThan(0);
    expect(j.restore!.projectedWithinRto).toBe(j.restore!.projectedSeconds! <= 3600);
    // the standby is clean again and unlocked; the repository is untouched
    expect(fs.readdirSync(path.join(dir, 'standby', 'srv'))).toEqual([]);
    expect(hashRepository(repoFor(tool))).toBe(before);
    // the journal on disk is the journal returned
    expect(JSON.parse(fs.readFileSync(r.journalFile!, 'utf8'))).toEqual(j);
    // the repository password never shows up
    expect(fs.readFileSync(r.journalFile!, 'utf8')).not.toContain(PASSWORD);
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
  });
});

/** The real adapter (tar unless named), with a restore that goes wrong in one specific way after the real restore. */
function faultyRestore(tamper: (root: string) => void, tool: Tool = 'tar'): BackupAdapter {
  const real = adapterFor(tool);
  return {
    ...real,
    version: (s) => real.version(s),
    listSnapshots: (s, src) => real.listSnapshots(s, src),
    snapshotBytes: (s, src, snap) => real.snapshotBytes(s, src, snap),
    manifest: (s, src, snap, o) => real.manifest(s, src, snap, o),
    async restore(standby, source, snapshot, target, options) {
      const report = await real.restore(standby, source, snapshot, target, options);
      tamper(target);
      return report;
    },
  };
}

describe('verification catches a faulty restore (real tar restore, then one thing goes wrong)', () => {
  const cases: { name: string; tamper: (root: string) => void; path: string; kind: string; counts: Partial<NonNullable<Journal['verification']>> }[] = [
    {
      name: 'a changed file (same size)',
      tamper: (root) => {
        const f = path.join(root, 'skole/tjener/home0/elev01/notater.txt');
        const buf = fs.readFileSync(f);
        buf[0] ^= 1;
        fs.writeFileSync(f, buf);
      },
      path: 'skole/tjener/home0/elev01/notater.txt',
      kind: 'content',
      counts: { mismatches: 1, missing: 0, extra: 0, permissionMismatches: 0 },
    },
    {
      name: 'a missing file',
      tamper: (root) => fs.rmSync(path.join(root, 'etc/hosts')),
      path: 'etc/hosts',
      kind: 'missing',
      counts: { mismatches: 0, missing: 1, extra: 0, permissionMismatches: 0 },
    },
    {
      name: 'an extra file',
      tamper: (root) => fs.writeFileSync(path.join(root, 'etc/planted'), 'x', { mode: 0o600 }),
      path: 'etc/planted',
      kind: 'extra',
      counts: { mismatches: 0, missing: 0, extra: 1, permissionMismatches: 0 },
    },
    {
      name: 'a permission change',
      tamper: (root) => fs.chmodSync(path.join(root, 'etc/shadow'), 0o644),
      path: 'etc/shadow',
      kind: 'mode',
      counts: { mismatches: 0, missing: 0, extra: 0, permissionMismatches: 1, exposedHomes: 0 },
    },
    {
      name: "a pupil's home made world-readable",
      tamper: (root) => {
        const home = path.join(root, 'skole/tjener/home0/elev02');
        fs.chmodSync(home, 0o755);
        fs.chmodSync(path.join(home, 'prosjekt/rapport.md'), 0o644);
      },
      path: 'skole/tjener/home0/elev02',
      kind: 'exposed-home',
      counts: { mismatches: 0, missing: 0, extra: 0, permissionMismatches: 2, exposedHomes: 1 },
    },
  ];
  it.each(cases)('$name: the drill fails, naming the file', async (c) => {
    needTool('tar');
    const { file, dir } = site('tar', `fault-${c.kind}`);
    const r = await runDrill({ siteFile: file, at: AT_V2, journalDir: path.join(dir, 'journals'), adapter: faultyRestore(c.tamper) });
    expect(r.exitCode).toBe(1);
    expect(r.journal.status).toBe('failed');
    const verify = r.journal.phases.find((p) => p.name === 'verify')!;
    expect(verify.status).toBe('failed');
    expect(verify.detail).toContain(c.path);
    expect(r.journal.verification).toMatchObject(c.counts);
    expect(r.journal.verification!.problems).toContainEqual(expect.objectContaining({ path: c.path, kind: c.kind }));
    // the RTO is not met when the data is wrong, even though the clock was fine
    expect(r.journal.rto.met).toBe(false);
    // cleanup still ran
    expect(r.journal.phases.at(-1)).toMatchObject({ name: 'cleanup', status: 'passed' });
    expect(fs.readdirSync(path.join(dir, 'standby', 'srv'))).toEqual([]);
  });
});

describe.each(present.filter((t) => t !== 'tar'))('verification catches a changed file restored by %s', (tool) => {
  // each tool's own way to know the content: rdiff-backup's recorded SHA-1, restic's read-back check (then the
  // drill sees the file was written to after it), the repository's data for rsync and borg
  it('one byte flipped after the real restore (same size): the drill fails naming the file', async () => {
    const { file, dir } = site(tool, `changed-${tool}`);
    const rel = 'skole/tjener/home0/elev01/notater.txt';
    const r = await runDrill({
      siteFile: file,
      at: AT_V2,
      journalDir: path.join(dir, 'journals'),
      adapter: faultyRestore((root) => {
        const f = path.join(root, rel);
        const buf = fs.readFileSync(f);
        buf[0] ^= 1;
        fs.writeFileSync(f, buf);
      }, tool),
    });
    const verify = r.journal.phases.find((p) => p.name === 'verify')!;
    expect(verify.status, verify.detail).toBe('failed');
    expect(verify.detail).toContain(rel);
    expect(r.journal.verification).toMatchObject({ mismatches: 1, missing: 0, extra: 0, permissionMismatches: 0 });
    expect(r.journal.verification!.problems).toContainEqual(expect.objectContaining({ path: rel, kind: 'content' }));
    expect(r.exitCode).toBe(1);
  });
});

describe('content nobody checked is not verified', () => {
  it('a restic restore whose read-back check is not reported: verify fails, counting the files', async () => {
    if (!present.includes('restic')) return;
    const real = adapterFor('restic');
    const { file, dir } = site('restic', 'unreported-check');
    const r = await runDrill({
      siteFile: file,
      at: AT_V2,
      journalDir: path.join(dir, 'journals'),
      adapter: { ...real, restore: async (...a: Parameters<BackupAdapter['restore']>) => void (await real.restore(...a)) },
    });
    const verify = r.journal.phases.find((p) => p.name === 'verify')!;
    expect(verify.status).toBe('failed');
    expect(verify.detail).toMatch(/content could not be checked/);
    // every file, and every symlink (restic 0.14's listing gives no targets)
    const linksAndFiles = [...treeOf(b.expected.v2, CHOSEN).values()].filter((e) => e.type === 'file' || e.type === 'symlink');
    expect(r.journal.verification!.contentUnchecked).toBe(linksAndFiles.length);
    expect(r.exitCode).toBe(1);
  });
});

describe('the free-space gate with an upper bound', () => {
  // the real tar adapter, its cheap answer replaced by a bound no disk has room for
  const bounded = (exact: (real: BackupAdapter) => BackupAdapter['snapshotBytesExact']): BackupAdapter => {
    const real = adapterFor('tar');
    return { ...real, snapshotBytes: async () => 2 ** 60, snapshotBytesExact: exact(real) };
  };
  it('a bound that does not fit is not a failure: the exact size decides, and the drill passes', async () => {
    needTool('tar');
    const { file, dir } = site('tar', 'bound-exact');
    const r = await runDrill({ siteFile: file, at: AT_V2, journalDir: path.join(dir, 'journals'), adapter: bounded((real) => real.snapshotBytesExact) });
    const gate = r.journal.phases[0].checks!.find((c) => c.name === 'free space')!;
    expect(gate.passed, gate.detail).toBe(true);
    expect(gate.detail).not.toMatch(/EiB|PiB/);
    expect(r.exitCode).toBe(0);
  });
  it('when the exact size does not fit either, the gate fails naming both sizes', async () => {
    needTool('tar');
    const { file, dir } = site('tar', 'bound-too-big');
    const r = await runDrill({ siteFile: file, at: AT_V2, journalDir: path.join(dir, 'journals'), adapter: bounded(() => async () => 2 ** 59) });
    const gate = r.journal.phases[0].checks!.find((c) => c.name === 'free space')!;
    expect(gate.passed).toBe(false);
    expect(gate.detail).toMatch(/only .* free .* needs/);
    expect(r.journal.phases.map((p) => p.status)).toEqual(['failed', 'skipped', 'skipped', 'skipped', 'passed']);
    expect(r.exitCode).toBe(1);
    // the root this drill created (the gate before found it absent) is removed again
    expect(r.journal.phases[0].checks!.find((c) => c.name === 'restore root empty')?.detail).toMatch(/ created$/);
    expect(fs.existsSync(path.join(dir, 'standby', 'srv', 'restore'))).toBe(false);
  });
});

describe('the restore root gate', () => {
  it.each(['holds files', 'is a file'] as const)('a restore root that %s: preflight fails naming it, and what is there is left as it was', async (kind) => {
    needTool('tar');
    const { file, dir } = site('tar', `root-${kind.replace(/ /g, '-')}`);
    const local = path.join(dir, 'standby');
    const rootOnDisk = path.join(local, 'srv', 'restore');
    if (kind === 'is a file') {
      fs.mkdirSync(path.dirname(rootOnDisk), { recursive: true });
      fs.writeFileSync(rootOnDisk, 'kept\n');
    } else {
      fs.mkdirSync(rootOnDisk, { recursive: true });
      fs.writeFileSync(path.join(rootOnDisk, 'kept-from-last-drill'), 'kept\n');
    }
    const r = await runDrill({ siteFile: file, at: AT_V2, journalDir: path.join(dir, 'journals') });
    const gate = r.journal.phases[0].checks!.find((c) => c.name === 'restore root empty')!;
    expect(gate.passed).toBe(false);
    // (a local standby's restore root is the folder on this machine)
    expect(gate.detail).toBe(
      kind === 'is a file'
        ? `${rootOnDisk} exists and is not a folder`
        : `${rootOnDisk} is not empty (holds kept-from-last-drill…; a drill kept with --keep?); empty it or choose another restoreRoot`,
    );
    // the gates after it are not judged, nothing is restored, and cleanup leaves what was there
    expect(r.journal.phases[0].checks!.map((c) => c.name)).not.toContain('free space');
    expect(r.journal.phases.map((p) => p.status)).toEqual(['failed', 'skipped', 'skipped', 'skipped', 'passed']);
    expect(r.exitCode).not.toBe(0);
    if (kind === 'is a file') expect(fs.readFileSync(rootOnDisk, 'utf8')).toBe('kept\n');
    else expect(fs.readdirSync(rootOnDisk)).toEqual(['kept-from-last-drill']);
    expect(r.journal.phases[4].detail).toBe(`left ${rootOnDisk} as it was (preflight stopped before this drill put anything there); lock released`);
  });

  it('a gate before it fails (the backup is older than the RPO): cleanup leaves the root it never looked at as it was', async () => {
    needTool('tar');
    const { file, dir } = site('tar', 'root-unchecked');
    const rootOnDisk = path.join(dir, 'standby', 'srv', 'restore');
    fs.mkdirSync(rootOnDisk, { recursive: true });
    fs.writeFileSync(path.join(rootOnDisk, 'not-ours'), 'kept\n');
    const r = await runDrill({ siteFile: file, at: '2099-01-01', journalDir: path.join(dir, 'journals') });
    const checks = r.journal.phases[0].checks!;
    expect(checks.find((c) => c.name === 'backup within RPO')?.passed).toBe(false);
    expect(checks.map((c) => c.name)).not.toContain('restore root empty');
    expect(r.journal.phases.map((p) => p.status)).toEqual(['failed', 'skipped', 'skipped', 'skipped', 'passed']);
    expect(fs.readdirSync(rootOnDisk)).toEqual(['not-ours']);
  });
});

describe('the journal', () => {
  it('is on disk, complete JSON, after every phase, and never half-written while the drill runs', async () => {
    needTool('tar');
    const { file, dir } = site('tar', 'journal-atomic');
    const journalDir = path.join(dir, 'journals');
    const seen: { phase: string; onDisk: Journal }[] = [];
    let journalFile: string | undefined;
    let reads = 0;
    let stop = false;
    const poll = (async () => {
      while (!stop) {
        if (journalFile && fs.existsSync(journalFile)) {
          JSON.parse(fs.readFileSync(journalFile, 'utf8')); // throws on a torn file
          reads++;
        }
        await new Promise((res) => setImmediate(res));
      }
    })();
    const r = await runDrill({
      siteFile: file,
      at: AT_V2,
      journalDir,
      output: {
        event: (e) => {
          if (e.type === 'start') journalFile = e.journalFile;
          if (e.type === 'phase-end' && e.status !== 'skipped')
            seen.push({ phase: e.phase, onDisk: JSON.parse(fs.readFileSync(journalFile!, 'utf8')) as Journal });
        },
      },
    });
    stop = true;
    await poll;
    expect(r.exitCode).toBe(0);
    expect(reads).toBeGreaterThan(10);
    expect(seen.map((s) => s.phase)).toEqual(['preflight', 'restore', 'verify', 'services', 'cleanup']);
    for (const [i, s] of seen.entries()) {
      expect(s.onDisk.status).toBe('running');
      expect(s.onDisk.phases).toHaveLength(i + 1);
      expect(s.onDisk.phases[i]).toMatchObject({ name: s.phase, status: 'passed' });
    }
    // the final file is the finished journal, and no temp file is left behind
    expect(JSON.parse(fs.readFileSync(r.journalFile!, 'utf8')).status).toBe('passed');
    expect(fs.readdirSync(journalDir)).toEqual([path.basename(r.journalFile!)]);
  });
});

describe('--dry-run', () => {
  it('checks the gates and writes nothing: no journal, no lock, no restore root', async () => {
    needTool('tar');
    const { file, dir } = site('tar', 'dry-run');
    fs.mkdirSync(path.join(dir, 'standby'), { recursive: true });
    const r = await runDrill({ siteFile: file, at: AT_V2, journalDir: path.join(dir, 'journals'), dryRun: true });
    expect(r.exitCode).toBe(0);
    expect(r.journalFile).toBeUndefined();
    expect(r.journal.phases.map((p) => `${p.name}:${p.status}`)).toEqual(['preflight:passed', 'restore:skipped', 'verify:skipped', 'services:skipped', 'cleanup:skipped']);
    expect(r.journal.phases[0].checks!.map((c) => c.name)).toContain('free space');
    expect(fs.existsSync(path.join(dir, 'journals'))).toBe(false);
    expect(fs.readdirSync(path.join(dir, 'standby'))).toEqual([]);
  });
});

describe('time limits', () => {
  it('a phase that overruns its limit fails with the limit named, the drill ends, cleanup still runs', async () => {
    needTool('tar');
    const { file, dir } = site('tar', 'timeout', {
      services: `  - { name: hung service, run: 'sleep 120' }\n`,
      extra: 'timeouts: { services: PT2S }\n',
    });
    const t0 = performance.now();
    const r = await runDrill({ siteFile: file, at: AT_V2, journalDir: path.join(dir, 'journals') });
    expect((performance.now() - t0) / 1000).toBeLessThan(60);
    const services = r.journal.phases.find((p) => p.name === 'services')!;
    expect(services.status).toBe('failed');
    expect(services.seconds).toBeGreaterThanOrEqual(1.9);
    expect(services.seconds).toBeLessThan(10);
    expect(services.detail).toMatch(/timed out after 2\.00 s/);
    expect(r.exitCode).toBe(1);
    expect(r.journal.rto.met).toBe(false);
    expect(r.journal.phases.at(-1)).toMatchObject({ name: 'cleanup', status: 'passed' });
    expect(fs.readdirSync(path.join(dir, 'standby', 'srv'))).toEqual([]);
  });

  it("a probe whose own limit ends a moment before the phase's still fails the phase as out of time, and names the probe", async () => {
    // the race CI met: the probe's limit (the phase's remaining time) fired before the phase's timer
    needTool('tar');
    const { file, dir } = site('tar', 'timeout-race', {
      services: `  - { name: hung service, run: 'sleep 120', timeout: PT1.95S }\n`,
      extra: 'timeouts: { services: PT2S }\n',
    });
    const r = await runDrill({ siteFile: file, at: AT_V2, journalDir: path.join(dir, 'journals') });
    const services = r.journal.phases.find((p) => p.name === 'services')!;
    expect(services.status).toBe('failed');
    expect(services.detail).toBe('timed out after 2.00 s: 0 of 1 probes answer');
    expect(services.checks).toEqual([expect.objectContaining({ name: 'hung service', passed: false, detail: 'timed out after 1.95 s' })]);
    expect(r.exitCode).toBe(1);
    expect(r.journal.phases.at(-1)).toMatchObject({ name: 'cleanup', status: 'passed' });
  });
});

describe('the projected full restore (backup.dataBytes at the measured speed)', () => {
  const judged = (name: string, dataBytes: number, judge: boolean) => {
    const { file, dir } = site('tar', name);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^ {2}dataBytes: .*$/m, `  dataBytes: ${dataBytes}${judge ? '\n  judgeProjection: true' : ''}`));
    return { file, dir };
  };

  it('judged: a projection longer than the RTO fails the drill (exit 1) though the drill itself met it; JUnit names it', async () => {
    needTool('tar');
    // 50 TB at a local restore's speed cannot fit in an hour
    const { file, dir } = judged('projection-missed', 50e12, true);
    const r = await runDrill({ siteFile: file, at: AT_V2, journalDir: path.join(dir, 'journals') });
    expect(r.journal.phases.every((p) => p.status === 'passed')).toBe(true);
    expect(r.journal.rto.met).toBe(true);
    expect(r.journal.rto.projection).toEqual({ seconds: r.journal.restore!.projectedSeconds, met: false, judged: true });
    expect(r.journal.status).toBe('failed');
    expect(r.exitCode).toBe(1);
    const { renderDrill } = await import('../../src/report/drill-render.ts');
    const junit = await renderDrill('junit', r.journal);
    expect(junit).toMatch(/<testcase classname="drill\.nordby" name="RTO projected" time="[\d.]+">\s*<failure type="ObjectiveMissed" message="full restore projected at [^"]+: MISSED \(longer than the target\)"/);
    expect(await renderDrill('table', r.journal)).toMatch(/RTO {6}met: .* from incident to services up \(target 1 h 00 min\); full restore projected at .*: MISSED/);
  });

  it('judged and within the RTO passes; not judged (the default), a long projection is reported and the drill passes', async () => {
    needTool('tar');
    const small = judged('projection-met', 1_000_000, true);
    const ok = await runDrill({ siteFile: small.file, at: AT_V2, journalDir: path.join(small.dir, 'journals') });
    expect(ok.journal.rto.projection).toMatchObject({ met: true, judged: true });
    expect(ok.exitCode).toBe(0);
    const big = judged('projection-reported', 50e12, false);
    const reported = await runDrill({ siteFile: big.file, at: AT_V2, journalDir: path.join(big.dir, 'journals') });
    expect(reported.journal.rto.projection).toMatchObject({ met: false, judged: false });
    expect(reported.journal.status).toBe('passed');
    expect(reported.exitCode).toBe(0);
  });

  it('judgeProjection without dataBytes is bad input, named in the site file', async () => {
    const { file, dir } = site('tar', 'projection-nodata');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^ {2}dataBytes: .*$/m, '  judgeProjection: true'));
    await expect(runDrill({ siteFile: file, at: AT_V2, journalDir: path.join(dir, 'journals') })).rejects.toThrow(/backup\.judgeProjection.*expected `dataBytes`/);
  });
});
