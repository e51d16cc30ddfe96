"""A member's saved receipt: saved from `/web/me/receipt`, checked by `phucloi audit receipt`
(audit.receipt) and by the public `/web/receipt` page's endpoints. The tampered receipts of
`tampered_receipts` are also checked in Chromium (tests/web/test_browser.py), which must give
the same reasons."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import struct
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient

from api.throttle import PUBLIC_REFUSAL, ClientLimit
from audit.log import (
    cosign_latest,
    identity,
    latest_checkpoint,
    leaf_hashes,
    make_checkpoint,
    prove_consistency,
    with_cosignatures,
)
from audit.merkle import inclusion_proof, leaf_hash, root_from_leaf_hashes
from audit.note import Checkpoint, Signature, Signer, split_note
from audit.receipt import check_receipt, check_receipt_text
from ledger.leaf import leaf_bytes
from tests.integration.test_audit_helpers import make_witness
from tests.integration.test_cli import cli
from tests.web.conftest import Web

# (name, the verdict's reason, its detail): what both verifiers must say of each receipt
EXPECTED = [
    ("honest", "ok", None),
    ("amount", "entry", "amount"),
    ("proof_hash", "proof", None),
    ("swapped_checkpoint", "signature", None),
    ("older_checkpoint", "proof", None),
    ("forged_cosignature", "cosignature", "ubkt.bao"),
    ("rewritten", "rewritten", None),
    # an event and leaf hash made up together, whose state is not the ledger's JSON
    ("state_not_json", "entry", "leaf"),
]

# (name, the field named): hand-written JSON that JSON.parse and Python's json.loads read
# differently (or base64 that atob takes and Python does not): both checkers refuse it as
# `malformed`, naming the same field (audit.receipt.read_receipt, merkle.js readReceipt)
MALFORMED = [
    ("float_index", "leaf_index"),  # 7.0: JavaScript read it as 7
    ("exponent_amount", "entry.amount"),  # 3e5
    ("duplicate_amount", "entry.amount"),  # both kept the last one, silently
    ("duplicate_member", "member"),
    ("huge_index", "leaf_index"),  # 2^53 + 1: JavaScript cannot hold it, Python could
    ("nan_index", "receipt"),  # NaN: Python's json took it, JSON.parse does not
    ("lone_surrogate", "member"),
    ("state_whitespace", "event.state"),  # atob skips whitespace
    ("state_unpadded", "event.state"),  # atob takes missing padding
    ("state_trailing_bits", "event.state"),  # "YR==" is "YQ==" with stray bits
]


def _flip(hex_hash: str) -> str:
    return hex_hash[:-1] + ("0" if hex_hash[-1] != "0" else "1")


def tampered_receipts(engine: Any, receipt: dict[str, Any], older_note: str) -> dict[str, Any]:
    """The honest receipt and one of each tampering, by name (EXPECTED). `older_note` is a
    genuine signed checkpoint of another size than the receipt's."""
    out = {"honest": receipt}
    r = out["amount"] = copy.deepcopy(receipt)
    r["entry"]["amount"] = 3_000_000  # the member's copy says 3.000.000 đ, 300.000 đ signed
    r = out["proof_hash"] = copy.deepcopy(receipt)
    r["proof"]["path"][0] = _flip(r["proof"]["path"][0])
    # another key's checkpoint over the same tree, under the log's own name
    text, _ = split_note(receipt["checkpoint"])
    body = Checkpoint.parse(text)
    stranger = Signer(body.origin, hashlib.sha256(b"not the log key").digest())
    r = out["swapped_checkpoint"] = copy.deepcopy(receipt)
    r["checkpoint"] = Checkpoint(body.origin, body.size, body.root_hash).sign([stranger])
    r = out["older_checkpoint"] = copy.deepcopy(receipt)
    r["checkpoint"] = older_note  # genuine and signed, but not the tree the proof is for
    # a cosignature line of the witness with one byte of its signature changed
    lines = [s for s in split_note(receipt["checkpoint"])[1] if len(s.signature) == 72]
    assert lines, "the receipt's checkpoint must be cosigned"
    sig = lines[0]
    forged = Signature(sig.name, sig.key_id, sig.signature[:-1] + bytes([sig.signature[-1] ^ 1]))
    r = out["forged_cosignature"] = copy.deepcopy(receipt)
    r["checkpoint"] = receipt["checkpoint"].replace(sig.line(), forged.line())
    # the log key signs a fork: another leaf changed, the member's leaf and proof still fit
    size, index = receipt["proof"]["tree_size"], receipt["leaf_index"]
    leaves = leaf_hashes(engine, size)
    other = 0 if index != 0 else 1
    leaves[other] = leaf_hash(b"a rewritten entry")
    fork = Checkpoint(body.origin, size, root_from_leaf_hashes(leaves)).sign(
        [identity(engine).signer]
    )
    r = out["rewritten"] = copy.deepcopy(receipt)
    r["checkpoint"] = fork
    r["proof"]["path"] = [p.hex() for p in inclusion_proof(leaves, index, size)]
    r = out["state_not_json"] = copy.deepcopy(receipt)
    r["event"]["state"] = base64.b64encode(b"not the ledger's JSON").decode()
    event = r["event"]
    r["leaf_hash"] = leaf_hash(
        leaf_bytes(
            topic=event["topic"],
            originator_id=event["originator_id"],
            version=event["version"],
            state=b"not the ledger's JSON",
        )
    ).hex()
    assert set(out) == {name for name, _, _ in EXPECTED}
    return out


