"""An employer's union fee decision in a real browser, from the fees form to its reversal:
both wait for the chair's signature, and the reversal is offered on the union's entries.

The server, the browser and the people are test_browser's fixtures (one server per module).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from playwright.sync_api import expect

from ledger.bootstrap import open_ledger
from tests.web import test_browser as e2e
from tests.web.test_browser import People, _today, shot

# test_browser's module fixtures, for this module's own server
server, browser, people = e2e.server, e2e.browser, e2e.people


def _standing(url: str) -> dict[str, Any]:
    ctx = open_ledger(url)
    try:
        unit = ctx.ledger.get_unit("G1")
        assert unit is not None
        return dict(unit.fee_reliefs)
    finally:
        ctx.close()


def _chair_signs(people: People, command_id: str, said: str) -> Any:
    chair = people.signing_officer("ct.g1")
    chair.goto("/web/chair")
    item = chair.locator(f"#s-{command_id}")
    item.get_by_role("button", name="Ký duyệt và ghi vào sổ").click()
    expect(item.locator("[role=status]")).to_contain_text(said)
    chair.wait_for_load_state("load")
    expect(chair.locator(f"#s-{command_id}")).to_have_count(0)
    return chair


def test_a_fee_decision_is_reversed_from_the_entries_once_the_chair_cosigns(
    people: People, server: dict[str, Any]
) -> None:
    """A decision's row offered no reversal (it needs the chair's signature). The officer
    signs the reversal on /web/finance/entries; it waits for the chair, whose page says which
    decision it undoes and that the fee is expected again; cosigned, it is in the ledger and
    the decision reads "Đã đảo"."""
    today = _today()
    first = date(today.year, today.month, 1)
    last = date(first.year + (first.month + 1) // 12, (first.month + 1) % 12 + 1, 1)
    span = f"{first:%m/%Y}–{last:%m/%Y}"
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/fees")
    form = page.locator("#relief-form")
    form.get_by_label("Doanh nghiệp được miễn, giảm, tạm dừng").fill("Cty Gốm Minh Long")
    form.get_by_label("Doanh nghiệp chưa có kinh phí hay quyết định nào ghi tại đơn vị").check()
    form.get_by_label("Loại quyết định").select_option("exempt")
    form.get_by_label("Từ tháng (mm/yyyy)").fill(f"{first:%m/%Y}")
    form.get_by_label("Đến tháng (mm/yyyy)").fill(f"{last:%m/%Y}")
    form.get_by_label("Số quyết định").fill("12/QĐ-LĐLĐ")
    form.get_by_label("Cơ quan ban hành").fill("LĐLĐ tỉnh Bình Dương")
    form.get_by_role("button", name="Ký và gửi Chủ tịch duyệt").click()  # the box is sent too
    result = page.locator("#relief-result")
    expect(result).to_contain_text("Đã ký, đang chờ Chủ tịch ký duyệt: quyết định 12/QĐ-LĐLĐ")
    decision = (result.locator("p.muted").text_content() or "").removeprefix("Mã lệnh: ").strip()
    _chair_signs(people, decision, "quyết định đã được ghi vào sổ")
    assert list(_standing(server["url"])) == [decision]

    words = (
        "quyết định 12/QĐ-LĐLĐ của LĐLĐ tỉnh Bình Dương (Cty Gốm Minh Long được miễn đóng "
        f"kinh phí công đoàn các tháng {span})"
    )
    page.goto("/web/finance/entries")
    row = page.locator(f'tr[data-event="{decision}"]')
    row.get_by_text("Đảo quyết định (cần Chủ tịch ký)", exact=True).click()
    row.get_by_label("Lý do đảo").fill("Ghi nhầm doanh nghiệp")
    row.get_by_role("button", name="Ký và gửi Chủ tịch duyệt").click()
    expect(row.locator("[role=status]")).to_contain_text(
        f"Đã ký, đang chờ Chủ tịch ký duyệt: lệnh đảo {words}"
    )
    reversal = row.locator("[role=status] p.muted").text_content() or ""
    reversal = reversal.removeprefix("Mã lệnh: ").strip()
    shot(page, "finance-fee-decision-reversal-waiting")
    # reloaded: the decision still counts, and its row says its reversal waits
    expect(row.locator("[data-kept-by=held]")).to_have_text(
        "Lệnh đảo quyết định đang chờ Chủ tịch ký, chưa ghi vào sổ"
    )
    assert list(_standing(server["url"])) == [decision]

    chair = people.signing_officer("ct.g1")
    chair.goto("/web/chair")
    item = chair.locator(f"#s-{reversal}")
    expect(item).to_contain_text(f"Kế toán đảo {words}, lý do: Ghi nhầm doanh nghiệp.")
    expect(item).to_contain_text(
        f"công đoàn lại phải thu kinh phí 2% của doanh nghiệp này các tháng {span} (3 tháng)"
    )
    shot(chair, "chair-fee-decision-reversal")
    chair.close()
    _chair_signs(people, reversal, "quyết định đã được đảo trong sổ")
    assert _standing(server["url"]) == {}
    page.goto("/web/finance/entries")
    expect(row.locator("td").nth(4)).to_have_text("Đã đảo")
    expect(page.locator(f'tr[data-event="{reversal}"] td').nth(1)).to_have_text(
        f"Đảo bút toán đảo {words}"
    )
