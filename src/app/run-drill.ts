// The restore drill, as an experiment: a steady-state gate (preflight), the method (restore),
// probes (verify, services), and a cleanup that always runs. Every phase is timed with a monotonic
// clock and limited by a timeout; the journal is rewritten after every phase and on interrupt.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, ContinuityError, Interrupted, StepFailed } from '../core/errors.ts';
import {
  abortJournal,
  beginPhase,
  endPhase,
  exitCodeFor,
  finishJournal,
  note,
  recordRpo,
  skipPhase,
  startJournal,
  type CheckRecord,
  type Journal,
  type PhaseName,
} from '../core/journal.ts';
import {
  backupAgeSeconds,
  chooseSnapshot,
  formatBytes,
  formatSeconds,
  isProductionHost,
  journalFileName,
  parseAt,
  phaseTimeouts,
  projectRestore,
  requiredBytes,
} from '../core/drill-plan.ts';
import { ancestorsOf, verifyTree, type TreeEntry } from '../core/verify.ts';
import { scrub } from '../core/scrub.ts';
import { parseSshTarget, resolveSitePath, type Site } from '../core/site.ts';
import { recoveryTargets, type Sla } from '../core/sla.ts';
import { loadSite, loadSla } from '../io/load.ts';
import { writeJournal } from '../io/journal-file.ts';
import { listRestoredTree } from '../io/restored-tree.ts';
import { acquireLock, lockPath, releaseLock, type HeldLock } from '../io/lock.ts';
import { runProbe } from '../io/probes.ts';
import { LocalStandby } from '../io/standby/local.ts';
import { shq, type Standby } from '../io/standby/types.ts';
import { answerCommand, type SpaceGuard } from '../io/space-guard.ts';
import type { BackupAdapter, BackupSource, RestoreReport, Snapshot } from '../io/backup/types.ts';
import { checksumListPath } from '../io/backup/checksum-list.ts';
import { loadAdapter, openSshStandby } from './drill-dependencies.ts';

/** Wall clock for the journal's timestamps, monotonic milliseconds for every measured duration. */
export interface Clock {
  now(): Date;
  monotonic(): number;
}

/** What a drill tells the person watching it. */
export type DrillEvent =
  | { type: 'start'; site: string; standby: string; journalFile?: string; dryRun: boolean }
  | { type: 'phase-start'; phase: PhaseName; timeoutSeconds: number }
  | { type: 'check'; phase: PhaseName; check: CheckRecord }
  | { type: 'progress'; phase: PhaseName; message: string }
  | { type: 'phase-end'; phase: PhaseName; status: string; seconds: number; detail?: string }
  | { type: 'end'; journal: Journal; journalFile?: string };

/** Where a drill reports what happens (a terminal, a log, a test's collector). */
export interface DrillOutput {
  event(e: DrillEvent): void;
}

/** One drill's inputs; clock, output, standby and adapter are injectable for tests and benchmarks. */
export interface RunDrillOptions {
  siteFile: string;
  /** restore the last snapshot taken at or before this date/time (ISO-8601; a bare date means that whole day) */
  at?: string;
  /** where journals go (default `journals` in the working directory) */
  journalDir?: string;
  /** check everything preflight can check without writing anything (no lock, no restore, no journal) */
  dryRun?: boolean;
  /** leave the restored files on the standby (the lock is still released) */
  keep?: boolean;
  /** abort the drill (SIGINT/SIGTERM); the reason names the signal */
  signal?: AbortSignal;
  clock?: Clock;
  output?: DrillOutput;
  /** tests and benchmarks: use this standby / adapter instead of the site's */
  standby?: Standby;
  adapter?: BackupAdapter;
}

/** The finished drill: its journal, where it was written, and the exit code it means. */
export interface DrillResult {
  journal: Journal;
  /** undefined for a dry run (nothing written) */
  journalFile?: string;
  exitCode: number;
  /** strings to scrub from anything derived from the journal */
  secrets: string[];
}

/** The real clocks. */
export const systemClock: Clock = { now: () => new Date(), monotonic: () => performance.now() };

const quiet: DrillOutput = { event() {} };

class PhaseTimeout extends Error {}
class CheckFailed extends Error {
  constructor(
    message: string,
    readonly couldNotRun = false,
  ) {
    super(message);
  }
}

/** Where the restore lands as the standby sees it: a local standby's folder stands for its file system root. */
export function effectiveRestoreRoot(site: Site, siteFile: string, standby: Standby): string {
  if (standby.kind === 'local') {
    const dir = 'directory' in standby ? String((standby as LocalStandby).directory) : resolveSitePath(siteFile, site.standby.local ?? '/');
    return path.join(dir, site.standby.restoreRoot);
  }
  return site.standby.restoreRoot;
}

