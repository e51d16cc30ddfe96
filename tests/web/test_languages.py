"""Every page and form in English and in Vietnamese, with realistic data: no text of the other
language shows through.

The web is Vietnamese first, with English versions of the pages (the `phucloi_lang` cookie,
set by the language switch). The English pages of the finance forms, the chair's held items,
the inspector's pages, the reports and the member's pages are rendered here with a ledger that
has something on every page (a pending payout, held spending, a held loan and write-off, an
open loan, a dispute, findings, a checkpoint); then:

- an English page shows no Vietnamese outside names and data: no letter with a Vietnamese
  diacritic is left once the ledger's own names and texts (units, members, officers, banks,
  what was typed into the records), the currency `đ`/`đồng` and the word `Tết` are taken out;
  the texts left out are the language switch (`lang="vi"`: Tiếng Việt) and the unknown
  page's line in the other language (`id="other-language"`), so marking any other text as
  Vietnamese (a finding's evidence notes were) does not hide it;
- a Vietnamese page shows no English sentence: none of the commonest English words, outside
  the language switch (`lang="en"`: English), code and data;
- neither shows an internal key where a label belongs (`housing_repair`, `loan.disburse`).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from audit.log import make_checkpoint
from ledger.banks import BANKS
from tests.support import at
from tests.web.conftest import CSRF, Web, csrf_of

JSON = {"Accept": "application/json"}
ON = "2025-01-15"

# Letters a Vietnamese word has and an English one never does.
VIETNAMESE = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.IGNORECASE
)
# The English words a Vietnamese sentence never holds (lower case, whole words).
ENGLISH = re.compile(
    r"\b(the|is|are|and|of|to|not|with|your|this|that|has|have|was|been|from|for|yet|none|"
    r"must|cannot|here|there|which|what|when|only|already|above|below|recorded|waiting)\b"
)
# A catalogue value or command type shown where its label belongs.
RAW_KEY = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\b[a-z]{2,}\.[a-z]{2,}(?:_[a-z]+)*\b")
# What people read besides the text: labels a screen reader says, hints, messages the page's
# script shows (data-ok, data-missing, data-template...).
READ_ATTRIBUTES = frozenset(
    {"placeholder", "aria-label", "title", "alt", "data-label", "data-entry", "data-ok"}
    | {"data-refused", "data-missing", "data-template", "data-prompt", "data-chosen"}
)
SKIPPED = frozenset({"script", "style", "code", "pre"})
VOID = frozenset({"input", "br", "meta", "link", "img", "hr", "source", "col", "wbr"})

# What the records of this test hold, typed in Vietnamese as a union would: data, not labels.
TYPED = (
    "Sửa nhà",
    "Nhà dột",
    "Quà Tết",
    "khó khăn",
    "mua xe",
    "sửa nhà",
    "Tôi chưa nhận được quà",
    "ghi nhầm",
    "dịp",
    "45/QĐ-LĐLĐ",  # a decision number as unions write it (the fee form's example)
    "46/QĐ-LĐLĐ",
    "Cty May Sông Bé",  # employers named in fee decisions
    "Cty Gỗ Thuận An",
)


class _Reader(HTMLParser):
    """The text a reader of a page in `lang` reads: text nodes and read attributes, outside
    scripts, code and the switch to the other language."""

    def __init__(self, lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = lang
        self.stack: list[tuple[str, bool]] = []  # (tag, left out)
        self.read: list[str] = []

    def _out(self) -> bool:
        return any(out for _, out in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        other = (
            values.get("id") in ("lang-switch", "other-language")
            and values.get("lang") != self.lang
        )
        if not self._out() and not other:
            self.read += [v for k, v in attrs if k in READ_ATTRIBUTES and v]
        if tag not in VOID:
            self.stack.append((tag, tag in SKIPPED or other))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if data.strip() and not self._out():
            self.read.append(data.strip())


def read(html: str, lang: str) -> list[str]:
    reader = _Reader(lang)
    reader.feed(html)
    return reader.read


def data_strings() -> list[str]:
    """The ledger's own names and texts: they are shown as they were recorded."""
    names = ["LĐLĐ tỉnh Bình Dương", "Công đoàn KCN VSIP"]
    names += ["CĐCS Công ty May Sông Bé", "CĐCS Công ty Gỗ Thuận An"]
    names += ["Nguyễn Thị Lan", "Trần Văn Hùng", "Lê Thị Mai", "Phạm Quốc Bảo", "Võ Thị Báo"]
    names += ["Quản trị viên", "Cổng thông tin đoàn viên"]
    names += [f"Đoàn viên {n}" for n in ("DV001", "DV002", "DV201")]
    names += [b.name for b in BANKS]
    # longest first, so that a name is not cut by a shorter one inside it
    return sorted({*names, *TYPED}, key=len, reverse=True)


