#!/usr/bin/env python3
"""An independent checker for ecoenforce random inspection draws (双随机), algorithm
shuangsuiji/v1 (docs/draw.md). Written from the algorithm's text, not from our Rust code.
Standard library, plus the PyPI package `drand-verify` for the drand quicknet signature.

  draw_check.py commit               make a nonce and its commit here, on your own machine
  draw_check.py verify RECORD.json   recompute a published record; prints `match` or the first
                                     `mismatch at <path>: record X, computed Y` (exit 1)
  draw_check.py run INPUT.json       print the full record for a draw's inputs
  draw_check.py vectors              reproduce both known-answer vectors of DRAW.md §4
"""

import hashlib
import json
import os
import sys

ALGORITHM = "shuangsuiji/v1"
ZEROS = "0" * 64
DERIVED = ["pool_hash", "k", "inspector_hash", "beacon_spec", "beacon_hex", "seed", "inspectors",
           "announcement"]


class Refused(Exception):
    pass


def sha256(b):
    return hashlib.sha256(b).digest()


def utf8_key(s):
    return s.encode("utf-8")


def text_ok(path, s, extra=""):
    if not isinstance(s, str) or not s or any(c in s for c in "\t\n\r" + extra):
        raise Refused(f"{path}: empty or holds a forbidden character")


def canonical(pool):
    return sorted(set(pool), key=utf8_key)


def pool_hash(pool):
    return hashlib.sha256("".join(i + "\n" for i in canonical(pool)).encode()).hexdigest()


class Stream:
    def __init__(self, seed):
        self.seed, self.block, self.buf = seed, 0, []

    def next(self):
        if not self.buf:
            d = sha256(self.seed + self.block.to_bytes(8, "big"))
            self.buf = [int.from_bytes(d[i:i + 8], "big") for i in range(0, 32, 8)]
            self.block += 1
        return self.buf.pop(0)

    def uniform(self, x):
        limit = 2**64 - (2**64 % x)
        while True:
            u = self.next()
            if u < limit:
                return u % x


def select(pool, k, seed):
    a, s = list(pool), Stream(seed)
    for i in range(k):
        j = i + s.uniform(len(a) - i)
        a[i], a[j] = a[j], a[i]
    return a[:k]


def drand_randomness(round_, signature):
    import drand_verify  # only needed for a drand beacon

    try:
        return drand_verify.verify_quicknet(round_, signature)
    except Exception:
        raise Refused(f"beacon.drand.signature: not the quicknet signature of round {round_}")


