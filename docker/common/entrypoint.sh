#!/bin/sh
# Container entrypoint for continuity's test machines: per-container host key, the given
# authorized key for each login user, then sshd in the foreground logging to stderr.
set -eu

# A fresh host key for every container, so tests must learn it (docker exec) and check it.
if [ ! -s /etc/ssh/ssh_host_ed25519_key ]; then
  ssh-keygen -q -t ed25519 -N '' -C "continuity-$(uname -n)" -f /etc/ssh/ssh_host_ed25519_key
fi

for user in ${AUTHORIZED_USERS:-root}; do
  home=$(getent passwd "$user" | cut -d: -f6)
  [ -n "$home" ] || { echo "entrypoint: no such user $user" >&2; exit 2; }
  install -d -m 700 -o "$user" -g "$(id -gn "$user")" "$home/.ssh"
  if [ -n "${AUTHORIZED_KEY:-}" ]; then
    printf '%s\n' "$AUTHORIZED_KEY" > "$home/.ssh/authorized_keys"
    chown "$user:$(id -gn "$user")" "$home/.ssh/authorized_keys"
    chmod 600 "$home/.ssh/authorized_keys"
  fi
done
# Keep the key out of the environment of anything sshd starts.
unset AUTHORIZED_KEY

mkdir -p /run/sshd
chmod 755 /run/sshd
exec /usr/sbin/sshd -D -e
