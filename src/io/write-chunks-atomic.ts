// Write a report produced piece by piece to a file atomically (temp file + rename), without
// ever holding the whole text: pieces are gathered into ~1 MB writes.
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError, ContinuityError } from '../core/errors.ts';

const FLUSH_AT = 1 << 20;

/** Write the pieces to `file` through a temporary file in the same directory and a rename. */
export function writeChunksAtomic(file: string, pieces: Iterable<string>): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'wx');
    writeChunks(fd, pieces);
    closeSync(fd);
    fd = null;
    renameSync(tmp, file);
  } catch (err) {
    if (fd !== null) closeSync(fd);
    rmSync(tmp, { force: true });
    // a failure while making the pieces is the caller's to report, not a write error
    const code = (err as NodeJS.ErrnoException).code;
    if (err instanceof ContinuityError || typeof code !== 'string') throw err;
    throw new ConfigError(`${file}: cannot write (${code})`);
  }
}

/** Write the pieces to an open file descriptor (e.g. 1 for stdout) in ~1 MB writes. */
export function writeChunks(fd: number, pieces: Iterable<string>): void {
  let pending: string[] = [];
  let size = 0;
  const flush = () => {
    const buf = Buffer.from(pending.join(''), 'utf8');
    let off = 0;
    while (off < buf.length) {
      try {
        off += writeSync(fd, buf, off, buf.length - off);
      } catch (err) {
        // a non-blocking stdout (pipe, terminal) may be full for a moment: try again
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      }
    }
    pending = [];
    size = 0;
  };
  for (const p of pieces) {
    if (p.length >= FLUSH_AT) {
      // a big piece goes out as it is, after what was gathered before it
      if (size) flush();
      pending.push(p);
      flush();
      continue;
    }
    pending.push(p);
    size += p.length;
    if (size >= FLUSH_AT) flush();
  }
  if (size) flush();
}
