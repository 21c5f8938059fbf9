import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { describe, expect, it } from 'vitest';
import { render } from '../../src/report/availability-html.ts';
import { sampleReport } from './sample-report.ts';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

/** Parse like a browser; any HTML parse error fails the test. */
function parseStrict(html: string) {
  const errors: string[] = [];
  const doc = parse(html, { onParseError: (e) => errors.push(`${e.code} at ${e.startLine}:${e.startCol}`) });
  expect(errors).toEqual([]);
  return doc;
}

function elements(node: Node, name?: string): Element[] {
  const out: Element[] = [];
  const walk = (n: Node) => {
    if ('tagName' in n && (!name || n.tagName === name)) out.push(n);
    if ('childNodes' in n) n.childNodes.forEach(walk);
    if (n.nodeName === 'template') walk((n as DefaultTreeAdapterMap['template']).content);
  };
  walk(node);
  return out;
}

function text(node: Node): string {
  if (node.nodeName === '#text') return (node as DefaultTreeAdapterMap['textNode']).value;
  return 'childNodes' in node ? node.childNodes.map(text).join('') : '';
}

const attr = (el: Element, name: string) => el.attrs.find((a) => a.name === name)?.value;

describe('availability HTML', () => {
  const report = sampleReport();
  const html = render(report);
  const doc = parseStrict(html);

  it('is one self-contained file: no scripts, no external links, images, fonts or stylesheets', () => {
    expect(elements(doc, 'script')).toHaveLength(0);
    expect(elements(doc, 'link')).toHaveLength(0);
    expect(elements(doc, 'img')).toHaveLength(0);
    for (const el of elements(doc)) {
      for (const a of ['src', 'href']) expect(attr(el, a), `${el.tagName}[${a}]`).toBeUndefined();
    }
    expect(html).not.toMatch(/url\(|@import|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(attr(elements(doc, 'meta')[0], 'charset')).toBe('utf-8');
  });

  it('shows the customer and service names exactly, with < & " escaped', () => {
    expect(text(elements(doc, 'title')[0])).toBe('Availability report: Nordby skole <Ungdomstrinn> & "Voksen"');
    const h2 = elements(doc, 'h2').map(text);
    expect(h2).toContain('Main server <home|login> & "profiles" – teachers');
    expect(h2).toContain('Printing, "Follow-me"');
    expect(html).not.toContain('<home');
    expect(html).not.toContain('<Ungdomstrinn>');
  });

  it('charts availability against target for every period of every service', () => {
    const charts = elements(doc, 'svg').filter((s) => attr(s, 'aria-label')?.startsWith('Availability of'));
    expect(charts).toHaveLength(report.services.length);
    report.services.forEach((s, i) => {
      const bars = elements(charts[i], 'rect');
      expect(bars).toHaveLength(s.periods.length);
      const targets = elements(charts[i], 'line').filter((l) => attr(l, 'stroke-dasharray'));
      expect(targets).toHaveLength(s.periods.length);
      s.periods.forEach((p, k) => {
        const tip = text(bars[k]);
        if (p.availabilityPercent === null) expect(tip).toContain('no service time');
        else {
          expect(tip).toContain(`${p.availabilityPercent.toFixed(3)} %`);
          expect(attr(bars[k], 'fill')).toBe(p.met ? '#2da44e' : '#cf222e');
        }
      });
    });
    // a missed bar is lower than the target line drawn across it
    const may = elements(charts[0], 'rect')[1];
    const mayTarget = elements(charts[0], 'line').filter((l) => attr(l, 'stroke-dasharray'))[1];
    expect(Number(attr(may, 'y'))).toBeGreaterThan(Number(attr(mayTarget, 'y1')));
  });

  it('draws each outage once on the timeline, with its times', () => {
    const timeline = elements(doc, 'svg').find((s) => attr(s, 'aria-label') === 'Outage timeline')!;
    const outages = elements(timeline, 'rect').filter((r) => attr(r, 'fill') === '#cf222e');
    const unique = new Set(report.services.flatMap((s) => s.periods.flatMap((p) => p.outageList.map((o) => `${s.id}${o.start}`))));
    expect(outages).toHaveLength(unique.size);
    expect(text(outages[0])).toContain('DOWN from 2027-04-01T09:00:00.000+02:00 to 2027-04-01T09:16:40.000+02:00, 16 min 40 s');
  });

  it('shows the report\'s warnings, escaped', () => {
    const r = sampleReport();
    r.warnings = ['The range ends after the report was made (<now>): service time after that is not counted yet.'];
    const d = parseStrict(render(r));
    expect(elements(d, 'p').map(text)).toContain('Warning: The range ends after the report was made (<now>): service time after that is not counted yet.');
    expect(elements(doc, 'p').map(text).filter((t) => t.startsWith('Warning'))).toEqual([]);
  });

  it('states the accounting policy and the sanctions', () => {
    const policy = elements(doc, 'li').map(text);
    expect(policy).toContain('Only time inside agreed service hours counts; holidays and closures are removed.');
    expect(policy).toContain('Settings (SLA `accounting`): scheduledDowntime: exclude, softStates: ignore, warning: up, unknown: exclude.');
    const sanctions = elements(doc, 'table').find((t) => text(t).startsWith('ServicePeriodMissedPrice reduction'))!;
    const rows = elements(sanctions, 'tr').slice(1).map((r) => elements(r, 'td').map(text));
    expect(rows).toEqual([
      ['Main server <home|login> & "profiles" – teachers', '2027-05', 'availability 97.222 % < 99.5 %; 3 outages > 2 allowed; longest outage 2 h 00 min > 60 min allowed', '10 %'],
      ['Main server <home|login> & "profiles" – teachers', 'Spring exams (2027-05-18 – 2027-06-18)', 'availability 99.861 % < 99.9 %; 1 outage > 0 allowed', '10 %'],
    ]);
    expect(text(doc)).toContain('Price reductions in this report add up to 20 %.');
    expect(elements(doc, 'p').map(text)).toContain('2 of 7 targets missed.');
  });
});
