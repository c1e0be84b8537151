#!/usr/bin/env python3
"""An independent checker for an ecoenforce ledger (docs/ledger.md §7-10).

Written from the specifications (RFC 6962/9162, C2SP signed-note, tlog-checkpoint, tlog-tiles,
tlog-cosignature), not from our Rust code. Standard library plus `cryptography` for Ed25519.

  ledger_check.py follow URL [--vkey VKEY] [--state FILE] [--witness-vkey VKEY ...] [--quorum N]
      Fetches the checkpoint and verifies its signature with the verifier key (given, or fetched
      from URL/ledger/verifier-key on first use and then kept in the state file: trust on first
      use), rebuilds the root from the public tiles, and checks that the new checkpoint extends
      the one kept in the state file (its tree is a prefix: the old root is rebuilt from the same
      tiles). With --witness-vkey (repeatable; a cosigner vkey `name+keyid+base64(0x04||key)`),
      the checkpoint must also carry valid cosignature/v1 lines by at least N of those witnesses
      (--quorum, default all of them); each witness and its cosignature time is printed.
      Exit 0 when everything holds, 1 naming what does not.
  ledger_check.py checkpoint FILE --vkey VKEY [--witness-vkey VKEY ...] [--quorum N]
      Verifies a checkpoint file offline, with its cosignatures as for `follow`; prints origin,
      size and root (and the witnesses that cosigned).
  ledger_check.py inclusion PROOF.json [--vkey VKEY]
      Checks a proof from GET /api/v1/ledger/proof/inclusion: the path leads from the leaf to the
      root, and (with --vkey) the included checkpoint is signed and names that root.
  ledger_check.py consistency PROOF.json
      Checks a proof from GET /api/v1/ledger/proof/consistency.
  ledger_check.py vectors
      Reproduces the reference checkpoint of shared/reference/ledger.md §1.2 and a witness
      cosignature of it (prints the witness vkey and the cosignature line).
"""

import argparse
import base64
import hashlib
import json
import sys
import time
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

EM_DASH = "\u2014"
# A verifier MAY reject cosignatures from the future (tlog-cosignature); allow for clock skew.
MAX_CLOCK_SKEW = 600


class Failed(Exception):
    pass


# --- RFC 6962 hashing ---------------------------------------------------------------------------


def sha256(b):
    return hashlib.sha256(b).digest()


def leaf_hash(data):
    return sha256(b"\x00" + data)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def mth(leaves):
    """RFC 6962 §2.1 Merkle Tree Hash over leaf hashes."""
    if not leaves:
        return sha256(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, proof):
    """RFC 9162 §2.1.4.2."""
    if first == second:
        return not proof and first_root == second_root
    if first == 0 or first > second or not proof and first != second:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


# --- C2SP signed notes and checkpoints --------------------------------------------------------


def key_id(name, alg_and_key):
    return sha256(name.encode() + b"\n" + alg_and_key)[:4]


def parse_vkey(vkey):
    name, hex_id, b64 = vkey.strip().split("+", 2)
    raw = base64.b64decode(b64)
    if raw[0] != 0x01 or len(raw) != 33:
        raise Failed("the verifier key is not an Ed25519 key")
    if key_id(name, raw).hex() != hex_id:
        raise Failed("the verifier key's ID does not match its key")
    return name, bytes.fromhex(hex_id), Ed25519PublicKey.from_public_bytes(raw[1:])


def note_signatures(note):
    """Splits a signed note into its text (through the final newline before the blank line) and
    its signature lines as (name, decoded blob)."""
    split = note.rfind("\n\n")
    if split < 0:
        raise Failed("the note has no blank line before its signatures")
    text, sigs = note[: split + 1], note[split + 2 :]
    lines = []
    for line in sigs.splitlines():
        if not line.startswith(EM_DASH + " "):
            raise Failed("a signature line does not start with an em dash")
        who, _, b64 = line[2:].partition(" ")
        try:
            lines.append((who, base64.b64decode(b64, validate=True)))
        except ValueError:
            raise Failed(f"the signature line of {who} is not base64")
    return text, lines


def verify_note(note, vkey):
    """Returns the note's text when a signature by `vkey` verifies; signatures by other keys are
    ignored (C2SP signed-note)."""
    name, kid, public = parse_vkey(vkey)
    text, lines = note_signatures(note)
    for who, blob in lines:
        if who != name or blob[:4] != kid or len(blob) != 68:
            continue
        try:
            public.verify(blob[4:], text.encode())
            return text
        except InvalidSignature:
            raise Failed(f"the signature by {name} does not verify")
    raise Failed(f"no signature by {name}")


