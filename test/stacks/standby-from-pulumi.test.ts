// `continuity standby from-pulumi`: stack outputs -> the site file's standby section, as a user runs it.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadSite } from '../../src/io/load.ts';
import { tempDir } from '../support/temp-dir.ts';

const bin = path.resolve('bin/continuity.mjs');

/** What `pulumi stack output --json` prints for the nordby stack after `pulumi up`. */
const outputs = {
  standbyHost: '10.20.0.51',
  standbyPort: 2222,
  standbyUser: 'drill',
  standbyHostKeyFingerprint: 'SHA256:5/yMJ+purS4jHK/y9j5S0uAsi7HImbF6cETzJuWaFWk', // ssh-keygen -lf of the line below
  standbyKnownHostsLine: '[10.20.0.51]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJz9Z6ALHzKlUiiYXMVX8kFYFJEmyoH/HbFFmTUbumIJ',
  standbyRestoreRoot: '/srv/restore',
  standbyToolVersions: { 'rdiff-backup': '2.2.2' },
  thinClients: [],
};

/** A copy of sites/nordby.yaml (and the SLA it names) in a temp folder. */
function siteCopy(): { dir: string; site: string } {
  const dir = tempDir('continuity-from-pulumi-');
  cpSync('sites', path.join(dir, 'sites'), { recursive: true });
  cpSync('fixtures', path.join(dir, 'fixtures'), { recursive: true });
  return { dir, site: path.join(dir, 'sites/nordby.yaml') };
}

function run(args: string[], input?: string) {
  return spawnSync(process.execPath, [bin, 'standby', 'from-pulumi', ...args], { encoding: 'utf8', input });
}

describe('continuity standby from-pulumi', () => {
  it('prints the standby section from outputs on stdin', () => {
    const r = run([], JSON.stringify(outputs));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^standby:\n  ssh: drill@10\.20\.0\.51:2222\n  sudo: true +# .*sudo -n\n  restoreRoot: \/srv\/restore\n/m);
    expect(r.stdout).toContain('# known_hosts: [10.20.0.51]:2222 ssh-ed25519 AAAA');
  });

  it('--write updates the site in place, keeps its comments, and records the host key for the drills', async () => {
    const { dir, site } = siteCopy();
    const before = readFileSync(site, 'utf8');
    const out = path.join(dir, 'outputs.json');
    writeFileSync(out, JSON.stringify(outputs));
    const r = run(['--outputs', out, '--site', site, '--write']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('standby is drill@10.20.0.51:2222 (commands as root through sudo -n)');
    const after = readFileSync(site, 'utf8');
    expect(after).toContain('  ssh: drill@10.20.0.51:2222\n');
    expect(after).not.toContain('drill@10.20.0.50');
    // everything else, comments included, is as it was
    expect(after.replace('drill@10.20.0.51:2222', 'drill@10.20.0.50')).toBe(before);
    expect((await loadSite(site)).data.standby).toMatchObject({ ssh: 'drill@10.20.0.51:2222', sudo: true });
    expect(readFileSync(path.join(dir, '.continuity/nordby/known_hosts'), 'utf8')).toBe(`${outputs.standbyKnownHostsLine}\n`);
    // running it again replaces the host's line instead of adding a second one
    expect(run(['--outputs', out, '--site', site, '--write']).status).toBe(0);
    expect(readFileSync(path.join(dir, '.continuity/nordby/known_hosts'), 'utf8')).toBe(`${outputs.standbyKnownHostsLine}\n`);
  });

  it('refuses a fingerprint that is not the fingerprint of the known_hosts key (exit 2, file untouched)', () => {
    const { site } = siteCopy();
    const before = readFileSync(site, 'utf8');
    const r = run(['--site', site, '--write'], JSON.stringify({ ...outputs, standbyHostKeyFingerprint: 'SHA256:Ep2Eo3V0mpJm1m0Qb3kXh8mOq0hTtq4lC0v3xQ5l7mE' }));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('`standbyHostKeyFingerprint`: expected the fingerprint of the key in standbyKnownHostsLine (SHA256:5/yMJ+purS4jHK/y9j5S0uAsi7HImbF6cETzJuWaFWk)');
    expect(readFileSync(site, 'utf8')).toBe(before);
  });

  it('names every bad output, exits 2, and leaves the site file untouched', () => {
    const { site } = siteCopy();
    const before = readFileSync(site, 'utf8');
    const r = run(['--site', site, '--write'], JSON.stringify({ ...outputs, standbyPort: 'ssh', standbyHostKeyFingerprint: undefined }));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('<stdin>: not the outputs of the continuity stack');
    expect(r.stderr).toContain('`standbyHostKeyFingerprint`: expected a SHA256:... fingerprint, got nothing');
    expect(r.stderr).toContain('`standbyPort`: expected a port number, got "ssh"');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(site, 'utf8')).toBe(before);
  });

  it('refuses outputs of a stack whose standby runs another backup tool than the site', () => {
    const { site } = siteCopy();
    const r = run(['--site', site], JSON.stringify({ ...outputs, standbyToolVersions: { restic: '0.14.0' } }));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('the standby has restic, the site');
    expect(r.stderr).toContain('backs up with rdiff-backup: wrong stack for this site?');
  });

  it('--write without --site and invalid JSON are bad input (exit 2)', () => {
    expect(run(['--write'], JSON.stringify(outputs)).stderr).toContain('--write needs --site FILE');
    const bad = run([], '{ not json');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('<stdin>: expected the JSON of `pulumi stack output --json`, got invalid JSON');
  });
});

