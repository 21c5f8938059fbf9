# The account drills log in with: no password, exactly one authorized key (the drill's),
# and sudo without a password, because restoring owners and modes needs root: the site file
# says `standby.sudo: true` and the drill runs each command as `sudo -n -- sh -c '<command>'`.
# The rule is `ALL` on purpose: the drill's commands are shell command lines (restore tools,
# hashing, the site's own probes), so a rule naming `/bin/sh -c *` would allow exactly as much
# while looking narrower. What it does not allow: a password prompt, another target user than
# root, passing environment variables (no SETENV; env_reset stays). Secrets reach commands on
# stdin, never on the command line sudo logs. A drill user of root needs no rule.
settings DRILL_USER DRILL_PUBLIC_KEY
case $DRILL_USER in [a-z_]*) ;; *) echo "error: expected DRILL_USER to be a user name, got \`$DRILL_USER\`" >&2; exit 2 ;; esac
case $DRILL_PUBLIC_KEY in ssh-ed25519\ * | ssh-rsa\ * | ecdsa-sha2-*\ *) ;; *) echo "error: expected DRILL_PUBLIC_KEY to be an OpenSSH public key (ssh-ed25519 AAAA...), got something else" >&2; exit 2 ;; esac
if ! id "$DRILL_USER" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/sh --comment "continuity restore drills" "$DRILL_USER"
  changed "created user $DRILL_USER"
fi
if [ "$(passwd -S "$DRILL_USER" | awk '{ print $2 }')" != L ]; then
  usermod --lock "$DRILL_USER"
  changed "locked the password of $DRILL_USER"
fi
home=$(getent passwd "$DRILL_USER" | cut -d: -f6)
group=$(id -gn "$DRILL_USER")
if [ ! -d "$home/.ssh" ] || [ "$(stat -c '%U %a' "$home/.ssh")" != "$DRILL_USER 700" ]; then
  install -d -m 0700 -o "$DRILL_USER" -g "$group" "$home/.ssh"
  changed "set up $home/.ssh"
fi
keys=$home/.ssh/authorized_keys
if [ "$(cat "$keys" 2>/dev/null || true)" != "$DRILL_PUBLIC_KEY" ] || [ "$(stat -c '%U %a' "$keys")" != "$DRILL_USER 600" ]; then
  tmp=$(mktemp "$home/.ssh/.authorized_keys.XXXXXX")
  printf '%s\n' "$DRILL_PUBLIC_KEY" >"$tmp"
  chown "$DRILL_USER:$group" "$tmp"
  chmod 0600 "$tmp"
  mv -f "$tmp" "$keys"
  changed "wrote the drill key as the only key in $keys"
fi
if [ "$DRILL_USER" != root ]; then
  apt_install sudo
  rule="$DRILL_USER ALL=(root) NOPASSWD: ALL"
  sudoers=/etc/sudoers.d/continuity-drill
  if [ "$(cat "$sudoers" 2>/dev/null || true)" != "$rule" ]; then
    tmp=$(mktemp /etc/sudoers.d/.continuity-drill.XXXXXX)
    printf '%s\n' "$rule" >"$tmp"
    chmod 0440 "$tmp"
    visudo -cqf "$tmp" || { rm -f "$tmp"; echo "error: visudo rejected the rule for $DRILL_USER" >&2; exit 1; }
    mv -f "$tmp" "$sudoers"
    changed "allowed $DRILL_USER to run restores as root ($sudoers)"
  fi
  # the proof the drill relies on: a non-interactive sudo to root works for this account
  if ! out=$(su -s /bin/sh -c 'sudo -n -- sh -c "id -u"' "$DRILL_USER" 2>&1) || [ "$(printf '%s\n' "$out" | tail -n 1)" != 0 ]; then
    echo "error: \`sudo -n -- sh -c\` as $DRILL_USER does not give root (does another sudoers rule win?): $out" >&2
    exit 1
  fi
fi
finish
