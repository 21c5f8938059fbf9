// The drill journal: the evidence record of one restore drill, and the pure reducers that build it.
// Times come in from the caller (no clock here); every reducer returns a new journal.

/** The phases of a restore drill, in the order they run. */
export const PHASE_NAMES = ['preflight', 'restore', 'verify', 'services', 'cleanup'] as const;
/** One of the five phases. */
export type PhaseName = (typeof PHASE_NAMES)[number];

/** `running` only appears while a drill is in progress (a journal left by a killed process says so honestly). */
export type PhaseStatus = 'running' | 'passed' | 'failed' | 'skipped';
/** The drill's overall status; `running` until it ends. */
export type DrillStatus = 'running' | 'passed' | 'failed' | 'aborted';

/** One phase as it happened: wall-clock start/end and seconds from a monotonic clock. */
export interface PhaseRecord {
  name: PhaseName;
  status: PhaseStatus;
  startedAt: string;
  endedAt?: string;
  seconds?: number;
  detail?: string;
  /** the individual checks of the phase (preflight gates, probes), in order */
  checks?: CheckRecord[];
}

/** One check inside a phase (a preflight gate or a service probe). */
export interface CheckRecord {
  name: string;
  passed: boolean;
  detail?: string;
  seconds?: number;
}

/** Counts of what verification found; all zero means the restore is a faithful copy. */
export interface VerificationSummary {
  files: number;
  bytes: number;
  mismatches: number;
  missing: number;
  extra: number;
  permissionMismatches: number;
  /** pupils' or teachers' home directories that came back open to other users */
  exposedHomes: number;
  /** files whose content could not be hashed on one side (compared by size only) */
  contentUnchecked?: number;
  /** the first problems found (capped), each naming the file */
  problems: { path: string; kind: string; expected?: string; found?: string }[];
  /** problems beyond the cap */
  moreProblems: number;
}

/** Restore speed, and what it means for the full production data. */
export interface RestoreFigures {
  bytes: number;
  files: number;
  seconds: number;
  bytesPerSecond: number;
  /** `backup.dataBytes` of the site, when given */
  dataBytes?: number;
  projectedSeconds?: number;
  /** would a restore of the full data at this speed fit in the RTO? (part of the verdict only when judged: rto.projection) */
  projectedWithinRto?: boolean;
}

/** The evidence record of one drill (the journal contract of issue 3, plus extra fields). */
export interface Journal {
  drill: 'restore';
  /** journal format version */
  format: 1;
  site: string;
  status: DrillStatus;
  startedAt: string;
  endedAt?: string;
  /** phase running right now (only while status is `running`) */
  currentPhase?: PhaseName;
  /** the phase the drill stopped in when interrupted */
  abortedIn?: PhaseName;
  signal?: string;
  /** true when preflight found that the drill could not run at all (exit 3, not a missed target) */
  couldNotRun?: boolean;
  dryRun: boolean;
  keep: boolean;
  at?: string;
  rto: {
    targetSeconds: number;
    actualSeconds: number | null;
    met: boolean | null;
    /**
     * The restore of the site's full data (`backup.dataBytes`) at the speed this drill measured: `met` when it fits the
     * RTO; `judged` (the site's `backup.judgeProjection`) makes a projection that does not fit fail the drill.
     */
    projection?: { seconds: number; met: boolean; judged: boolean };
  };
  rpo: { targetSeconds: number; backupAgeSeconds: number | null; met: boolean | null };
  backup: { tool: string; toolVersion?: string; snapshot?: string; snapshotTime?: string; repository: string; paths: string[] };
  standby: { kind: string; description: string; restoreRoot: string };
  phases: PhaseRecord[];
  verification?: VerificationSummary;
  restore?: RestoreFigures;
}

/** What a drill knows before it starts. */
export interface DrillStart {
  site: string;
  startedAt: string;
  rtoSeconds: number;
  rpoSeconds: number;
  backup: Journal['backup'];
  standby: Journal['standby'];
  dryRun?: boolean;
  keep?: boolean;
  at?: string;
}

/** A fresh journal for a drill that has just been declared. */
export function startJournal(s: DrillStart): Journal {
  return {
    drill: 'restore',
    format: 1,
    site: s.site,
    status: 'running',
    startedAt: s.startedAt,
    dryRun: s.dryRun ?? false,
    keep: s.keep ?? false,
    ...(s.at ? { at: s.at } : {}),
    rto: { targetSeconds: s.rtoSeconds, actualSeconds: null, met: null },
    rpo: { targetSeconds: s.rpoSeconds, backupAgeSeconds: null, met: null },
    backup: s.backup,
    standby: s.standby,
    phases: [],
  };
}

