// `pulumi stack output --json` -> the site file's `standby:` section (and the known_hosts line the
// drills check the host key against), printed or written in place, comments kept, atomically.
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, parseDocument, YAMLMap, type Scalar } from 'yaml';
import { ConfigError, SpecError } from '../core/errors.ts';
import { resolveSitePath } from '../core/site.ts';
import { loadSite } from '../io/load.ts';
import { readInputFile } from '../io/spec-file.ts';
import { writeFileAtomic } from '../io/write-atomic.ts';

/** The stack outputs of stacks/index.ts that describe the standby. */
export interface StandbyOutputs {
  host: string;
  port: number;
  user: string;
  hostKeyFingerprint: string;
  knownHostsLine: string;
  restoreRoot: string;
  toolVersions: Record<string, string>;
}

const HOST_KEY_LINE = /^(\[[^\]\s]+\]:\d+|[^\s[\]]+) (ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/]+={0,3}$/;

/** OpenSSH's SHA256 fingerprint of a base64 public key blob (as `ssh-keygen -lf` prints it). */
export function fingerprintOf(keyBase64: string): string {
  return `SHA256:${createHash('sha256').update(Buffer.from(keyBase64, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/** Check the outputs JSON; every missing or malformed output is named at once. */
export function parseStandbyOutputs(json: unknown, source: string): StandbyOutputs {
  const problems: string[] = [];
  const o = (json !== null && typeof json === 'object' ? json : {}) as Record<string, unknown>;
  const str = (key: string, test: (v: string) => boolean, expect: string): string => {
    const v = o[key];
    if (typeof v !== 'string' || !test(v)) problems.push(`\`${key}\`: expected ${expect}, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
    return typeof v === 'string' ? v : '';
  };
  const host = str('standbyHost', (v) => /^[A-Za-z0-9.:_-]+$/.test(v), 'a host name or address');
  const user = str('standbyUser', (v) => /^[a-z_][a-z0-9_-]*$/.test(v), 'a user name');
  const hostKeyFingerprint = str('standbyHostKeyFingerprint', (v) => /^SHA256:[A-Za-z0-9+/]+$/.test(v), 'a SHA256:... fingerprint');
  const knownHostsLine = str('standbyKnownHostsLine', (v) => HOST_KEY_LINE.test(v), 'a known_hosts line (host key-type key)');
  const restoreRoot = str('standbyRestoreRoot', (v) => v.startsWith('/'), 'an absolute path');
  const port = o.standbyPort;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    problems.push(`\`standbyPort\`: expected a port number, got ${port === undefined ? 'nothing' : JSON.stringify(port)}`);
  const tv = o.standbyToolVersions;
  if (tv === null || typeof tv !== 'object' || Object.values(tv).some((v) => typeof v !== 'string' || !v))
    problems.push(`\`standbyToolVersions\`: expected a mapping of tool to version, got ${tv === undefined ? 'nothing' : JSON.stringify(tv)}`);
  // the fingerprint an operator compares with the console must be the fingerprint of the key we trust
  if (hostKeyFingerprint && knownHostsLine && HOST_KEY_LINE.test(knownHostsLine)) {
    const actual = fingerprintOf(knownHostsLine.split(' ')[2]);
    if (actual !== hostKeyFingerprint)
      problems.push(`\`standbyHostKeyFingerprint\`: expected the fingerprint of the key in standbyKnownHostsLine (${actual}), got ${JSON.stringify(hostKeyFingerprint)}`);
  }
  if (problems.length)
    throw new ConfigError(`${source}: not the outputs of the continuity stack (pulumi stack output --json):\n  ${problems.join('\n  ')}`);
  return { host, port: port as number, user, hostKeyFingerprint, knownHostsLine, restoreRoot, toolVersions: tv as Record<string, string> };
}

/** `user@host` or `user@host:port`, as a site file's `standby.ssh`. */
export function sshTarget(s: StandbyOutputs): string {
  const host = s.host.includes(':') ? `[${s.host}]` : s.host;
  return s.port === 22 ? `${s.user}@${host}` : `${s.user}@${host}:${s.port}`;
}

/** A YAML scalar for `value`: plain when that reads back the same, else double-quoted. */
function scalarText(value: string): string {
  return /^[A-Za-z0-9_./@\[\]:-]+$/.test(value) && !/^[[\]]|: |:$/.test(value) ? value : JSON.stringify(value);
}

/** True when the drill logs in as someone other than root, so it must run its commands through `sudo -n`. */
export function needsSudo(s: StandbyOutputs): boolean {
  return s.user !== 'root';
}

/**
 * The site text with its `standby:` section updated (ssh, restoreRoot, `sudo: true` for a drill user
 * that is not root; `local` removed). When the fields exist, only their values' characters change
 * (every comment, alignment and flow list kept byte for byte), and a missing `sudo` of a block map is
 * one line added under `ssh`; otherwise the yaml Document API rewrites the file, still keeping comments.
 */
