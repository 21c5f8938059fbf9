# Install the site's backup tool (at the site's pinned Debian version when one is given)
# and the SSH client it reaches remote repositories with.
settings TOOL TOOL_VERSION
case $TOOL in
  rdiff-backup) pkg=rdiff-backup ;;
  restic) pkg=restic ;;
  borg) pkg=borgbackup ;;
  rsync) pkg=rsync ;;
  tar) pkg=tar ;;
  *) echo "error: expected TOOL to be rdiff-backup, restic, borg, rsync or tar, got \`$TOOL\`" >&2; exit 2 ;;
esac
if [ -n "$TOOL_VERSION" ]; then apt_install "$pkg=$TOOL_VERSION" openssh-client; else apt_install "$pkg" openssh-client; fi
fact toolPackageVersion "$(dpkg-query -W -f='${Version}' "$pkg")"
finish
