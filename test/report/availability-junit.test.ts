import { describe, expect, it } from 'vitest';
import { render } from '../../src/report/availability-junit.ts';
import { sampleReport } from './sample-report.ts';

interface El { name: string; attrs: Record<string, string>; children: El[]; text: string }

const ENT: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const unescape = (s: string) => {
  if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(s)) throw new Error(`bare & in ${JSON.stringify(s)}`);
  return s.replace(/&(amp|lt|gt|quot|apos|#\d+);/g, (_, e: string) => (e[0] === '#' ? String.fromCharCode(Number(e.slice(1))) : ENT[e]));
};

/** A strict little XML reader for the JUnit file: balanced tags, quoted attributes, escaped text; throws otherwise. */
function parseXml(xml: string): El {
  const body = xml.replace(/^<\?xml [^?]*\?>\s*/, '');
  const root: El = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  const re = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(body))) {
    pos = re.lastIndex;
    const [, close, name, attrText, selfClose, text] = m;
    if (text !== undefined) { stack.at(-1)!.text += unescape(text); continue; }
    if (close) {
      const open = stack.pop()!;
      if (open.name !== name) throw new Error(`</${name}> closes <${open.name}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText.matchAll(/([\w.-]+)="([^"]*)"/g)) attrs[a[1]] = unescape(a[2]);
    const el: El = { name, attrs, children: [], text: '' };
    stack.at(-1)!.children.push(el);
    if (!selfClose) stack.push(el);
  }
  if (pos !== body.length) throw new Error(`cannot parse at offset ${pos}: ${body.slice(pos, pos + 40)}`);
  if (stack.length !== 1) throw new Error(`unclosed <${stack.at(-1)!.name}>`);
  return root.children[0];
}

const all = (el: El, name: string): El[] => [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => all(c, name))];

describe('availability JUnit', () => {
  it('has one test case per service and period, and as many failures as missed targets', () => {
    const report = sampleReport();
    const doc = parseXml(render(report));
    const cases = all(doc, 'testcase');
    const periods = report.services.flatMap((s) => s.periods);
    expect(cases).toHaveLength(periods.length);
    const missed = periods.filter((p) => !p.met).length;
    expect(missed).toBe(2);
    expect(all(doc, 'failure')).toHaveLength(missed);
    expect(doc.attrs.failures).toBe(String(missed));
    expect(doc.attrs.tests).toBe(String(periods.length));
    expect(all(doc, 'testsuite').map((s) => s.attrs.failures)).toEqual(['2', '0']);
  });

  it('puts the numbers of a missed target in the failure message', () => {
    const doc = parseXml(render(sampleReport()));
    const may = all(doc, 'testcase').find((c) => c.attrs.name === '2027-05 regular')!;
    const failure = may.children.find((c) => c.name === 'failure')!;
    expect(failure.attrs.message).toContain('availability 97.222 % < 99.5 %');
    expect(failure.attrs.message).toContain('3 outages > 2 allowed');
    expect(failure.attrs.message).toContain('longest outage 2 h 00 min > 60 min allowed');
    expect(failure.attrs.message).toContain('price reduction 10 %');
    expect(failure.text).toContain('down 20000 s');
    const april = all(doc, 'testcase').find((c) => c.attrs.name === '2027-04 regular')!;
    expect(april.children.map((c) => c.name)).toEqual(['system-out']);
  });

  it('escapes names so the XML stays well-formed', () => {
    const doc = parseXml(render(sampleReport()));
    expect(all(doc, 'testsuite')[0].attrs.name).toBe('Main server <home|login> & "profiles" – teachers');
  });

  it('carries the report\'s warnings in system-err', () => {
    const r = sampleReport();
    r.warnings = ['Service printing has no state in the logs & its time is unknown.'];
    const errs = all(parseXml(render(r)), 'system-err');
    expect(errs).toHaveLength(r.services.length);
    expect(errs[0].text).toBe('Service printing has no state in the logs & its time is unknown.');
  });

  it('has no failure when every target is met', () => {
    const report = sampleReport();
    for (const s of report.services) for (const p of s.periods) { p.met = true; p.missed = []; }
    const doc = parseXml(render(report));
    expect(all(doc, 'failure')).toHaveLength(0);
    expect(doc.attrs.failures).toBe('0');
  });
});
