// Validate input files by their `kind`, printing one line per problem.
import { parseSpec, readInputFile } from '../io/spec-file.ts';
import { loadSla } from '../io/load.ts';
import { SpecError } from '../core/errors.ts';

/** Returns the number of problems found (0: all files valid). */
export async function validateFiles(files: string[], out = process.stdout, err = process.stderr): Promise<number> {
  let problems = 0;
  for (const file of files) {
    try {
      const text = await readInputFile(file);
      const kind = (parseSpec<{ kind?: string }>(file, text).data ?? {}).kind;
      if (kind === 'sla') await loadSla(file, text);
      else if (kind === 'site') {
        const { loadSite } = await import('../io/load.ts');
        await (loadSite as (f: string, t?: string) => Promise<unknown>)(file, text);
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
