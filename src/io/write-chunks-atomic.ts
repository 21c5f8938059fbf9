// Write a report produced piece by piece to a file atomically (temp file + rename), without
// ever holding the whole text: pieces are gathered into writes of up to 4 MB.
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError, ContinuityError } from '../core/errors.ts';

const FLUSH_AT = 4 << 20;

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

/**
 * Write the pieces to an open file descriptor (e.g. 1 for stdout) in writes of up to 4 MB. The pieces
 * are encoded into one reused buffer: no joined string and no fresh buffer per write (on this
 * machine fresh memory is the slow part of writing a 30 MB report).
 */
export function writeChunks(fd: number, pieces: Iterable<string>): void {
  const out = Buffer.allocUnsafe(FLUSH_AT);
  let used = 0;
  const writeAll = (buf: Buffer, length: number) => {
    let off = 0;
    while (off < length) {
      try {
        off += writeSync(fd, buf, off, length - off);
      } catch (err) {
        // a non-blocking stdout (pipe, terminal) may be full for a moment: try again
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      }
    }
  };
  const flush = () => {
    writeAll(out, used);
    used = 0;
  };
  for (const p of pieces) {
    // a UTF-8 character is at most 3 bytes for each UTF-16 unit
    if (p.length * 3 > FLUSH_AT - used) {
      if (used) flush();
      if (p.length * 3 > FLUSH_AT) {
        // a big piece goes out as it is
        const big = Buffer.from(p, 'utf8');
        writeAll(big, big.length);
        continue;
      }
    }
    used += out.write(p, used, 'utf8');
  }
  if (used) flush();
}
