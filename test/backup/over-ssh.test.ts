// Every backup adapter restoring over SSH into a real standby container, the repository bind-mounted
// READ-ONLY as a backup disk on a reserve machine: the restored bytes, owners and modes are read inside
// the container (docker exec find/sha256sum, not our own code), and the repository is unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { adapterFor } from '../../src/io/backup/index.ts';
import type { BackupSource, Snapshot } from '../../src/io/backup/types.ts';
import { SshStandby } from '../../src/io/standby/ssh.ts';
import { CHOSEN, hashRepository, makeBackups, PASSWORD, TIMES, treeOf, type Backups, type Tool } from '../support/backup-fixtures.ts';
import { startStandby, stopAll, type StartedStandby } from '../support/containers.ts';
import { containerTree } from '../support/fault-helpers.ts';
import { needImage, needTool } from '../support/tools.ts';

type RepoKey = keyof Backups['repos'];
interface Case {
  name: string;
  tool: Tool;
  key: RepoKey;
  /** where the standby sees the repository */
  onStandby: (b: Backups) => string;
  single?: boolean;
  password?: boolean;
}

const inBackup = (key: RepoKey) => (b: Backups) => path.posix.join('/backup', path.relative(b.dir, b.repos[key]!));
const CASES: Case[] = [
  { name: 'tar (.tar)', tool: 'tar', key: 'tar', onStandby: inBackup('tar') },
  { name: 'tar (.tar.gz)', tool: 'tar', key: 'tar.gz', onStandby: inBackup('tar.gz') },
  { name: 'tar (.tar.zst)', tool: 'tar', key: 'tar.zst', onStandby: inBackup('tar.zst') },
  { name: 'rsync mirror', tool: 'rsync', key: 'rsync', onStandby: inBackup('rsync'), single: true },
  // Debian Edu's slbackup writes /skole/backup/<host>/skole/tjener/home0: mounted exactly there
  { name: 'rdiff-backup (slbackup layout /skole/backup/tjener)', tool: 'rdiff-backup', key: 'rdiff-backup', onStandby: () => '/skole/backup/tjener' },
  { name: 'restic', tool: 'restic', key: 'restic', onStandby: inBackup('restic'), password: true },
  { name: 'borg', tool: 'borg', key: 'borg', onStandby: inBackup('borg'), password: true },
];

let b: Backups;
let sb: StartedStandby;
let standby: SshStandby;
const before = new Map<RepoKey, string>();

beforeAll(async () => {
  for (const t of ['tar', 'rsync', 'rdiff-backup', 'restic', 'borg', 'zstd']) needTool(t);
  needImage('continuity/standby:latest');
  b = makeBackups(['tar', 'rsync', 'rdiff-backup', 'restic', 'borg']);
  for (const c of CASES) before.set(c.key, hashRepository(b.repos[c.key]!));
  sb = await startStandby({
    binds: [
      { source: b.dir, target: '/backup', mode: 'ro' },
      { source: b.repos['rdiff-backup']!, target: '/skole/backup/tjener', mode: 'ro' },
    ],
  });
  standby = await SshStandby.connect({ user: 'root', host: sb.host, port: sb.port, identityFile: sb.identityFile, knownHostsFile: sb.knownHostsFile });
}, 180_000);

afterAll(async () => {
  await standby?.close();
  await stopAll();
  b?.cleanup();
});

describe('backup adapters over SSH onto a standby container, repository mounted read-only', () => {
  it('the repository really is read-only inside the container', async () => {
    const r = await sb.exec('touch /backup/x 2>&1; touch /skole/backup/tjener/x 2>&1; true');
    expect(r.stdout.match(/Read-only file system/g)).toHaveLength(2);
  });

  let n = 0;
  for (const c of CASES) {
    describe(c.name, () => {
      let source: BackupSource;
      let snaps: Snapshot[];
      beforeAll(async () => {
        source = { tool: c.tool, repository: c.onStandby(b), paths: CHOSEN, ...(c.password ? { password: PASSWORD } : {}) };
      });

      it('lists the snapshots with their times through the standby', async () => {
        snaps = await adapterFor(c.tool).listSnapshots(standby, source);
        const want = c.single ? [TIMES.v2] : [TIMES.v1, TIMES.v2];
        expect(snaps.map((s) => s.time.toISOString())).toEqual(want.map((t) => t.toISOString()));
      });

      for (const v of c.single ? (['v2'] as const) : (['v1', 'v2'] as const)) {
        it(`restores the chosen paths of the ${v === 'v1' ? 'older' : 'newest'} snapshot: bytes, owners and modes as read inside the container`, async () => {
          const snap = v === 'v1' ? snaps[0] : snaps[snaps.length - 1];
          const root = `/srv/restore-${++n}`;
          await adapterFor(c.tool).restore(standby, source, snap, root, { timeoutMs: 120_000 });
          const got = await containerTree(sb, root, CHOSEN);
          const want = treeOf(b.expected[v]);
          expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
          for (const [p, e] of want) expect(got.get(p), p).toEqual(e);
          // a pupil's private home stays private and keeps its owner; a file in it too
          const st = await sb.exec(['stat', '-c', '%a %u %g', `${root}/skole/tjener/home0/elev01`, `${root}/skole/tjener/home0/elev01/notater.txt`]);
          expect(st.stdout.trim().split('\n')).toEqual(['700 1001 1001', '600 1001 1001']);
          // what was not chosen did not come back
          const other = await sb.exec(['test', '-e', `${root}/skole/tjener/home1`]);
          expect(other.exitCode).toBe(1);
        });
      }

      it('left the repository byte for byte as it was', () => {
        expect(hashRepository(b.repos[c.key]!)).toBe(before.get(c.key));
      });
    });
  }
});
