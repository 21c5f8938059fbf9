// The availability report as JUnit XML: one test case per service and period, failing when its target is missed.
import type { AvailabilityReport, PeriodResult, ServiceResult } from '../core/report-model.ts';
import { escapeXml as x } from './escape.ts';
import { formatPercent, missedLabel, monitorLabel, periodLabel, rows, serviceLabel, targetLabel } from './format.ts';

function figures(p: PeriodResult): string {
  return [
    `service ${p.serviceSeconds} s, up ${p.upSeconds} s, down ${p.downSeconds} s, planned ${p.plannedSeconds} s, unknown ${p.unknownSeconds} s`,
    `availability ${formatPercent(p.availabilityPercent)} (target ${targetLabel(p)})`,
    `outages ${p.outages}, longest ${p.longestOutageSeconds} s, MTTR ${p.mttrSeconds} s, MTBF ${p.mtbfSeconds} s`,
  ].join('\n');
}

function testcase(s: ServiceResult, p: PeriodResult): string {
  const head = `    <testcase classname="${x(`availability.${s.id}${s.group ? `.${s.group}` : ''}`)}" name="${x(`${periodLabel(p)} ${p.kind}`)}" time="0">`;
  const body = p.met
    ? []
    : [`      <failure type="TargetMissed" message="${x(`${missedLabel(p)}; price reduction ${p.priceReductionPercent} %`)}">${x(figures(p))}</failure>`];
  return [head, ...body, `      <system-out>${x(figures(p))}</system-out>`, '    </testcase>'].join('\n');
}

/** Render the report as JUnit XML so a CI job goes red when a target is missed. */
export function render(report: AvailabilityReport): string {
  const all = rows(report);
  const failures = all.filter((r) => !r.period.met).length;
  const suites = report.services.map((s) => {
    const f = s.periods.filter((p) => !p.met).length;
    return [
      `  <testsuite name="${x(serviceLabel(s))}" tests="${s.periods.length}" failures="${f}" errors="0" skipped="0" time="0" timestamp="${x(report.generatedAt)}">`,
      '    <properties>',
      `      <property name="monitor" value="${x(monitorLabel(s))}"/>`,
      `      <property name="serviceHours" value="${x(s.serviceHours)}"/>`,
      `      <property name="sla" value="${x(report.sla.file)}"/>`,
      '    </properties>',
      ...s.periods.map((p) => testcase(s, p)),
      ...(report.warnings?.length ? [`    <system-err>${x(report.warnings.join('\n'))}</system-err>`] : []),
      '  </testsuite>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="continuity availability" tests="${all.length}" failures="${failures}" errors="0" time="0">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
