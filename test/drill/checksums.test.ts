// Checksum lists (`backup.checksums`) for the two backups that record no content digest of their own: an rsync mirror
// and a plain .tar. Lists written by the real sha256sum, drills onto a local standby with the real tools: a damaged
// mirror file or archive fails verification naming it, where without the list the drill passes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashRepository, makeBackups, run, type Backups } from '../support/backup-fixtures.ts';
import { copyTree, flipBytes } from '../support/fault-helpers.ts';
import { needTool } from '../support/tools.ts';
import { runDrill } from '../../src/app/run-drill.ts';
import { parseChecksumList } from '../../src/io/backup/checksum-list.ts';
import { SpecError, StepFailed } from '../../src/core/errors.ts';
import { AT_V2, writeSite } from './site-fixture.ts';

const VIDEO = 'skole/tjener/home0/laerer01/video/forelesning.bin';
const ARCHIVE = 'tjener-2026-11-25T0200Z.tar';

/** What a backup job runs after the mirror is complete: every file but the marker and the list, by the real sha256sum. */
function writeMirrorList(mirror: string, list = 'SHA256SUMS'): void {
  run('sh', ['-c', `cd "$1" && find . -type f ! -path ./.continuity-snapshot ! -path './${list}*' -print0 | sort -z | xargs -0 sha256sum > ${list}.new && mv ${list}.new ${list}`, 'sh', mirror]);
}

/** The byte offset of a member's content in a plain tar (GNU tar's block numbers). */
function memberOffset(archive: string, member: string): number {
  const line = run('tar', ['-tR', '-f', archive]).split('\n').find((l) => l.endsWith(` ${member}`));
  if (!line) throw new Error(`${member} not in ${archive}`);
  return (Number(/^block (\d+):/.exec(line)![1]) + 1) * 512;
}

describe('parseChecksumList: what sha256sum writes', () => {
  let dir: string;
  beforeAll(() => {
    needTool('sha256sum');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-sums-'));
  });
  afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('reads text mode, binary mode, --tag and escaped names (a newline and a backslash in a name) as the real tool writes them', () => {
    const names = ['plain.txt', 'with space.txt', 'back\\slash.txt', 'new\nline.txt', 'ÆØÅ æøå.odt'];
    names.forEach((n, i) => fs.writeFileSync(path.join(dir, n), `content ${i}\n`.repeat(i + 1)));
    const want = new Map(names.map((n, i) => [n, createHash('sha256').update(`content ${i}\n`.repeat(i + 1)).digest('hex')]));
    for (const flags of [[], ['-b'], ['--tag']]) {
      const text = run('sh', ['-c', `cd "$1" && shift && sha256sum ${flags.join(' ')} -- "$@"`, 'sh', dir, ...names.map((n) => `./${n}`)]);
      expect(parseChecksumList(text, 'SUMS'), flags.join(' ')).toEqual(want);
    }
  });

  it('names the file and the line of anything else, and says when a digest is not SHA-256', () => {
    const sum = 'a'.repeat(64);
    expect(() => parseChecksumList(`${sum}  ok\nnot a checksum line\n`, '/srv/SHA256SUMS')).toThrow(
      /^\/srv\/SHA256SUMS line 2: expected `<64 hex digits>  <file name>` as sha256sum writes it, got `not a checksum line`$/,
    );
    expect(() => parseChecksumList(`# made by the backup job\n\n${'d'.repeat(32)}  file\n`, 'L')).toThrow(/^L line 3: .*not SHA-256: write the list with sha256sum/);
    expect(() => parseChecksumList(`${sum}  x\n${'b'.repeat(64)}  ./x\n`, 'L')).toThrow(/^L line 2: `x` is listed twice with different digests/);
    expect(() => parseChecksumList(`\\${sum}  a\\tb\n`, 'L')).toThrow(StepFailed);
    expect(parseChecksumList(`${sum}  x\n${sum}  ./x\n`, 'L')).toEqual(new Map([['x', sum]]));
  });
});

