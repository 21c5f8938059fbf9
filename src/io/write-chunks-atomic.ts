// Write a report produced piece by piece to a file atomically (temp file + rename), without
// ever holding the whole text: pieces are gathered into writes of up to 4 MB.
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError, ContinuityError } from '../core/errors.ts';

const FLUSH_AT = 4 << 20;

/**
 * A piece that is part of a longer string: `text` from `start` to `end`, where what is cut off at
 * either end is ASCII. Written without making the substring (on this machine the fresh memory
 * of copying a 30 MB report into substrings costs more than encoding it). join() and String()
 * give the substring, so a list of pieces still joins to the text.
 */
export class TextSlice {
  constructor(
    readonly text: string,
    readonly start: number,
    readonly end: number,
  ) {}

  toString(): string {
    return this.text.slice(this.start, this.end);
  }
}

/** A report piece: a string, or a slice of one. */
export type Piece = string | TextSlice;

/** Write the pieces to `file` through a temporary file in the same directory and a rename. */
export function writeChunksAtomic(file: string, pieces: Iterable<Piece>): void {
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
export function writeChunks(fd: number, pieces: Iterable<Piece>): void {
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
  for (const piece of pieces) {
    const text = typeof piece === 'string' ? piece : piece.text;
    // a UTF-8 character is at most 3 bytes for each UTF-16 unit
    if (text.length * 3 > FLUSH_AT - used) {
      if (used) flush();
      if (text.length * 3 > FLUSH_AT) {
        // a big piece goes out as it is
        const big = Buffer.from(String(piece), 'utf8');
        writeAll(big, big.length);
        continue;
      }
    }
    const n = out.write(text, used, 'utf8');
    if (typeof piece === 'string') used += n;
    else {
      // the cut-off ends are ASCII: as many bytes as characters
      const cut = piece.start + (text.length - piece.end);
      out.copyWithin(used, used + piece.start, used + n - (text.length - piece.end));
      used += n - cut;
    }
  }
  if (used) flush();
}
