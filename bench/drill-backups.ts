// bench/drill: one real backup of the bench tree with each tool (cached next to the tree), and each tool's own
// restore command for the same snapshot and paths, as an administrator would type it without continuity.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { shq } from '../src/io/standby/types.ts';

export const TOOLS = ['tar', 'rsync', 'rdiff-backup', 'restic', 'borg'] as const;
export type BenchTool = (typeof TOOLS)[number];

/** What the drill restores (relative to the backup root): the home directories and /etc, as a Debian Edu site does. */
export const PATHS = ['skole/tjener/home0', 'etc'];
/** Password of the bench's restic and borg repositories (a bench secret; it guards nothing). */
export const BENCH_PASSWORD = 'bench-only: Rødgrøt med fløte';

export interface Repo {
  tool: BenchTool;
  /** what the site file's `backup.repository` names */
  repository: string;
  /** the snapshot a bare restore uses: tar archive name, rdiff-backup time, restic id, borg archive */
  snapshot: string;
  /** seconds the backup took (when it was made in this run) */
  backupSeconds?: number;
  /** bytes the repository occupies */
  repoBytes: number;
}

function sh(command: string, opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): string {
  try {
    return execFileSync('/bin/sh', ['-c', command], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      input: opts.input,
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`\`${command}\` failed: ${(e.stderr || e.message).trim()}`);
  }
}

/** Bytes under a path (du -sb). */
export function duBytes(p: string): number {
  return Number(sh(`du -sb ${shq(p)}`).split(/\s/)[0]);
}

const secretEnv = (cache: string) => ({
  RESTIC_PASSWORD: BENCH_PASSWORD,
  BORG_PASSPHRASE: BENCH_PASSWORD,
  RESTIC_CACHE_DIR: path.join(cache, 'tool-cache', 'restic'),
  BORG_BASE_DIR: path.join(cache, 'tool-cache', 'borg'),
  TZ: 'UTC',
});

/** Back the tree up with `tool` into `<cache>/repos/<tool>`, or reuse the repository a previous run finished. */
export function ensureBackup(tool: BenchTool, tree: string, cache: string, say: (s: string) => void): Repo {
  const dir = path.join(cache, 'repos', tool);
  const marker = path.join(cache, 'repos', `${tool}.done.json`);
  if (fs.existsSync(marker)) return JSON.parse(fs.readFileSync(marker, 'utf8')) as Repo;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const env = secretEnv(cache);
  say(`  backing up with ${tool} into ${dir} …`);
  const t0 = performance.now();
  let repository = dir;
  let snapshot = '';
  switch (tool) {
    case 'tar': {
      // a nightly gzip'ed archive, as most school scripts make
      fs.mkdirSync(dir);
      snapshot = `tjener-${new Date().toISOString().slice(0, 16).replace(':', '')}Z.tar.gz`;
      sh(`tar -c -z -f ${shq(path.join(dir, snapshot))} -C ${shq(tree)} skole etc`);
      break;
    }
    case 'rsync':
      sh(`rsync -aHAX --numeric-ids ${shq(tree + '/')} ${shq(dir + '/')} && touch ${shq(path.join(dir, '.continuity-snapshot'))}`);
      snapshot = 'mirror';
      break;
    case 'rdiff-backup': {
      // slbackup's layout: the repository mirrors the server's root (skole/..., etc)
      sh(`rdiff-backup --api-version 201 backup ${shq(tree)} ${shq(dir)}`);
      const list = sh(`rdiff-backup --api-version 201 --parsable-output list increments ${shq(dir)}`);
      snapshot = /time: (\d+)/.exec(list)![1];
      break;
    }
    case 'restic': {
      sh(`restic init -q -r ${shq(dir)}`, { env });
      sh(`restic -q -r ${shq(dir)} backup ${shq(tree)}`, { env });
      const snaps = JSON.parse(sh(`restic -q -r ${shq(dir)} snapshots --json`, { env })) as { id: string }[];
      snapshot = snaps[0].id;
      break;
    }
    case 'borg': {
      snapshot = `tjener-${new Date().toISOString().slice(0, 19)}`;
      sh(`borg init -e repokey ${shq(dir)}`, { env });
      sh(`borg create ${shq(`${dir}::${snapshot}`)} skole etc`, { env, cwd: tree });
      break;
    }
  }
  const repo: Repo = { tool, repository, snapshot, backupSeconds: (performance.now() - t0) / 1000, repoBytes: duBytes(dir) };
  fs.writeFileSync(marker, JSON.stringify(repo, null, 1));
  say(`  ${tool}: ${(repo.backupSeconds ?? 0).toFixed(1)} s, repository ${(repo.repoBytes / 1e6).toFixed(0)} MB`);
  return repo;
}

/**
 * The tool's own restore of the same snapshot and paths into the empty folder `target`, keeping numeric owners and
 * modes (the same options the drill's adapter needs for a faithful restore, nothing more), as one shell line. Like the
 * drill's adapters, restic and borg keep their caches between runs (in the bench cache).
 */
export function bareRestoreCommand(repo: Repo, tree: string, target: string, cache: string): { command: string; env: NodeJS.ProcessEnv } {
  const t = shq(target);
  const env = { RESTIC_PASSWORD: BENCH_PASSWORD, BORG_PASSPHRASE: BENCH_PASSWORD, TZ: 'UTC' };
  switch (repo.tool) {
    case 'tar':
      return { command: `tar -x -z --same-owner --numeric-owner -p -f ${shq(path.join(repo.repository, repo.snapshot))} -C ${t} ${PATHS.map(shq).join(' ')}`, env };
    case 'rsync':
      return {
        command: `rsync -aHAX --numeric-ids --relative ${PATHS.map((p) => shq(`${repo.repository}/./${p}`)).join(' ')} ${shq(target + '/')}`,
        env,
      };
    case 'rdiff-backup':
      // one restore per chosen path (rdiff-backup restores one path at a time); API 200 as the adapter (201's restore crashes in 2.2.2)
      return {
        command: PATHS.map(
          (p) => `mkdir -p ${shq(path.dirname(`${target}/${p}`))} && rdiff-backup --api-version 200 restore --preserve-numerical-ids --at ${repo.snapshot} ${shq(`${repo.repository}/${p}`)} ${shq(`${target}/${p}`)}`,
        ).join(' && '),
        env,
      };
    case 'restic':
      return {
        command: `restic -q -r ${shq(repo.repository)} --no-lock --cache-dir ${shq(path.join(cache, 'tool-cache', 'restic-bare'))} restore ${repo.snapshot} --target ${t} ${PATHS.map((p) => `--include ${shq(`${tree}/${p}`)}`).join(' ')}`,
        env,
      };
    case 'borg':
      return {
        command: `cd ${t} && borg extract --numeric-ids --bypass-lock ${shq(`${repo.repository}::${repo.snapshot}`)} ${PATHS.map(shq).join(' ')}`,
        env: { ...env, BORG_BASE_DIR: path.join(cache, 'tool-cache', 'borg-bare'), BORG_RELOCATED_REPO_ACCESS_IS_OK: 'yes' },
      };
  }
}

/** Where the restored files are inside a bare restore's target (restic restores the absolute source path). */
export function bareRestoredRoot(repo: Repo, tree: string, target: string): string {
  return repo.tool === 'restic' ? path.join(target, tree) : target;
}
