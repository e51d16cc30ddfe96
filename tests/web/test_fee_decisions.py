"""An employer's union fee decision (exemption, suspension, reduction) from the web's fee page.

A decision (`union_fee.relief`) was recorded only by `phucloi record fee-relief` or the API:
the fees page had no form for it. It always needs the chair's signature inline, so the
officer's signed decision waits for the chair (api.web.cosign) and enters the ledger only
when a chair cosigns it on /web/chair; any other refusal is answered at once and nothing
waits. In the lists of entries a decision and its reversal (which move no money) say what
the decision is, and the reversal the decision it undoes.
"""

from __future__ import annotations

import contextlib
import html as html_text
import json
import re
import threading
from typing import Any

from sqlalchemy import func, select

from api.tables import web_cosign_requests
from ledger.client import cosign
from ledger.tables import ledger_entries
from tests.support import at
from tests.web.conftest import PASSWORD, Web, csrf_of

ON = "2025-01-15"
JSON = {"Accept": "application/json"}
EMPLOYER = "Cty May Sông Bé"
SUSPENDED = {
    "employer": EMPLOYER,
    "kind": "suspended",
    "from_month": "2024-11",
    "to_month": "2025-04",
    "decision_number": "45/QĐ-LĐLĐ",
    "issuer": "LĐLĐ tỉnh Bình Dương",
}


# the form's box ticked: the employer is new at the unit (no fee recorded for it here yet)
NEW = "/web/finance/submit?new_employer=true"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _decision(web: Web, body: dict[str, Any], *, cosigner: Any = None, unit: str = "G1") -> Any:
    with at(ON):
        return web.world.item(
            "union_fee.relief",
            by=web.world.kt,
            unit=unit,
            effective_date="2025-01-10",
            body=body,
            cosigner=cosigner,
        )


def _post(client: Any, path: str, payload: dict[str, Any], page: str) -> Any:
    token = csrf_of(client.get(page).text)
    with at(ON):
        return client.post(path, json=payload, headers={"X-CSRF-Token": token, **JSON})


def _held_rows(web: Web) -> int:
    with web.world.ctx.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(web_cosign_requests)).scalar())


def _entries(web: Web) -> int:
    with web.world.ctx.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ledger_entries)).scalar())


def _standing(web: Web) -> dict[str, Any]:
    unit = web.world.ledger.get_unit("G1")
    return dict(getattr(unit, "fee_reliefs", {}))


def _fee(web: Web, employer: str, month: str = "2024-10") -> str:
    w = web.world
    with at("2024-11-05"):
        return str(
            w.submit(
                "collection.union_fee",
                by=w.kt,
                unit="G1",
                effective_date="2024-11-05",
                body={"month": month, "payroll": 30_000_000, "amount": 600_000}
                | {"employer": employer},
            ).event_id
        )


def test_the_fees_page_offers_the_decision_form_with_the_units_employers(web: Web) -> None:
    _fee(web, EMPLOYER)
    _fee(web, "  cty may   SÔNG BÉ ", month="2024-09")  # the same employer as compared
    page = web.login("kt.g1").get("/web/finance/fees")
    assert page.status_code == 200
    html = page.text
    form = re.search(r'<form[^>]*id="relief-form".*?</form>', html, re.S)
    assert form is not None
    said = _text(form.group(0))
    assert 'data-sign="union_fee.relief"' in form.group(0)
    for label in (
        "Ngày quyết định (dd/mm/yyyy)",
        "Doanh nghiệp được miễn, giảm, tạm dừng",
        "Loại quyết định",
        "Từ tháng (mm/yyyy)",
        "Đến tháng (mm/yyyy)",
        "Tỷ lệ sau khi giảm (% quỹ lương)",
        "Số quyết định",
        "Cơ quan ban hành",
    ):
        assert label in said, label
    for name in ("employer", "kind", "from_month", "to_month", "rate_bp"):
        assert f'name="body.{name}"' in form.group(0)
    assert "chờ Chủ tịch ký duyệt" in said
    # the unit's employers, once each, as first written
    assert '<option value="Cty May Sông Bé">' in form.group(0)
    assert "SÔNG BÉ" not in form.group(0)
    known = re.search(r"data-known='([^']*)'", form.group(0))
    assert known is not None and json.loads(html_text.unescape(known.group(1))) == {
        "G1": ["Cty May Sông Bé"]
    }
    assert '<option value="exempt">Miễn đóng</option>' in form.group(0)


