"""A member's saved receipt: saved from `/web/me/receipt`, checked by `phucloi audit receipt`
(audit.receipt) and by the public `/web/receipt` page's endpoints. The tampered receipts of
`tampered_receipts` are also checked in Chromium (tests/web/test_browser.py), which must give
the same reasons."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
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
