#!/usr/bin/env bash
# Backup of a running demo instance holding 1 GiB of evidence (16 files of 64 MiB, uploaded over
# the API), then the restore into an empty data dir: time and size of each.
#   cargo build --release && bench/backup.sh [MiB total, default 1024]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${CARGO_TARGET_DIR:-target}/release/ecoenforce"
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 2; }
total=${1:-1024}
files=$((total / 64))
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
ECOENFORCE__LOG__FILTER=warn \
  "$bin" serve --demo --listen 127.0.0.1:0 --data-dir "$work/data" >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 1 100); do
  url=$(sed -n '1s/^ecoenforce listening on //p' "$work/out"); [ -n "$url" ] && break; sleep 0.1
done
token=$(curl -fs "$url/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"menghai.officer","password":"Demo@2026!"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
entity=$(curl -fs -H "authorization: Bearer $token" "$url/api/v1/entities?county=532822&per_page=1" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
for i in $(seq 1 "$files"); do
  head -c $((64 << 20)) /dev/urandom >"$work/f"
  curl -fs -o /dev/null -H "authorization: Bearer $token" "$url/api/v1/evidence" \
    -F subject_id="$entity" -F type=audio_visual -F title="bench $i" -F collected_at="$now" \
    -F collected_by=menghai.officer -F "file=@$work/f;filename=video-$i.bin"
done
rm -f "$work/f"
echo "instance: $(du -sh "$work/data" | cut -f1) in $work/data ($files evidence files of 64 MiB, demo data)"
t0=$(date +%s.%N)
"$bin" admin backup --data-dir "$work/data" --to "$work/backup" >/dev/null
t1=$(date +%s.%N)
echo "admin backup (server running): $(python3 -c "print(f'{$t1 - $t0:.2f} s')"), $(du -sb "$work/backup" | awk '{printf "%.1f MiB", $1 / 1048576}') in $(find "$work/backup" -type f | wc -l) files"
kill "$pid"; wait "$pid" 2>/dev/null || true
t0=$(date +%s.%N)
"$bin" admin restore --from "$work/backup" --data-dir "$work/restored" >/dev/null
t1=$(date +%s.%N)
echo "admin restore: $(python3 -c "print(f'{$t1 - $t0:.2f} s')"), $(du -sb "$work/restored" | awk '{printf "%.1f MiB", $1 / 1048576}')"
