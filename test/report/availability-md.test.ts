import { describe, expect, it } from 'vitest';
import { render } from '../../src/report/availability-md.ts';
import { sampleReport } from './sample-report.ts';

/** Split a Markdown table row into cells, honouring `\|` escapes. */
const cells = (line: string) => line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());

describe('availability Markdown', () => {
  const report = sampleReport();
  const text = render(report);
  const lines = text.split('\n');

  it('has a table per service with one row per period, every row as wide as the header', () => {
    const headers = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('| Period | Service time'));
    expect(headers).toHaveLength(report.services.length);
    headers.forEach(([header, at], k) => {
      const width = cells(header).length;
      const body = [];
      for (let i = at + 2; lines[i]?.startsWith('|'); i++) body.push(lines[i]);
      expect(body).toHaveLength(report.services[k].periods.length);
      for (const row of body) expect(cells(row)).toHaveLength(width);
    });
  });

  it('shows availability against target and marks the missed periods', () => {
    expect(text).toContain('| 2027-05 | 8 d 8 h | 8 d 2 h | 5 h 33 min | 1 h 00 min | 0 s | 97.222 % | 99.5 %, ≤ 2 outages, each ≤ 60 min | 3 |');
    expect(text.match(/\*\*MISSED\*\*/g)).toHaveLength(2);
    expect(text).toContain('Spring exams (2027-05-18 – 2027-06-18)');
    expect(text).toContain('**2 of 7 targets missed.**');
  });

  it('lists the sanctions and the accounting policy', () => {
    const sanctions = text.slice(text.indexOf('## Sanctions'), text.indexOf('## Accounting policy'));
    expect(sanctions.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Service') && !l.startsWith('| ---'))).toHaveLength(2);
    expect(sanctions).toContain('Price reductions in this report add up to 20 %.');
    expect(text).toContain('- Settings (SLA \\`accounting\\`): scheduledDowntime: exclude, softStates: ignore, warning: up, unknown: exclude.');
    expect(text).toContain('- Only time inside agreed service hours counts; holidays and closures are removed.');
  });

  it('escapes names so they cannot break the table or inject markup', () => {
    expect(text).toContain('## Main server \\<home\\|login\\> &amp; "profiles" – teachers (`main-server`)');
    expect(text).not.toMatch(/(?<!\\)<home/);
  });

  it('shows the report\'s warnings above the tables', () => {
    const r = sampleReport();
    r.warnings = ['Service printing: service CUPS on host skriver has no state in the logs; its time is unknown.'];
    const t = render(r);
    expect(t).toContain('> **Warning:** Service printing: service CUPS on host skriver has no state in the logs; its time is unknown.');
    expect(t.indexOf('> **Warning:**')).toBeLessThan(t.indexOf('| Period |'));
    expect(text).not.toContain('Warning');
  });

  it('says so when no target was missed', () => {
    const ok = sampleReport();
    for (const s of ok.services) for (const p of s.periods) { p.met = true; p.missed = []; }
    const t = render(ok);
    expect(t).toContain('No target was missed: no price reduction.');
    expect(t).toContain('**All 7 targets met.**');
  });
});
