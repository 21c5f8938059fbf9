// The json and table reports are written service by service as they are computed
// (streamAvailabilityReport + pieces): the text must be exactly that of the whole report rendered
// at once, warnings and the overall result included.
import { describe, expect, it } from 'vitest';
import { buildAvailabilityReport, streamAvailabilityReport, type AvailabilityOptions } from '../../src/app/availability-report.ts';
import * as json from '../../src/report/availability-json.ts';
import * as table from '../../src/report/availability-table.ts';

const now = new Date('2026-12-01T12:00:00Z');
const cases: [string, AvailabilityOptions][] = [
  ['one service, all met', { slaFile: 'fixtures/sla.yaml', logs: ['fixtures/nagios/nordby-2026-11.log'], now }],
  ['exam rows, groups, incidents, a warning, a target missed', { slaFile: 'fixtures/sla-exams.yaml', logs: ['fixtures/nagios/nordby-2026-11.log'], incidents: ['fixtures/incidents.csv'], from: '2026-11-01', to: '2026-12-15', now }],
  ['incidents only', { slaFile: 'fixtures/sla-exams.yaml', logs: [], incidents: ['fixtures/incidents.csv'], now }],
];

describe('streamed availability reports', () => {
  for (const [name, opts] of cases)
    it(`${name}: json and table text equal the whole report's`, async () => {
      const whole = await buildAvailabilityReport(opts);
      const a = await streamAvailabilityReport(opts);
      const streamedJson = [...json.pieces(a.report, a.services)].join('');
      const b = await streamAvailabilityReport(opts);
      const streamedTable = [...table.pieces(b.report, b.services)].join('');
      const same = (text: string) => text.replace(/"generatedAt": "[^"]*"/, '"generatedAt": ""');
      expect(same(streamedJson)).toBe(same(json.render(whole)));
      expect(JSON.parse(streamedJson).services).toHaveLength(whole.services.length);
      expect(streamedTable).toBe(table.render(whole));
      expect(a.report.met).toBe(whole.met);
      expect(a.report.warnings).toEqual(whole.warnings);
    });
});
