// The pure core of the drill: journal reducers and verdict, the plan (snapshot choice, limits,
// projection), and verification including the home-directory privacy rule.
import { describe, expect, it } from 'vitest';
import {
  abortJournal,
  beginPhase,
  endPhase,
  exitCodeFor,
  finishJournal,
  note,
  recordRpo,
  recordRto,
  skipPhase,
  startJournal,
  type Journal,
} from '../../src/core/journal.ts';
import { chooseSnapshot, isProductionHost, parseAt, phaseTimeouts, projectRestore, requiredBytes, journalFileName } from '../../src/core/drill-plan.ts';
import { ancestorsOf, homeOf, verifyTree, type TreeEntry } from '../../src/core/verify.ts';
import { scrub } from '../../src/core/scrub.ts';

const T = (s: number) => new Date(Date.UTC(2026, 10, 25, 8, 0, s)).toISOString();

function journal(): Journal {
  return startJournal({
    site: 'nordby',
    startedAt: T(0),
    rtoSeconds: 3600,
    rpoSeconds: 86400,
    backup: { tool: 'tar', repository: '/b', paths: [] },
    standby: { kind: 'local', description: 'here', restoreRoot: '/r' },
  });
}

const clean = { files: 1, bytes: 1, mismatches: 0, missing: 0, extra: 0, permissionMismatches: 0, exposedHomes: 0, problems: [], moreProblems: 0 };

function passedJournal(): Journal {
  let j = journal();
  for (const name of ['preflight', 'restore', 'verify', 'services', 'cleanup'] as const) {
    j = beginPhase(j, name, T(1));
    j = endPhase(j, name, { status: 'passed', endedAt: T(2), seconds: 1.23456 });
  }
  j = recordRpo(j, 3600);
  j = recordRto(j, 600);
  return note(j, { verification: clean });
}

describe('journal', () => {
  it('records phases with status, times and rounded seconds, and passes only when everything passed', () => {
    const j = finishJournal(passedJournal(), T(9));
    expect(j.status).toBe('passed');
    expect(j.phases.map((p) => [p.name, p.status, p.seconds])).toEqual([
      ['preflight', 'passed', 1.235],
      ['restore', 'passed', 1.235],
      ['verify', 'passed', 1.235],
      ['services', 'passed', 1.235],
      ['cleanup', 'passed', 1.235],
    ]);
    expect(j.endedAt).toBe(T(9));
    expect(exitCodeFor(j)).toBe(0);
  });

  it('shows a running phase while it runs (an honest record if the process dies)', () => {
    const j = beginPhase(journal(), 'restore', T(1));
    expect(j.status).toBe('running');
    expect(j.currentPhase).toBe('restore');
    expect(j.phases[0]).toMatchObject({ name: 'restore', status: 'running', startedAt: T(1) });
  });

  it('fails on a missed RTO, a missed RPO, a failed phase or any verification finding', () => {
    expect(finishJournal(recordRto(passedJournal(), 3601), T(9)).status).toBe('failed');
    expect(finishJournal(recordRpo(passedJournal(), 86401), T(9)).status).toBe('failed');
    expect(finishJournal(note(passedJournal(), { verification: { ...clean, exposedHomes: 1 } }), T(9)).status).toBe('failed');
    let j = beginPhase(passedJournal(), 'services', T(3));
    j = endPhase(j, 'services', { status: 'failed', endedAt: T(4), seconds: 1, detail: 'port 22 refused' });
    const f = finishJournal(j, T(9));
    expect(f.status).toBe('failed');
    expect(exitCodeFor(f)).toBe(1);
    expect(exitCodeFor(finishJournal(note(j, { couldNotRun: true }), T(9)))).toBe(3);
  });

  it('an interrupted drill is aborted, names the phase and exits 130', () => {
    const j = abortJournal(beginPhase(journal(), 'restore', T(1)), T(5), 'restore', 'SIGINT');
    expect(j).toMatchObject({ status: 'aborted', abortedIn: 'restore', signal: 'SIGINT', endedAt: T(5) });
    expect(j.currentPhase).toBeUndefined();
    expect(exitCodeFor(j)).toBe(130);
  });

  it('a dry run passes on preflight alone and has no RTO to meet', () => {
    let j = startJournal({ ...journal(), rtoSeconds: 3600, rpoSeconds: 86400, dryRun: true });
    j = endPhase(beginPhase(j, 'preflight', T(1)), 'preflight', { status: 'passed', endedAt: T(2), seconds: 1 });
    j = skipPhase(j, 'restore', T(2), 'dry run');
    j = recordRpo(j, 10);
    expect(finishJournal(j, T(3)).status).toBe('passed');
  });
});

