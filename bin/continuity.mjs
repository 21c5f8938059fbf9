#!/usr/bin/env node
// Entry point. The CLI is TypeScript (src/) with no build step for the user: the first run after a
// source changes bundles src/cli/main.ts with esbuild into .build/<hash>/ (about 0.3 s, lazy command
// modules stay separate chunks) and every later run loads that plain JavaScript, which starts in
// ~0.15 s instead of ~0.45 s through tsx's loader thread and uses ~35 MB less memory. When the
// bundle cannot be made (no esbuild, a read-only install) or CONTINUITY_NO_BUNDLE=1, the sources
// run through tsx as before. Either way it is the same code.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const src = join(root, 'src');
const builds = join(root, '.build');
const debug = (msg) => process.env.CONTINUITY_DEBUG && process.stderr.write(`continuity: ${msg}\n`);

/** Every source file (and its mtime): what the bundle was made from. */
function sources() {
  const files = readdirSync(src, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
  return files.map((d) => {
    const path = join(d.parentPath ?? d.path, d.name);
    return { path, rel: relative(src, path), mtimeMs: statSync(path).mtimeMs };
  });
}

/** A fingerprint of the sources: names and mtimes (a changed, added or removed file changes it). */
function fingerprint(files) {
  return files.map((f) => `${f.rel}@${f.mtimeMs}`).sort().join('\n');
}

/**
 * Bundle the sources into `out` (.build/<fingerprint hash>: two levels below the root, like
 * src/<area>/, so the sources' `new URL('../../schemas/', import.meta.url)` still resolve). A
 * bundle is never changed once in place, so runs at the same time never see one half-written:
 * each builds into a folder of its own and renames it into place; the loser's is thrown away.
 */
async function bundle(files, stamp, out) {
  const { build } = await import('esbuild');
  const tmp = join(builds, `tmp-${process.pid}-${Date.now()}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    await build({
      entryPoints: [join(src, 'cli/main.ts')], bundle: true, splitting: true, format: 'esm', platform: 'node',
      target: 'node20', outdir: tmp, packages: 'external', sourcemap: 'linked', logLevel: 'silent',
    });
    // files the sources open next to themselves (a worker script, the manifest helper) go beside the chunks
    const seen = new Set();
    for (const f of files) {
      if (f.rel.endsWith('.ts')) continue;
      const name = f.rel.split(/[\\/]/).pop();
      if (seen.has(name)) throw new Error(`two assets named ${name} in src/`);
      seen.add(name);
      copyFileSync(f.path, join(tmp, name));
    }
    writeFileSync(join(tmp, 'sources.stamp'), stamp);
    try {
      renameSync(tmp, out);
    } catch (err) {
      if (!existsSync(join(out, 'main.js'))) throw err; // else another run put the same bundle there first
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  // bundles of older sources, left for a day in case a run still loads chunks from them
  for (const d of readdirSync(builds)) {
    const p = join(builds, d);
    if (p !== out && statSync(p).mtimeMs < Date.now() - 86_400_000) rmSync(p, { recursive: true, force: true });
  }
}

/** The bundled CLI's main(), or null when the sources should run through tsx. */
async function bundled() {
  if (process.env.CONTINUITY_NO_BUNDLE === '1') return null;
  try {
    const files = sources();
    const stamp = fingerprint(files);
    const out = join(builds, createHash('sha256').update(stamp).digest('hex').slice(0, 16));
    if (!existsSync(join(out, 'sources.stamp'))) {
      debug(`bundling the sources into ${relative(root, out)} (they changed since the last run)`);
      await bundle(files, stamp, out);
    }
    if (process.env.CONTINUITY_DEBUG) process.setSourceMapsEnabled(true);
    return (await import(pathToFileURL(join(out, 'main.js')).href)).main;
  } catch (err) {
    debug(`running the sources through tsx (${err instanceof Error ? err.message : String(err)})`);
    return null;
  }
}

let main = await bundled();
if (!main) {
  const { register } = await import('tsx/esm/api');
  register();
  main = (await import('../src/cli/main.ts')).main;
}
process.exitCode = await main(process.argv);