# --- C2SP tlog-cosignature (Ed25519, cosignature/v1) -----------------------------------------


def parse_cosigner_vkey(vkey):
    """A witness's vkey: `name+keyid+base64(0x04 || Ed25519 public key)`. Type 0x04 only, so a
    log key (0x01) cannot stand in for a witness."""
    try:
        name, hex_id, b64 = vkey.strip().split("+", 2)
        raw = base64.b64decode(b64, validate=True)
    except ValueError:
        raise Failed(f"not a verifier key: {vkey}")
    if len(raw) != 33 or raw[0] != 0x04:
        raise Failed(f"the witness key of {name} is not an Ed25519 cosignature/v1 key")
    if key_id(name, raw).hex() != hex_id:
        raise Failed(f"the witness key ID of {name} does not match its key")
    return name, bytes.fromhex(hex_id), Ed25519PublicKey.from_public_bytes(raw[1:])


def cosigned_message(text, timestamp):
    """The Ed25519 signed message: the header and time lines, then the whole checkpoint body."""
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()


def find_cosignature(note, name, kid, public):
    """The timestamp of the cosignature by this witness, or None when the note carries no line
    with its name and key ID (those are ignored, signed-note). A matching line that is malformed
    or does not verify is an error, not a missing cosignature."""
    text, lines = note_signatures(note)
    found = None
    for who, blob in lines:
        if who != name or blob[:4] != kid:
            continue
        if len(blob) != 4 + 8 + 64:
            raise Failed(f"the cosignature by {name} is {len(blob)} bytes, not 76")
        timestamp = int.from_bytes(blob[4:12], "big")
        if timestamp > 2**63 - 1:
            raise Failed(f"the cosignature by {name} has a timestamp beyond 2^63-1")
        try:
            public.verify(blob[12:], cosigned_message(text, timestamp))
        except InvalidSignature:
            raise Failed(f"the cosignature by {name} does not verify")
        # Checked after the signature so that only a genuine cosignature is reported as early.
        ahead = timestamp - int(time.time())
        if ahead > MAX_CLOCK_SKEW:
            raise Failed(
                f"the cosignature by {name} is dated {ahead} s ahead of our clock ({iso(timestamp)})"
            )
        found = timestamp if found is None else max(found, timestamp)
    return found


def verify_cosignature(note, vkey):
    """The timestamp of the witness's valid cosignature on the note."""
    name, kid, public = parse_cosigner_vkey(vkey)
    timestamp = find_cosignature(note, name, kid, public)
    if timestamp is None:
        raise Failed(f"no cosignature by {name}")
    return timestamp


def require_cosignatures(note, witness_vkeys, quorum):
    """[(name, timestamp)] of the witnesses whose cosignature verifies; at least `quorum` of
    them, or Failed naming every witness that did not cosign."""
    witnesses = [parse_cosigner_vkey(v) for v in witness_vkeys]
    # The cosigned message does not commit to the name, so one key under two names would let one
    # witness count twice towards the quorum.
    if len({public.public_bytes_raw() for _, _, public in witnesses}) != len(witnesses):
        raise Failed("a witness public key is given twice")
    if not 1 <= quorum <= len(witnesses):
        raise Failed(f"the quorum must be between 1 and {len(witnesses)} (the witness keys), not {quorum}")
    valid, missing = [], []
    for name, kid, public in witnesses:
        timestamp = find_cosignature(note, name, kid, public)
        if timestamp is None:
            missing.append(name)
        else:
            valid.append((name, timestamp))
    if len(valid) < quorum:
        raise Failed(
            f"cosigned by {len(valid)} of {len(witnesses)} witnesses, quorum {quorum}; "
            f"missing: {', '.join(missing)}"
        )
    return valid


def iso(timestamp):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def check_witnesses(note, args):
    """The cosignature check of `follow` and `checkpoint`; None when no witness key is given."""
    if not args.witness_vkey:
        if args.quorum is not None:
            raise Failed("--quorum needs --witness-vkey")
        return None
    quorum = len(args.witness_vkey) if args.quorum is None else args.quorum
    valid = require_cosignatures(note, args.witness_vkey, quorum)
    names = ", ".join(f"{name} at {iso(timestamp)}" for name, timestamp in valid)
    return f"cosigned by {len(valid)} of {len(args.witness_vkey)} witnesses (quorum {quorum}): {names}"


