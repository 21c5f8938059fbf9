# Undo sshd-hardening.sh: remove the drop-in and reload sshd.
settings SSHD_DROPIN
if [ -e "$SSHD_DROPIN" ]; then
  rm -f "$SSHD_DROPIN"
  if [ -d /run/systemd/system ]; then systemctl reload ssh; elif [ -s /run/sshd.pid ]; then kill -HUP "$(cat /run/sshd.pid)"; fi
  changed "removed $SSHD_DROPIN"
fi
finish
