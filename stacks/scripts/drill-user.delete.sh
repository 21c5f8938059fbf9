# Undo drill-user.sh: remove the sudo rule and the account with its home.
settings DRILL_USER DRILL_PUBLIC_KEY
if [ -e /etc/sudoers.d/continuity-drill ]; then rm -f /etc/sudoers.d/continuity-drill; changed "removed the sudo rule of $DRILL_USER"; fi
if id "$DRILL_USER" >/dev/null 2>&1; then userdel --remove "$DRILL_USER" 2>/dev/null || userdel "$DRILL_USER"; changed "removed user $DRILL_USER"; fi
finish
