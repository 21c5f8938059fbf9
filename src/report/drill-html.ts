// The drill journal as a standalone HTML page (no scripts, no external resources), to file as evidence.
import type { Journal } from '../core/journal.ts';
import { escapeXml as x } from './escape.ts';
import { backupLine, phaseSeconds, rpoLine, rtoLine, statusLabel, throughputLine, verificationLine } from './drill-format.ts';

/** Render the journal as an HTML document. */
export function render(j: Journal, journalFile?: string): string {
  const cls = j.status === 'passed' ? 'ok' : 'bad';
  const facts: [string, string | undefined][] = [
    ['Started', `${j.startedAt}${j.endedAt ? `, ended ${j.endedAt}` : ''}`],
    ['Backup', backupLine(j)],
    ['Standby', `${j.standby.description}, restore root ${j.standby.restoreRoot}`],
    ['RTO', rtoLine(j)],
    ['RPO', rpoLine(j)],
    ['Restore', throughputLine(j)],
    ['Verification', verificationLine(j)],
    ['Journal', journalFile],
  ];
  const phases = j.phases
    .map((p) => {
      const checks = (p.checks ?? []).map((c) => `<li class="${c.passed ? 'ok' : 'bad'}">${x(c.name)}: ${x(c.detail ?? '')}</li>`).join('');
      return `<tr class="${p.status}"><td>${x(p.name)}</td><td>${x(p.status)}</td><td class="num">${x(phaseSeconds(p))}</td><td>${x(p.detail ?? '')}${checks ? `<ul>${checks}</ul>` : ''}</td></tr>`;
    })
    .join('\n');
  const problems = (j.verification?.problems ?? [])
    .map((p) => `<tr><td>${x(p.path)}</td><td>${x(p.kind)}</td><td>${x(p.expected ?? '')}</td><td>${x(p.found ?? '')}</td></tr>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Restore drill ${x(j.site)}: ${x(statusLabel(j))}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
h1 .ok { color: #1a7f37; } h1 .bad { color: #b42318; }
table { border-collapse: collapse; margin: 1em 0; } td, th { border: 1px solid #ccc; padding: .3em .6em; text-align: left; vertical-align: top; }
td.num { text-align: right; } tr.failed td { background: #fde8e7; } tr.skipped td { color: #777; }
li.bad { color: #b42318; } dt { font-weight: bold; float: left; width: 8em; } dd { margin-left: 9em; }
</style>
</head>
<body>
<h1>Restore drill ${x(j.site)}: <span class="${cls}">${x(statusLabel(j))}</span></h1>
<dl>
${facts
  .filter((f): f is [string, string] => f[1] !== undefined)
  .map(([k, v]) => `<dt>${x(k)}</dt><dd>${x(v)}</dd>`)
  .join('\n')}
</dl>
<h2>Phases</h2>
<table>
<thead><tr><th>Phase</th><th>Status</th><th>Time</th><th>Detail</th></tr></thead>
<tbody>
${phases}
</tbody>
</table>
${problems ? `<h2>Verification problems</h2>\n<table>\n<thead><tr><th>File</th><th>Problem</th><th>Expected</th><th>Found</th></tr></thead>\n<tbody>\n${problems}\n</tbody>\n</table>\n${j.verification?.moreProblems ? `<p>… and ${j.verification.moreProblems} more.</p>\n` : ''}` : ''}</body>
</html>
`;
}