def leaks(html: str, lang: str, data: list[str]) -> list[str]:
    """What a page in `lang` says in the other language, or a raw key, one item per text."""
    found = []
    for text in read(html, lang):
        rest = text
        for value in data:
            rest = rest.replace(value, " ")
        if lang == "en":
            rest = re.sub(r"\d đ\b|\bđồng\b|\bTết\b", " ", rest)
            if VIETNAMESE.search(rest):
                found.append(text)
                continue
        elif ENGLISH.search(rest):
            found.append(text)
            continue
        if RAW_KEY.search(rest):
            found.append(text)
    return found


def _post_held(web: Web, officer: Any, type_: str, body: dict[str, Any], **kw: Any) -> None:
    token = csrf_of(officer.get("/web/finance/other").text)
    with at(ON):
        item = web.world.item(type_, by=web.world.kt, unit="G1", effective_date=ON, body=body, **kw)
        answer = officer.post(
            "/web/finance/submit", json=item, headers={"X-CSRF-Token": token, **JSON}
        )
    assert answer.status_code == 202, answer.text


def _fee_decisions(web: Web, officer: Any) -> None:
    """A fee decision waiting for the chair, and a recorded one whose reversal waits."""
    w = web.world
    decision = {"kind": "suspended", "from_month": "2024-11", "to_month": "2025-04"}
    decision |= {"issuer": "LĐLĐ tỉnh Bình Dương"}
    with at(ON):
        recorded = w.ledger.submit(
            w.item(
                "union_fee.relief",
                by=w.kt,
                unit="G1",
                effective_date="2025-01-10",
                body=decision | {"employer": "Cty May Sông Bé", "decision_number": "45/QĐ-LĐLĐ"},
                cosigner=w.chair,
            )
        ).event_id
    reduced = {"employer": "Cty Gỗ Thuận An", "decision_number": "46/QĐ-LĐLĐ"}
    reduced |= {"kind": "reduced", "rate_bp": 150}
    for type_, body, path in (
        ("union_fee.relief", decision | reduced, "/web/finance/submit?new_employer=true"),
        ("reversal.record", {"target": str(recorded), "reason": "ghi nhầm"}, None),
    ):
        token = csrf_of(officer.get("/web/finance/fees").text)
        with at(ON):
            item = w.item(type_, by=w.kt, unit="G1", effective_date=ON, body=body)
            answer = officer.post(
                path or "/web/finance/submit",
                json=item,
                headers={"X-CSRF-Token": token, **JSON},
            )
        assert answer.status_code == 202, answer.text


def _dispute(web: Web) -> None:
    member = web.login("DV001")
    page = member.get(f"/web/me/disputes/new?entry={web.events['gift1']}").text
    request_id = re.search(r'name="request_id" value="([^"]+)"', page)
    assert request_id is not None
    done = member.post(
        "/web/me/disputes",
        data={
            "csrf": csrf_of(page),
            "entry": web.events["gift1"],
            "reason": "not_received",
            "text": "Tôi chưa nhận được quà",
            "request_id": request_id.group(1),
        },
    )
    assert done.status_code == 303, done.text


