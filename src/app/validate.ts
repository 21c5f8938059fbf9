// Validate input files by their `kind`, printing one line per problem.
import { access } from 'node:fs/promises';
import { formatPath, parseSpec, readInputFile, type LoadedSpec } from '../io/spec-file.ts';
import { loadSla, loadSite } from '../io/load.ts';
import { SpecError, type SpecIssue } from '../core/errors.ts';
import { resolveSitePath, type Site } from '../core/site.ts';

/** The files a site file names must exist: its SLA (which must itself be valid), keys and secrets. */
async function checkSiteReferences(spec: LoadedSpec<Site>): Promise<SpecIssue[]> {
  const site = spec.data;
  const issues: SpecIssue[] = [];
  const refs: [(string | number)[], string | undefined][] = [
    [['standby', 'identityFile'], site.standby.identityFile],
    [['standby', 'knownHosts'], site.standby.knownHosts],
    [['backup', 'passwordFile'], site.backup.passwordFile],
  ];
  for (const [p, value] of refs) {
    if (!value) continue;
    const resolved = resolveSitePath(spec.file, value);
    try {
      await access(resolved);
    } catch {
      issues.push({ ...spec.locate(p), path: formatPath(p), message: `expected an existing file, got \`${value}\` (${resolved}: no such file)` });
    }
  }
  const slaFile = resolveSitePath(spec.file, site.sla);
  try {
    await loadSla(slaFile);
  } catch (e) {
    if (e instanceof SpecError) issues.push(...e.issues);
    else issues.push({ ...spec.locate(['sla']), path: 'sla', message: `expected a readable SLA file, got \`${site.sla}\` (${e instanceof Error ? e.message : String(e)})` });
  }
  return issues;
}

/** Returns the number of problems found (0: all files valid). */
export async function validateFiles(
  files: string[],
  options: { checkFiles?: boolean } = {},
  out = process.stdout,
  err = process.stderr,
): Promise<number> {
  let problems = 0;
  for (const file of files) {
    try {
      const text = await readInputFile(file);
      const kind = (parseSpec<{ kind?: string }>(file, text).data ?? {}).kind;
      if (kind === 'sla') await loadSla(file, text);
      else if (kind === 'site') {
        const spec = await loadSite(file, text);
        const issues = options.checkFiles === false ? [] : await checkSiteReferences(spec);
        if (issues.length) throw new SpecError(issues);
      } else throw new SpecError([{ file, line: 1, col: 1, path: 'kind', message: `expected \`sla\` or \`site\`, got \`${kind ?? 'nothing'}\`` }]);
      out.write(`${file}: ok (${kind})\n`);
    } catch (e) {
      if (e instanceof SpecError) {
        problems += e.issues.length;
        err.write(`${e.message}\n`);
      } else if (e instanceof Error && 'exitCode' in e) {
        problems += 1;
        err.write(`${e.message}\n`);
      } else throw e;
    }
  }
  return problems;
}
