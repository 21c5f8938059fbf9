// tar archives (.tar, .tar.gz, .tar.zst) restored and read by the real GNU tar, on the local standby.
import { execFileSync, execSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepFailed } from '../../src/core/errors.ts';
import { tarAdapter, timeFromArchiveName } from '../../src/io/backup/tar.ts';
import { LocalStandby } from '../../src/io/standby/local.ts';
import { CHOSEN, makeBackups, type Backups } from '../support/backup-fixtures.ts';
import { adapterContract } from './adapter-contract.ts';
import { localStandby } from './local-standby.ts';

let b: Backups | undefined;
const backups = () => (b ??= makeBackups(['tar']));
afterAll(() => b?.cleanup());

/** The length of an archive's uncompressed tar stream when it can be read without decompressing (see tar.ts), else the exact sum. */
function streamLength(repoDir: string, id: string, exact: number): number {
  const file = path.join(repoDir, id);
  const cat = id.endsWith('.tar.gz') ? 'gzip -dc' : id.endsWith('.tar.zst') ? 'zstd -dcq' : 'cat';
  if (id.endsWith('.tar.zst') && !/Decompressed Size/.test(execSync(`zstd -lv '${file}' 2>&1 || true`, { encoding: 'utf8' }))) return exact;
  return Number(execSync(`${cat} '${file}' | wc -c`, { encoding: 'utf8' }).trim());
}

for (const kind of ['tar', 'tar.gz', 'tar.zst'] as const)
  adapterContract({ name: `tar adapter (.${kind}), local standby`, adapter: tarAdapter, backups, repoKey: kind, standby: localStandby, expectedBytes: streamLength });

describe('tar adapter: damaged archives', () => {
  let own: Backups;
  beforeAll(() => {
    own = makeBackups(['tar']);
  });
  afterAll(() => own.cleanup());

  it('names a truncated .tar.gz in a clear error instead of a stack trace', async () => {
    const repo = own.repos['tar.gz']!;
    const [name] = fs.readdirSync(repo).sort();
    const file = path.join(repo, name);
    fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
    const standby = new LocalStandby(own.dir);
    const source = { tool: 'tar' as const, repository: repo, paths: CHOSEN };
    const snap = (await tarAdapter.listSnapshots(standby, source))[0];
    expect(snap.id).toBe(name);
    for (const attempt of [
      () => tarAdapter.restore(standby, source, snap, path.join(own.dir, 'out'), {}),
      async () => {
        for await (const _ of tarAdapter.manifest(standby, source, snap));
      },
    ]) {
      const err = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StepFailed);
      expect((err as Error).message).toContain(file);
      expect((err as Error).message).toMatch(/unexpected end of file|truncated|corrupt/i);
    }
  });
});

describe('tar archive names', () => {
  it('reads the snapshot time from the archive name', () => {
    expect(timeFromArchiveName('home-2026-11-25T0200Z.tar.gz')?.toISOString()).toBe('2026-11-25T02:00:00.000Z');
    expect(timeFromArchiveName('etc_20261125-020030Z.tar')?.toISOString()).toBe('2026-11-25T02:00:30.000Z');
    expect(timeFromArchiveName('home-2026-11-25T0200.tar.gz')?.getTime()).toBe(new Date(2026, 10, 25, 2, 0).getTime());
    expect(timeFromArchiveName('home.tar.zst')).toBeUndefined();
  });
});

// The helper's restore mode reads and inflates the archive in the thread that parses it and feeds GNU tar through a
// non-blocking pipe (manifest_helper.py `_Inline`): a tar that starts late or reads slowly must still get every byte,
// and a restore that stops early must end the helper with its message, never hang it.
describe('tar restore through the helper: the pipe to tar', () => {
  const helper = path.resolve('src/io/backup/manifest_helper.py');
  let dir: string;
  let archive: string;
  const sums = new Map<string, string>();
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-tar-pipe-'));
    const src = path.join(dir, 'src', 'home');
    fs.mkdirSync(src, { recursive: true });
    // 24 MiB of incompressible content (three times the 8 MiB pipe) and many small files between the large ones
    for (let i = 0; i < 24; i++) {
      const big = crypto.randomBytes(1 << 20);
      fs.writeFileSync(path.join(src, `big${i}.bin`), big);
      sums.set(`home/big${i}.bin`, crypto.createHash('sha256').update(big).digest('hex'));
      for (let j = 0; j < 20; j++) {
        const small = Buffer.from(`file ${i}/${j}\n`.repeat(j + 1));
        fs.writeFileSync(path.join(src, `small${i}-${j}.txt`), small);
        sums.set(`home/small${i}-${j}.txt`, crypto.createHash('sha256').update(small).digest('hex'));
      }
    }
    archive = path.join(dir, 'site-2026-11-26T0100Z.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', path.join(dir, 'src'), 'home']);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (restore: string[]) =>
    spawnSync('python3', [helper, 'tar', '--file', archive, '--gunzip', '--restore', JSON.stringify(restore)], { encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 26 });

  it('a tar that starts late and reads slowly still gets the whole stream, and the manifest matches what it wrote', () => {
    const out = path.join(dir, 'late');
    fs.mkdirSync(out);
    // tar reads through a 64 KiB-at-a-time pipe stage that starts a second late
    const r = run(['sh', '-c', `sleep 1; dd bs=65536 status=none | tar -x -f - -C '${out}'`]);
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const manifest = new Map<string, string>();
    for (const line of r.stdout.trim().split('\n')) {
      const e = JSON.parse(line) as { path: string; type: string; sha256?: string };
      if (e.type === 'file') manifest.set(e.path, e.sha256!);
    }
    expect(manifest).toEqual(sums);
    for (const [p, sum] of sums) expect(crypto.createHash('sha256').update(fs.readFileSync(path.join(out, p))).digest('hex'), p).toBe(sum);
  });

  it('a restore that stops early ends the helper with its exit status and message', () => {
    const r = run(['sh', '-c', 'head -c 100000 > /dev/null; echo "no room left" >&2; exit 3']);
    expect(r.error).toBeUndefined();
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('sh exited with 3: no room left');
  });
});
