// A big SLA (thousands of services) is parsed in a worker thread (io/spec-file.ts): the data and
// the problems reported must be exactly those of the in-process parse.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadSla } from '../../src/io/load.ts';
import { parseSpec, WORKER_PARSE_FROM } from '../../src/io/spec-file.ts';
import { SpecError } from '../../src/core/errors.ts';
import { tempDir } from '../support/temp-dir.ts';

function bigSla(services: number, broken?: number): string {
  const lines = [
    'version: continuity/v1', 'kind: sla', 'timezone: Europe/Oslo',
    'calendar: { holidays: [2026-12-25], examPeriods: [{ name: Spring exams, from: 2027-05-18, to: 2027-06-18 }] }',
    'serviceHours:', '  workhours: { days: [mon, tue, wed, thu, fri], from: "08:00", to: "18:00" }', 'services:',
  ];
  for (let i = 0; i < services; i++) {
    const target = i === broken ? '{ availability: 101 }' : '{ availability: 99.5, maxOutages: 2 }';
    lines.push(`  - { id: svc-${i}, name: "Service #${i}: æøå", monitor: { host: host-${i >> 3}, service: "Disk /home ${i}" }, serviceHours: workhours, target: ${target} }`);
  }
  lines.push('accounting: { scheduledDowntime: exclude, softStates: ignore, warning: up, unknown: exclude }', '');
  return lines.join('\n');
}

function file(text: string): string {
  const f = path.join(tempDir('continuity-bigsla-'), 'sla.yaml');
  writeFileSync(f, text);
  return f;
}

describe('big SLA files', () => {
  it('load to the same data as the in-process parse', async () => {
    const text = bigSla(2200);
    expect(text.length).toBeGreaterThan(WORKER_PARSE_FROM);
    const f = file(text);
    const spec = await loadSla(f);
    expect(spec.data).toEqual(parseSpec(f, text).data);
    expect(spec.data.services).toHaveLength(2200);
    expect(spec.data.services[2199]).toMatchObject({ id: 'svc-2199', name: 'Service #2199: æøå', monitor: { host: 'host-274', service: 'Disk /home 2199' } });
    expect(spec.locate(['services', 1500, 'target'])).toMatchObject({ file: f, line: 8 + 1500 });
  });

  it('report a problem deep in the file with its line and column', async () => {
    const f = file(bigSla(2200, 1999));
    const err = await loadSla(f).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    const text = (err as SpecError).message;
    expect(text).toContain(`${f}:${8 + 1999}:`);
    expect(text).toContain('services[1999].target.availability');
  });

  it('report YAML syntax errors with their position', async () => {
    const f = file(`${bigSla(2200)}services: [oops\n`);
    const err = await loadSla(f).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).message).toMatch(new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: invalid YAML`));
  });
});
