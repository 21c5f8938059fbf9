# Wait until the standby is ready for a drill, then report what the drill's site file needs:
# the host key (for known_hosts) and its fingerprint, the backup tool's version, the room left.
settings TOOL RESTORE_ROOT DRILL_USER TIMEOUT_SECONDS
case $TOOL in borg) bin=borg ;; *) bin=$TOOL ;; esac
deadline=$(($(date +%s) + TIMEOUT_SECONDS))
while :; do
  why=
  command -v "$bin" >/dev/null 2>&1 || why="$bin is not installed"
  [ -n "$why" ] || [ -d "$RESTORE_ROOT" ] || why="$RESTORE_ROOT does not exist"
  [ -n "$why" ] || [ -s "$(getent passwd "$DRILL_USER" | cut -d: -f6)/.ssh/authorized_keys" ] || why="$DRILL_USER has no key"
  [ -n "$why" ] || /usr/sbin/sshd -t 2>/dev/null || why="sshd configuration does not pass sshd -t"
  [ -n "$why" ] || [ -s /etc/ssh/ssh_host_ed25519_key.pub ] || why="sshd has no ed25519 host key"
  [ -n "$why" ] && [ "$(date +%s)" -lt "$deadline" ] && { sleep 2; continue; }
  [ -z "$why" ] || { echo "error: standby not ready after ${TIMEOUT_SECONDS}s: $why" >&2; exit 1; }
  break
done
case $TOOL in
  rdiff-backup) version=$(rdiff-backup --version | awk '{ print $2 }') ;;
  restic) version=$(restic version | awk '{ print $2 }') ;;
  borg) version=$(borg --version | awk '{ print $2 }') ;;
  rsync) version=$(rsync --version | awk 'NR == 1 { print $3 }') ;;
  tar) version=$(tar --version | awk 'NR == 1 { print $NF }') ;;
esac
fact toolVersion "$version"
fact hostKey "$(awk '{ print $1 " " $2 }' /etc/ssh/ssh_host_ed25519_key.pub)"
fact hostKeyFingerprint "$(ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub | awk '{ print $2 }')"
fact restoreRootFreeBytes "$(df -P -B1 "$RESTORE_ROOT" | awk 'NR == 2 { print $4 }')"
finish