def test_a_decision_waits_for_the_chair_and_is_recorded_once_cosigned(web: Web) -> None:
    w = web.world
    officer = web.login("kt.g1")
    before = _entries(web)
    item = _decision(web, SUSPENDED)
    command_id = item["command"]["command_id"]
    held = _post(officer, NEW, item, "/web/finance/fees")
    assert held.status_code == 202, held.text
    assert held.json()["message_vi"] == (
        "Đã ký, đang chờ Chủ tịch ký duyệt: quyết định 45/QĐ-LĐLĐ của LĐLĐ tỉnh Bình Dương "
        "(Cty May Sông Bé được tạm dừng đóng kinh phí công đoàn các tháng 11/2024–04/2025) "
        "chưa được ghi vào sổ cho đến khi Chủ tịch ký."
    )
    assert w.ledger.entry(command_id) is None and _standing(web) == {}
    assert _entries(web) == before
    mine = officer.get("/web/finance").text
    row = re.search(rf'<tr data-held="{command_id}".*?</tr>', mine, re.S)
    assert row is not None
    assert "Quyết định miễn, giảm, tạm dừng đóng kinh phí — quyết định 45/QĐ-LĐLĐ" in (
        _text(row.group(0))
    )
    assert "Chờ Chủ tịch ký, chưa ghi vào sổ" in _text(row.group(0))

    chair = web.login("ct.g1")
    page = chair.get("/web/chair").text
    section = re.search(rf'<section[^>]*id="s-{command_id}".*?</section>', page, re.S)
    assert section is not None
    shown = _text(section.group(0))
    assert (
        "Quyết định miễn, giảm, tạm dừng đóng kinh phí công đoàn — Cty May Sông Bé: "
        "Tạm dừng đóng (tối đa 12 tháng), 11/2024–04/2025 — G1"
    ) in shown
    assert (
        "Kế toán ghi quyết định 45/QĐ-LĐLĐ của LĐLĐ tỉnh Bình Dương (Cty May Sông Bé được "
        "tạm dừng đóng kinh phí công đoàn các tháng 11/2024–04/2025)."
    ) in shown
    assert "11/2024–04/2025 (6 tháng)" in shown
    assert "Ngày quyết định 10/01/2025" in shown
    assert "không còn phải thu kinh phí 2% của doanh nghiệp này" in shown
    assert "Không có gì chờ Chủ tịch ký duyệt" not in page

    done = _post(
        chair,
        "/web/chair/cosign",
        {
            "command_id": command_id,
            "cosignature": dict(cosign(item, by=w.chair)["cosignatures"][0]),
        },
        "/web/chair",
    )
    assert done.status_code == 201, done.text
    assert list(_standing(web)) == [command_id]
    assert _standing(web)[command_id]["to_month"] == "2025-04"
    assert f'id="s-{command_id}"' not in chair.get("/web/chair").text
    mine = officer.get("/web/finance").text
    assert f'data-held="{command_id}" data-status="recorded"' in mine


def test_a_reduction_is_shown_with_its_rate_and_in_english(web: Web) -> None:
    officer = web.login("kt.g1")
    reduced = SUSPENDED | {"kind": "reduced", "rate_bp": 150, "to_month": "2025-12"}
    item = _decision(web, reduced)
    held = _post(officer, NEW, item, "/web/finance/fees")
    assert held.status_code == 202, held.text
    assert held.json()["message_en"] == (
        "Signed, waiting for the chair's signature: decision 45/QĐ-LĐLĐ of LĐLĐ tỉnh Bình "
        "Dương (Cty May Sông Bé has its union fee reduced to 1.5% of the payroll for "
        "11/2024–12/2025) is not in the ledger until the chair signs it."
    )
    chair = web.login("ct.g1")
    shown = _text(chair.get("/web/chair").text)
    assert "được giảm kinh phí công đoàn còn 1,5% quỹ lương các tháng 11/2024–12/2025" in shown
    assert "Tỷ lệ sau khi giảm 1,5% quỹ lương" in shown
    chair.cookies.set("phucloi_lang", "en")
    english = _text(chair.get("/web/chair").text)
    assert "Union fee decision — Cty May Sông Bé: Reduced rate, 11/2024–12/2025 — G1" in english
    assert "Reduced rate 1.5% of the payroll" in english


