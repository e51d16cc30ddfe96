"""End to end in a real browser: Debian's Chromium driven by Playwright against `phucloi serve`.

The story: a member logs in with their PIN, sees exactly their own entries and checks one in
the Merkle log; a finance officer makes a signing key in the browser, has it registered, and
records a payout that then appears in the member's history; an over-cap payout is refused
with the Vietnamese message; a payout above the approval threshold waits for the chair, who
approves it with a key made in their own browser; an inspector sees the planted finding
(one citizen ID in two unions, Tết support drawn twice). A screenshot of every page is saved
under tests/artifacts/web/.

Without /usr/bin/chromium these tests are skipped on a developer machine and FAIL in CI.
"""

from __future__ import annotations

import copy
import os
import re
import socket
import subprocess
import sys
import time
import unicodedata
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from api.auth import Account, set_credential
from audit.log import make_checkpoint
from ledger import clock
from ledger.bootstrap import open_ledger
from ledger.client import OfficerSigner, build
from ledger.keystore import Keystore
from ledger.signing import encode_b64
from tests.conftest import create_pg_database, drop_pg_database
from tests.support import World, at
from tests.web.conftest import FAST, PASSWORD, PIN, populate

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"
PORTAL_PASSPHRASE = "portal-passphrase-for-tests"
SHARED_CID = "079199000777"


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message + "; CI requires it", pytrace=False)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _build_ledger(url: str, home: Path) -> dict[str, str]:
    """The test world, a portal key in the server's keystore, credentials, a checkpoint."""
    ctx = open_ledger(url)
    try:
        world = World.build(ctx)
        events = populate(world)
        portal = Keystore(home / "keys").create("portal", PORTAL_PASSPHRASE)
        with at("2024-06-02", 9):
            for type_, body in (
                (
                    "officer.register",
                    {"officer": "portal", "name": "Cổng", "public_key": portal.public_key_b64},
                ),
                ("officer.grant", {"officer": "portal", "role": "portal", "scope": "*"}),
            ):
                world.submit(type_, by=world.admin, body=body)
        # The planted case: one citizen ID registered in G1 and in G2, Tết support in both.
        world.join("DV003", cid=SHARED_CID)
        world.join("DV202", unit="G2", cid=SHARED_CID)
        events["tet_g1"] = world.payout(
            "DV003", "tet_support", 1_000_000, on="2025-01-20", occasion="Tết Ất Tỵ"
        ).event_id
        events["tet_g2"] = world.payout(
            "DV202",
            "tet_support",
            1_000_000,
            on="2025-01-21",
            unit="G2",
            by=world.kt2,
            occasion="Tết Ất Tỵ",
        ).event_id
        for code in ("admin", "kt.g1", "ct.g1", "kt.g2", "ubkt"):
            set_credential(ctx.engine, Account("officer", code), PASSWORD, hasher=FAST)
        for number, pin in PIN.items():
            set_credential(ctx.engine, Account("member", number), pin, hasher=FAST)
        make_checkpoint(ctx.engine)
        return events
    finally:
        ctx.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    chosen = request.config.getoption("--backend")
    if chosen not in ("both", request.param):
        pytest.skip(f"--backend {chosen}")
    _require_chromium()
    home = tmp_path_factory.mktemp("web-e2e")
    database = None
    if request.param == "postgresql":
        request.getfixturevalue("pg_ready")
        database = create_pg_database()
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
    else:
        url = f"sqlite:///{home / 'ledger.db'}"
    try:
        yield from _serve(url, home)
    finally:
        if database is not None:
            drop_pg_database(database)


