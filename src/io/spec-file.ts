// Load a YAML (or JSON) input file, check it against a JSON Schema, and report every problem
// with file:line:col, so an operator can fix a whole file in one go.
import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import jsyaml from 'js-yaml';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ConfigError, SpecError, type SpecIssue } from '../core/errors.ts';

/** A parsed input file that can locate any of its fields for error messages. */
export interface LoadedSpec<T> {
  file: string;
  data: T;
  /** file:line:col of a field, by path parts; falls back to the nearest existing parent */
  locate(path: (string | number)[]): { file: string; line?: number; col?: number };
}

const validators = new Map<string, ValidateFunction>();

async function validatorFor(schema: object & { $id?: string }): Promise<ValidateFunction> {
  const key = schema.$id ?? JSON.stringify(schema);
  let v = validators.get(key);
  if (!v) {
    const { Ajv } = await import('ajv');
    const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
    v = ajv.compile(schema);
    validators.set(key, v);
  }
  return v;
}

/** `a.b[0].c` from path parts. */
export function formatPath(parts: (string | number)[]): string {
  let s = '';
  for (const p of parts) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `\`${value}\``;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `\`${String(value)}\``;
}

function expectText(err: ErrorObject): string {
  const s = err.parentSchema as Record<string, unknown> | undefined;
  if (s && typeof s['x-expect'] === 'string') return s['x-expect'] as string;
  switch (err.keyword) {
    case 'type': {
      // JSON Schema's type names in the words of a YAML file
      const words: Record<string, string> = { array: 'a list', object: 'a mapping', string: 'text', number: 'a number', integer: 'a whole number', boolean: '`true` or `false`', null: 'nothing' };
      return String(err.params.type).split(',').map((t) => words[t] ?? `a ${t}`).join(' or ');
    }
    case 'enum':
      return `one of ${(err.params.allowedValues as unknown[]).map((v) => `\`${String(v)}\``).join(', ')}`;
    case 'const':
      return `\`${String(err.params.allowedValue)}\``;
    case 'pattern':
      return `text matching ${String(err.params.pattern)}`;
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum':
      return `a number ${String(err.params.comparison)} ${String(err.params.limit)}`;
    case 'minItems':
      return `at least ${String(err.params.limit)} item(s)`;
    case 'minLength':
      return `at least ${String(err.params.limit)} character(s)`;
    default:
      return err.message ?? 'a valid value';
  }
}

