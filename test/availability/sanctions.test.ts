// Targets, sanctions, and how an outage across a period boundary is reported.
import { describe, expect, it } from 'vitest';
import { evaluateTarget, priceReduction } from '../../src/core/sanctions.ts';
import { buildAvailabilityReport } from '../../src/app/availability-report.ts';
import { logLines, slaYaml, writeScenario } from './support/scenario.ts';

describe('targets', () => {
  const target = { availability: 99.5, maxOutages: 2, maxOutageMinutes: 60 };
  it('each part of a target is checked on its own', () => {
    expect(evaluateTarget(target, { availabilityPercent: 99.5, outages: 2, longestOutageSeconds: 3600 })).toEqual({ met: true, missed: [] });
    expect(evaluateTarget(target, { availabilityPercent: 99.49, outages: 3, longestOutageSeconds: 3601 })).toEqual({ met: false, missed: ['availability', 'outages', 'outage-length'] });
    expect(evaluateTarget({ availability: 99 }, { availabilityPercent: null, outages: 0, longestOutageSeconds: 0 })).toEqual({ met: true, missed: [] });
  });
});

describe('sanctions', () => {
  const sanctions = [
    { when: 'availability-below-target' as const, priceReductionPercent: 10 },
    { when: 'outage-too-long' as const, priceReductionPercent: 5 },
    { when: 'any-target-missed' as const, priceReductionPercent: 2 },
  ];
  it('every sanction whose trigger fired adds up', () => {
    expect(priceReduction([], sanctions)).toBe(0);
    expect(priceReduction(['outages'], sanctions)).toBe(2);
    expect(priceReduction(['availability', 'outage-length'], sanctions)).toBe(17);
  });
  it('capped at 100 %, and nothing for a subcontracted service', () => {
    expect(priceReduction(['availability'], [{ when: 'availability-below-target', priceReductionPercent: 80 }, { when: 'any-target-missed', priceReductionPercent: 50 }])).toBe(100);
    expect(priceReduction(['availability', 'outage-length'], sanctions, true)).toBe(0);
  });
});

describe('periods in the report', () => {
  it('an outage across a month boundary counts in each month with its service time there', async () => {
    const s = writeScenario(
      slaYaml({ target: '{ availability: 95, maxOutages: 0 }', extra: 'sanctions:\n  - { when: outages-above-target, priceReductionPercent: 3 }\n' }),
      logLines([
        ['2026-10-26T00:00', 'CURRENT HOST STATE: tjener;UP;HARD;1;ok'],
        ['2026-10-30T17:00', 'HOST ALERT: tjener;DOWN;HARD;3;x'],
        ['2026-11-02T09:00', 'HOST ALERT: tjener;UP;HARD;1;ok'],
      ]),
    );
    const r = await buildAvailabilityReport({ slaFile: s.sla, logs: [s.log], from: '2026-10-26', to: '2026-11-07', now: new Date('2027-01-01') });
    const [oct, nov] = r.services[0].periods;
    expect([oct.from, oct.to, nov.to]).toEqual(['2026-10-26T00:00:00.000+01:00', '2026-11-01T00:00:00.000+01:00', '2026-11-07T00:00:00.000+01:00']);
    expect([oct.outages, oct.downSeconds, oct.outageList[0].end]).toEqual([1, 3600, '2026-11-01T00:00:00.000+01:00']);
    expect([nov.outages, nov.downSeconds, nov.outageList[0].start]).toEqual([1, 3600, '2026-11-01T00:00:00.000+01:00']);
    expect([oct.met, oct.missed, oct.priceReductionPercent]).toEqual([false, ['outages'], 3]);
    expect(r.met).toBe(false);
  });

  it('exam periods are rows of their own against examTarget; regular rows keep the regular target', async () => {
    const s = writeScenario(
      slaYaml({
        target: '{ availability: 99 }',
        examTarget: '{ availability: 99.9, maxOutages: 0 }',
        calendar: '{ examPeriods: [{ name: Mock exams, from: 2026-11-18, to: 2026-11-19 }] }',
      }),
      logLines([
        ['2026-11-16T00:00', 'CURRENT HOST STATE: tjener;UP;HARD;1;ok'],
        ['2026-11-18T10:00', 'HOST ALERT: tjener;DOWN;HARD;3;x'],
        ['2026-11-18T10:10', 'HOST ALERT: tjener;UP;HARD;1;ok'],
      ]),
    );
    const r = await buildAvailabilityReport({ slaFile: s.sla, logs: [s.log], from: '2026-11-16', to: '2026-11-21', period: 'whole', now: new Date('2027-01-01') });
    const [week, exams] = r.services[0].periods;
    expect(week).toMatchObject({ kind: 'regular', target: 99, met: true, downSeconds: 600 });
    expect(exams).toMatchObject({ kind: 'exam', name: 'Mock exams', from: '2026-11-18T00:00:00.000+01:00', to: '2026-11-20T00:00:00.000+01:00', serviceSeconds: 72000, target: 99.9, maxOutages: 0, met: false, missed: ['availability', 'outages'] });
  });
});