def test_a_decision_the_ledger_refuses_is_answered_naming_the_field_and_nothing_waits(
    web: Web,
) -> None:
    officer = web.login("kt.g1")
    before = _entries(web)

    def refused(body: dict[str, Any], **kw: Any) -> list[tuple[str, str]]:
        r = _post(officer, NEW, _decision(web, body, **kw), "/web/finance/fees")
        assert r.status_code >= 400, r.text
        return [(p["field"], p["message_vi"]) for p in r.json()["problems"]]

    [(field, said)] = refused(SUSPENDED | {"from_month": "2025-05"})  # ends before it starts
    assert field == "body.to_month" and "tháng cuối 04/2025 trước tháng đầu 05/2025" in said
    [(field, said)] = refused(SUSPENDED | {"to_month": "2025-12"})  # 14 months
    assert field == "body.to_month" and "tạm dừng đóng tối đa 12 tháng, ở đây 14" in said
    [(field, _)] = refused(SUSPENDED | {"kind": "reduced"})  # no rate
    assert field == "body.rate_bp"
    [(field, _)] = refused(SUSPENDED | {"kind": "exempt", "rate_bp": 100})
    assert field == "body.rate_bp"
    [(field, said)] = refused(SUSPENDED, unit="G2")  # not kt.g1's union
    assert field == "command.signer" and "G2" in said
    assert _held_rows(web) == 0 and _entries(web) == before

    # a decision of the same employer for some of the same months: refused at once, not
    # held for a chair whose signature could not record it
    w = web.world
    with at(ON):
        w.ledger.submit(_decision(web, SUSPENDED, cosigner=w.chair))
    overlapping = SUSPENDED | {"kind": "exempt", "from_month": "2025-03", "to_month": "2025-06"}
    r = _post(officer, NEW, _decision(web, overlapping), "/web/finance/fees")
    assert r.status_code == 422, r.text
    [problem] = r.json()["problems"]
    assert (problem["field"], problem["code"]) == ("body.from_month", "fee_relief_overlaps")
    # the earlier decision as the officer knows it, not its event id (kept in `ref`)
    assert problem["message_vi"] == (
        "Cty May Sông Bé đã có quyết định 45/QĐ-LĐLĐ của LĐLĐ tỉnh Bình Dương cho các tháng "
        "11/2024–04/2025, trùng một phần các tháng 03/2025–06/2025; mỗi tháng chỉ có một "
        "quyết định (quyết định đã ghi sai thì đảo quyết định đó trước)"
    )
    [earlier] = _standing(web)
    assert problem["ref"] == earlier and earlier not in problem["message_en"]
    assert _held_rows(web) == 0 and _entries(web) == before + 1


def test_a_chair_refuses_a_decision_and_the_officer_reads_the_note(web: Web) -> None:
    officer = web.login("kt.g1")
    item = _decision(web, SUSPENDED)
    command_id = item["command"]["command_id"]
    assert _post(officer, NEW, item, "/web/finance/fees").status_code == 202
    chair = web.login("ct.g1")
    page = chair.get("/web/chair").text
    assert "Đã từ chối: quyết định không được ghi vào sổ." in page  # the form's own words
    r = _post(
        chair,
        "/web/chair/refuse",
        {"command_id": command_id, "note": "Thiếu bản gốc"},
        "/web/chair",
    )
    assert r.status_code == 200, r.text
    # what was held is named a decision, not spending ("khoản chi")
    assert r.json()["message_vi"] == "Đã từ chối: quyết định không được ghi vào sổ."
    assert r.json()["message_en"] == "Refused: the decision is not recorded."
    assert web.world.ledger.entry(command_id) is None and _standing(web) == {}
    mine = _text(officer.get("/web/finance").text)
    assert "Chủ tịch từ chối, không ghi vào sổ" in mine and "Thiếu bản gốc" in mine


