// What the person running a drill sees: a live status line on a terminal, plain lines in a log.
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { drillProgress } from '../../src/io/drill-progress.ts';

function sink(isTTY: boolean) {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY, columns: 80 });
  return { stream, text: () => text };
}

describe('drill progress', () => {
  it('a terminal gets a redrawn status line with the elapsed time, then a final line per phase', async () => {
    const s = sink(true);
    const p = drillProgress(s.stream, true);
    p.event({ type: 'phase-start', phase: 'restore', timeoutSeconds: 3600 });
    p.event({ type: 'progress', phase: 'restore', message: 'restoring skole/tjener/home0' });
    await new Promise((r) => setTimeout(r, 350));
    p.event({ type: 'phase-end', phase: 'restore', status: 'passed', seconds: 0.35, detail: 'done' });
    p.stop();
    const out = s.text();
    expect(out.split('\r\x1b[2K').length).toBeGreaterThan(3); // redrawn in place several times
    expect(out).toMatch(/restore\s+0\.\d\d s {2}restoring skole\/tjener\/home0/);
    expect(out).toMatch(/✓ restore {3}passed\s+0\.35 s {2}done\n$/);
  });

  it('a log gets plain lines only: no escape sequences, no carriage returns', () => {
    const s = sink(false);
    const p = drillProgress(s.stream, false);
    p.event({ type: 'phase-start', phase: 'verify', timeoutSeconds: 60 });
    p.event({ type: 'check', phase: 'verify', check: { name: 'x', passed: false, detail: 'bad' } });
    p.event({ type: 'phase-end', phase: 'verify', status: 'failed', seconds: 1, detail: 'bad' });
    p.stop();
    expect(s.text()).toBe('verify: started (limit 1 min 00 s)\n  ✗ x: bad\n✗ verify    failed     1.00 s  bad\n');
  });
});
