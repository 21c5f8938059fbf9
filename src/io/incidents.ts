// Incident lists kept by a service desk instead of a monitor: CSV (header
// `start,end,service,planned,note`) or YAML (a list of { start, end, service, planned, note }).
// Times are local to the SLA's zone (`2026-11-03 09:15`) unless they carry an offset (ISO-8601).
import { DateTime } from 'luxon';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { SpecError, type SpecIssue } from '../core/errors.ts';
import { readInputFile } from './spec-file.ts';

/** One incident: unplanned unavailability, or planned work (scheduled downtime). */
export interface Incident {
  /** epoch seconds */
  start: number;
  end: number;
  /** SLA service id */
  service: string;
  planned: boolean;
  note?: string;
  file: string;
  line: number;
}

/** Epoch seconds of a local or ISO time, or null if it is not one. */
export function parseIncidentTime(text: string, zone: string): number | null {
  const s = text.trim().replace(' ', 'T');
  const dt = DateTime.fromISO(s, { zone, setZone: false });
  return dt.isValid && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(s) ? Math.round(dt.toSeconds()) : null;
}

function parseBool(v: unknown): boolean | null {
  if (v === undefined || v === null || v === '') return false;
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (['yes', 'true', '1', 'y', 'planned'].includes(s)) return true;
  if (['no', 'false', '0', 'n', 'unplanned'].includes(s)) return false;
  return null;
}

/** Split CSV text into rows of fields (RFC 4180 quoting), with the line each row starts on. */
export function parseCsv(text: string): { line: number; fields: string[] }[] {
  const rows: { line: number; fields: string[] }[] = [];
  let field = '';
  let fields: string[] = [];
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      fields.push(field);
      if (fields.some((f) => f.trim() !== '')) rows.push({ line: rowLine, fields });
      fields = [];
      field = '';
      line++;
      rowLine = line;
    } else field += c;
  }
  fields.push(field);
  if (fields.some((f) => f.trim() !== '')) rows.push({ line: rowLine, fields });
  return rows;
}

interface RawIncident {
  line: number;
  col?: number;
  values: Record<string, unknown>;
  lines?: Record<string, { line: number; col: number }>;
}

function rawFromCsv(file: string, text: string, issues: SpecIssue[]): RawIncident[] {
  const rows = parseCsv(text);
  if (!rows.length) return [];
  const header = rows[0].fields.map((h) => h.trim().toLowerCase());
  for (const need of ['start', 'end', 'service'])
    if (!header.includes(need))
      issues.push({ file, line: rows[0].line, col: 1, path: need, message: `expected a header column \`${need}\` (start,end,service,planned,note), got \`${rows[0].fields.join(',')}\`` });
  if (issues.length) return [];
  return rows.slice(1).map((r) => {
    const values: Record<string, unknown> = {};
    header.forEach((h, i) => (values[h] = r.fields[i]?.trim()));
    return { line: r.line, values };
  });
}

function rawFromYaml(file: string, text: string, issues: SpecIssue[]): RawIncident[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length) {
    for (const e of doc.errors) {
      const p = lc.linePos(e.pos[0]);
      issues.push({ file, line: p.line, col: p.col, path: '', message: `invalid YAML: ${e.message.split('\n')[0]}` });
    }
    return [];
  }
  let seq: unknown = doc.contents;
  if (isMap(seq)) seq = seq.get('incidents', true) ?? null;
  if (!isSeq(seq)) {
    issues.push({ file, line: 1, col: 1, path: 'incidents', message: 'expected a list of incidents ({ start, end, service, planned, note }), got something else' });
    return [];
  }
  return seq.items.map((item, i) => {
    const pos = lc.linePos((item as unknown as { range?: [number] }).range?.[0] ?? 0);
    const values: Record<string, unknown> = {};
    const lines: Record<string, { line: number; col: number }> = {};
    if (isMap(item))
      for (const pair of item.items) {
        const key = String((pair.key as { value?: unknown }).value);
        values[key] = (pair.value as { toJSON?: () => unknown } | null)?.toJSON?.() ?? (pair.value as { value?: unknown } | null)?.value;
        lines[key] = lc.linePos((pair.value as { range?: [number] } | null)?.range?.[0] ?? (pair.key as unknown as { range?: [number] }).range?.[0] ?? 0);
      }
    else issues.push({ file, line: pos.line, col: pos.col, path: `[${i}]`, message: 'expected an incident { start, end, service, planned, note }, got something else' });
    return { line: pos.line, col: pos.col, values, lines };
  });
}

/**
 * Load an incident list. Every problem is reported at once (file:line, field); services must be
 * ids from the SLA.
 */
export async function loadIncidents(file: string, zone: string, serviceIds: string[], text?: string): Promise<Incident[]> {
  const body = text ?? (await readInputFile(file));
  const issues: SpecIssue[] = [];
  const yaml = /\.ya?ml$/i.test(file);
  const raws = yaml ? rawFromYaml(file, body, issues) : rawFromCsv(file, body, issues);
  const out: Incident[] = [];
  raws.forEach((r, i) => {
    const at = (field: string) => ({ file, line: r.lines?.[field]?.line ?? r.line, col: r.lines?.[field]?.col ?? r.col });
    const path = (field: string) => (yaml ? `[${i}].${field}` : field);
    const bad = (field: string, message: string) => issues.push({ ...at(field), path: path(field), message });
    const time = (field: string) => {
      const v = r.values[field];
      if (v === undefined || v === null || v === '') {
        bad(field, `expected a time such as \`2026-11-03 09:15\` (local) or ISO-8601, got nothing`);
        return null;
      }
      const t = parseIncidentTime(String(v), zone);
      if (t === null) bad(field, `expected a time such as \`2026-11-03 09:15\` (local) or ISO-8601, got \`${String(v)}\``);
      return t;
    };
    const start = time('start');
    const end = time('end');
    const service = String(r.values.service ?? '');
    if (!serviceIds.includes(service)) bad('service', `expected a service id from the SLA (${serviceIds.join(', ')}), got \`${service || 'nothing'}\``);
    const planned = parseBool(r.values.planned);
    if (planned === null) bad('planned', `expected yes or no, got \`${String(r.values.planned)}\``);
    if (start !== null && end !== null && end <= start) bad('end', `expected a time after start (${String(r.values.start)}), got \`${String(r.values.end)}\``);
    if (start !== null && end !== null && end > start && serviceIds.includes(service) && planned !== null)
      out.push({ start, end, service, planned, note: r.values.note ? String(r.values.note) : undefined, file, line: r.line });
  });
  if (issues.length) throw new SpecError(issues);
  return out;
}
