# Install the packages the restored services need to start (for a Debian Edu main server:
# NFS, LDAP, web server). Services stay as Debian leaves them; the drill starts what it needs.
settings PACKAGES
# shellcheck disable=SC2086
[ -z "$PACKAGES" ] || apt_install $PACKAGES
finish
