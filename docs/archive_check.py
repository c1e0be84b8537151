#!/usr/bin/env python3
"""An independent checker for ecoenforce archive bundles: a sealed case file (docs/archive.md).

Written from docs/archive.md and docs/ledger.md, not from our Rust code. Standard library plus
`cryptography` (Ed25519), sharing the ledger checks of ledger_check.py.

  archive_check.py BUNDLE.json --key VERIFIER_KEY
      every check of docs/archive.md §3, then a verdict in zh-CN and en; exit 0 the file is as
      archived, 1 not shown so (naming the failed checks), 2 unreadable or no key
  archive_check.py selftest
      builds a synthetic bundle signed with a test key, checks that it passes and that a changed
      volume, a removed event, a changed document (and more) each fail their check

The key must be obtained independently of the bundle (the bureau's published key, a witness):
the bundle's own verifier_keys are the issuer's word, and a forger would bring his own.
"""

import argparse
import base64
import binascii
import copy
import hashlib
import json
import sys

from certificate_check import canonical
from ledger_check import Failed, leaf_hash, parse_checkpoint, verify_inclusion, verify_note

FORMAT = "ecoenforce-archive-bundle/v1"
ARCHIVED = "case.archived/v1"
ANNEX_ADDED = "case.annex_added/v1"
# What else may follow the archive (docs/archive.md §3 check 6): the decision's publication and
# its withdrawal, outside the volumes.
AFTER_ARCHIVE = ("case.decision_published/v1", "case.publication_withdrawn/v1")
DOCUMENT_ISSUED = "document.issued/v1"
EVIDENCE_REGISTERED = "evidence.registered/v1"

CODES = ("format", "checkpoint_signature", "event_hashes", "inclusion", "archived", "complete",
         "volumes", "documents", "evidence")


def sha256(data):
    return hashlib.sha256(data).digest()


def h32(text):
    """A 32-byte hash from its hex (either case); Failed otherwise."""
    if not isinstance(text, str) or len(text) != 64:
        raise Failed(f"{text!r} is not 64 hex digits")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise Failed(f"{text!r} is not 64 hex digits") from None


def count(v):
    """A JSON non-negative integer (not a boolean), else None."""
    return v if type(v) is int and v >= 0 else None