@pytest.fixture
def busy(web: Web) -> dict[str, str]:
    """Something on every page: a pending payout, held spending, a held loan and write-off, a
    held fee decision and a held reversal of a recorded one, an open loan, a reversal, a
    payout to a relative since erased, a dispute, findings and a checkpoint."""
    w = web.world
    pending = w.payout(
        "DV002",
        "housing_repair",
        8_000_000,
        on="2024-10-10",
        occasion="Sửa nhà",
        await_approval=True,
        personal={"reason": "Nhà dột"},
    )
    with at("2025-01-10"):
        loan = w.submit(
            "loan.disburse",
            by=w.kt,
            unit="G1",
            effective_date="2025-01-10",
            body={"member": "DV001", "loan": "L1", "fund": "tro_von"}
            | {"amount": 3_000_000, "term_months": 12},
            personal={"reason": "sửa nhà"},
        )
    with at("2024-09-05"):
        w.submit(
            "reversal.record",
            by=w.kt,
            unit="G1",
            effective_date="2024-09-05",
            body={"target": web.events["gift2"], "reason": "ghi nhầm"},
        )
    # a payout to DV001's child, whose personal data was then erased (member.erase_relative)
    with at("2024-08-01"):
        w.submit(
            "member.relative",
            by=w.kt,
            unit="G1",
            effective_date="2024-08-01",
            body={"member": "DV001", "relative": "C1", "relation": "child"},
            personal={"full_name": "Trần Bé Na", "date_of_birth": "2015-03-01"},
        )
    school = w.payout("DV001", "gift", 200_000, on="2024-09-05", relative="C1", occasion="dịp")
    with at("2025-01-12"):
        w.submit(
            "member.erase_relative",
            by=w.admin,
            unit="G1",
            body={"member": "DV001", "relative": "C1", "reason": "ghi nhầm"},
        )
    _dispute(web)
    make_checkpoint(w.ctx.engine)
    officer = web.login("kt.g1")
    _post_held(
        web,
        officer,
        "expense.record",
        {"category": "welfare", "amount": 12_000_000, "description": "Quà Tết"},
    )
    _post_held(
        web,
        officer,
        "loan.disburse",
        {"member": "DV002", "loan": "L9", "fund": "cep", "amount": 40_000_000}
        | {"term_months": 12},
        personal={"reason": "mua xe"},
    )
    _fee_decisions(web, officer)
    _post_held(
        web,
        officer,
        "loan.write_off",
        {"member": "DV001", "loan": "L1", "amount": 1_000_000, "reason": "khó khăn"},
    )
    return {"pending": pending.event_id, "loan": loan.event_id, "school": school.event_id}


def _pages(web: Web, busy: dict[str, str]) -> dict[str, list[str]]:
    gift = web.events["gift1"]
    return {
        "kt.g1": [
            "/web/finance",
            "/web/finance/entries",
            "/web/finance/entries?member=DV001&amount=300000&period=2024",
            "/web/finance/entries?member=DV999",
            "/web/finance/entries?amount=abc",
            "/web/finance/payout",
            "/web/finance/dues",
            "/web/finance/other",
            "/web/finance/fees",
            "/web/finance/membership",
            "/web/finance/loans",
            "/web/reports",
            "/web/reports/download?kind=monthly&unit=G1&period=2025-13&format=csv",
            "/web/key",
            "/web/key/new",
            "/web/chair",  # not the officer's: the refusal page
        ],
        "ct.g1": ["/web/chair", "/web/reports"],
        "ubkt": [
            "/web/inspector",
            "/web/inspector?unit=G1&period=2024",
            "/web/inspector?unit=G1&period=zz",
            f"/web/inspector/events/{busy['pending']}",
            f"/web/inspector/events/{busy['loan']}",
        ],
        "DV001": [
            "/web/me",
            "/web/me?done=disputed",
            "/web/receipt",
            "/web/me/receipt?entry=nope",
            f"/web/me/disputes/new?entry={gift}",
            f"/web/me/disputes/new?entry={busy['school']}",  # to an erased relative
            "/web/me/disputes/new?entry=nope",
        ],
    }


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_every_page_speaks_one_language(web: Web, busy: dict[str, str], lang: str) -> None:
    data = data_strings()
    said: dict[str, list[str]] = {}
    seen = 0

    def check(path: str, response: Any) -> None:
        nonlocal seen
        assert response.status_code < 500, (path, response.text)
        assert f'<html lang="{lang}">' in response.text, path
        found = leaks(response.text, lang, data)
        if found:
            said[path] = found
        seen += 1

    anonymous = web.client()
    anonymous.cookies.set("phucloi_lang", lang)
    for path in (
        "/web/login",
        "/web/member/login",
        "/web/login?next=/web/finance&expired=post",
        "/web/receipt",
        "/web/nowhere",
    ):
        check(path, anonymous.get(path))
    token = CSRF.search(anonymous.get("/web/login").text)
    assert token is not None
    wrong = {"username": "kt.g1", "secret": "sai", "csrf": token.group(1)}
    check("POST /web/login", anonymous.post("/web/login", data=wrong))

    with at("2025-01-20"):
        for who, paths in _pages(web, busy).items():
            client = web.login(who)
            client.cookies.set("phucloi_lang", lang)
            for path in paths:
                check(path, client.get(path))
            if who == "ubkt":  # every finding of the province, one page each
                province = client.get("/web/inspector?unit=P&period=2024")
                check("/web/inspector?unit=P&period=2024", province)
                listing = province.text
                for finding in sorted(set(re.findall(r'data-finding="([^"]+)"', listing))):
                    check(finding, client.get(f"/web/inspector/findings/{finding}"))
            if who == "kt.g1":  # the dues preview: a file with errors, and a good one
                token_ = csrf_of(client.get("/web/finance/dues").text)
                form = {"csrf": token_, "unit": "G1", "month": "2024-08"}
                form["effective_date"] = "20/01/2025"
                for name, payroll in (
                    ("errors", "Mã đoàn viên,Lương đóng BHXH\nDV001,0\nDV999,abc\n"),
                    ("good", "Mã đoàn viên,Lương đóng BHXH\nDV001,6000000\nDV002,7000000\n"),
                    ("empty", ""),
                ):
                    files = {"payroll": ("luong.csv", payroll.encode(), "text/csv")}
                    posted = client.post("/web/finance/dues/preview", data=form, files=files)
                    check(f"dues preview ({name})", posted)
            if who == "DV001":  # a dispute with nothing said is refused
                page = client.get(f"/web/me/disputes/new?entry={web.events['gift2']}").text
                empty = {"csrf": csrf_of(page), "entry": web.events["gift2"], "reason": "other"}
                check("POST /web/me/disputes", client.post("/web/me/disputes", data=empty))
    assert seen > 40
    assert not said, "\n".join(f"{path}:\n  " + "\n  ".join(texts) for path, texts in said.items())


