"""Spending above the approval threshold entered in the web waits for the chair's signature.

The web spending form signed with the officer's key only, and the ledger refuses an expense
above the threshold (5.000.000 đ in the test world) without the chair's cosignature: a
finance office working in the browser could not record it at all. Now the officer's signed
item waits (nothing in the ledger) until a chair cosigns the same bytes from the chair's
page, or refuses it; the officer sees where it stands and may withdraw it.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from api.tables import web_cosign_requests
from ledger.client import cosign
from tests.support import at, officer_key
from tests.web.conftest import Web, csrf_of

ON = "2025-01-15"
JSON = {"Accept": "application/json"}


def _expense(web: Web, amount: int, **body: Any) -> dict[str, Any]:
    with at(ON):
        return web.world.item(
            "expense.record",
            by=web.world.kt,
            unit="G1",
            effective_date=ON,
            body={"category": "welfare", "amount": amount, "description": "Quà Tết"} | body,
        )


def _post(client: Any, path: str, payload: dict[str, Any], page: str) -> Any:
    token = csrf_of(client.get(page).text)
    with at(ON):
        return client.post(path, json=payload, headers={"X-CSRF-Token": token, **JSON})


def _held_rows(web: Web) -> int:
    with web.world.ctx.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(web_cosign_requests)).scalar())


def _cosignature(item: dict[str, Any], by: Any) -> dict[str, str]:
    return dict(cosign(item, by=by)["cosignatures"][0])


def test_an_expense_above_the_threshold_waits_for_the_chair_who_cosigns_it(web: Web) -> None:
    w = web.world
    officer = web.login("kt.g1")
    item = _expense(web, 12_000_000)
    command_id = item["command"]["command_id"]

    held = _post(officer, "/web/finance/submit", item, "/web/finance/other")
    assert held.status_code == 202, held.text
    answer = held.json()
    assert answer["held"] is True and answer["command_id"] == command_id
    assert answer["message_vi"] == (
        "Đã ký, đang chờ Chủ tịch ký duyệt: khoản chi 12.000.000 đ (vượt ngưỡng 5.000.000 đ) "
        "chưa được ghi vào sổ cho đến khi Chủ tịch ký."
    )
    assert w.ledger.entry(command_id) is None  # not in the ledger
    again = _post(officer, "/web/finance/submit", item, "/web/finance/other")  # double click
    assert again.status_code == 202 and _held_rows(web) == 1
    assert "Chờ Chủ tịch ký, chưa ghi vào sổ" in officer.get("/web/finance").text

    chair = web.login("ct.g1")
    page = chair.get("/web/chair").text
    assert f'id="s-{command_id}"' in page
    assert "Chi hoạt động — Chăm lo, phúc lợi đoàn viên: 12.000.000 đ — G1" in page
    assert "Không có gì chờ Chủ tịch ký duyệt" not in page

    done = _post(
        chair,
        "/web/chair/cosign",
        {"command_id": command_id, "cosignature": _cosignature(item, w.chair)},
        "/web/chair",
    )
    assert done.status_code == 201, done.text
    assert done.json()["event_id"] == command_id
    entry = w.ledger.entry(command_id)
    assert entry is not None
    assert w.ledger.get_unit("G1").money[command_id]["amount"] == 12_000_000
    assert f'id="s-{command_id}"' not in chair.get("/web/chair").text
    mine = officer.get("/web/finance").text
    assert "Đã ghi vào sổ · Chủ tịch ct.g1" in mine
    assert f'data-held="{command_id}" data-status="recorded"' in mine


def test_any_other_refusal_of_a_large_expense_is_answered_and_nothing_waits(web: Web) -> None:
    officer = web.login("kt.g1")
    item = _expense(web, 12_000_000, category="no_such_category")
    r = _post(officer, "/web/finance/submit", item, "/web/finance/other")
    assert r.status_code == 422
    assert [p["field"] for p in r.json()["problems"]] == ["body.category"]
    assert _held_rows(web) == 0
    below = _post(officer, "/web/finance/submit", _expense(web, 5_000_000), "/web/finance/other")
    assert below.status_code == 201 and _held_rows(web) == 0  # at the threshold: recorded


def test_a_chair_refuses_held_spending_with_a_note_the_officer_reads(web: Web) -> None:
    w = web.world
    officer = web.login("kt.g1")
    item = _expense(web, 9_000_000)
    command_id = item["command"]["command_id"]
    assert _post(officer, "/web/finance/submit", item, "/web/finance/other").status_code == 202
    chair = web.login("ct.g1")
    r = _post(
        chair,
        "/web/chair/refuse",
        {"command_id": command_id, "note": "Chưa có báo giá"},
        "/web/chair",
    )
    assert r.status_code == 200 and r.json()["status"] == "refused"
    assert f'id="s-{command_id}"' not in chair.get("/web/chair").text
    mine = officer.get("/web/finance").text
    assert "Chủ tịch từ chối, không ghi vào sổ" in mine and "Chưa có báo giá" in mine
    late = _post(
        chair,
        "/web/chair/cosign",
        {"command_id": command_id, "cosignature": _cosignature(item, w.chair)},
        "/web/chair",
    )
    assert late.status_code == 409
    assert late.json()["message_vi"].startswith("Khoản chi này không còn chờ Chủ tịch ký")
    assert w.ledger.entry(command_id) is None


def test_only_its_officer_withdraws_it_and_only_a_chair_of_the_unit_reaches_it(
    web: Web,
) -> None:
    w = web.world
    officer = web.login("kt.g1")
    item = _expense(web, 9_000_000)
    command_id = item["command"]["command_id"]
    assert _post(officer, "/web/finance/submit", item, "/web/finance/other").status_code == 202

    other = web.login("kt.g2")  # a finance officer of G2
    r = _post(other, "/web/finance/withdraw", {"command_id": command_id}, "/web/finance")
    assert r.status_code == 403 and r.json()["code"] == "not_the_maker"

    chair = web.login("ct.g1")
    stranger = officer_key("ct.g2")  # a key that is not ct.g1's: named as another officer
    r = _post(
        chair,
        "/web/chair/cosign",
        {"command_id": command_id, "cosignature": _cosignature(item, stranger)},
        "/web/chair",
    )
    assert r.status_code == 403 and r.json()["code"] == "signer_not_caller"
    forged = _cosignature(_expense(web, 9_000_000), w.chair)  # ct.g1 over other bytes
    r = _post(
        chair,
        "/web/chair/cosign",
        {"command_id": command_id, "cosignature": forged},
        "/web/chair",
    )
    assert r.status_code >= 400 and r.json()["problems"][0]["field"] == "cosignatures[0]"
    assert w.ledger.entry(command_id) is None
    assert f'id="s-{command_id}"' in chair.get("/web/chair").text  # still waiting

    r = _post(officer, "/web/finance/withdraw", {"command_id": command_id}, "/web/finance")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert "Đã rút lại, không ghi vào sổ" in officer.get("/web/finance").text
    assert f'id="s-{command_id}"' not in chair.get("/web/chair").text
    assert w.ledger.entry(command_id) is None


@pytest.mark.parametrize("closing", ["withdraw", "refuse"])
def test_held_spending_closed_while_the_chair_cosigns_it_is_either_recorded_or_closed(
    web: Web, closing: str
) -> None:
    """The chair's cosignature and the officer's withdrawal (or another chair's refusal) of
    one held expense, at the same moment: the cosigning request found the item waiting and
    sent it to the ledger; meanwhile the withdrawal also found it waiting and was answered
    "Withdrawn: the spending is not recorded". The expense was then recorded all the same,
    money spent that its officer had withdrawn. Exactly one of the two must win, and the
    loser is told the item no longer waits."""
    w = web.world
    officer = web.login("kt.g1")
    item = _expense(web, 9_000_000)
    command_id = item["command"]["command_id"]
    assert _post(officer, "/web/finance/submit", item, "/web/finance/other").status_code == 202
    chair, closer = web.login("ct.g1"), web.login("ct.g1" if closing == "refuse" else "kt.g1")
    cosign_page = csrf_of(chair.get("/web/chair").text)
    close_page = "/web/chair" if closing == "refuse" else "/web/finance"
    close_token = csrf_of(closer.get(close_page).text)

    inside, closed = threading.Event(), threading.Event()
    submit = w.ledger.submit

    def submit_after_the_close(raw: Any) -> Any:  # the chair's request, about to record
        inside.set()
        closed.wait(timeout=60)
        return submit(raw)

    w.ledger.submit = submit_after_the_close
    answers: dict[str, Any] = {}

    def chair_cosigns() -> None:
        with at(ON):
            answers["cosign"] = chair.post(
                "/web/chair/cosign",
                json={"command_id": command_id, "cosignature": _cosignature(item, w.chair)},
                headers={"X-CSRF-Token": cosign_page, **JSON},
            )

    signing = threading.Thread(target=chair_cosigns)
    signing.start()
    try:
        assert inside.wait(timeout=60)
        with at(ON):
            answers["close"] = closer.post(
                f"/web/{'chair/refuse' if closing == 'refuse' else 'finance/withdraw'}",
                json={"command_id": command_id},
                headers={"X-CSRF-Token": close_token, **JSON},
            )
        with at(ON):  # while the chair's request records it
            mine = officer.get("/web/finance").text
        assert f'data-held="{command_id}" data-status="signing"' in mine
        assert "Chủ tịch đang ký (ct.g1)" in mine
    finally:
        closed.set()
        signing.join(timeout=60)
        w.ledger.submit = submit
    assert answers["cosign"].status_code == 201, answers["cosign"].text
    assert answers["close"].status_code == 409, answers["close"].text
    assert (
        answers["close"].json()["message_vi"].startswith("Khoản chi này không còn chờ Chủ tịch ký")
    )
    assert w.ledger.get_unit("G1").money[command_id]["amount"] == 9_000_000
    assert f'data-held="{command_id}" data-status="recorded"' in officer.get("/web/finance").text


def test_one_expense_sent_for_the_chair_twice_at_once_waits_once_and_both_are_told_so(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A double click reaching two server workers: both requests found no held item with the
    command id and both inserted one; the second failed on the key with a server error (500)
    instead of the 202 a double click gets one after the other."""
    from api.web import cosign as held

    officer = web.login("kt.g1")
    item = _expense(web, 9_000_000)
    token = csrf_of(officer.get("/web/finance/other").text)
    both_looked = threading.Barrier(2, timeout=60)
    look = held._row

    looks: list[str] = []

    def look_then_wait(conn: Any, command_id: str) -> Any:  # both read before either inserts
        row = look(conn, command_id)
        looks.append(command_id)
        if len(looks) <= 2:
            both_looked.wait()
        return row

    monkeypatch.setattr(held, "_row", look_then_wait)
    answers: list[Any] = [None, None]

    def send(i: int) -> None:
        try:
            with at(ON):
                answers[i] = officer.post(
                    "/web/finance/submit", json=item, headers={"X-CSRF-Token": token, **JSON}
                )
        except Exception as exc:  # the test client re-raises the server's error
            answers[i] = exc

    threads = [threading.Thread(target=send, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    monkeypatch.undo()
    assert [getattr(a, "status_code", repr(a)) for a in answers] == [202, 202]
    assert [a.json()["command_id"] for a in answers] == [item["command"]["command_id"]] * 2
    assert _held_rows(web) == 1
