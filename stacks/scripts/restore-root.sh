# Create the directory drills restore into, owned by root and closed to others, and check
# that the file system under it has room for a full restore plus the site's margin.
settings RESTORE_ROOT MIN_FREE_BYTES
case $RESTORE_ROOT in /?*) ;; *) echo "error: expected RESTORE_ROOT to be an absolute path, got \`$RESTORE_ROOT\`" >&2; exit 2 ;; esac
if [ ! -d "$RESTORE_ROOT" ]; then
  mkdir -p "$RESTORE_ROOT"
  changed "created $RESTORE_ROOT"
fi
if [ "$(stat -c '%u:%g %a' "$RESTORE_ROOT")" != "0:0 700" ]; then
  chown 0:0 "$RESTORE_ROOT"
  chmod 0700 "$RESTORE_ROOT"
  changed "set $RESTORE_ROOT to root:root 0700"
fi
free=$(df -P -B1 "$RESTORE_ROOT" | awk 'NR == 2 { print $4 }')
if [ "$free" -lt "$MIN_FREE_BYTES" ]; then
  echo "error: $RESTORE_ROOT has $free bytes free, a restore needs $MIN_FREE_BYTES (data plus margin): give it a bigger disk" >&2
  exit 1
fi
fact restoreRootFreeBytes "$free"
finish
