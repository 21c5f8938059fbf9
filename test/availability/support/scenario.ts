// Small helpers for availability tests: local times in a zone, and an SLA + log written to a
// temporary directory the way a user would have them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { tempDir as sharedTempDir } from '../../support/temp-dir.ts';

/** Epoch seconds of a local ISO time in a zone (default Europe/Oslo). */
export function at(local: string, zone = 'Europe/Oslo'): number {
  return Math.round(DateTime.fromISO(local, { zone }).toSeconds());
}

/** A fresh temporary directory, removed after the test (or, made at collection time, after the file's tests). */
export function tempDir(prefix = 'continuity-avail-'): string {
  return sharedTempDir(prefix);
}

/** Log lines `[epoch] text` from [local time, text] pairs. */
export function logLines(entries: [string, string][], zone = 'Europe/Oslo'): string {
  return `${entries.map(([t, text]) => `[${at(t, zone)}] ${text}`).join('\n')}\n`;
}

/** An SLA for one service, with the given service hours and policy (YAML text). */
export function slaYaml(opts: {
  timezone?: string;
  hours?: string;
  monitor?: string;
  target?: string;
  examTarget?: string;
  accounting?: string;
  calendar?: string;
  extra?: string;
}): string {
  return `version: continuity/v1
kind: sla
timezone: ${opts.timezone ?? 'Europe/Oslo'}
${opts.calendar ? `calendar: ${opts.calendar}\n` : ''}serviceHours:
  main: ${opts.hours ?? '{ days: [mon, tue, wed, thu, fri], from: "08:00", to: "18:00" }'}
services:
  - id: svc
    monitor: ${opts.monitor ?? '{ host: tjener }'}
    serviceHours: main
    target: ${opts.target ?? '{ availability: 99.5 }'}
${opts.examTarget ? `    examTarget: ${opts.examTarget}\n` : ''}${opts.accounting ? `accounting: ${opts.accounting}\n` : ''}${opts.extra ?? ''}`;
}

/** Write an SLA and a log into a fresh directory; returns their paths. */
export function writeScenario(sla: string, log: string): { dir: string; sla: string; log: string } {
  const dir = tempDir();
  const slaFile = join(dir, 'sla.yaml');
  const logFile = join(dir, 'nagios.log');
  writeFileSync(slaFile, sla);
  writeFileSync(logFile, log);
  return { dir, sla: slaFile, log: logFile };
}
