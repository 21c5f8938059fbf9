// `continuity demo` as a new user runs it: a school is generated, backed up with a real tool, and a
// full drill passes on it; the report and the journal are where the demo says.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { needImage, needTool } from '../support/tools.ts';
import { generateSchool } from '../../src/app/demo-school.ts';

const bin = path.resolve('bin/continuity.mjs');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'continuity-demo-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function demo(args: string[]) {
  const r = spawnSync(process.execPath, [bin, 'demo', ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the demo school', () => {
  it('has private homes with distinct owners, many small files and a few large ones', () => {
    const root = path.join(work, 'school');
    const s = generateSchool(root, { pupils: 40, teachers: 5 });
    expect(s.files).toBeGreaterThan(40 * 5);
    const home = path.join(root, 'skole/tjener/home0');
    const homes = fs.readdirSync(home);
    expect(homes).toHaveLength(45);
    const st = homes.map((h) => fs.statSync(path.join(home, h)));
    expect(st.every((x) => (x.mode & 0o777) === 0o700)).toBe(true);
    if (s.chowned) expect(new Set(st.map((x) => x.uid)).size).toBe(45);
    const doc = fs.readdirSync(path.join(home, 'elev001/Dokumenter'))[0];
    expect(fs.statSync(path.join(home, 'elev001/Dokumenter', doc)).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(home, 'laerer01/Video/forelesning-1.webm')).size).toBeGreaterThan(4 * 1024 * 1024);
    expect(fs.readFileSync(path.join(root, 'etc/passwd'), 'utf8')).toContain('elev040:x:10040:10000');
    // deterministic: the same seed gives the same bytes
    const again = generateSchool(path.join(work, 'school2'), { pupils: 40, teachers: 5 });
    expect(again.bytes).toBe(s.bytes);
  });
});

describe('continuity demo', () => {
  it.each(['tar', 'rdiff-backup'] as const)('with --tool %s: the drill passes and the journal exists', (tool) => {
    needTool(tool);
    const dir = path.join(work, `demo-${tool}`);
    const r = demo(['--dir', dir, '--tool', tool, '--pupils', '60', '--teachers', '6']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Restore drill nordby-demo: PASSED/);
    expect(r.stdout).toContain(`backup   ${tool}`);
    expect(r.stderr).toMatch(/Generated Nordby skole: 60 pupils and 6 teachers/);
    const journal = /Demo passed: journal (\S+);/.exec(r.stderr)![1];
    const j = JSON.parse(fs.readFileSync(journal, 'utf8'));
    expect(j).toMatchObject({ status: 'passed', backup: { tool } });
    expect(j.verification.files).toBeGreaterThan(60 * 5);
    if (tool === 'tar') {
      // the demo's backup job writes a checksum list, and the drill checks the archive against it
      const verify = j.phases.find((p: { name: string }) => p.name === 'verify');
      expect(verify.checks).toContainEqual(expect.objectContaining({ name: expect.stringMatching(/^backup checked against its sha256 in .*SHA256SUMS$/), passed: true }));
      expect(fs.readFileSync(path.join(dir, 'site.yaml'), 'utf8')).toMatch(/^ {2}checksums: SHA256SUMS /m);
    }
    // run it again in the same folder: the demo rebuilds its own folder
    expect(demo(['--dir', dir, '--tool', tool, '--pupils', '5', '--teachers', '1']).code).toBe(0);
  });

  it('refuses to clear a folder it did not make (exit 2, no stack trace)', () => {
    const dir = path.join(work, 'precious');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'thesis.odt'), 'do not delete');
    const r = demo(['--dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('was not made by the demo');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.readFileSync(path.join(dir, 'thesis.odt'), 'utf8')).toBe('do not delete');
  });

  it('--standby container: the same drill onto a standby container over SSH', () => {
    needTool('rdiff-backup');
    needImage('continuity/standby:latest');
    const dir = path.join(work, 'demo-container');
    const r = demo(['--dir', dir, '--standby', 'container', '--tool', 'rdiff-backup', '--pupils', '20', '--teachers', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/standby\s+ssh root@127\.0\.0\.1:\d+/);
    expect(r.stderr).toMatch(/✓ ssh login: port 127\.0\.0\.1:22 accepts connections/);
    // the container is gone
    const ps = spawnSync('docker', ['ps', '-aq', '--filter', 'label=continuity.demo=standby'], { encoding: 'utf8' });
    expect(ps.stdout.trim()).toBe('');
  });
});
