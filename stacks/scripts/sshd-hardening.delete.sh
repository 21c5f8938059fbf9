# Undo sshd-hardening.sh: remove the drop-in and reload sshd.
settings SSHD_DROPIN
if [ -e "$SSHD_DROPIN" ]; then
  rm -f "$SSHD_DROPIN"
  reload_sshd
  changed "removed $SSHD_DROPIN"
fi
finish
