#!/usr/bin/env python3
"""Recompute discretion calculations from the published benchmark tables, independently of the
platform (issue 24): like cases get like penalties, and anyone can check why.

    python3 docs/discretion_check.py TABLES CALCULATIONS

TABLES is `/discretion.json` as published (a file, or an http(s) URL). CALCULATIONS is a file of
JSON lines, each `{"input": {item, version, facts, circumstances}, "output": <the platform's
answer to POST /api/v1/discretion/calculate>}`. Every output is recomputed from the tables and
the input alone; the exit status is 0 only when all agree, and each disagreement is printed.

The model (docs: README "Discretion"; rules.md §3.2–3.4): weighted mode sums the starting weight
and each factor tier's weight (basis points), bounds the sum by the floor and 100 %, multiplies
the legal maximum and keeps it within the legal range; range mode takes the heaviest range the
factors call for and its middle. A factor not given takes its lowest tier. The circumstances
then move the amount within the legal range's three tiers (below the average light, at it
normal, above it heavy): up one tier to its top, or to the top of the tier; mitigating to its
low end; aggravating and mitigating together leave it where the factors put it. A circumstance
that rules out a penalty makes it 0.
"""
import json
import sys
import urllib.request

FULL = 10_000

# What each circumstance does, from rules.md §3.4 (Jiangmen Arts. 5-6) and APL Arts. 32-33,
# written here rather than read from the platform, so a wrong effect there is caught.
EFFECTS = {
    **{c: "top_of_tier" for c in (
        "violence_against_officers", "cross_county", "bad_social_reaction", "toxic_or_hazardous",
        "two_similar_penalties_in_2_years")},
    **{c: "up_one_tier" for c in (
        "three_similar_penalties_in_2_years", "larger_emergency", "larger_mass_incident",
        "drinking_water_interrupted", "violence_causing_injury")},
    **{c: "low_of_tier" for c in (
        "removed_or_reduced_harm", "meritorious_help", "first_no_intent_minor_harm",
        "corrected_on_its_own", "paid_damages", "liability_insurance", "coerced",
        "confessed_unknown_violations")},
    "minor_corrected_no_harm": "no_penalty_required",
    "no_fault_proven": "no_penalty_required",
    "first_violation_minor_corrected": "no_penalty_permitted",
}


def load_tables(where):
    if where.startswith(("http://", "https://")):
        with urllib.request.urlopen(where) as r:
            return json.load(r)
    with open(where, encoding="utf-8") as f:
        return json.load(f)


def calculate(tables, inp):
    version = next(v for v in tables["versions"] if v["version"] == inp["version"])
    item = next(i for i in version["items"] if i["item"] == inp["item"])
    effects = EFFECTS
    facts = inp.get("facts") or {}
    used = []
    for f in item["factors"]:
        tier = facts.get(f["factor"])
        t = next(x for x in f["tiers"] if x["tier"] == tier) if tier is not None else f["tiers"][0]
        used.append((f["factor"], t["tier"], t.get("weight_bp", 0), t.get("level", 0)))
    lo_legal, hi_legal = item["legal_min_fen"], item["legal_max_fen"]
    if item["mode"] == "weighted":
        total = item.get("start_weight_bp", 0) + sum(u[2] for u in used)
        weight = min(max(total, item.get("floor_weight_bp", 0)), FULL)
        base = min(max(hi_legal * weight // FULL, lo_legal), hi_legal)
        mid = lo_legal + (hi_legal - lo_legal) // 2
        tiers = [(lo_legal, mid), (mid, mid), (mid, hi_legal)]
        tier = 0 if base < mid else (1 if base == mid else 2)
    else:
        total = 0
        level = max([u[3] for u in used] or [0])
        tiers = [(r["min_fen"], r["max_fen"]) for r in item["ranges"]]
        tier = min(level, len(tiers) - 1)
        lo, hi = tiers[tier]
        base = lo + (hi - lo) // 2
    kinds = {effects[c] for c in set(inp.get("circumstances") or [])}
    amount = base
    up, top, low = "up_one_tier" in kinds, "top_of_tier" in kinds, "low_of_tier" in kinds
    if up:
        amount = tiers[tier + 1][1] if tier + 1 < len(tiers) else hi_legal
    elif top:
        amount = tiers[tier][1]
    if low:
        amount = base if (up or top) else tiers[tier][0]
    amount = min(max(amount, lo_legal), hi_legal)
    no_penalty = None
    if "no_penalty_required" in kinds:
        no_penalty, amount = "required", 0
    elif "no_penalty_permitted" in kinds:
        no_penalty = "permitted"
    return {
        "amount_fen": amount,
        "base_amount_fen": base,
        "total_weight_bp": total,
        "tier": tier,
        "legal_min_fen": lo_legal,
        "legal_max_fen": hi_legal,
        "no_penalty": no_penalty,
        "factors": [{"factor": u[0], "tier": u[1], "weight_bp": u[2]} for u in used],
    }


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[3].strip(), file=sys.stderr)
        return 2
    tables = load_tables(argv[1])
    bad = 0
    published = {c["circumstance"]: c["effect"] for c in tables.get("circumstances", [])}
    if published != EFFECTS:
        bad += 1
        print(f"the published circumstances differ from the rules: {published}")
    n = 0
    with open(argv[2], encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            n += 1
            case = json.loads(line)
            theirs = case["output"]
            inp = dict(case["input"], version=case["input"].get("version") or theirs.get("version"))
            try:
                mine = calculate(tables, inp)
            except (StopIteration, KeyError, IndexError) as e:
                bad += 1
                print(f"line {line_no}: cannot be recomputed from the tables ({e!r})")
                continue
            mine["item"], mine["version"] = inp["item"], inp["version"]
            for key in ("item", "version", "amount_fen", "base_amount_fen", "total_weight_bp",
                        "tier", "legal_min_fen", "legal_max_fen", "no_penalty"):
                if mine[key] != theirs.get(key):
                    bad += 1
                    print(f"line {line_no}: {key}: recomputed {mine[key]!r}, published {theirs.get(key)!r}")
            got = [{"factor": x["factor"], "tier": x["tier"], "weight_bp": x["weight_bp"]}
                   for x in theirs.get("factors", [])]
            if got != mine["factors"]:
                bad += 1
                print(f"line {line_no}: factors differ: {got} vs {mine['factors']}")
    print(f"{n} calculations, {bad} disagreements")
    return 1 if bad or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
