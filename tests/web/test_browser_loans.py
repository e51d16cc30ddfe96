"""The loan disbursement form in a real browser: the borrower found by name, the policy's loan
cap and what the borrower owes shown before signing, the interest asked; no "Đảo bút toán" on
a disbursement the ledger would refuse to reverse; held loans and write-offs named as such.

The server, the browser and the people are test_browser's fixtures (one server per module).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from playwright.sync_api import expect

from ledger.bootstrap import open_ledger
from ledger.domain.base import command_of
from tests.web import test_browser as e2e
from tests.web.test_browser import People, _loan_lent_by_a_colleague, _today, shot

# test_browser's module fixtures, for this module's own server
server, browser, people = e2e.server, e2e.browser, e2e.people

SIGN = "Ký và ghi khoản giải ngân"
BORROWER = "Người vay: tìm đoàn viên (tên hoặc mã)"


def _signed_body(url: str, event_id: str) -> dict[str, Any]:
    """The body of the command recorded as `event_id`, as it was signed."""
    ctx = open_ledger(url)
    try:
        row = ctx.ledger.entry(event_id)
        assert row is not None
        version = int(row["originator_version"])
        events = list(
            ctx.ledger.repository.event_store.get(
                UUID(row["originator_id"]), gt=version - 1, lte=version
            )
        )
        return dict(command_of(events[0].envelope)["body"])
    finally:
        ctx.close()


def test_an_officer_finds_the_borrower_sees_the_loan_cap_and_signs_the_interest(
    people: People, server: dict[str, Any]
) -> None:
    """The borrower was a number typed blind, the cap was learnt from the ledger's refusal and
    every web loan had 0 interest."""
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/loans")
    form = page.locator("#disburse-form")
    result = page.locator("#disburse-result")
    info = page.locator("#disburse-allowance")
    over = page.locator("#disburse-over-cap")
    form.get_by_label("Mã khoản vay").fill("WB1")
    form.get_by_label("Số tiền vay (đồng)").fill("60.000.000")
    form.get_by_label("Thời hạn vay (tháng)").fill("12")
    form.get_by_label("Mục đích vay (dữ liệu cá nhân, được niêm phong)").fill("mua máy may")
    expect(form.get_by_label("Lãi suất (điểm cơ bản: 100 = 1%)")).to_have_value("0")
    expect(info).to_contain_text("Chọn người vay để xem mức vay tối đa")
    form.get_by_role("button", name=SIGN).click()
    expect(result).to_contain_text(f"{BORROWER}: hãy tìm và chọn đoàn viên vay")

    form.get_by_label(BORROWER).fill("viên DV001")  # by name
    form.locator("button.choice[data-member=DV001]").click()
    expect(page.locator("#disburse-member-chosen")).to_have_text("DV001 — Đoàn viên DV001 · G1")
    expect(info).to_contain_text("Mức vay tối đa mỗi lần50.000.000 đ")
    expect(info).to_contain_text("Dư nợ hiện tại của người vay0 đ (0 khoản vay)")
    expect(over).to_contain_text("60.000.000 đ vượt mức vay tối đa mỗi lần 50.000.000 đ")
    shot(page, "finance-loan-over-cap")

    interest = form.get_by_label("Lãi suất (điểm cơ bản: 100 = 1%)")
    interest.fill("6000")
    form.get_by_role("button", name=SIGN).click()
    expect(result).to_contain_text("Lãi suất (điểm cơ bản: 100 = 1%): phải từ 0 đến 5000")
    interest.fill("150")
    form.get_by_role("button", name=SIGN).click()  # the ledger is still the authority
    expect(result).to_contain_text(
        "Số tiền vay (đồng): 60.000.000 đ vượt mức tối đa mỗi lần 50.000.000 đ"
    )
    form.get_by_label("Số tiền vay (đồng)").fill("2.000.000")
    expect(over).to_be_hidden()
    form.get_by_role("button", name=SIGN).click()
    expect(result).to_contain_text("Đã ghi khoản giải ngân.")
    event_id = (result.locator("p.muted").text_content() or "").removeprefix("Mã bút toán: ")
    body = _signed_body(server["url"], event_id.strip())
    assert (body["member"], body["loan"], body["amount"]) == ("DV001", "WB1", 2_000_000)
    assert body["interest_bp"] == 150

    # another loan for DV001 this year: the count is said before signing
    result.get_by_role("button", name="Ghi khoản khác").click()
    expect(page.locator("#disburse-member-chosen")).to_have_text("Chưa chọn đoàn viên")
    form.get_by_label(BORROWER).fill("DV001")
    form.locator("button.choice[data-member=DV001]").click()
    expect(info).to_contain_text("Dư nợ hiện tại của người vay2.000.000 đ (1 khoản vay)")
    expect(over).to_contain_text("Đã vay 1 lần trong kỳ; tối đa 1 lần.")


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
        "Khoản xóa nợ này không còn chờ Chủ tịch ký (đã được ghi, đang được ký, từ chối hoặc rút lại)"
    )
    shot(stale, "finance-write-off-withdrawn-elsewhere")
    stale.close()


def test_choosing_the_borrower_clears_the_choose_the_borrower_refusal(
    people: People, server: dict[str, Any]
) -> None:
    """The refusal to sign without a borrower stayed on the form after the borrower was
    chosen, until the next attempt: the officer read it as still refusing the chosen one."""
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/loans")
    form = page.locator("#disburse-form")
    result = page.locator("#disburse-result")
    search = form.get_by_label(BORROWER)
    form.get_by_label("Mã khoản vay").fill("WB4")
    form.get_by_label("Số tiền vay (đồng)").fill("1.5")
    form.get_by_label("Thời hạn vay (tháng)").fill("12")
    form.get_by_role("button", name=SIGN).click()
    expect(result).to_have_text(f"{BORROWER}: hãy tìm và chọn đoàn viên vay")
    expect(search).to_have_attribute("aria-invalid", "true")

    search.fill("DV002")
    form.locator("button.choice[data-member=DV002]").click()
    expect(page.locator("#disburse-member-chosen")).to_have_text("DV002 — Đoàn viên DV002 · G1")
    expect(result).to_be_hidden()
    expect(result).to_have_text("")
    expect(search).not_to_have_attribute("aria-invalid", "true")
    shot(page, "finance-loan-borrower-chosen-after-refusal")

    # another refusal (not about the borrower) stays when the borrower is chosen again
    form.get_by_role("button", name=SIGN).click()
    expect(result).to_contain_text("Số tiền vay (đồng):")
    search.fill("DV001")
    form.locator("button.choice[data-member=DV001]").click()
    expect(page.locator("#disburse-member-chosen")).to_have_text("DV001 — Đoàn viên DV001 · G1")
    expect(result).to_contain_text("Số tiền vay (đồng):")
