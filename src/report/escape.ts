// Escaping for the text formats the renderers write: HTML/XML, Markdown table cells, CSV fields.

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or attribute value safe inside HTML, SVG and XML (also JUnit). */
export function escapeXml(text: string | number): string {
  // XML 1.0 forbids most control characters even as references: drop them
  return String(text)
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]);
}

/** Text safe inside a Markdown table cell: no pipes, no line breaks, no inline markup or HTML. */
export function escapeMarkdown(text: string | number): string {
  return String(text)
    .replace(/\r?\n|\r/g, ' ')
    .replace(/([\\`*_\[\]|~<>])/g, '\\$1')
    .replace(/&/g, '&amp;');
}

/** One CSV field per RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV record (RFC 4180 line ending CRLF). */
export function csvRecord(values: (string | number | boolean | null | undefined)[]): string {
  return values.map(csvField).join(',') + '\r\n';
}
