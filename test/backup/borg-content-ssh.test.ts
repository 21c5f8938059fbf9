// borg's content check by chunk ids over SSH on a standby container (Debian's borg 1.2.4, its own python), the
// repository bind-mounted READ-ONLY as a backup disk: the metadata manifest equals the export-tar manifest less the
// digests, every restored file matches, a byte flipped inside the container is named, the repository is unchanged.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { borgAdapter } from '../../src/io/backup/borg.ts';
import type { BackupSource, FileEntry, Snapshot } from '../../src/io/backup/types.ts';
import { SshStandby } from '../../src/io/standby/ssh.ts';
import { CHOSEN, hashRepository, makeBackups, PASSWORD, type Backups } from '../support/backup-fixtures.ts';
import { startStandby, stopAll, type StartedStandby } from '../support/containers.ts';
import { needImage, needTool } from '../support/tools.ts';

let b: Backups;
let sb: StartedStandby;
let standby: SshStandby;
let before = '';
let source: BackupSource;
let snap: Snapshot;

const ready = needTool('borg') && needImage('continuity/standby:latest');

beforeAll(async () => {
  if (!ready) return;
  b = makeBackups(['borg']);
  before = hashRepository(b.repos.borg!);
  sb = await startStandby({ binds: [{ source: b.dir, target: '/backup', mode: 'ro' }] });
  standby = await SshStandby.connect({ user: 'root', host: sb.host, port: sb.port, identityFile: sb.identityFile, knownHostsFile: sb.knownHostsFile });
  source = { tool: 'borg', repository: path.posix.join('/backup', path.relative(b.dir, b.repos.borg!)), paths: CHOSEN, password: PASSWORD };
  const snaps = await borgAdapter.listSnapshots(standby, source);
  snap = snaps[snaps.length - 1];
}, 240_000);

afterAll(async () => {
  await standby?.close();
  await stopAll();
  b?.cleanup();
});

async function collect(it: AsyncIterable<FileEntry>): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

describe.skipIf(!ready)('borg content check over SSH, repository read-only', () => {
  it('metadata manifest, chunk-id check of a real restore, a flipped byte named, repository unchanged', async () => {
    const full = await collect(borgAdapter.manifest(standby, source, snap));
    const meta = await collect(borgAdapter.manifest(standby, source, snap, { content: false, background: true }));
    expect(meta).toEqual(full.map(({ sha256: _, ...e }) => e));
    const root = '/srv/restore-content';
    await borgAdapter.restore(standby, source, snap, root, { timeoutMs: 120_000 });
    const ok = await borgAdapter.checkContent!(standby, source, snap, root, {});
    expect(ok.by).toBe('borg chunk ids');
    expect(ok.differs).toEqual([]);
    expect([...ok.matched].sort()).toEqual(full.filter((e) => e.type === 'file').map((e) => e.path).sort());
    const rel = 'skole/tjener/home0/laerer01/video/forelesning.bin';
    const flip = await sb.exec([
      'python3',
      '-c',
      'import sys\nf = open(sys.argv[1], "r+b")\nf.seek(5000000)\nc = f.read(1)[0]\nf.seek(5000000)\nf.write(bytes([c ^ 1]))',
      `${root}/${rel}`,
    ]);
    expect(flip.exitCode).toBe(0);
    const bad = await borgAdapter.checkContent!(standby, source, snap, root, {});
    expect(bad.differs).toEqual([{ path: rel, found: 'byte 5000000 differs' }]);
    expect(hashRepository(b.repos.borg!)).toBe(before);
  }, 240_000);
});
