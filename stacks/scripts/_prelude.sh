# Shared opening of every provisioning script (stacks/provision.ts puts it in front of each one).
# Settings arrive on stdin as KEY=value lines, because sshd drops environment variables it was
# not told to accept (AcceptEnv) and remote.Command's `environment` would silently vanish.
# Each change is printed as `changed: ...`; a run that changed nothing prints `no changes`.
set -eu
export DEBIAN_FRONTEND=noninteractive LC_ALL=C
continuity_changes=0
# settings KEY...: read KEY=value lines from stdin (every KEY required, no other key allowed)
settings() {
  while IFS= read -r continuity_line || [ -n "$continuity_line" ]; do
    case $continuity_line in '' | '#'*) continue ;; esac
    continuity_key=${continuity_line%%=*}
    case " $* " in
      *" $continuity_key "*) export "$continuity_key=${continuity_line#*=}" ;;
      *) echo "error: unknown setting \`$continuity_key\` on stdin (expected: $*)" >&2; exit 2 ;;
    esac
  done
  exec </dev/null
  for continuity_key in "$@"; do
    eval "[ -n \"\${$continuity_key+set}\" ]" || { echo "error: expected setting \`$continuity_key\` on stdin, got nothing" >&2; exit 2; }
  done
}
# changed MESSAGE: record and print one change
changed() { continuity_changes=$((continuity_changes + 1)); echo "changed: $*"; }
# fact NAME VALUE: a value the stack reads back as an output
fact() { echo "fact: $1=$2"; }
# finish: say that nothing changed when that is so
finish() { [ "$continuity_changes" -gt 0 ] || echo "no changes"; }
# installed PKG: true when the package is installed
installed() { [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ]; }
# apt_install PKG[=VERSION]...: install what is missing (one apt-get update first)
apt_install() {
  continuity_missing=
  for continuity_p in "$@"; do
    continuity_name=${continuity_p%%=*}
    if [ "$continuity_name" != "$continuity_p" ]; then
      [ "$(dpkg-query -W -f='${Version}' "$continuity_name" 2>/dev/null || true)" = "${continuity_p#*=}" ] && installed "$continuity_name" && continue
    else
      installed "$continuity_name" && continue
    fi
    continuity_missing="$continuity_missing $continuity_p"
  done
  [ -n "$continuity_missing" ] || return 0
  apt-get update -qq >/dev/null
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends --allow-downgrades $continuity_missing >/dev/null
  changed "installed$continuity_missing"
}
# reload_sshd: make sshd re-read its configuration, then wait until it listens again, so the
# next SSH connection (the next step) is not refused while sshd re-executes itself
reload_sshd() {
  if [ -d /run/systemd/system ]; then systemctl reload ssh; elif [ -s /run/sshd.pid ]; then kill -HUP "$(cat /run/sshd.pid)"; fi
  continuity_port=$(printf '%04X' "$(/usr/sbin/sshd -T 2>/dev/null | awk '$1 == "port" { print $2; exit }')")
  sleep 1
  continuity_i=0
  while [ "$continuity_i" -lt 30 ]; do
    # a LISTEN (0A) socket on sshd's port in the kernel's table
    awk -v p=":$continuity_port" 'substr($2, length($2) - 4) == p && $4 == "0A" { found = 1 } END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null && return 0
    sleep 1
    continuity_i=$((continuity_i + 1))
  done
  echo "error: sshd does not listen again after the reload" >&2
  return 1
}
