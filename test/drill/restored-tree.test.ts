// The listing verification relies on: every file's type, size, owner, mode and sha256 as read on the
// standby, checked against node's own fs and crypto (many files, so parallel hashing really runs in parallel).
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashCommand, listCommand, listRestoredTree, parseHashes, parseListing } from '../../src/io/restored-tree.ts';
import { execFileSync } from 'node:child_process';
import type { TreeEntry } from '../../src/core/verify.ts';
import { LocalStandby } from '../../src/io/standby/local.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-tree-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('listRestoredTree', () => {
  it('lists and hashes 3000 files exactly, with odd names, modes, owners and symlinks', async () => {
    const root = path.join(dir, 'root');
    const names: string[] = [];
    for (let d = 0; d < 30; d++) {
      const sub = path.join(root, `home0/elev ${d} – æøå`);
      fs.mkdirSync(sub, { recursive: true, mode: 0o700 });
      for (let i = 0; i < 100; i++) {
        const rel = `home0/elev ${d} – æøå/${'lang-filnavn-'.repeat(6)}${i}.txt`;
        fs.writeFileSync(path.join(root, rel), `innhold ${d}/${i}\n`.repeat(i), { mode: i % 2 ? 0o600 : 0o640 });
        names.push(rel);
      }
    }
    fs.symlinkSync('../etc/hosts', path.join(root, 'home0/lenke'));
    fs.mkdirSync(path.join(root, 'etc'));
    fs.writeFileSync(path.join(root, 'etc/hosts'), '127.0.0.1 localhost\n');
    if (process.getuid?.() === 0) fs.chownSync(path.join(root, 'etc/hosts'), 1234, 42);
    const entries = await listRestoredTree(new LocalStandby(dir), root);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    expect(entries.filter((e) => e.type === 'file')).toHaveLength(3001);
    for (const rel of names) {
      const full = path.join(root, rel);
      const st = fs.statSync(full);
      const e = byPath.get(rel)!;
      expect(e, rel).toBeDefined();
      expect(e.sha256).toBe(createHash('sha256').update(fs.readFileSync(full)).digest('hex'));
      expect(e).toMatchObject({ type: 'file', size: st.size, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 });
    }
    expect(byPath.get('home0/lenke')).toMatchObject({ type: 'symlink', target: '../etc/hosts' });
    expect(byPath.get('home0/elev 0 – æøå')).toMatchObject({ type: 'dir', mode: 0o700 });
    if (process.getuid?.() === 0) expect(byPath.get('etc/hosts')).toMatchObject({ uid: 1234, gid: 42, mode: 0o644 });
  });

  it('hashes with sha1 when asked (the digest rdiff-backup records), lists only chosen paths, leaves out pruned names', async () => {
    const root = path.join(dir, 'sha1');
    fs.mkdirSync(path.join(root, 'a/b'), { recursive: true });
    fs.mkdirSync(path.join(root, 'c'));
    fs.writeFileSync(path.join(root, 'a/b/x.txt'), 'x'.repeat(3 << 20)); // more than one read
    fs.writeFileSync(path.join(root, 'c/y.txt'), 'y');
    fs.writeFileSync(path.join(root, '.marker'), '');
    const sha1 = (p: string) => createHash('sha1').update(fs.readFileSync(path.join(root, p))).digest('hex');
    const standby = new LocalStandby(dir);
    const chosen = await listRestoredTree(standby, root, { digest: 'sha1', paths: ['a'] });
    expect(chosen.map((e) => e.path).sort()).toEqual(['a', 'a/b', 'a/b/x.txt']);
    expect(chosen.find((e) => e.path === 'a/b/x.txt')).toMatchObject({ type: 'file', size: 3 << 20, sha1: sha1('a/b/x.txt') });
    expect(chosen.find((e) => e.path === 'a/b/x.txt')!.sha256).toBeUndefined();
    const pruned = await listRestoredTree(standby, root, { prune: ['.marker'], ctime: true });
    expect(pruned.map((e) => e.path).sort()).toEqual(['a', 'a/b', 'a/b/x.txt', 'c', 'c/y.txt']);
    const st = fs.statSync(path.join(root, 'c/y.txt'));
    expect(Math.abs(pruned.find((e) => e.path === 'c/y.txt')!.ctime! - st.ctimeMs / 1000)).toBeLessThan(0.001);
    await expect(listRestoredTree(standby, root, { paths: ['nope'] })).rejects.toThrow(/nope: not there/);
  });

  it('a file that cannot be read fails the listing, naming it (never skipped)', async () => {
    if (process.getuid?.() === 0) return; // root reads everything
    const root = path.join(dir, 'unreadable');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, 'secret'), 's', { mode: 0o000 });
    await expect(listRestoredTree(new LocalStandby(dir), root)).rejects.toThrow(/secret/);
  });

  it('fails clearly when the restore root is not there', async () => {
    await expect(listRestoredTree(new LocalStandby(dir), path.join(dir, 'nope'))).rejects.toThrow(/listing .*nope.* failed/);
  });
});

