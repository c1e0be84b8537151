#!/usr/bin/env bash
# Runs docs/ledger_check.py against a live demo instance: follow the log (checkpoint signature,
# tiles, entry bundles), let it grow by one event, follow again (the new checkpoint extends the
# old), then check an inclusion proof and a consistency proof from the API.
# Usage: .ci/ledger-live.sh BINARY PYTHON
set -euo pipefail
bin=$1
py=$2
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
ECOENFORCE__LEDGER__CHECKPOINT_INTERVAL_MS=300 ECOENFORCE__LOG__FILTER=warn \
  "$bin" serve --demo --listen 127.0.0.1:0 --data-dir "$work/data" >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 1 100); do
  url=$(sed -n '1s/^ecoenforce listening on //p' "$work/out")
  [ -n "$url" ] && curl -fs "$url/ledger/checkpoint" >/dev/null && break
  sleep 0.2
done
curl -fs "$url/ledger/checkpoint" >/dev/null || { cat "$work/err"; exit 1; }
"$py" docs/ledger_check.py follow "$url" --state "$work/follow.json"

token=$(curl -fs "$url/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"zhidui.officer","password":"Demo@2026!"}' | "$py" -c 'import json,sys; print(json.load(sys.stdin)["token"])')
auth=(-H "authorization: Bearer $token")
id=$(curl -fs "${auth[@]}" "$url/api/v1/entities?per_page=1" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
etag=$(curl -fsI "${auth[@]}" "$url/api/v1/entities/$id" | tr -d '\r' | sed -n 's/^etag: //Ip')
curl -fs -X PATCH "${auth[@]}" -H "if-match: $etag" -H 'content-type: application/merge-patch+json' \
  -d '{"address":"景洪市 CI 复核地址 (演示数据)"}' "$url/api/v1/entities/$id" >/dev/null
size=$(curl -fs -X POST "${auth[@]}" "$url/api/v1/ledger/checkpoints" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["size"])')
"$py" docs/ledger_check.py follow "$url" --state "$work/follow.json"

vkey=$(curl -fs "$url/ledger/verifier-key")
curl -fs "${auth[@]}" "$url/api/v1/ledger/proof/inclusion?index=$((size - 1))" >"$work/inclusion.json"
"$py" docs/ledger_check.py inclusion "$work/inclusion.json" --vkey "$vkey"
curl -fs "${auth[@]}" "$url/api/v1/ledger/proof/consistency?from=7&to=$size" >"$work/consistency.json"
"$py" docs/ledger_check.py consistency "$work/consistency.json"
curl -fs "$url/ledger/checkpoint" >"$work/checkpoint"
"$py" docs/ledger_check.py checkpoint "$work/checkpoint" --vkey "$vkey"
# A changed proof is refused.
"$py" - "$work/inclusion.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["proof"][0] = "00" * 32
json.dump(p, open(sys.argv[1], "w"))
PY
if "$py" docs/ledger_check.py inclusion "$work/inclusion.json" >/dev/null; then
  echo "a changed inclusion proof was accepted"; exit 1
fi
# An evidence certificate from the live instance, checked by the CLI and by the Python checker,
# with the file and against a changed file.
printf 'CI evidence %s\n' "$(date -u +%s%N)" >"$work/evidence.txt"
officer=$(curl -fs "$url/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"menghai.officer","password":"Demo@2026!"}' | "$py" -c 'import json,sys; print(json.load(sys.stdin)["token"])')
mh=(-H "authorization: Bearer $officer")
mentity=$(curl -fs "${mh[@]}" "$url/api/v1/entities?county=532822&per_page=1" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
evidence=$(curl -fs "${mh[@]}" "$url/api/v1/evidence" -F subject_id="$mentity" -F type=documentary \
  -F title="CI 书证（演示数据）" -F collected_at="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -F collected_by=menghai.officer \
  -F "file=@$work/evidence.txt" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -fs "${mh[@]}" "$url/api/v1/evidence/$evidence/certificate" >"$work/certificate.json"
"$bin" ledger verify-certificate "$work/certificate.json" --file "$work/evidence.txt" --key "$vkey" >/dev/null
"$py" docs/certificate_check.py "$work/certificate.json" --file "$work/evidence.txt" --key "$vkey" >/dev/null
echo changed >>"$work/evidence.txt"
if "$py" docs/certificate_check.py "$work/certificate.json" --file "$work/evidence.txt" >/dev/null; then
  echo "a changed evidence file was accepted by the Python checker"; exit 1
fi
if "$bin" ledger verify-certificate "$work/certificate.json" --file "$work/evidence.txt" >/dev/null; then
  echo "a changed evidence file was accepted by the CLI"; exit 1
fi
# An issued document (the registration approval form of a new demo case), checked through its
# public proof by the CLI and by the Python checker, and a changed byte refused by both.
clue=$(curl -fs "${mh[@]}" "$url/api/v1/clues" -H 'content-type: application/json' -d '{"source":"inspection",
  "received_on":"'"$(date -u +%Y-%m-%d)"'","county_code":"532822","description":"CI 巡查线索（演示数据）",
  "place":"勐海县勐遮镇"}' | "$py" -c 'import json,sys; print(json.load(sys.stdin)["clue"]["id"])')
cetag=$(curl -fsI "${mh[@]}" "$url/api/v1/clues/$clue" | tr -d '\r' | sed -n 's/^etag: //Ip')
case=$(curl -fs "${mh[@]}" -H "if-match: $cetag" -H 'content-type: application/json' "$url/api/v1/clues/$clue/register" \
  -d '{"legal_basis":[{"law":"《中华人民共和国水污染防治法》","article":"第八十三条"}],"act_ended_on":"'"$(date -u +%Y-%m-%d)"'",
  "endangers_life_health_or_finance":false,"violation":"超过水污染物排放标准排放水污染物","party":{"kind":"unidentified"}}' \
  | "$py" -c 'import json,sys; print(json.load(sys.stdin)["case"]["id"])')
head=$(curl -fs "$url/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"ju.head","password":"Demo@2026!"}' | "$py" -c 'import json,sys; print(json.load(sys.stdin)["token"])')
hd=(-H "authorization: Bearer $head")
kase=$(curl -fsI "${hd[@]}" "$url/api/v1/cases/$case" | tr -d '\r' | sed -n 's/^etag: //Ip')
curl -fs "${hd[@]}" -H "if-match: $kase" -H 'content-type: application/json' -d '{}' \
  "$url/api/v1/cases/$case/approve-registration" >/dev/null
curl -fs "${mh[@]}" "$url/api/v1/cases/$case/documents" >"$work/documents.json"
code=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["items"][0]["verify_code"])' "$work/documents.json")
pdf=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["items"][0]["pdf"])' "$work/documents.json")
curl -fs "${mh[@]}" "$url$pdf" >"$work/document.pdf"
curl -fs "$url/api/v1/verify/$code" >"$work/proof.json"
"$bin" ledger verify-document "$work/document.pdf" --key "$vkey" --proof "$work/proof.json" >/dev/null
"$py" docs/document_check.py "$work/proof.json" --file "$work/document.pdf" --key "$vkey" >/dev/null
# The bundle's own keys are the issuer's word: the Python checker needs a key given apart.
if "$py" docs/document_check.py "$work/proof.json" --file "$work/document.pdf" >/dev/null 2>&1; then
  echo "the Python checker ran without an independent key"; exit 1
fi
"$py" - "$work/document.pdf" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 2] ^= 1
open(sys.argv[1], "wb").write(bytes(b))
PY
if "$py" docs/document_check.py "$work/proof.json" --file "$work/document.pdf" --key "$vkey" >/dev/null; then
  echo "a changed document was accepted by the Python checker"; exit 1
fi
if "$bin" ledger verify-document "$work/document.pdf" --key "$vkey" --proof "$work/proof.json" >/dev/null; then
  echo "a changed document was accepted by the CLI"; exit 1
fi
# Discretion (issue 24): 1,000 random calculations by the live server, recomputed from the
# published tables by the independent checker; a changed amount is caught.
curl -fs "$url/discretion.json" >"$work/discretion.json"
"$py" - "$url" "$work/discretion.json" "$work/calculations.jsonl" <<'PY'
import json, random, sys, urllib.error, urllib.request
url, tables, out = sys.argv[1:4]
t = json.load(open(tables, encoding="utf-8"))
rng = random.Random(24)
circumstances = [c["circumstance"] for c in t["circumstances"]]
done = 0
with open(out, "w", encoding="utf-8") as f:
    for _ in range(5000):
        if done == 1000:
            break
        v = rng.choice(t["versions"])
        item = rng.choice(v["items"])
        facts = {x["factor"]: rng.choice(x["tiers"])["tier"] for x in item["factors"] if rng.random() < 0.9}
        inp = {"item": item["item"], "version": v["version"], "facts": facts,
               "circumstances": rng.sample(circumstances, rng.randint(0, 3))}
        req = urllib.request.Request(url + "/api/v1/discretion/calculate", data=json.dumps(inp).encode(),
                                     headers={"content-type": "application/json"})
        try:
            f.write(json.dumps({"input": inp, "output": json.load(urllib.request.urlopen(req))}) + "\n")
            done += 1
        except urllib.error.HTTPError as e:
            # Refused input (a circumstance the factors count, contradictory ones): named, skipped.
            assert e.code == 422, e.code
            assert json.load(e)["errors"][0]["code"].startswith("discretion."), "a named refusal"
assert done == 1000, done
PY
"$py" docs/discretion_check.py "$work/discretion.json" "$work/calculations.jsonl"
"$py" - "$work/calculations.jsonl" <<'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
first = json.loads(lines[0])
first["output"]["amount_fen"] += 1
lines[0] = json.dumps(first)
open(sys.argv[1], "w", encoding="utf-8").write("\n".join(lines) + "\n")
PY
if "$py" docs/discretion_check.py "$work/discretion.json" "$work/calculations.jsonl" >/dev/null; then
  echo "a changed calculation was accepted by the discretion checker"; exit 1
fi
echo "ledger checker: ok against $url (size $size); certificate and issued document checked by both checkers"
