// The drill journal as JUnit XML: one test case per phase plus RTO and RPO, so CI goes red on a missed objective.
import type { Journal } from '../core/journal.ts';
import { escapeXml as x } from './escape.ts';
import { projectionLine, rpoLine, rtoLine, verificationLine } from './drill-format.ts';

interface Case {
  name: string;
  seconds: number;
  outcome: 'passed' | 'failed' | 'skipped';
  message: string;
  body?: string;
}

function testcase(site: string, c: Case): string {
  const head = `    <testcase classname="${x(`drill.${site}`)}" name="${x(c.name)}" time="${c.seconds.toFixed(3)}">`;
  const inner =
    c.outcome === 'failed'
      ? [`      <failure type="${c.name === 'RTO' || c.name === 'RPO' || c.name === 'RTO projected' ? 'ObjectiveMissed' : 'PhaseFailed'}" message="${x(c.message)}">${x(c.body ?? c.message)}</failure>`]
      : c.outcome === 'skipped'
        ? [`      <skipped message="${x(c.message)}"/>`]
        : [`      <system-out>${x(c.body ?? c.message)}</system-out>`];
  return [head, ...inner, '    </testcase>'].join('\n');
}

/** Render the journal as a JUnit test suite. An aborted drill fails its interrupted phase. */
export function render(j: Journal): string {
  const cases: Case[] = j.phases.map((p) => ({
    name: p.name,
    seconds: p.seconds ?? 0,
    outcome: p.status === 'running' ? 'failed' : p.status,
    message: p.detail ?? p.status,
    body: [p.detail, ...(p.checks ?? []).map((c) => `${c.passed ? 'ok' : 'FAILED'}  ${c.name}: ${c.detail ?? ''}`), p.name === 'verify' ? verificationLine(j) : undefined]
      .filter(Boolean)
      .join('\n'),
  }));
  cases.push({
    name: 'RTO',
    seconds: j.rto.actualSeconds ?? 0,
    outcome: j.dryRun ? 'skipped' : j.rto.met ? 'passed' : 'failed',
    message: rtoLine(j),
  });
  // the projected full restore, when the site judges it (backup.judgeProjection): its own case, so CI says which failed
  if (j.rto.projection?.judged) cases.push({ name: 'RTO projected', seconds: j.rto.projection.seconds, outcome: j.rto.projection.met ? 'passed' : 'failed', message: projectionLine(j) });
  cases.push({ name: 'RPO', seconds: 0, outcome: j.rpo.met === true ? 'passed' : 'failed', message: rpoLine(j) });
  const failures = cases.filter((c) => c.outcome === 'failed').length;
  const skipped = cases.filter((c) => c.outcome === 'skipped').length;
  const total = j.phases.reduce((a, p) => a + (p.seconds ?? 0), 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="continuity restore drill" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${total.toFixed(3)}">`,
    `  <testsuite name="${x(`restore drill ${j.site}`)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${total.toFixed(3)}" timestamp="${x(j.startedAt)}">`,
    '    <properties>',
    `      <property name="status" value="${x(j.status)}"/>`,
    `      <property name="backup" value="${x(`${j.backup.tool} ${j.backup.toolVersion ?? ''}`.trim())}"/>`,
    ...(j.backup.snapshot ? [`      <property name="snapshot" value="${x(j.backup.snapshot)}"/>`] : []),
    `      <property name="standby" value="${x(j.standby.description)}"/>`,
    '    </properties>',
    ...cases.map((c) => testcase(j.site, c)),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
