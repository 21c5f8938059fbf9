// Input files are read by js-yaml when it can read them plainly (ten times faster) and by `yaml`
// otherwise (io/spec-file.ts quickData). Both ways must give the same data, or the fast path must
// step aside: these tests pin that down on every shipped example and on the scalars where YAML
// parsers are known to disagree.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { parseSpec, quickData } from '../../src/io/spec-file.ts';
import { SpecError } from '../../src/core/errors.ts';

const root = path.resolve(import.meta.dirname, '../..');
const slow = (text: string) => parseDocument(text, { uniqueKeys: true }).toJS({ maxAliasCount: 100 });

function yamlFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir)).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(root, dir, f));
}

describe('the fast YAML path', () => {
  const shipped = [...yamlFiles('fixtures'), ...yamlFiles('sites')];

  it.each(shipped.map((f) => [path.relative(root, f), f]))('reads %s to the same data as yaml', (_name, f) => {
    const text = readFileSync(f, 'utf8');
    const quick = quickData(text);
    expect(quick, 'a shipped example should take the fast path').not.toBeNull();
    expect(quick!.data).toEqual(slow(text));
  });

  const scalars = [
    '010', '0o10', '0x1F', '1_000', '.inf', '-.Inf', '.NaN', '+1', '+1.5', '1e3', '1.', '.5', 'yes', 'No', 'on', 'off',
    '~', 'null', 'Null', 'true', 'True', 'FALSE', 'tRUE', '2026-12-25', '2026-12-25T10:00:00Z', '12:30', '"08:00"', 'PT1H',
    '"a\\tb"', "'it''s'", '|\n  x\n  y', '>-\n  x\n  y', '[1, 2]', '{a: 1}', 'æøå', '"+47 22 00 00 00"', '99.5',
  ];
  it.each(scalars)('reads the scalar %j as yaml does (or leaves it to yaml)', (v) => {
    const text = `k: ${v}\n`;
    const quick = quickData(text);
    if (quick) expect(quick.data).toEqual(slow(text));
  });

  it.each([
    ['binary integers (YAML 1.1: a number; 1.2 core: a string)', 'k: 0b101\n'],
    ['anchors and aliases (yaml limits their expansion)', 'a: &x [1]\nb: *x\n'],
    ['duplicate keys', 'a: 1\na: 2\n'],
    ['tags', 'a: !foo x\n'],
    ['a syntax error', 'a: [1, 2\n'],
    ['an empty document', ''],
    ['two documents', 'a: 1\n---\nb: 2\n'],
  ])('leaves %s to yaml', (_what, text) => {
    expect(quickData(text)).toBeNull();
  });

  it('still reports a syntax error with its line and column', () => {
    const err = (() => {
      try {
        parseSpec('sla.yaml', 'version: continuity/v1\nservices: [oops\n');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).message).toMatch(/^sla\.yaml:\d+:\d+: invalid YAML/m);
  });

  it('locates fields of a file read the fast way', () => {
    const text = 'version: continuity/v1\nkind: sla\nservices:\n  - id: a\n    target: { availability: 101 }\n';
    const spec = parseSpec<Record<string, unknown>>('sla.yaml', text);
    expect(quickData(text)).not.toBeNull();
    expect(spec.locate(['services', 0, 'target', 'availability'])).toEqual({ file: 'sla.yaml', line: 5, col: 15 });
  });
});