def pdf(entry):
    try:
        return base64.b64decode(entry["pdf"], validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise Failed("its pdf is not base64") from None


def describe(e):
    if isinstance(e, KeyError):
        return f"{e.args[0]} is missing"
    return str(e) or type(e).__name__


ERRORS = (Failed, KeyError, TypeError, ValueError, IndexError, AttributeError)


def label(i, e):
    n = e.get("index") if isinstance(e, dict) else None
    return f"events[{i}] (entry {n})" if count(n) is not None else f"events[{i}]"


def check_bundle(b, key):
    """[(code, ok, detail)] for every check, in the order of docs/archive.md §3."""
    out = []
    state = {}

    def run(code, fn):
        try:
            errors = fn() or []
        except ERRORS as e:
            errors = [describe(e)]
        out.append((code, not errors, "; ".join(errors)))

    def events():
        ev = b.get("events")
        if not isinstance(ev, list):
            raise Failed("events is missing")
        return ev

    def each(fn):
        """fn(i, e) for every event; the errors, each naming its event."""
        errors = []
        for i, e in enumerate(events()):
            try:
                fn(i, e)
            except ERRORS as x:
                errors.append(f"{label(i, e)}: {describe(x)}")
        return errors

    # 1. format
    def fmt():
        if b.get("format") != FORMAT:
            raise Failed(f"format is {b.get('format')!r}, not {FORMAT}")

    # 2. The checkpoint is signed by the given key (never by the bundle's own keys).
    def signature():
        if not key:
            raise Failed("no verifier key given (the bundle's own verifier_keys are not trusted)")
        if not isinstance(b.get("checkpoint"), str):
            raise Failed("checkpoint is missing")
        try:
            text = verify_note(b["checkpoint"], key)
        except (ValueError, IndexError) as e:  # binascii.Error is a ValueError
            raise Failed(f"the verifier key or the checkpoint's signature is malformed ({e})") from None
        state["cp"] = parse_checkpoint(text)

    # 3. Each event's RFC 8785 canonical JSON hashes to its event_hash; indices increase.
    def event_hashes():
        prev = [None]

        def one(i, e):
            n = count(e.get("index"))
            if n is None:
                raise Failed("index is missing")
            last, prev[0] = prev[0], n
            if last is not None and n <= last:
                raise Failed(f"index {n} does not follow {last}")
            computed = sha256(canonical(e["event"]))
            if computed != h32(e["event_hash"]):
                raise Failed(f"the event hashes to {computed.hex()}, the bundle says {e['event_hash']}")

        return each(one)

    # 4. Each event's proof leads from SHA-256(0x00 ‖ event_hash) at its index to the root.
    def inclusion():
        if "cp" not in state:
            raise Failed("not checked: the checkpoint's signature is not verified")
        _, size, root = state["cp"]

        def one(_i, e):
            n = count(e.get("index"))
            if n is None:
                raise Failed("index is missing")
            path = [h32(h) for h in e["proof"]]
            if not verify_inclusion(n, size, leaf_hash(h32(e["event_hash"])), path, root):
                raise Failed(f"not in the signed tree of {size} at {n}")

        return each(one)

    # 5. Exactly one event is case.archived/v1, of this case.
    def archived():
        ev = events()
        case_id = b["case"]["id"]
        found = [i for i, e in enumerate(ev) if e["event"]["schema"] == ARCHIVED]
        if len(found) != 1:
            raise Failed(f"{len(found)} events are {ARCHIVED}, not one"
                         + (f": {', '.join(f'events[{i}]' for i in found)}" if found else ""))
        at = found[0]
        if ev[at]["event"]["payload"].get("case_id") != case_id:
            raise Failed(f"{label(at, ev[at])}: the archive is of case "
                         f"{ev[at]['event']['payload'].get('case_id')!r}, not {case_id}")
        state["at"] = at

    def the_archive():
        if "at" not in state:
            raise Failed("not checked: there is no single archive event of the case")
        ev = events()
        return ev, state["at"], ev[state["at"]]["event"]["payload"]["archive"]

    # 6. The events before the archive: archive.events many, hashing to events_sha256; after it
    #    only this case's annexes, numbered 1, 2, …
    def complete():
        ev, at, archive = the_archive()
        errors = []
        if count(archive.get("events")) != at:
            errors.append(f"{at} events precede the archive, which counts {archive.get('events')!r}")
        joined = b""
        for i, e in enumerate(ev[:at]):
            try:
                joined += h32(e["event_hash"])
            except ERRORS as x:
                errors.append(f"{label(i, e)}: {describe(x)}")
        if sha256(joined) != h32(archive.get("events_sha256")):
            errors.append(f"the event hashes before the archive concatenate to SHA-256 "
                          f"{sha256(joined).hex()}, the archive says {archive.get('events_sha256')}")
        k = 0
        for j, e in enumerate(ev[at + 1:], start=1):
            what = label(at + j, e)
            try:
                s = e["event"]["schema"]
                if s != ANNEX_ADDED and s not in AFTER_ARCHIVE:
                    errors.append(f"{what} follows the archive but is {s!r}")
                    continue
                p = e["event"]["payload"]
                if p.get("case_id") != b["case"]["id"]:
                    errors.append(f"{what}: an event of case {p.get('case_id')!r}")
                if s != ANNEX_ADDED:
                    continue
                k += 1
                if count(p.get("annex")) != k:
                    errors.append(f"{what}: annex {p.get('annex')!r}, expected annex {k}")
            except ERRORS as x:
                errors.append(f"{what}: {describe(x)}")
        return errors

    # 7. Exactly the archive's volumes; each PDF hashes to the archive's sha256, with its size.
    def volumes():
        _, _, archive = the_archive()
        named, present = archive["volumes"], b["volumes"]
        errors = []
        for v in named:
            name = v.get("volume")
            found = [p for p in present if p.get("volume") == name]
            if len(found) != 1:
                errors.append(f"the {name} volume is present {len(found)} times, not once")
                continue
            p = found[0]
            try:
                if p.get("id") != v["id"]:
                    raise Failed(f"id is {p.get('id')!r}, the archive's is {v['id']}")
                want = h32(v["sha256"])
                if h32(p.get("sha256")) != want:
                    raise Failed(f"sha256 is {p.get('sha256')}, the archive's is {v['sha256']}")
                if count(p.get("size")) is None or p["size"] != count(v["size"]):
                    raise Failed(f"size is {p.get('size')!r}, the archive's is {v['size']}")
                data = pdf(p)
                if sha256(data) != want:
                    raise Failed(f"the PDF hashes to {sha256(data).hex()}, archived as {v['sha256']}")
                if len(data) != v["size"]:
                    raise Failed(f"the PDF has {len(data)} bytes, archived {v['size']}")
            except ERRORS as x:
                errors.append(f"the {name} volume: {describe(x)}")
        names = [v.get("volume") for v in named]
        errors += [f"volume {p.get('volume')!r} is not one the archive names"
                   for p in present if p.get("volume") not in names]
        return errors

    # 8. Each document.issued/v1 event's PDF, hashing to the event's sha256; no other PDF.
    def documents():
        ev, present = events(), b["documents"]
        issued = [(i, e) for i, e in enumerate(ev) if e["event"]["schema"] == DOCUMENT_ISSUED]
        ids = set()
        errors = []
        for i, e in issued:
            p = e["event"]["payload"]
            doc_id = p.get("document_id")
            ids.add(doc_id)
            found = [d for d in present if d.get("document_id") == doc_id]
            if len(found) != 1:
                errors.append(f"document {doc_id} (issued at {label(i, e)}) has {len(found)} PDFs, not one")
                continue
            try:
                want = h32(p["sha256"])
                if h32(found[0].get("sha256")) != want:
                    raise Failed(f"sha256 is {found[0].get('sha256')}, issued as {p['sha256']}")
                got = sha256(pdf(found[0]))
                if got != want:
                    raise Failed(f"the PDF hashes to {got.hex()}, issued as {p['sha256']}")
            except ERRORS as x:
                errors.append(f"document {doc_id}: {describe(x)}")
        errors += [f"document {d.get('document_id')!r} is not issued by any {DOCUMENT_ISSUED} event"
                   for d in present if d.get("document_id") is None or d.get("document_id") not in ids]
        return errors

    # 9. Each evidence.registered/v1 event's entry with its blob's sha256, sm3, size; no other.
    def evidence():
        ev, present = events(), b["evidence"]
        registered = [(i, e) for i, e in enumerate(ev) if e["event"]["schema"] == EVIDENCE_REGISTERED]
        ids = set()
        errors = []
        for i, e in registered:
            p = e["event"]["payload"]
            ev_id = p.get("id")
            ids.add(ev_id)
            found = [x for x in present if x.get("evidence_id") == ev_id]
            if len(found) != 1:
                errors.append(f"evidence {ev_id} (registered at {label(i, e)}) has {len(found)} entries, not one")
                continue
            x = found[0]
            try:
                for field in ("sha256", "sm3"):
                    if h32(x.get(field)) != h32(p["blob"][field]):
                        raise Failed(f"{field} is {x.get(field)}, registered as {p['blob'][field]}")
                if count(x.get("size")) is None or x["size"] != count(p["blob"]["size"]):
                    raise Failed(f"size is {x.get('size')!r}, registered as {p['blob']['size']}")
            except ERRORS as y:
                errors.append(f"evidence {ev_id}: {describe(y)}")
        errors += [f"evidence {x.get('evidence_id')!r} is not registered by any {EVIDENCE_REGISTERED} event"
                   for x in present if x.get("evidence_id") is None or x.get("evidence_id") not in ids]
        return errors

    for code, fn in zip(CODES, (fmt, signature, event_hashes, inclusion, archived, complete,
                                volumes, documents, evidence)):
        run(code, fn)
    return out


NAMES = {
    "format": ("核验包为 ecoenforce 归档包（v1）", "The bundle is an ecoenforce archive bundle (v1)"),
    "checkpoint_signature": ("检查点由给定的台账密钥签名", "The checkpoint is signed by the given ledger key"),
    "event_hashes": ("每个事件的哈希与其 event_hash 一致，序号严格递增",
                     "Every event hashes to its event_hash, and the indices strictly increase"),
    "inclusion": ("每个事件都在已签名的台账树中", "Every event is in the signed ledger tree at its index"),
    "archived": ("恰有一个本案的归档事件", "Exactly one event archives this case"),
    "complete": ("归档前的事件齐全（数目与哈希一致），归档后仅有依次编号的备考",
                 "The events before the archive are all of them (count and hash); only annexes numbered 1, 2, … follow"),
    "volumes": ("正卷、副卷即归档时的卷宗（SHA-256 与大小一致）",
                "The volumes are exactly the ones archived (SHA-256 and size)"),
    "documents": ("每份出具的文书均附 PDF，与出具时一致，无多余文书",
                  "Every issued document's PDF is there as issued, and no other"),
    "evidence": ("每份证据的 SHA-256、SM3 和大小与登记时一致，无多余条目",
                 "Every evidence file's SHA-256, SM3 and size are as registered, and no other entry"),
}


def report(checks):
    failed = [c for c in checks if not c[1]]
    for lang in (0, 1):
        for code, ok, detail in checks:
            print(f"  {'✓' if ok else '✗'} {NAMES[code][lang]}{'' if ok else ': ' + detail}")
        if failed:
            codes = ", ".join(c[0] for c in failed)
            print([f"不能证明为归档原件：{len(failed)} 项核验未通过（{codes}）。",
                   f"NOT SHOWN AS ARCHIVED: {len(failed)} check(s) failed ({codes})."][lang])
        else:
            print(["与归档一致：各项核验均成立，该案卷即归档时的案卷。",
                   "AS ARCHIVED: every check holds; the case file is the one archived."][lang])
    return 1 if failed else 0


# --- selftest ---------------------------------------------------------------------------------


def selftest():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from ledger_check import EM_DASH, key_id, mth, path

    origin = "demo.example/enforcement-log"
    case_id = "019ad0f0-0000-7000-8000-00000000c001"
    doc_id = "019ad0f0-0000-7000-8000-00000000d001"
    evidence_id = "019ad0f0-0000-7000-8000-00000000e001"
    main_pdf = b"%PDF-1.7\n% main volume: cover, contents, pages 1-42\n%%EOF\n"
    secondary_pdf = b"%PDF-1.7\n% secondary volume: cover, contents, pages 1-9\n%%EOF\n"
    doc_pdf = b"%PDF-1.7\n% the decision\n%%EOF\n"
    photo = b"photo"

    def envelope(n, schema, payload):
        return {"schema": schema, "id": f"019ad0f0-0000-7000-8000-0000000001{n:02x}",
                "at": f"2026-11-{n + 1:02d}T02:30:00.000000Z",
                "actor": {"kind": "user", "id": "019ad0f0-0000-7000-8000-0000000000a1",
                          "name": "menghai.officer"},
                "payload": payload}

    def event_hash(e):
        return sha256(canonical(e))

    def build(key, annex=1):
        before = [
            (1, envelope(1, "clue.received/v1", {"id": "019ad0f0-0000-7000-8000-00000000b001",
                                                 "county_code": "532822", "source": "patrol"})),
            (3, envelope(3, DOCUMENT_ISSUED, {"document_id": doc_id, "case_id": case_id,
                                              "title": "行政处罚决定书", "sha256": sha256(doc_pdf).hex(),
                                              "size": len(doc_pdf)})),
            (4, envelope(4, EVIDENCE_REGISTERED, {"id": evidence_id, "county_code": "532822",
                                                  "blob": {"sha256": sha256(photo).hex(), "sm3": "ab" * 32,
                                                           "size": len(photo)}})),
            (6, envelope(6, "case.closed/v1", {"case_id": case_id, "ground": "performed"})),
        ]
        vols = [("main", 1, main_pdf, 42), ("secondary", 2, secondary_pdf, 9)]
        archive = envelope(7, ARCHIVED, {"case_id": case_id, "county_code": "532822", "archive": {
            "volumes": [{"volume": v, "id": f"019ad0f0-0000-7000-8000-00000000f00{n}",
                         "sha256": sha256(p).hex(), "size": len(p), "pages": pages}
                        for v, n, p, pages in vols],
            "events": len(before),
            "events_sha256": sha256(b"".join(event_hash(e) for _, e in before)).hex(),
            "archived_by": "menghai.head", "archived_on": "2026-12-01"}})
        annexed = envelope(9, ANNEX_ADDED, {"case_id": case_id, "annex": annex, "text": "复议维持"})
        case_events = before + [(7, archive), (9, annexed)]
        at = dict(case_events)
        leaves = [leaf_hash(event_hash(at[i]) if i in at else sha256(bytes([i]))) for i in range(10)]
        root = mth(leaves)
        body = f"{origin}\n{len(leaves)}\n{base64.b64encode(root).decode()}\n"
        public = b"\x01" + key.public_key().public_bytes_raw()
        sig = base64.b64encode(key_id(origin, public) + key.sign(body.encode())).decode()
        return {
            "format": FORMAT,
            "case": {"id": case_id, "number": "勐环罚〔2026〕1号", "county_code": "532822"},
            "checkpoint": f"{body}\n{EM_DASH} {origin} {sig}\n",
            "verifier_keys": [vkey_of(key)],
            "events": [{"index": i, "event": e, "event_hash": event_hash(e).hex(),
                        "proof": [h.hex() for h in path(i, leaves)]} for i, e in case_events],
            "volumes": [{"volume": v, "id": f"019ad0f0-0000-7000-8000-00000000f00{n}",
                         "sha256": sha256(p).hex(), "size": len(p),
                         "pdf": base64.b64encode(p).decode()} for v, n, p, _ in vols],
            "documents": [{"document_id": doc_id, "sha256": sha256(doc_pdf).hex(),
                           "pdf": base64.b64encode(doc_pdf).decode()}],
            "evidence": [{"evidence_id": evidence_id, "sha256": sha256(photo).hex(), "sm3": "ab" * 32,
                          "size": len(photo)}],
        }

    def vkey_of(key):
        raw = b"\x01" + key.public_key().public_bytes_raw()
        return f"{origin}+{key_id(origin, raw).hex()}+{base64.b64encode(raw).decode()}"

    key = Ed25519PrivateKey.from_private_bytes(bytes([7]) * 32)
    vkey = vkey_of(key)
    good = build(key)

    def failing(b, k=vkey):
        return [code for code, ok, _ in check_bundle(b, k) if not ok]

    def changed(fn, b=None):
        b = copy.deepcopy(good if b is None else b)
        fn(b)
        return b

    def flip(entry, at):
        data = bytearray(base64.b64decode(entry["pdf"]))
        data[at] ^= 1
        entry["pdf"] = base64.b64encode(bytes(data)).decode()

    forged = envelope(2, "clue.received/v1", {"id": "019ad0f0-0000-7000-8000-00000000b002"})
    other_key = Ed25519PrivateKey.from_private_bytes(bytes([8]) * 32)
    cases = [
        ("a sealed case file", good, vkey, []),
        ("a volume's byte changed", changed(lambda b: flip(b["volumes"][0], 20)), vkey, ["volumes"]),
        ("a volume missing", changed(lambda b: b["volumes"].pop()), vkey, ["volumes"]),
        ("an event removed", changed(lambda b: b["events"].pop(0)), vkey, ["complete"]),
        ("an event added with a wrong proof",
         changed(lambda b: b["events"].insert(1, {"index": 2, "event": forged,
                                                  "event_hash": event_hash(forged).hex(),
                                                  "proof": b["events"][0]["proof"]})),
         vkey, ["inclusion", "complete"]),
        ("an event's payload changed",
         changed(lambda b: b["events"][0]["event"]["payload"].update(source="report")), vkey,
         ["event_hashes"]),
        ("a document changed", changed(lambda b: flip(b["documents"][0], 12)), vkey, ["documents"]),
        ("an extra document",
         changed(lambda b: b["documents"].append({"document_id": "x", "sha256": sha256(b"x").hex(),
                                                  "pdf": base64.b64encode(b"x").decode()})),
         vkey, ["documents"]),
        ("an evidence SM3 changed", changed(lambda b: b["evidence"][0].update(sm3="cd" * 32)), vkey,
         ["evidence"]),
        ("an annex numbered 2", build(key, annex=2), vkey, ["complete"]),
        ("another key", good, vkey_of(other_key), ["checkpoint_signature", "inclusion"]),
        ("no key", good, None, ["checkpoint_signature", "inclusion"]),
        ("another case", changed(lambda b: b["case"].update(id="019ad0f0-0000-7000-8000-00000000c002")),
         vkey, ["archived", "complete", "volumes"]),
    ]
    bad = 0
    for name, b, k, expected in cases:
        got = failing(b, k)
        if len(check_bundle(b, k)) != len(CODES) or got != expected:
            bad += 1
            print(f"✗ {name}: failing {got}, expected {expected}")
            for code, ok, detail in check_bundle(b, k):
                if not ok:
                    print(f"    {code}: {detail}")
        else:
            print(f"✓ {name}: failing {got or 'none'}")
    if bad:
        print(f"selftest FAILED: {bad} case(s)")
        return 1
    print("selftest ok")
    return 0


def main():
    if sys.argv[1:2] == ["selftest"]:
        sys.exit(selftest())
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bundle", nargs="?", help="the archive bundle (JSON), or `selftest`")
    ap.add_argument("--key", help="the ledger's verifier key, obtained independently of the bundle (required)")
    a = ap.parse_args()
    if not a.bundle:
        ap.print_usage()
        print("无归档包 / no bundle given")
        sys.exit(2)
    if not a.key:
        print("须用 --key 指定独立获得的台账验证密钥（不信任包内自带的密钥）/ "
              "give the ledger's verifier key, obtained independently, with --key "
              "(the bundle's own keys are not trusted)")
        sys.exit(2)
    try:
        with open(a.bundle, encoding="utf-8") as f:
            bundle = json.load(f)
        if not isinstance(bundle, dict):
            raise ValueError("the bundle is not a JSON object")
    except (OSError, ValueError) as e:
        print(f"无法读取 / cannot read: {e}")
        sys.exit(2)
    sys.exit(report(check_bundle(bundle, a.key)))


if __name__ == "__main__":
    main()
