// Pulumi.yaml documents every config key the program reads, with the program's defaults.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DEFAULTS } from '../config.ts';
import { loadSite } from '../../src/io/load.ts';

const project = parse(readFileSync('Pulumi.yaml', 'utf8')) as {
  name: string;
  runtime: { name: string; options: Record<string, unknown> };
  main: string;
  config: Record<string, { type: string; description: string; default?: unknown; secret?: boolean }>;
};

describe('Pulumi.yaml', () => {
  it('is a nodejs project whose program is stacks/ loaded through tsx', () => {
    expect(project.name).toBe('continuity');
    expect(project.runtime).toEqual({ name: 'nodejs', options: { typescript: false, nodeargs: '--import tsx' } });
    expect(project.main).toBe('stacks/');
  });

  it('declares every key stacks/config.ts reads, each with a type and a description', () => {
    const source = readFileSync('stacks/config.ts', 'utf8');
    const read = [...source.matchAll(/config\.(?:get|require|requireSecret|getSecret)\('([A-Za-z]+)'\)/g)].map((m) => m[1]);
    expect(new Set(read)).toEqual(new Set(Object.keys(project.config)));
    for (const [key, decl] of Object.entries(project.config)) {
      expect(['string', 'integer', 'boolean', 'array'], key).toContain(decl.type);
      expect(decl.description.length, key).toBeGreaterThan(20);
    }
    expect(project.config.sshPrivateKey.secret).toBe(true);
    expect(project.config.sshPrivateKey.default).toBeUndefined();
  });

  it('gives the same defaults the program uses', () => {
    for (const [key, value] of Object.entries(DEFAULTS)) expect(project.config[key].default, key).toBe(value);
  });

  it('example stacks name valid site files and no plain-text private key', async () => {
    for (const stack of ['nordby', 'solbakken']) {
      const text = readFileSync(`Pulumi.${stack}.yaml`, 'utf8');
      const cfg = (parse(text) as { config: Record<string, unknown> }).config;
      expect(cfg['continuity:site']).toBe(`sites/${stack}.yaml`);
      expect((await loadSite(cfg['continuity:site'] as string)).data.name).toBe(stack);
      expect(cfg['continuity:sshPrivateKey']).toBeUndefined();
      expect(text).not.toContain('PRIVATE KEY-----');
    }
  });
});