/** Load the site, its SLA and secrets; every input problem is thrown before anything touches the standby. */
export async function loadDrillInputs(siteFile: string): Promise<{ site: Site; sla: Sla; password?: string }> {
  const site = (await loadSite(siteFile)).data;
  const sla = (await loadSla(resolveSitePath(siteFile, site.sla))).data;
  let password: string | undefined;
  if (site.backup.passwordFile) {
    const file = resolveSitePath(siteFile, site.backup.passwordFile);
    try {
      password = (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
    } catch (err) {
      throw new ConfigError(`${siteFile}: \`backup.passwordFile\`: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  return { site, sla, password };
}

/** Run one restore drill end to end; resolves to the journal (also when the drill failed or was interrupted). */
export async function runDrill(options: RunDrillOptions): Promise<DrillResult> {
  const clock = options.clock ?? systemClock;
  const out = options.output ?? quiet;
  const dryRun = options.dryRun ?? false;
  const keep = options.keep ?? false;

  // ---- inputs: all bad input fails here, exit 2, before anything runs
  const { site, sla, password } = await loadDrillInputs(options.siteFile);
  const secrets = password ? [password] : [];
  const { rtoSeconds, rpoSeconds } = recoveryTargets(sla);
  const timeouts = phaseTimeouts(site, rtoSeconds);
  /** the longest a drill can hold the standby: every phase at its limit (the lock's, and what it keeps, lifetime) */
  const maxDrillSeconds = Object.values(timeouts).reduce((a, b) => a + b, 0);
  let at: Date | undefined;
  if (options.at !== undefined) {
    at = parseAt(options.at, sla.timezone);
    if (!at) throw new ConfigError(`--at: expected an ISO-8601 date or date-time such as 2026-11-20 or 2026-11-20T06:00, got \`${options.at}\``);
  }
  const adapter = options.adapter ?? (await loadAdapter(site.backup.tool));
  // an SSH standby is opened inside preflight, so a refused host key is a journaled gate, not a crash
  let standby: Standby | undefined =
    options.standby ?? (site.standby.local ? new LocalStandby(resolveSitePath(options.siteFile, site.standby.local)) : undefined);
  const root = standby ? effectiveRestoreRoot(site, options.siteFile, standby) : site.standby.restoreRoot;
  const description = standby?.description ?? `ssh ${site.standby.ssh}`;
  const source: BackupSource = {
    tool: site.backup.tool,
    repository: resolveSitePath(options.siteFile, site.backup.repository),
    paths: site.backup.paths ?? [],
    ...(password !== undefined ? { password } : {}),
    ...(site.backup.checksums !== undefined ? { checksums: site.backup.checksums } : {}),
  };

  const t0 = clock.monotonic();
  const start = clock.now();
  let journal = startJournal({
    site: site.name,
    startedAt: start.toISOString(),
    rtoSeconds,
    rpoSeconds,
    dryRun,
    keep,
    ...(options.at ? { at: options.at } : {}),
    backup: { tool: site.backup.tool, repository: source.repository, paths: source.paths },
    standby: { kind: standby?.kind ?? 'ssh', description, restoreRoot: root },
  });
  const journalFile = dryRun ? undefined : path.resolve(options.journalDir ?? 'journals', journalFileName(site.name, journal.startedAt));
  let writing: Promise<void> = Promise.resolve();
  const persist = () => {
    if (!journalFile) return writing;
    const snapshotOfJournal = journal;
    writing = writing.then(() => writeJournal(journalFile, snapshotOfJournal, secrets));
    return writing;
  };
  try {
    await persist();
  } catch (err) {
    await standby?.close().catch(() => {});
    throw new StepFailed(`cannot write the journal ${journalFile}: ${(err as Error).message}`);
  }
  const say = (e: DrillEvent) => out.event(JSON.parse(scrub(JSON.stringify(e), secrets)) as DrillEvent);
  say({ type: 'start', site: site.name, standby: description, journalFile, dryRun });

  const outer = options.signal;
  let interruptedIn: PhaseName | undefined;

  /** Run one phase under its timeout and the drill's abort signal; the body reports checks and may fail. */
  const phase = async (
    name: PhaseName,
    body: (ctx: {
      signal: AbortSignal;
      remainingMs: () => number;
      check: (c: CheckRecord) => void;
      progress: (message: string) => void;
    }) => Promise<string | void>,
    opts: { ignoreInterrupt?: boolean } = {},
  ): Promise<boolean> => {
    const limitMs = timeouts[name] * 1000;
    const p0 = clock.monotonic();
    journal = beginPhase(journal, name, clock.now().toISOString());
    await persist().catch(() => {});
    say({ type: 'phase-start', phase: name, timeoutSeconds: timeouts[name] });
    const ac = new AbortController();
    const onOuter = () => ac.abort(outer?.reason);
    if (!opts.ignoreInterrupt) {
      if (outer?.aborted) ac.abort(outer.reason);
      outer?.addEventListener('abort', onOuter, { once: true });
    }
    let timer: NodeJS.Timeout | undefined;
    const stopped = new Promise<never>((_, reject) => {
      timer = setTimeout(() => ac.abort(new PhaseTimeout(`timed out after ${formatSeconds(timeouts[name])}`)), limitMs);
      ac.signal.addEventListener('abort', () => reject(ac.signal.reason), { once: true });
    });
    stopped.catch(() => {});
    const checks: CheckRecord[] = [];
    let status: 'passed' | 'failed' = 'passed';
    let detail: string | undefined;
    try {
      const ctx = {
        signal: ac.signal,
        remainingMs: () => Math.max(1, limitMs - (clock.monotonic() - p0)),
        check: (c: CheckRecord) => {
          checks.push(c);
          say({ type: 'check', phase: name, check: c });
        },
        progress: (message: string) => say({ type: 'progress', phase: name, message }),
      };
      detail = (await Promise.race([body(ctx), stopped])) ?? undefined;
    } catch (err) {
      status = 'failed';
      const reason = ac.signal.aborted ? ac.signal.reason : err;
      if (ac.signal.aborted && !(reason instanceof PhaseTimeout) && !opts.ignoreInterrupt) {
        interruptedIn = name;
        detail = `interrupted by ${signalName(reason)}`;
      } else if (reason instanceof PhaseTimeout) detail = reason.message;
      else if (err instanceof CheckFailed) {
        detail = err.message;
        if (err.couldNotRun) journal = note(journal, { couldNotRun: true });
      } else detail = err instanceof Error ? err.message : String(err);
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    }
    if (status === 'passed' && checks.some((c) => !c.passed)) status = 'failed';
    const seconds = (clock.monotonic() - p0) / 1000;
    // a step given the phase's remaining time as its own limit (a probe, a restore) can end on that limit a moment
    // before the phase's timer fires: the phase still ran out of time, and says so
    const limitText = `timed out after ${formatSeconds(timeouts[name])}`;
    if (status === 'failed' && interruptedIn !== name && seconds * 1000 >= limitMs - 100 && !detail?.startsWith(limitText))
      detail = detail ? `${limitText}: ${detail}` : limitText;
    detail = detail === undefined ? undefined : scrub(detail, secrets);
    journal = endPhase(journal, name, { status, endedAt: clock.now().toISOString(), seconds, detail, ...(checks.length ? { checks } : {}) });
    await persist().catch(() => {});
    say({ type: 'phase-end', phase: name, status, seconds, detail });
    return status === 'passed';
  };
  const skip = (name: PhaseName, why: string) => {
    journal = skipPhase(journal, name, clock.now().toISOString(), why);
    say({ type: 'phase-end', phase: name, status: 'skipped', seconds: 0, detail: why });
  };

  let lock: HeldLock | undefined;
  let createdRoot = false;
  /** the restore root was found empty or created by this drill: only then may cleanup empty it */
  let rootOurs = false;
  let snapshot: Snapshot | undefined;
  let snapshotBytes = 0;
  let bytesP: Promise<number> | undefined;
  let countStartedAt = 0;
  const margin = site.standby.marginPercent ?? 10;
  /** free space found by preflight when the restore starts before the size is counted (adapter.guardsSpace) */
  let guarded: (SpaceGuard & { avail: number }) | undefined;
  const fitsVerdict = (avail: number, bytes: number) => {
    const need = requiredBytes(bytes, margin);
    return avail >= need
      ? { passed: true, detail: `${formatBytes(avail)} free ≥ ${formatBytes(need)} needed (${formatBytes(bytes)} + ${margin} %)` }
      : { passed: false, detail: `only ${formatBytes(avail)} free at ${root}, the restore needs ${formatBytes(need)} (${formatBytes(bytes)} + ${margin} %)` };
  };

  // ---- 1. preflight: the steady-state gate
  const preflightOk = await phase('preflight', async ({ signal, remainingMs, check }) => {
    const gate = async (name: string, fn: () => Promise<{ passed: boolean; detail: string; couldNotRun?: boolean }>) => {
      const c0 = clock.monotonic();
      let r: { passed: boolean; detail: string; couldNotRun?: boolean };
      try {
        r = await fn();
      } catch (err) {
        if (signal.aborted) throw err;
        r = { passed: false, detail: err instanceof Error ? err.message : String(err), couldNotRun: !(err instanceof CheckFailed) || err.couldNotRun };
      }
      const detail = scrub(r.detail, secrets);
      check({ name, passed: r.passed, detail, seconds: Math.round(clock.monotonic() - c0) / 1000 });
      if (!r.passed) throw new CheckFailed(`${name}: ${detail}`, r.couldNotRun ?? false);
    };
    const exec = (cmd: string, input?: string) => standby!.exec(cmd, { signal, timeoutMs: remainingMs(), ...(input ? { input } : {}) });
    // The backup tool's own calls (version, snapshot list, size of the chosen paths) only read the repository and
    // take seconds each (borg pays its Python start-up per call): each starts as soon as what it needs is known and
    // runs while the next gates are checked; every gate still waits for, times and judges its own answer.
    const early = <T>(fn: () => Promise<T>): Promise<T> => {
      const p = fn();
      p.catch(() => {}); // judged (or dropped, when an earlier gate fails) by the gate that awaits it
      return p;
    };
    let versionP: Promise<string> | undefined;
    let snapshotsP: Promise<Snapshot[]> | undefined;

    await gate('standby reachable', async () => {
      if (!standby) {
        try {
          standby = await openSshStandby(site, options.siteFile);
        } catch (err) {
          return { passed: false, couldNotRun: true, detail: `${description}: ${err instanceof Error ? err.message : String(err)}` };
        }
        journal = { ...journal, standby: { ...journal.standby, kind: standby.kind, description: standby.description } };
      }
      const r = await exec('echo continuity-ok');
      if (r.exitCode === 0 && r.stdout.includes('continuity-ok')) return { passed: true, detail: `${standby!.description} answers` };
      const why = r.timedOut ? 'no answer (timed out)' : r.stderr.trim().split('\n').slice(-2).join(' ') || `exit ${r.exitCode}`;
      return { passed: false, couldNotRun: true, detail: `${standby!.description}: ${why}` };
    });
    await gate('not a production host', async () => {
      const names = [standby!.host];
      if (site.standby.ssh) names.push(parseSshTarget(site.standby.ssh).host);
      const hit = names.find((h) => isProductionHost(h, site.production));
      return hit
        ? { passed: false, couldNotRun: true, detail: `the standby \`${hit}\` is listed under production; a drill never writes to production` }
        : { passed: true, detail: `${names.join(', ')} not in production (${(site.production ?? []).join(', ') || 'none listed'})` };
    });
    // the standby answers and is not production: the repository reads may start
    versionP = early(() => adapter.version(standby!));
    snapshotsP = early(() => adapter.listSnapshots(standby!, source));
    await gate(dryRun ? 'standby free (lock)' : 'lock', async () => {
      if (root === '/' || root === '') return { passed: false, couldNotRun: true, detail: `refusing restoreRoot \`${root}\`` };
      if (dryRun) {
        const r = await exec(`test -e ${shq(lockPath(root))} && cat ${shq(`${lockPath(root)}/owner`)} 2>/dev/null; exit 0`);
        return r.stdout.trim()
          ? { passed: false, couldNotRun: true, detail: `locked by another drill: ${r.stdout.trim()}` }
          : { passed: true, detail: `no drill holds ${lockPath(root)}` };
      }
      const res = await acquireLock(standby!, root, { site: site.name, now: clock.now(), maxSeconds: maxDrillSeconds }, { signal, timeoutMs: remainingMs() });
      if (!res.ok) return { passed: false, couldNotRun: true, detail: res.reason };
      lock = res.lock;
      return { passed: true, detail: `took ${res.lock.path}${res.lock.broke ? ` (broke a stale lock of pid ${res.lock.broke.pid} on ${res.lock.broke.controller})` : ''}` };
    });
    // what the restore root holds and the free space there: looks that write nothing, made while the snapshot list
    // is still coming (restic's alone takes 0.25-0.4 s); the gates below judge them in their turn
    const rootLookP = early(() =>
      exec(`if [ -e ${shq(root)} ]; then [ -d ${shq(root)} ] || { echo NOTDIR; exit 0; }; find ${shq(root)} -mindepth 1 -maxdepth 1 | head -n 3; else echo ABSENT; fi`),
    );
    const freeP = early(() => exec(`p=${shq(root)}; while [ ! -e "$p" ]; do p=$(dirname "$p"); done; df -Pk "$p" | tail -n 1`));
    await gate('backup tool', async () => {
      const version = await versionP!;
      journal = note(journal, { backup: { ...journal.backup, toolVersion: version } });
      return { passed: true, detail: `${adapter.tool} ${version}` };
    });
    await gate('snapshot', async () => {
      let snaps: Snapshot[];
      try {
        snaps = await snapshotsP!;
      } catch (err) {
        throw new CheckFailed(err instanceof Error ? err.message : String(err));
      }
      snapshot = chooseSnapshot(snaps, at);
      if (!snapshot)
        return { passed: false, detail: at ? `no snapshot at or before ${at.toISOString()} (${snaps.length} snapshots, the first ${snaps[0]?.time.toISOString() ?? 'none'})` : 'the repository holds no snapshot' };
      journal = note(journal, { backup: { ...journal.backup, snapshot: snapshot.id, snapshotTime: snapshot.time.toISOString() } });
      const chosen = snapshot;
      // counted beside the restore (guardsSpace): at the lowest priority, on the CPU the restore leaves idle
      // what the count reads and verification wants again (restic's listing) is kept on the standby while the lock is held
      const keepWhile = lock && !dryRun ? { folder: lock.path, maxSeconds: maxDrillSeconds } : undefined;
      bytesP = early(() => adapter.snapshotBytes(standby!, source, chosen, { background: !!adapter.guardsSpace && !dryRun, ...(keepWhile ? { keepWhile } : {}) }));
      countStartedAt = clock.monotonic();
      return { passed: true, detail: `${snapshot.id} taken ${snapshot.time.toISOString()} (${snaps.length} in the repository)` };
    });
    await gate('backup within RPO', async () => {
      // with --at the declared incident is at that instant (a drill of a past day); otherwise now
      const age = backupAgeSeconds(snapshot!.time, at && at < start ? at : start);
      journal = recordRpo(journal, age);
      return age <= rpoSeconds
        ? { passed: true, detail: `backup age ${formatSeconds(age)} ≤ RPO ${formatSeconds(rpoSeconds)}` }
        : { passed: false, detail: `backup age ${formatSeconds(age)} exceeds the RPO of ${formatSeconds(rpoSeconds)}` };
    });
    await gate('restore root empty', async () => {
      const r = await rootLookP;
      if (r.exitCode !== 0) return { passed: false, couldNotRun: true, detail: `cannot look at ${root}: ${r.stderr.trim()}` };
      const outText = r.stdout.trim();
      if (outText === 'NOTDIR') return { passed: false, couldNotRun: true, detail: `${root} exists and is not a folder` };
      if (outText === 'ABSENT') {
        if (!dryRun) {
          const m = await exec(`mkdir -p ${shq(root)}`);
          if (m.exitCode !== 0) return { passed: false, couldNotRun: true, detail: `cannot create ${root}: ${m.stderr.trim()}` };
          createdRoot = true;
        }
        rootOurs = !dryRun;
        return { passed: true, detail: `${root} ${dryRun ? 'would be created' : 'created'}` };
      }
      if (outText)
        return { passed: false, couldNotRun: true, detail: `${root} is not empty (holds ${outText.split('\n').map((l) => path.basename(l)).join(', ')}…; a drill kept with --keep?); empty it or choose another restoreRoot` };
      rootOurs = !dryRun;
      return { passed: true, detail: `${root} is empty` };
    });
    await gate('free space', async () => {
      const r = await freeP;
      const avail = Number(r.stdout.trim().split(/\s+/)[3]) * 1024;
      if (r.exitCode !== 0 || !Number.isFinite(avail)) return { passed: false, couldNotRun: true, detail: `cannot read free space at ${root}: ${r.stderr.trim()}` };
      if (adapter.guardsSpace && lock) {
        // the tool's count of the snapshot's size is slow (restic walks every tree of the snapshot): the restore
        // starts beside it, guarded, and the restore phase judges the count (see space-guard.ts)
        const floorBytes = Math.floor((avail * margin) / 100);
        guarded = { file: `${lock.path}/space-answer`, floorBytes, avail };
        return {
          passed: true,
          detail: `${formatBytes(avail)} free at ${root}; ${adapter.tool} counts the snapshot's size beside the restore, which is held should less than ${formatBytes(floorBytes)} (${margin} %) stay free before the count answers`,
        };
      }
      try {
        snapshotBytes = await bytesP!;
      } catch (err) {
        // reading the snapshot found it damaged (a truncated archive, a bad pack): the drill's finding, like an unreadable snapshot list
        throw new CheckFailed(err instanceof Error ? err.message : String(err));
      }
      let need = requiredBytes(snapshotBytes, margin);
      if (avail < need && adapter.snapshotBytesExact) {
        // the cheap answer was an upper bound and does not fit: the exact size decides
        try {
          snapshotBytes = await adapter.snapshotBytesExact(standby!, source, snapshot!);
        } catch (err) {
          throw new CheckFailed(err instanceof Error ? err.message : String(err));
        }
        need = requiredBytes(snapshotBytes, margin);
      }
      return fitsVerdict(avail, snapshotBytes);
    });
    return dryRun ? 'all gates pass (dry run: nothing was written)' : 'all gates pass';
  });

  // ---- 2-4. the method and the probes
  let restoredOk = false;
  let servicesEnd: number | undefined;
  let everythingUp = false;
  if (dryRun || !preflightOk || interruptedIn) {
    const why = interruptedIn ? 'interrupted' : dryRun ? 'dry run' : 'preflight failed';
    for (const p of ['restore', 'verify', 'services'] as const) skip(p, why);
  } else {
    let contentVerified: RestoreReport['contentVerified'];
    let backupCheck: RestoreReport['backupCheck'];
    // The snapshot's side of verification (what the repository says each file holds) is read while the restore runs,
    // at the lowest CPU priority, on the CPU the restore leaves idle: on two cores a tar, rsync or borg restore keeps
    // one busy. It reads only the repository. Awaited in verify (which says how much of it was left); stopped when
    // the restore fails or the drill is interrupted. (restic's listing is walked beside the restore for the size,
    // but only received once the restore is over: on two cores the drill's own parsing cost the restore time.)
    const expectedStop = new AbortController();
    const stopExpected = () => expectedStop.abort(new Error('not needed'));
    outer?.addEventListener('abort', stopExpected, { once: true });
    let expectedRead: { entries: Promise<TreeEntry[]>; startedAt: number; endedAt?: number } | undefined;
    let fromRestore: TreeEntry[] | undefined;
    restoredOk = await phase('restore', async ({ signal, remainingMs, progress, check }) => {
      const r0 = clock.monotonic();
      if (!adapter.restoreReadsManifest) {
        const read = { startedAt: r0, endedAt: undefined as number | undefined, entries: undefined as unknown as Promise<TreeEntry[]> };
        read.entries = (async () => {
          const all: TreeEntry[] = [];
          const content = !adapter.checkContent;
          for await (const e of adapter.manifest(standby!, source, snapshot!, { background: true, content, signal: expectedStop.signal, timeoutMs: (timeouts.restore + timeouts.verify) * 1000 }))
            all.push(e);
          read.endedAt = clock.monotonic();
          return all;
        })();
        read.entries.catch(() => {}); // its failure is verify's to report
        expectedRead = read;
      }
      // the size still being counted (see the free-space gate): judged here, the guard answered either way
      const g = guarded;
      const counted = g
        ? (async () => {
            const answer = (a: 'go' | 'stop') => standby!.exec(answerCommand(g, a), { timeoutMs: 30_000 }).catch(() => undefined);
            let verdict: { passed: boolean; detail: string };
            try {
              snapshotBytes = await bytesP!;
              verdict = fitsVerdict(g.avail, snapshotBytes);
            } catch (err) {
              verdict = { passed: false, detail: scrub(err instanceof Error ? err.message : String(err), secrets) };
            }
            await answer(verdict.passed ? 'go' : 'stop');
            if (signal.aborted) return;
            const seconds = Math.round(clock.monotonic() - countStartedAt) / 1000;
            check({ name: 'free space', passed: verdict.passed, seconds, detail: `${verdict.detail} (counted beside the restore in ${seconds.toFixed(1)} s)` });
            if (!verdict.passed) throw new CheckFailed(`free space: ${verdict.detail}`);
          })()
        : undefined;
      counted?.catch(() => {});
      // in the same tick as the snapshot side's read was asked for above (no await between them): a background read
      // of restic's listing waits for a restore of its snapshot that has started, and this is that restore
      const restoring = adapter.restore(standby!, source, snapshot!, root, {
        timeoutMs: remainingMs(),
        signal,
        onProgress: (p) => progress(p.message ?? `${p.files ?? '?'} files, ${formatBytes(p.bytes)}`),
        ...(g ? { spaceGuard: { file: g.file, floorBytes: g.floorBytes } } : {}),
      });
      let report: RestoreReport | void;
      if (counted) {
        // the count's verdict first: a restore the guard stopped failed because the snapshot does not fit
        const [c, rr] = await Promise.allSettled([counted, restoring]);
        if (c.status === 'rejected') throw c.reason;
        if (rr.status === 'rejected') throw rr.reason;
        report = rr.value;
      } else report = await restoring;
      const seconds = (clock.monotonic() - r0) / 1000;
      if (report && report.manifest) fromRestore = report.manifest;
      if (report && report.backupCheck) backupCheck = report.backupCheck;
      if (report && report.contentVerified) {
        // the tool read every file back against the snapshot inside its restore: shown as the restore's own check,
        // with the tool's count of its seconds (verification work, though it runs on the restore's clock)
        contentVerified = report.contentVerified;
        const v = report.contentVerified;
        check({
          name: `content verified by ${v.by}`,
          passed: true,
          ...(v.seconds !== undefined ? { seconds: Math.round(v.seconds * 1000) / 1000 } : {}),
          detail: `${v.files ?? 'every'} restored file${v.files === 1 ? '' : 's'} read back and checked against the snapshot's content hashes`,
        });
      }
      const { bytesPerSecond, projectedSeconds } = projectRestore(snapshotBytes, seconds, site.backup.dataBytes);
      journal = note(journal, {
        restore: {
          bytes: snapshotBytes,
          files: 0,
          seconds: Math.round(seconds * 1000) / 1000,
          bytesPerSecond,
          ...(site.backup.dataBytes !== undefined ? { dataBytes: site.backup.dataBytes } : {}),
          ...(projectedSeconds !== undefined ? { projectedSeconds, projectedWithinRto: projectedSeconds <= rtoSeconds } : {}),
        },
      });
      return `${formatBytes(snapshotBytes)} from ${snapshot!.id} into ${root} at ${formatBytes(bytesPerSecond)}/s${
        projectedSeconds !== undefined ? `; the full ${formatBytes(site.backup.dataBytes)} would take about ${formatSeconds(projectedSeconds)}` : ''
      }`;
    });
    let verifiedOk = false;
    if (!restoredOk || interruptedIn) stopExpected();
    if (!restoredOk || interruptedIn) skip('verify', interruptedIn ? 'interrupted' : 'restore failed');
    else
      verifiedOk = await phase('verify', async ({ signal, remainingMs, check }) => {
        const v0 = clock.monotonic();
        signal.addEventListener('abort', stopExpected, { once: true });
        // the restored side is hashed unless the tool already read every file back against the snapshot (then only
        // the files' ctimes are read: anything written after that check is reported)
        const collect = async () => {
          // an adapter whose restore read the manifest from its own stream hands it over; one that did not (should
          // never happen) is read here
          if (fromRestore) return fromRestore;
          const all: TreeEntry[] = [];
          for await (const e of adapter.manifest(standby!, source, snapshot!, { signal, timeoutMs: remainingMs(), content: !adapter.checkContent })) all.push(e);
          return all;
        };
        // an adapter that checks content by the repository's own ids does that here, beside the listing; the restored
        // files are then not hashed
        const own = adapter.checkContent;
        const [expected, restored, checkedContent] = await Promise.all([
          expectedRead ? expectedRead.entries : collect(),
          listRestoredTree(standby!, root, {
            signal,
            timeoutMs: remainingMs(),
            digest: adapter.digest,
            ...(contentVerified ? { hash: false, ctime: true } : own ? { hash: false } : {}),
          }),
          own ? own.call(adapter, standby!, source, snapshot!, root, { signal, timeoutMs: remainingMs() }) : Promise.resolve(undefined),
        ]);
        if (checkedContent)
          check({
            name: `content checked by ${checkedContent.by}`,
            passed: checkedContent.differs.length === 0,
            ...(checkedContent.seconds !== undefined ? { seconds: Math.round(checkedContent.seconds * 1000) / 1000 } : {}),
            detail: `${checkedContent.matched.length} restored file${checkedContent.matched.length === 1 ? '' : 's'} match the snapshot${
              checkedContent.differs.length ? `, ${checkedContent.differs.length} differ` : ''
            }`,
          });
        const r = expectedRead;
        if (r) {
          const took = ((r.endedAt ?? clock.monotonic()) - r.startedAt) / 1000;
          const after = Math.max(0, ((r.endedAt ?? clock.monotonic()) - v0) / 1000);
          check({
            name: 'snapshot side read beside the restore',
            passed: true,
            seconds: Math.round(took * 1000) / 1000,
            detail: `what the repository holds for ${expected.length} entries, asked for at the restore's start, read at low priority: ${formatSeconds(took)}, of which ${formatSeconds(after)} after the restore`,
          });
        } else if (fromRestore)
          check({
            name: 'snapshot side read from the restore stream',
            passed: true,
            detail: `what the archive holds for ${expected.length} entries, hashed from the very stream the restore extracted (the archive read once)`,
          });
        if (backupCheck)
          check({
            name: `backup checked against ${backupCheck.by}`,
            passed: backupCheck.passed,
            ...(backupCheck.seconds !== undefined ? { seconds: backupCheck.seconds } : {}),
            detail: scrub(backupCheck.detail, secrets),
          });
        const skipAbove = ancestorsOf(source.paths);
        const { summary } = verifyTree(expected, restored, {
          ignoreExtra: (p) => skipAbove.has(p),
          ...(contentVerified ? { contentVerified } : {}),
          ...(checkedContent
            ? {
                contentChecked: {
                  by: checkedContent.by,
                  matched: new Set(checkedContent.matched),
                  differs: new Map(checkedContent.differs.map((d) => [d.path, d.found])),
                },
              }
            : {}),
        });
        // the free-space gate may have used an upper bound (tar: the archive's stream length); the verified bytes are exact
        const exact = journal.restore ? { ...journal.restore, files: summary.files, bytes: summary.bytes, ...projectRestore(summary.bytes, journal.restore.seconds, site.backup.dataBytes) } : undefined;
        if (exact && exact.projectedSeconds !== undefined) exact.projectedWithinRto = exact.projectedSeconds <= rtoSeconds;
        journal = note(journal, { verification: summary, ...(exact ? { restore: exact } : {}) });
        // a file whose content nobody checked is not "verified": it fails the phase too (never a silent downgrade)
        const unchecked = summary.contentUnchecked ?? 0;
        // a backup that fails its own checksum list: the files came from a damaged backup, however well they match it
        const damaged = backupCheck && !backupCheck.passed ? 1 : 0;
        const bad = summary.mismatches + summary.missing + summary.extra + summary.permissionMismatches + summary.exposedHomes + unchecked + damaged;
        const head = `${summary.files} files, ${formatBytes(summary.bytes)}`;
        const listed = source.checksums !== undefined && adapter.tool === 'rsync' ? checksumListPath(source.checksums, source.repository) : undefined;
        if (listed)
          check({
            name: 'content against the checksum list',
            passed: summary.mismatches + unchecked === 0,
            detail: `the digests came from ${listed}, which the backup job wrote, not from the mirror as it is now`,
          });
        if (!bad)
          return `${head}: every file matches the snapshot (content, owner, group, mode)${contentVerified ? `; content read back by ${contentVerified.by} and unchanged since` : ''}${
            backupCheck ? `; the backup matches ${backupCheck.by}` : listed ? `; content as ${listed} lists it` : ''
          }`;
        const parts = [
          summary.mismatches && `${summary.mismatches} changed`,
          summary.missing && `${summary.missing} missing`,
          summary.extra && `${summary.extra} extra`,
          summary.permissionMismatches && `${summary.permissionMismatches} with wrong owner/group/mode`,
          summary.exposedHomes && `${summary.exposedHomes} home director${summary.exposedHomes === 1 ? 'y' : 'ies'} exposed to other users`,
          unchecked && `${unchecked} whose content could not be checked (no digest on one side)`,
          damaged && `the backup does not match its checksum list: ${scrub(backupCheck!.detail, secrets)}`,
        ].filter(Boolean);
        const first = summary.problems.slice(0, 3).map((p) => `${p.path} (${p.kind}${p.expected !== undefined ? `: expected ${p.expected}` : ''}${p.found !== undefined ? `, found ${p.found}` : ''})`);
        throw new Error(`${head}: ${parts.join(', ')}${first.length ? `; ${first.join('; ')}` : ''}${summary.problems.length > 3 ? '; …' : ''}`);
      });
    // verify is over: a read for it that still runs (a borg check held for an answer that never came) is stopped
    stopExpected();
    if (!restoredOk || interruptedIn) skip('services', interruptedIn ? 'interrupted' : 'restore failed');
    else {
      const servicesOk = await phase('services', async ({ signal, remainingMs, check }) => {
        const probes = site.services ?? [];
        let failed = 0;
        for (const probe of probes) {
          const c = await runProbe(standby!, probe, { restoreRoot: root, signal, defaultTimeoutMs: Math.min(remainingMs(), 60_000), monotonic: () => clock.monotonic() });
          if (!c.passed) failed++;
          check({ ...c, ...(c.detail ? { detail: scrub(c.detail, secrets) } : {}) });
        }
        return probes.length ? `${probes.length - failed} of ${probes.length} probes answer` : 'no probes defined in the site file';
      });
      servicesEnd = clock.monotonic();
      everythingUp = verifiedOk && servicesOk;
    }
  }
  if (!dryRun) {
    // RTO: from the declared incident (drill start) to the end of the services phase, and only if the service is really back
    const actual = servicesEnd !== undefined ? (servicesEnd - t0) / 1000 : null;
    journal = {
      ...journal,
      rto: { ...journal.rto, actualSeconds: actual === null ? null : Math.round(actual * 1000) / 1000, met: actual !== null && everythingUp && actual <= rtoSeconds },
    };
    // the full data at the measured speed: judged only when the site asks (a drill of a few folders is no full restore)
    const projected = journal.restore?.projectedSeconds;
    if (projected !== undefined && everythingUp)
      journal = { ...journal, rto: { ...journal.rto, projection: { seconds: projected, met: projected <= rtoSeconds, judged: site.backup.judgeProjection === true } } };
  }

  // ---- 5. cleanup: always, unless --keep; never touches a restore it does not hold the lock for
  if (dryRun) skip('cleanup', 'dry run: nothing to clean');
  else if (!lock) skip('cleanup', 'nothing to clean: the lock was not taken, so nothing was written');
  else {
    const held: HeldLock = lock;
    await phase(
      'cleanup',
      async ({ remainingMs }) => {
        let removal: string | undefined;
        // what was in the root before the gate looked (or when it never looked) is not this drill's to remove
        const ours = rootOurs;
        if (!keep && ours) {
          // a root this drill created goes entirely; a root that was there (empty) is emptied again
          const cmd = createdRoot
            ? `rm -rf ${shq(root)}`
            : `if [ -d ${shq(root)} ]; then find ${shq(root)} -mindepth 1 -maxdepth 1 -exec rm -rf {} +; fi`;
          const r = await standby!.exec(cmd, { timeoutMs: Math.max(1, remainingMs() - 5000) });
          if (r.exitCode !== 0 || r.timedOut) removal = `could not remove ${root}: ${r.timedOut ? 'timed out' : r.stderr.trim()}`;
        }
        // the lock goes even when removal failed: the next drill then refuses a non-empty root, with the reason
        const released = await releaseLock(standby!, held, { timeoutMs: remainingMs() });
        if (removal) throw new Error(`${removal}${released ? '; lock released' : ''}`);
        if (!released) throw new Error(`the lock ${held.path} was no longer ours to release`);
        if (!ours) return `left ${root} as it was (preflight stopped before this drill put anything there); lock released`;
        return keep ? `kept the restore in ${root} (--keep); lock released` : `removed ${root}; lock released`;
      },
      { ignoreInterrupt: true },
    );
  }

  await standby?.close().catch(() => {});
  const end = clock.now().toISOString();
  if (interruptedIn || outer?.aborted) journal = abortJournal(journal, end, interruptedIn, signalName(outer?.reason));
  else journal = finishJournal(journal, end);
  await persist();
  const exitCode = exitCodeFor(journal);
  say({ type: 'end', journal, journalFile });
  return { journal, journalFile, exitCode, secrets };
}

function signalName(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  if (reason instanceof Interrupted) return reason.message;
  if (reason instanceof ContinuityError) return reason.message;
  return 'SIGINT';
}
