#!/usr/bin/env bash
# Start the Docker engine in the background when it is not answering; wait for it. Idempotent.
set -euo pipefail

LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
WAIT_SECONDS=${DOCKERD_WAIT_SECONDS:-60}

if ! command -v docker >/dev/null 2>&1 || ! command -v dockerd >/dev/null 2>&1; then
  echo "start-dockerd: docker/dockerd not installed (apt-get install docker.io)" >&2
  exit 3
fi

if docker info >/dev/null 2>&1; then
  echo "start-dockerd: docker engine already running"
  exit 0
fi

# A dockerd we (or someone) started may still be coming up: only start another if none runs.
if ! pgrep -x dockerd >/dev/null 2>&1; then
  echo "start-dockerd: starting dockerd (log: $LOG)"
  mkdir -p "$(dirname "$LOG")"
  nohup dockerd >>"$LOG" 2>&1 </dev/null &
  disown || true
else
  echo "start-dockerd: dockerd process exists, waiting for it to answer"
fi

start=$(date +%s)
while ! docker info >/dev/null 2>&1; do
  if (( $(date +%s) - start >= WAIT_SECONDS )); then
    echo "start-dockerd: docker engine did not answer within ${WAIT_SECONDS}s; last lines of $LOG:" >&2
    tail -n 20 "$LOG" >&2 2>/dev/null || true
    exit 3
  fi
  sleep 1
done
echo "start-dockerd: docker engine ready after $(( $(date +%s) - start ))s"
