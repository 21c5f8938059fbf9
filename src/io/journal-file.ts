// Write a drill journal (or any report) atomically: a temp file in the same folder, fsync, rename,
// so a reader or a crash never sees half a file and never loses the previous good version.
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Journal } from '../core/journal.ts';
import { scrub } from '../core/scrub.ts';

let counter = 0;

/** Atomically replace `file` with `text` (temp + fsync + rename + fsync of the folder). */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${++counter}.tmp`);
  try {
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    /* some file systems cannot fsync a directory; the rename is still atomic */
  }
}

/** Write the journal as pretty JSON, with every secret scrubbed. */
export async function writeJournal(file: string, journal: Journal, secrets: readonly string[] = []): Promise<void> {
  await writeFileAtomic(file, `${scrub(JSON.stringify(journal, null, 2), secrets)}\n`);
}