def malformed_texts(receipt: dict[str, Any]) -> dict[str, str]:
    """The receipt's text written in each way of MALFORMED, by name."""
    text = json.dumps(receipt, ensure_ascii=False)
    index = f'"leaf_index": {receipt["leaf_index"]}'
    amount = f'"amount": {receipt["entry"]["amount"]}'
    member = f'"member": "{receipt["member"]}"'
    state = receipt["event"]["state"]

    def once(old: str, new: str) -> str:
        assert text.count(old) == 1, old
        return text.replace(old, new)

    out = {
        "float_index": once(index, index + ".0"),
        "exponent_amount": once(amount, f'"amount": {receipt["entry"]["amount"] / 1e5:g}e5'),
        "duplicate_amount": once(amount, amount + ', "amount": 3000000'),
        "duplicate_member": once(member, member + ', "member": "DV002"'),
        "huge_index": once(index, f'"leaf_index": {2**53 + 1}'),
        "nan_index": once(index, '"leaf_index": NaN'),
        "lone_surrogate": once(member, '"member": "DV001\\ud800"'),
        "state_whitespace": once(state, state[:8] + "\\n" + state[8:]),
        "state_unpadded": once(state, "YQ"),
        "state_trailing_bits": once(state, "YR=="),
    }
    assert set(out) == {name for name, _ in MALFORMED}
    return out


def server_verdict(engine: Any, receipt: Any, witness_vkeys: list[str]) -> dict[str, Any]:
    """audit.receipt's verdict on a receipt (parsed JSON) or a receipt's text."""
    latest = latest_checkpoint(engine)
    assert latest is not None
    check = check_receipt_text if isinstance(receipt, str) else check_receipt
    return check(
        receipt,
        log_vkey=identity(engine).vkey,
        witness_vkeys=witness_vkeys,
        latest_note=with_cosignatures(engine, latest[0], latest[2]),
        consistency=lambda a, b: prove_consistency(engine, a, b),
    ).as_dict()


@pytest.fixture
def saved(web: Web, tmp_path: Path) -> dict[str, Any]:
    """DV001's receipt of their 300.000 đ gift, saved from the page at a cosigned checkpoint;
    then the ledger grows and signs a newer checkpoint."""
    engine = web.world.ctx.engine
    older = make_checkpoint(engine)[2]
    web.world.payout("DV002", "gift", 100_000, on="2024-09-20", occasion="20/9")
    make_checkpoint(engine)
    witness = make_witness(tmp_path / "bao")
    cosign_latest(engine, witness)
    member = web.login("DV001")
    answer = member.get("/web/me/receipt", params={"entry": web.events["gift1"]})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="bien-nhan-{web.events["gift1"]}.json"'
    )
    receipt = answer.json()
    web.world.payout("DV002", "gift", 150_000, on="2024-09-21", occasion="21/9")
    make_checkpoint(engine)
    return {"receipt": receipt, "older": older, "witness": witness, "member": member}


