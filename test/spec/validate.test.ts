// Validation of SLA and site files: every problem at once, with file:line:col, exit code 2.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadSla } from '../../src/io/load.ts';
import { SpecError } from '../../src/core/errors.ts';
import { tempDir } from '../support/temp-dir.ts';

const bin = path.resolve('bin/continuity.mjs');

function tmp(name: string, text: string): string {
  const dir = tempDir('continuity-spec-');
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const bad = `version: continuity/v1
kind: sla
timezone: Europe/Osloo
serviceHours:
  school-day: { days: [mon, tue], from: "08:00", to: "25:00" }
  evening: { days: [mon], from: "18:00", to: "08:00" }
services:
  - id: main-server
    monitor: { host: tjener }
    serviceHours: nope
    target: { availability: 101 }
    extra: 1
`;

describe('SLA validation', () => {
  it('accepts the commented example SLA', async () => {
    const spec = await loadSla('fixtures/sla.yaml');
    expect(spec.data.services[0].id).toBe('main-server');
    expect(spec.data.timezone).toBe('Europe/Oslo');
  });

  it('reports every problem at once with file:line:col, expected and found', async () => {
    const file = tmp('sla.yaml', bad);
    const err = await loadSla(file).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SpecError);
    const lines = (err as SpecError).message.split('\n');
    expect(lines).toEqual([
      `${file}:3:1: \`timezone\`: expected an IANA time zone such as Europe/Oslo, got \`Europe/Osloo\``,
      `${file}:5:50: \`serviceHours.school-day.to\`: expected HH:MM (00:00 to 24:00), got \`25:00\``,
      `${file}:6:42: \`serviceHours.evening.to\`: expected \`to\` after \`from\` (18:00), got \`08:00\` (windows across midnight: split them in two)`,
      `${file}:10:5: \`services[0].serviceHours\`: expected the name of a serviceHours window (school-day, evening), got \`nope\``,
      `${file}:11:15: \`services[0].target.availability\`: expected a number <= 100, got \`101\``,
      `${file}:12:5: \`services[0].extra\`: unknown field \`extra\` (expected one of the documented fields; check the spelling)`,
    ]);
  });

  it('reports YAML syntax errors with their position', async () => {
    const file = tmp('broken.yaml', 'version: continuity/v1\nkind: sla\nservices: [\n');
    await expect(loadSla(file)).rejects.toThrow(/broken\.yaml:\d+:\d+: invalid YAML/);
  });

  it('`continuity validate` exits 2 with the issues on stderr and no stack trace', () => {
    const file = tmp('sla.yaml', bad);
    const r = spawnSync(process.execPath, [bin, 'validate', 'fixtures/sla.yaml', file], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('fixtures/sla.yaml: ok (sla)');
    expect(r.stderr).toContain('sla.yaml:5:50');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('`continuity validate` on a missing file names it and exits 2', () => {
    const r = spawnSync(process.execPath, [bin, 'validate', '/nonexistent/sla.yaml'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('/nonexistent/sla.yaml: no such file');
  });

  it('`continuity --help` lists every command', () => {
    const out = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(out).toContain('Usage: continuity');
    for (const cmd of ['demo', 'availability', 'drill', 'standby', 'validate']) expect(out).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
  });
});

describe('site validation', () => {
  it('checks the files a site names (SLA, keys, password) unless --no-files', () => {
    const dir = tempDir('continuity-site-');
    writeFileSync(path.join(dir, 'known_hosts'), '');
    const site = path.join(dir, 'site.yaml');
    writeFileSync(
      site,
      `version: continuity/v1
kind: site
name: nordby
sla: ./missing-sla.yaml
backup: { tool: restic, repository: /backup/restic, passwordFile: ./restic-pass }
standby:
  ssh: drill@10.0.2.15:99999
  identityFile: ./drill_ed25519
  knownHosts: ./known_hosts
  restoreRoot: /srv/restore
`,
    );
    const r = spawnSync(process.execPath, [bin, 'validate', site], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${site}:7:3: \`standby.ssh\`: expected a port from 1 to 65535, got \`99999\``);
    const again = spawnSync(process.execPath, [bin, 'validate', '--no-files', site.replace(/$/, '')], { encoding: 'utf8' });
    expect(again.stderr).not.toContain('no such file');
    writeFileSync(site, readFileSync(site, 'utf8').replace('99999', '22'));
    const refs = spawnSync(process.execPath, [bin, 'validate', site], { encoding: 'utf8' });
    expect(refs.status).toBe(2);
    expect(refs.stderr).toContain(`${site}:5:53: \`backup.passwordFile\`: expected an existing file, got \`./restic-pass\``);
    expect(refs.stderr).toContain(`${site}:8:3: \`standby.identityFile\`: expected an existing file`);
    expect(refs.stderr).not.toContain('standby.knownHosts');
    expect(refs.stderr).toContain(`${site}:4:1: \`sla\`: expected a readable SLA file, got \`./missing-sla.yaml\``);
    const ok = spawnSync(process.execPath, [bin, 'validate', '--no-files', site], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(`${site}: ok (site)`);
  });
});

describe('a file of the wrong kind', () => {
  it('is one problem naming the kind, not a page of unknown fields', async () => {
    const err = await loadSla('fixtures/site.yaml').then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).issues).toHaveLength(1);
    expect((err as SpecError).message).toMatch(/^fixtures\/site\.yaml:\d+:1: `kind`: expected a file of `kind: sla`, got `kind: site`$/);
  });
});
