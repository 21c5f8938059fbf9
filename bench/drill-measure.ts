// bench/drill: timing commands (wall seconds, peak RSS under GNU time) and the page cache between runs.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { shq } from '../src/io/standby/types.ts';

export interface Timed {
  seconds: number;
  /** max resident set size of the largest process in the command's tree, MiB (GNU time %M) */
  rssMiB: number;
  /** user + system CPU seconds of the command and every child it waited for (GNU time %U + %S) */
  cpuSeconds: number;
  /** 1-minute load average of the machine when the command ended (other work on a shared machine skews wall times) */
  load: number;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run `argv` under /usr/bin/time; wall seconds from a monotonic clock around it. */
export function timed(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Timed> {
  const out = path.join(os.tmpdir(), `bench-drill-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      '/usr/bin/time',
      ['-f', '%e %M %U %S', '-o', out, ...argv],
      { env: { ...process.env, ...opts.env }, cwd: opts.cwd, maxBuffer: 1 << 30 },
      (err, stdout, stderr) => {
        const seconds = (performance.now() - t0) / 1000;
        if (!fs.existsSync(out)) return reject(err ?? new Error('/usr/bin/time wrote nothing'));
        const last = fs.readFileSync(out, 'utf8').trim().split('\n').at(-1) ?? '';
        fs.rmSync(out, { force: true });
        const [, kb, user, sys] = last.split(' ').map(Number);
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ seconds, rssMiB: kb / 1024, cpuSeconds: user + sys, load: os.loadavg()[0], exitCode: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
  });
}

/** A shell command line, timed. */
export function timedShell(command: string, opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Timed> {
  return timed(['/bin/sh', '-c', command], opts);
}

/** Write back dirty pages and drop the page cache, dentries and inodes; false when not permitted (not root, a container). */
export function dropCaches(): boolean {
  try {
    execFileSync('sync', [], { stdio: 'ignore' });
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3\n');
    return true;
  } catch {
    return false;
  }
}

/** Read every file under `dir` once, so a warm run finds it in the page cache. */
export async function warm(dir: string): Promise<void> {
  await timedShell(`find ${shq(dir)} -type f -print0 | xargs -0 -r cat > /dev/null`);
}

/** `sha256sum` over every regular file under `root`: one process, or `parallel` processes of 200 files each. */
export function sha256sumCommand(root: string, parallel = 1): string {
  const xargs = parallel > 1 ? `xargs -0 -r -P ${parallel} -n 200 sha256sum` : 'xargs -0 -r sha256sum';
  return `cd ${shq(root)} && find . -type f -print0 | ${xargs} > /dev/null`;
}

/** Where restores land in the bench. */
export interface Scratch {
  dir: string;
  /** how it is set up, for the report */
  note: string;
  /** make it fresh again (a new file system; a plain folder emptied), so that every measurement starts alike */
  renew(): void;
  release(): void;
}

/**
 * A fresh ext4 file system (a loop-mounted sparse image, mounted without online discard, as Debian mounts ext4) at
 * `dir`, so restores and their removal measure the tools rather than this host's disk options; a plain folder when
 * not root. `bytes` is its size.
 */
export function scratchFs(dir: string, bytes: number, inodes: number): Scratch {
  const img = `${dir}.img`;
  const sh = (c: string) => execFileSync('/bin/sh', ['-c', c], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const unmount = () => {
    try {
      sh(`mountpoint -q ${shq(dir)} && umount ${shq(dir)}; true`);
    } catch {
      /* not mounted */
    }
  };
  unmount();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const plain = (why: string): Scratch => ({
    dir,
    note: `a plain folder (${why})`,
    renew() {
      for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
    },
    release() {},
  });
  if (process.getuid?.() !== 0) return plain('not root: no scratch file system');
  const make = () => {
    fs.rmSync(img, { force: true });
    // inode tables and journal written now, not by the kernel's ext4lazyinit thread while the timed restore runs
    // (400 000 inodes: 100 MB of inode tables on the 1 GB bench)
    sh(`truncate -s ${bytes} ${shq(img)} && mkfs.ext4 -q -F -N ${inodes} -E lazy_itable_init=0,lazy_journal_init=0 ${shq(img)} && mount -o loop,noatime ${shq(img)} ${shq(dir)}`);
  };
  try {
    make();
  } catch (err) {
    fs.rmSync(img, { force: true });
    return plain(`could not mount a scratch ext4: ${String((err as { stderr?: string }).stderr ?? err).trim()}`);
  }
  return {
    dir,
    note: `a fresh ${(bytes / 2 ** 30).toFixed(1)} GiB ext4 (loop-mounted sparse image, inode tables and journal initialised by mkfs, noatime, no online discard) at ${dir}`,
    renew() {
      sh('sync');
      unmount();
      make();
    },
    release() {
      try {
        sh(`umount ${shq(dir)}`);
      } catch {
        /* busy: leave it; the next run unmounts it */
      }
      fs.rmSync(img, { force: true });
    },
  };
}
