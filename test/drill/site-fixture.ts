// Site files for drill tests: the fixture SLA next to a site pointing at a real backup and a standby.
import fs from 'node:fs';
import path from 'node:path';
import type { Tool } from '../support/backup-fixtures.ts';
import { CHOSEN } from '../support/backup-fixtures.ts';

/** `--at` that picks the fixtures' second backup (2026-11-25T02:00Z) one hour after it was taken. */
export const AT_V2 = '2026-11-25T03:00Z';

export interface SiteOptions {
  tool: Tool;
  repository: string;
  passwordFile?: string;
  /** local standby folder (default <dir>/standby) */
  local?: string;
  standbySsh?: { ssh: string; identityFile: string; knownHosts: string };
  restoreRoot?: string;
  services?: string;
  extra?: string;
  name?: string;
  /** replace the SLA's recovery objectives, e.g. `{ rto: PT1H, rpo: PT30M }` */
  recovery?: string;
}

/** Write sla.yaml and site.yaml into `dir`; returns the site file. */
export function writeSite(dir: string, o: SiteOptions): string {
  fs.mkdirSync(dir, { recursive: true });
  const sla = fs.readFileSync(path.resolve('fixtures/sla.yaml'), 'utf8');
  fs.writeFileSync(path.join(dir, 'sla.yaml'), o.recovery ? sla.replace(/^recovery: .*$/m, `recovery: ${o.recovery}`) : sla);
  const standby = o.standbySsh
    ? `standby:\n  ssh: ${o.standbySsh.ssh}\n  identityFile: ${o.standbySsh.identityFile}\n  knownHosts: ${o.standbySsh.knownHosts}\n  restoreRoot: ${o.restoreRoot ?? '/srv/restore'}\n`
    : `standby:\n  local: ${o.local ?? path.join(dir, 'standby')}\n  restoreRoot: ${o.restoreRoot ?? '/srv/restore'}\n`;
  const text = `version: continuity/v1
kind: site
name: ${o.name ?? 'nordby'}
sla: ./sla.yaml
production: [tjener.nordby.skole]
backup:
  tool: ${o.tool}
  repository: ${o.repository}
  paths: [${CHOSEN.join(', ')}]
${o.passwordFile ? `  passwordFile: ${o.passwordFile}\n` : ''}  dataBytes: 536870912000
${standby}services:
${o.services ?? `  - { name: home directories restored, run: 'test -d "$RESTORE_ROOT/skole/tjener/home0/elev01"' }
  - { name: hosts file restored, run: 'cat "$RESTORE_ROOT/etc/hosts"', expect: { output: tjener.intern } }
`}${o.extra ?? ''}`;
  const file = path.join(dir, 'site.yaml');
  fs.writeFileSync(file, text);
  return file;
}