def _serve(url: str, home: Path) -> Iterator[dict[str, Any]]:
    """`phucloi serve` on a freshly built ledger, until the module's tests are done."""
    from tests.integration.test_audit_helpers import make_witness

    events = _build_ledger(url, home)
    port = _free_port()
    env = {
        **os.environ,
        "PHUCLOI_HOME": str(home),
        "PHUCLOI_DATABASE_URL": url,
        "PHUCLOI_PORTAL_PASSPHRASE": PORTAL_PASSPHRASE,
        # the witness the union trusts: ubkt.bao, whose key make_witness derives from its name
        "PHUCLOI_WITNESS_KEYS": make_witness(home / "trusted-witness").vkey,
    }
    phucloi = Path(sys.executable).parent / "phucloi"
    log = (home / "server.log").open("w")
    proc = subprocess.Popen(
        [str(phucloi), "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # wait until it answers (or died)
            if proc.poll() is not None:
                pytest.fail(f"phucloi serve exited: {(home / 'server.log').read_text()}")
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("phucloi serve did not answer")
        yield {"base": base, "url": url, "events": events, "home": home}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    SHOTS["url"] = server["url"]
    for backend in ("sqlite", "pg"):
        (ARTIFACTS / backend).mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


class People:
    """One browser context per person, so an officer's key stays in their IndexedDB."""

    def __init__(self, browser: Any, server: dict[str, Any]) -> None:
        self.browser, self.server = browser, server
        self.contexts: dict[str, Any] = {}
        self.registered: set[str] = set()

    def page(self, who: str, *, phone: bool = False) -> Any:
        if who not in self.contexts:
            viewport = {"width": 390, "height": 844} if phone else {"width": 1200, "height": 900}
            ctx = self.browser.new_context(
                base_url=self.server["base"], viewport=viewport, locale="vi-VN"
            )
            ctx.set_default_timeout(30_000)
            self.contexts[who] = ctx
        ctx = self.contexts[who]
        page = ctx.pages[0] if ctx.pages else ctx.new_page()
        if not ctx.cookies():
            self._log_in(page, who)
        return page

    def _log_in(self, page: Any, who: str) -> None:
        member = who in PIN
        page.goto("/web/member/login" if member else "/web/login")
        shot(page, "login-member" if member else "login-officer")
        page.get_by_label("Mã đoàn viên" if member else "Mã cán bộ").fill(who)
        page.get_by_label("Mã PIN" if member else "Mật khẩu").fill(PIN[who] if member else PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        # Left the login page: "**/web/**" matched /web/login itself, so the next goto could
        # race the login's own redirect and be aborted (net::ERR_ABORTED, seen in a full run).
        page.wait_for_url("**/web/me" if member else lambda url: "/web/login" not in url)

    def signing_officer(self, code: str) -> Any:
        """The officer's page, with a key made in this browser and registered by the admin."""
        page = self.page(code)
        if code not in self.registered:
            page.goto("/web/key")
            page.get_by_role("button", name="Tạo khóa ký trên thiết bị này").click()
            expect(page.locator("#key-id")).to_have_text(re.compile(r"^[0-9a-f]{16}$"))
            public_key = page.locator("#key-public").text_content()
            assert public_key is not None and len(public_key) == 44
            shot(page, f"key-{code}-unregistered")
            _rotate_key(self.server["url"], code, public_key.strip())
            page.reload()
            expect(page.locator("#key-status")).to_contain_text("đã được đăng ký")
            shot(page, f"key-{code}-registered")
            self.registered.add(code)
        return page


def _rotate_key(url: str, code: str, public_key: str) -> None:
    """What the administrator does with the public key the officer's browser showed."""
    from tests.support import officer_key

    ctx = open_ledger(url)
    try:
        admin: OfficerSigner = officer_key("admin")
        ctx.ledger.submit(
            build("officer.rotate_key", by=admin, body={"officer": code, "public_key": public_key})
        )
    finally:
        ctx.close()


def shot(page: Any, name: str) -> None:
    backend = "pg" if "postgresql" in SHOTS.get("url", "") else "sqlite"
    page.screenshot(path=str(ARTIFACTS / backend / f"{name}.png"), full_page=True)


SHOTS: dict[str, str] = {}


@pytest.fixture(scope="module")
def people(browser: Any, server: dict[str, Any]) -> Iterator[People]:
    crowd = People(browser, server)
    yield crowd
    for ctx in crowd.contexts.values():
        ctx.close()


def _rows(page: Any) -> dict[str, str]:
    """Event id → amount cell of every history line on the member page."""
    rows = page.locator("tr[data-event]")
    return {
        rows.nth(i).get_attribute("data-event"): rows.nth(i).locator("td.num").text_content()
        for i in range(rows.count())
    }


def _today() -> date:
    return clock.today_vn()


# --- the story -----------------------------------------------------------------------------------


def test_a_member_sees_exactly_their_own_entries_and_checks_one_in_the_log(
    people: People, server: dict[str, Any]
) -> None:
    events = server["events"]
    page = people.page("DV001", phone=True)
    page.goto("/web/me")
    assert page.locator("#me-number").text_content() == "DV001"
    assert _rows(page) == {events["gift1"]: "300.000 đ", events["dues"]: "60.000 đ"}
    assert page.locator("#totals-2024 [data-total=dues]").text_content() == "60.000 đ"
    assert page.locator("#totals-2024 [data-total=welfare]").text_content() == "300.000 đ"
    row = page.locator(f"#e-{events['gift1']}")
    row.get_by_role("button", name="Kiểm tra").click()
    result = page.locator(f"#c-{events['gift1']}")
    expect(result).to_contain_text("Có trong sổ")
    expect(result).to_contain_text("khớp điểm kiểm tra đã ký")
    expect(result).to_contain_text("Nội dung đã ký khớp dòng này: ngày, đơn vị, khoản")
    # A dues batch is logged too, but holds other members' lines: the page says what it
    # checked and what it did not.
    page.locator(f"#e-{events['dues']}").get_by_role("button", name="Kiểm tra").click()
    dues = page.locator(f"#c-{events['dues']}")
    expect(dues).to_contain_text("Có trong sổ")
    expect(dues).to_contain_text("bút toán chung của công đoàn")
    shot(page, "member-history-phone")
    row.get_by_role("link", name="Phản ánh").click()
    page.wait_for_url("**/web/me/disputes/new**")
    shot(page, "member-dispute-form")


def test_an_officer_records_a_payout_signed_in_the_browser_and_the_member_sees_it(
    people: People,
) -> None:
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/payout")
    page.get_by_label("Tìm đoàn viên (tên hoặc mã)").fill("DV001")
    page.locator("button.choice[data-member=DV001]").click()
    page.get_by_label("Khoản phúc lợi").select_option("gift")
    page.get_by_label("Số tiền (đồng)").fill("250.000")
    page.get_by_label("Dịp chi").fill("Ngày thành lập công ty")
    page.locator("#allowance").filter(has_text="500.000 đ").wait_for()
    shot(page, "finance-payout-form")
    page.get_by_role("button", name="Ký và ghi khoản chi").click()
    result = page.locator("#payout-result")
    expect(result).to_contain_text("Đã ghi khoản chi")
    shot(page, "finance-payout-recorded")

    member = people.page("DV001", phone=True)
    member.goto("/web/me")
    year = _today().year
    amounts = list(_rows(member).values())
    assert "250.000 đ" in amounts
    assert member.locator(f"#totals-{year} [data-total=welfare]").text_content() == "250.000 đ"
    shot(member, "member-history-after-payout")

    page.goto("/web/finance")
    assert page.locator("#recorded tbody tr").first.locator("td.num").text_content() == "250.000 đ"
    shot(page, "finance-recorded")


def test_an_over_cap_payout_is_refused_in_vietnamese(people: People) -> None:
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/payout")
    page.get_by_label("Tìm đoàn viên (tên hoặc mã)").fill("DV002")
    page.locator("button.choice[data-member=DV002]").click()
    page.get_by_label("Khoản phúc lợi").select_option("gift")
    page.get_by_label("Số tiền (đồng)").fill("800.000")
    page.get_by_label("Dịp chi").fill("Sinh nhật")
    page.get_by_role("button", name="Ký và ghi khoản chi").click()
    result = page.locator("#payout-result")
    expect(result).to_contain_text("Quy chế chi tiêu nội bộ không cho phép")
    expect(result).to_contain_text("800.000 đ vượt mức tối đa mỗi lần 500.000 đ")
    shot(page, "finance-payout-refused")


def test_choosing_the_member_clears_the_choose_a_member_refusal(people: People) -> None:
    """Signing a payout before choosing the member said "Hãy chọn đoàn viên" without naming
    the field, and the refusal stayed after the member was chosen, until the next attempt."""
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/payout")
    search = page.get_by_label("Tìm đoàn viên (tên hoặc mã)")
    page.get_by_label("Khoản phúc lợi").select_option("gift")
    page.get_by_label("Số tiền (đồng)").fill("200.000")
    page.get_by_label("Dịp chi").fill("Sinh nhật")
    page.get_by_role("button", name="Ký và ghi khoản chi").click()
    result = page.locator("#payout-result")
    expect(result).to_have_text("Tìm đoàn viên (tên hoặc mã): hãy tìm và chọn đoàn viên nhận")
    expect(search).to_have_attribute("aria-invalid", "true")
    search.fill("DV002")
    page.locator("button.choice[data-member=DV002]").click()
    expect(page.locator("#member-chosen")).to_have_text("DV002 — Đoàn viên DV002 · G1")
    expect(result).to_be_hidden()
    expect(search).not_to_have_attribute("aria-invalid", "true")


def test_after_a_refusal_the_corrected_form_is_signed_with_the_next_click(
    people: People, server: dict[str, Any]
) -> None:
    """Correcting the date after a refusal and pressing the button did nothing: the date's
    change hid the allowance box while its figures reloaded, the button moved up under the
    pointer between press and release, and the click was lost (on every try)."""
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/payout")
    page.get_by_label("Tìm đoàn viên (tên hoặc mã)").fill("DV002")
    page.locator("button.choice[data-member=DV002]").click()
    page.get_by_label("Khoản phúc lợi").select_option("gift")
    page.get_by_label("Số tiền (đồng)").fill("200.000")
    page.get_by_label("Dịp chi").fill("Sinh nhật")
    page.locator("#allowance").filter(has_text="500.000 đ").wait_for()
    page.get_by_label("Ngày chi (dd/mm/yyyy)").fill("01/01/2000")
    page.get_by_role("button", name="Ký và ghi khoản chi").click()
    result = page.locator("#payout-result")
    expect(result).to_contain_text("ngày hiệu lực 01/01/2000")
    page.get_by_label("Ngày chi (dd/mm/yyyy)").fill(f"{_today():%d/%m/%Y}")
    page.get_by_role("button", name="Ký và ghi khoản chi").click()
    expect(result).to_contain_text("Đã ghi khoản chi")
    expect(result).to_contain_text(f"Số tiền đã ký: 200.000 đ, ngày {_today():%d/%m/%Y}")
    event_id = (result.locator("p.muted").text_content() or "").removeprefix("Mã bút toán: ")
    ctx = open_ledger(server["url"])
    try:
        member = ctx.ledger.get_member("DV002")
        assert member is not None and member.payouts[event_id.strip()].amount == 200_000
    finally:
        ctx.close()


def test_a_chair_approves_a_large_payout(people: People, server: dict[str, Any]) -> None:
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/payout")
    page.get_by_label("Tìm đoàn viên (tên hoặc mã)").fill("DV002")
    page.locator("button.choice[data-member=DV002]").click()
    page.get_by_label("Khoản phúc lợi").select_option("housing_repair")
    page.get_by_label("Số tiền (đồng)").fill("8.000.000")
    page.get_by_label("Dịp chi").fill("Sửa nhà sau bão")
    page.get_by_label("Lý do (nếu quy chế yêu cầu; được mã hóa)").fill("Nhà dột nát")
    page.locator("#needs-chair").wait_for()
    page.get_by_role("button", name="Ký và ghi khoản chi").click()
    expect(page.locator("#payout-result")).to_contain_text("đang chờ Chủ tịch duyệt")

    chair = people.signing_officer("ct.g1")
    chair.goto("/web/chair")
    item = chair.locator("section.pending").filter(has_text="8.000.000 đ")
    assert item.count() == 1
    shot(chair, "chair-queue")
    item.get_by_role("button", name="Ký duyệt").click()
    expect(item.locator("[role=status]")).to_contain_text("Đã ghi quyết định")
    chair.wait_for_load_state("load")
    chair.locator("#no-pending").wait_for()
    shot(chair, "chair-queue-empty")

    ctx = open_ledger(server["url"])
    try:
        member = ctx.ledger.get_member("DV002")
        assert member is not None
        repair = [p for p in member.payouts.values() if p.kind == "housing_repair"]
        assert [(p.amount, p.status, p.approver) for p in repair] == [(8_000_000, "paid", "ct.g1")]
    finally:
        ctx.close()


def test_a_large_expense_from_the_web_waits_for_the_chair_who_signs_it_in_the_browser(
    people: People, server: dict[str, Any]
) -> None:
    """The spending form signed with the officer's key only, so spending above the approval
    threshold was refused ("cần chữ ký thứ hai của Chủ tịch") and could not be recorded from
    the web at all. It now waits for the chair, who signs it on the approvals page."""
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/other")
    form = page.locator("#expense-form")
    expect(form.locator("#expense-threshold")).to_contain_text(
        "Khoản chi trên 5.000.000 đ tại đơn vị G1 cần Chủ tịch ký duyệt"
    )
    form.get_by_label("Nội dung chi").select_option("welfare")
    form.get_by_label("Số tiền (đồng)").fill("12.000.000")
    form.get_by_label("Diễn giải").fill("Quà Tết cho đoàn viên khó khăn")
    form.get_by_role("button", name="Ký và ghi khoản chi").click()
    result = page.locator("#expense-result")
    expect(result).to_contain_text("Đã ký, đang chờ Chủ tịch ký duyệt: khoản chi 12.000.000 đ")
    expect(result).to_contain_text("chưa được ghi vào sổ cho đến khi Chủ tịch ký")
    command_id = (result.locator("p.muted").text_content() or "").removeprefix("Mã lệnh: ")
    command_id = command_id.strip()
    expect(form.get_by_role("button", name="Ký và ghi khoản chi")).to_be_disabled()
    shot(page, "finance-expense-waiting-for-chair")
    page.goto("/web/finance")
    expect(page.locator(f"tr[data-held='{command_id}']")).to_contain_text("Chờ Chủ tịch ký")

    chair = people.signing_officer("ct.g1")
    chair.goto("/web/chair")
    item = chair.locator(f"#s-{command_id}")
    expect(item).to_contain_text("12.000.000 đ")
    expect(item).to_contain_text("Quà Tết cho đoàn viên khó khăn")
    shot(chair, "chair-spending-queue")
    item.get_by_role("button", name="Ký duyệt và ghi vào sổ").click()
    expect(item.locator("[role=status]")).to_contain_text("Đã ký duyệt, khoản chi đã được ghi")
    chair.wait_for_load_state("load")
    expect(chair.locator(f"#s-{command_id}")).to_have_count(0)

    ctx = open_ledger(server["url"])
    try:
        entry = ctx.ledger.entry(command_id)
        assert entry is not None
        unit = ctx.ledger.get_unit("G1")
        assert unit is not None and unit.money[command_id]["amount"] == 12_000_000
    finally:
        ctx.close()
    page.goto("/web/finance")
    expect(page.locator(f"tr[data-held='{command_id}']")).to_contain_text("Đã ghi vào sổ")


def test_an_inspector_sees_the_planted_finding(people: People, server: dict[str, Any]) -> None:
    events = server["events"]
    page = people.page("ubkt")
    page.goto("/web/inspector?unit=P&period=2025")
    row = page.locator("tr[data-rule=duplicate_citizen_id]")
    assert row.count() == 1
    assert page.locator("#checkpoint").text_content().strip() != ""
    shot(page, "inspector-overview")
    row.get_by_role("link").click()
    page.wait_for_url("**/web/inspector/findings/**")
    evidence = page.locator("#evidence").text_content()
    assert events["tet_g1"][:8] in evidence and events["tet_g2"][:8] in evidence
    shot(page, "inspector-finding")
    page.locator(f"a[href='/web/inspector/events/{events['tet_g2']}']").click()
    page.wait_for_url("**/web/inspector/events/**")
    assert "tet_support" in page.locator("pre.json").text_content()
    shot(page, "inspector-event")


def test_an_officer_previews_the_payroll_and_signs_the_dues_batch(
    people: People, server: dict[str, Any]
) -> None:
    page = people.signing_officer("kt.g1")
    month = f"{_today():%m/%Y}"
    payroll = server["home"] / "luong.csv"
    payroll.write_text("Mã đoàn viên,Lương đóng BHXH\nDV001,6.000.000\nDV999,5.000.000\n")
    page.goto("/web/finance/dues")
    page.get_by_label("Tháng đóng (mm/yyyy)").fill(month)
    page.get_by_label("Bảng lương (CSV hoặc XLSX)").set_input_files(str(payroll))
    page.get_by_role("button", name="Xem trước").click()
    page.wait_for_url("**/web/finance/dues/preview")
    expect(page.locator("tr[data-row='3']")).to_contain_text("không có đoàn viên DV999")
    assert page.locator("#dues-sign").count() == 0
    shot(page, "finance-dues-preview-errors")

    payroll.write_text("Mã đoàn viên,Lương đóng BHXH\nDV001,6.000.000\nDV002,7.000.000\n")
    page.goto("/web/finance/dues")
    page.get_by_label("Tháng đóng (mm/yyyy)").fill(month)
    page.get_by_label("Bảng lương (CSV hoặc XLSX)").set_input_files(str(payroll))
    page.get_by_role("button", name="Xem trước").click()
    expect(page.locator("#dues-summary")).to_contain_text("65.000 đ")
    page.get_by_role("button", name="Ký và ghi lô đoàn phí").click()
    expect(page.locator("#dues-result")).to_contain_text("Đã ghi lô đoàn phí 2 dòng")
    shot(page, "finance-dues-recorded")

    member = people.page("DV002", phone=True)
    member.goto("/web/me")
    line = member.locator("tr[data-event]").filter(has_text=f"Đoàn phí tháng {_today():%m/%Y}")
    expect(line.locator("td.num")).to_have_text("35.000 đ")


def test_an_allocation_from_the_upper_level_names_its_giver_from_the_web(
    people: People, server: dict[str, Any]
) -> None:
    """Roll-up leaves out an allocation whose giver is inside the tree only when the giver
    is named; the command line and the API could name it, the web form could not."""
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/other")
    form = page.locator("#income-form")
    form.get_by_label("Nguồn thu").select_option("upper_allocation")
    form.get_by_label("Đơn vị cấp trên cấp (mã, chỉ với kinh phí cấp trên cấp)").fill("D")
    form.get_by_label("Số tiền (đồng)").fill("5.000.000")
    form.get_by_label("Nội dung").fill("Kinh phí hỗ trợ Tháng Công nhân")
    form.get_by_role("button", name="Ký và ghi khoản thu").click()
    expect(page.locator("#income-result")).to_contain_text("Đã ghi khoản thu.")
    shown = page.locator("#income-result p.muted").text_content() or ""
    event_id = shown.removeprefix("Mã bút toán: ").strip()
    import base64
    import json

    from api.queries import _own_events

    ctx = open_ledger(server["url"])
    try:
        entry = ctx.ledger.entry(event_id)
        assert entry is not None and entry["command_type"] == "collection.other"
        stored = _own_events(ctx.engine, str(entry["originator_id"]))
        event = stored[int(entry["originator_version"])]
    finally:
        ctx.close()
    signed = json.loads(json.loads(base64.b64decode(event["state"]))["envelope"]["command"])
    assert signed["body"] == {
        "source": "upper_allocation",
        "from_unit": "D",
        "amount": 5_000_000,
        "description": "Kinh phí hỗ trợ Tháng Công nhân",
    }


def test_every_other_page_renders_and_is_screenshotted(people: People) -> None:
    page = people.page("kt.g1")
    for path, name in (
        ("/web/finance/dues", "finance-dues"),
        ("/web/finance/other", "finance-other"),
        ("/web/reports", "reports"),
        ("/web/lang/en?next=/web/finance/payout", "finance-payout-english"),
    ):
        page.goto(path)
        assert page.locator("h1").count() == 1
        shot(page, name)
    assert page.locator("h1").text_content() == "Record a welfare payout"
    dates = ["22/11/2026", "2026-11-22", "31/02/2026", "22-11-2026", ""]
    typed = page.evaluate("(ds) => ds.map((d) => phucloiWeb.isoDate(d))", dates)
    assert typed == ["2026-11-22", "2026-11-22", None, None, None]
    page.goto("/web/lang/vi?next=/web/finance/payout")
    assert page.locator("h1").text_content() == "Ghi chi phúc lợi"


def test_the_language_switch_keeps_what_was_typed_in_the_forms(people: People) -> None:
    """Switching language reloaded the page and lost every half-filled form: what was typed
    (and the payout's chosen member) is put back on the page in the other language."""
    page = people.page("kt.g1")
    try:
        page.goto("/web/finance/other")
        page.get_by_label("Số tiền (đồng)").first.fill("1.200.000")
        page.locator("#income-description").fill("Kinh phí hỗ trợ Tháng Công nhân")
        page.locator("#expense-category").select_option(index=1)
        chosen = page.locator("#expense-category").input_value()
        page.locator("#lang-switch").click()
        page.wait_for_url("**/web/finance/other")
        expect(page.locator("h1")).to_have_text("Other income and spending")
        expect(page.locator("#income-amount")).to_have_value("1.200.000")
        expect(page.locator("#income-description")).to_have_value("Kinh phí hỗ trợ Tháng Công nhân")
        expect(page.locator("#expense-category")).to_have_value(chosen)
        page.reload()  # kept for the switch only: a later visit starts empty
        expect(page.locator("#income-amount")).to_have_value("")

        page.goto("/web/finance/payout")
        page.locator("#member-search").fill("DV001")
        page.locator("button.choice[data-member=DV001]").click()
        page.locator("#amount").fill("250.000")
        page.locator("#lang-switch").click()
        page.wait_for_url("**/web/finance/payout")
        expect(page.locator("h1")).to_have_text("Ghi chi phúc lợi")
        expect(page.locator("#member-chosen")).to_contain_text("DV001")
        expect(page.locator("#amount")).to_have_value("250.000")
        expect(page.locator("#allowance")).to_contain_text("Mức tối đa mỗi lần")
    finally:
        page.goto("/web/lang/vi?next=/web/finance/payout")


def test_the_browser_check_agrees_with_the_python_merkle_code(
    browser: Any, server: dict[str, Any]
) -> None:
    """static/merkle.js against audit.merkle and audit.note on trees of several sizes."""
    import hashlib

    from audit.merkle import inclusion_proof, leaf_hash, root_from_leaf_hashes
    from audit.note import Checkpoint, Signer

    origin = "phucloi.vn/ledger/test"
    signers = [Signer(origin, hashlib.sha256(f"seed {n}".encode()).digest()) for n in range(64)]
    # A log key whose base64 holds a "+" (a real key can), and another log's key.
    signer = next(s for s in signers if s.verifier().vkey.count("+") > 2)
    stranger = next(s for s in signers if s is not signer)
    leaves = [leaf_hash(f"entry {i}".encode()) for i in range(13)]
    cases, bad = [], []
    for size in (1, 2, 3, 7, 8, 13):
        note = Checkpoint(origin, size, root_from_leaf_hashes(leaves[:size])).sign([signer])
        for i in range(size):
            path = [p.hex() for p in inclusion_proof(leaves, i, size)]
            case = {
                "leafIndex": i,
                "treeSize": size,
                "leafHash": leaves[i].hex(),
                "path": path,
                "note": note,
                "vkey": signer.verifier().vkey,
            }
            cases.append(case)
            if size == 13 and i in (0, 6, 12):
                bad.append(({**case, "leafHash": leaves[(i + 1) % size].hex()}, "root"))
                bad.append(({**case, "vkey": stranger.verifier().vkey}, "signature"))
                bad.append(({**case, "treeSize": 12}, "size"))
                bad.append(({**case, "path": path[:-1]}, "proof"))
    context = browser.new_context(base_url=server["base"])
    try:
        page = context.new_page()
        page.goto("/web/key/new")
        check = "async (cases) => Promise.all(cases.map((c) => MerkleCheck.check(c)))"
        results = page.evaluate(check, cases)
        assert [r["inLog"] for r in results] == [True] * len(cases)
        refused = page.evaluate(check, [c for c, _ in bad])
        assert [(r["inLog"], r["reason"]) for r in refused] == [(False, why) for _, why in bad]
    finally:
        context.close()


VECTORS = Path(__file__).resolve().parents[1] / "data" / "rfc6962"


def _hex(b64: str | None) -> str:
    import base64

    return base64.b64decode(b64 or "").hex()


def test_the_browser_merkle_code_passes_the_rfc6962_vectors(
    browser: Any, server: dict[str, Any]
) -> None:
    """static/merkle.js against the transparency-dev vectors audit/merkle.py is tested on
    (tests/unit/test_merkle.py): it accepts exactly the files without `wantErr`."""
    import json

    def load(kind: str) -> list[dict[str, Any]]:
        files = sorted((VECTORS / kind).rglob("*.json"))
        assert len(files) >= 50  # an empty list would pass silently
        return [json.loads(f.read_text(encoding="utf-8")) for f in files]

    consistency = [
        {
            "size1": v["size1"],
            "size2": v["size2"],
            "root1": _hex(v["root1"]),
            "root2": _hex(v["root2"]),
            "proof": [_hex(p) for p in v["proof"] or []],
            "want": not v["wantErr"],
        }
        for v in load("consistency")
    ]
    inclusion = [
        {
            "index": v["leafIdx"],
            "size": v["treeSize"],
            "leaf": _hex(v["leafHash"]),
            "root": _hex(v["root"]),
            "proof": [_hex(p) for p in v["proof"] or []],
            "want": not v["wantErr"],
        }
        for v in load("inclusion")
    ]
    context = browser.new_context(base_url=server["base"])
    try:
        page = context.new_page()
        page.goto("/web/key/new")
        verdicts = page.evaluate(
            """async (cases) => Promise.all(cases.map((c) => MerkleCheck.verifyConsistency(
                 c.size1, c.size2, MerkleCheck.fromHex(c.root1), MerkleCheck.fromHex(c.root2),
                 c.proof.map(MerkleCheck.fromHex))))""",
            consistency,
        )
        assert verdicts == [c["want"] for c in consistency]
        roots = page.evaluate(
            """async (cases) => Promise.all(cases.map(async (c) => {
                 const r = await MerkleCheck.rootFromInclusion(c.index, c.size,
                   MerkleCheck.fromHex(c.leaf), c.proof.map(MerkleCheck.fromHex));
                 return r !== null && MerkleCheck.toHex(r) === c.root;
               }))""",
            inclusion,
        )
        assert roots == [c["want"] for c in inclusion]
    finally:
        context.close()


def test_a_saved_receipt_checks_against_a_newer_checkpoint(
    browser: Any, server: dict[str, Any]
) -> None:
    """A proof saved for an older tree failed against a newer checkpoint ("size", no hint);
    with the consistency proof between the two sizes it verifies, and a forged or missing
    one is said."""
    import hashlib

    from audit.merkle import consistency_proof, inclusion_proof, leaf_hash, root_from_leaf_hashes
    from audit.note import Checkpoint, Signer

    origin = "phucloi.vn/ledger/test"
    signer = Signer(origin, hashlib.sha256(b"log key").digest())
    leaves = [leaf_hash(f"entry {i}".encode()) for i in range(13)]
    note = Checkpoint(origin, 13, root_from_leaf_hashes(leaves)).sign([signer])
    cases = []
    for old in (1, 2, 3, 7, 8, 12):
        for i in sorted({0, old // 2, old - 1}):
            cases.append(
                {
                    "leafIndex": i,
                    "treeSize": old,
                    "leafHash": leaves[i].hex(),
                    "path": [p.hex() for p in inclusion_proof(leaves, i, old)],
                    "note": note,
                    "vkey": signer.verifier().vkey,
                    "consistency": [p.hex() for p in consistency_proof(leaves, old, 13)],
                }
            )
    context = browser.new_context(base_url=server["base"])
    try:
        page = context.new_page()
        page.goto("/web/key/new")
        run = """async ([cases, how]) => Promise.all(cases.map((c) => MerkleCheck.check({
            ...c,
            consistency: how === "array" ? c.consistency
              : how === "function" ? async (a, b) => (a === c.treeSize && b === 13 ? c.consistency : [])
              : how === "throws" ? async () => { throw new Error("offline"); }
              : how === "forged" ? c.consistency.map((h, i) => i === c.consistency.length - 1 ? "00".repeat(32) : h)
              : undefined,
          })))"""
        for how in ("array", "function"):
            results = page.evaluate(run, [cases, how])
            assert [(r["inLog"], r["reason"], r["size"], r["from"]) for r in results] == [
                (True, "ok", 13, c["treeSize"]) for c in cases
            ]
        for how, reason in (("none", "size"), ("throws", "unavailable"), ("forged", "consistency")):
            results = page.evaluate(run, [cases, how])
            assert [(r["inLog"], r["reason"]) for r in results] == [(False, reason)] * len(cases)
        # another leaf under a genuine consistency proof: the old root is not the logged one
        wrong = [{**c, "leafHash": leaves[(c["leafIndex"] + 1) % 13].hex()} for c in cases]
        results = page.evaluate(run, [wrong, "array"])
        assert [(r["inLog"], r["reason"]) for r in results] == [(False, "consistency")] * len(cases)
    finally:
        context.close()


def test_a_member_checks_a_proof_for_an_older_tree_through_the_servers_consistency_proof(
    people: People, server: dict[str, Any]
) -> None:
    """What the member's page does for a proof of an older tree than its checkpoint: fetch
    GET /audit/consistency with the member's session and check it in the browser."""
    from audit.log import prove_inclusion

    gift = server["events"]["gift1"]
    page = people.page("DV001")
    page.goto("/web/me")
    data = page.evaluate("() => JSON.parse(document.getElementById('log-data').textContent)")
    ctx = open_ledger(server["url"])
    try:
        saved = prove_inclusion(
            ctx.engine,
            gift,
            size=int(page.locator(f"#e-{gift} button[data-check]").get_attribute("data-leaf-index"))
            + 1,
        )
    finally:
        ctx.close()
    assert saved.size < data["checkpoint"]["size"]
    result = page.evaluate(
        """([c, data]) => MerkleCheck.check({
             ...c, note: data.checkpoint.note, vkey: data.log_vkey,
             consistency: MerkleCheck.fetchConsistency })""",
        [
            {
                "leafIndex": saved.index,
                "treeSize": saved.size,
                "leafHash": saved.leaf_hash.hex(),
                "path": [p.hex() for p in saved.path],
            },
            data,
        ],
    )
    assert (result["inLog"], result["reason"], result.get("from"), result.get("size")) == (
        True,
        "ok",
        saved.size,
        data["checkpoint"]["size"],
    ), result


def test_the_browser_content_check_covers_every_kind_of_a_members_own_line(
    browser: Any, server: dict[str, Any], tmp_path: Path
) -> None:
    """MerkleCheck.checkContent on the lines `/me/history` gives: a payout, one to a relative,
    a loan disbursed and repaid, and a reversal, whose amount only the entry it undoes
    signs. Each honest line passes; each edited field is named."""
    from api import queries

    ctx = open_ledger(f"sqlite:///{tmp_path / 'lines.db'}")
    try:
        world = World.build(ctx)
        world.join("DV001")
        with at("2024-08-01"):
            world.submit(
                "member.relative",
                by=world.kt,
                unit="G1",
                effective_date="2024-08-01",
                body={"member": "DV001", "relative": "C1", "relation": "child"},
                personal={"full_name": "Trần Bé Na", "date_of_birth": "2015-03-01"},
            )
        world.payout("DV001", "gift", 300_000, on="2024-09-02", occasion="2/9")
        world.payout("DV001", "gift", 200_000, on="2024-09-05", relative="C1", occasion="năm học")
        twice = world.payout(
            "DV001", "sickness_visit", 500_000, on="2024-09-10", personal={"reason": "cúm"}
        )
        with at("2024-09-11"):
            world.submit(
                "reversal.record",
                by=world.kt,
                unit="G1",
                body={"target": twice.event_id, "reason": "ghi trùng"},
            )
            loan = {"member": "DV001", "loan": "L1"}
            world.submit(
                "loan.disburse",
                by=world.kt,
                unit="G1",
                body=loan | {"fund": "tro_von", "amount": 2_000_000, "term_months": 12},
                personal={"reason": "chăn nuôi"},
            )
            world.submit("loan.repay", by=world.kt, unit="G1", body=loan | {"amount": 500_000})
        lines = queries.history_with_proofs(ctx.ledger, "DV001")["lines"]
    finally:
        ctx.close()
    by_id = {ln["event_id"]: ln for ln in lines}
    assert sorted(ln["command_type"] for ln in lines) == [
        "loan.disburse",
        "loan.repay",
        "payout.record",
        "payout.record",
        "payout.record",
        "reversal.record",
    ]
    honest = [(ln, by_id.get(ln["reversal_of"])) for ln in lines]
    edits = [
        ("payout.record", {"relative": "C1"}, "relative"),
        ("payout.record", {"form": "in_kind"}, "form"),
        ("payout.record", {"detail": "Tết"}, "occasion"),
        ("payout.record", {"unit_code": "G2"}, "unit"),
        ("loan.repay", {"detail": "L2"}, "loan"),
        ("loan.repay", {"key": "write_off"}, "kind"),
        ("loan.disburse", {"amount": 20_000_000}, "amount"),
        ("reversal.record", {"amount": -50_000}, "amount"),
        ("reversal.record", {"effective_date": "2024-09-11"}, "date"),
        ("reversal.record", {"reversal_of": by_id[twice.event_id]["event_id"][::-1]}, "target"),
    ]
    edited = []
    for type_, change, _ in edits:
        ln = next(x for x in lines if x["command_type"] == type_ and x["relative"] is None)
        edited.append((ln | change, by_id.get(ln["reversal_of"])))
    context = browser.new_context(base_url=server["base"])
    try:
        page = context.new_page()
        page.goto("/web/key/new")
        run = (
            "async (cases) => Promise.all(cases.map(([line, original]) => "
            "MerkleCheck.checkContent(line.event, line, 'DV001', original)"
            ".then((r) => r.reason)))"
        )
        assert page.evaluate(run, honest) == ["ok"] * len(honest)
        assert page.evaluate(run, edited) == [why for _, _, why in edits]
    finally:
        context.close()


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        ("amount = 50000", "số tiền đã ký là 300.000 đ, khác số tiền hiển thị"),
        ("key = 'scholarship'", "khoản đã ký khác dòng hiển thị"),
        ("effective_date = '2024-09-03'", "ngày đã ký khác dòng hiển thị"),
        ("relative = 'C9'", "người nhận đã ký khác dòng hiển thị"),
        # the line pointed at another member's logged payout, whose content is not sent
        ("event_id = :other", "máy chủ không gửi nội dung đã ký"),
    ],
)
def test_a_member_is_told_when_a_line_shown_is_not_what_was_signed(
    people: People, server: dict[str, Any], edit: str, said: str
) -> None:
    """The check button used to prove only that the entry's leaf is in the log: a read
    model edited by hand (a payout shown at 50.000 đ instead of the 300.000 đ signed, as
    another kind, on another day, to a relative, or pointed at another member's entry) still
    said "Có trong sổ". The page now recomputes the leaf from the stored event and compares
    what was signed with the line."""
    from sqlalchemy import text

    gift, other = server["events"]["gift1"], server["events"]["gift2"]
    ctx = open_ledger(server["url"])
    try:
        with ctx.engine.begin() as conn:
            seq, line = conn.execute(
                text(
                    "SELECT seq, line FROM proj_money_lines WHERE event_id = :e "
                    "AND member_number = 'DV001'"
                ),
                {"e": gift},
            ).one()
            conn.execute(
                text(f"UPDATE proj_money_lines SET {edit} WHERE seq = :s AND line = :l"),
                {"s": seq, "l": line} | ({"other": other} if ":other" in edit else {}),
            )
        shown = other if ":other" in edit else gift
        page = people.page("DV001", phone=True)
        page.goto("/web/me")
        page.locator(f"#e-{shown}").get_by_role("button", name="Kiểm tra").click()
        result = page.locator(f"#c-{shown}")
        expect(result).to_contain_text("KHÔNG khớp")
        expect(result).to_contain_text(said)
        expect(result).not_to_contain_text("Có trong sổ")
    finally:
        with ctx.engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE proj_money_lines SET amount = 300000, key = 'gift', "
                    "effective_date = '2024-09-02', relative = NULL, event_id = :e "
                    "WHERE seq = :s AND line = :l"
                ),
                {"e": gift, "s": seq, "l": line},
            )
        ctx.close()


# --- QA report 5 --------------------------------------------------------------------------------


def test_the_pages_read_money_exactly_as_the_ledger_does(people: People) -> None:
    """parseMoney deleted every ".": "2500000.00" was signed as 250.000.000 đ, "1.5" as 15 đ."""
    from ledger.domain.money import parse_dong

    typed = [
        "1.500.000", "1500000", "1,500,000", "1 500 000", "1.500.000 đ", "300000₫",
        "2.000.000 VNĐ", "500.000 đồng", "1500000.00", "2500000.00", "1.5", "1.50.0000",
        "1.500,000", "12,5", "-5", "", "abc", "1.000", "1234.567", "1.000.",
    ]  # fmt: skip
    expected = []
    for value in typed:
        try:
            expected.append(parse_dong(value))
        except ValueError:
            expected.append(None)
    page = people.page("kt.g1")
    page.goto("/web/finance/other")
    assert page.evaluate("(xs) => xs.map((x) => phucloiWeb.parseMoney(x))", typed) == expected


def test_a_spending_with_decimals_is_refused_and_a_recorded_one_says_its_amount(
    people: People, server: dict[str, Any]
) -> None:
    """The page signed "2500000.00" as 250.000.000 đ and said only "Đã ghi khoản chi."; the
    form then stayed filled, so a second click recorded the same money again."""
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/other")
    form = page.locator("#expense-form")
    form.get_by_label("Số tiền (đồng)").fill("2500000.00")
    form.get_by_label("Diễn giải").fill("Mua văn phòng phẩm quý IV")
    form.get_by_role("button", name="Ký và ghi khoản chi").click()
    result = page.locator("#expense-result")
    expect(result).to_contain_text(
        "Số tiền (đồng): Số tiền có phần thập phân (đồng không có số lẻ)"
    )
    form.get_by_label("Số tiền (đồng)").fill("2.500.000")
    form.get_by_role("button", name="Ký và ghi khoản chi").click()
    expect(result).to_contain_text("Đã ghi khoản chi.")
    expect(result).to_contain_text(f"Số tiền đã ký: 2.500.000 đ, ngày {_today():%d/%m/%Y}")
    event_id = (result.locator("p.muted").text_content() or "").removeprefix("Mã bút toán: ")
    ctx = open_ledger(server["url"])
    try:
        unit = ctx.ledger.get_unit("G1")
        assert unit is not None and unit.money[event_id.strip()]["amount"] == 2_500_000
    finally:
        ctx.close()
    # Locked after success: no second record by a second click; "Ghi khoản khác" reopens it.
    submit = form.get_by_role("button", name="Ký và ghi khoản chi")
    expect(submit).to_be_disabled()
    expect(form.get_by_label("Số tiền (đồng)")).to_be_disabled()
    shot(page, "finance-expense-recorded-locked")
    result.get_by_role("button", name="Ghi khoản khác").click()
    expect(submit).to_be_enabled()
    expect(form.get_by_label("Số tiền (đồng)")).to_have_value("")
    expect(form.get_by_label("Diễn giải")).to_have_value("")


def test_a_refusal_names_the_forms_label_and_a_date_as_people_write_it(people: People) -> None:
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/other")
    form = page.locator("#income-form")
    form.get_by_label("Ngày (dd/mm/yyyy)").fill("01/01/2000")
    form.get_by_label("Số tiền (đồng)").fill("1.000.000")
    form.get_by_label("Nội dung").fill("Tài trợ")
    form.get_by_role("button", name="Ký và ghi khoản thu").click()
    result = page.locator("#income-result")
    expect(result).to_contain_text(
        "Ngày (dd/mm/yyyy): ngày hiệu lực 01/01/2000 trước ngày đơn vị G1 được đăng ký"
    )
    expect(result).not_to_contain_text("command.effective_date")
    assert form.get_by_label("Ngày (dd/mm/yyyy)").get_attribute("aria-invalid") == "true"


def test_a_dispute_typed_when_the_session_ends_is_kept_through_the_login(
    browser: Any, server: dict[str, Any]
) -> None:
    """The member's dispute posted after the session ended showed raw JSON and the text was
    lost. It now goes to the login page, and after logging in back to the form, text kept."""
    from api.auth import end_sessions

    context = browser.new_context(base_url=server["base"], locale="vi-VN")
    try:
        page = context.new_page()
        page.goto("/web/member/login")
        page.get_by_label("Mã đoàn viên").fill("DV201")
        page.get_by_label("Mã PIN").fill(PIN["DV201"])
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url("**/web/me")
        entry = server["events"]["gift3"]
        page.goto(f"/web/me/disputes/new?entry={entry}")
        words = "Tôi chưa nhận được quà 2/9 năm nay."
        page.get_by_label("Bạn muốn nói gì thêm").fill(words)
        ctx = open_ledger(server["url"])
        try:  # the member logs out on another device
            end_sessions(ctx.engine, Account("member", "DV201"))
        finally:
            ctx.close()
        page.get_by_role("button", name="Gửi phản ánh").click()
        page.wait_for_url("**/web/member/login?**")
        expect(page.locator("#login-expired")).to_contain_text("CHƯA được thực hiện")
        shot(page, "member-dispute-session-ended")
        page.get_by_label("Mã đoàn viên").fill("DV201")
        page.get_by_label("Mã PIN").fill(PIN["DV201"])
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(f"**/web/me/disputes/new?entry={entry}")
        expect(page.get_by_label("Bạn muốn nói gì thêm")).to_have_value(words)
        expect(page.locator("#dispute-restored")).to_be_visible()
        page.get_by_role("button", name="Gửi phản ánh").click()
        page.wait_for_url("**/web/me?done=disputed**")
        # recorded: the words are forgotten, and the entry's form says the dispute is open
        page.goto(f"/web/me/disputes/new?entry={entry}")
        expect(page.locator("#dispute-open")).to_contain_text("Ủy ban kiểm tra đang xem xét")
        kept = page.evaluate(
            "(entry) => Object.keys(sessionStorage).filter((k) => k.endsWith(entry))", entry
        )
        assert kept == []
    finally:
        context.close()
    ctx = open_ledger(server["url"])
    try:
        member = ctx.ledger.get_member("DV201")
        assert member is not None and [s["kind"] for s in member.statements] == ["dispute"]
    finally:
        ctx.close()


def test_a_zero_salary_is_refused_by_the_preview_and_english_keeps_the_form(
    people: People, server: dict[str, Any]
) -> None:
    """The preview said "hợp lệ" for a salary of 0 or 1 đ, then signing was refused naming
    body.lines[0]; and the language switch on the preview answered 405 JSON."""
    page = people.signing_officer("kt.g1")
    payroll = server["home"] / "luong-0.csv"
    payroll.write_text("Mã đoàn viên,Lương đóng BHXH\nDV001,0\nDV002,1\n")
    page.goto("/web/finance/dues")
    page.get_by_label("Tháng đóng (mm/yyyy)").fill("08/2024")
    page.get_by_label("Bảng lương (CSV hoặc XLSX)").set_input_files(str(payroll))
    page.get_by_role("button", name="Xem trước").click()
    page.wait_for_url("**/web/finance/dues/preview")
    expect(page.locator("tr[data-row='2']")).to_contain_text(
        "lương đóng BHXH: giá trị phải lớn hơn 0"
    )
    expect(page.locator("tr[data-row='3']")).to_contain_text("đoàn phí: giá trị phải lớn hơn 0")
    assert page.locator("#dues-sign").count() == 0
    page.locator("#lang-switch").click()
    page.wait_for_url("**/web/finance/dues")
    assert page.locator("h1").text_content() == "Dues from the payroll"
    page.goto("/web/lang/vi?next=/web/abc")
    assert page.url.endswith("/web/abc")
    expect(page.locator("main")).to_contain_text("Không có trang này")
    expect(page.locator("main")).to_contain_text("There is no such page")
    page.get_by_role("link", name="Về trang chính").click()
    page.wait_for_url("**/web/finance/payout")


def test_an_officer_reverses_an_entry_in_the_browser_after_a_refusal(
    people: People, server: dict[str, Any]
) -> None:
    """A mistake recorded in the web could not be corrected in the web: the list of what the
    officer recorded now signs the same `reversal.record` as `phucloi record reversal`."""
    gift = server["events"]["gift2"]  # DV002's 400.000 đ gift of 02/09/2024, by kt.g1
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance")
    row = page.locator(f'tr[data-event="{gift}"]')
    expect(row.locator("td").nth(4)).to_have_text("Đã chi")
    row.get_by_text("Đảo bút toán", exact=True).click()
    form = page.locator(f"#reverse-{gift}")
    form.get_by_label("Lý do đảo").fill("Ghi nhầm đoàn viên")
    form.get_by_label("Ngày đảo (dd/mm/yyyy)").fill("01/09/2024")
    shot(page, "finance-reverse-form")
    form.get_by_role("button", name="Ký và đảo bút toán").click()
    result = page.locator(f"#rv-{gift}")
    expect(result).to_contain_text("Chưa ghi: có thông tin cần sửa")
    expect(result).to_contain_text(
        "Ngày đảo (dd/mm/yyyy): ngày hiệu lực trước ngày của bút toán gốc (02/09/2024)"
    )
    shot(page, "finance-reverse-refused")
    form.get_by_label("Ngày đảo (dd/mm/yyyy)").fill(f"{_today():%d/%m/%Y}")
    form.get_by_role("button", name="Ký và đảo bút toán").click()
    expect(result).to_contain_text("Đã đảo bút toán.")
    # the page reloads: the entry says it is reversed, the reversal is listed above it
    expect(row.locator("td").nth(4)).to_have_text("Đã đảo")
    expect(page.locator(f"#reverse-{gift}")).to_have_count(0)
    reversal = page.locator("#recorded tbody tr").first
    expect(reversal.locator("td").nth(1)).to_have_text("Đảo bút toán")
    expect(reversal.locator("td.num")).to_have_text("-400.000 đ")
    expect(reversal.locator(f'code[data-target="{gift}"]')).to_have_text(gift[:8])
    shot(page, "finance-reversed")
    ctx = open_ledger(server["url"])
    try:
        member = ctx.ledger.get_member("DV002")
        assert member is not None and member.payouts[gift].reversed
    finally:
        ctx.close()


def test_an_officer_records_the_union_fee_and_a_remittance_from_the_web(
    people: People,
) -> None:
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/fees")
    month = f"{_today():%m/%Y}"
    fee = page.locator("#fee-form")
    expect(fee.get_by_label("Tháng lương (mm/yyyy)")).to_have_value(month)
    fee.get_by_label("Tháng lương (mm/yyyy)").fill("13/2025")
    fee.get_by_label("Doanh nghiệp đóng kinh phí").fill("Công ty May Sông Bé")
    fee.get_by_label("Quỹ lương đóng BHXH (đồng)").fill("45.000.000")
    # no month, no policy to tell the fee by: the general rule only
    expect(page.locator("#fee-due")).to_contain_text("Kinh phí không được nhiều hơn tỷ lệ")
    fee.get_by_label("Số tiền kinh phí (đồng)").fill("900.000")
    fee.get_by_role("button", name="Ký và ghi kinh phí").click()
    result = page.locator("#fee-result")
    expect(result).to_contain_text(
        "Tháng lương (mm/yyyy): tháng phải có dạng mm/yyyy, ví dụ 03/2025"
    )
    fee.get_by_label("Tháng lương (mm/yyyy)").fill(month)
    # the policy of the payroll month's first day, as the ledger checks it
    expect(page.locator("#fee-due")).to_contain_text(
        f"áp dụng cho tháng lương {month} (quy chế ngày 01/{month}): 2% quỹ lương = 900.000 đ"
    )
    fee.get_by_role("button", name="Ký và ghi kinh phí").click()
    expect(result).to_contain_text("Đã ghi kinh phí công đoàn.")
    expect(result).to_contain_text(f"Số tiền đã ký: 900.000 đ, ngày {_today():%d/%m/%Y}")

    remit = page.locator("#remit-form")
    remit.get_by_label("Khoản nộp").select_option("union_fee")
    remit.get_by_label("Công đoàn cấp trên nhận").select_option("D")
    remit.get_by_label("Số tiền (đồng)").fill("360.000")
    remit.get_by_role("button", name="Ký và ghi khoản nộp").click()
    expect(page.locator("#remit-result")).to_contain_text("Đã ghi khoản nộp cấp trên.")
    shot(page, "finance-fees")
    page.goto("/web/finance")
    first = page.locator("#recorded tbody tr").first
    expect(first.locator("td").nth(1)).to_have_text("Nộp cấp trên")
    expect(first.locator("td.num")).to_have_text("360.000 đ")
    expect(first.locator("td").nth(4)).to_have_text("Đã nộp cấp trên")


def _colleague_recorded_and_left(url: str) -> str:
    """kt.g1b, a second finance officer of G1, records other income and leaves (the role is
    revoked); the entry's id."""
    from tests.support import officer_key

    colleague = officer_key("kt.g1b")
    admin = officer_key("admin")
    grant = {"officer": "kt.g1b", "role": "finance_officer", "scope": "G1"}
    ctx = open_ledger(url)
    try:
        for type_, body in (
            (
                "officer.register",
                {
                    "officer": "kt.g1b",
                    "name": "Đỗ Văn Tâm",
                    "public_key": encode_b64(colleague.signer.public_key),
                },
            ),
            ("officer.grant", grant),
        ):
            ctx.ledger.submit(build(type_, by=admin, body=body))
        receipt = ctx.ledger.submit(
            build(
                "collection.other",
                by=colleague,
                unit="G1",
                effective_date=_today(),
                body={"source": "donation", "amount": 777_000, "description": "Ủng hộ Trung thu"},
            )
        )
        ctx.ledger.submit(build("officer.revoke_role", by=admin, body=grant))
        return str(receipt.event_id)
    finally:
        ctx.close()


def test_an_officer_reverses_a_colleagues_entry_from_the_unions_entries(
    people: People, server: dict[str, Any]
) -> None:
    """Only the officer's own entries could be reversed in the web: one recorded by a
    colleague who has since left could not. The union's entries list it, searched by amount,
    with the same "Đảo bút toán"; an empty reason is said in Vietnamese, and a refusal about
    the entry itself (reversed meanwhile in another tab) is said of that entry."""
    entry = _colleague_recorded_and_left(server["url"])
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/entries")
    search = page.locator("#entries-search")
    search.get_by_label("Số tiền (đồng)").fill("777.000")
    search.get_by_role("button", name="Tìm").click()
    page.wait_for_url("**/web/finance/entries?*amount=777.000*")
    rows = page.locator("#entries tbody tr")
    expect(rows).to_have_count(1)
    row = page.locator(f'tr[data-event="{entry}"]')
    expect(row.locator("td").nth(4)).to_have_text("Đã thu")
    expect(row.locator("td").nth(5)).to_have_text("kt.g1b")
    stale = page.context.new_page()  # the same list, left open in another tab
    stale.goto(page.url)

    row.get_by_text("Đảo bút toán", exact=True).click()
    form = page.locator(f"#reverse-{entry}")
    reason = form.get_by_label("Lý do đảo")
    form.get_by_role("button", name="Ký và đảo bút toán").click()
    assert reason.evaluate("el => el.validationMessage") == "Hãy nhập lý do đảo bút toán."
    expect(page.locator(f"#rv-{entry}")).to_be_hidden()  # nothing was signed
    shot(page, "finance-entries-reason-missing")
    reason.fill("Ghi trùng khoản ủng hộ")
    assert reason.evaluate("el => el.validationMessage") == ""
    form.get_by_role("button", name="Ký và đảo bút toán").click()
    expect(page.locator(f"#rv-{entry}")).to_contain_text("Đã đảo bút toán.")
    expect(row.locator("td").nth(4)).to_have_text("Đã đảo")  # after the reload
    expect(page.locator(f"#reverse-{entry}")).to_have_count(0)
    shot(page, "finance-entries-reversed")

    old = stale.locator(f'tr[data-event="{entry}"]')
    old.get_by_text("Đảo bút toán", exact=True).click()
    old_form = stale.locator(f"#reverse-{entry}")
    old_form.get_by_label("Lý do đảo").fill("Ghi trùng khoản ủng hộ")
    old_form.get_by_role("button", name="Ký và đảo bút toán").click()
    result = stale.locator(f"#rv-{entry}")
    expect(result).to_contain_text("Chưa ghi: sổ không cho làm việc này với bút toán")
    expect(result.locator("li")).to_have_text(
        f"Bút toán {entry[:8]} (Thu khác, 777.000 đ, {_today():%d/%m/%Y}): bút toán đã được đảo"
    )
    shot(stale, "finance-entries-refused-on-the-entry")
    stale.close()


# --- member changes from the web --------------------------------------------------------------


def test_an_officer_changes_a_salary_and_records_a_member_leaving_from_the_web(
    people: People, server: dict[str, Any]
) -> None:
    """Member changes were CLI/API only; the membership page signs `member.salary` and
    `member.leave` as `phucloi members salary` / `leave` do, and a refusal keeps the form."""
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/membership")
    today = f"{_today():%d/%m/%Y}"
    salary = page.locator("#salary-form")
    salary.get_by_label("Ngày (dd/mm/yyyy)").fill("30/06/2024")
    salary.get_by_label("Mã đoàn viên").fill("DV001")
    salary.get_by_label("Lương đóng đoàn phí mới (đồng)").fill("7.200.000")
    salary.get_by_role("button", name="Ký và ghi lương đóng").click()
    result = page.locator("#salary-result")
    expect(result).to_contain_text("Chưa ghi: có thông tin cần sửa")
    expect(result).to_contain_text("Ngày (dd/mm/yyyy): ngày hiệu lực trước ngày kết nạp 01/07/2024")
    expect(salary.get_by_label("Mã đoàn viên")).to_have_value("DV001")
    expect(salary.get_by_label("Lương đóng đoàn phí mới (đồng)")).to_have_value("7.200.000")
    shot(page, "finance-salary-refused")
    salary.get_by_label("Ngày (dd/mm/yyyy)").fill(today)
    salary.get_by_role("button", name="Ký và ghi lương đóng").click()
    expect(result).to_contain_text("Đã ghi lương đóng đoàn phí mới.")
    expect(result).to_contain_text(f"Số tiền đã ký: 7.200.000 đ, ngày {today}")

    leave = page.locator("#leave-form")
    leave.get_by_label("Mã đoàn viên").fill("DV201")  # G2's member
    leave.get_by_label("Lý do thôi sinh hoạt").fill("Nghỉ việc")
    leave.get_by_role("button", name="Ký và ghi thôi sinh hoạt").click()
    left = page.locator("#leave-result")
    expect(left).to_contain_text("Đơn vị: DV201 không sinh hoạt tại G1")
    expect(leave.get_by_label("Lý do thôi sinh hoạt")).to_have_value("Nghỉ việc")
    leave.get_by_label("Mã đoàn viên").fill("DV003")
    leave.get_by_role("button", name="Ký và ghi thôi sinh hoạt").click()
    expect(left).to_contain_text("Đã ghi đoàn viên thôi sinh hoạt.")
    shot(page, "finance-membership")
    ctx = open_ledger(server["url"])
    try:
        dv001, dv201, dv003 = (ctx.ledger.get_member(n) for n in ("DV001", "DV201", "DV003"))
        assert dv001 is not None and dv001.salary_basis == 7_200_000
        assert dv201 is not None and dv201.left_on is None
        assert dv003 is not None and dv003.left_on == _today()
    finally:
        ctx.close()


JOIN_TYPED = {  # what the officer types, spaces, dots and a decomposed "ê" included
    "name": "  " + unicodedata.normalize("NFD", "Lê Thị Hồng Nhung") + "\u00a0",
    "cid": "079 190.002-345",
    "dob": "17/05/1990",
    "salary": "6.500.000",
    "account": "0011 0012-345",
    "household": "hk-0099/1",
}


def _comparable(item: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A signed item without what is random or the signer's device (id, time, key, salts):
    the command with its commitments' field names, and the openings' values."""
    from ledger.privacy import check_openings

    command = copy.deepcopy(item["command"])
    personal = command["body"].pop("personal")
    assert check_openings(personal, item["openings"]) == []
    for key in ("command_id", "signed_at"):
        command.pop(key)
    command["signer"].pop("key_id")
    command["body"]["personal"] = sorted(personal)
    return command, {k: v["value"] for k, v in item["openings"].items()}


def test_the_pages_normalise_personal_data_exactly_as_the_client_does(people: People) -> None:
    from ledger.client import normalise_personal

    typed = [
        ("full_name", unicodedata.normalize("NFD", " Lê Thị Hồng ")),
        ("full_name", "\u3000Trần Văn An\u2003\x1f"),
        ("full_name", "\ufeffPhạm Bảo"),
        ("full_name", "Nguyễn\x85"),
        ("citizen_id", "079 190 001 234"),
        ("citizen_id", "079.190.001-234"),
        ("citizen_id", "079\u00a0190\u3000001234"),
        ("citizen_id", "123456789"),
        ("citizen_id", "07919000123"),
        ("citizen_id", "079190001234\ufeff"),
        ("citizen_id", "０７９190001234"),
        ("household", "hk-0099"),
        ("household", " hk 00/99. "),
        ("household", "ﬀ-12"),
        ("household", "HK_0099"),
        ("household", "---"),
        ("household", "h" * 41),
        ("bank_account", "VCB:0011 0012.345-67"),
        ("bank_account", "ICB:12345"),
        ("bank_account", "MB:1234567890123456789012"),
        ("bank_account", "TCB:١٢٣٤٥٦٧"),
        ("reason", unicodedata.normalize("NFD", " Sốt xuất huyết ")),
    ]
    expected: list[str | None] = []
    for field_, value in typed:
        try:
            expected.append(normalise_personal(field_, value))
        except ValueError:
            expected.append(None)
    page = people.page("kt.g1")
    page.goto("/web/finance/membership")
    got = page.evaluate(
        "(xs) => xs.map(([f, v]) => phucloiWeb.normalisePersonal(f, v).value ?? null)", typed
    )
    assert got == expected


def test_the_pages_sign_free_text_as_nfc_as_the_client_does(people: People) -> None:
    """Vietnamese typed decomposed ("Tết" as T, e, U+0302, U+0301) is signed composed, as
    `ledger.client.build` signs it: the ledger refuses a free text that is not NFC."""
    from ledger.canonical import canonical_bytes

    typed = unicodedata.normalize("NFD", "Quà Tết")
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/membership")
    item = page.evaluate(
        """(t) => phucloiSign.signCommand("kt.g1", {type: "payout.record", unit: "G1",
             effectiveDate: "2025-01-20", personal: {reason: t},
             body: {occasion: t, in_kind: {item: t, quantity: 1}, lines: [t]}})""",
        typed,
    )
    body = item["command"]["body"]
    assert (body["occasion"], body["in_kind"]["item"], body["lines"]) == (
        "Quà Tết",
        "Quà Tết",
        ["Quà Tết"],
    )
    assert item["openings"]["reason"]["value"] == "Quà Tết"
    assert body["in_kind"]["quantity"] == 1
    signed = page.evaluate("(c) => phucloiSign.canonicalize(c)", item["command"])
    assert signed.encode() == canonical_bytes(item["command"])


def test_a_member_joins_from_the_web_signed_as_the_command_line_signs_it(
    people: People, server: dict[str, Any]
) -> None:
    """The browser's member.join is the CLI's: the same body, the same commitments' fields,
    the same normalised openings (NFC name, bare CCCD, the bank's one code, household code);
    only the command id, time, key and salts differ."""
    from ledger.cli.common import amount, day, personal_value
    from tests.support import officer_key

    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/membership")
    form = page.locator("#join-form")
    form.get_by_label("Mã đoàn viên").fill("DV001")  # taken
    form.get_by_label("Họ tên").fill(JOIN_TYPED["name"])
    form.get_by_label("Số CCCD (12 số)").fill("079 190.002-34")  # 11 digits
    form.get_by_label("Ngày sinh (dd/mm/yyyy)").fill(JOIN_TYPED["dob"])
    form.get_by_label("Lương đóng đoàn phí (đồng)").fill(JOIN_TYPED["salary"])
    form.get_by_label("Ngân hàng (không bắt buộc)").select_option("VCB")
    form.get_by_label("Số tài khoản (không bắt buộc)").fill(JOIN_TYPED["account"])
    form.get_by_label("Mã hộ gia đình (không bắt buộc)").fill(JOIN_TYPED["household"])
    button = form.get_by_role("button", name="Ký và ghi kết nạp")
    button.click()
    result = page.locator("#join-result")
    expect(result).to_contain_text(
        "Số CCCD (12 số): số định danh phải gồm 12 chữ số (CCCD) hoặc 9 chữ số (CMND)"
    )
    form.get_by_label("Số CCCD (12 số)").fill(JOIN_TYPED["cid"])
    button.click()
    expect(result).to_contain_text("Mã đoàn viên: mã đoàn viên DV001 đã tồn tại")
    expect(form.get_by_label("Họ tên")).to_have_value(JOIN_TYPED["name"])
    shot(page, "finance-join-refused")
    form.get_by_label("Mã đoàn viên").fill("DV020")
    with page.expect_request(lambda r: r.url.endswith("/web/finance/submit")) as sent:
        button.click()
    expect(result).to_contain_text("Đã ghi kết nạp đoàn viên.")
    expect(result).to_contain_text(f"Số tiền đã ký: 6.500.000 đ, ngày {_today():%d/%m/%Y}")
    shot(page, "finance-join-recorded")
    browser_item = sent.value.post_data_json

    # what `phucloi members add DV020 --unit G1 --name … --bank Vietcombank:… --as kt.g1` signs
    personal = {
        "full_name": personal_value("--name", "full_name", JOIN_TYPED["name"]),
        "citizen_id": personal_value("--citizen-id", "citizen_id", JOIN_TYPED["cid"]),
        "date_of_birth": day("--dob", JOIN_TYPED["dob"]).isoformat(),
        "bank_account": personal_value(
            "--bank", "bank_account", f"Vietcombank:{JOIN_TYPED['account']}"
        ),
        "household": personal_value("--household", "household", JOIN_TYPED["household"]),
    }
    cli_item = build(
        "member.join",
        by=officer_key("kt.g1"),
        unit="G1",
        effective_date=_today(),
        body={"member": "DV020", "salary_basis": amount("--salary", JOIN_TYPED["salary"])},
        personal=personal,
    )
    assert _comparable(browser_item) == _comparable(cli_item)
    assert _comparable(browser_item)[1] == {
        "full_name": "Lê Thị Hồng Nhung",
        "citizen_id": "079190002345",
        "date_of_birth": "1990-05-17",
        "bank_account": "VCB:00110012345",
        "household": "HK00991",
    }
    ctx = open_ledger(server["url"])
    try:
        member = ctx.ledger.get_member("DV020")
        assert member is not None and member.salary_basis == 6_500_000
        revealed = ctx.ledger.reveal("DV020")
        assert revealed is not None and revealed["citizen_id"] == "079190002345"
    finally:
        ctx.close()


def test_the_pages_read_dates_as_the_command_line_does(people: People) -> None:
    """d/m/yyyy ("5/8/2025") was refused on every form while `phucloi … --date 5/8/2025`
    takes it."""
    from ledger.cli.common import parse_day

    typed = [
        "1/2/2025",
        "01/02/2025",
        "5/12/2025",
        "31/1/2025",
        " 5/8/2025 ",
        "29/2/2024",
        "29/2/2025",
        "0/1/2025",
        "1/13/2025",
        "001/02/2025",
        "1/2/25",
        "2025-02-01",
        "2025-2-1",
        "5-8-2025",
        "5/8/2025x",
        "",
    ]
    expected: list[str | None] = []
    for value in typed:
        try:
            expected.append(parse_day(value).isoformat())
        except ValueError:
            expected.append(None)
    page = people.page("kt.g1")
    page.goto("/web/finance/membership")
    assert page.evaluate("(xs) => xs.map((v) => phucloiWeb.isoDate(v))", typed) == expected
    # and the browser lets the forms be sent with such a date (each date input's pattern)
    accepts = """(v) => Array.from(document.querySelectorAll("input[data-date]"))
        .map((el) => { el.value = v; return [el.id, el.checkValidity()]; })"""
    for url in ("/web/finance/membership", "/web/finance/payout", "/web/finance/dues"):
        page.goto(url)
        dates = page.evaluate(accepts, "5/8/2025")
        assert dates and all(ok for _, ok in dates), (url, dates)


def _members_for_the_forms(url: str, numbers: tuple[str, ...]) -> None:
    """Members of G1 for the membership forms to change (joined a month ago with the
    administrator's key), so a transfer or a death leaves the other tests' members alone."""
    from tests.support import officer_key

    ctx = open_ledger(url)
    try:
        for i, number in enumerate(numbers):
            ctx.ledger.submit(
                build(
                    "member.join",
                    by=officer_key("admin"),
                    unit="G1",
                    effective_date=_today() - timedelta(days=30),
                    body={"member": number, "salary_basis": 6_000_000},
                    personal={
                        "full_name": f"Đoàn viên {number}",
                        "date_of_birth": "1990-01-01",
                        "citizen_id": f"0791900040{i:02d}",
                    },
                )
            )
    finally:
        ctx.close()


RELATIVE_TYPED = {  # what the officer types: spaces, a decomposed "ì", d/m/yyyy
    "name": " " + unicodedata.normalize("NFD", "Nguyễn Văn Bình") + "\u3000",
    "dob": "5/3/2015",
    "cid": "079 215.001-234",
}


def test_an_officer_declares_a_relative_and_a_household_signed_as_the_command_line_signs_them(
    people: People, server: dict[str, Any]
) -> None:
    """Relatives and a household's poverty status were CLI/API only. The page signs
    `member.relative` and `member.household` as `phucloi members relative` / `household`
    do: the same body, the same commitments, the same normalised openings."""
    from ledger.cli.common import day, personal_value
    from tests.support import officer_key

    _members_for_the_forms(server["url"], ("DV040",))
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/membership")
    today = _today()
    form = page.locator("#relative-form")
    form.get_by_label("Mã đoàn viên").fill("DV040")
    form.get_by_label("Mã thân nhân").fill("R1")
    form.get_by_label("Quan hệ").select_option("child")
    form.get_by_label("Họ tên thân nhân").fill(RELATIVE_TYPED["name"])
    form.get_by_label("Ngày sinh thân nhân").fill("5/3/2099")  # not born yet
    form.get_by_label("Số CCCD của thân nhân").fill(RELATIVE_TYPED["cid"])
    button = form.get_by_role("button", name="Ký và ghi thân nhân")
    button.click()
    result = page.locator("#relative-result")
    expect(result).to_contain_text("Chưa ghi: có thông tin cần sửa")
    expect(result).to_contain_text(
        f"Ngày sinh thân nhân (dd/mm/yyyy): ngày sinh 05/03/2099 sau ngày hiệu lực {today:%d/%m/%Y}"
    )
    expect(form.get_by_label("Họ tên thân nhân")).to_have_value(RELATIVE_TYPED["name"])
    shot(page, "finance-relative-refused")
    form.get_by_label("Ngày sinh thân nhân").fill(RELATIVE_TYPED["dob"])
    with page.expect_request(lambda r: r.url.endswith("/web/finance/submit")) as sent:
        button.click()
    expect(result).to_contain_text("Đã ghi khai báo thân nhân.")
    browser_relative = sent.value.post_data_json

    household = page.locator("#household-form")
    household.get_by_label("Mã đoàn viên").fill("DV040")
    household.get_by_label("Hoàn cảnh hộ gia đình").select_option(label="Hộ cận nghèo")
    with page.expect_request(lambda r: r.url.endswith("/web/finance/submit")) as sent:
        household.get_by_role("button", name="Ký và ghi hoàn cảnh hộ").click()
    expect(page.locator("#household-result")).to_contain_text("Đã ghi hoàn cảnh hộ gia đình.")
    shot(page, "finance-relative-household")
    browser_household = sent.value.post_data_json

    # what `phucloi members relative DV040 --unit G1 --code R1 --relation child --name …
    # --dob 5/3/2015 --citizen-id … --as kt.g1` and `… household DV040 --status near_poor` sign
    kt = officer_key("kt.g1")
    cli_relative = build(
        "member.relative",
        by=kt,
        unit="G1",
        effective_date=today,
        body={"member": "DV040", "relative": "R1", "relation": "child"},
        personal={
            "full_name": personal_value("--name", "full_name", RELATIVE_TYPED["name"]),
            "date_of_birth": day("--dob", RELATIVE_TYPED["dob"]).isoformat(),
            "citizen_id": personal_value("--citizen-id", "citizen_id", RELATIVE_TYPED["cid"]),
        },
    )
    assert _comparable(browser_relative) == _comparable(cli_relative)
    assert _comparable(browser_relative)[1] == {
        "full_name": "Nguyễn Văn Bình",
        "date_of_birth": "2015-03-05",
        "citizen_id": "079215001234",
    }
    cli_household = build(
        "member.household",
        by=kt,
        unit="G1",
        effective_date=today,
        body={"member": "DV040"},
        personal={"household_status": "near_poor"},
    )
    assert _comparable(browser_household) == _comparable(cli_household)
    ctx = open_ledger(server["url"])
    try:
        member = ctx.ledger.get_member("DV040")
        assert member is not None and member.relatives == {"R1": "child"}
        revealed = ctx.ledger.reveal("DV040")
        assert revealed is not None and revealed["household_status"] == "near_poor"
        assert revealed["relatives"]["R1"] == _comparable(browser_relative)[1]
    finally:
        ctx.close()


def test_an_officer_records_a_transfer_and_a_death_from_the_web(
    people: People, server: dict[str, Any]
) -> None:
    """Transfers and deaths were CLI/API only; a refusal keeps the form, and a date may be
    typed d/m/yyyy as on the command line."""
    _members_for_the_forms(server["url"], ("DV041", "DV042"))
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/membership")
    today = _today()
    transfer = page.locator("#transfer-form")
    transfer.get_by_label("Ngày chuyển").fill(f"{today.day}/{today.month}/{today.year}")
    transfer.get_by_label("Mã đoàn viên").fill("DV041")
    transfer.get_by_label("Chuyển đến công đoàn").select_option("G1")  # where they are
    button = transfer.get_by_role("button", name="Ký và ghi chuyển sinh hoạt")
    button.click()
    moved = page.locator("#transfer-result")
    expect(moved).to_contain_text("Chuyển đến công đoàn: đơn vị chuyển đến trùng đơn vị cũ")
    expect(transfer.get_by_label("Mã đoàn viên")).to_have_value("DV041")
    shot(page, "finance-transfer-refused")
    transfer.get_by_label("Chuyển đến công đoàn").select_option("G2")
    with page.expect_request(lambda r: r.url.endswith("/web/finance/submit")) as sent:
        button.click()
    expect(moved).to_contain_text("Đã ghi chuyển sinh hoạt.")
    command = sent.value.post_data_json["command"]
    assert (command["type"], command["unit"], command["effective_date"], command["body"]) == (
        "member.transfer",
        "G1",
        today.isoformat(),
        {"member": "DV041", "to_unit": "G2"},
    )

    death = page.locator("#death-form")
    tomorrow = today + timedelta(days=1)
    death.get_by_label("Ngày mất").fill(f"{tomorrow:%d/%m/%Y}")
    death.get_by_label("Mã đoàn viên").fill("DV042")
    button = death.get_by_role("button", name="Ký và ghi từ trần")
    button.click()
    died = page.locator("#death-result")
    expect(died).to_contain_text(
        f"Ngày mất (dd/mm/yyyy): ngày mất {tomorrow:%d/%m/%Y} sau hôm nay ({today:%d/%m/%Y})"
    )
    expect(death.get_by_label("Mã đoàn viên")).to_have_value("DV042")
    death.get_by_label("Ngày mất").fill(f"{today.day}/{today.month}/{today.year}")
    button.click()
    expect(died).to_contain_text("Đã ghi đoàn viên từ trần.")
    shot(page, "finance-transfer-death")
    ctx = open_ledger(server["url"])
    try:
        dv041, dv042 = (ctx.ledger.get_member(n) for n in ("DV041", "DV042"))
        assert dv041 is not None and dv041.current_unit() == "G2"
        assert dv042 is not None and dv042.died_on == today
    finally:
        ctx.close()


def _loan_lent_by_a_colleague(url: str, member: str, loan: str, amount: int, on: date) -> str:
    """kt.g1l, another finance officer of G1, lends `amount` to `member`; the disbursement's
    id (kt.g1's key is the browser's by now, so the loan is signed by a colleague)."""
    from tests.support import officer_key

    colleague = officer_key("kt.g1l")
    admin = officer_key("admin")
    ctx = open_ledger(url)
    try:
        if ctx.ledger.get_officer("kt.g1l") is None:
            for type_, body in (
                (
                    "officer.register",
                    {
                        "officer": "kt.g1l",
                        "name": "Lê Thị Vốn",
                        "public_key": encode_b64(colleague.signer.public_key),
                    },
                ),
                ("officer.grant", {"officer": "kt.g1l", "role": "finance_officer", "scope": "G1"}),
            ):
                ctx.ledger.submit(build(type_, by=admin, body=body))
        receipt = ctx.ledger.submit(
            build(
                "loan.disburse",
                by=colleague,
                unit="G1",
                effective_date=on,
                body={"member": member, "loan": loan, "fund": "tro_von", "amount": amount}
                | {"term_months": 12},
                personal={"reason": "sửa nhà"},
            )
        )
        return str(receipt.event_id)
    finally:
        ctx.close()


def test_an_officer_records_a_loan_repayment_from_the_web_after_refusals(
    people: People, server: dict[str, Any]
) -> None:
    """Loans were command line and API only. /web/finance/loans lists the open loans; a
    repayment above the outstanding or dated before the disbursement is refused on the form,
    in Vietnamese, with what was typed kept; a right one is recorded and the balance shown."""
    lent_on = _today() - timedelta(days=20)
    lent = _loan_lent_by_a_colleague(server["url"], "DV002", "WL1", 3_000_000, lent_on)
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/loans")
    row = page.locator(f"#loan-{lent}")
    expect(row).to_contain_text("DV002")
    expect(row).to_contain_text("3.000.000 đ")
    form = page.locator(f"#repay-{lent}")
    result = page.locator(f"#rr-{lent}")
    form.get_by_label("Số tiền trả (đồng)").fill("3.500.000")
    form.get_by_role("button", name="Ký và ghi khoản thu nợ").click()
    expect(result).to_contain_text("vượt dư nợ 3.000.000 đ")
    expect(form.get_by_label("Số tiền trả (đồng)")).to_have_value("3.500.000")
    shot(page, "finance-loan-repayment-refused")

    form.get_by_label("Số tiền trả (đồng)").fill("1.000.000")
    early = lent_on - timedelta(days=1)
    form.get_by_label("Ngày trả (dd/mm/yyyy)").fill(f"{early:%d/%m/%Y}")
    form.get_by_role("button", name="Ký và ghi khoản thu nợ").click()
    expect(result).to_contain_text(f"trước ngày của bút toán gốc ({lent_on:%d/%m/%Y})")
    expect(form.get_by_label("Số tiền trả (đồng)")).to_have_value("1.000.000")

    form.get_by_label("Ngày trả (dd/mm/yyyy)").fill(f"{_today():%d/%m/%Y}")
    form.get_by_role("button", name="Ký và ghi khoản thu nợ").click()
    expect(result).to_contain_text("Đã ghi khoản thu nợ.")
    page.wait_for_url("**/web/finance/loans")
    expect(page.locator(f"#loan-{lent}")).to_contain_text("2.000.000 đ")
    ctx = open_ledger(server["url"])
    try:
        member = ctx.ledger.get_member("DV002")
        assert member is not None and member.loans["WL1"].outstanding == 2_000_000
    finally:
        ctx.close()


def test_a_large_loan_from_the_web_waits_for_the_chair_who_signs_it_in_the_browser(
    people: People, server: dict[str, Any]
) -> None:
    """A disbursement above the approval threshold needs the chair's signature inline (a
    loan is never recorded pending): the officer's signed loan waits, the chair signs it."""
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/loans")
    form = page.locator("#disburse-form")
    expect(form.locator("#disburse-threshold")).to_contain_text(
        "Khoản vay trên 5.000.000 đ tại đơn vị G1"
    )
    form.get_by_label("Người vay: tìm đoàn viên (tên hoặc mã)").fill("DV001")
    form.locator("button.choice[data-member=DV001]").click()
    form.get_by_label("Mã khoản vay").fill("WL2")
    form.get_by_label("Quỹ cho vay").select_option("tro_von")
    form.get_by_label("Số tiền vay (đồng)").fill("8.000.000")
    form.get_by_label("Thời hạn vay (tháng)").fill("1 năm")
    form.get_by_role("button", name="Ký và ghi khoản giải ngân").click()
    result = page.locator("#disburse-result")
    expect(result).to_contain_text("Thời hạn vay (tháng): phải là số nguyên")
    form.get_by_label("Thời hạn vay (tháng)").fill("12")
    form.get_by_label("Mục đích vay (dữ liệu cá nhân, được niêm phong)").fill("mua bò giống")
    form.get_by_role("button", name="Ký và ghi khoản giải ngân").click()
    expect(result).to_contain_text(
        "Đã ký, đang chờ Chủ tịch ký duyệt: khoản vay WL2 cho DV001, 8.000.000 đ"
    )
    command_id = (result.locator("p.muted").text_content() or "").removeprefix("Mã lệnh: ")
    command_id = command_id.strip()
    shot(page, "finance-loan-waiting-for-chair")
    page.goto("/web/finance")
    expect(page.locator(f"tr[data-held='{command_id}']")).to_contain_text("Giải ngân vay")

    chair = people.signing_officer("ct.g1")
    chair.goto("/web/chair")
    item = chair.locator(f"#s-{command_id}")
    expect(item).to_contain_text("Giải ngân vay — DV001, WL2: 8.000.000 đ")
    expect(item).to_contain_text("mua bò giống")
    shot(chair, "chair-loan-queue")
    item.get_by_role("button", name="Ký duyệt và ghi vào sổ").click()
    expect(item.locator("[role=status]")).to_contain_text("khoản giải ngân đã được ghi vào sổ")
    chair.wait_for_load_state("load")
    expect(chair.locator(f"#s-{command_id}")).to_have_count(0)  # reloaded: nothing waits
    ctx = open_ledger(server["url"])
    try:
        assert ctx.ledger.entry(command_id) is not None
        member = ctx.ledger.get_member("DV001")
        assert member is not None and member.loans["WL2"].outstanding == 8_000_000
    finally:
        ctx.close()
    page.goto("/web/finance/loans")
    expect(page.locator("#open-loans")).to_contain_text("WL2")


def test_a_loan_write_off_from_the_web_waits_for_the_chair_who_signs_it_in_the_browser(
    people: People, server: dict[str, Any]
) -> None:
    """A write-off always needs the chair's signature inline: from the loans page it waits
    for the chair, who signs it on the approvals page; then the loan owes nothing."""
    lent = _loan_lent_by_a_colleague(
        server["url"], "DV003", "WL3", 2_000_000, _today() - timedelta(days=5)
    )
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/loans")
    form = page.locator(f"#writeoff-{lent}")
    form.get_by_label("Số tiền xóa nợ (đồng)").fill("2.000.000")
    form.get_by_label("Lý do xóa nợ").fill("Đoàn viên mất khả năng lao động")
    form.get_by_role("button", name="Ký và gửi Chủ tịch xóa nợ").click()
    result = page.locator(f"#wr-{lent}")
    expect(result).to_contain_text(
        "Đã ký, đang chờ Chủ tịch ký duyệt: xóa nợ 2.000.000 đ của khoản vay WL3 (DV003)"
    )
    command_id = (result.locator("p.muted").text_content() or "").removeprefix("Mã lệnh: ")
    command_id = command_id.strip()
    shot(page, "finance-loan-write-off-waiting")

    chair = people.signing_officer("ct.g1")
    chair.goto("/web/chair")
    item = chair.locator(f"#s-{command_id}")
    expect(item).to_contain_text("Xóa nợ vay — DV003, WL3: 2.000.000 đ")
    expect(item).to_contain_text("Đoàn viên mất khả năng lao động")
    item.get_by_role("button", name="Ký duyệt và ghi vào sổ").click()
    expect(item.locator("[role=status]")).to_contain_text("khoản xóa nợ đã được ghi vào sổ")
    chair.wait_for_load_state("load")
    expect(chair.locator(f"#s-{command_id}")).to_have_count(0)  # reloaded: nothing waits
    ctx = open_ledger(server["url"])
    try:
        member = ctx.ledger.get_member("DV003")
        assert member is not None and member.loans["WL3"].outstanding == 0
    finally:
        ctx.close()
    page.goto("/web/finance/loans")
    expect(page.locator(f"#loan-{lent}")).to_have_count(0)


# --- saved receipts ------------------------------------------------------------------------------


def _grow_and_checkpoint(url: str) -> tuple[int, str]:
    """Another entry (kt.g2's other income in G2) and a checkpoint over it: (size, note)."""
    from tests.support import officer_key

    ctx = open_ledger(url)
    try:
        ctx.ledger.submit(
            build(
                "collection.other",
                by=officer_key("kt.g2"),
                unit="G2",
                effective_date=_today(),
                body={"source": "donation", "amount": 1_000, "description": "Ủng hộ"},
            )
        )
        size, _root, note, _ = make_checkpoint(ctx.engine)
        return size, note
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def saved_receipts(
    people: People, server: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """DV001 saves the receipt of their gift from the page at a cosigned checkpoint; the ledger
    then grows; the receipt and its tamperings (tests/web/test_receipts.py), with the
    server's verdict on each."""
    from audit.log import cosign_latest, identity
    from tests.integration.test_audit_helpers import make_witness
    from tests.web.test_receipts import malformed_texts, server_verdict, tampered_receipts

    older = _grow_and_checkpoint(server["url"])[1]
    _grow_and_checkpoint(server["url"])
    witness = make_witness(tmp_path_factory.mktemp("witness"))
    ctx = open_ledger(server["url"])
    try:
        cosign_latest(ctx.engine, witness)
    finally:
        ctx.close()
    page = people.page("DV001")
    page.goto("/web/me")
    answer = page.request.get(f"/web/me/receipt?entry={server['events']['gift1']}")
    assert answer.status == 200, answer.text()
    receipt = answer.json()
    _grow_and_checkpoint(server["url"])
    ctx = open_ledger(server["url"])
    try:
        receipts = tampered_receipts(ctx.engine, receipt, older)
        verdicts = {n: server_verdict(ctx.engine, r, [witness.vkey]) for n, r in receipts.items()}
        texts = malformed_texts(receipt)
        on_texts = {n: server_verdict(ctx.engine, t, [witness.vkey]) for n, t in texts.items()}
        vkey = identity(ctx.engine).vkey
    finally:
        ctx.close()
    return {
        "receipts": receipts,
        "server": verdicts,
        "texts": texts,
        "server_on_texts": on_texts,
        "witness": witness.vkey,
        "log_vkey": vkey,
    }


def test_the_browser_and_the_server_give_the_same_verdict_on_saved_receipts(
    people: People, saved_receipts: dict[str, Any]
) -> None:
    """A changed amount, a changed proof hash, a swapped or another checkpoint, a forged
    cosignature, a log rewritten since: merkle.js checkReceipt (with the checkpoint and the
    consistency proof fetched as /web/receipt fetches them) says what audit.receipt says."""
    from tests.web.test_receipts import EXPECTED

    page = people.page("DV001")
    page.goto("/web/receipt")
    browser_said = page.evaluate(
        """async ([receipts, vkey, witnesses]) => {
             const out = {};
             for (const [name, r] of Object.entries(receipts)) {
               const v = await MerkleCheck.checkReceipt(r, { vkey, witnesses,
                 latest: MerkleCheck.fetchLatest, consistency: MerkleCheck.fetchPublicConsistency });
               out[name] = { reason: v.reason, detail: v.detail ?? null, size: v.size ?? null,
                             from: v.from, witnesses: v.witnesses };
             }
             return out;
           }""",
        [saved_receipts["receipts"], saved_receipts["log_vkey"], [saved_receipts["witness"]]],
    )
    assert {n: (v["reason"], v["detail"]) for n, v in browser_said.items()} == {
        n: (reason, detail) for n, reason, detail in EXPECTED
    }
    server_said = saved_receipts["server"]
    for name, v in browser_said.items():
        assert (v["reason"], v["detail"], v["witnesses"]) == (
            server_said[name]["reason"],
            server_said[name]["detail"],
            server_said[name]["witnesses"],
        ), name
    honest = browser_said["honest"]
    assert honest["size"] > honest["from"] and honest["size"] == server_said["honest"]["size"]
    assert [w["status"] for w in honest["witnesses"]] == ["verified"]
    # hand-written JSON JSON.parse and Python read differently, base64 atob took and Python
    # did not: both refuse it, naming the same field (MALFORMED)
    from tests.web.test_receipts import MALFORMED

    browser_on_texts = page.evaluate(
        """async ([texts, vkey, witnesses]) => {
             const out = {};
             for (const [name, text] of Object.entries(texts)) {
               const v = await MerkleCheck.checkReceiptText(text, { vkey, witnesses,
                 latest: MerkleCheck.fetchLatest, consistency: MerkleCheck.fetchPublicConsistency });
               out[name] = [v.reason, v.field ?? null, v.detail ?? null];
             }
             return out;
           }""",
        [saved_receipts["texts"], saved_receipts["log_vkey"], [saved_receipts["witness"]]],
    )
    server_on_texts = {
        n: [v["reason"], v["field"], v["detail"]]
        for n, v in saved_receipts["server_on_texts"].items()
    }
    assert {n: v[:2] for n, v in browser_on_texts.items()} == {
        n: ["malformed", field] for n, field in MALFORMED
    }
    assert browser_on_texts == server_on_texts


def test_the_receipt_page_says_what_does_not_hold_in_the_words_of_phucloi_audit_receipt(
    browser: Any, server: dict[str, Any], saved_receipts: dict[str, Any]
) -> None:
    """`phucloi audit receipt` said "nội dung bút toán trong biên nhận đã bị thay đổi (amount)"
    where /web/receipt said what was signed and what the receipt says, and the two had other
    words for a forged cosignature or a wrong checkpoint signature: the page now says, in each
    language, the very sentence the server's verdict gives (audit.receipt.RECEIPT_TEXTS)."""
    import json

    from audit.receipt import RECEIPT_TEXTS

    failing = [n for n, v in saved_receipts["server"].items() if not v["ok"]]
    assert {"amount", "proof_hash", "forged_cosignature", "rewritten"} <= set(failing)
    for lang, half in (("vi", 0), ("en", 1)):
        context = browser.new_context(base_url=server["base"], locale="vi-VN")
        context.add_cookies([{"name": "phucloi_lang", "value": lang, "url": server["base"]}])
        try:
            page = context.new_page()
            page.goto("/web/receipt")
            result = page.locator("#receipt-result")
            for name in failing:
                verdict = saved_receipts["server"][name]
                text = json.dumps(saved_receipts["receipts"][name], ensure_ascii=False)
                page.locator("#receipt-text").fill(text)
                page.locator("#receipt-check").click()
                expect(result).to_have_attribute("data-reason", verdict["reason"])
                said = (verdict["message_vi"], verdict["message_en"])[half]
                expect(result).to_have_text(RECEIPT_TEXTS["lead"][half] + said)
            shot(page, f"receipt-changed-entry-{lang}")
        finally:
            context.close()
    amount = saved_receipts["server"]["amount"]
    assert (amount["message_vi"], amount["message_en"]) == (
        "nội dung bút toán trong biên nhận đã bị thay đổi: số tiền đã ký là 300.000 đ, biên "
        "nhận ghi 3.000.000 đ",
        "the entry in the receipt was changed: the signed amount is 300.000 đ; the receipt says "
        "3.000.000 đ",
    )


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("honest", "Biên nhận HỢP LỆ: bút toán có trong sổ"),
        (
            "amount",
            "nội dung bút toán trong biên nhận đã bị thay đổi: số tiền đã ký là 300.000 đ, "
            "biên nhận ghi 3.000.000 đ",
        ),
        ("proof_hash", "bằng chứng trong biên nhận sai"),
        ("swapped_checkpoint", "chữ ký của điểm kiểm tra trong biên nhận sai"),
        ("rewritten", "sổ đã bị viết lại kể từ khi bạn lưu biên nhận"),
    ],
)
def test_anyone_checks_a_saved_receipt_on_the_public_page(
    browser: Any, server: dict[str, Any], saved_receipts: dict[str, Any], name: str, said: str
) -> None:
    """/web/receipt without a login: the receipt pasted (or its file chosen) is checked in the
    browser and what failed is said in Vietnamese."""
    import json

    context = browser.new_context(base_url=server["base"], locale="vi-VN")
    try:
        page = context.new_page()
        page.goto("/web/receipt")
        assert "/login" not in page.url
        text = json.dumps(saved_receipts["receipts"][name], ensure_ascii=False)
        if name == "honest":  # the file a member saved, chosen from the device
            page.set_input_files(
                "#receipt-file",
                files=[
                    {
                        "name": "bien-nhan.json",
                        "mimeType": "application/json",
                        "buffer": text.encode(),
                    }
                ],
            )
            expect(page.locator("#receipt-text")).to_have_value(text)
        else:
            page.locator("#receipt-text").fill(text)
        page.get_by_role("button", name="Kiểm tra biên nhận").click()
        result = page.locator("#receipt-result")
        expect(result).to_contain_text(said)
        reason = saved_receipts["server"][name]["reason"]
        expect(result).to_have_attribute("data-reason", reason)
        if name != "honest":
            expect(result).to_contain_text("Biên nhận KHÔNG hợp lệ")
        shot(page, f"receipt-{name}")
        page.locator("#receipt-text").fill('{"receipt": "phucloi/receipt/v1"}')
        page.get_by_role("button", name="Kiểm tra biên nhận").click()
        expect(result).to_contain_text("biên nhận không đúng dạng (member: phải là chuỗi ký tự)")
        # a key written twice: JSON.parse kept the last one; the page now refuses it, as
        # `phucloi audit receipt` does
        page.locator("#receipt-text").fill(saved_receipts["texts"]["duplicate_amount"])
        page.get_by_role("button", name="Kiểm tra biên nhận").click()
        expect(result).to_contain_text(
            "biên nhận không đúng dạng (entry.amount: có hai lần trong cùng một đối tượng)"
        )
        if name == "honest":  # the server limits this address: the page says so, and the wait
            page.route(
                "**/web/receipt/checkpoint",
                lambda route: route.fulfill(
                    status=429, headers={"Retry-After": "42"}, content_type="text/plain", body=""
                ),
            )
            page.locator("#receipt-text").fill(text)
            page.get_by_role("button", name="Kiểm tra biên nhận").click()
            expect(result).to_have_attribute("data-reason", "unavailable")
            expect(result).to_have_text(
                "CHƯA kiểm tra xong: máy chủ đang giới hạn số lần hỏi từ địa chỉ này; hãy thử "
                "lại sau 42 giây"
            )
            page.unroute("**/web/receipt/checkpoint")
        if name == "amount":  # the receipt's own sentence in English, not the history page's
            context.add_cookies([{"name": "phucloi_lang", "value": "en", "url": server["base"]}])
            page.reload()
            page.locator("#receipt-text").fill(text)
            page.get_by_role("button", name="Check the receipt").click()
            expect(result).to_have_text(
                "The receipt does NOT hold: the entry in the receipt was changed: the signed "
                "amount is 300.000 đ; the receipt says 3.000.000 đ"
            )
    finally:
        context.close()


def test_the_member_page_checks_against_the_newest_checkpoint(
    people: People, server: dict[str, Any]
) -> None:
    """The page checked every entry against the checkpoint it was opened with, even when the
    ledger had signed a newer one since; it now fetches the newest and links the entry's
    proof to it by a consistency proof."""
    gift = server["events"]["gift1"]
    page = people.page("DV001")
    page.goto("/web/me")
    opened = page.evaluate("() => JSON.parse(document.getElementById('log-data').textContent)")
    size = _grow_and_checkpoint(server["url"])[0]
    assert size > opened["checkpoint"]["size"]
    page.locator(f"#e-{gift}").get_by_role("button", name="Kiểm tra").click()
    result = page.locator(f"#c-{gift}")
    expect(result).to_contain_text(f"trong cây {size} bút toán, khớp điểm kiểm tra đã ký")
    expect(result).to_contain_text(
        f"Đã kiểm tra theo điểm kiểm tra mới nhất của sổ ({size} bút toán), mới hơn lúc mở "
        f"trang ({opened['checkpoint']['size']})"
    )
    expect(result).to_contain_text("Nội dung đã ký khớp dòng này")
    expect(result).to_contain_text(
        "Chưa có nhân chứng nào (theo khóa đã cấu hình) đồng ký điểm kiểm tra này."
    )


def test_the_members_check_verifies_the_witnesses_cosignatures(
    people: People, server: dict[str, Any], tmp_path: Path
) -> None:
    """Kiểm tra checked the checkpoint's signature but not its witnesses' cosignatures (only a
    saved receipt's check did): it now checks them with the witness keys the union trusts
    (PHUCLOI_WITNESS_KEYS), says who cosigned, and refuses a forged cosignature."""
    from sqlalchemy import insert, select

    from audit.log import cosign_latest
    from audit.tables import checkpoint_cosignatures
    from tests.integration.test_audit_helpers import make_witness

    gift = server["events"]["gift1"]
    ctx = open_ledger(server["url"])
    try:
        cosign_latest(ctx.engine, make_witness(tmp_path / "bao"))
    finally:
        ctx.close()
    page = people.page("DV001")
    page.goto("/web/me")
    page.locator(f"#e-{gift}").get_by_role("button", name="Kiểm tra").click()
    result = page.locator(f"#c-{gift}")
    expect(result).to_contain_text("Nội dung đã ký khớp dòng này")
    expect(result).to_contain_text("Nhân chứng đã đồng ký (chữ ký đã kiểm tra): ubkt.bao.")
    # a newer checkpoint under ubkt.bao's line for the older one: a cosignature by a trusted
    # witness's name and key ID that does not verify (the table takes new rows only)
    size = _grow_and_checkpoint(server["url"])[0]
    ctx = open_ledger(server["url"])
    try:
        with ctx.engine.begin() as conn:
            row = conn.execute(
                select(checkpoint_cosignatures).order_by(checkpoint_cosignatures.c.size.desc())
            ).first()
            assert row is not None and row.witness == "ubkt.bao"
            conn.execute(insert(checkpoint_cosignatures).values({**row._asdict(), "size": size}))
    finally:
        ctx.close()
    page.locator(f"#e-{gift}").get_by_role("button", name="Kiểm tra").click()
    expect(result).to_have_text(
        "KHÔNG xác minh được bút toán trong sổ: chữ ký đồng ký của nhân chứng ubkt.bao trên "
        "điểm kiểm tra sai (giả mạo)"
    )
    shot(page, "member-check-forged-cosignature")
    english = {"name": "phucloi_lang", "url": server["base"]}
    page.context.add_cookies([{**english, "value": "en"}])
    try:
        page.goto("/web/me")
        page.locator(f"#e-{gift}").get_by_role("button", name="Check").click()
        expect(result).to_have_text(
            "NOT verified in the log: the cosignature of witness ubkt.bao on the checkpoint is "
            "wrong (forged)"
        )
    finally:
        page.context.add_cookies([{**english, "value": "vi"}])
    _grow_and_checkpoint(server["url"])  # later tests see a newest checkpoint without it


def test_a_union_fee_decision_from_the_web_waits_for_the_chair_who_signs_it_in_the_browser(
    people: People, server: dict[str, Any]
) -> None:
    """An employer's exemption, suspension or reduction of the 2% fee was command line and
    API only. The fees page's form signs it; it always needs the chair, so it waits until the
    chair signs it in their own browser. A name the union never recorded a fee under, a span
    the ledger refuses and a reduction without its rate are said on the form first."""
    today = _today()
    first = date(today.year, today.month, 1)
    last = date(first.year + (first.month + 4) // 12, (first.month + 4) % 12 + 1, 1)
    page = people.signing_officer("kt.g1")
    page.goto("/web/finance/fees")
    form = page.locator("#relief-form")
    result = page.locator("#relief-result")
    form.get_by_label("Doanh nghiệp được miễn, giảm, tạm dừng").fill("Cty Dệt Bình An")
    form.get_by_label("Loại quyết định").select_option("reduced")
    expect(form.get_by_label("Tỷ lệ sau khi giảm (% quỹ lương)")).to_be_visible()
    form.get_by_label("Từ tháng (mm/yyyy)").fill(f"{last:%m/%Y}")
    form.get_by_label("Đến tháng (mm/yyyy)").fill(f"{first:%m/%Y}")
    form.get_by_label("Tỷ lệ sau khi giảm (% quỹ lương)").fill("1,5")
    form.get_by_label("Số quyết định").fill("45/QĐ-LĐLĐ")
    form.get_by_label("Cơ quan ban hành").fill("LĐLĐ tỉnh Bình Dương")
    form.get_by_role("button", name="Ký và gửi Chủ tịch duyệt").click()
    expect(result).to_contain_text(
        "Doanh nghiệp được miễn, giảm, tạm dừng: đơn vị G1 chưa ghi kinh phí hay quyết định "
        "nào của “Cty Dệt Bình An”"
    )
    form.get_by_label("Doanh nghiệp chưa có kinh phí hay quyết định nào ghi tại đơn vị").check()
    form.get_by_role("button", name="Ký và gửi Chủ tịch duyệt").click()
    expect(result).to_contain_text("Chưa ghi: có thông tin cần sửa")
    expect(result).to_contain_text(
        f"Đến tháng (mm/yyyy): tháng cuối {first:%m/%Y} trước tháng đầu {last:%m/%Y}"
    )
    shot(page, "finance-fee-decision-refused")
    form.get_by_label("Từ tháng (mm/yyyy)").fill(f"{first:%m/%Y}")
    form.get_by_label("Đến tháng (mm/yyyy)").fill(f"{last:%m/%Y}")
    form.get_by_label("Tỷ lệ sau khi giảm (% quỹ lương)").fill("1,5 phần trăm")
    form.get_by_role("button", name="Ký và gửi Chủ tịch duyệt").click()
    expect(result).to_contain_text("Tỷ lệ sau khi giảm (% quỹ lương): phải là phần trăm")
    form.get_by_label("Tỷ lệ sau khi giảm (% quỹ lương)").fill("1,5")
    form.get_by_role("button", name="Ký và gửi Chủ tịch duyệt").click()
    words = (
        "quyết định 45/QĐ-LĐLĐ của LĐLĐ tỉnh Bình Dương (Cty Dệt Bình An được giảm kinh phí "
        f"công đoàn còn 1,5% quỹ lương các tháng {first:%m/%Y}–{last:%m/%Y})"
    )
    expect(result).to_contain_text(f"Đã ký, đang chờ Chủ tịch ký duyệt: {words}")
    command_id = (result.locator("p.muted").text_content() or "").removeprefix("Mã lệnh: ")
    command_id = command_id.strip()
    shot(page, "finance-fee-decision-waiting-for-chair")
    ctx = open_ledger(server["url"])
    try:
        assert ctx.ledger.entry(command_id) is None  # not in the ledger while it waits
    finally:
        ctx.close()

    chair = people.signing_officer("ct.g1")
    chair.goto("/web/chair")
    item = chair.locator(f"#s-{command_id}")
    expect(item).to_contain_text(
        "Quyết định miễn, giảm, tạm dừng đóng kinh phí công đoàn — Cty Dệt Bình An: "
        f"Giảm tỷ lệ đóng, {first:%m/%Y}–{last:%m/%Y} — G1"
    )
    expect(item).to_contain_text(f"Kế toán ghi {words}.")
    shot(chair, "chair-fee-decision-queue")
    item.get_by_role("button", name="Ký duyệt và ghi vào sổ").click()
    expect(item.locator("[role=status]")).to_contain_text("quyết định đã được ghi vào sổ")
    chair.wait_for_load_state("load")
    expect(chair.locator(f"#s-{command_id}")).to_have_count(0)  # reloaded: nothing waits
    ctx = open_ledger(server["url"])
    try:
        unit = ctx.ledger.get_unit("G1")
        assert unit is not None
        decided = unit.fee_reliefs[command_id]
        assert (decided["kind"], decided["rate_bp"]) == ("reduced", 150)
        assert (decided["from_month"], decided["to_month"]) == (f"{first:%Y-%m}", f"{last:%Y-%m}")
    finally:
        ctx.close()
    page.goto("/web/finance")
    expect(page.locator(f"tr[data-held='{command_id}']")).to_contain_text("Đã ghi vào sổ")
    expect(page.locator(f"#recorded tr[data-event='{command_id}']")).to_contain_text(words)