def run(inp):
    if inp.get("algorithm") != ALGORITHM:
        raise Refused("algorithm")
    text_ok("draw_id", inp["draw_id"])
    n, m = inp["inspectors_per_entity"], inp["max_tasks_per_inspector"]
    if n < 2:
        raise Refused("inspectors_per_entity: less than 2")
    groups = {}
    for g in inp["inspector_groups"]:
        text_ok("inspector_groups.name", g["name"])
        for i in g["pool"]:
            text_ok("inspector_groups.pool", i)
        if g["name"] in groups:
            raise Refused("inspector_groups: duplicate name")
        groups[g["name"]] = canonical(g["pool"])
    excl = {}
    for e in inp.get("exclusions", []):
        text_ok("exclusions.entity", e["entity"])
        for i in e["inspectors"]:
            text_ok("exclusions.inspectors", i)
        excl.setdefault(e["entity"], set()).update(e["inspectors"])
    strata, owner = [], {}
    for s in inp["strata"]:
        text_ok("strata.name", s["name"])
        text_ok("strata.inspector_group", s["inspector_group"])
        if any(x["name"] == s["name"] for x in strata):
            raise Refused("strata: duplicate name")
        for i in s["pool"]:
            text_ok("strata.pool", i)
            if owner.setdefault(i, s["name"]) != s["name"]:
                raise Refused(f"{i} is in two strata")
        pool = canonical(s["pool"])
        if s["k"] > len(pool) or s["k"] < 0:
            raise Refused(f"strata {s['name']}: k out of range")
        if s["inspector_group"] not in groups:
            raise Refused(f"strata {s['name']}: unknown group")
        for ent in pool:
            if len([o for o in groups[s["inspector_group"]] if o not in excl.get(ent, ())]) < n:
                raise Refused(f"entity {ent}: pool too small for n after exclusions")
        strata.append(dict(s, pool=pool))
    strata.sort(key=lambda s: utf8_key(s["name"]))
    if not inp["commits"]:
        raise Refused("commits: none")

    spec, value = [], []
    beacon = inp["beacon"]
    if beacon.get("drand"):
        d = beacon["drand"]
        if d["network"] != "quicknet":
            raise Refused("beacon.drand.network")
        spec.append(f"drand:quicknet:{d['round']}")
        value.append(drand_randomness(d["round"], d["signature"]))
    if beacon.get("lottery"):
        lot = beacon["lottery"]
        text_ok("beacon.lottery.game", lot["game"], ":|")
        text_ok("beacon.lottery.issue", lot["issue"], ":|")
        if not lot["numbers"] or not all(lot["numbers"]):
            raise Refused("beacon.lottery.numbers")
        spec.append(f"lottery:{lot['game']}:{lot['issue']}")
        value.append("/".join(".".join(str(x) for x in s) for s in lot["numbers"]))
    if not spec:
        raise Refused("beacon: none")
    beacon_spec, beacon_hex = "|".join(spec), "|".join(value)

    nonces = []
    for c in inp["commits"]:
        text_ok("commits.party", c["party"])
        unrevealed = c.get("revealed") is False
        nonce = c.get("nonce_hex")
        if nonce is not None and not (unrevealed and nonce == ZEROS):
            if unrevealed:
                raise Refused(f"commits {c['party']}: a nonce marked not revealed")
            if hashlib.sha256(bytes.fromhex(nonce)).hexdigest() != c["commit"] or len(nonce) != 64:
                raise Refused(f"commits {c['party']}: the nonce does not match its commit")
            nonces.append((nonce, True))
        elif unrevealed:
            nonces.append((ZEROS, False))
        else:
            raise Refused(f"commits {c['party']}: nonce not revealed")

    lines = "".join(f"{s['name']}\t{pool_hash(s['pool'])}\t{s['k']}\t{s['inspector_group']}\n"
                    for s in strata)
    p_hash = hashlib.sha256(lines.encode()).hexdigest()
    k = sum(s["k"] for s in strata)
    ih = "".join(f"group\t{name}\t{pool_hash(groups[name])}\n"
                 for name in sorted(groups, key=utf8_key))
    for ent in sorted(excl, key=utf8_key):
        for o in sorted(excl[ent], key=utf8_key):
            ih += f"exclude\t{ent}\t{o}\n"
    ih += f"per_entity\t{n}\nmax_tasks\t{m}\n"
    i_hash = hashlib.sha256(ih.encode()).hexdigest()
    seed_lines = [ALGORITHM, inp["draw_id"], p_hash, str(k), i_hash, beacon_spec, beacon_hex]
    seed_lines += [nonce for nonce, _ in nonces]
    seed = sha256("".join(x + "\n" for x in seed_lines).encode())

    def sub(label):
        return sha256(seed + label.encode())

    strata_out, tasks, inspectors = [], {}, []
    for s in strata:
        selected = select(s["pool"], s["k"], sub("stratum:" + s["name"]))
        strata_out.append({"name": s["name"], "pool": s["pool"], "k": s["k"],
                           "inspector_group": s["inspector_group"],
                           "pool_hash": pool_hash(s["pool"]), "selected": selected})
    for s in strata_out:
        for ent in s["selected"]:
            base = [o for o in groups[s["inspector_group"]] if o not in excl.get(ent, ())]
            eligible = [o for o in base if m == 0 or tasks.get(o, 0) < m]
            lifted = len(eligible) < n
            chosen = select(base if lifted else eligible, n, sub("inspectors:" + ent))
            for o in chosen:
                tasks[o] = tasks.get(o, 0) + 1
            inspectors.append({"entity": ent, "selected": chosen, "cap_lifted": lifted})
    return {
        "algorithm": ALGORITHM, "draw_id": inp["draw_id"], "strata": strata_out,
        "inspector_groups": [{"name": g, "pool": groups[g], "pool_hash": pool_hash(groups[g])}
                             for g in sorted(groups, key=utf8_key)],
        "exclusions": [{"entity": e, "inspectors": sorted(excl[e], key=utf8_key)}
                       for e in sorted(excl, key=utf8_key)],
        "inspectors_per_entity": n, "max_tasks_per_inspector": m,
        "pool_hash": p_hash, "k": k, "inspector_hash": i_hash,
        "commits": [{"party": c["party"], "commit": c["commit"], "nonce_hex": nonce,
                     "revealed": revealed} for c, (nonce, revealed) in zip(inp["commits"], nonces)],
        "beacon": beacon, "beacon_spec": beacon_spec, "beacon_hex": beacon_hex,
        "seed": seed.hex(), "inspectors": inspectors,
    }


