// Load the product's input files (SLA, site) with every problem reported at once.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSpec, type LoadedSpec } from './spec-file.ts';
import { checkSla, type Sla } from '../core/sla.ts';

const schemaDir = fileURLToPath(new URL('../../schemas/', import.meta.url));

/** A published JSON Schema by name (`sla`, `site`). */
export function schema(name: string): object {
  return JSON.parse(readFileSync(`${schemaDir}${name}.schema.json`, 'utf8')) as object;
}

/** Load and validate an SLA file; throws SpecError listing every problem with file:line:col. */
export async function loadSla(file: string, text?: string): Promise<LoadedSpec<Sla>> {
  return loadSpec<Sla>(file, schema('sla'), checkSla, text);
}

export type { Site } from '../core/site.ts';
import { checkSite, type Site } from '../core/site.ts';

/** Load and validate a site file (paths inside it stay as written; resolve them with `resolveSitePath`). */
export async function loadSite(file: string, text?: string): Promise<LoadedSpec<Site>> {
  return loadSpec<Site>(file, schema('site'), checkSite, text);
}
