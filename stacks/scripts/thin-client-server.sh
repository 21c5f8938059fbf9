# Make a machine an LTSP or X2Go thin-client server for the sessions the capacity plan gives it.
# Refuses a machine with less memory than the plan needs (the seed: "thin clients run slowly").
settings SYSTEM SESSIONS REQUIRED_MEMORY_MIB CLIENT_SWAP_MIB
mem=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
if [ "$mem" -lt "$REQUIRED_MEMORY_MIB" ]; then
  echo "error: this machine has $mem MiB of memory, $SESSIONS sessions need $REQUIRED_MEMORY_MIB MiB: add memory or move clients to another server" >&2
  exit 1
fi
case $SYSTEM in
  x2go) apt_install x2goserver x2goserver-xsession ;;
  ltsp) apt_install ltsp ipxe dnsmasq nfs-kernel-server squashfs-tools ;;
  *) echo "error: expected SYSTEM to be ltsp or x2go, got \`$SYSTEM\`" >&2; exit 2 ;;
esac
plan="# Written by continuity (stacks/scripts/thin-client-server.sh) from the capacity plan.
SYSTEM=$SYSTEM
SESSIONS=$SESSIONS
REQUIRED_MEMORY_MIB=$REQUIRED_MEMORY_MIB
CLIENT_SWAP_MIB=$CLIENT_SWAP_MIB"
if [ "$(cat /etc/continuity/thin-clients.conf 2>/dev/null || true)" != "$plan" ]; then
  mkdir -p /etc/continuity
  printf '%s\n' "$plan" >/etc/continuity/thin-clients.conf.tmp
  mv -f /etc/continuity/thin-clients.conf.tmp /etc/continuity/thin-clients.conf
  changed "recorded the plan: $SESSIONS sessions, $REQUIRED_MEMORY_MIB MiB, client swap $CLIENT_SWAP_MIB MiB"
fi
fact memoryMiB "$mem"
finish