describe('drill plan', () => {
  const snaps = [
    { id: 'a', time: new Date('2026-11-23T02:00:00Z') },
    { id: 'c', time: new Date('2026-11-25T02:00:00Z') },
    { id: 'b', time: new Date('2026-11-24T02:00:00Z') },
  ];
  it('chooses the latest snapshot, or the last one at or before --at', () => {
    expect(chooseSnapshot(snaps)?.id).toBe('c');
    expect(chooseSnapshot(snaps, new Date('2026-11-24T02:00:00Z'))?.id).toBe('b');
    expect(chooseSnapshot(snaps, new Date('2026-11-24T01:59:59Z'))?.id).toBe('a');
    expect(chooseSnapshot(snaps, new Date('2026-11-01T00:00:00Z'))).toBeUndefined();
  });

  it('reads --at in the SLA zone; a bare date means the end of that day', () => {
    expect(parseAt('2026-11-24', 'Europe/Oslo')?.toISOString()).toBe('2026-11-24T22:59:59.999Z');
    expect(parseAt('2026-11-24T06:00', 'Europe/Oslo')?.toISOString()).toBe('2026-11-24T05:00:00.000Z');
    expect(parseAt('2026-11-24T06:00Z', 'Europe/Oslo')?.toISOString()).toBe('2026-11-24T06:00:00.000Z');
    expect(parseAt('yesterday', 'Europe/Oslo')).toBeUndefined();
  });

  it('takes phase limits from the site, defaulting restore and verify to the RTO', () => {
    expect(phaseTimeouts({}, 3600)).toEqual({ preflight: 120, restore: 3600, verify: 3600, services: 300, cleanup: 600 });
    expect(phaseTimeouts({ timeouts: { restore: 'PT20M', services: 'PT30S' } }, 3600)).toMatchObject({ restore: 1200, services: 30 });
  });

  it('needs the snapshot size plus a margin, and projects the full data size from the measured speed', () => {
    expect(requiredBytes(1000)).toBe(1100);
    expect(requiredBytes(1000, 50)).toBe(1500);
    expect(projectRestore(100 * 2 ** 20, 10, 500 * 2 ** 30)).toEqual({ bytesPerSecond: 10485760, projectedSeconds: 51200 });
    expect(projectRestore(100, 0)).toEqual({ bytesPerSecond: 0 });
  });

  it('recognises production hosts by full or short name, never by a partial address', () => {
    expect(isProductionHost('tjener.nordby.skole', ['tjener.nordby.skole'])).toBe(true);
    expect(isProductionHost('TJENER', ['tjener.nordby.skole'])).toBe(true);
    expect(isProductionHost('tjener.other.skole', ['tjener.nordby.skole'])).toBe(false);
    expect(isProductionHost('10.0.2.15', ['10.0.2.1'])).toBe(false);
    expect(isProductionHost('reserve', ['tjener'])).toBe(false);
  });

  it('names journals by site and start time so they sort', () => {
    expect(journalFileName('nordby', '2026-11-26T08:47:09.123Z')).toBe('nordby-20261126T084709.123Z.json');
  });

  it('scrubs secrets, also in their JSON-escaped form', () => {
    const pw = 'Rødgrøt "med" fløte';
    expect(scrub(`pw=${pw} json=${JSON.stringify(pw)}`, [pw])).toBe('pw=*** json="***"');
  });
});

const f = (p: string, over: Partial<TreeEntry> = {}): TreeEntry => ({ path: p, type: 'file', size: 3, sha256: 'a'.repeat(64), uid: 1001, gid: 1001, mode: 0o600, ...over });
const d = (p: string, over: Partial<TreeEntry> = {}): TreeEntry => ({ path: p, type: 'dir', size: 0, uid: 1001, gid: 1001, mode: 0o700, ...over });

