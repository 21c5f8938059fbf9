// Back up a folder with a real tool, the way a school's nightly job would: used by the demo to make
// the repository that the drill then restores. (Drills themselves never write to a repository.)
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { StepFailed } from '../core/errors.ts';
import type { BackupToolName } from '../core/site.ts';

const run = promisify(execFile);

/** Is a program on PATH? */
export async function hasProgram(name: string): Promise<boolean> {
  try {
    await run('sh', ['-c', 'command -v "$1"', 'sh', name]);
    return true;
  } catch {
    return false;
  }
}

async function sh(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<void> {
  try {
    await run(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, maxBuffer: 1 << 28 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new StepFailed(`${cmd} ${args[0] ?? ''}: ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' | ')}`);
  }
}

/** The repository a backup made, as a site file names it. */
export interface MadeBackup {
  tool: BackupToolName;
  /** the site file's `backup.repository` */
  repository: string;
  /** folders of the backup root the backup holds */
  paths: string[];
  /** the site file's `backup.checksums`: the sha256sum list the job wrote (rsync, tar) */
  checksums?: string;
}

/** The job's last step for a backup that records no checksums of its own: `sha256sum` over `files`, run in `dir`. */
async function writeChecksums(dir: string, files: string): Promise<string> {
  await sh('sh', ['-c', `cd "$1" && ${files} | xargs -0 sha256sum > SHA256SUMS.new && mv SHA256SUMS.new SHA256SUMS`, 'sh', dir]);
  return 'SHA256SUMS';
}

/**
 * Back up `source` (holding `paths`, e.g. skole and etc) into a new repository under `repoDir`.
 * Layouts match what the adapters read: slbackup's rdiff-backup tree, a restic/borg repository,
 * an rsync mirror with its `.continuity-snapshot` stamp, a folder of dated .tar.gz archives.
 */
export async function makeBackup(tool: BackupToolName, source: string, repoDir: string, o: { password?: string; cacheDir: string; paths: string[]; now: Date }): Promise<MadeBackup> {
  const stamp = o.now.toISOString().replace(/:\d\d\.\d+Z$/, '').replace(':', ''); // 2026-11-25T0200
  const secretEnv = { RESTIC_PASSWORD: o.password ?? '', BORG_PASSPHRASE: o.password ?? '' };
  switch (tool) {
    case 'rdiff-backup': {
      const repo = path.join(repoDir, 'skole', 'backup', 'tjener');
      fs.mkdirSync(path.dirname(repo), { recursive: true });
      await sh('rdiff-backup', ['--api-version', '201', 'backup', source, repo]);
      return { tool, repository: repo, paths: o.paths };
    }
    case 'restic': {
      const repo = path.join(repoDir, 'restic');
      const env = { ...secretEnv, RESTIC_CACHE_DIR: path.join(o.cacheDir, 'restic') };
      await sh('restic', ['init', '-q', '-r', repo], { env });
      await sh('restic', ['-r', repo, 'backup', '-q', source], { env });
      return { tool, repository: repo, paths: o.paths };
    }
    case 'borg': {
      const repo = path.join(repoDir, 'borg');
      const env = { ...secretEnv, BORG_BASE_DIR: path.join(o.cacheDir, 'borg') };
      await sh('borg', ['init', '-e', 'repokey', repo], { env });
      await sh('borg', ['create', `${repo}::tjener-${stamp}`, ...o.paths], { cwd: source, env });
      return { tool, repository: repo, paths: o.paths };
    }
    case 'rsync': {
      const repo = path.join(repoDir, 'rsync-mirror');
      fs.mkdirSync(repo, { recursive: true });
      await sh('rsync', ['-aHAX', '--numeric-ids', '--delete', '--exclude=/.continuity-snapshot', `${source}/`, `${repo}/`]);
      const checksums = await writeChecksums(repo, "find . -type f ! -path ./.continuity-snapshot ! -path './SHA256SUMS*' -print0");
      fs.writeFileSync(path.join(repo, '.continuity-snapshot'), '');
      return { tool, repository: repo, paths: o.paths, checksums };
    }
    case 'tar': {
      const repo = path.join(repoDir, 'tar');
      fs.mkdirSync(repo, { recursive: true });
      await sh('tar', ['-c', '-z', '-f', path.join(repo, `tjener-${stamp}Z.tar.gz`), '-C', source, ...o.paths]);
      const checksums = await writeChecksums(repo, "find . -maxdepth 1 -name '*.tar.gz' -print0");
      return { tool, repository: repo, paths: o.paths, checksums };
    }
  }
}