def _rows(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-event="([^"]+)">(.*?)</tr>', html, re.S))


def _cells(row: str) -> list[str]:
    return [_text(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_a_reversed_decision_and_its_reversal_say_what_they_are_in_the_lists(web: Web) -> None:
    """The reversal of a decision moves no money: the officer's list showed it with no
    amount and no target, and the union's entries did not list it (nor the decision)."""
    w = web.world
    with at(ON):
        decision = w.ledger.submit(_decision(web, SUSPENDED, cosigner=w.chair)).event_id
        reversal = w.submit(
            "reversal.record",
            by=w.kt,
            cosigner=w.chair,
            unit="G1",
            effective_date="2025-01-15",
            body={"target": decision, "reason": "ghi nhầm các tháng"},
        ).event_id
    words = (
        "quyết định 45/QĐ-LĐLĐ của LĐLĐ tỉnh Bình Dương (Cty May Sông Bé được tạm dừng "
        "đóng kinh phí công đoàn các tháng 11/2024–04/2025)"
    )
    officer = web.login("kt.g1")
    for path in ("/web/finance", "/web/finance/entries"):
        html = officer.get(path).text
        rows = _rows(html)
        undo = _cells(rows[reversal])
        assert undo[1] == f"Đảo bút toán đảo {words}", path
        assert f"đảo {decision[:8]}" in " ".join(undo)
        assert f'<code data-target="{decision}">' in rows[reversal]
        done = _cells(rows[decision])
        assert done[1] == f"Quyết định miễn, giảm, tạm dừng đóng kinh phí 2% {words}", path
        assert done[4] == "Đã đảo"
        assert f'id="reverse-{decision}"' not in html and f'id="reverse-{reversal}"' not in html
    # a search by amount or member is about money: the decision and its reversal are not it
    found = officer.get("/web/finance/entries", params={"amount": "300.000"}).text
    assert decision not in found and reversal not in found
    found = officer.get("/web/finance/entries", params={"period": "01/2025"}).text
    assert list(_rows(found)) == [reversal, decision]
    english = web.login("kt.g1")
    english.cookies.set("phucloi_lang", "en")
    rows = _rows(english.get("/web/finance/entries").text)
    assert _cells(rows[reversal])[1] == (
        "Reversal undoes decision 45/QĐ-LĐLĐ of LĐLĐ tỉnh Bình Dương (Cty May Sông Bé has its "
        "union fee suspended for 11/2024–04/2025)"
    )


WORDS = (
    "quyết định 45/QĐ-LĐLĐ của LĐLĐ tỉnh Bình Dương (Cty May Sông Bé được tạm dừng đóng "
    "kinh phí công đoàn các tháng 11/2024–04/2025)"
)


def _recorded_decision(web: Web) -> str:
    w = web.world
    with at(ON):
        return str(w.ledger.submit(_decision(web, SUSPENDED, cosigner=w.chair)).event_id)


def _reversal(web: Web, target: str, *, on: str = "2025-01-15", unit: str = "G1") -> Any:
    with at(ON):
        return web.world.item(
            "reversal.record",
            by=web.world.kt,
            unit=unit,
            effective_date=on,
            body={"target": target, "reason": "ghi nhầm các tháng"},
        )


def test_a_decisions_reversal_is_offered_waits_for_the_chair_and_is_recorded_once_cosigned(
    web: Web,
) -> None:
    """A decision row offered no "Đảo bút toán": its reversal needs the chair's signature.
    Now it is offered on both lists; the officer's signed reversal waits for the chair (202,
    nothing in the ledger, the decision still counts) and is recorded when the chair
    cosigns it; while it waits the decision is not offered again, nor held twice."""
    w = web.world
    decision = _recorded_decision(web)
    officer = web.login("kt.g1")
    for path in ("/web/finance", "/web/finance/entries"):
        html = officer.get(path).text
        form = re.search(
            rf'<details class="reverse">(?:(?!</details>).)*id="reverse-{decision}".*?</details>',
            html,
            re.S,
        )
        assert form is not None, path
        said = _text(form.group(0))
        assert "Đảo quyết định (cần Chủ tịch ký)" in said
        assert "Ký và gửi Chủ tịch duyệt" in said
        assert "kinh phí 2% của doanh nghiệp các tháng đó lại phải thu" in said
        assert f'data-fixed=\'{{"target": "{decision}"}}\'' in form.group(0)
        assert f"({WORDS}, 10/01/2025)" in html_text.unescape(form.group(0))
    before = _entries(web)
    item = _reversal(web, decision)
    command_id = item["command"]["command_id"]
    held = _post(officer, "/web/finance/submit", item, "/web/finance/entries")
    assert held.status_code == 202, held.text
    assert held.json()["message_vi"] == (
        f"Đã ký, đang chờ Chủ tịch ký duyệt: lệnh đảo {WORDS} chưa được ghi vào sổ cho đến "
        "khi Chủ tịch ký."
    )
    assert held.json()["message_en"].startswith(
        "Signed, waiting for the chair's signature: the reversal of decision 45/QĐ-LĐLĐ of "
    )
    assert w.ledger.entry(command_id) is None and list(_standing(web)) == [decision]
    assert _entries(web) == before
    # signed again (a second tab): the chair is not asked twice to undo one decision
    again = _post(officer, "/web/finance/submit", _reversal(web, decision), "/web/finance")
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "reversal_waiting"
    assert _held_rows(web) == 1
    for path in ("/web/finance", "/web/finance/entries"):
        html = officer.get(path).text
        assert f'id="reverse-{decision}"' not in html, path
        row = _rows(html)[decision]
        assert "Lệnh đảo quyết định đang chờ Chủ tịch ký, chưa ghi vào sổ" in _text(row)
    mine = officer.get("/web/finance").text
    row = re.search(rf'<tr data-held="{command_id}".*?</tr>', mine, re.S)
    assert row is not None
    assert (
        f"Đảo quyết định miễn, giảm, tạm dừng đóng kinh phí — {WORDS} · Lý do đảo: ghi nhầm "
        "các tháng"
    ) in _text(row.group(0))
    assert "Chờ Chủ tịch ký, chưa ghi vào sổ" in _text(row.group(0))

    chair = web.login("ct.g1")
    page = chair.get("/web/chair").text
    section = re.search(rf'<section[^>]*id="s-{command_id}".*?</section>', page, re.S)
    assert section is not None
    shown = _text(section.group(0))
    assert (
        "Đảo quyết định miễn, giảm, tạm dừng đóng kinh phí công đoàn — Cty May Sông Bé: "
        "Tạm dừng đóng (tối đa 12 tháng), 11/2024–04/2025 — G1"
    ) in shown
    assert f"Kế toán đảo {WORDS}, lý do: ghi nhầm các tháng." in shown
    assert (
        "quyết định không còn hiệu lực: công đoàn lại phải thu kinh phí 2% của doanh nghiệp "
        "này các tháng 11/2024–04/2025 (6 tháng)"
    ) in shown
    assert "Ngày quyết định 10/01/2025" in shown and "Ngày đảo 15/01/2025" in shown
    assert "đã được đảo" not in shown
    chair.cookies.set("phucloi_lang", "en")
    english = html_text.unescape(_text(chair.get("/web/chair").text))
    assert "the union expects the employer's 2% fee again for 11/2024–04/2025 (6 months)" in (
        english
    )
    chair.cookies.set("phucloi_lang", "vi")

    done = _post(
        chair,
        "/web/chair/cosign",
        {
            "command_id": command_id,
            "cosignature": dict(cosign(item, by=w.chair)["cosignatures"][0]),
        },
        "/web/chair",
    )
    assert done.status_code == 201, done.text
    assert _standing(web) == {} and w.ledger.entry(command_id) is not None
    assert f'id="s-{command_id}"' not in chair.get("/web/chair").text
    html = officer.get("/web/finance").text
    assert f'data-held="{command_id}" data-status="recorded"' in html
    assert _cells(_rows(html)[decision])[4] == "Đã đảo"
    assert _cells(_rows(html)[command_id])[1] == f"Đảo bút toán đảo {WORDS}"


def test_only_a_decisions_reversal_waits_for_the_chair(web: Web) -> None:
    """The web holds for the chair exactly the reversals the ledger refuses only for want of
    the chair's signature: a money entry's reversal is recorded at once by the officer, and
    a decision's reversal the ledger refuses anyway (dated before the decision, already
    reversed) is answered at once naming the field, and nothing waits."""
    w = web.world
    fee = _fee(web, EMPLOYER)
    decision = _recorded_decision(web)
    officer = web.login("kt.g1")
    r = _post(officer, "/web/finance/submit", _reversal(web, fee), "/web/finance")
    assert r.status_code == 201, r.text
    assert w.ledger.entry(r.json()["event_id"]) is not None
    assert _held_rows(web) == 0
    early = _reversal(web, decision, on="2025-01-09")
    r = _post(officer, "/web/finance/submit", early, "/web/finance")
    assert r.status_code == 422, r.text
    assert [(p["field"], p["code"]) for p in r.json()["problems"]] == [
        ("effective_date", "before_target")
    ]
    assert _held_rows(web) == 0
    with at(ON):
        w.ledger.submit(cosign(_reversal(web, decision), by=w.chair))
    r = _post(officer, "/web/finance/submit", _reversal(web, decision), "/web/finance")
    assert r.status_code == 422, r.text
    assert [p["code"] for p in r.json()["problems"]] == ["already_reversed"]
    assert _held_rows(web) == 0


def test_a_chair_refuses_a_decisions_reversal_and_the_decision_is_offered_again(
    web: Web,
) -> None:
    decision = _recorded_decision(web)
    officer = web.login("kt.g1")
    item = _reversal(web, decision)
    command_id = item["command"]["command_id"]
    assert _post(officer, "/web/finance/submit", item, "/web/finance").status_code == 202
    chair = web.login("ct.g1")
    page = chair.get("/web/chair").text
    assert "Đã từ chối: lệnh đảo quyết định không được ghi vào sổ." in page
    r = _post(
        chair,
        "/web/chair/refuse",
        {"command_id": command_id, "note": "Quyết định đúng"},
        "/web/chair",
    )
    assert r.status_code == 200, r.text
    assert r.json()["message_vi"] == "Đã từ chối: lệnh đảo quyết định không được ghi vào sổ."
    assert r.json()["message_en"] == "Refused: the reversal of the decision is not recorded."
    assert list(_standing(web)) == [decision]
    html = officer.get("/web/finance").text
    assert f'id="reverse-{decision}"' in html
    assert "Quyết định đúng" in _text(html)
    # withdrawn by the officer: named the same way
    item = _reversal(web, decision)
    assert _post(officer, "/web/finance/submit", item, "/web/finance").status_code == 202
    r = _post(
        officer,
        "/web/finance/withdraw",
        {"command_id": item["command"]["command_id"]},
        "/web/finance",
    )
    assert r.json()["message_vi"] == "Đã rút lại: lệnh đảo quyết định không được ghi vào sổ."
    assert f'id="reverse-{decision}"' in officer.get("/web/finance/entries").text


def test_a_decision_for_an_employer_the_unit_never_recorded_is_refused_by_the_server(
    web: Web,
) -> None:
    """The form refused a name its unit never recorded a fee or decision under only in the
    browser: a post that skipped the script was held for the chair. The server now refuses
    it the same way, naming the field, unless the form's box (`new_employer`) says the name
    is right; a known name (as the ledger compares names) passes. The API is unchanged."""
    _fee(web, EMPLOYER)
    officer = web.login("kt.g1")
    misspelt = SUSPENDED | {"employer": "Cty May Song Be"}
    r = _post(officer, "/web/finance/submit", _decision(web, misspelt), "/web/finance/fees")
    assert r.status_code == 422, r.text
    [problem] = r.json()["problems"]
    assert (problem["field"], problem["code"]) == ("body.employer", "unknown_employer")
    assert problem["message_vi"] == (
        "đơn vị G1 chưa ghi kinh phí hay quyết định nào của “Cty May Song Be” (đã ghi: Cty "
        "May Sông Bé). Hãy kiểm tra lại tên, hoặc đánh dấu “Doanh nghiệp chưa có kinh phí "
        "hay quyết định nào ghi tại đơn vị này (đúng tên)” nếu tên đúng."
    )
    assert problem["message_en"].startswith(
        "unit G1 has no fee or decision recorded for “Cty May Song Be” (recorded: Cty May Sông Bé)."
    )
    assert _held_rows(web) == 0
    # the page shows the message under the field's label
    form = officer.get("/web/finance/fees").text
    assert '<label for="relief-employer">Doanh nghiệp được miễn, giảm, tạm dừng</label>' in form
    assert 'data-query="new_employer=true"' in form
    ticked = _post(officer, NEW, _decision(web, misspelt), "/web/finance/fees")
    assert ticked.status_code == 202, ticked.text
    known = SUSPENDED | {"employer": " cty may  SÔNG BÉ ", "from_month": "2025-05"}
    known |= {"to_month": "2025-06"}
    assert (
        _post(
            officer, "/web/finance/submit", _decision(web, known), "/web/finance/fees"
        ).status_code
        == 202
    )
    assert _held_rows(web) == 2
    # another union's unit: the ledger refuses the role, not naming that union's employers
    r = _post(
        officer, "/web/finance/submit", _decision(web, misspelt, unit="G2"), "/web/finance/fees"
    )
    assert [p["field"] for p in r.json()["problems"]] == ["command.signer"]
    # the API records it as before (the CLI too): the check is the web form's
    client = web.client()
    token = client.post(
        "/auth/login", json={"kind": "officer", "username": "kt.g1", "secret": PASSWORD}
    ).json()["access_token"]
    w = web.world
    new = SUSPENDED | {"employer": "Cty Mới", "from_month": "2025-07", "to_month": "2025-08"}
    with at(ON):
        api = client.post(
            "/collections/union-fee-reliefs",
            json=_decision(web, new, cosigner=w.chair),
            headers={"Authorization": f"Bearer {token}"},
        )
    assert api.status_code == 201, api.text


def test_two_reversals_of_one_decision_sent_at_once_wait_once(web: Web, monkeypatch: Any) -> None:
    """Two different reversals of one decision sent at the same moment (two tabs, two server
    workers): each looked for a waiting reversal before either was held, and both were held;
    the chair was asked twice to undo one decision. Now the look and the hold are one step:
    one waits, the other is refused 409 `reversal_waiting`."""
    from api.web import cosign as held

    decision = _recorded_decision(web)
    officer = web.login("kt.g1")
    token = csrf_of(officer.get("/web/finance").text)
    items = [_reversal(web, decision), _reversal(web, decision)]
    assert items[0]["command"]["command_id"] != items[1]["command"]["command_id"]
    both_looked = threading.Barrier(2, timeout=3)
    look = held._one_reversal_waits

    def look_then_wait(conn: Any, target: str) -> None:
        look(conn, target)
        # without one step, both get here before either holds its reversal; with it, the
        # other waits for this one's hold to end and the barrier breaks
        with contextlib.suppress(threading.BrokenBarrierError):
            both_looked.wait()

    monkeypatch.setattr(held, "_one_reversal_waits", look_then_wait)
    answers: list[Any] = [None, None]

    def send(i: int) -> None:
        try:
            with at(ON):
                answers[i] = officer.post(
                    "/web/finance/submit",
                    json=items[i],
                    headers={"X-CSRF-Token": token, "Accept": "application/json"},
                )
        except Exception as exc:  # the test client re-raises the server's error
            answers[i] = exc

    threads = [threading.Thread(target=send, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    monkeypatch.undo()
    assert sorted(getattr(a, "status_code", repr(a)) for a in answers) == [202, 409]
    refused = next(a for a in answers if a.status_code == 409)
    assert refused.json()["code"] == "reversal_waiting"
    assert _held_rows(web) == 1
