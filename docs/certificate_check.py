#!/usr/bin/env python3
"""An independent checker for ecoenforce evidence certificates (docs/certificate.md).

Standard library plus `cryptography` (Ed25519). SM3 comes from hashlib when the local OpenSSL
has it, else from the pure-Python implementation below (GB/T 32905-2016).

  certificate_check.py BUNDLE.json [--file EVIDENCE] [--key VERIFIER_KEY]
      every check, then a verdict in zh-CN and en; exit 0 valid, 1 not valid, 2 unreadable
  certificate_check.py vectors
      checks docs/certificate/vector.json against docs/certificate/file.txt, and SM3's own
      test vectors
"""

import argparse
import base64
import hashlib
import json
import os
import sys

from ledger_check import Failed, leaf_hash, parse_checkpoint, verify_inclusion, verify_note

FORMAT = "ecoenforce-certificate/v1"


# --- SM3 (GB/T 32905-2016), used only when hashlib has none ---------------------------------

def _rotl(x, n):
    n %= 32
    return ((x << n) | (x >> (32 - n))) & 0xFFFFFFFF


def sm3_pure(data):
    iv = [0x7380166F, 0x4914B2B9, 0x172442D7, 0xDA8A0600,
          0xA96F30BC, 0x163138AA, 0xE38DEE4D, 0xB0FB0E4E]
    length = len(data) * 8
    data = data + b"\x80" + b"\x00" * ((55 - len(data)) % 64) + length.to_bytes(8, "big")
    v = iv
    for off in range(0, len(data), 64):
        w = [int.from_bytes(data[off + 4 * i: off + 4 * i + 4], "big") for i in range(16)]
        for j in range(16, 68):
            x = w[j - 16] ^ w[j - 9] ^ _rotl(w[j - 3], 15)
            p1 = x ^ _rotl(x, 15) ^ _rotl(x, 23)
            w.append(p1 ^ _rotl(w[j - 13], 7) ^ w[j - 6])
        w1 = [w[j] ^ w[j + 4] for j in range(64)]
        a, b, c, d, e, f, g, h = v
        for j in range(64):
            t = 0x79CC4519 if j < 16 else 0x7A879D8A
            ss1 = _rotl((_rotl(a, 12) + e + _rotl(t, j)) & 0xFFFFFFFF, 7)
            ss2 = ss1 ^ _rotl(a, 12)
            ff = (a ^ b ^ c) if j < 16 else ((a & b) | (a & c) | (b & c))
            gg = (e ^ f ^ g) if j < 16 else ((e & f) | (~e & g))
            tt1 = (ff + d + ss2 + w1[j]) & 0xFFFFFFFF
            tt2 = (gg + h + ss1 + w[j]) & 0xFFFFFFFF
            d, c, b, a = c, _rotl(b, 9), a, tt1
            h, g, f, e = g, _rotl(f, 19), e, tt2 ^ _rotl(tt2, 9) ^ _rotl(tt2, 17)
        v = [x ^ y for x, y in zip(v, [a, b, c, d, e, f, g, h])]
    return b"".join(x.to_bytes(4, "big") for x in v).hex()


def sm3(data):
    try:
        return hashlib.new("sm3", data).hexdigest()
    except ValueError:
        return sm3_pure(data)


# --- RFC 8785 for event envelopes (strings, integers, booleans, null; no floats) -----------