def test_a_saved_receipt_holds_what_the_member_was_shown(web: Web, saved: dict[str, Any]) -> None:
    receipt = saved["receipt"]
    assert receipt["receipt"] == "phucloi/receipt/v1" and receipt["member"] == "DV001"
    assert receipt["entry"]["event_id"] == web.events["gift1"]
    assert (receipt["entry"]["amount"], receipt["entry"]["key"]) == (300_000, "gift")
    signed = json.loads(
        json.loads(base64.b64decode(receipt["event"]["state"]))["envelope"]["command"]
    )
    assert (signed["body"]["member"], signed["body"]["amount"]) == ("DV001", 300_000)
    assert "— ubkt.bao " in receipt["checkpoint"]
    # another member's entry, or an unknown one, has no receipt here
    other = saved["member"].get("/web/me/receipt", params={"entry": web.events["gift2"]})
    assert other.status_code == 404 and "không có trong lịch sử của bạn" in other.text


def test_the_server_check_names_each_tampering(web: Web, saved: dict[str, Any]) -> None:
    engine = web.world.ctx.engine
    receipts = tampered_receipts(engine, saved["receipt"], saved["older"])
    witnesses = [saved["witness"].vkey]
    said = {n: server_verdict(engine, r, witnesses) for n, r in receipts.items()}
    assert {n: (v["reason"], v["detail"]) for n, v in said.items()} == {
        n: (reason, detail) for n, reason, detail in EXPECTED
    }
    honest = said["honest"]
    assert honest["ok"] is True and honest["content"] == "ok"
    assert honest["size"] > honest["from"]  # checked through the newer checkpoint
    assert honest["witnesses"] == [
        {"name": "ubkt.bao", "key_id": saved["witness"].key_id.hex(), "status": "verified"}
    ]
    assert said["rewritten"]["message_vi"].startswith(
        "sổ đã bị viết lại kể từ khi bạn lưu biên nhận"
    )
    # a forged cosignature of a witness nobody trusts is not counted, and not a failure
    unknown = server_verdict(engine, receipts["forged_cosignature"], [])
    assert unknown["ok"] is True and unknown["witnesses"][0]["status"] == "unknown"
    # the honest receipt's text is read as its JSON
    text = json.dumps(saved["receipt"], ensure_ascii=False)
    assert server_verdict(engine, text, witnesses)["ok"] is True


def test_the_server_refuses_a_receipt_written_in_a_way_the_browser_reads_otherwise(
    web: Web, saved: dict[str, Any]
) -> None:
    """`1.0` for an integer (JSON.parse took it, Python did not), a key written twice (both
    kept the last), an integer past 2^53, NaN, a lone surrogate, base64 atob took but Python
    did not: refused as malformed, naming the field, as merkle.js refuses it."""
    engine = web.world.ctx.engine
    texts = malformed_texts(saved["receipt"])
    said = {n: server_verdict(engine, t, [saved["witness"].vkey]) for n, t in texts.items()}
    assert {n: (v["reason"], v["field"]) for n, v in said.items()} == {
        n: ("malformed", field) for n, field in MALFORMED
    }
    assert said["duplicate_amount"]["detail"] == "is written twice in one object"
    assert said["float_index"]["detail"].startswith("must be a whole number written without")


