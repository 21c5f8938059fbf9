// Temporary folders for tests that remove themselves: no continuity-* folders left in /tmp after a run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished, TestRunner } from 'vitest';

/**
 * A fresh folder in the system's temp folder, named `<prefix>XXXXXX`, removed with all it holds
 * - when the test ends, if made inside a test;
 * - after the last test of the enclosing describe (or of the file), if made while the file is collected
 *   (at its top level or in a describe body).
 * Not inside beforeAll/afterAll: a hook registered while the file runs would never be called (vitest
 * gathers hooks while collecting), so that throws; make one folder at collection time instead and
 * folders inside it (mkdtempSync(join(dir, ...))).
 */
export function tempDir(prefix = 'continuity-'): string {
  const inTest = TestRunner.getCurrentTest() !== undefined;
  if (!inTest && TestRunner.getCurrentSuite().file?.result) {
    throw new Error('tempDir() inside a hook: call it at collection time or inside a test (see test/support/temp-dir.ts)');
  }
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  if (inTest) onTestFinished(remove);
  else afterAll(remove);
  return dir;
}
