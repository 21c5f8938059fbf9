// The drill reports as a reader opens them: the verdict, the objectives, each phase, the files that
// failed verification, safely escaped in every format; JUnit with one case per phase plus RTO and RPO.
import { describe, expect, it } from 'vitest';
import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { beginPhase, endPhase, finishJournal, note, recordRpo, recordRto, startJournal, type Journal } from '../../src/core/journal.ts';
import { renderDrill } from '../../src/report/drill-render.ts';

type Node = DefaultTreeAdapterMap['node'];

const EVIL = 'skole/tjener/home0/elev<script>alert(1)</script>|x/notat.txt';

function failedJournal(): Journal {
  let j = startJournal({
    site: 'nordby',
    startedAt: '2026-11-26T08:00:00.000Z',
    rtoSeconds: 3600,
    rpoSeconds: 86400,
    backup: { tool: 'rdiff-backup', toolVersion: '2.2.2', repository: '/skole/backup/tjener', paths: ['skole/tjener/home0'] },
    standby: { kind: 'ssh', description: 'ssh root@10.0.2.15:22', restoreRoot: '/srv/restore' },
  });
  const phase = (name: 'preflight' | 'restore' | 'verify' | 'services' | 'cleanup', status: 'passed' | 'failed', seconds: number, detail: string) => {
    j = beginPhase(j, name, '2026-11-26T08:00:01.000Z');
    j = endPhase(j, name, { status, endedAt: '2026-11-26T08:00:02.000Z', seconds, detail, ...(name === 'services' ? { checks: [{ name: 'ssh login', passed: true, detail: 'port 22 accepts connections' }] } : {}) });
  };
  phase('preflight', 'passed', 1.5, 'all gates pass');
  phase('restore', 'passed', 600, '10.0 GiB at 17 MiB/s');
  phase('verify', 'failed', 120, `1 changed: ${EVIL}`);
  phase('services', 'passed', 2, '1 of 1 probes answer');
  phase('cleanup', 'passed', 30, 'removed /srv/restore; lock released');
  j = recordRpo(j, 7200);
  j = recordRto(j, 753.5);
  j = { ...j, rto: { ...j.rto, met: false } };
  j = note(j, {
    verification: {
      files: 1000,
      bytes: 10737418240,
      mismatches: 1,
      missing: 0,
      extra: 0,
      permissionMismatches: 0,
      exposedHomes: 0,
      problems: [{ path: EVIL, kind: 'content', expected: 'sha256 aaaa…', found: 'sha256 bbbb…' }],
      moreProblems: 0,
    },
  });
  return finishJournal(j, '2026-11-26T08:12:34.000Z');
}

function text(node: Node): string {
  if (node.nodeName === '#text') return (node as { value: string }).value;
  return ('childNodes' in node ? node.childNodes : []).map((c) => text(c as Node)).join('');
}
function find(node: Node, tag: string, out: Node[] = []): Node[] {
  if (node.nodeName === tag) out.push(node);
  if ('childNodes' in node) for (const c of node.childNodes) find(c as Node, tag, out);
  return out;
}

describe('drill reports', () => {
  const j = failedJournal();

  it('table: verdict, objectives, phases and the failing file', async () => {
    const t = await renderDrill('table', j, '/var/lib/continuity/journals/nordby.json');
    expect(t).toMatch(/^Restore drill nordby: FAILED/);
    expect(t).toContain('RTO      MISSED: 12 min 34 s from incident to services up (target 1 h 00 min), but a phase failed');
    expect(t).toContain('RPO      met: backup age 2 h 00 min (target 24 h 00 min)');
    expect(t).toMatch(/verify\s+failed\s+2 min 00 s/);
    expect(t).toContain(`content      ${EVIL}`);
    expect(t).toContain('Journal: /var/lib/continuity/journals/nordby.json');
  });

  it('markdown: a phase table with the failure in bold and cells that cannot break the table', async () => {
    const m = await renderDrill('md', j);
    expect(m).toContain('| verify | **failed** | 2 min 00 s |');
    const row = m.split('\n').find((l) => l.startsWith('| skole'))!;
    // exactly 5 unescaped pipes: 4 cells
    expect(row.replace(/\\\|/g, '').split('|').length - 1).toBe(5);
    expect(m).not.toContain('<script>');
  });

  it('html: a standalone page where the file name is text, not markup', async () => {
    const h = await renderDrill('html', j);
    const doc = parse(h) as unknown as Node;
    expect(find(doc, 'script')).toHaveLength(0);
    expect(text(find(doc, 'h1')[0])).toBe('Restore drill nordby: FAILED');
    const cells = find(doc, 'td').map(text);
    expect(cells).toContain(EVIL);
    expect(cells).toContain('verify');
    expect(h).not.toMatch(/https?:\/\//);
  });

  it('junit: one case per phase plus RTO and RPO; the failed phase and the missed RTO fail', async () => {
    const x = await renderDrill('junit', j);
    const cases = [...x.matchAll(/<testcase classname="drill\.nordby" name="([^"]+)" time="([\d.]+)">\s*<(failure|system-out|skipped)/g)].map((m) => [m[1], m[3]]);
    expect(cases).toEqual([
      ['preflight', 'system-out'],
      ['restore', 'system-out'],
      ['verify', 'failure'],
      ['services', 'system-out'],
      ['cleanup', 'system-out'],
      ['RTO', 'failure'],
      ['RPO', 'system-out'],
    ]);
    expect(x).toContain('tests="7" failures="2"');
    expect(x).toContain('&lt;script&gt;');
  });

  it('json: the journal itself', async () => {
    expect(JSON.parse(await renderDrill('json', j))).toEqual(j);
  });
});