function parentInstance(data: unknown, parts: (string | number)[]): unknown {
  let cur: unknown = data;
  for (const p of parts) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

/** Turn Ajv's errors into issues, one per field, dropping the noise of oneOf/anyOf branches. */
function issuesFrom(errors: ErrorObject[], spec: LoadedSpec<unknown>): SpecIssue[] {
  const out: SpecIssue[] = [];
  const seen = new Set<string>();
  // For oneOf/anyOf the branch errors are listed before the summary error; keep the summary
  // unless a branch error points deeper (more useful).
  const combinatorPaths = new Set(
    errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => e.instancePath),
  );
  const hasDeeper = (p: string) => errors.some((e) => e.instancePath.startsWith(`${p}/`) && e.keyword !== 'oneOf' && e.keyword !== 'anyOf');
  for (const err of errors) {
    const parts = err.instancePath
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    const isCombinator = err.keyword === 'oneOf' || err.keyword === 'anyOf';
    if (combinatorPaths.has(err.instancePath) && !isCombinator) continue;
    if (isCombinator && hasDeeper(err.instancePath)) continue;
    let path = parts;
    let message: string;
    if (err.keyword === 'required') {
      path = [...parts, String(err.params.missingProperty)];
      message = `expected a value for \`${formatPath(path)}\`, got nothing (required)`;
      const loc = spec.locate(parts);
      const key = `${formatPath(path)}|required`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push({ ...loc, path: formatPath(path), message });
      }
      continue;
    } else if (err.keyword === 'additionalProperties') {
      path = [...parts, String(err.params.additionalProperty)];
      message = `unknown field \`${String(err.params.additionalProperty)}\` (expected one of the documented fields; check the spelling)`;
    } else {
      const got = parentInstance(spec.data, parts);
      message = `expected ${expectText(err)}, got ${show(got)}`;
    }
    const key = `${formatPath(path)}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ ...spec.locate(path), path: formatPath(path), message });
  }
  return out;
}

// Anchors (aliases need one) and YAML 1.1-style binary integers: texts with these take the `yaml`
// path, which limits alias expansion and reads `0b101` as the string YAML 1.2's core schema says.
const SLOW_PATH = /(^|[\s:,[{-])(&[^\s,[\]{}]|[-+]?0b[01])/m;

/**
 * The data of a YAML text by js-yaml (YAML 1.2 core schema), which is about ten times faster than
 * `yaml` (a 300 KB SLA: ~0.08 s against ~0.9 s) but keeps no positions. Every text it cannot read
 * plainly (a syntax error, a duplicate key, a tag, an anchor, an empty document) returns null and
 * goes the `yaml` way, which reports problems with file:line:col; for all other texts both give the
 * same data (test/spec/yaml-paths.test.ts).
 */
export function quickData(text: string): { data: unknown } | null {
  if (SLOW_PATH.test(text)) return null;
  try {
    const data = jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA });
    return data === undefined || data === null ? null : { data };
  } catch {
    return null;
  }
}

/** Parse YAML text into a LoadedSpec; syntax errors become SpecError issues with positions. */
export function parseSpec<T>(file: string, text: string): LoadedSpec<T> {
  const quick = quickData(text);
  if (quick) return specOf(file, text, quick.data as T);
  let parsed: { doc: Document; lineCounter: LineCounter } | null = parse(file, text);
  const data = parsed.doc.toJS({ maxAliasCount: 100 }) as T;
  // The YAML Document (every node with its position) is several times the size of the data:
  // for a 2200-service SLA tens of megabytes. Only error messages need it, so it is dropped
  // now and parsed again on the first locate() (a file with problems is small work either way).
  parsed = null;
  return specOf(file, text, data);
}

/** Texts at least this long are parsed in a worker thread (see yaml-data-worker.mjs). */
export const WORKER_PARSE_FROM = 128 * 1024;

/**
 * parseSpec for a big text: the YAML is parsed in a short-lived worker thread, so the garbage
 * of parsing (tens of MB for thousands of services) leaves with the thread instead of raising
 * the resident set of the process for the rest of its run. A text with problems, or a worker
 * that cannot run, is parsed here as usual (same data, same messages).
 */
export async function parseSpecAsync<T>(file: string, text: string): Promise<LoadedSpec<T>> {
  const quick = quickData(text);
  if (quick) return specOf(file, text, quick.data as T);
  if (text.length < WORKER_PARSE_FROM) return parseSpec<T>(file, text);
  const { Worker } = await import('node:worker_threads');
  const reply = await new Promise<{ ok: boolean; data?: unknown }>((resolve) => {
    const worker = new Worker(new URL('./yaml-data-worker.mjs', import.meta.url), { workerData: { text } });
    worker.once('message', (m: { ok: boolean; data?: unknown }) => resolve(m));
    worker.once('error', () => resolve({ ok: false }));
    worker.once('exit', () => resolve({ ok: false }));
  });
  return reply.ok ? specOf(file, text, reply.data as T) : parseSpec<T>(file, text);
}

/** A LoadedSpec of data parsed from text; locate() parses the text again on first use. */
function specOf<T>(file: string, text: string, data: T): LoadedSpec<T> {
  let located: { doc: Document; lineCounter: LineCounter } | null = null;
  const locate = (path: (string | number)[]) => {
    located ??= parse(file, text);
    const { doc, lineCounter } = located;
    // Walk down as far as the path exists; point at the key of the last pair found.
    let node: unknown = doc.contents;
    let pos: number | undefined = (doc.contents as YamlNode | null)?.range?.[0];
    for (const part of path) {
      if (isMap(node)) {
        const pair = node.items.find((it) => {
          const k = it.key as { value?: unknown } | null;
          return k !== null && typeof k === 'object' && String(k.value) === String(part);
        });
        if (!pair) break;
        pos = (pair.key as YamlNode).range?.[0] ?? pos;
        node = pair.value;
      } else if (isSeq(node) && typeof part === 'number') {
        const item = node.items[part] as YamlNode | undefined;
        if (!item) break;
        pos = item.range?.[0] ?? pos;
        node = item;
      } else break;
    }
    if (pos === undefined) return { file };
    const lp = lineCounter.linePos(pos);
    return { file, line: lp.line, col: lp.col };
  };
  return { file, data, locate };
}

/** The YAML Document of the text with its line index; syntax errors become a SpecError. */
function parse(file: string, text: string): { doc: Document; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new SpecError(
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { file, line: pos.line, col: pos.col, path: '', message: `invalid YAML: ${e.message.split('\n')[0]}` };
      }),
    );
  }
  return { doc, lineCounter };
}

/** Read a file; a missing or unreadable file is a ConfigError naming it. */
export async function readInputFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? String(err)})`,
    );
  }
}

/**
 * Load and validate a spec file. `check` adds semantic issues (references, ranges) after the
 * schema passes; all issues are thrown together as one SpecError.
 */
export async function loadSpec<T>(
  file: string,
  schema: object,
  check?: (spec: LoadedSpec<T>) => SpecIssue[],
  text?: string,
): Promise<LoadedSpec<T>> {
  const spec = await parseSpecAsync<T>(file, text ?? (await readInputFile(file)));
  // a file of another kind (a site file given as --sla) is one problem, not a page of unknown fields
  const kindConst = (schema as { properties?: { kind?: { const?: string } } }).properties?.kind?.const;
  const kind = (spec.data as { kind?: unknown } | null)?.kind;
  if (kindConst && kind !== undefined && kind !== kindConst)
    throw new SpecError([{ ...spec.locate(['kind']), path: 'kind', message: `expected a file of \`kind: ${kindConst}\`, got \`kind: ${String(kind)}\`` }]);
  const validate = await validatorFor(schema);
  const issues = validate(spec.data) ? [] : issuesFrom(validate.errors ?? [], spec as LoadedSpec<unknown>);
  if (check) {
    try {
      issues.push(...check(spec));
    } catch (err) {
      // semantic checks assume the schema's shape; with schema errors present they may not apply
      if (!issues.length) throw err;
    }
  }
  if (issues.length) throw new SpecError(issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0)));
  return spec;
}
