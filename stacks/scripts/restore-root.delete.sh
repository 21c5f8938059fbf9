# Undo restore-root.sh: remove the restore root only when it is empty (never delete restored data).
settings RESTORE_ROOT MIN_FREE_BYTES
if [ -d "$RESTORE_ROOT" ]; then
  if rmdir "$RESTORE_ROOT" 2>/dev/null; then changed "removed $RESTORE_ROOT"; else echo "kept $RESTORE_ROOT: it is not empty"; fi
fi
finish
