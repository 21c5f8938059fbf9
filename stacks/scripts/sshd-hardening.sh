# Harden sshd with a drop-in read before any other: keys only, no password or keyboard-
# interactive login, root only with a key. Checked with `sshd -t` before it is reloaded,
# and with `sshd -T` afterwards (what sshd will really do).
settings SSHD_DROPIN
conf="# Written by continuity (stacks/scripts/sshd-hardening.sh); edits are overwritten.
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitEmptyPasswords no
PermitRootLogin prohibit-password
PubkeyAuthentication yes"
grep -Eqi '^[[:space:]]*Include[[:space:]]+/etc/ssh/sshd_config\.d/\*\.conf' /etc/ssh/sshd_config ||
  { echo "error: /etc/ssh/sshd_config does not include /etc/ssh/sshd_config.d/*.conf (expected on Debian 11 and later)" >&2; exit 1; }
if [ "$(cat "$SSHD_DROPIN" 2>/dev/null || true)" != "$conf" ]; then
  tmp=$(mktemp /etc/ssh/sshd_config.d/.continuity.XXXXXX)
  printf '%s\n' "$conf" >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$SSHD_DROPIN"
  /usr/sbin/sshd -t || { rm -f "$SSHD_DROPIN"; echo "error: sshd -t rejected the hardened configuration; left sshd as it was" >&2; exit 1; }
  reload_sshd
  changed "hardened sshd ($SSHD_DROPIN)"
fi
effective=$(/usr/sbin/sshd -T 2>/dev/null | grep -Ei '^(passwordauthentication|kbdinteractiveauthentication|permitemptypasswords|permitrootlogin) ' | sort | tr '\n' ' ')
case $effective in
  "kbdinteractiveauthentication no passwordauthentication no permitemptypasswords no permitrootlogin without-password "*) ;;
  *) echo "error: sshd does not apply the hardening (another setting wins): $effective" >&2; exit 1 ;;
esac
finish
