#!/usr/bin/env bash
# `draw run` and `draw verify` at the issue's scale: 100,000 entities in 5 strata (k = 2,000
# each), 3 groups of 300 officers, 1,000 exclusion pairs, n = 2, m = 40; time and peak RSS.
#   cargo build --release && bench/draw.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${CARGO_TARGET_DIR:-target}/release/ecoenforce"
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/input.json" <<'PY'
import hashlib, json, random, sys
rng = random.Random(20261129)  # the input only; the draw's randomness comes from the beacon
strata = [{"name": f"s{s}", "pool": [f"9153280{s}MA{i:08d}" for i in range(20000)], "k": 2000,
           "inspector_group": f"g{s % 3}"} for s in range(5)]
groups = [{"name": f"g{g}", "pool": [f"XSBN-ZF-{g}{i:03d}" for i in range(300)]} for g in range(3)]
exclusions = []
for _ in range(1000):
    s = rng.randrange(5)
    exclusions.append({"entity": strata[s]["pool"][rng.randrange(20000)],
                       "inspectors": [groups[s % 3]["pool"][rng.randrange(300)]]})
nonce = hashlib.sha256(b"bench-nonce").digest()
json.dump({"algorithm": "shuangsuiji/v1", "draw_id": "BENCH-2026-001", "strata": strata,
           "inspector_groups": groups, "exclusions": exclusions, "inspectors_per_entity": 2,
           "max_tasks_per_inspector": 40,
           "commits": [{"party": "bureau", "commit": hashlib.sha256(nonce).hexdigest(),
                        "nonce_hex": nonce.hex()}],
           "beacon": {"lottery": {"game": "双色球", "issue": "2026050",
                                  "numbers": [[3, 7, 12, 18, 25, 31], [9]]}}},
          open(sys.argv[1], "w"))
PY
measure() {
  /usr/bin/time -f '%e s, peak RSS %M KB' "$@" 2>&1 >/dev/null | tail -n 1
}
echo "draw run:    $(measure "$bin" draw run "$work/input.json")"
"$bin" draw run "$work/input.json" >"$work/record.json"
echo "record: $(wc -c <"$work/record.json") bytes"
echo "draw verify: $(measure "$bin" draw verify "$work/record.json")"
"$bin" draw verify "$work/record.json"