export function updateSiteText(text: string, s: StandbyOutputs): string {
  const doc = parseDocument(text);
  const standby = doc.get('standby', true);
  const wanted: [string, string | boolean][] = [
    ['ssh', sshTarget(s)],
    ['restoreRoot', s.restoreRoot],
  ];
  // root needs no sudo: an existing `sudo: true` becomes false, an absent one stays absent
  if (needsSudo(s) || (isMap(standby) && standby.has('sudo'))) wanted.push(['sudo', needsSudo(s)]);
  if (isMap(standby) && !standby.has('local') && isScalar(standby.get('ssh', true))) {
    const edits: { range: [number, number]; text: string }[] = [];
    let inPlace = true;
    for (const [k, v] of wanted) {
      const node = standby.get(k, true);
      const value = typeof v === 'boolean' ? String(v) : scalarText(v);
      if (isScalar(node) && node.range) edits.push({ range: [node.range[0], node.range[1]], text: value });
      else if (node === undefined && k === 'sudo' && !standby.flow) {
        const line = lineBelow(text, standby, 'ssh');
        if (line) edits.push({ range: [line.at, line.at], text: `\n${line.indent}sudo: ${value}` });
        else inPlace = false;
      } else inPlace = false;
    }
    if (inPlace) {
      let out = text;
      for (const e of edits.sort((a, b) => b.range[0] - a.range[0])) out = out.slice(0, e.range[0]) + e.text + out.slice(e.range[1]);
      return out;
    }
  }
  let map = standby;
  if (!isMap(map)) {
    map = new YAMLMap();
    doc.set('standby', map);
  }
  (map as YAMLMap).delete('local');
  for (const [k, v] of wanted) (map as YAMLMap).set(k, v);
  return doc.toString();
}

/** Where a new key goes in a block map: the end of `key`'s line (after its comment), with `key`'s indent. */
function lineBelow(text: string, map: YAMLMap, key: string): { at: number; indent: string } | undefined {
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  const keyStart = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
  const valueEnd = isScalar(pair?.value) ? pair.value.range?.[1] : undefined;
  if (keyStart === undefined || valueEnd === undefined) return undefined;
  const indent = text.slice(text.lastIndexOf('\n', keyStart - 1) + 1, keyStart);
  if (!/^ +$/.test(indent)) return undefined;
  const eol = text.indexOf('\n', valueEnd);
  return { at: eol === -1 ? text.length : eol, indent };
}

/** The `standby:` section as YAML to paste, with the host key facts as comments. */
export function standbySectionText(s: StandbyOutputs, existing?: { identityFile?: string; knownHosts?: string }): string {
  const lines = [
    `# from pulumi stack output: host key ${s.hostKeyFingerprint}; tools ${Object.entries(s.toolVersions).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `# known_hosts: ${s.knownHostsLine}`,
    'standby:',
    `  ssh: ${sshTarget(s)}`,
  ];
  if (needsSudo(s)) lines.push('  sudo: true                 # the drill user is not root: every command runs as root through sudo -n');
  if (existing?.identityFile) lines.push(`  identityFile: ${existing.identityFile}`);
  if (existing?.knownHosts) lines.push(`  knownHosts: ${existing.knownHosts}`);
  lines.push(`  restoreRoot: ${s.restoreRoot}`);
  return `${lines.join('\n')}\n`;
}

/** known_hosts text with the line for this host replaced (other hosts' lines kept). */
export function knownHostsWith(text: string, line: string): string {
  const host = line.split(' ')[0];
  const kept = text.split('\n').filter((l) => l.trim() && l.split(' ')[0] !== host);
  return `${[...kept, line].join('\n')}\n`;
}

/** Options of `continuity standby from-pulumi`. */
export interface FromPulumiOptions {
  /** the outputs JSON text (already read from a file or stdin) and where it came from */
  outputsText: string;
  outputsSource: string;
  siteFile?: string;
  write?: boolean;
}

/** What the command did: the text to print, and the files it wrote. */
export interface FromPulumiResult {
  printed: string;
  written: string[];
}

/** Turn stack outputs into the site's standby section; with `write`, update the site and its known_hosts file. */
export async function standbyFromPulumi(o: FromPulumiOptions): Promise<FromPulumiResult> {
  let json: unknown;
  try {
    json = JSON.parse(o.outputsText);
  } catch (err) {
    throw new ConfigError(`${o.outputsSource}: expected the JSON of \`pulumi stack output --json\`, got invalid JSON (${(err as Error).message})`);
  }
  const s = parseStandbyOutputs(json, o.outputsSource);
  if (!o.siteFile) {
    if (o.write) throw new ConfigError('--write needs --site FILE (the site file to update)');
    return { printed: standbySectionText(s), written: [] };
  }
  const site = (await loadSite(o.siteFile)).data;
  const tool = site.backup.tool;
  if (!(tool in s.toolVersions))
    throw new ConfigError(`${o.outputsSource}: the standby has ${Object.keys(s.toolVersions).join(', ') || 'no tool'}, the site ${o.siteFile} backs up with ${tool}: wrong stack for this site?`);
  if (!o.write) return { printed: standbySectionText(s, site.standby), written: [] };

  const text = await readInputFile(o.siteFile);
  const updated = updateSiteText(text, s);
  try {
    await loadSite(o.siteFile, updated); // never write a site file the drills would reject
  } catch (err) {
    if (err instanceof SpecError) throw new ConfigError(`the updated ${o.siteFile} would be invalid, left unchanged:\n${err.message}`);
    throw err;
  }
  const written: string[] = [];
  if (site.standby.knownHosts) {
    const khFile = resolveSitePath(o.siteFile, site.standby.knownHosts);
    const old = await readFile(khFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw new ConfigError(`${khFile}: cannot read (${err.code ?? err.message})`);
    });
    await mkdir(path.dirname(khFile), { recursive: true, mode: 0o700 });
    await writeFileAtomic(khFile, knownHostsWith(old, s.knownHostsLine));
    written.push(khFile);
  }
  await writeFileAtomic(o.siteFile, updated);
  written.push(o.siteFile);
  return {
    printed: `${o.siteFile}: standby is ${sshTarget(s)}${needsSudo(s) ? ' (commands as root through sudo -n)' : ''}, restore root ${s.restoreRoot}; host key ${s.hostKeyFingerprint} (compare it with the machine's console: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub)\n`,
    written,
  };
}