describe('updateSiteText', () => {
  const drill = {
    host: '10.20.0.51', port: 22, user: 'drill', hostKeyFingerprint: 'SHA256:x', knownHostsLine: '10.20.0.51 ssh-ed25519 AAAA',
    restoreRoot: '/srv/restore', toolVersions: { 'rdiff-backup': '2.2.2' },
  };
  const nordby = () => readFileSync('sites/nordby.yaml', 'utf8');

  it('a drill user that is not root: adds `sudo: true` under `ssh` with its indent, every other byte kept', async () => {
    const { updateSiteText } = await import('../../src/app/standby-from-pulumi.ts');
    const without = nordby().replace(/^  sudo: .*\n/m, '').replace('ssh: drill@10.20.0.50', 'ssh: drill@10.20.0.50     # the reserve machine');
    expect(without).not.toContain('sudo');
    const out = updateSiteText(without, drill);
    expect(out).toBe(without.replace('ssh: drill@10.20.0.50     # the reserve machine\n', 'ssh: drill@10.20.0.51     # the reserve machine\n  sudo: true\n'));
    // a second run changes nothing more
    expect(updateSiteText(out, drill)).toBe(out);
  });

  it('a site that says `sudo: false` for a drill user gets `sudo: true`; a root login turns it off and adds nothing', async () => {
    const { updateSiteText } = await import('../../src/app/standby-from-pulumi.ts');
    const off = nordby().replace(/^  sudo: true/m, '  sudo: false');
    expect(updateSiteText(off, drill)).toBe(nordby().replace('drill@10.20.0.50', 'drill@10.20.0.51'));
    const asRoot = updateSiteText(nordby(), { ...drill, user: 'root' });
    expect(asRoot).toBe(off.replace('drill@10.20.0.50', 'root@10.20.0.51'));
    const never = nordby().replace(/^  sudo: .*\n/m, '');
    expect(updateSiteText(never, { ...drill, user: 'root' })).toBe(never.replace('drill@10.20.0.50', 'root@10.20.0.51'));
  });

  it('a flow-style standby is rewritten with `sudo: true` and still loads', async () => {
    const { updateSiteText } = await import('../../src/app/standby-from-pulumi.ts');
    const flow = nordby().replace(/^standby:\n(  .*\n)+/m, 'standby: { ssh: old@192.0.2.1, restoreRoot: /r }   # one line\n');
    const out = updateSiteText(flow, drill);
    const { parse } = await import('yaml');
    expect((parse(out) as { standby: unknown }).standby).toEqual({ ssh: 'drill@10.20.0.51', restoreRoot: '/srv/restore', sudo: true });
    expect(out).toContain('# Nordby skole: one Debian Edu main server');
  });

  it('turns a local standby into the SSH one, keeping the comments', async () => {
    const { updateSiteText } = await import('../../src/app/standby-from-pulumi.ts');
    const text = readFileSync('sites/nordby.yaml', 'utf8').replace(
      /^standby:\n(  .*\n)+/m,
      'standby:\n  local: /tmp/standby   # the demo machine\n  restoreRoot: /restore\n',
    );
    const out = updateSiteText(text, {
      host: '10.20.0.51', port: 22, user: 'drill', hostKeyFingerprint: 'SHA256:x', knownHostsLine: '10.20.0.51 ssh-ed25519 AAAA',
      restoreRoot: '/srv/restore', toolVersions: { 'rdiff-backup': '2.2.2' },
    });
    expect(out).not.toContain('local:');
    expect(out).toContain('ssh: drill@10.20.0.51');
    expect(out).toContain('sudo: true');
    expect(out).toContain('restoreRoot: /srv/restore');
    expect(out).toContain('# Nordby skole: one Debian Edu main server');
  });
});