def test_phucloi_audit_receipt_gives_the_same_verdicts(
    web: Web, saved: dict[str, Any], tmp_path: Path, database_url: str
) -> None:
    engine = web.world.ctx.engine
    receipts = tampered_receipts(engine, saved["receipt"], saved["older"])
    home = tmp_path / "home"
    env = {"PHUCLOI_WITNESS_KEYS": saved["witness"].vkey}
    for name, reason, detail in EXPECTED:
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(receipts[name]), encoding="utf-8")
        res = cli(home, database_url, f"audit receipt {path} --json", **env)
        assert res.exit_code == (0 if reason == "ok" else 1), (name, res.output)
        said = json.loads(res.stdout)
        assert (said["reason"], said["detail"]) == (reason, detail), name
    # a changed entry is said as /web/receipt says it (test_browser checks the page's words
    # against these): what was signed and what the receipt says
    text = cli(home, database_url, f"audit receipt {tmp_path / 'amount.json'}", **env)
    assert text.stdout == (
        "Biên nhận KHÔNG hợp lệ: nội dung bút toán trong biên nhận đã bị thay đổi: số tiền đã "
        "ký là 300.000 đ, biên nhận ghi 3.000.000 đ / The receipt does NOT hold: the entry in "
        "the receipt was changed: the signed amount is 300.000 đ; the receipt says "
        "3.000.000 đ\n"
    )
    dated = copy.deepcopy(receipts["honest"])
    dated["entry"]["effective_date"] = "2024-09-03"
    (tmp_path / "dated.json").write_text(json.dumps(dated), encoding="utf-8")
    res = cli(home, database_url, f"audit receipt {tmp_path / 'dated.json'}", **env)
    assert res.exit_code == 1
    assert res.stdout.startswith(
        "Biên nhận KHÔNG hợp lệ: nội dung bút toán trong biên nhận đã bị thay đổi: ngày đã ký "
        "là 02/09/2024, biên nhận ghi 03/09/2024 / The receipt does NOT hold: the entry in the "
        "receipt was changed: the signed date is 02/09/2024; the receipt says 03/09/2024"
    )
    forged = cli(home, database_url, f"audit receipt {tmp_path / 'forged_cosignature.json'}", **env)
    assert forged.stdout.startswith(
        "Biên nhận KHÔNG hợp lệ: chữ ký đồng ký của nhân chứng ubkt.bao sai (giả mạo) / The "
        "receipt does NOT hold: the cosignature of witness ubkt.bao is wrong (forged)"
    )
    # not a receipt: exit 2 naming the field, nothing checked
    bad = copy.deepcopy(saved["receipt"])
    bad["proof"]["path"][1] = "xyz"
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    res = cli(home, database_url, f"audit receipt {tmp_path / 'bad.json'}")
    assert res.exit_code == 2
    assert "không phải biên nhận / not a receipt — proof.path[1]: phải là mã băm SHA-256" in (
        res.stderr
    )
    texts = malformed_texts(saved["receipt"])
    (tmp_path / "twice.json").write_text(texts["duplicate_amount"], encoding="utf-8")
    res = cli(home, database_url, f"audit receipt {tmp_path / 'twice.json'}")
    assert res.exit_code == 2
    assert "not a receipt — entry.amount: có hai lần trong cùng một đối tượng" in res.stderr
    (tmp_path / "float.json").write_text(texts["float_index"], encoding="utf-8")
    res = cli(home, database_url, f"audit receipt {tmp_path / 'float.json'}")
    assert res.exit_code == 2 and "not a receipt — leaf_index: phải là số nguyên" in res.stderr
    (tmp_path / "notjson.json").write_text("{", encoding="utf-8")
    res = cli(home, database_url, f"audit receipt {tmp_path / 'notjson.json'}")
    assert res.exit_code == 2 and "không phải JSON / not JSON" in res.stderr


def test_the_receipt_page_and_its_proofs_need_no_login(web: Web, saved: dict[str, Any]) -> None:
    anyone = web.client()
    page = anyone.get("/web/receipt")
    assert page.status_code == 200
    assert identity(web.world.ctx.engine).vkey in page.text
    assert "Kiểm tra biên nhận" in page.text
    note = anyone.get("/web/receipt/checkpoint")
    latest = latest_checkpoint(web.world.ctx.engine)
    assert latest is not None and note.text.startswith(latest[2].split("\n\n")[0])
    size = saved["receipt"]["proof"]["tree_size"]
    proof = anyone.get("/web/receipt/consistency", params={"old": size, "new": latest[0]})
    assert proof.json() == {
        "old": size,
        "new": latest[0],
        "proof": [p.hex() for p in prove_consistency(web.world.ctx.engine, size, latest[0])],
    }
    # only to a signed checkpoint's size: not the unsigned head
    web.world.payout("DV002", "gift", 10_000, on="2024-09-22", occasion="22/9")
    head = anyone.get("/web/receipt/consistency", params={"old": size, "new": latest[0] + 1})
    assert head.status_code == 404 and "Không có điểm kiểm tra" in head.text


def test_the_public_proof_endpoints_are_limited_per_client_address(
    web: Web, saved: dict[str, Any]
) -> None:
    """Anyone, without a login, could ask the checkpoint and consistency proofs as often as
    they liked; each address now has a budget (PHUCLOI_PUBLIC_*), refused with 429 and
    Retry-After."""
    web.app.state.services.public_requests = ClientLimit(3, 60, PUBLIC_REFUSAL)
    one = TestClient(web.app, follow_redirects=False, client=("203.0.113.7", 1))
    two = TestClient(web.app, follow_redirects=False, client=("198.51.100.9", 1))
    latest = latest_checkpoint(web.world.ctx.engine)
    assert latest is not None
    proof = {"old": saved["receipt"]["proof"]["tree_size"], "new": latest[0]}
    assert one.get("/web/receipt/checkpoint").status_code == 200
    assert one.get("/web/receipt/consistency", params=proof).status_code == 200
    assert one.get("/web/receipt/consistency", params=proof).status_code == 200
    refused = one.get("/web/receipt/checkpoint", headers={"Accept": "application/json"})
    assert refused.status_code == 429 and 0 < int(refused.headers["retry-after"]) <= 60
    said = refused.json()
    assert said["code"] == "too_many_requests"
    assert said["message_vi"] == "Quá nhiều yêu cầu từ địa chỉ này; thử lại sau 1 phút"
    assert said["message_en"] == "Too many requests from this address; try again in 1 minute"
    again = one.get("/web/receipt/consistency", params=proof)
    assert again.status_code == 429 and "Quá nhiều yêu cầu từ địa chỉ này" in again.text
    # the page itself is not limited, nor is another address
    assert one.get("/web/receipt").status_code == 200
    assert two.get("/web/receipt/checkpoint").status_code == 200


