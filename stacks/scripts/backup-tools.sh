# Install the site's backup tool (at the site's pinned Debian version when one is given),
# the SSH client it reaches remote repositories with, and python3: the drill's verification
# helper reads snapshots and restored trees on the standby with it. Tar archives may be
# compressed with gzip or zstd.
settings TOOL TOOL_VERSION
case $TOOL in
  rdiff-backup) pkg=rdiff-backup ;;
  restic) pkg=restic ;;
  borg) pkg=borgbackup ;;
  rsync) pkg=rsync ;;
  tar) pkg=tar ;;
  *) echo "error: expected TOOL to be rdiff-backup, restic, borg, rsync or tar, got \`$TOOL\`" >&2; exit 2 ;;
esac
extra="openssh-client python3"
[ "$TOOL" = tar ] && extra="$extra gzip zstd"
# shellcheck disable=SC2086
if [ -n "$TOOL_VERSION" ]; then apt_install "$pkg=$TOOL_VERSION" $extra; else apt_install "$pkg" $extra; fi
fact toolPackageVersion "$(dpkg-query -W -f='${Version}' "$pkg")"
finish
