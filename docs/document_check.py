#!/usr/bin/env python3
"""An independent checker for ecoenforce issued documents (docs/document-proof.md).

Standard library plus `cryptography` (Ed25519), sharing the ledger checks of ledger_check.py.

  document_check.py PROOF.json --key VERIFIER_KEY [--file DOCUMENT.pdf]
      every check, then a verdict in zh-CN and en; exit 0 genuine (or, without --file, the
      proof holds but no file was checked), 1 not shown genuine, 2 unreadable or no key

The key must be obtained independently of the bundle (the bureau's published key, a witness):
the bundle's own keys are the issuer's word, and a forger would bring his own.
"""

import argparse
import base64
import hashlib
import json
import sys

from certificate_check import canonical
from ledger_check import Failed, leaf_hash, parse_checkpoint, verify_inclusion, verify_note

FORMAT = "ecoenforce-document-proof/v1"


def check_bundle(b, file_bytes, key):
    """[(code, ok, detail)] for every check, in the order of docs/document-proof.md §4."""
    out = []

    def run(code, fn):
        try:
            fn()
            out.append((code, True, ""))
        except (Failed, KeyError, TypeError, ValueError, IndexError) as e:
            out.append((code, False, str(e)))

    def fmt():
        if b.get("format") != FORMAT:
            raise Failed(f"format is {b.get('format')!r}")

    def event_hash():
        computed = hashlib.sha256(canonical(b["event"])).hexdigest()
        if computed != b["event_hash"]:
            raise Failed(f"the event hashes to {computed}")

    def names_document():
        d, p = b["document"], b["event"]["payload"]
        if b["event"]["schema"] != "document.issued/v1":
            raise Failed(f"the event is {b['event']['schema']}")
        for field in ("sha256", "verify_code", "kind", "issued_on", "organ", "title", "size"):
            if p[field] != d[field]:
                raise Failed(f"{field}: {p[field]} differs from {d[field]}")
        if p.get("number") != d.get("number"):
            raise Failed(f"number: {p.get('number')} differs from {d.get('number')}")

    state = {}

    def signature():
        head, checkpoint = b["tlog_proof"].split("\n\n", 1)
        lines = head.split("\n")
        if lines[0] != "c2sp.org/tlog-proof@v1":
            raise Failed("not a c2sp.org/tlog-proof@v1")
        i = 2 if lines[1].startswith("extra ") else 1
        if not lines[i].startswith("index "):
            raise Failed("no index line")
        state["index"] = int(lines[i][6:])
        state["path"] = [base64.b64decode(x) for x in lines[i + 1:] if x]
        state["cp"] = parse_checkpoint(verify_note(checkpoint, key))

    def inclusion():
        _, size, root = state["cp"]
        if state["index"] != b["index"]:
            raise Failed(f"the proof is for entry {state['index']}")
        leaf = leaf_hash(bytes.fromhex(b["event_hash"]))
        if not verify_inclusion(b["index"], size, leaf, state["path"], root):
            raise Failed(f"entry {b['index']} is not in the signed tree of {size}")

    run("format", fmt)
    run("event_hash", event_hash)
    run("event_names_document", names_document)
    run("checkpoint_signature", signature)
    run("inclusion", inclusion)
    if file_bytes is not None:
        def file_sha256():
            got = hashlib.sha256(file_bytes).hexdigest()
            if got != b["event"]["payload"]["sha256"]:
                raise Failed(f"the file's SHA-256 is {got}")
        run("file_sha256", file_sha256)
    return out


NAMES = {
    "format": ("核验包为 ecoenforce 文书证明（v1）", "The bundle is an ecoenforce document proof (v1)"),
    "event_hash": ("出具事件的哈希与 event_hash 一致", "The issuing event hashes to its event_hash"),
    "event_names_document": ("出具事件载明本文书的 SHA-256、核验码、种类、日期和文号",
                             "The issuing event states this document's SHA-256, check code, kind, date and number"),
    "checkpoint_signature": ("检查点由台账密钥签名", "The checkpoint is signed by the ledger's key"),
    "inclusion": ("出具事件在已签名的台账树中", "The issuing event is in the signed ledger tree"),
    "file_sha256": ("文件的 SHA-256 与出具时一致（逐字节相同）", "The file's SHA-256 is the one issued (the same bytes)"),
}


def report(checks, file_checked):
    failed = [c for c in checks if not c[1]]
    for lang in (0, 1):
        for code, ok, detail in checks:
            print(f"  {'✓' if ok else '✗'} {NAMES[code][lang]}{'' if ok else ': ' + detail}")
        if failed:
            print(["不能证明为真：", "NOT SHOWN GENUINE: "][lang] + f"{len(failed)}"
                  + [" 项核验未通过。", " check(s) failed."][lang])
        elif file_checked:
            print(["真实：各项核验均成立，该文件即出具的文书。",
                   "GENUINE: every check holds and the file is the document issued."][lang])
        else:
            print(["证明成立，但未核对文件（请用 --file 指定 PDF）。",
                   "The proof holds, but no file was checked (give the PDF with --file)."][lang])
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("proof")
    ap.add_argument("--file")
    ap.add_argument("--key", required=True,
                    help="the ledger's verifier key, obtained independently of the bundle")
    a = ap.parse_args()
    try:
        with open(a.proof, encoding="utf-8") as f:
            bundle = json.load(f)
        data = None
        if a.file:
            with open(a.file, "rb") as f:
                data = f.read()
    except (OSError, ValueError) as e:
        print(f"无法读取 / cannot read: {e}")
        sys.exit(2)
    sys.exit(report(check_bundle(bundle, data, a.key), data is not None))


if __name__ == "__main__":
    main()