# --- An outsider's verifier, written from the published formats only -------------------------
# c2sp.org/signed-note, c2sp.org/tlog-checkpoint, c2sp.org/tlog-cosignature (Ed25519,
# cosignature/v1), RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), and the leaf's
# framing as README states it. Nothing of phucloi's own verification is used (audit.note,
# audit.merkle, audit.receipt, ledger.leaf): if the ledger drifts from the published formats,
# this disagrees with it.


class Refused(Exception):
    pass


def _b64(text: str) -> bytes:
    raw = base64.b64decode(text, validate=True)
    if base64.b64encode(raw).decode() != text:
        raise Refused(f"non-canonical base64: {text!r}")
    return raw


def _vkey(vkey: str, sig_type: int) -> tuple[str, bytes, Ed25519PublicKey]:
    """name+hex(key ID)+base64(type ‖ key): the key ID must be SHA-256(name ‖ LF ‖ type ‖
    key)[:4], recomputed here."""
    name, kid_hex, material = vkey.split("+", 2)
    raw = _b64(material)
    assert raw[0] == sig_type and len(raw) == 33, vkey
    kid = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    assert kid.hex() == kid_hex, f"{vkey}: key ID is not SHA-256(name ‖ LF ‖ type ‖ key)[:4]"
    return name, kid, Ed25519PublicKey.from_public_bytes(raw[1:])


