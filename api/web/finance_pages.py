"""Kế toán: record a payout, a month's dues from the payroll, other income and spending, and
see what I recorded.

Invariants:
- The officer's browser signs every command (static/phucloi-sign.js); the server never holds
  an officer's key. Signed items are posted to `/web/finance/submit`, which admits only the
  finance officer's command types and records them through the API's own write path
  (`api.routes.records.record`: the signer must be the logged-in officer, then
  `Ledger.submit` checks signature, key, role over the unit and the union's rules). A refusal
  comes back with its Vietnamese and English message and stores nothing.
- Member search, the allowance shown before a payout or a loan and the unit lists cover only
  the units under the officer's finance-officer scopes.
- The dues upload stores nothing: it previews every line with its errors (ledger.dues_check); only
  an error-free preview offers the batch for signing.
- Spending, a loan or an employer's fee decision the ledger refuses only for want of the
  chair's second signature is held for a chair (api.web.cosign, 202), not stored in the
  ledger; the officer sees it on /web/finance and may withdraw it while it waits.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Final

from fastapi import Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from api.deps import Principal
from api.errors import ApiError
from api.schemas import SignedItemIn, Strict, Uuid
from api.web import cosign, lookups, text
from api.web.render import render
from api.web.routing import web_router
from api.web.session import Page, csrf_checked, language, services
from api.web.signed import record_signed
from ledger import clock
from ledger import dues_check as dues
from ledger.banks import BANKS
from ledger.domain.catalogue import (
    HouseholdStatus,
    IncomeSource,
    Relation,
    SpendingCategory,
    WelfareKind,
)
from ledger.domain.errors import LedgerError, invalid, problem
from ledger.domain.money import parse_dong
from ledger.domain.periods import parse_period
from ledger.domain.policy import expected_union_fee
from ledger.domain.units import employer_key
from ledger.projections.queries.tree import load_tree

router = web_router()
FIN: Final = "finance_officer"
Finance = Annotated[Principal, Depends(Page(FIN))]
CHECKED = [Depends(csrf_checked)]
FINANCE_TYPES: Final = frozenset(
    {
        "payout.record",
        "collection.dues",
        "collection.other",
        "collection.union_fee",
        "expense.record",
        "remittance.record",
        "reversal.record",
        "member.join",
        "member.salary",
        "member.leave",
        "member.transfer",
        "member.death",
        "member.relative",
        "member.household",
        "loan.repay",
        "loan.disburse",
        "loan.write_off",
        "union_fee.relief",
    }
)
PAYOUT_KINDS: Final = [k for k in WelfareKind if k is not WelfareKind.loan]
INCOME_SOURCES: Final = [
    s for s in IncomeSource if s not in (IncomeSource.dues, IncomeSource.union_fee)
]


def _names(request: Request) -> lookups.NameCache:
    cache = getattr(request.app.state, "web_names", None)
    if cache is None:
        cache = lookups.NameCache()
        request.app.state.web_names = cache
    return cache


def _scopes(who: Principal) -> list[str]:
    return who.scopes([FIN])


def _units(request: Request, who: Principal) -> list[dict[str, str]]:
    ledger = services(request).ctx.ledger
    visible = lookups.visible_units(ledger, _scopes(who))
    with ledger.engine.connect() as conn:
        tree = load_tree(conn)
    return [
        {"code": n.code, "name": n.name}
        for n in sorted(tree.nodes.values(), key=lambda n: n.code)
        if (visible is None or n.code in visible) and n.dissolved_on is None
    ]


@router.get("/web/finance")
def recorded(request: Request, who: Finance) -> Response:
    ledger = services(request).ctx.ledger
    return render(
        request,
        "finance_recorded.html",
        who=who,
        title=("Bút toán tôi đã ghi", "What I recorded"),
        rows=lookups.recorded_by(ledger, who.subject),
        held=cosign.of_officer(ledger, who.subject),
        today=text.day(clock.today_vn()),
    )


ENTRIES_PAGE: Final = 50
ENTRIES_PAGES: Final = 100_000  # 5 million entries: further is a search, not paging
SEARCH_MAX: Final = {"member": 32, "amount": 32, "period": 16}
SEARCH_LABELS: Final = {
    "member": ("Mã đoàn viên", "Member number"),
    "amount": ("Số tiền", "Amount"),
    "period": ("Ngày hoặc kỳ", "Date or period"),
    "page": ("Trang", "Page"),
}


def _refused(field: str, vi: str, en: str) -> dict[str, str]:
    label_vi, label_en = SEARCH_LABELS[field]
    return {"field": field, "vi": f"{label_vi}: {vi}", "en": f"{label_en}: {en}"}


def _entry_search(
    member: str, amount: str, period: str
) -> tuple[lookups.EntrySearch, list[dict[str, str]]]:
    """The search typed on /web/finance/entries, and the refusal of each field that is not
    one (dicts: field, vi, en), all of them at once."""
    refusals = []
    for field, typed in (("member", member), ("amount", amount), ("period", period)):
        if len(typed) > SEARCH_MAX[field]:
            refusals.append(
                _refused(
                    field,
                    f"tối đa {SEARCH_MAX[field]} ký tự",
                    f"at most {SEARCH_MAX[field]} characters",
                )
            )
    too_long = {r["field"] for r in refusals}
    member = member.strip()
    found_amount = None
    if amount.strip() and "amount" not in too_long:
        try:
            found_amount = parse_dong(amount)
        except ValueError:
            refusals.append(
                _refused(
                    "amount",
                    "phải là số đồng nguyên, ví dụ 1.500.000",
                    "must be whole đồng, e.g. 1.500.000",
                )
            )
    start = end = None
    if period.strip() and "period" not in too_long:
        day = text.parse_day(period)
        if day is not None:
            start, end = day, day + timedelta(days=1)
        else:
            try:
                chosen = parse_period(period.strip())
                start, end = chosen.start, chosen.end
            except ValueError:
                refusals.append(
                    _refused(
                        "period",
                        "phải là một ngày (dd/mm/yyyy) hoặc một kỳ (2025, 03/2025, 2025-Q1)",
                        "must be a day (dd/mm/yyyy) or a period (2025, 03/2025, 2025-Q1)",
                    )
                )
    return lookups.EntrySearch(member or None, found_amount, start, end), refusals


def _page_number(page: str) -> tuple[int, dict[str, str] | None]:
    """The result page asked for (1 when none), or the refusal of one that is not a page."""
    typed = page.strip()
    if not typed:
        return 1, None
    if typed.isascii() and typed.isdigit() and len(typed) <= 6 and 1 <= int(typed) <= ENTRIES_PAGES:
        return int(typed), None
    return 1, _refused(
        "page",
        f"phải là một số nguyên từ 1 đến {text.count(ENTRIES_PAGES)}",
        f"must be a whole number from 1 to {ENTRIES_PAGES:,}",
    )


@router.get("/web/finance/entries")
def union_entries(
    request: Request,
    who: Finance,
    member: str = "",
    amount: str = "",
    period: str = "",
    page: str = "",
) -> Response:
    """The money entries of the officer's units, whoever recorded them (an officer who has
    left included), with the same "Đảo bút toán" as the officer's own list. A search that is
    not one is answered with the form, what was typed kept, and a message per field (422)."""
    search, refusals = _entry_search(member, amount, period)
    page_no, bad_page = _page_number(page)
    if bad_page is not None:
        refusals.append(bad_page)
    rows: list[dict[str, Any]] = []
    if not refusals:
        rows = lookups.union_entries(
            services(request).ctx.ledger,
            _scopes(who),
            search,
            limit=ENTRIES_PAGE + 1,
            offset=(page_no - 1) * ENTRIES_PAGE,
        )
    typed = {"member": member, "amount": amount, "period": period}
    return render(
        request,
        "finance_entries.html",
        who=who,
        title=("Bút toán thu chi của công đoàn", "The union's money entries"),
        rows=rows[:ENTRIES_PAGE],
        page_no=page_no,
        more=len(rows) > ENTRIES_PAGE,
        searched=any(v.strip() for v in typed.values()),
        typed=typed,
        query={k: v for k, v in typed.items() if v},
        refusals=refusals,
        bad_fields={r["field"] for r in refusals},
        today=text.day(clock.today_vn()),
        status=422 if refusals else 200,
    )


def _reason_kinds(request: Request, who: Principal) -> list[WelfareKind]:
    """The kinds for which the policy in force today at one of the officer's units requires
    a reason (the payout form says so before anything is signed)."""
    ledger = services(request).ctx.ledger
    today = clock.today_vn()
    policies = [ledger.policy_for(u["code"], today) for u in _units(request, who)]
    return [
        kind
        for kind in PAYOUT_KINDS
        if any(
            p is not None and (r := p.rule(kind)) is not None and r.requires_reason
            for p in policies
        )
    ]


@router.get("/web/finance/payout")
def payout_form(request: Request, who: Finance) -> Response:
    return render(
        request,
        "finance_payout.html",
        who=who,
        title=("Ghi chi phúc lợi", "Record a welfare payout"),
        page="payout",
        kinds=PAYOUT_KINDS,
        reason_kinds=_reason_kinds(request, who),
        today=text.day(clock.today_vn()),
    )


@router.get("/web/finance/members")
def member_search(request: Request, who: Finance, q: str = "") -> JSONResponse:
    found = lookups.search_members(
        services(request).ctx.ledger, _names(request), _scopes(who), q[:64], language(request)
    )
    return JSONResponse({"members": found}, headers={"Cache-Control": "no-store"})


def _in_scope(request: Request, who: Principal, number: str) -> Any:
    ledger = services(request).ctx.ledger
    member = ledger.get_member(number)
    visible = lookups.visible_units(ledger, _scopes(who))
    if member is None or (visible is not None and member.current_unit() not in visible):
        raise ApiError(
            404,
            "member_not_found",
            f"Không tìm thấy đoàn viên trong đơn vị của bạn: {number}",
            f"No such member in your units: {number}",
            field="member",
        )
    return member


@router.get("/web/finance/allowance")
def allowance(
    request: Request, who: Finance, member: str = "", kind: str = "", on: str = ""
) -> JSONResponse:
    try:
        welfare = WelfareKind(kind)
    except ValueError:
        raise ApiError(
            422,
            "invalid_request",
            "Khoản phúc lợi không hợp lệ",
            "Unknown welfare kind",
            field="kind",
        ) from None
    day = text.parse_day(on)
    if day is None:
        raise ApiError(
            422, "invalid_request", "Ngày không hợp lệ", "The date is not valid", field="on"
        )
    found = _in_scope(request, who, member[:32])
    data = lookups.allowance(services(request).ctx.ledger, found, welfare, day, language(request))
    return JSONResponse(data, headers={"Cache-Control": "no-store"})


@router.get("/web/finance/loan-allowance")
def loan_allowance(request: Request, who: Finance, member: str = "", on: str = "") -> JSONResponse:
    """What the policy's loan rule allows the borrower on the date, and what they owe now:
    shown next to the amount on the disbursement form before anything is signed."""
    day = text.parse_day(on)
    if day is None:
        raise ApiError(
            422, "invalid_request", "Ngày không hợp lệ", "The date is not valid", field="on"
        )
    found = _in_scope(request, who, member[:32])
    data = lookups.loan_allowance(services(request).ctx.ledger, found, day, language(request))
    return JSONResponse(data, headers={"Cache-Control": "no-store"})


RELIEF_EMPLOYER: Final = ("Doanh nghiệp được miễn, giảm, tạm dừng", "Employer")
NEW_EMPLOYER: Final = (
    "Doanh nghiệp chưa có kinh phí hay quyết định nào ghi tại đơn vị này (đúng tên)",
    "The employer has no fee or decision recorded at this unit yet (the name is right)",
)


def _known_employer(request: Request, who: Principal, item: SignedItemIn) -> None:
    """The fees page's decision form refuses a name its unit never recorded a 2% fee or a
    decision under (most likely misspelt: the decision would cover no fee) unless the officer
    ticks that the employer is new there, which the page's script sends as `new_employer`.
    Checked here too, so a post that skipped the script is refused the same way. Only for
    the officer's own units: another union's is refused by the ledger for the role, without
    saying which employers it has. `phucloi record fee-relief` and the API do not check it."""
    command = item.command
    unit = command.unit or ""
    ledger = services(request).ctx.ledger
    visible = lookups.visible_units(ledger, _scopes(who))
    if visible is not None and unit not in visible:
        return
    employer = command.body.get("employer")
    if not isinstance(employer, str) or not employer.strip():
        return  # the ledger names what is wrong with it
    employer = employer.strip()
    known = lookups.fee_employers(ledger, [unit]).get(unit, [])
    if employer_key(employer) in {employer_key(k) for k in known}:
        return
    listed_vi = f" (đã ghi: {'; '.join(known)})" if known else ""
    listed_en = f" (recorded: {'; '.join(known)})" if known else ""
    raise invalid(
        [
            problem(
                "body.employer",
                "unknown_employer",
                f"đơn vị {unit} chưa ghi kinh phí hay quyết định nào của “{employer}”"
                f"{listed_vi}. Hãy kiểm tra lại tên, hoặc đánh dấu “{NEW_EMPLOYER[0]}” nếu "
                "tên đúng.",
                f"unit {unit} has no fee or decision recorded for “{employer}”{listed_en}. "
                f"Check the name, or tick “{NEW_EMPLOYER[1]}” if it is right.",
            )
        ]
    )


@router.post("/web/finance/submit", dependencies=CHECKED)
def submit(
    request: Request,
    item: SignedItemIn,
    who: Finance,
    new_employer: Annotated[bool, Query()] = False,
) -> JSONResponse:
    """Record one command signed in this officer's browser; spending that needs only the
    chair's second signature waits for a chair instead (202). A fee decision for an
    employer its unit never recorded is refused unless `new_employer` says the name is
    right (the form's box)."""
    if item.command.type == "union_fee.relief" and not new_employer:
        _known_employer(request, who, item)
    try:
        return record_signed(request, item, who, FINANCE_TYPES)
    except LedgerError as exc:
        raw = item.raw()
        if not cosign.needs_only_the_chair(exc, raw):
            raise
        return JSONResponse(cosign.hold(services(request).ctx.ledger, raw), status_code=202)


class HeldIn(Strict):
    command_id: Uuid


@router.post("/web/finance/withdraw", dependencies=CHECKED)
def withdraw(request: Request, held: HeldIn, who: Finance) -> JSONResponse:
    """Withdraw what this officer sent to the chair (spending, a loan, a write-off) while it
    still waits; the answer names what was withdrawn."""
    kind = cosign.withdraw(services(request).ctx.ledger, who.subject, str(held.command_id))
    return JSONResponse(cosign.closed_message(kind, "withdrawn"))


@router.get("/web/finance/dues")
def dues_form(request: Request, who: Finance) -> Response:
    today = clock.today_vn()
    return render(
        request,
        "finance_dues.html",
        who=who,
        title=("Thu đoàn phí theo bảng lương", "Dues from the payroll"),
        page="dues",
        units=_units(request, who),
        month=f"{today:%m/%Y}",
        unit="",
        today=text.day(today),
        preview=None,
        file_error=None,
    )


@router.post("/web/finance/dues/preview", dependencies=CHECKED)
async def dues_preview(
    request: Request,
    who: Finance,
    payroll: Annotated[UploadFile, File()],
    unit: Annotated[str, Form(max_length=64)] = "",
    month: Annotated[str, Form(max_length=7)] = "",
    effective_date: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    data = await payroll.read(dues.MAX_BYTES + 1)
    return _dues_preview(request, who, payroll.filename or "", data, unit, month, effective_date)


def _dues_preview(
    request: Request,
    who: Principal,
    filename: str,
    data: bytes,
    unit: str,
    month: str,
    effective_date: str,
) -> Response:
    units = _units(request, who)
    if unit not in {u["code"] for u in units}:
        raise ApiError(
            403,
            "out_of_scope",
            f"Không có quyền ghi thu tại đơn vị {unit}",
            f"Not allowed to record at unit {unit}",
            field="unit",
        )
    day = text.parse_day(effective_date)
    if day is None:
        raise ApiError(
            422,
            "invalid_request",
            "Ngày ghi sổ phải có dạng dd/mm/yyyy",
            "The date must look like dd/mm/yyyy",
            field="effective_date",
        )
    preview = None
    file_error = None
    try:
        lines = dues.parse_lines(dues.read_rows(filename, data))
        preview = dues.preview(
            services(request).ctx.ledger, unit=unit, month=month, effective_date=day, lines=lines
        )
    except dues.PayrollError as exc:
        file_error = (exc.vi, exc.en)
    return render(
        request,
        "finance_dues.html",
        who=who,
        title=("Thu đoàn phí theo bảng lương", "Dues from the payroll"),
        page="dues",
        units=units,
        month=month,
        unit=unit,
        today=effective_date,
        preview=preview,
        file_error=file_error,
        status=200 if preview is not None and preview.ok else 422,
    )


def _threshold(ledger: Any, unit: str, on: Any) -> int | None:
    policy = ledger.policy_for(unit, on)
    return None if policy is None else int(policy.approval_threshold)


@router.get("/web/finance/other")
def other_form(request: Request, who: Finance) -> Response:
    ledger = services(request).ctx.ledger
    units = _units(request, who)
    today = clock.today_vn()
    return render(
        request,
        "finance_other.html",
        who=who,
        title=("Thu khác và chi hoạt động", "Other income and spending"),
        units=units,
        thresholds={u["code"]: _threshold(ledger, u["code"], today) for u in units},
        sources=INCOME_SOURCES,
        categories=list(SpendingCategory),
        today=text.day(today),
    )


@router.get("/web/finance/membership")
def membership_form(request: Request, who: Finance) -> Response:
    """A member joining (`member.join`, with their personal data as commitments), a member's
    salary basis (`member.salary`), leaving (`member.leave`), transfer to another union
    (`member.transfer`), death (`member.death`), a relative declared (`member.relative`, their
    name, date of birth and citizen ID as commitments) and the household's poverty status
    (`member.household`, a commitment), signed as `phucloi members add`, `salary`, `leave`,
    `transfer`, `death`, `relative` and `household` sign them. The bank is chosen from
    `ledger.banks`, so the browser signs the bank's one code, as `normalize_bank_account`
    makes it. A transfer's destination may be any union in the tree (not only the officer's):
    the ledger checks the officer's role over the member's current union only."""
    ledger = services(request).ctx.ledger
    with ledger.engine.connect() as conn:
        tree = load_tree(conn)
    destinations = [
        {"code": n.code, "name": n.name}
        for n in sorted(tree.nodes.values(), key=lambda n: n.code)
        if n.dissolved_on is None
    ]
    return render(
        request,
        "finance_membership.html",
        who=who,
        title=(
            "Đoàn viên: kết nạp, lương đóng, chuyển đi, thôi sinh hoạt, thân nhân, hộ nghèo",
            "Members: joining, salary, transfer, leaving, death, relatives, household",
        ),
        units=_units(request, who),
        destinations=destinations,
        relations=list(Relation),
        household_statuses=list(HouseholdStatus),
        banks=BANKS,
        today=text.day(clock.today_vn()),
    )


@router.get("/web/finance/loans")
def loans_form(request: Request, who: Finance) -> Response:
    """The open loans of the officer's units (borrower, lent, repaid so far, outstanding),
    each with a repayment (`loan.repay`) signed as `record loan repay` signs it, at the
    disbursement's unit: the ledger refuses more than the outstanding and a date before the
    disbursement, and the form keeps what was typed. A disbursement (`loan.disburse`: borrower
    chosen from the member search, loan code, fund, amount, term, interest in basis points (0
    by default, as `--interest-bp`), purpose sealed as personal data, and a justification when
    the chair overrides the policy's loan rule), signed as `record loan disburse` signs it,
    with the policy's loan cap and what the borrower owes shown first (`loan_allowance`);
    one above the approval threshold or overriding the rule waits for the chair's signature
    (api.web.cosign), never in the ledger until the chair cosigns it. A write-off
    (`loan.write_off`: amount and reason, as `record loan write-off` signs it) always does."""
    ledger = services(request).ctx.ledger
    units = _units(request, who)
    today = clock.today_vn()
    return render(
        request,
        "finance_loans.html",
        who=who,
        title=("Cho vay vốn đoàn viên", "Member loans"),
        loans=lookups.open_loans(ledger, _scopes(who), _names(request)),
        units=units,
        thresholds={u["code"]: _threshold(ledger, u["code"], today) for u in units},
        funds=LOAN_FUNDS,
        today=text.day(today),
    )


LOAN_FUNDS: Final = [
    ("tro_von", "Quỹ trợ vốn", "Capital support fund"),
    ("cep", "Quỹ CEP", "CEP fund"),
    ("national_employment", "Quỹ Quốc gia về việc làm", "National employment fund"),
]

RELIEF_KINDS: Final = list(text.RELIEF_KINDS)  # exempt, suspended, reduced

REMITTANCE_KINDS: Final = [
    ("union_fee", "Kinh phí công đoàn 2%", "Union fee (2%)"),
    ("dues", "Đoàn phí", "Dues"),
    ("other", "Khoản khác", "Other"),
]


@router.get("/web/finance/fees")
def fees_form(request: Request, who: Finance) -> Response:
    """The 2% union fee an employer paid (`collection.union_fee`) and money remitted to an
    upper-level union (`remittance.record`), as `record collection union-fee` and
    `record remittance` sign them; an employer's exemption, suspension or reduction of the
    fee by a decision (`union_fee.relief`, as `record fee-relief` signs it), which always
    needs the chair's signature, so it waits for the chair (api.web.cosign) and enters the
    ledger only when a chair cosigns it. The decision form offers the employers each unit
    recorded a fee or a decision for (`lookups.fee_employers`)."""
    ledger = services(request).ctx.ledger
    units = _units(request, who)
    today = clock.today_vn()
    with ledger.engine.connect() as conn:
        tree = load_tree(conn)
    uppers: dict[str, list[dict[str, str]]] = {}
    for u in units:
        chain: list[dict[str, str]] = []
        parent = tree.nodes[u["code"]].parent
        while parent is not None and parent in tree.nodes and len(chain) < 64:
            node = tree.nodes[parent]
            chain.append({"code": node.code, "name": node.name})
            parent = node.parent
        uppers[u["code"]] = chain
    return render(
        request,
        "finance_fees.html",
        who=who,
        title=("Kinh phí 2% và nộp cấp trên", "Union fee and remittances"),
        units=units,
        uppers=uppers,
        remittance_kinds=REMITTANCE_KINDS,
        relief_kinds=RELIEF_KINDS,
        employers=lookups.fee_employers(ledger, [u["code"] for u in units]),
        month=f"{today:%m/%Y}",
        today=text.day(today),
    )


@router.get("/web/finance/fee-due")
def fee_due(
    request: Request,
    who: Finance,
    unit: Annotated[str, Query(max_length=64)] = "",
    month: Annotated[str, Query(max_length=7)] = "",
    payroll: Annotated[int | None, Query(ge=0, le=10**13)] = None,
) -> JSONResponse:
    """The union fee due on a payroll by the policy the ledger applies to it: the one in
    force at the unit on the payroll month's first day (`_check_union_fee`), not today's."""
    if unit not in {u["code"] for u in _units(request, who)}:
        raise ApiError(
            403,
            "out_of_scope",
            f"Không có quyền ghi thu tại đơn vị {unit}",
            f"Not allowed to record at unit {unit}",
            field="unit",
        )
    first = None
    if len(month) == 7 and month[4] == "-" and month[:4].isdigit() and month[5:].isdigit():
        first = text.parse_day(f"{month}-01")
    if first is None:
        raise ApiError(
            422,
            "invalid_request",
            "Tháng lương phải có dạng mm/yyyy, ví dụ 03/2025",
            "The payroll month must look like mm/yyyy, e.g. 03/2025",
            field="month",
        )
    policy = services(request).ctx.ledger.policy_for(unit, first)
    return JSONResponse(
        {
            "unit": unit,
            "month": month,
            "on": text.day(first),
            "policy": None if policy is None else policy.version,
            "rate_bp": None if policy is None else int(policy.union_fee_rate_bp),
            "due": None
            if policy is None or payroll is None
            else int(expected_union_fee(policy, payroll)),
        },
        headers={"Cache-Control": "no-store"},
    )
