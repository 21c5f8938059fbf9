#!/usr/bin/env bash
# Build continuity's test machine images locally (no image registry is reachable):
#   continuity/debian-base:bookworm  debootstrap --variant=minbase, docker import
#   continuity/standby:latest        sshd (key only) + rdiff-backup, restic, borg, rsync, tar, zstd
#   continuity/bare:latest           sshd (key only) + sudo + ca-certificates, nothing else
# With --suite trixie (Debian 13) the same from trixie, tagged :trixie (continuity/standby:trixie ...).
# Idempotent and cached: an image that exists and was built from the same sources is kept.
# Usage: scripts/build-images.sh [--force] [--suite bookworm|trixie] [--only base|standby|bare]...
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SUITE=bookworm
FORCE=0
ONLY=()
while (($#)); do
  case "$1" in
    --force) FORCE=1 ;;
    --only) shift; ONLY+=("${1:?--only needs base, standby or bare}") ;;
    --suite) shift; SUITE="${1:?--suite needs a Debian suite: bookworm or trixie}" ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-images: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
case $SUITE in bookworm|trixie) ;; *) echo "build-images: --suite $SUITE: only bookworm and trixie are known" >&2; exit 2 ;; esac
BASE_IMAGE=continuity/debian-base:$SUITE
# bookworm's images are the tests' default (:latest); other suites are tagged by name
TAG=latest; [[ $SUITE == bookworm ]] || TAG=$SUITE
wanted() { ((${#ONLY[@]} == 0)) && return 0; local w; for w in "${ONLY[@]}"; do [[ $w == "$1" ]] && return 0; done; return 1; }

need() { command -v "$1" >/dev/null 2>&1 || { echo "build-images: $1 not found (apt-get install $2)" >&2; exit 3; }; }
need docker docker.io
docker info >/dev/null 2>&1 || { echo "build-images: the docker engine does not answer (run scripts/start-dockerd.sh)" >&2; exit 3; }

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
T0=$(now)

# The mirrors apt uses on this machine: "main security", from deb822 sources or sources.list.
detect_mirrors() {
  local main="" sec=""
  local f=/etc/apt/sources.list.d/debian.sources
  if [[ -r $f ]]; then
    main=$(awk 'BEGIN{RS=""} /Suites:[^\n]*bookworm([ \n]|$)/ { if (match($0, /URIs:[ \t]*[^ \t\n]+/)) { s=substr($0, RSTART, RLENGTH); sub(/URIs:[ \t]*/, "", s); print s; exit } }' "$f")
    sec=$(awk 'BEGIN{RS=""} /Suites:[^\n]*-security/ { if (match($0, /URIs:[ \t]*[^ \t\n]+/)) { s=substr($0, RSTART, RLENGTH); sub(/URIs:[ \t]*/, "", s); print s; exit } }' "$f")
  fi
  if [[ -z $main && -r /etc/apt/sources.list ]]; then
    # deb [opts] URI suite components...
    main=$(awk '$1=="deb" { i=2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i+1) !~ /security|\/updates/) { print $i; exit } }' /etc/apt/sources.list)
    sec=${sec:-$(awk '$1=="deb" { i=2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i+1) ~ /security/) { print $i; exit } }' /etc/apt/sources.list)}
  fi
  main=${CONTINUITY_DEBIAN_MIRROR:-${main:-http://deb.debian.org/debian}}
  sec=${CONTINUITY_DEBIAN_SECURITY_MIRROR:-${sec:-http://deb.debian.org/debian-security}}
  echo "${main%/} ${sec%/}"
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
image_label() { docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }

WORK=""
cleanup() {
  [[ -n $WORK && -d $WORK ]] || return 0
  # debootstrap bind-mounts /proc, /sys and maybe /dev into the target: never delete through a mount.
  local m
  for m in $(awk -v w="$WORK" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r); do umount -l "$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
trap 'echo "build-images: interrupted" >&2; exit 130' INT TERM

build_base() {
  need debootstrap debootstrap
  read -r MAIN SEC < <(detect_mirrors)
  echo "build-images: $BASE_IMAGE: debootstrap --variant=minbase $SUITE from $MAIN (security: $SEC)"
  local t; t=$(now)
  WORK=$(mktemp -d /var/tmp/continuity-base.XXXXXX)
  local dir=$WORK/rootfs
  if ! debootstrap --variant=minbase "$SUITE" "$dir" "$MAIN" >"$WORK/debootstrap.log" 2>&1; then
    echo "build-images: debootstrap failed; last lines of its log:" >&2
    tail -n 30 "$WORK/debootstrap.log" >&2
    [[ -f $dir/debootstrap/debootstrap.log ]] && tail -n 30 "$dir/debootstrap/debootstrap.log" >&2
    exit 3
  fi
  echo "build-images:   debootstrap done in $(since "$t")s"
  # Working apt sources, from the same hosts as this machine's.
  local signed=""
  [[ -f $dir/usr/share/keyrings/debian-archive-keyring.gpg ]] && signed="Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
  rm -f "$dir/etc/apt/sources.list"
  cat >"$dir/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $MAIN
Suites: $SUITE $SUITE-updates
Components: main
$signed

Types: deb
URIs: $SEC
Suites: $SUITE-security
Components: main
$signed
SOURCES
  # Small images: no apt caches, no docs; as Debian's own docker images do.
  cat >"$dir/etc/apt/apt.conf.d/docker-clean" <<'APTCONF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
APTCONF
  printf 'APT::Install-Recommends "false";\n' >"$dir/etc/apt/apt.conf.d/99no-recommends"
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/archives/*.deb "$dir"/var/log/*.log "$dir"/debootstrap
  : >"$dir/etc/hostname"
  # Unmount whatever debootstrap left mounted before packing the tree.
  local m
  for m in $(awk -v w="$dir" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r); do umount -l "$m" || true; done
  t=$(now)
  tar --numeric-owner --one-file-system -C "$dir" -c . |
    docker import \
      --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' \
      --change "LABEL org.opencontainers.image.description=\"continuity Debian $SUITE minbase from $MAIN\"" \
      - "$BASE_IMAGE" >/dev/null
  echo "build-images:   docker import done in $(since "$t")s"
  cleanup; WORK=""
}

# Sources of an image: its own folder, the shared files and the base image; a change means a rebuild.
source_hash() {
  { (cd "$ROOT/docker" && find "$1" common -type f -print0 | sort -z | xargs -0 sha256sum)
    docker image inspect --format '{{.Id}}' "$BASE_IMAGE"; } | sha256sum | cut -c1-16
}

build_image() { # name -> continuity/<name>:$TAG from docker/<name>/Dockerfile, FROM the suite's base image
  local name=$1 image=continuity/$1:$TAG hash t
  hash=$(source_hash "$name")
  if ((FORCE == 0 && BASE_REBUILT == 0)) && image_exists "$image" && [[ $(image_label "$image" continuity.source-hash) == "$hash" ]]; then
    echo "build-images: $image is up to date (cached; --force rebuilds)"
    return
  fi
  echo "build-images: $image: docker build docker/$name/Dockerfile"
  t=$(now)
  local log; log=$(mktemp /tmp/continuity-build-"$name".XXXXXX.log)
  if ! DOCKER_BUILDKIT=0 docker build --build-arg "SUITE=$SUITE" --label "continuity.source-hash=$hash" -t "$image" \
        -f "$ROOT/docker/$name/Dockerfile" "$ROOT/docker" >"$log" 2>&1; then
    echo "build-images: docker build of $image failed; last lines:" >&2
    tail -n 40 "$log" >&2
    exit 3
  fi
  rm -f "$log"
  echo "build-images:   $image built in $(since "$t")s ($(docker image inspect --format '{{.Size}}' "$image" | awk '{ printf "%.0f MB", $1/1e6 }'))"
}

BASE_REBUILT=0
if wanted base || ! image_exists "$BASE_IMAGE"; then
  if ((FORCE == 1)) || ! image_exists "$BASE_IMAGE"; then
    build_base
    BASE_REBUILT=1
  else
    echo "build-images: $BASE_IMAGE exists (cached; --force rebuilds)"
  fi
fi
wanted standby && build_image standby
wanted bare && build_image bare
echo "build-images: done in $(since "$T0")s"