def _open(note: str, log_vkey: str, witness_vkeys: list[str]) -> tuple[str, int, bytes, list[str]]:
    """(origin, size, root, witnesses whose cosignature verified) of a checkpoint note that
    the log key signed; Refused otherwise."""
    text, sep, sigs = note.rpartition("\n\n")
    if not sep or not text:
        raise Refused("no blank line before the signatures")
    text += "\n"
    log_name, log_kid, log_key = _vkey(log_vkey, 0x01)
    witnesses = [_vkey(v, 0x04) for v in witness_vkeys]
    signed_by_log, cosigned = False, []
    for line in sigs.split("\n")[:-1] if sigs.endswith("\n") else [None]:
        if line is None or not line.startswith("\u2014 "):
            raise Refused(f"not a signature line: {line!r}")
        name, _, value = line[2:].partition(" ")
        blob = _b64(value)
        kid, sig = blob[:4], blob[4:]
        try:
            if (name, kid) == (log_name, log_kid):
                log_key.verify(sig, text.encode())
                signed_by_log = True
            for w_name, w_kid, w_key in witnesses:
                if (name, kid) == (w_name, w_kid):
                    assert len(sig) == 8 + 64, line
                    when = int.from_bytes(sig[:8], "big")
                    assert when < 2**63
                    message = f"cosignature/v1\ntime {when}\n{text}".encode()
                    w_key.verify(sig[8:], message)
                    cosigned.append(name)
        except InvalidSignature:
            raise Refused(f"signature of {name} does not verify") from None
    if not signed_by_log:
        raise Refused("the log key did not sign this note")
    origin, size, root, *_extensions = text.split("\n")
    if origin != log_name:
        raise Refused("the origin line is not the log key's name")
    if not re.fullmatch(r"0|[1-9][0-9]*", size):
        raise Refused(f"size {size!r}")
    raw_root = _b64(root)
    assert len(raw_root) == 32
    return origin, int(size), raw_root, cosigned


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _inclusion_root(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2, step by step."""
    if index >= size:
        raise Refused("leaf index beyond the tree")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise Refused("proof too long")
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _node(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise Refused("proof too short")
    return r


def _consistent(
    first: int, first_root: bytes, second: int, second_root: bytes, path: list[bytes]
) -> None:
    """RFC 9162 §2.1.4.2, step by step."""
    if first == second:
        if path or first_root != second_root:
            raise Refused("same size, another root")
        return
    if not path or first > second:
        raise Refused("no consistency proof")
    if first & (first - 1) == 0:  # an exact power of 2
        path = [first_root, *path]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise Refused("proof too long")
        if fn & 1 or fn == sn:
            fr, sr = _node(c, fr), _node(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = _node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if (fr, sr, sn) != (first_root, second_root, 0):
        raise Refused("the newer tree does not extend the older one")


def _leaf(event: dict[str, Any]) -> bytes:
    """README: SHA-256(0x00 ‖ "phucloi/leaf/v1\\0" ‖ frame(topic) ‖ frame(aggregate id) ‖
    u64be(version) ‖ frame(state)), frame(x) = u32be(len x) ‖ x."""

    def frame(x: bytes) -> bytes:
        return struct.pack(">I", len(x)) + x

    data = (
        b"phucloi/leaf/v1\x00"
        + frame(event["topic"].encode())
        + frame(event["originator_id"].encode())
        + struct.pack(">Q", event["version"])
        + frame(_b64(event["state"]))
    )
    return hashlib.sha256(b"\x00" + data).digest()


def outsider_check(
    receipt: dict[str, Any], *, log_vkey: str, witness_vkeys: list[str], anyone: Any
) -> dict[str, Any]:
    """What an outsider holding the receipt, the published keys and the public pages'
    newest checkpoint and consistency proof concludes; Refused when it does not hold."""
    leaf = _leaf(receipt["event"])
    if leaf.hex() != receipt["leaf_hash"]:
        raise Refused("the event does not hash to the receipt's leaf")
    try:
        state = json.loads(_b64(receipt["event"]["state"]))
        signed = json.loads(state["envelope"]["command"])
    except (ValueError, KeyError, TypeError):
        raise Refused("the event is not a signed command") from None
    entry = receipt["entry"]
    if (signed["body"].get("member"), signed["body"].get("amount")) != (
        receipt["member"],
        entry["amount"],
    ) or (signed["command_id"], signed["type"]) != (entry["event_id"], entry["command_type"]):
        raise Refused("what was signed is not what the receipt says")
    _, size, root, cosigned = _open(receipt["checkpoint"], log_vkey, witness_vkeys)
    proof = receipt["proof"]
    if proof["tree_size"] != size:
        raise Refused("the proof is for another tree than the checkpoint's")
    path = [bytes.fromhex(p) for p in proof["path"]]
    if _inclusion_root(leaf, receipt["leaf_index"], size, path) != root:
        raise Refused("the proof does not lead to the signed root")
    newest = anyone.get("/web/receipt/checkpoint")
    assert newest.status_code == 200
    _, latest_size, latest_root, latest_cosigned = _open(newest.text, log_vkey, witness_vkeys)
    if latest_size < size:
        raise Refused("the log is smaller now")
    answer = anyone.get("/web/receipt/consistency", params={"old": size, "new": latest_size})
    assert answer.status_code == 200, answer.text
    steps = [bytes.fromhex(p) for p in answer.json()["proof"]]
    _consistent(size, root, latest_size, latest_root, steps)
    return {
        "size": size,
        "latest": latest_size,
        "cosigned": cosigned,
        "latest_cosigned": latest_cosigned,
    }


def test_an_outsider_verifies_a_saved_receipt_from_the_published_formats_alone(
    web: Web, saved: dict[str, Any]
) -> None:
    """The member's saved receipt, the log's published key and the witness's: the entry
    hashes to its leaf, the log key signed the checkpoint, the witness cosigned it, the proof
    leads to its root, and the newest checkpoint extends that tree; each tampering fails."""
    engine = web.world.ctx.engine
    keys = {"log_vkey": identity(engine).vkey, "witness_vkeys": [saved["witness"].vkey]}
    anyone = web.client()
    said = outsider_check(saved["receipt"], **keys, anyone=anyone)
    assert said["cosigned"] == ["ubkt.bao"] and said["latest_cosigned"] == []
    assert said["latest"] > said["size"]  # older than the newest checkpoint: consistency used
    # every tampering the ledger's own checks name is refused here too
    receipts = tampered_receipts(engine, saved["receipt"], saved["older"])
    for name, reason, _detail in EXPECTED:
        if reason == "ok":
            continue
        with pytest.raises(Refused):
            outsider_check(receipts[name], **keys, anyone=anyone)