/** Mark a phase as running. */
export function beginPhase(j: Journal, name: PhaseName, at: string): Journal {
  return { ...j, currentPhase: name, phases: [...j.phases, { name, status: 'running', startedAt: at }] };
}

/** Close the running phase `name` with its outcome. */
export function endPhase(
  j: Journal,
  name: PhaseName,
  outcome: { status: Exclude<PhaseStatus, 'running'>; endedAt: string; seconds: number; detail?: string; checks?: CheckRecord[] },
): Journal {
  const phases = j.phases.map((p) =>
    p.name === name && p.status === 'running'
      ? {
          ...p,
          status: outcome.status,
          endedAt: outcome.endedAt,
          seconds: round3(outcome.seconds),
          ...(outcome.detail !== undefined ? { detail: outcome.detail } : {}),
          ...(outcome.checks ? { checks: outcome.checks } : {}),
        }
      : p,
  );
  const { currentPhase: _drop, ...rest } = j;
  return { ...rest, phases };
}

/** Record a phase that did not run (an earlier phase failed, or a dry run). */
export function skipPhase(j: Journal, name: PhaseName, at: string, detail: string): Journal {
  return { ...j, phases: [...j.phases, { name, status: 'skipped', startedAt: at, endedAt: at, seconds: 0, detail }] };
}

/** Merge facts learned during the drill (tool version, snapshot, figures). */
export function note(j: Journal, facts: Partial<Pick<Journal, 'backup' | 'verification' | 'restore' | 'couldNotRun'>>): Journal {
  return { ...j, ...facts, backup: { ...j.backup, ...(facts.backup ?? {}) } };
}

/** Record the backup age at the start of the drill against the RPO. */
export function recordRpo(j: Journal, backupAgeSeconds: number): Journal {
  return { ...j, rpo: { ...j.rpo, backupAgeSeconds: round3(backupAgeSeconds), met: backupAgeSeconds <= j.rpo.targetSeconds } };
}

/** Record the recovery time (drill start to end of services) against the RTO. */
export function recordRto(j: Journal, actualSeconds: number): Journal {
  return { ...j, rto: { ...j.rto, actualSeconds: round3(actualSeconds), met: actualSeconds <= j.rto.targetSeconds } };
}

/** The phase that failed first, if any. */
export function firstFailedPhase(j: Journal): PhaseRecord | undefined {
  return j.phases.find((p) => p.status === 'failed');
}

/**
 * The drill's verdict: passed only when every phase passed or was skipped on purpose,
 * verification found nothing, and both objectives were met (a dry run has no RTO to meet).
 */
export function verdict(j: Journal): 'passed' | 'failed' {
  if (j.phases.some((p) => p.status === 'failed' || p.status === 'running')) return 'failed';
  if (j.rpo.met !== true) return 'failed';
  if (j.dryRun) return 'passed';
  if (j.rto.met !== true) return 'failed';
  if (j.rto.projection?.judged && !j.rto.projection.met) return 'failed';
  const v = j.verification;
  if (!v || v.mismatches || v.missing || v.extra || v.permissionMismatches || v.exposedHomes) return 'failed';
  return 'passed';
}

/** Close the drill with its verdict. */
export function finishJournal(j: Journal, endedAt: string): Journal {
  const { currentPhase: _drop, ...rest } = j;
  return { ...rest, status: verdict(j), endedAt };
}

/** Close the drill as interrupted: the phase it stopped in is named, the status is `aborted`. */
export function abortJournal(j: Journal, endedAt: string, stoppedIn: PhaseName | undefined, signal: string): Journal {
  const { currentPhase: _drop, ...rest } = j;
  return { ...rest, status: 'aborted', endedAt, ...(stoppedIn ? { abortedIn: stoppedIn } : {}), signal };
}

/** Exit code for a finished journal: 0 passed, 1 failed or missed, 3 could not run, 130 aborted. */
export function exitCodeFor(j: Journal): number {
  if (j.status === 'aborted') return 130;
  if (j.status === 'passed') return 0;
  if (j.couldNotRun) return 3;
  return 1;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
