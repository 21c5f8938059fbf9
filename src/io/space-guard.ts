// A restore that starts before the free-space gate has its answer: while the backup tool still counts the
// snapshot's size (restic walks every tree of the snapshot for it: 2.8-3.0 s for 100 000 files), the restore runs
// beside the count under a guard on the standby. The guard holds the restore (SIGSTOP) should free space at its
// target fall below a floor before the answer comes; the drill then writes the answer into a file on the standby:
// `go` lets the restore run on (resumed if it was held), `stop` kills it. So a snapshot too big for the standby is
// refused as before, and the standby's free space never falls below the floor meanwhile.
import { shq } from './standby/types.ts';

/** What the drill hands a restore that starts before the size is counted. */
export interface SpaceGuard {
  /** a file on the standby the drill writes the gate's answer into: `go` (it fits) or `stop` (it does not) */
  file: string;
  /** until the answer, the restore is held once free space at its target is below this many bytes */
  floorBytes: number;
}

/** What the guard printed, as a restore's stdout tells it. */
export interface GuardEvents {
  /** bytes free when the guard held the restore */
  heldAtFree?: number;
  resumed: boolean;
  stopped: boolean;
}

/**
 * How often the guard looks (seconds): every 0.05 s when less than 1 GiB separates free space from the floor (at
 * 200 MB/s a restore writes some 10 MB between two looks), else every 0.5 s (100 MB). Each look starts two
 * processes (`stat`, `sleep`): looking every 0.05 s throughout cost 0.2 CPU s a second on this machine.
 */
const POLL_SECONDS = 0.05;
const POLL_SECONDS_FAR = 0.5;
const FAR_KIB = 1024 * 1024;

/**
 * sh, run right after the restore was started in the background with its pid in `$pidVar`: watches free space in
 * the folder `$dirVar` until the answer comes or the restore ends (a zombie counts as ended: its exit status is
 * waited for after the guard), and prints `CONTINUITY-HELD <free bytes>`, `CONTINUITY-RESUMED` and
 * `CONTINUITY-STOPPED` as it acts. Needs /proc (to tell a finished restore from a running or held one) and
 * `stat -f`; every process the guard starts ends within one look.
 */
export function guardScript(guard: SpaceGuard, pidVar: string, dirVar: string): string {
  const floorKiB = Math.ceil(guard.floorBytes / 1024);
  return [
    `_g=${shq(guard.file)}; _held=0`,
    `while read -r _st < /proc/"$${pidVar}"/stat 2>/dev/null && case "$_st" in *') Z '*) false ;; *) true ;; esac; do`,
    `  _a=; [ -r "$_g" ] && read -r _a < "$_g"`,
    `  if [ "$_a" = go ]; then [ $_held = 1 ] && kill -CONT "$${pidVar}" && echo CONTINUITY-RESUMED; break; fi`,
    `  if [ "$_a" = stop ]; then kill -KILL "$${pidVar}" 2>/dev/null; echo CONTINUITY-STOPPED; break; fi`,
    `  _far=0`,
    `  if [ $_held = 0 ] && set -- $(stat -f -c '%a %S' "$${dirVar}" 2>/dev/null) && [ $# = 2 ]; then`,
    `    if [ $(( $1 * $2 / 1024 )) -lt ${floorKiB} ]; then kill -STOP "$${pidVar}" && _held=1 && echo "CONTINUITY-HELD $(( $1 * $2 ))"`,
    `    elif [ $(( $1 * $2 / 1024 - ${floorKiB} )) -gt ${FAR_KIB} ]; then _far=1; fi`,
    `  fi`,
    `  if [ $_far = 1 ]; then sleep ${POLL_SECONDS_FAR}; else sleep ${POLL_SECONDS}; fi`,
    `done`,
  ].join('\n');
}

/** The guard's lines in a restore's stdout. */
export function guardEvents(stdout: string): GuardEvents {
  const held = /^CONTINUITY-HELD (\d+)$/m.exec(stdout);
  return {
    ...(held ? { heldAtFree: Number(held[1]) } : {}),
    resumed: /^CONTINUITY-RESUMED$/m.test(stdout),
    stopped: /^CONTINUITY-STOPPED$/m.test(stdout),
  };
}

/** The sh that writes the drill's answer for a guard (`go` or `stop`), replacing the file in one rename. */
export function answerCommand(guard: Pick<SpaceGuard, 'file'>, answer: 'go' | 'stop'): string {
  return `printf '%s\\n' ${answer} > ${shq(`${guard.file}.new`)} && mv -f ${shq(`${guard.file}.new`)} ${shq(guard.file)}`;
}
