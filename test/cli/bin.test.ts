// bin/continuity.mjs runs the CLI from an esbuild bundle of src/ that it makes again whenever a
// source changes, and from the sources through tsx when it cannot. These tests run it on a copy
// of the project (so they can change a source) and check both ways give the same results.
import { describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';

const root = path.resolve(import.meta.dirname, '../..');

function copyProject(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'continuity-bin-'));
  for (const d of ['bin', 'src', 'schemas', 'fixtures']) cpSync(path.join(root, d), path.join(dir, d), { recursive: true });
  cpSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

function run(dir: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.join(dir, 'bin/continuity.mjs'), ...args], {
    encoding: 'utf8', env: { ...process.env, ...env, NODE_OPTIONS: '' }, cwd: dir,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bin/continuity.mjs', () => {
  it('bundles the sources on first use, reuses the bundle, and makes it again after a change', () => {
    const dir = copyProject();
    try {
      const bundles = () => (existsSync(path.join(dir, '.build')) ? readdirSync(path.join(dir, '.build')) : []);
      expect(bundles()).toEqual([]);
      const first = run(dir, ['--version'], { CONTINUITY_DEBUG: '1' });
      expect(first).toMatchObject({ code: 0, stdout: '0.1.0\n' });
      expect(first.stderr).toContain('bundling the sources');
      const [before] = bundles();
      expect(readFileSync(path.join(dir, '.build', before, 'sources.stamp'), 'utf8')).toContain('cli/main.ts@');

      const second = run(dir, ['--version'], { CONTINUITY_DEBUG: '1' });
      expect(second).toMatchObject({ code: 0, stdout: '0.1.0\n' });
      expect(second.stderr).not.toContain('bundling');

      // a changed source is what runs next: the bundle follows the sources
      const main = path.join(dir, 'src/cli/main.ts');
      writeFileSync(main, readFileSync(main, 'utf8').replace(".version('0.1.0')", ".version('0.1.0-changed')"));
      const third = run(dir, ['--version'], { CONTINUITY_DEBUG: '1' });
      expect(third.stderr).toContain('bundling the sources');
      expect(third.stdout).toBe('0.1.0-changed\n');
      // a new bundle beside the old one (a run still loading the old one's chunks keeps working)
      expect(bundles().sort()).toEqual([before, bundles().find((b) => b !== before)].sort());
      expect(bundles()).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives the same report from the bundle and from the sources through tsx', () => {
    const args = ['availability', '--sla', 'fixtures/sla.yaml', '--log', 'fixtures/nagios/nordby-2026-11.log', '--from', '2026-11-01', '--to', '2026-12-01', '--format', 'json'];
    const bundled = run(root, args);
    const fromSource = run(root, args, { CONTINUITY_NO_BUNDLE: '1' });
    expect(bundled.code).toBe(fromSource.code);
    expect([0, 1]).toContain(bundled.code);
    const strip = (s: string) => s.replace(/"generatedAt": "[^"]*"/, '');
    expect(strip(bundled.stdout)).toBe(strip(fromSource.stdout));
    expect(JSON.parse(bundled.stdout).services.length).toBeGreaterThan(0);
  });

  it('runs from the sources when no bundle can be written (a read-only install)', () => {
    if (process.getuid?.() === 0) {
      // root writes anyway: make .build a file so the bundle cannot be put there
      const dir = copyProject();
      try {
        writeFileSync(path.join(dir, '.build'), 'not a folder');
        const r = run(dir, ['--version'], { CONTINUITY_DEBUG: '1' });
        expect(r).toMatchObject({ code: 0, stdout: '0.1.0\n' });
        expect(r.stderr).toContain('running the sources through tsx');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      return;
    }
    const dir = copyProject();
    try {
      execFileSync('chmod', ['-R', 'a-w', dir]);
      const r = run(dir, ['--version'], { CONTINUITY_DEBUG: '1' });
      expect(r).toMatchObject({ code: 0, stdout: '0.1.0\n' });
      expect(r.stderr).toContain('running the sources through tsx');
    } finally {
      execFileSync('chmod', ['-R', 'u+w', dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