def inputs_of(record):
    inp = {k: v for k, v in record.items() if k not in DERIVED}
    for key in ("strata", "inspector_groups"):
        inp[key] = [{k: v for k, v in x.items() if k not in ("pool_hash", "selected")}
                    for x in inp.get(key, [])]
    return inp


def show(v):
    if v is None:
        return "(absent)"
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def first_mismatch(path, a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            found = first_mismatch(f"{path}.{key}" if path else key, a.get(key), b.get(key))
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        for i in range(max(len(a), len(b))):
            found = first_mismatch(f"{path}[{i}]", a[i] if i < len(a) else None,
                                   b[i] if i < len(b) else None)
            if found:
                return found
        return None
    if a == b and type(a) is type(b):
        return None
    return f"mismatch at {path or '$'}: record {show(a)}, computed {show(b)}"


def verify(record):
    computed = run(inputs_of(record))
    if "announcement" in record:
        computed["announcement"] = record["announcement"]
    found = first_mismatch("", record, computed)
    if found:
        return found
    return "match" if "announcement" in record else "match; announcement not checked"


def vectors():
    here = os.path.dirname(os.path.abspath(__file__))
    expected = {
        "vector1": ("0d24d5b8a7f5d84d294a184662e722c1d883bc605eb7b4555e720ad7a304fe8a",
                    [["91330100MA00000085", "91330100MA00000051", "91330100MA00000022",
                      "91330100MA00000088", "91330100MA00000056"]]),
        "vector2": ("c0c7a9fa9e5942ba52707667b11d3ef4bb1b61da3bd0533fb8897b8ec6dca02b",
                    [["K003", "K001", "K009", "K007"], ["G010", "G008", "G015"]]),
    }
    for name, (seed, selected) in expected.items():
        with open(os.path.join(here, "draw", f"{name}-input.json"), encoding="utf-8") as f:
            record = run(json.load(f))
        if record["seed"] != seed or [s["selected"] for s in record["strata"]] != selected:
            raise Refused(f"{name} is not reproduced")
        with open(os.path.join(here, "draw", f"{name}-record.json"), encoding="utf-8") as f:
            published = json.load(f)
        if first_mismatch("", published, record):
            raise Refused(f"{name}: {first_mismatch('', published, record)}")
    print("ok: both vectors of DRAW.md reproduced, and equal to the records ecoenforce printed")


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    cmd = sys.argv[1]
    try:
        if cmd == "commit":
            nonce = os.urandom(32)
            print(f"nonce  {nonce.hex()}   (keep it secret until the reveal)")
            print(f"commit {hashlib.sha256(nonce).hexdigest()}   (give this to the bureau)")
        elif cmd == "verify" and len(sys.argv) == 3:
            with open(sys.argv[2], encoding="utf-8") as f:
                result = verify(json.load(f))
            print(result)
            sys.exit(0 if result.startswith("match") else 1)
        elif cmd == "run" and len(sys.argv) == 3:
            with open(sys.argv[2], encoding="utf-8") as f:
                print(json.dumps(run(json.load(f)), ensure_ascii=False, sort_keys=True,
                                 separators=(",", ":")))
        elif cmd == "vectors":
            vectors()
        else:
            print(__doc__)
            sys.exit(2)
    except Refused as e:
        print(f"refused: {e}")
        sys.exit(1)


if __name__ == "__main__":
    main()
