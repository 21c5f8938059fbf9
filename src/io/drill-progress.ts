// How a running drill looks: a live status line with elapsed time on a terminal, plain lines otherwise.
import { formatSeconds } from '../core/drill-plan.ts';
import type { DrillEvent, DrillOutput } from '../app/run-drill.ts';

const SPIN = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Progress on `stream` (stderr by default): live on a TTY, one plain line per event otherwise. */
export function drillProgress(stream: NodeJS.WriteStream = process.stderr, tty = Boolean(stream.isTTY) && !process.env.CI): DrillOutput & { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let phase = '';
  let since = 0;
  let message = '';
  let frame = 0;
  let lastPlain = 0;
  const clear = () => tty && stream.write('\r\x1b[2K');
  const draw = () => {
    const cols = stream.columns || 100;
    const text = `${SPIN[frame++ % SPIN.length]} ${phase.padEnd(9)} ${formatSeconds((performance.now() - since) / 1000).padStart(9)}  ${message}`;
    clear();
    stream.write(text.slice(0, cols - 1));
  };
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  return {
    stop,
    event(e: DrillEvent) {
      switch (e.type) {
        case 'start':
          stream.write(`Restore drill ${e.site}${e.dryRun ? ' (dry run)' : ''} onto ${e.standby}\n`);
          break;
        case 'phase-start':
          phase = e.phase;
          since = performance.now();
          message = '';
          if (tty) {
            stop();
            draw();
            timer = setInterval(draw, 100);
            timer.unref();
          } else stream.write(`${e.phase}: started (limit ${formatSeconds(e.timeoutSeconds)})\n`);
          break;
        case 'check':
          clear();
          stream.write(`  ${e.check.passed ? '✓' : '✗'} ${e.check.name}: ${e.check.detail ?? ''}\n`);
          if (tty) draw();
          break;
        case 'progress':
          message = e.message;
          if (!tty && performance.now() - lastPlain > 5000) {
            lastPlain = performance.now();
            stream.write(`  ${e.phase}: ${e.message}\n`);
          }
          break;
        case 'phase-end':
          stop();
          clear();
          stream.write(
            `${e.status === 'passed' ? '✓' : e.status === 'skipped' ? '-' : '✗'} ${e.phase.padEnd(9)} ${e.status.padEnd(7)} ${e.status === 'skipped' ? '' : formatSeconds(e.seconds).padStart(9)}  ${e.detail ?? ''}\n`,
          );
          break;
        case 'end':
          stop();
          break;
      }
    },
  };
}
