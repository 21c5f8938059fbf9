// `continuity demo`: a realistic school, backed up with the best tool present, restored by a full
// drill onto a local standby (or a standby container over SSH), with the report and the journal.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ConfigError, StepFailed } from '../core/errors.ts';
import type { BackupToolName } from '../core/site.ts';
import { formatBytes } from '../core/drill-plan.ts';
import { generateSchool } from './demo-school.ts';
import { hasProgram, makeBackup } from '../io/demo-backup.ts';
import { runDrillSession } from './drill-session.ts';

const run = promisify(execFile);

/** Best first: what Debian Edu uses (slbackup on rdiff-backup), then the modern encrypted tools, then plain copies. */
export const TOOL_PREFERENCE: BackupToolName[] = ['rdiff-backup', 'restic', 'borg', 'rsync', 'tar'];
const PROGRAM: Record<BackupToolName, string> = { 'rdiff-backup': 'rdiff-backup', restic: 'restic', borg: 'borg', rsync: 'rsync', tar: 'tar' };
const MARKER = '.continuity-demo';
const STANDBY_IMAGE = 'continuity/standby:latest';

/** The demo's command-line options. */
export interface DemoOptions {
  /** work folder (default `.demo` in the working directory) */
  dir?: string;
  tool?: BackupToolName;
  standby?: 'local' | 'container';
  pupils?: number;
  teachers?: number;
  format?: string;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WriteStream;
}

/** The tool the demo backs up with: the one asked for, or the best one installed that has an adapter. */
export async function chooseTool(asked?: BackupToolName): Promise<BackupToolName> {
  const { adapterFor } = await import('../io/backup/index.ts');
  const usable = async (t: BackupToolName) => {
    try {
      adapterFor(t);
    } catch {
      return false;
    }
    return hasProgram(PROGRAM[t]);
  };
  if (asked) {
    if (!TOOL_PREFERENCE.includes(asked)) throw new ConfigError(`--tool: expected one of ${TOOL_PREFERENCE.join(', ')}, got \`${asked}\``);
    if (!(await usable(asked))) throw new ConfigError(`--tool ${asked}: \`${PROGRAM[asked]}\` is not installed here (or has no adapter yet)`);
    return asked;
  }
  for (const t of TOOL_PREFERENCE) if (await usable(t)) return t;
  throw new ConfigError('no backup tool found: not even GNU tar is installed');
}

/** Prepare the work folder: create it, or clear a previous demo's; never clear a folder the demo did not make. */
function prepareDir(dir: string): void {
  if (fs.existsSync(dir)) {
    const entries = fs.readdirSync(dir);
    if (entries.length && !entries.includes(MARKER))
      throw new ConfigError(`--dir ${dir}: the folder exists and was not made by the demo; choose an empty or new folder`);
    for (const e of entries) fs.rmSync(path.join(dir, e), { recursive: true, force: true });
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, MARKER), 'made by `continuity demo`; removed and rebuilt by the next demo\n');
}

interface ContainerStandby {
  id: string;
  ssh: string;
  identityFile: string;
  knownHosts: string;
  stop(): Promise<void>;
}

