// A lock on the standby so two drills never share it: an atomic `mkdir <restoreRoot>.continuity-lock`
// holding who took it. The lock sits beside the restore root, not inside it, so no restore tool
// (rdiff-backup --force, rsync --delete) can remove it and verification never sees it.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { StepFailed } from '../core/errors.ts';
import { shq, type Standby } from './standby/types.ts';

/** What the lock folder records about its holder. */
export interface LockOwner {
  token: string;
  site: string;
  /** the machine running the drill, and its process */
  controller: string;
  pid: number;
  startedAt: string;
  /** after this the lock is stale even if the holder's process cannot be checked */
  expiresAt: string;
}

/** A lock this drill holds. */
export interface HeldLock {
  path: string;
  owner: LockOwner;
  /** a stale lock that was broken to take this one */
  broke?: LockOwner;
}

/** Taken, or refused with the holder and a reason an operator can act on. */
export type LockResult = { ok: true; lock: HeldLock } | { ok: false; holder?: LockOwner; reason: string };

/** Path of the lock folder for a restore root. */
export function lockPath(restoreRoot: string): string {
  return `${restoreRoot.replace(/\/+$/, '')}.continuity-lock`;
}

/** Is a recorded holder gone? Expired, or a process on this very machine that no longer exists. */
export function isStale(holder: LockOwner, now: Date, thisHost = os.hostname()): boolean {
  if (Date.parse(holder.expiresAt) < now.getTime()) return true;
  if (holder.controller === thisHost) {
    try {
      process.kill(holder.pid, 0);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }
  return false;
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as LockOwner;
    return typeof o.token === 'string' ? o : undefined;
  } catch {
    return undefined;
  }
}

/** Take the lock, breaking it only when its holder is provably gone. Never waits. */
export async function acquireLock(
  standby: Standby,
  restoreRoot: string,
  who: { site: string; now: Date; maxSeconds: number },
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<LockResult> {
  const path = lockPath(restoreRoot);
  const owner: LockOwner = {
    token: randomUUID(),
    site: who.site,
    controller: os.hostname(),
    pid: process.pid,
    startedAt: who.now.toISOString(),
    expiresAt: new Date(who.now.getTime() + who.maxSeconds * 1000).toISOString(),
  };
  const parent = path.replace(/\/[^/]*$/, '') || '/';
  const tryTake = async () => {
    const r = await standby.exec(
      // exit 75: the lock exists (its owner on stdout); any other failure (permission denied, read-only) names itself
      `mkdir -p ${shq(parent)} && if mkdir ${shq(path)} 2>/dev/null; then cat > ${shq(`${path}/owner`)} && echo TAKEN; ` +
        `elif [ -d ${shq(path)} ]; then cat ${shq(`${path}/owner`)} 2>/dev/null; exit 75; else mkdir ${shq(path)}; exit 76; fi`,
      { ...options, input: JSON.stringify(owner) },
    );
    if (r.exitCode === 0 && r.stdout.includes('TAKEN')) return { taken: true as const };
    if (r.exitCode === 75) return { taken: false as const, holder: parseOwner(r.stdout) };
    throw new StepFailed(`could not create the lock ${path} on ${standby.description} (exit ${r.exitCode}${r.timedOut ? ', timed out' : ''}): ${r.stderr.trim()}`);
  };
  let first = await tryTake();
  if (first.taken) return { ok: true, lock: { path, owner } };
  const holder = first.holder;
  if (holder && !isStale(holder, who.now)) {
    return {
      ok: false,
      holder,
      reason: `the standby is locked by another drill (site ${holder.site}, started ${holder.startedAt} by pid ${holder.pid} on ${holder.controller}; lock ${path})`,
    };
  }
  if (!holder) {
    // a lock folder without a readable owner: someone is just creating it, or it is debris; do not guess
    return { ok: false, reason: `the standby has a lock ${path} without a readable owner; remove it by hand if no drill is running` };
  }
  // break the stale lock atomically (only one breaker's mv succeeds), then try once more
  const aside = `${path}.stale.${owner.token}`;
  await standby.exec(`mv ${shq(path)} ${shq(aside)} && rm -rf ${shq(aside)}`, options);
  first = await tryTake();
  if (first.taken) return { ok: true, lock: { path, owner, broke: holder } };
  return { ok: false, holder: first.holder, reason: `the standby lock ${path} was taken by another drill while breaking a stale one` };
}

/** Release a lock we hold (only if the folder still records our token). */
export async function releaseLock(standby: Standby, lock: HeldLock, options: { timeoutMs?: number } = {}): Promise<boolean> {
  const r = await standby.exec(
    `if grep -qF ${shq(lock.owner.token)} ${shq(`${lock.path}/owner`)} 2>/dev/null; then rm -rf ${shq(lock.path)} && echo RELEASED; fi`,
    options,
  );
  return r.exitCode === 0 && r.stdout.includes('RELEASED');
}