describe('a drill with a checksum list, onto a local standby', () => {
  let b: Backups;
  let work: string;
  beforeAll(() => {
    for (const t of ['rsync', 'tar', 'sha256sum']) needTool(t);
    b = makeBackups(['rsync', 'tar']);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-checksums-'));
  }, 60_000);
  afterAll(() => {
    b?.cleanup();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  /** A copy of a fixture repository, prepared and damaged, drilled with `checksums`; the repository hashed around it. */
  async function drill(name: string, o: { tool: 'rsync' | 'tar'; prepare: (repo: string) => void; checksums?: string; allPaths?: boolean; keep?: boolean }) {
    const repo = copyTree(o.tool === 'rsync' ? b.repos.rsync! : b.repos.tar!, path.join(work, name, 'repo'));
    o.prepare(repo);
    const before = hashRepository(repo);
    const file = writeSite(path.join(work, name), {
      tool: o.tool,
      repository: repo,
    });
    if (o.checksums !== undefined) fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^( {2}dataBytes: .*)$/m, `$1\n  checksums: ${o.checksums}`));
    if (o.allPaths) fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^ {2}paths: .*\n/m, ''));
    const r = await runDrill({ siteFile: file, at: AT_V2, journalDir: path.join(work, name, 'j'), keep: o.keep ?? false });
    const phases = Object.fromEntries(r.journal.phases.map((p) => [p.name, p]));
    return { r, phases, repo, unchanged: () => hashRepository(repo) === before };
  }

  it('rsync: an intact mirror passes against its list, and verify says where the digests came from', async () => {
    const d = await drill('rsync-ok', { tool: 'rsync', prepare: (repo) => writeMirrorList(repo), checksums: 'SHA256SUMS' });
    expect(d.r.journal.phases.map((p) => `${p.name}:${p.status}`)).toEqual(['preflight:passed', 'restore:passed', 'verify:passed', 'services:passed', 'cleanup:passed']);
    expect(d.phases.verify.detail).toContain(`content as ${path.join(d.repo, 'SHA256SUMS')} lists it`);
    expect(d.phases.verify.checks?.find((c) => c.name === 'content against the checksum list')).toMatchObject({ passed: true });
    expect(d.r.journal.verification).toMatchObject({ mismatches: 0, missing: 0, extra: 0 });
    expect(d.r.exitCode).toBe(0);
    expect(d.unchanged()).toBe(true);
  });

  it('rsync, the whole mirror: the list kept inside it is neither restored nor verified as a file', async () => {
    const d = await drill('rsync-all', { tool: 'rsync', prepare: (repo) => writeMirrorList(repo), checksums: 'SHA256SUMS', allPaths: true, keep: true });
    expect(d.phases.verify.status).toBe('passed');
    expect(d.r.journal.verification).toMatchObject({ mismatches: 0, missing: 0, extra: 0 });
    const restored = path.join(work, 'rsync-all', 'standby', 'srv', 'restore');
    expect(fs.existsSync(path.join(restored, 'etc', 'hosts'))).toBe(true);
    expect(fs.existsSync(path.join(restored, 'SHA256SUMS'))).toBe(false);
    expect(fs.existsSync(path.join(restored, '.continuity-snapshot'))).toBe(false);
    expect(d.r.exitCode).toBe(0);
  });

  it('rsync: a file damaged in the mirror after the backup passes without the list, and fails with it, naming the file', async () => {
    const damage = (repo: string) => {
      writeMirrorList(repo);
      flipBytes(path.join(repo, VIDEO), 1_000_000, 16);
    };
    const without = await drill('rsync-flipped-nolist', { tool: 'rsync', prepare: damage });
    expect(without.phases.verify.status).toBe('passed'); // what a mirror alone cannot see
    const d = await drill('rsync-flipped', { tool: 'rsync', prepare: damage, checksums: 'SHA256SUMS' });
    expect(d.phases.restore.status).toBe('passed');
    expect(d.phases.verify.status).toBe('failed');
    expect(d.phases.verify.detail).toMatch(new RegExp(`1 changed; ${VIDEO} \\(content: expected sha256 [0-9a-f]{12}…, found sha256 [0-9a-f]{12}…\\)`));
    expect(d.r.journal.verification).toMatchObject({ mismatches: 1, missing: 0 });
    expect(d.r.exitCode).toBe(1);
    expect(d.unchanged()).toBe(true);
  });

  it('rsync: a mirror file the list does not name is unchecked and named; a listed file gone from the mirror is missing', async () => {
    const d = await drill('rsync-gaps', {
      tool: 'rsync',
      prepare: (repo) => {
        fs.mkdirSync(path.join(repo, 'sums'));
        writeMirrorList(repo, 'sums/home.sha256');
        const list = path.join(repo, 'sums/home.sha256');
        fs.writeFileSync(list, fs.readFileSync(list, 'utf8').split('\n').filter((l) => !l.endsWith('/etc/hosts')).join('\n'));
        fs.rmSync(path.join(repo, VIDEO));
      },
      checksums: 'sums/home.sha256',
    });
    expect(d.phases.verify.status).toBe('failed');
    const list = path.join(d.repo, 'sums/home.sha256');
    expect(d.phases.verify.detail).toContain('1 missing');
    expect(d.phases.verify.detail).toContain('1 whose content could not be checked');
    expect(d.phases.verify.detail).toContain(`etc/hosts (unchecked: expected a line in the checksum list ${list}, found nothing to compare with)`);
    expect(d.phases.verify.detail).toContain(`${VIDEO} (missing: expected file)`);
    expect(d.r.journal.verification).toMatchObject({ missing: 1, contentUnchecked: 1, mismatches: 0 });
    expect(d.r.exitCode).toBe(1);
  });

  it('rsync: a list sha256sum could not have written fails verification naming the list and its line', async () => {
    const d = await drill('rsync-badlist', {
      tool: 'rsync',
      prepare: (repo) => {
        writeMirrorList(repo);
        fs.appendFileSync(path.join(repo, 'SHA256SUMS'), 'garbage from a half-written list\n');
      },
      checksums: 'SHA256SUMS',
    });
    const lines = fs.readFileSync(path.join(d.repo, 'SHA256SUMS'), 'utf8').trimEnd().split('\n').length;
    expect(d.phases.verify.status).toBe('failed');
    expect(d.phases.verify.detail).toContain(`${path.join(d.repo, 'SHA256SUMS')} line ${lines}: expected \`<64 hex digits>  <file name>\``);
    expect(d.r.exitCode).toBe(1);
  });

  it('plain .tar: an intact archive passes against its list (made in the archives folder by sha256sum)', async () => {
    const d = await drill('tar-ok', { tool: 'tar', prepare: (repo) => run('sh', ['-c', 'cd "$1" && sha256sum *.tar > SHA256SUMS', 'sh', repo]), checksums: 'SHA256SUMS' });
    expect(d.r.journal.phases.map((p) => `${p.name}:${p.status}`)).toEqual(['preflight:passed', 'restore:passed', 'verify:passed', 'services:passed', 'cleanup:passed']);
    const check = d.phases.verify.checks?.find((c) => c.name.startsWith('backup checked against'));
    expect(check).toMatchObject({ name: `backup checked against its sha256 in ${path.join(d.repo, 'SHA256SUMS')}`, passed: true });
    const sum = run('sha256sum', [path.join(d.repo, ARCHIVE)]).slice(0, 16);
    expect(check!.detail).toBe(`${ARCHIVE}: sha256 ${sum}…, as listed`);
    expect(d.r.exitCode).toBe(0);
  });

  it('plain .tar named as the repository itself: the list is found beside it; an absolute list path is used as written', async () => {
    const prepare = (repo: string) => run('sh', ['-c', 'cd "$1" && sha256sum *.tar > SHA256SUMS', 'sh', repo]);
    const repo = copyTree(b.repos.tar!, path.join(work, 'tar-one', 'repo'));
    prepare(repo);
    for (const [name, checksums] of [['tar-one', 'SHA256SUMS'], ['tar-one-abs', path.join(repo, 'SHA256SUMS')]] as const) {
      const file = writeSite(path.join(work, name), { tool: 'tar', repository: path.join(repo, ARCHIVE) });
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^( {2}dataBytes: .*)$/m, `$1\n  checksums: ${checksums}`));
      const r = await runDrill({ siteFile: file, at: AT_V2, journalDir: path.join(work, name, 'j') });
      const verify = r.journal.phases.find((p) => p.name === 'verify')!;
      expect(verify.status, verify.detail).toBe('passed');
      expect(verify.checks?.find((c) => c.name.startsWith('backup checked against'))).toMatchObject({ name: `backup checked against its sha256 in ${path.join(repo, 'SHA256SUMS')}`, passed: true });
    }
  });

  it('plain .tar: bytes flipped inside a member pass without the list and fail with it, naming the archive', async () => {
    const damage = (repo: string) => {
      run('sh', ['-c', 'cd "$1" && sha256sum -b *.tar > SHA256SUMS', 'sh', repo]);
      const a = path.join(repo, ARCHIVE);
      flipBytes(a, memberOffset(a, VIDEO) + 4096, 16);
    };
    const without = await drill('tar-flipped-nolist', { tool: 'tar', prepare: damage });
    expect(without.phases.verify.status).toBe('passed'); // restored and verified against the damaged stream itself
    const d = await drill('tar-flipped', { tool: 'tar', prepare: damage, checksums: 'SHA256SUMS' });
    expect(d.phases.restore.status).toBe('passed');
    expect(d.phases.verify.status).toBe('failed');
    expect(d.phases.verify.detail).toMatch(
      new RegExp(`the backup does not match its checksum list: ${ARCHIVE}: sha256 [0-9a-f]{16}…, but ${path.join(d.repo, 'SHA256SUMS').replace(/[.]/g, '\\.')} lists [0-9a-f]{16}…: the archive changed after its checksum was written`),
    );
    expect(d.phases.verify.checks?.find((c) => c.name.startsWith('backup checked against'))).toMatchObject({ passed: false });
    expect(d.r.exitCode).toBe(1);
    expect(d.unchanged()).toBe(true);
  });

  it('plain .tar: an archive the list does not name, or a list that is not there, fails verification saying so', async () => {
    const unlisted = await drill('tar-unlisted', {
      tool: 'tar',
      prepare: (repo) => fs.writeFileSync(path.join(repo, 'SHA256SUMS'), `${'0'.repeat(64)}  tjener-2026-11-24T0200Z.tar\n`),
      checksums: 'SHA256SUMS',
    });
    expect(unlisted.phases.verify.status).toBe('failed');
    expect(unlisted.phases.verify.detail).toContain(`${ARCHIVE} is not in the checksum list ${path.join(unlisted.repo, 'SHA256SUMS')}`);
    const absent = await drill('tar-nolist', { tool: 'tar', prepare: () => {}, checksums: '/nonexistent/SHA256SUMS' });
    expect(absent.phases.verify.status).toBe('failed');
    expect(absent.phases.verify.detail).toMatch(/could not read the checksum list \/nonexistent\/SHA256SUMS of .*No such file/);
    expect(absent.r.exitCode).toBe(1);
  });

  it('a checksum list for restic is bad input, named in the site file (exit 2 before anything runs)', async () => {
    const file = writeSite(path.join(work, 'restic-sums'), { tool: 'restic', repository: '/nonexistent', passwordFile: '/dev/null' });
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^( {2}dataBytes: .*)$/m, '$1\n  checksums: SHA256SUMS'));
    const err = await runDrill({ siteFile: file, journalDir: path.join(work, 'restic-sums', 'j') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect(String((err as Error).message)).toMatch(/backup\.checksums.*only for rsync or tar/);
  });
});
