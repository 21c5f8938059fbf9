// `continuity demo`: placeholder wiring; the owning issue implements it.
import type { Command } from 'commander';

export function define(_program: Command, _setExit: (code: number) => void): void {}
