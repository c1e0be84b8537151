#!/usr/bin/env bash
# Evidence upload of a large file to the local store: multipart and tus (one PATCH), with the
# server's peak RSS (VmHWM) before and after. Target: RSS does not grow with the file size.
#   cargo build --release && bench/upload.sh [MiB ...]     (default: 64 1024)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${CARGO_TARGET_DIR:-target}/release/ecoenforce"
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 2; }
sizes=("${@:-64 1024}")
[ $# -eq 0 ] && sizes=(64 1024)
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
ECOENFORCE__LOG__FILTER=warn ECOENFORCE__EVIDENCE__MAX_BYTES=$((8 << 30)) \
  "$bin" serve --demo --listen 127.0.0.1:0 --data-dir "$work/data" >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 1 100); do
  url=$(sed -n '1s/^ecoenforce listening on //p' "$work/out"); [ -n "$url" ] && break; sleep 0.1
done
hwm() { awk '/VmHWM/ {print $2 / 1024 " MB"}' "/proc/$pid/status"; }
token=$(curl -fs "$url/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"menghai.officer","password":"Demo@2026!"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
entity=$(curl -fs -H "authorization: Bearer $token" "$url/api/v1/entities?county=532822&per_page=1" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
echo "server peak RSS after start and sign-in: $(hwm)"
for mib in "${sizes[@]}"; do
  f="$work/file-$mib"
  head -c $((mib << 20)) /dev/urandom >"$f"
  t0=$(date +%s.%N)
  curl -fs -o /dev/null -H "authorization: Bearer $token" "$url/api/v1/evidence" \
    -F subject_id="$entity" -F type=audio_visual -F title="bench $mib MiB" -F collected_at="$now" \
    -F collected_by=menghai.officer -F "file=@$f;filename=video.bin"
  t1=$(date +%s.%N)
  echo "multipart $mib MiB: $(python3 -c "print(f'{$t1 - $t0:.2f} s, {$mib / ($t1 - $t0):.0f} MiB/s')"), peak RSS $(hwm)"
  # tus: a different file (so the bytes are not already stored), in one PATCH.
  printf 'x' >>"$f"
  b64() { printf '%s' "$1" | base64 -w0; }
  meta="subject_id $(b64 "$entity"),type $(b64 audio_visual),title $(b64 "tus $mib MiB"),collected_at $(b64 "$now"),collected_by $(b64 menghai.officer),filename $(b64 video.bin)"
  loc=$(curl -fs -D - -o /dev/null -X POST -H "authorization: Bearer $token" -H 'tus-resumable: 1.0.0' \
    -H "upload-length: $(stat -c %s "$f")" -H "upload-metadata: $meta" "$url/api/v1/uploads" \
    | tr -d '\r' | sed -n 's/^location: //Ip')
  t0=$(date +%s.%N)
  curl -fs -o /dev/null -X PATCH -H "authorization: Bearer $token" -H 'tus-resumable: 1.0.0' \
    -H 'upload-offset: 0' -H 'content-type: application/offset+octet-stream' -T "$f" "$url$loc"
  t1=$(date +%s.%N)
  echo "tus $mib MiB (one PATCH): $(python3 -c "print(f'{$t1 - $t0:.2f} s, {$mib / ($t1 - $t0):.0f} MiB/s')"), peak RSS $(hwm)"
  rm -f "$f"
done
