// An rsync mirror restored by the real rsync, on the local standby, from a read-only view of the mirror.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parallelSizes, rsyncAdapter } from '../../src/io/backup/rsync.ts';
import { parseSum, sumCommand } from '../../src/io/backup/manifest-helper.ts';
import { makeBackups, type Backups } from '../support/backup-fixtures.ts';
import { adapterContract } from './adapter-contract.ts';
import { localStandby } from './local-standby.ts';

let b: Backups | undefined;
afterAll(() => b?.cleanup());

adapterContract({
  name: 'rsync mirror adapter, local standby',
  adapter: rsyncAdapter,
  backups: () => (b ??= makeBackups(['rsync'])),
  repoKey: 'rsync',
  single: true,
  standby: localStandby,
});

// the free-space gate's size of a local mirror: finds run four at a time over the folders at depth 1, each batch
// summed on its own; the sum must be exactly what one walk finds, whatever the names and however the batches fall
describe('rsync mirror size: parallel finds', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-rsync-size-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function walk(p: string): number {
    const st = fs.lstatSync(p);
    if (st.isFile()) return st.size;
    if (!st.isDirectory()) return 0;
    return fs.readdirSync(p).reduce((s, n) => s + walk(path.join(p, n)), 0);
  }
  const size = (roots: string[]) =>
    parseSum('rsync', dir, execFileSync('/bin/sh', ['-c', `cd '${dir}' && ${sumCommand(parallelSizes(roots, './.continuity-snapshot'), '/^[0-9]+$/', '$1')}`], { encoding: 'utf8' }));

  it('equals one walk over 150 homes (three batches), names with spaces and newlines, symlinks, the marker left out', () => {
    const home = path.join(dir, 'skole', 'home0');
    for (let i = 0; i < 150; i++) {
      const h = path.join(home, i % 7 === 0 ? `elev ${i}\nny linje` : `elev${i}`);
      fs.mkdirSync(path.join(h, 'Dokumenter', 'dypt'), { recursive: true });
      fs.writeFileSync(path.join(h, 'a.txt'), 'x'.repeat(i));
      fs.writeFileSync(path.join(h, 'Dokumenter', 'b.odt'), Buffer.alloc(1000 + i * 17));
      fs.writeFileSync(path.join(h, 'Dokumenter', 'dypt', '1234'), Buffer.alloc(i * 3));
      fs.symlinkSync('/etc/passwd', path.join(h, 'lenke'));
    }
    fs.writeFileSync(path.join(home, 'at-depth-one.txt'), Buffer.alloc(777));
    fs.writeFileSync(path.join(dir, '.continuity-snapshot'), 'mirror of 2026-11-26T01:00Z\n');
    fs.writeFileSync(path.join(dir, 'top.txt'), Buffer.alloc(55));
    const all = walk(dir) - fs.statSync(path.join(dir, '.continuity-snapshot')).size;
    expect(size(['./skole/home0'])).toBe(walk(home));
    expect(size(['.'])).toBe(all);
    expect(size(['./skole/home0/elev1/a.txt', './skole/home0/elev2'])).toBe(walk(path.join(home, 'elev1', 'a.txt')) + walk(path.join(home, 'elev2')));
  });

  it('fails when a find fails instead of giving a smaller sum', () => {
    expect(() => size(['./not-there'])).toThrow();
  });
});
