import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, render } from '../../src/report/availability-csv.ts';
import { sampleReport } from './sample-report.ts';

/** An independent RFC 4180 reader: quoted fields, doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '', record: string[] = [], i = 0, quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      field += c; i++; continue;
    }
    if (c === '"' && field === '') { quoted = true; i++; continue; }
    if (c === ',') { record.push(field); field = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') { record.push(field); records.push(record); record = []; field = ''; i += 2; continue; }
    if (c === '"' || c === '\n' || c === '\r') throw new Error(`bare ${JSON.stringify(c)} at offset ${i}`);
    field += c; i++;
  }
  if (field !== '' || record.length) throw new Error('last record not terminated by CRLF');
  return records;
}

describe('availability CSV', () => {
  it('has one row per service × period and every seconds field, which read back to the report values', () => {
    const report = sampleReport();
    report.services[1].name = 'Printing, "Follow-me"\nsecond line';
    const [header, ...body] = parseCsv(render(report));
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(body).toHaveLength(7);
    const rows = body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
    let k = 0;
    for (const s of report.services) {
      for (const p of s.periods) {
        const row = rows[k++];
        expect(row.service_id).toBe(s.id);
        expect(row.service_name).toBe(s.name);
        expect(row.group).toBe(s.group ?? '');
        expect(row.host).toBe(s.monitor.host);
        expect(row.service).toBe(s.monitor.service ?? '');
        expect([row.period_from, row.period_to, row.kind]).toEqual([p.from, p.to, p.kind]);
        for (const [col, value] of [
          ['service_seconds', p.serviceSeconds], ['up_seconds', p.upSeconds], ['down_seconds', p.downSeconds],
          ['planned_seconds', p.plannedSeconds], ['unknown_seconds', p.unknownSeconds], ['outages', p.outages],
          ['longest_outage_seconds', p.longestOutageSeconds], ['mttr_seconds', p.mttrSeconds], ['mtbf_seconds', p.mtbfSeconds],
          ['target_percent', p.target], ['price_reduction_percent', p.priceReductionPercent],
        ] as const) expect(Number(row[col]), `${s.id} ${p.from} ${col}`).toBe(value);
        expect(row.availability_percent === '' ? null : Number(row.availability_percent)).toBe(p.availabilityPercent);
        expect(row.met).toBe(String(p.met));
        expect(row.missed.split(' ').filter(Boolean)).toEqual(p.missed);
      }
    }
  });

  it('quotes fields with commas, quotes and line breaks, and only those', () => {
    const text = render(sampleReport());
    expect(text).toContain('"Main server <home|login> & ""profiles"""');
    expect(text).toContain('"Printing, ""Follow-me"""');
    expect(text).toContain(',main-server,'.slice(1)); // plain ids stay unquoted
    expect(text.split('\r\n')[1].startsWith('main-server,')).toBe(true);
  });
});