// parseListing walks find's output with indexOf; it must read exactly what the plain split-by-8 reading did
describe('parseListing', () => {
  const TYPES: Record<string, TreeEntry['type']> = { f: 'file', d: 'dir', l: 'symlink' };
  function reference(out: string, withCtime: boolean): TreeEntry[] {
    const f = out.split('\0');
    const entries: TreeEntry[] = [];
    for (let i = 0; i + 7 < f.length; i += 8) {
      const [y, size, uid, gid, mode, target, ctime, p] = f.slice(i, i + 8);
      const type = TYPES[y] ?? 'other';
      entries.push({
        path: p.startsWith('./') ? p.slice(2) : p,
        type,
        size: type === 'file' ? Number(size) : 0,
        uid: Number(uid),
        gid: Number(gid),
        mode: parseInt(mode, 8),
        ...(type === 'symlink' ? { target } : {}),
        ...(withCtime ? { ctime: Number(ctime) } : {}),
      });
    }
    return entries;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-parse-listing-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a real find listing (odd names, symlinks, a fifo, modes) as the plain reading does, and drops a torn last record', () => {
    const home = path.join(dir, 'home0', 'elev 1\nny linje');
    fs.mkdirSync(home, { recursive: true });
    fs.writeFileSync(path.join(home, '*stjerne'), 'a');
    fs.writeFileSync(path.join(home, 'tom'), '');
    fs.chmodSync(path.join(home, 'tom'), 0o4751);
    fs.symlinkSync('../mål med mellomrom', path.join(home, 'lenke'));
    execFileSync('mkfifo', [path.join(home, 'rør')]);
    fs.chmodSync(home, 0o2750);
    const out = execFileSync('/bin/sh', ['-c', listCommand(dir)], { encoding: 'utf8' });
    for (const withCtime of [false, true]) {
      const got = parseListing(out, withCtime);
      expect(got).toEqual(reference(out, withCtime));
      expect(got.length).toBe(6); // home0, the home, and its four entries
      expect(got.find((e) => e.path.endsWith('/lenke'))).toMatchObject({ type: 'symlink', target: '../mål med mellomrom' });
      expect(got.find((e) => e.path.endsWith('/tom'))).toMatchObject({ type: 'file', size: 0, mode: 0o4751 });
      expect(got.find((e) => e.path.endsWith('/rør'))).toMatchObject({ type: 'other' });
    }
    // a last record cut inside its path: the plain reading took the cut path as a name; it is left out now
    const torn = out.slice(0, out.length - 5);
    expect(reference(torn, false).at(-1)!.path).toMatch(/\*stj$/);
    expect(parseListing(torn)).toEqual(reference(torn, false).slice(0, -1));
    expect(parseListing(torn).length).toBe(5);
    expect(parseListing('')).toEqual([]);
  });
});

// parseHashes walks the records with indexOf; it must read exactly what the regular expression per record did
describe('parseHashes', () => {
  function reference(out: string, strip = ''): Map<string, string> {
    const hashes = new Map<string, string>();
    for (const rec of out.split('\0')) {
      const m = /^([0-9a-f]{40}|[0-9a-f]{64})[ *]?[ *]/.exec(rec);
      if (!m || rec.length <= m[0].length) continue;
      const p = rec.slice(m[0].length);
      hashes.set(strip && p.startsWith(strip) ? p.slice(strip.length) : p, m[1]);
    }
    return hashes;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-parse-hashes-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads sha256sum's, sha1sum's and the helper's real output (odd names) as the regular expression did, and what it leaves out", () => {
    const names = ['vanlig.txt', ' mellomrom først', '*stjerne', 'linje\nskift', 'bak\\skråstrek', 'ÆØÅ æøå', 'a  to mellomrom'];
    for (const [i, n] of names.entries()) fs.writeFileSync(path.join(dir, n), `innhold ${i}`);
    const sh = (cmd: string) => execFileSync('/bin/sh', ['-c', `cd ${dir} && ${cmd}`], { encoding: 'utf8' });
    const outputs = [
      sh('find . -type f -print0 | xargs -0 sha256sum -z'),
      sh('find . -type f -print0 | xargs -0 sha1sum -z'),
      sh('find . -type f -print0 | xargs -0 sha256sum -bz'), // binary mode: `<hex> *path`
      sh(hashCommand('.', { digest: 'sha1' }).replace(/^cd \S+ && /, '')), // the helper's own `hash`
    ];
    for (const out of outputs) {
      for (const strip of ['', './']) {
        const got = parseHashes(out, strip);
        expect(got).toEqual(reference(out, strip));
        expect(got.size).toBe(names.length);
      }
      const got = parseHashes(out, './');
      for (const [i, n] of names.entries()) {
        const algo = got.get(n)!.length === 64 ? 'sha256' : 'sha1';
        expect(got.get(n)).toBe(createHash(algo).update(`innhold ${i}`).digest('hex'));
      }
    }
    // records it leaves out, as the expression did: no path, a short or long or upper-case digest, no separator,
    // and a last record cut inside its digest; a record cut inside its path keeps the cut path (as before)
    const h64 = 'a'.repeat(64);
    const odd = [`${h64}  `, `${h64} *`, `${'b'.repeat(39)}  kort`, `${'c'.repeat(65)}  lang`, `${'D'.repeat(40)}  stor`, `${h64}xsti`, `${h64}  ok`, `${h64} en`, `${h64}   tre`, `${'e'.repeat(20)}`].join('\0');
    expect(parseHashes(odd)).toEqual(reference(odd));
    expect([...parseHashes(odd).keys()]).toEqual(['ok', 'en', ' tre']);
    expect(parseHashes('')).toEqual(new Map());
  });
});
