// A hand-built availability report for renderer tests: two services (one per user group), three months,
// an exam period, one missed target with a price reduction, and names full of characters that need escaping.
import type { AvailabilityReport, PeriodResult } from '../../src/core/report-model.ts';

const month = (from: string, to: string, over: Partial<PeriodResult> = {}): PeriodResult => ({
  from, to, kind: 'regular',
  serviceSeconds: 720_000, upSeconds: 719_000, downSeconds: 1_000, plannedSeconds: 3_600, unknownSeconds: 0,
  availabilityPercent: 99.86111111111111, outages: 1, longestOutageSeconds: 1_000, mttrSeconds: 1_000, mtbfSeconds: 719_000,
  target: 99.5, maxOutages: 2, maxOutageMinutes: 60, met: true, missed: [], priceReductionPercent: 0,
  outageList: [{ start: from.replace('T00:00', 'T09:00'), end: from.replace('T00:00', 'T09:16').replace(':00.000', ':40.000'), serviceSeconds: 1_000, state: 'DOWN' }],
  ...over,
});

/** A fresh copy of the sample report (tests may mutate it). */
export function sampleReport(): AvailabilityReport {
  return {
    generatedAt: '2027-07-01T06:00:00.000+02:00',
    sla: { file: 'fixtures/sla.yaml', customer: 'Nordby skole <Ungdomstrinn> & "Voksen"', provider: 'Kommunal IKT-drift', timezone: 'Europe/Oslo' },
    range: { from: '2027-04-01T00:00:00.000+02:00', to: '2027-07-01T00:00:00.000+02:00', period: 'month' },
    policy: {
      scheduledDowntime: 'exclude', softStates: 'ignore', warning: 'up', unknown: 'exclude',
      description: ['Only time inside agreed service hours counts; holidays and closures are removed.'],
    },
    inputs: [{ file: 'logs/nagios.log', lines: 123_456, bytes: 9_876_543, malformed: 2, malformedExamples: [{ line: 17, reason: 'no timestamp' }, { line: 99, reason: 'unknown state `FOO`' }] }],
    services: [
      {
        id: 'main-server', name: 'Main server <home|login> & "profiles"', group: 'teachers', serviceHours: 'extended',
        monitor: { host: 'tjener', service: null }, subcontractor: false,
        periods: [
          month('2027-04-01T00:00:00.000+02:00', '2027-05-01T00:00:00.000+02:00'),
          month('2027-05-01T00:00:00.000+02:00', '2027-06-01T00:00:00.000+02:00', {
            upSeconds: 700_000, downSeconds: 20_000, availabilityPercent: 97.22222222222223, outages: 3, longestOutageSeconds: 7_200,
            mttrSeconds: 6_666.666666666667, mtbfSeconds: 233_333.33333333334, met: false,
            missed: ['availability', 'outages', 'outage-length'], priceReductionPercent: 10,
          }),
          month('2027-06-01T00:00:00.000+02:00', '2027-07-01T00:00:00.000+02:00'),
          month('2027-05-18T00:00:00.000+02:00', '2027-06-19T00:00:00.000+02:00', {
            kind: 'exam', name: 'Spring exams', target: 99.9, maxOutages: 0, maxOutageMinutes: undefined,
            upSeconds: 719_000, downSeconds: 1_000, availabilityPercent: 99.86111111111111, outages: 1,
            met: false, missed: ['availability', 'outages'], priceReductionPercent: 10,
          }),
        ],
      },
      {
        id: 'printing', name: 'Printing, "Follow-me"', group: null, serviceHours: 'school-day',
        monitor: { host: 'skriver', service: 'CUPS' }, subcontractor: true,
        periods: [
          month('2027-04-01T00:00:00.000+02:00', '2027-05-01T00:00:00.000+02:00', { outages: 0, outageList: [], downSeconds: 0, upSeconds: 720_000, availabilityPercent: 100 }),
          month('2027-05-01T00:00:00.000+02:00', '2027-06-01T00:00:00.000+02:00', { serviceSeconds: 0, upSeconds: 0, downSeconds: 0, availabilityPercent: null, outages: 0, outageList: [] }),
          month('2027-06-01T00:00:00.000+02:00', '2027-07-01T00:00:00.000+02:00'),
        ],
      },
    ],
    met: false,
  };
}
