// runTool's failures as the drill shows them: a real process on a local standby exits non-zero with what a backup
// tool prints; the message names tool, action and repository, keeps the tool's own error and drops Go's traces.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepFailed } from '../../src/core/errors.ts';
import { runTool } from '../../src/io/backup/tool-run.ts';
import { shq } from '../../src/io/standby/types.ts';
import { LocalStandby } from '../../src/io/standby/local.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-tool-run-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The message runTool fails with when the command prints `stderr` and exits with `code`. */
async function failure(stderr: string, code = 2): Promise<string> {
  const file = path.join(dir, `stderr-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(file, stderr);
  try {
    await runTool(new LocalStandby(dir), { tool: 'restic', action: 'list files of', repository: '/backup/r', command: `cat ${shq(file)} >&2; exit ${code}`, secret: 'hemmelig' });
  } catch (err) {
    expect(err).toBeInstanceOf(StepFailed);
    return (err as Error).message;
  }
  throw new Error('no failure');
}

// as restic 0.18 printed it listing a repository whose tree packs were damaged (trace shortened)
const PANIC = `panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x893e95]

goroutine 1 [running]:
github.com/restic/restic/internal/walker.walk({0x1a2b3c0, 0xc0000a4000}, {0x0, 0x0}, 0x0)
\t/build/restic-0.18.0/internal/walker/walker.go:77 +0x55
main.runLs({0x1a2b3c0, 0xc0000a4000}, {0xc00019e000, 0x2, 0x2})
\t/build/restic-0.18.0/cmd/restic/cmd_ls.go:396 +0x9a5
main.main()
\t/build/restic-0.18.0/cmd/restic/main.go:174 +0x2b4
`;

describe('runTool failures', () => {
  it('a Go panic is said to be a crash, with its own line and none of the trace', async () => {
    const m = await failure(PANIC);
    expect(m).toBe(
      'restic: could not list files of /backup/r: restic crashed (exit 2, Go panic: runtime error: invalid memory address or nil pointer dereference); a damaged repository can cause this: check it with the tool\'s own check',
    );
  });

  it('an ordinary error keeps the tool\'s last lines, Go frames and goroutine headers left out, the secret never shown', async () => {
    const m = await failure(
      'Fatal: load <data/1234abcd>: ciphertext verification failed\ngoroutine 1 [running]:\nmain.main()\n\t/build/restic/main.go:174 +0x2b4\nthe password was hemmelig\n',
      1,
    );
    expect(m).toBe('restic: could not list files of /backup/r (exit 1): Fatal: load <data/1234abcd>: ciphertext verification failed\nthe password was ***');
  });
});

// as borg 1.4.0 (Debian 13) printed it extracting from a repository with 64 bytes flipped in a chunk (traceback shortened)
const BORG_INTEGRITY = `Data integrity error: Segment entry checksum mismatch [segment 2, offset 2117896]
Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/borg/archiver.py", line 5391, in main
    exit_code = archiver.run(args)
                ^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3/dist-packages/borg/repository.py", line 1550, in _read
    raise IntegrityError(f"Segment entry checksum mismatch [segment {segment}, offset {offset}]")
borg.helpers.errors.IntegrityError: Data integrity error: Segment entry checksum mismatch [segment 2, offset 2117896]

Platform: Linux fd88291bd5c8 6.18.44-fc-v782 #1 SMP PREEMPT_DYNAMIC @0 x86_64
Linux: Unknown Linux
Borg: 1.4.0  Python: CPython 3.13.5 msgpack: 1.0.3 fuse: None [pyfuse3,llfuse]
PID: 14  CWD: /tmp/r
sys.argv: ['/usr/bin/borg', 'extract', '--numeric-ids', '--bypass-lock', '/b/repo::t1', 'skole']
SSH_ORIGINAL_COMMAND: None
`;

describe('runTool failures from Python tools', () => {
  it("borg's own error is kept; its traceback and its report about the machine are left out", async () => {
    const m = await failure(BORG_INTEGRITY);
    expect(m).toBe('restic: could not list files of /backup/r (exit 2): Data integrity error: Segment entry checksum mismatch [segment 2, offset 2117896]');
  });

  it('a stderr that is only a (chained) traceback keeps the exceptions, not the frames', async () => {
    const m = await failure(
      'Traceback (most recent call last):\n  File "x.py", line 1, in <module>\nKeyError: \'a\'\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File "x.py", line 3, in <module>\nValueError: bad archive\n',
      1,
    );
    expect(m).toBe("restic: could not list files of /backup/r (exit 1): KeyError: 'a'\nValueError: bad archive");
  });
});
