"""Loans in a real browser: no "Đảo bút toán" on a disbursement the ledger would refuse to reverse; held loans and write-offs named as such, not as spending.

The server, the browser and the people are test_browser's fixtures (one server per module).
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.web import test_browser as e2e
from tests.web.test_browser import People, _loan_lent_by_a_colleague, _today, shot

# test_browser's module fixtures, for this module's own server
server, browser, people = e2e.server, e2e.browser, e2e.people


def test_a_disbursement_with_a_repayment_is_not_offered_for_reversal(
    people: People, server: dict[str, Any]
) -> None:
    """The ledger refuses to reverse a disbursement whose loan has repayments; the entries
    offered it anyway and showed the refusal on the row."""
    lent = _loan_lent_by_a_colleague(server["url"], "DV002", "WB2", 3_000_000, _today())
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/entries?member=DV002")
    row = page.locator(f'tr[data-event="{lent}"]')
    expect(row.get_by_text("Đảo bút toán", exact=True)).to_have_count(1)  # nothing repaid yet

    page.goto("/web/finance/loans")
    repay = page.locator(f"#repay-{lent}")
    repay.get_by_label("Số tiền trả (đồng)").fill("1.000.000")
    repay.get_by_role("button", name="Ký và ghi khoản thu nợ").click()
    expect(page.locator(f"#rr-{lent}")).to_contain_text("Đã ghi khoản thu nợ.")
    page.wait_for_url("**/web/finance/loans")

    page.goto("/web/finance/entries?member=DV002")
    expect(row.get_by_text("Đảo bút toán", exact=True)).to_have_count(0)
    expect(row.locator("td").last).to_have_text("Đã có khoản trả nợ: đảo các khoản trả nợ trước")
    repaid = page.locator("#entries tbody tr").first
    expect(repaid.locator("td").nth(1)).to_have_text("Thu nợ vay")
    shot(page, "finance-entries-loan-with-repayment")
    repaid.get_by_text("Đảo bút toán", exact=True).click()
    repaid.get_by_label("Lý do đảo").fill("Ghi nhầm khoản trả")
    repaid.get_by_role("button", name="Ký và đảo bút toán").click()
    expect(repaid.locator("[role=status]")).to_contain_text("Đã đảo bút toán.")
    # reloaded: with the repayment reversed the disbursement may be reversed again
    expect(row.get_by_text("Đảo bút toán", exact=True)).to_have_count(1)


def test_a_withdrawn_write_off_is_named_a_write_off_not_spending(
    people: People, server: dict[str, Any]
) -> None:
    lent = _loan_lent_by_a_colleague(server["url"], "DV003", "WB3", 1_000_000, _today())
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/loans")
    form = page.locator(f"#writeoff-{lent}")
    form.get_by_label("Số tiền xóa nợ (đồng)").fill("1.000.000")
    form.get_by_label("Lý do xóa nợ").fill("Đoàn viên mất")
    form.get_by_role("button", name="Ký và gửi Chủ tịch xóa nợ").click()
    result = page.locator(f"#wr-{lent}")
    expect(result).to_contain_text("Đã ký, đang chờ Chủ tịch ký duyệt: xóa nợ 1.000.000 đ")
    command_id = (result.locator("p.muted").text_content() or "").removeprefix("Mã lệnh: ")
    command_id = command_id.strip()

    page.goto("/web/finance")
    stale = page.context.new_page()  # the same list, left open in another tab
    stale.goto("/web/finance")
    held = page.locator(f"tr[data-held='{command_id}']")
    held.get_by_role("button", name="Rút lại").click()
    expect(held.locator("[role=status]")).to_have_text(
        "Đã rút lại: khoản xóa nợ không được ghi vào sổ."
    )
    old = stale.locator(f"tr[data-held='{command_id}']")
    old.get_by_role("button", name="Rút lại").click()
    expect(old.locator("[role=alert]")).to_contain_text(
        "Khoản xóa nợ này không còn chờ Chủ tịch ký (đã được ghi, từ chối hoặc rút lại)"
    )
    shot(stale, "finance-write-off-withdrawn-elsewhere")
    stale.close()