describe('verify', () => {
  const snapshot = [
    d('skole/tjener/home0', { uid: 0, gid: 0, mode: 0o755 }),
    d('skole/tjener/home0/elev01'),
    f('skole/tjener/home0/elev01/notater.txt'),
    f('skole/tjener/home0/elev01/.bashrc', { mode: 0o644 }),
    d('etc', { uid: 0, gid: 0, mode: 0o755 }),
    f('etc/hosts', { uid: 0, gid: 0, mode: 0o644, size: 10, sha256: 'b'.repeat(64) }),
    { path: 'etc/link', type: 'symlink' as const, size: 5, uid: 0, gid: 0, mode: 0o777, target: 'hosts' },
  ];
  const same = () => snapshot.map((e) => ({ ...e }));

  it('passes a faithful restore and counts files and bytes', () => {
    const r = verifyTree(snapshot, same());
    expect(r.summary).toMatchObject({ files: 3, bytes: 16, mismatches: 0, missing: 0, extra: 0, permissionMismatches: 0, exposedHomes: 0 });
    expect(r.problems).toEqual([]);
  });

  it('names a changed file, a missing file, an extra file and a wrong mode', () => {
    const got = same().filter((e) => e.path !== 'etc/hosts');
    got.find((e) => e.path === 'skole/tjener/home0/elev01/notater.txt')!.sha256 = 'c'.repeat(64);
    got.push(f('etc/evil', { uid: 0, gid: 0, mode: 0o600 }));
    got.find((e) => e.path === 'etc')!.mode = 0o700;
    const r = verifyTree(snapshot, got);
    expect(r.summary).toMatchObject({ mismatches: 1, missing: 1, extra: 1, permissionMismatches: 1, exposedHomes: 0 });
    expect(r.problems.map((p) => [p.path, p.kind])).toEqual([
      ['etc', 'mode'],
      ['etc/evil', 'extra'],
      ['etc/hosts', 'missing'],
      ['skole/tjener/home0/elev01/notater.txt', 'content'],
    ]);
    expect(r.problems[0]).toMatchObject({ expected: '0755', found: '0700' });
  });

  it('a size change, an owner change and a symlink change are each reported', () => {
    const got = same();
    got.find((e) => e.path === 'etc/hosts')!.size = 11;
    got.find((e) => e.path === 'etc/hosts')!.gid = 4;
    got.find((e) => e.path === 'etc/link')!.target = '/etc/shadow';
    const r = verifyTree(snapshot, got);
    expect(r.problems.map((p) => p.kind).sort()).toEqual(['group', 'size', 'symlink']);
    expect(r.summary).toMatchObject({ mismatches: 2, permissionMismatches: 1 });
  });

  it("fails a pupil's home made readable by others, even if only one file, and counts the home once", () => {
    const got = same();
    got.find((e) => e.path === 'skole/tjener/home0/elev01')!.mode = 0o755;
    got.find((e) => e.path === 'skole/tjener/home0/elev01/notater.txt')!.mode = 0o644;
    const r = verifyTree(snapshot, got);
    expect(r.summary.exposedHomes).toBe(1);
    expect(r.problems.filter((p) => p.kind === 'exposed-home').map((p) => p.path)).toEqual([
      'skole/tjener/home0/elev01',
      'skole/tjener/home0/elev01/notater.txt',
    ]);
  });

  it('a home file the snapshot already had world-readable is not an exposure; a new owner is', () => {
    const got = same();
    // .bashrc was 0644 in the snapshot: same mode back is fine
    expect(verifyTree(snapshot, got).summary.exposedHomes).toBe(0);
    got.find((e) => e.path === 'skole/tjener/home0/elev01/notater.txt')!.uid = 1002;
    const r = verifyTree(snapshot, got);
    expect(r.summary.exposedHomes).toBe(1);
    // execute bits alone do not expose data
    const x = same();
    x.find((e) => e.path === 'skole/tjener/home0/elev01')!.mode = 0o711;
    expect(verifyTree(snapshot, x).summary).toMatchObject({ exposedHomes: 0, permissionMismatches: 1 });
  });

  it('an extra world-readable file inside a home exposes it; outside homes it is only extra', () => {
    const got = [...same(), f('skole/tjener/home0/elev01/leak.txt', { mode: 0o644 }), f('etc/new', { mode: 0o644 })];
    const r = verifyTree(snapshot, got);
    expect(r.summary).toMatchObject({ extra: 2, exposedHomes: 1 });
  });

  it('does not report the folders a restore creates above the chosen paths as extra', () => {
    const got = [...same(), d('skole', { uid: 0, gid: 0, mode: 0o755 }), d('skole/tjener', { uid: 0, gid: 0, mode: 0o755 })];
    const ignore = ancestorsOf(['skole/tjener/home0', 'etc']);
    expect([...ignore]).toEqual(['skole', 'skole/tjener']);
    expect(verifyTree(snapshot, got, { ignoreExtra: (p) => ignore.has(p) }).summary.extra).toBe(0);
  });

  it('a restored file without a hash is a mismatch, never silently passed', () => {
    const got = same();
    delete got.find((e) => e.path === 'etc/hosts')!.sha256;
    const r = verifyTree(snapshot, got);
    expect(r.summary.mismatches).toBe(1);
    expect(r.problems[0]).toMatchObject({ path: 'etc/hosts', kind: 'content', found: 'unreadable' });
  });

  it("an adapter's own content check: only files it vouched for pass; a difference is named; the rest is unchecked", () => {
    const noDigests = () => same().map((e) => ({ ...e, sha256: undefined }));
    const files = ['skole/tjener/home0/elev01/notater.txt', 'skole/tjener/home0/elev01/.bashrc', 'etc/hosts'];
    const all = verifyTree(noDigests(), noDigests(), { contentChecked: { by: 'borg chunk ids', matched: new Set(files), differs: new Map() } });
    expect(all.summary).toMatchObject({ files: 3, mismatches: 0 });
    expect(all.summary.contentUnchecked).toBeUndefined();
    const r = verifyTree(noDigests(), noDigests(), {
      contentChecked: { by: 'borg chunk ids', matched: new Set([files[0]]), differs: new Map([[files[2], 'chunk 1 of 1 differs']]) },
    });
    expect(r.summary).toMatchObject({ mismatches: 1, contentUnchecked: 1 });
    expect(r.problems).toEqual([
      { path: 'etc/hosts', kind: 'content', expected: 'as the snapshot holds it (borg chunk ids)', found: 'chunk 1 of 1 differs' },
      // the file the check did not cover is named, not only counted
      { path: files[1], kind: 'unchecked', expected: 'a check by borg chunk ids', found: 'nothing to compare with' },
    ]);
    // without the check, nothing is vouched for
    const none = verifyTree(noDigests(), noDigests());
    expect(none.summary.contentUnchecked).toBe(3);
    expect(none.problems.map((p) => `${p.path} ${p.kind}: ${p.expected}`)).toEqual(
      [...files].sort().map((f) => `${f} unchecked: the snapshot's content digest`),
    );
  });

  it('knows which home a path belongs to', () => {
    expect(homeOf('skole/tjener/home0/elev01/a/b')).toBe('skole/tjener/home0/elev01');
    expect(homeOf('home/anna/x')).toBe('home/anna');
    expect(homeOf('skole/tjener/home0')).toBeUndefined();
    expect(homeOf('etc/passwd')).toBeUndefined();
    expect(homeOf('data/users/ola/x', ['data/users'])).toBe('data/users/ola');
  });

  it('caps the problems kept but counts them all', () => {
    const many = Array.from({ length: 150 }, (_, i) => f(`etc/f${i}`));
    const r = verifyTree(many, [], { problemCap: 100 });
    expect(r.summary.missing).toBe(150);
    expect(r.summary.problems).toHaveLength(100);
    expect(r.summary.moreProblems).toBe(50);
  });
});

describe('fixtures/site.yaml', () => {
  it('is a valid, commented example of every drill field', async () => {
    const { loadSite } = await import('../../src/io/load.ts');
    const spec = await loadSite('fixtures/site.yaml');
    expect(spec.data.backup).toMatchObject({ tool: 'rdiff-backup', paths: ['skole/tjener/home0', 'etc'] });
    expect(spec.data.standby).toMatchObject({ ssh: 'root@10.0.2.15:22', restoreRoot: '/srv/restore' });
    expect(spec.data.services!.map((s) => s.name)).toContain('ssh login');
  });
});
