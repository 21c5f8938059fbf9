// A local standby for adapter tests that keeps every command it ran; `bin` goes first in PATH (a stand-in tool there).
import os from 'node:os';
import { LocalStandby } from '../../src/io/standby/local.ts';
import type { ExecOptions, ExecResult, Standby } from '../../src/io/standby/types.ts';

export class Recording implements Standby {
  readonly kind = 'local' as const;
  readonly host = os.hostname();
  readonly description: string;
  readonly commands: string[] = [];
  /** everything the commands wrote to stdout so far, as it came (also of commands still running) */
  output = '';
  private readonly local: LocalStandby;
  constructor(
    dir: string,
    private readonly bin?: string,
  ) {
    this.local = new LocalStandby(dir);
    // adapters keep reads per standby description (borg's newest archive size): a standby of its own per test
    this.description = `recording standby ${dir} ${bin ?? ''} ${Math.random()}`;
  }
  exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    this.commands.push(command);
    const onStdout = (chunk: string) => {
      this.output += chunk;
      options?.onStdout?.(chunk);
    };
    return this.local.exec(this.bin ? `PATH=${this.bin}:$PATH; export PATH; ${command}` : command, { ...options, onStdout });
  }
  async close(): Promise<void> {}
}
