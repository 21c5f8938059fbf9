// The plan of a restore drill, decided before anything runs: phase time limits, which snapshot,
// how much space is needed, and what a measured restore speed means for the full data size.
import { DateTime } from 'luxon';
import type { Site } from './site.ts';
import { durationSeconds } from './sla.ts';
import type { PhaseName } from './journal.ts';

/** Per-phase time limits in seconds. */
export type PhaseTimeouts = Record<PhaseName, number>;

/** Default limits: preflight PT2M, restore = RTO, verify = RTO, services PT5M, cleanup PT10M (site `timeouts` override). */
export function phaseTimeouts(site: Pick<Site, 'timeouts'>, rtoSeconds: number): PhaseTimeouts {
  const t = site.timeouts ?? {};
  const pick = (name: PhaseName, fallback: number) => (t[name] ? durationSeconds(t[name]!) : fallback);
  return {
    preflight: pick('preflight', 120),
    restore: pick('restore', rtoSeconds),
    verify: pick('verify', rtoSeconds),
    services: pick('services', 300),
    cleanup: pick('cleanup', 600),
  };
}

/**
 * The instant `--at` means, in the SLA's zone: a full timestamp as written; a bare date
 * (`2026-11-20`) means the end of that day, so "the backup of the 20th" is found.
 * Returns undefined for text that is not an ISO-8601 date or date-time.
 */
export function parseAt(text: string, zone: string): Date | undefined {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const dt = DateTime.fromISO(text, { zone });
  if (!dt.isValid) return undefined;
  return (dateOnly ? dt.endOf('day') : dt).toJSDate();
}

/** The snapshot a drill restores: the latest, or the last one taken at or before `at`. */
export function chooseSnapshot<S extends { time: Date }>(snapshots: S[], at?: Date): S | undefined {
  let best: S | undefined;
  for (const s of snapshots) {
    if (at && s.time.getTime() > at.getTime()) continue;
    if (!best || s.time.getTime() >= best.time.getTime()) best = s;
  }
  return best;
}

/** Seconds between the snapshot and the declared incident (the drill start); the data a real crash would lose. */
export function backupAgeSeconds(snapshotTime: Date, drillStart: Date): number {
  return Math.max(0, (drillStart.getTime() - snapshotTime.getTime()) / 1000);
}

/** Free space a restore needs: the snapshot's bytes plus a margin (default 10 %) for metadata and tool scratch space. */
export function requiredBytes(snapshotBytes: number, marginPercent = 10): number {
  return Math.ceil(snapshotBytes * (1 + marginPercent / 100));
}

/** Restore throughput, and the projected restore time for the full production data when its size is known. */
export function projectRestore(bytes: number, seconds: number, dataBytes?: number): { bytesPerSecond: number; projectedSeconds?: number } {
  const bytesPerSecond = seconds > 0 ? bytes / seconds : 0;
  if (dataBytes === undefined || bytesPerSecond <= 0) return { bytesPerSecond: Math.round(bytesPerSecond) };
  return { bytesPerSecond: Math.round(bytesPerSecond), projectedSeconds: Math.round((dataBytes / bytesPerSecond) * 10) / 10 };
}

/** Is `host` one of the production hosts a drill must never write to? Compares short and full names, case-insensitively. */
export function isProductionHost(host: string, production: string[] = []): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/\.$/, '');
  const isAddress = (s: string) => /^[\d.]+$/.test(s) || s.includes(':');
  const h = norm(host);
  return production.some((p) => {
    const q = norm(p);
    if (q === h) return true;
    if (isAddress(q) || isAddress(h)) return false;
    // `tjener` names the same machine as `tjener.nordby.skole`
    if (!q.includes('.') || !h.includes('.')) return q.split('.')[0] === h.split('.')[0];
    return false;
  });
}

/** File name of a drill's journal: `<site>-<UTC start, compact, with ms>.json` (`nordby-20261126T084709.123Z.json`), sortable by time. */
export function journalFileName(site: string, startedAt: string): string {
  return `${site}-${startedAt.replace(/[-:]/g, '')}.json`;
}

/** Human-readable duration for reports: `1 h 02 min`, `4 min 05 s`, `12.3 s`. */
export function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined) return '-';
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const total = Math.round(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return h ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min ${String(sec).padStart(2, '0')} s`;
}

/** Human-readable byte count (binary units). */
export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}