def canonical(value):
    # Keys sorted by UTF-16 code units (RFC 8785 §3.2.3); our keys are ASCII, where that is
    # the same as sorting the strings.
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def check_bundle(b, file_bytes=None, key=None):
    """[(code, ok, detail)] for every check, in the order of docs/certificate.md §3."""
    out = []

    def run(code, fn):
        try:
            fn()
            out.append((code, True, ""))
        except (Failed, KeyError, TypeError, ValueError) as e:
            out.append((code, False, str(e)))

    def fmt():
        if b.get("format") != FORMAT:
            raise Failed(f"format is {b.get('format')!r}")

    def event_hash():
        computed = hashlib.sha256(canonical(b["event"])).hexdigest()
        if computed != b["event_hash"]:
            raise Failed(f"the event hashes to {computed}")

    def names_evidence():
        e, p = b["evidence"], b["event"]["payload"]
        if b["event"]["schema"] != "evidence.registered/v1":
            raise Failed(f"the event is {b['event']['schema']}")
        for a, c in [(p["id"], e["id"]), (p["blob"]["sha256"], e["sha256"]),
                     (p["blob"]["sm3"], e["sm3"]), (p["blob"]["size"], e["size"])]:
            if a != c:
                raise Failed(f"{a} differs from {c}")

    state = {}

    def signature():
        proof = b["tlog_proof"]
        head, checkpoint = proof.split("\n\n", 1)
        lines = head.split("\n")
        if lines[0] != "c2sp.org/tlog-proof@v1":
            raise Failed("not a c2sp.org/tlog-proof@v1")
        i = 1
        if lines[i].startswith("extra "):
            i += 1
        if not lines[i].startswith("index "):
            raise Failed("no index line")
        state["index"] = int(lines[i][6:])
        state["path"] = [base64.b64decode(x) for x in lines[i + 1:] if x]
        for k in ([key] if key else b["verifier_keys"]):
            try:
                state["cp"] = parse_checkpoint(verify_note(checkpoint, k))
                return
            except Failed:
                continue
        raise Failed("no given verifier key signed the checkpoint")

    def inclusion():
        origin, size, root = state["cp"]
        if state["index"] != b["index"]:
            raise Failed(f"the proof is for entry {state['index']}")
        leaf = leaf_hash(bytes.fromhex(b["event_hash"]))
        if not verify_inclusion(b["index"], size, leaf, state["path"], root):
            raise Failed(f"entry {b['index']} is not in the signed tree of {size}")

    def qr():
        origin, size, root = state["cp"]
        expected = (f"ecoenforce-cert:v1:{origin}:{b['index']}:{b['event_hash']}:{size}:"
                    f"{base64.b64encode(root).decode()}")
        if b.get("qr") != expected:
            raise Failed(f"expected {expected}")

    run("format", fmt)
    run("event_hash", event_hash)
    run("event_names_evidence", names_evidence)
    run("checkpoint_signature", signature)
    run("inclusion", inclusion)
    run("qr", qr)
    if file_bytes is not None:
        def file_sha256():
            got = hashlib.sha256(file_bytes).hexdigest()
            if got != b["evidence"]["sha256"]:
                raise Failed(f"the file's SHA-256 is {got}")

        def file_sm3():
            got = sm3(file_bytes)
            if got != b["evidence"]["sm3"]:
                raise Failed(f"the file's SM3 is {got}")
        run("file_sha256", file_sha256)
        run("file_sm3", file_sm3)
    return out


NAMES = {
    "format": ("文件为 ecoenforce 证书（v1）", "The bundle is an ecoenforce certificate (v1)"),
    "event_hash": ("上传事件的哈希与 event_hash 一致", "The upload event hashes to its event_hash"),
    "event_names_evidence": ("上传事件记载的正是该证据及其哈希和大小", "The upload event names this evidence, its hashes and size"),
    "checkpoint_signature": ("检查点由台账密钥签名", "The checkpoint is signed by the ledger's key"),
    "inclusion": ("上传事件包含在已签名的台账树中", "The upload event is in the signed ledger tree"),
    "qr": ("二维码内容与该条目和树一致", "The QR text names the same entry and tree"),
    "file_sha256": ("文件的 SHA-256 与证书一致", "The file's SHA-256 equals the certificate's"),
    "file_sm3": ("文件的 SM3 与证书一致", "The file's SM3 equals the certificate's"),
}


def report(checks):
    failed = [c for c in checks if not c[1]]
    for lang in (0, 1):
        for code, ok, detail in checks:
            print(f"  {'✓' if ok else '✗'} {NAMES[code][lang]}{'' if ok else ': ' + detail}")
        if failed:
            print(["无效：", "NOT VALID: "][lang] + f"{len(failed)}" + [" 项检查未通过。", " check(s) failed."][lang])
        else:
            print(["有效：证书各项均成立。", "VALID: every check holds."][lang])
    return 1 if failed else 0


def vectors():
    here = os.path.dirname(os.path.abspath(__file__))
    if sm3_pure(b"abc") != "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0":
        raise Failed("SM3 (pure) does not give GB/T 32905-2016 example 1")
    if sm3_pure(b"abcd" * 16) != "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732":
        raise Failed("SM3 (pure) does not give GB/T 32905-2016 example 2")
    with open(os.path.join(here, "certificate", "vector.json"), encoding="utf-8") as f:
        bundle = json.load(f)
    with open(os.path.join(here, "certificate", "file.txt"), "rb") as f:
        data = f.read()
    checks = check_bundle(bundle, data)
    if not all(ok for _, ok, _ in checks) or len(checks) != 8:
        raise Failed(f"the vector does not verify: {checks}")
    if all(ok for _, ok, _ in check_bundle(bundle, data + b"x")):
        raise Failed("a changed file was accepted")
    print("ok: the certificate vector verifies (8 checks), a changed file is refused, SM3 vectors hold")


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "vectors":
        try:
            vectors()
        except Failed as e:
            print(f"FAILED: {e}")
            sys.exit(1)
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bundle")
    ap.add_argument("--file")
    ap.add_argument("--key")
    a = ap.parse_args()
    try:
        with open(a.bundle, encoding="utf-8") as f:
            bundle = json.load(f)
        data = None
        if a.file:
            with open(a.file, "rb") as f:
                data = f.read()
    except (OSError, ValueError) as e:
        print(f"无法读取 / cannot read: {e}")
        sys.exit(2)
    sys.exit(report(check_bundle(bundle, data, a.key)))


if __name__ == "__main__":
    main()