def parse_checkpoint(text):
    lines = text.split("\n")
    if len(lines) < 4 or not lines[0] or not lines[1].isdigit():
        raise Failed("not a checkpoint body")
    if lines[1] != str(int(lines[1])):
        raise Failed("the tree size has leading zeros")
    root = base64.b64decode(lines[2])
    if len(root) != 32:
        raise Failed("the root is not 32 bytes")
    return lines[0], int(lines[1]), root


# --- tiles ------------------------------------------------------------------------------------


def tile_index(n):
    s = f"{n % 1000:03d}"
    while n >= 1000:
        n //= 1000
        s = f"x{n % 1000:03d}/{s}"
    return s


def tile_path(level, n, width):
    return f"tile/{level}/{tile_index(n)}" + ("" if width == 256 else f".p/{width}")


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read()


def leaves_from_tiles(base, size):
    """Every leaf hash of the tree of `size` leaves, from the level-0 hash tiles."""
    leaves = []
    for n in range((size + 255) // 256):
        width = min(256, size - 256 * n)
        tile = fetch(f"{base}/ledger/{tile_path(0, n, width)}")
        if len(tile) != 32 * width:
            raise Failed(f"tile 0/{n} has {len(tile)} bytes, expected {32 * width}")
        leaves += [tile[i : i + 32] for i in range(0, len(tile), 32)]
    return leaves


def check_entries(base, leaves):
    """The entry bundles' event hashes give the leaves the hash tiles hold."""
    size = len(leaves)
    for n in range((size + 255) // 256):
        width = min(256, size - 256 * n)
        path = f"tile/entries/{tile_index(n)}" + ("" if width == 256 else f".p/{width}")
        bundle = fetch(f"{base}/ledger/{path}")
        at = 0
        for i in range(width):
            length = int.from_bytes(bundle[at : at + 2], "big")
            event_hash = bundle[at + 2 : at + 2 + length]
            at += 2 + length
            if leaf_hash(event_hash) != leaves[256 * n + i]:
                raise Failed(f"entry {256 * n + i}: its event hash is not the tiles' leaf")
        if at != len(bundle):
            raise Failed(f"entry bundle {n} has trailing bytes")


# --- commands ---------------------------------------------------------------------------------


def cmd_follow(args):
    base = args.url.rstrip("/")
    state = {}
    if args.state:
        try:
            with open(args.state) as f:
                state = json.load(f)
        except FileNotFoundError:
            pass
    vkey = args.vkey or state.get("vkey") or fetch(f"{base}/ledger/verifier-key").decode().strip()
    note = fetch(f"{base}/ledger/checkpoint").decode()
    origin, size, root = parse_checkpoint(verify_note(note, vkey))
    # Before the tiles: a checkpoint the witnesses have not seen may be a split view.
    cosigned = check_witnesses(note, args)
    leaves = leaves_from_tiles(base, size)
    if mth(leaves) != root:
        raise Failed(f"the tiles do not give the signed root of {size} leaves")
    check_entries(base, leaves)
    old = state.get("size")
    if old is not None:
        if state.get("origin") != origin:
            raise Failed(f"origin changed from {state.get('origin')} to {origin}")
        if size < old:
            raise Failed(f"the log shrank from {old} to {size} leaves")
        if mth(leaves[:old]).hex() != state["root"]:
            raise Failed(f"the tree of {size} does not extend the checkpoint of {old} seen before")
    if args.state:
        with open(args.state, "w") as f:
            json.dump({"vkey": vkey, "origin": origin, "size": size, "root": root.hex()}, f)
    print(f"ok: {origin} size {size} root {root.hex()}" + (f", extends {old}" if old else ""))
    if cosigned:
        print(cosigned)


def cmd_checkpoint(args):
    with open(args.file) as f:
        note = f.read()
    origin, size, root = parse_checkpoint(verify_note(note, args.vkey))
    cosigned = check_witnesses(note, args)
    print(f"ok: {origin} size {size} root {root.hex()}")
    if cosigned:
        print(cosigned)


def cmd_inclusion(args):
    with open(args.file) as f:
        p = json.load(f)
    root = bytes.fromhex(p["root"])
    proof = [bytes.fromhex(h) for h in p["proof"]]
    if not verify_inclusion(p["index"], p["size"], bytes.fromhex(p["leaf_hash"]), proof, root):
        raise Failed("the inclusion proof does not lead to the root")
    if args.vkey:
        if not p.get("checkpoint"):
            raise Failed("the proof carries no checkpoint")
        _, size, cp_root = parse_checkpoint(verify_note(p["checkpoint"], args.vkey))
        if (size, cp_root) != (p["size"], root):
            raise Failed("the checkpoint names another tree")
    print(f"ok: entry {p['index']} is in the tree of {p['size']}")


def cmd_consistency(args):
    with open(args.file) as f:
        p = json.load(f)
    proof = [bytes.fromhex(h) for h in p["proof"]]
    if not verify_consistency(
        p["from"], p["to"], bytes.fromhex(p["from_root"]), bytes.fromhex(p["to_root"]), proof
    ):
        raise Failed("the consistency proof does not hold")
    print(f"ok: the tree of {p['from']} is a prefix of the tree of {p['to']}")


def cmd_vectors(_args):
    name = "demo.example/enforcement-log"
    key = Ed25519PrivateKey.from_private_bytes(bytes([7]) * 32)
    public = key.public_key().public_bytes_raw()
    root = mth([leaf_hash(f"x{i}".encode()) for i in range(5)])
    body = f"{name}\n5\n{base64.b64encode(root).decode()}\n"
    sig = base64.b64encode(key_id(name, b"\x01" + public) + key.sign(body.encode())).decode()
    note = f"{body}\n{EM_DASH} {name} {sig}\n"
    expected_root = "8986cce72b7ab92b381b5d5e288f534e1a740da1ca5d09c792e8de37842e9235"
    expected_sig = (
        "NXtXLkq+EltjgNGlxJh034K0TpUaLP8SWseVbQCez8+R3yjie6m1PAVDsPV9m5PamHSjjxvLKl3nSAj81ovXApiFAQs="
    )
    raw = b"\x01" + public
    vkey = f"{name}+{key_id(name, raw).hex()}+{base64.b64encode(raw).decode()}"
    if root.hex() != expected_root or sig != expected_sig:
        raise Failed("the reference checkpoint is not reproduced")
    if vkey != "demo.example/enforcement-log+357b572e+AepKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs":
        raise Failed("the reference verifier key is not reproduced")
    verify_note(note, vkey)
    witness_vkey, line = check_cosignature_vectors(note, body, vkey)
    # Every inclusion and consistency proof of small trees, against a plain recursive prover.
    for n in range(1, 40):
        leaves = [leaf_hash(bytes([i])) for i in range(n)]
        for m in range(n):
            if not verify_inclusion(m, n, leaves[m], path(m, leaves), mth(leaves)):
                raise Failed(f"inclusion {m} of {n}")
        for m in range(1, n + 1):
            if not verify_consistency(m, n, mth(leaves[:m]), mth(leaves), proof(m, leaves)):
                raise Failed(f"consistency {m} of {n}")
    print(f"witness vkey: {witness_vkey}")
    print(f"cosignature:  {line}")
    print("ok: reference checkpoint, cosignature and proofs reproduced")


def cosign(seed, name, body, timestamp):
    """A witness's vkey and its cosignature line on the checkpoint body (tlog-cosignature)."""
    key = Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
    raw = b"\x04" + key.public_key().public_bytes_raw()
    kid = key_id(name, raw)
    blob = kid + timestamp.to_bytes(8, "big") + key.sign(cosigned_message(body, timestamp))
    vkey = f"{name}+{kid.hex()}+{base64.b64encode(raw).decode()}"
    return vkey, f"{EM_DASH} {name} {base64.b64encode(blob).decode()}"


def refused(note, vkeys, quorum, naming):
    """require_cosignatures must refuse, and say `naming` in its reason."""
    try:
        require_cosignatures(note, vkeys, quorum)
    except Failed as e:
        if naming not in str(e):
            raise Failed(f"the refusal does not name {naming}: {e}")
        return
    raise Failed(f"a cosignature check that must fail passed ({naming})")


def check_cosignature_vectors(note, body, log_vkey):
    """Known answer: witness.example/w1 (seed 0x09 x 32) cosigns the reference checkpoint at
    1679315147. Ed25519 is deterministic, so the line is fixed."""
    name, timestamp = "witness.example/w1", 1679315147
    vkey, line = cosign(9, name, body, timestamp)
    if vkey != "witness.example/w1+24b5d9fe+BP0XJDhaoMdbZPt4zWAvodmR/ev3axPFjtcC6sg16fYY":
        raise Failed("the reference witness key is not reproduced")
    if line != (
        f"{EM_DASH} witness.example/w1 JLXZ/gAAAABkGFDLMq4U33xrDC6lR1dpSnD2lTedohiFfTThFPddiOvVFboZ"
        "+9kg4p+lsOnX7lioF3IB6jXek97Edm4/W+lHxHSPAA=="
    ):
        raise Failed("the reference cosignature is not reproduced")
    cosigned = f"{note}{line}\n"
    # The log's own signature still verifies; the cosignature line is just another signature.
    verify_note(cosigned, log_vkey)
    if require_cosignatures(cosigned, [vkey], 1) != [(name, timestamp)]:
        raise Failed("the reference cosignature is not accepted")
    if verify_cosignature(cosigned, vkey) != timestamp:
        raise Failed("the reference cosignature's timestamp is not read back")
    # A second, unrelated witness is required: quorum 2 is not met, and the refusal names it.
    other, _ = cosign(10, "witness.example/w2", body, timestamp)
    refused(cosigned, [vkey, other], 2, "missing: witness.example/w2")
    if require_cosignatures(cosigned, [vkey, other], 1) != [(name, timestamp)]:
        raise Failed("quorum 1 of 2 is not met by the reference cosignature")
    refused(note, [vkey], 1, "missing: witness.example/w1")
    # The timestamp is signed: moving it by one second breaks the cosignature.
    who, _, b64 = line[2:].partition(" ")
    blob = bytearray(base64.b64decode(b64))
    blob[4:12] = (timestamp + 1).to_bytes(8, "big")
    moved = f"{note}{EM_DASH} {who} {base64.b64encode(bytes(blob)).decode()}\n"
    refused(moved, [vkey], 1, "does not verify")
    blob[4:12] = (2**63).to_bytes(8, "big")
    beyond = f"{note}{EM_DASH} {who} {base64.b64encode(bytes(blob)).decode()}\n"
    refused(beyond, [vkey], 1, "beyond 2^63-1")
    # Lines from unknown keys are ignored, even ones that would not verify.
    _, stranger = cosign(11, "witness.example/w3", "another body\n", timestamp)
    if require_cosignatures(f"{cosigned}{stranger}\n", [vkey], 1) != [(name, timestamp)]:
        raise Failed("a line from an unknown key is not ignored")
    # A cosignature dated an hour ahead of the local clock is refused.
    _, ahead = cosign(9, name, body, int(time.time()) + 3600)
    refused(f"{note}{ahead}\n", [vkey], 1, "ahead of our clock")
    # The same witness key twice would count twice.
    refused(cosigned, [vkey, vkey], 1, "given twice")
    # A log key is not a witness key.
    try:
        parse_cosigner_vkey(log_vkey)
    except Failed:
        pass
    else:
        raise Failed("a log key (type 0x01) is accepted as a witness key")
    return vkey, line


def path(m, d):
    """RFC 9162 §2.1.3.1 PATH(m, D)."""
    if len(d) <= 1:
        return []
    k = 1
    while k * 2 < len(d):
        k *= 2
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def proof(m, d, b=True):
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D, b)."""
    if m == len(d):
        return [] if b else [mth(d)]
    k = 1
    while k * 2 < len(d):
        k *= 2
    if m <= k:
        return proof(m, d[:k], b) + [mth(d[k:])]
    return proof(m - k, d[k:], False) + [mth(d[:k])]


def add_witness_args(p):
    p.add_argument("--witness-vkey", action="append", default=[], metavar="VKEY")
    p.add_argument("--quorum", type=int, metavar="N", help="default: every --witness-vkey")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("follow")
    f.add_argument("url")
    f.add_argument("--vkey")
    f.add_argument("--state")
    add_witness_args(f)
    c = sub.add_parser("checkpoint")
    c.add_argument("file")
    c.add_argument("--vkey", required=True)
    add_witness_args(c)
    i = sub.add_parser("inclusion")
    i.add_argument("file")
    i.add_argument("--vkey")
    k = sub.add_parser("consistency")
    k.add_argument("file")
    sub.add_parser("vectors")
    args = ap.parse_args()
    try:
        {
            "follow": cmd_follow,
            "checkpoint": cmd_checkpoint,
            "inclusion": cmd_inclusion,
            "consistency": cmd_consistency,
            "vectors": cmd_vectors,
        }[args.cmd](args)
    except Failed as e:
        print(f"FAILED: {e}")
        sys.exit(1)


if __name__ == "__main__":
    main()
