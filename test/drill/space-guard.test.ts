// The space guard a restore runs under while the snapshot's size is still being counted (restic), with a real
// writer on this machine's disk: held below the floor until the answer, then resumed (`go`) or killed (`stop`);
// never held when `go` came first; gone with the writer when no answer ever comes.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execLocal } from '../../src/io/standby/local.ts';
import { answerCommand, guardEvents, guardScript, type SpaceGuard } from '../../src/io/space-guard.ts';

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-space-guard-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Writers started by a test: a test that fails while one is held must not leave it, and its guard, behind. */
const started: { file: string; run: Promise<unknown> }[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) {
    if (!fs.existsSync(s.file)) await execLocal(answerCommand({ file: s.file }, 'stop'));
    await s.run;
  }
});

const MiB = 1024 * 1024;
const CHUNKS = 256;

/** Bytes free in `dir` as statfs counts them for an unprivileged writer (what the guard reads: `stat -f %a × %S`). */
function freeBytes(dir: string): number {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

/** A writer of CHUNKS files of 1 MiB in `dir`, run in the background and watched by the guard, as restic's restore is. */
function guarded(name: string, guard: SpaceGuard, onStdout?: (chunk: string) => void) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  const cmd =
    `d=${dir}; ( i=0; while [ $i -lt ${CHUNKS} ]; do head -c ${MiB} /dev/zero > "$d/f$i" || exit 9; i=$((i+1)); done ) & rp=$!; echo "PID $rp"\n` +
    `${guardScript(guard, 'rp', 'd')}\nwait "$rp"; echo "EXIT $?"`;
  const run = execLocal(cmd, { timeoutMs: 60_000, ...(onStdout ? { onStdout } : {}) });
  started.push({ file: guard.file, run });
  const files = () => fs.readdirSync(dir).length;
  return { dir, run, files };
}

/** Resolves with the text seen so far once `pattern` shows in the command's stdout. */
function waitFor(pattern: RegExp): { onStdout: (c: string) => void; seen: Promise<string> } {
  let text = '';
  let done: (t: string) => void;
  const seen = new Promise<string>((r) => (done = r));
  return {
    onStdout: (c) => {
      text += c;
      if (pattern.test(text)) done(text);
    },
    seen,
  };
}

const state = (pid: string) => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0];

/** The process's state once it is `want`, or as it is after 2 s (SIGSTOP lands a moment after `kill` returns). */
async function settled(pid: string, want: string): Promise<string> {
  for (let i = 0; i < 200 && state(pid) !== want; i++) await new Promise((r) => setTimeout(r, 10));
  return state(pid);
}

describe('the space guard', () => {
  it('holds the restore once free space is below the floor, keeps it held without an answer, and resumes it on `go`', async () => {
    const file = path.join(work, 'answer-go');
    const floorBytes = freeBytes(work) - 16 * MiB;
    const w = waitFor(/CONTINUITY-HELD \d+\n/);
    const g = guarded('held-go', { file, floorBytes }, w.onStdout);
    const text = await w.seen;
    const pid = /^PID (\d+)$/m.exec(text)![1];
    const heldAt = guardEvents(text).heldAtFree!;
    expect(heldAt).toBeLessThan(floorBytes);
    // held: stopped, and nothing more is written while no answer comes
    expect(await settled(pid, 'T')).toBe('T');
    const n = g.files();
    expect(n).toBeLessThan(CHUNKS);
    await new Promise((r) => setTimeout(r, 400));
    expect(g.files()).toBe(n);
    expect(state(pid)).toBe('T');
    expect((await execLocal(answerCommand({ file }, 'go'))).exitCode).toBe(0);
    const r = await g.run;
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/CONTINUITY-RESUMED\nEXIT 0\n$/);
    expect(g.files()).toBe(CHUNKS);
    console.log(`[figures] space guard: held with ${(heldAt / MiB).toFixed(1)} MiB free against a floor of ${(floorBytes / MiB).toFixed(1)} MiB, after ${n} of ${CHUNKS} MiB`);
  });

  it('kills the held restore on `stop`: it ends with SIGKILL (exit 137), the rest never written', async () => {
    const file = path.join(work, 'answer-stop');
    const w = waitFor(/CONTINUITY-HELD \d+\n/);
    const g = guarded('held-stop', { file, floorBytes: freeBytes(work) - 16 * MiB }, w.onStdout);
    await w.seen;
    const n = g.files();
    expect((await execLocal(answerCommand({ file }, 'stop'))).exitCode).toBe(0);
    const r = await g.run;
    expect(r.stdout).toMatch(/CONTINUITY-STOPPED\nEXIT 137\n$/);
    expect(guardEvents(r.stdout)).toMatchObject({ stopped: true, resumed: false });
    expect(g.files()).toBe(n);
  });

  it('never holds a restore whose answer came first, and stops looking', async () => {
    const file = path.join(work, 'answer-early');
    expect((await execLocal(answerCommand({ file }, 'go'))).exitCode).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe('go\n');
    // a floor above all free space: without the answer the guard would hold at once
    const g = guarded('early-go', { file, floorBytes: freeBytes(work) + 1024 * MiB });
    const r = await g.run;
    expect(r.stdout).not.toMatch(/CONTINUITY-(HELD|RESUMED|STOPPED)/);
    expect(r.stdout).toMatch(/EXIT 0\n$/);
    expect(g.files()).toBe(CHUNKS);
  });

  it('ends with the restore when no answer ever comes (the restore failed or finished first)', async () => {
    const file = path.join(work, 'answer-never');
    const dir = path.join(work, 'never');
    fs.mkdirSync(dir);
    const t0 = performance.now();
    const r = await execLocal(`d=${dir}; ( sleep 0.2; exit 5 ) & rp=$!\n${guardScript({ file, floorBytes: 0 }, 'rp', 'd')}\nwait "$rp"; echo "EXIT $?"`, { timeoutMs: 20_000 });
    expect(r.timedOut).toBe(false);
    expect(r.stdout).toBe('EXIT 5\n');
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(fs.existsSync(file)).toBe(false);
  });
});
