#!/usr/bin/env bash
# Cold start to first answer and idle RSS of the release binary on a fresh SQLite data dir.
#   cargo build --release && bench/startup.sh [runs]
# Targets: first /healthz answer < 2 s after exec; idle RSS < 60 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${CARGO_TARGET_DIR:-target}/release/ecoenforce"
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 2; }
runs="${1:-5}"
for i in $(seq 1 "$runs"); do
  dir=$(mktemp -d)
  out="$dir/out.txt"
  start=$(date +%s%N)
  ECOENFORCE__LOG__FILTER=warn "$bin" serve --demo --data-dir "$dir/data" --listen 127.0.0.1:0 >"$out" 2>"$dir/err.txt" &
  pid=$!
  url=""
  while [ -z "$url" ]; do
    url=$(head -n 1 "$out" 2>/dev/null | sed -n 's/^ecoenforce listening on //p')
    kill -0 "$pid" 2>/dev/null || { cat "$dir/err.txt" >&2; exit 1; }
  done
  until curl -fsS "$url/healthz" >/dev/null 2>&1; do :; done
  end=$(date +%s%N)
  sleep 2
  rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  printf 'run %d: cold start to first answer %d ms (demo seeded, migrations run); idle RSS %.1f MB\n' \
    "$i" $(( (end - start) / 1000000 )) "$(echo "$rss_kb / 1024" | bc -l)"
  rm -rf "$dir"
done