def test_a_provisional_period_is_said_in_english_too() -> None:
    """The reports page listed "Tháng 01/2025: Số liệu tạm tính…" on its English version."""
    from datetime import date

    from ledger.domain.periods import parse_period
    from ledger.reports.provisional import PeriodStatus

    month, quarter = parse_period("2025-01"), parse_period("2025-Q2")
    assert (month.label_en, quarter.label_en, parse_period("2025").label_en) == (
        "Month 01/2025",
        "Q2 2025",
        "Year 2025",
    )
    assert PeriodStatus(month, date(2025, 1, 20)).notice_en == (
        "Provisional figures: the period is not over (the period ends on 31/01/2025, "
        "today 20/01/2025)"
    )
    assert PeriodStatus(quarter, date(2025, 1, 20), checkpoint=True).notice_en == (
        "Provisional figures: the period is not over: it has not begun yet (it begins on "
        "01/04/2025, checkpoint signed on 20/01/2025)"
    )
    assert PeriodStatus(month, date(2025, 2, 1)).notice_en is None


def test_a_ledger_refusal_on_an_english_form_writes_amounts_and_kinds_as_the_page_does(
    web: Web,
) -> None:
    """The payout form showed "90000000 is over the per-payout cap 500000" in English, where
    the Vietnamese said "90.000.000 đ vượt mức tối đa mỗi lần 500.000 đ"."""
    officer = web.login("kt.g1")
    officer.cookies.set("phucloi_lang", "en")
    token = csrf_of(officer.get("/web/finance/payout").text)
    w = web.world
    with at(ON):
        over = w.item(
            "payout.record",
            by=w.kt,
            unit="G1",
            effective_date=ON,
            body={"member": "DV001", "kind": "gift", "amount": 90_000_000, "occasion": "Tết"},
        )
        answer = officer.post(
            "/web/finance/submit", json=over, headers={"X-CSRF-Token": token, **JSON}
        )
    assert answer.status_code == 422, answer.text
    said = {p["code"]: (p["message_vi"], p["message_en"]) for p in answer.json()["problems"]}
    assert said["over_payout_cap"] == (
        "90.000.000 đ vượt mức tối đa mỗi lần 500.000 đ",
        "90.000.000 đ is over the per-payout cap 500.000 đ",
    )
    w.payout("DV001", "tet_support", 300_000, on=ON, occasion="Tết Ất Tỵ")
    with at(ON):
        again = w.item(
            "payout.record",
            by=w.kt,
            unit="G1",
            effective_date=ON,
            body={"member": "DV001", "kind": "tet_support", "amount": 300_000}
            | {"occasion": "Tết Ất Tỵ"},
        )
        answer = officer.post(
            "/web/finance/submit", json=again, headers={"X-CSRF-Token": token, **JSON}
        )
    assert answer.status_code == 422, answer.text
    said = {p["code"]: p["message_en"] for p in answer.json()["problems"]}
    assert said["over_count"].startswith("1 Tết support payout(s) already in "), said


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_the_receipt_page_says_a_key_problem_in_the_pages_language(
    web: Web, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong PHUCLOI_WITNESS_KEYS or PHUCLOI_LOG_KEY was shown on /web/receipt as one
    sentence in both languages, whichever the page's."""
    import hashlib
    import html

    from audit.note import Signer

    other = Signer("phucloi.vn/ledger/other", hashlib.sha256(b"another log key").digest())
    make_checkpoint(web.world.ctx.engine)  # the database holds its log key
    anonymous = web.client()
    anonymous.cookies.set("phucloi_lang", lang)
    monkeypatch.setenv("PHUCLOI_WITNESS_KEYS", "không-phải-khóa")
    monkeypatch.setenv("PHUCLOI_LOG_KEY", other.verifier().vkey)
    page = anonymous.get("/web/receipt").text
    monkeypatch.setenv("PHUCLOI_LOG_KEY", "không-phải-khóa")
    broken = anonymous.get("/web/receipt").text
    said = {
        "witness": re.search(r'id="witness-key-problem">([^<]*)<', page),
        "differs": re.search(r'id="log-key-problem">([^<]*)<', page),
        "not_a_key": re.search(r'id="log-key-problem">([^<]*)<', broken),
    }
    assert all(said.values()), said
    got = {k: html.unescape(m.group(1)) for k, m in said.items() if m is not None}
    assert (
        got
        == {
            "en": {
                "witness": "PHUCLOI_WITNESS_KEYS holds a key that is not a witness verifier key: "
                "cosignatures are not checked against any key.",
                "differs": "The database holds another log key than the published one "
                "(PHUCLOI_LOG_KEY): receipts are checked with the published key.",
                "not_a_key": "PHUCLOI_LOG_KEY is not the ledger's verifier key: receipts cannot be "
                "checked.",
            },
            "vi": {
                "witness": "PHUCLOI_WITNESS_KEYS có khóa không phải khóa kiểm của nhân chứng: chữ ký "
                "đồng ký không được kiểm tra theo khóa nào.",
                "differs": "Khóa của sổ trong cơ sở dữ liệu khác khóa đã công bố (PHUCLOI_LOG_KEY): "
                "biên nhận được kiểm tra theo khóa đã công bố.",
                "not_a_key": "PHUCLOI_LOG_KEY không phải khóa kiểm của sổ cái: không kiểm tra được "
                "biên nhận.",
            },
        }[lang]
    )
    assert leaks(page, lang, data_strings()) == [] and leaks(broken, lang, data_strings()) == []


def _section_text(page: str, heading: str) -> str:
    """The words of the chair's held item whose heading starts with `heading`."""
    import html

    for section in re.findall(r'<section class="card pending spending".*?</section>', page, re.S):
        words = re.sub(r"<script.*?</script>", " ", section, flags=re.S)
        words = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", words))).strip()
        if words.startswith(heading):
            return re.sub(r"\b[0-9a-f]{8}\b", "ID", words)
    raise AssertionError(f"no held item headed {heading!r}")


def test_the_chair_reads_a_held_fee_decision_and_its_reversal_in_both_languages(
    web: Web, busy: dict[str, str]
) -> None:
    """Only one sentence of the chair's English reversal was checked, and it said the inspection
    committee "is told of a shortfall" where the Vietnamese says it is told *if* the fee falls
    short; the page was headed "Payouts waiting for approval" over decisions and loans."""
    chair = web.login("ct.g1")
    said = {}
    for lang in ("vi", "en"):
        chair.cookies.set("phucloi_lang", lang)
        with at("2025-01-20"):
            said[lang] = chair.get("/web/chair").text
    assert "<h1>Chờ Chủ tịch ký duyệt</h1>" in said["vi"]
    assert "<h1>Waiting for the chair&#39;s signature</h1>" in said["en"]
    assert _section_text(said["en"], "Reversal of a union fee decision") == (
        "Reversal of a union fee decision — Cty May Sông Bé: Suspended (at most 12 months), "
        "11/2024–04/2025 — G1 "
        "Not in the ledger: reversing a union fee exemption, reduction or suspension always "
        "needs the chair's signature, as recording it did, and is recorded only once the chair "
        "signs it. "
        "The finance officer reverses decision 45/QĐ-LĐLĐ of LĐLĐ tỉnh Bình Dương (Cty May "
        "Sông Bé has its union fee suspended for 11/2024–04/2025), because: ghi nhầm. "
        "Once recorded, the decision no longer counts: the union expects the employer's 2% fee "
        "again for 11/2024–04/2025 (6 months), and the inspection committee is told if that fee "
        "falls short in any of those months. The decision stays in the ledger; if it was only "
        "recorded wrongly, the finance officer records the right one after the reversal. "
        "Compare with the decision document before signing. "
        "Unit G1 Employer Cty May Sông Bé Kind of decision Suspended (at most 12 months) "
        "Months 11/2024–04/2025 (6 months) Decision number 45/QĐ-LĐLĐ "
        "Issued by LĐLĐ tỉnh Bình Dương Decision date 10/01/2025 The decision's entry ID (G1) "
        "Reason for the reversal ghi nhầm Date of the reversal 15/01/2025 "
        "Recorded by kt.g1 · 15/01/2025 10:00 "
        "Reason for refusing (if you refuse) Sign and record Refuse"
    )
    assert _section_text(said["vi"], "Đảo quyết định") == (
        "Đảo quyết định miễn, giảm, tạm dừng đóng kinh phí công đoàn — Cty May Sông Bé: Tạm "
        "dừng đóng (tối đa 12 tháng), 11/2024–04/2025 — G1 "
        "Chưa ghi vào sổ: đảo quyết định miễn, giảm, tạm dừng đóng kinh phí công đoàn luôn cần "
        "Chủ tịch ký, như khi ghi quyết định, chỉ được ghi khi Chủ tịch ký. "
        "Kế toán đảo quyết định 45/QĐ-LĐLĐ của LĐLĐ tỉnh Bình Dương (Cty May Sông Bé được tạm "
        "dừng đóng kinh phí công đoàn các tháng 11/2024–04/2025), lý do: ghi nhầm. "
        "Khi được ghi vào sổ, quyết định không còn hiệu lực: công đoàn lại phải thu kinh phí 2% "
        "của doanh nghiệp này các tháng 11/2024–04/2025 (6 tháng), và Ủy ban kiểm tra được báo "
        "nếu kinh phí các tháng đó thiếu. Quyết định gốc vẫn còn trong sổ; nếu quyết định chỉ "
        "ghi sai, kế toán ghi lại quyết định đúng sau khi đảo. Hãy đối chiếu với bản quyết định "
        "trước khi ký. "
        "Đơn vị G1 Doanh nghiệp Cty May Sông Bé Loại quyết định Tạm dừng đóng (tối đa 12 tháng) "
        "Các tháng 11/2024–04/2025 (6 tháng) Số quyết định 45/QĐ-LĐLĐ "
        "Cơ quan ban hành LĐLĐ tỉnh Bình Dương Ngày quyết định 10/01/2025 Bút toán quyết định "
        "ID (G1) Lý do đảo ghi nhầm Ngày đảo 15/01/2025 Người lập kt.g1 · 15/01/2025 10:00 "
        "Lý do từ chối (nếu từ chối) Ký duyệt và ghi vào sổ Từ chối"
    )
    assert _section_text(said["en"], "Union fee decision") == (
        "Union fee decision — Cty Gỗ Thuận An: Reduced rate, 11/2024–04/2025 — G1 "
        "Not in the ledger: a union fee exemption, reduction or suspension always needs the "
        "chair's signature and is recorded only once the chair signs it. "
        "The finance officer records decision 46/QĐ-LĐLĐ of LĐLĐ tỉnh Bình Dương (Cty Gỗ Thuận "
        "An has its union fee reduced to 1.5% of the payroll for 11/2024–04/2025). "
        "Once recorded, the union no longer expects the employer's 2% fee for those months (a "
        "reduction: only at the reduced rate), and the inspection committee is not told of a "
        "shortfall of that employer's fee in those months. Compare with the decision document "
        "before signing. "
        "Unit G1 Employer Cty Gỗ Thuận An Kind of decision Reduced rate "
        "Months 11/2024–04/2025 (6 months) Reduced rate 1.5% of the payroll "
        "Decision number 46/QĐ-LĐLĐ Issued by LĐLĐ tỉnh Bình Dương Decision date 15/01/2025 "
        "Recorded by kt.g1 · 15/01/2025 10:00 "
        "Reason for refusing (if you refuse) Sign and record Refuse"
    )