/** Start a standby container with sshd, the backup disk mounted read-only, and learn its host key through docker (trusted). */
async function startContainer(dir: string, backupDir: string): Promise<ContainerStandby> {
  const secrets = path.join(dir, 'secrets');
  const identityFile = path.join(secrets, 'drill_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'continuity-demo', '-f', identityFile]).catch((e: Error) => {
    throw new StepFailed(`ssh-keygen: ${e.message}`);
  });
  const publicKey = fs.readFileSync(`${identityFile}.pub`, 'utf8').trim();
  const image = await run('docker', ['image', 'inspect', STANDBY_IMAGE]).catch(() => undefined);
  if (!image) throw new StepFailed(`--standby container needs Docker and the image ${STANDBY_IMAGE} (build it with scripts/build-images.sh)`);
  const { stdout } = await run('docker', [
    'run', '-d', '--rm', '--label', 'continuity.demo=standby',
    '-p', '127.0.0.1::22',
    '-e', `AUTHORIZED_KEY=${publicKey}`,
    '-v', `${backupDir}:${backupDir}:ro`,
    STANDBY_IMAGE,
  ]);
  const id = stdout.trim();
  const stop = async () => {
    await run('docker', ['rm', '-f', '-v', id]).catch(() => {});
  };
  try {
    for (let i = 0; ; i++) {
      const logs = await run('docker', ['logs', id]);
      if (/Server listening on/.test(logs.stdout + logs.stderr)) break;
      if (i > 150) throw new StepFailed(`the standby container ${id.slice(0, 12)} did not start sshd within 30 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const port = (await run('docker', ['port', id, '22/tcp'])).stdout.trim().split('\n')[0].split(':').pop();
    const key = (await run('docker', ['exec', id, 'cat', '/etc/ssh/ssh_host_ed25519_key.pub'])).stdout.trim().split(/\s+/).slice(0, 2).join(' ');
    const knownHosts = path.join(secrets, 'known_hosts');
    fs.writeFileSync(knownHosts, `[127.0.0.1]:${port} ${key}\n`, { mode: 0o600 });
    return { id, ssh: `root@127.0.0.1:${port}`, identityFile, knownHosts, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Run the demo; resolves to the drill's exit code. */
export async function runDemo(o: DemoOptions = {}): Promise<number> {
  const err = o.stderr ?? process.stderr;
  const say = (s: string) => err.write(`${s}\n`);
  const dir = path.resolve(o.dir ?? '.demo');
  const standbyKind = o.standby ?? 'local';
  if (standbyKind !== 'local' && standbyKind !== 'container') throw new ConfigError(`--standby: expected local or container, got \`${String(standbyKind)}\``);
  const tool = await chooseTool(o.tool);
  prepareDir(dir);
  say(`Demo work folder: ${dir}`);

  // 1. the school
  const t0 = performance.now();
  const school = generateSchool(path.join(dir, 'school'), { pupils: o.pupils, teachers: o.teachers });
  say(
    `Generated Nordby skole: ${school.pupils} pupils and ${school.teachers} teachers, ${school.files} files, ${formatBytes(school.bytes)} ` +
      `in ${((performance.now() - t0) / 1000).toFixed(1)} s${school.chowned ? ' (owned by their own uids)' : ' (not root: all files owned by you)'}`,
  );

  // 2. the nightly backup
  const secrets = path.join(dir, 'secrets');
  fs.mkdirSync(secrets, { recursive: true, mode: 0o700 });
  let passwordFile: string | undefined;
  let password: string | undefined;
  if (tool === 'restic' || tool === 'borg') {
    password = randomBytes(18).toString('base64url');
    passwordFile = path.join(secrets, 'repo-pass');
    fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  }
  const b0 = performance.now();
  const backupDir = path.join(dir, 'backup');
  const made = await makeBackup(tool, school.root, backupDir, { password, cacheDir: path.join(dir, 'cache'), paths: ['skole', 'etc'], now: new Date() });
  say(`Backed up with ${tool} into ${made.repository} in ${((performance.now() - b0) / 1000).toFixed(1)} s`);

  // 3. the SLA and the site file
  const sla = fileURLToPath(new URL('../../fixtures/sla.yaml', import.meta.url));
  fs.copyFileSync(sla, path.join(dir, 'sla.yaml'));
  let container: ContainerStandby | undefined;
  try {
    let standby: string;
    let services: string;
    if (standbyKind === 'container') {
      container = await startContainer(dir, backupDir);
      say(`Standby container ${container.id.slice(0, 12)} (${STANDBY_IMAGE}) listening on ${container.ssh}`);
      standby = `standby:\n  ssh: ${container.ssh}\n  identityFile: ./secrets/drill_ed25519\n  knownHosts: ./secrets/known_hosts\n  restoreRoot: /srv/restore\n`;
      services = [
        `  - { name: home directories readable, run: "test -d /srv/restore/skole/tjener/home0/elev001" }`,
        `  - { name: accounts restored, run: "grep -c '^elev' /srv/restore/etc/passwd", expect: { output: "${school.pupils}" } }`,
        `  - { name: ssh login, tcp: 22 }`,
      ].join('\n');
    } else {
      standby = `standby:\n  local: ./standby                 # a folder here stands in for the reserve machine's disk\n  restoreRoot: /srv/restore\n`;
      services = [
        `  - { name: home directories readable, run: 'test -d "$RESTORE_ROOT/skole/tjener/home0/elev001"' }`,
        `  - { name: accounts restored, run: "grep -c '^elev' \\"$RESTORE_ROOT/etc/passwd\\"", expect: { output: "${school.pupils}" } }`,
      ].join('\n');
    }
    const siteFile = path.join(dir, 'site.yaml');
    fs.writeFileSync(
      siteFile,
      `# Generated by \`continuity demo\`: the demo school's site file (see fixtures/site.yaml for every field).
version: continuity/v1
kind: site
name: nordby-demo
sla: ./sla.yaml
production: [tjener.nordby.skole]
backup:
  tool: ${tool}
  repository: ${made.repository}
  paths: [skole/tjener/home0, etc]
${passwordFile ? '  passwordFile: ./secrets/repo-pass\n' : ''}${made.checksums ? `  checksums: ${made.checksums}                # the list the backup job wrote: verify checks the backup itself against it\n` : ''}  dataBytes: 214748364800            # the real server holds about 200 GiB: the report projects the full restore
${standby}services:
${services}
`,
    );
    say(`Site file: ${siteFile}\n`);

    // 4. the drill
    const { exitCode, result } = await runDrillSession({ siteFile, journalDir: path.join(dir, 'journals'), format: o.format ?? 'table', stdout: o.stdout, stderr: err });
    say(`\nDemo ${result.journal.status === 'passed' ? 'passed' : result.journal.status}: journal ${result.journalFile}; everything is in ${dir}`);
    return exitCode;
  } finally {
    await container?.stop();
  }
}
