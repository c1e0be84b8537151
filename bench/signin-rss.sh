#!/usr/bin/env bash
# Server RSS after start on an existing data dir, then after N sign-ins (argon2id, 19 MiB each).
#   cargo build --release && bench/signin-rss.sh [sign-ins] [runs]
# Target (issue 28): < 60 MB after any number of sign-ins.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${CARGO_TARGET_DIR:-target}/release/ecoenforce"
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 2; }
signins="${1:-5}"
runs="${2:-3}"
rss() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
start() {
  ECOENFORCE__LOG__FILTER=warn "$bin" serve "$@" --listen 127.0.0.1:0 >"$dir/out.txt" 2>"$dir/err.txt" &
  pid=$!
  url=""
  while [ -z "$url" ]; do
    url=$(head -n 1 "$dir/out.txt" 2>/dev/null | sed -n 's/^ecoenforce listening on //p')
    kill -0 "$pid" 2>/dev/null || { cat "$dir/err.txt" >&2; exit 1; }
  done
  until curl -fsS "$url/healthz" >/dev/null 2>&1; do :; done
}
for i in $(seq 1 "$runs"); do
  dir=$(mktemp -d)
  # Seed the demo once, then measure a start on the existing data dir.
  start --demo --data-dir "$dir/data"; kill "$pid"; wait "$pid" 2>/dev/null || true
  start --data-dir "$dir/data"
  sleep 2
  idle=$(rss "$pid")
  for n in $(seq 1 "$signins"); do
    curl -fsS "$url/api/v1/auth/login" -H 'content-type: application/json' \
      -d '{"username":"menghai.officer","password":"Demo@2026!"}' >/dev/null
  done
  after=$(rss "$pid")
  sleep 12
  later=$(rss "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  printf 'run %d: RSS after start %s MB; after %d sign-ins %s MB; 12 s later %s MB\n' \
    "$i" "$idle" "$signins" "$after" "$later"
  rm -rf "$dir"
done
