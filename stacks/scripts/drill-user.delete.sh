# Undo drill-user.sh: remove the sudo rule and the account with its home.
settings DRILL_USER DRILL_PUBLIC_KEY
if [ -e /etc/sudoers.d/continuity-drill ]; then rm -f /etc/sudoers.d/continuity-drill; changed "removed the sudo rule of $DRILL_USER"; fi
# only an account drill-user.sh created (its comment says so) is removed: never root or a person's account
if id "$DRILL_USER" >/dev/null 2>&1; then
  if [ "$(getent passwd "$DRILL_USER" | cut -d: -f5)" = "continuity restore drills" ]; then
    userdel --remove "$DRILL_USER" 2>/dev/null || userdel "$DRILL_USER"
    changed "removed user $DRILL_USER"
  else
    echo "kept user $DRILL_USER: continuity did not create it"
  fi
fi
finish
