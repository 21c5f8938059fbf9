// The listing verification relies on: every file's type, size, owner, mode and sha256 as read on the
// standby, checked against node's own fs and crypto (many files, so parallel hashing really runs in parallel).
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listRestoredTree } from '../../src/io/restored-tree.ts';
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

  it('fails clearly when the restore root is not there', async () => {
    await expect(listRestoredTree(new LocalStandby(dir), path.join(dir, 'nope'))).rejects.toThrow(/listing .*nope.* failed/);
  });
});
