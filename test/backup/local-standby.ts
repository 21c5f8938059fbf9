// The local standby for adapter tests: restores go to a scratch folder on this machine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalStandby } from '../../src/io/standby/local.ts';

/** A LocalStandby whose restore folder is removed on close. */
export async function localStandby() {
  const restoreDir = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-restore-'));
  return {
    standby: new LocalStandby(restoreDir),
    restoreDir,
    repoOnStandby: (p: string) => p,
    readLocal: (p: string) => p,
    close: async () => fs.rmSync(restoreDir, { recursive: true, force: true }),
  };
}
