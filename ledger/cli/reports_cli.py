"""`phucloi history | ratios | compliance | beneficiaries`: what the read models show.

`compliance` also prints the remittance upward (ledger.projections.queries.remittance).

Registered on the root app (ledger.cli.main) as top-level commands. Amounts are shown in
đồng with thousands separators, shares as Vietnamese percentages; `--json` prints the same
figures for machines (integers of đồng, shares in basis points). Personal names come from
`Ledger.reveal` at display time; an erased person shows "(đã xóa / erased)".
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from ledger.cli.common import (
    JsonFlag,
    UnitArg,
    console,
    emit_json,
    fmt_bp,
    fmt_date,
    fmt_money,
    open_context,
    rows_table,
    usage,
)
from ledger.domain.catalogue import IncomeSource, SpendingCategory, WelfareKind
from ledger.domain.periods import Period, month_text, parse_period
from ledger.privacy import TamperedError
from ledger.projections.queries.beneficiaries import beneficiary_counts
from ledger.projections.queries.compliance import compliance as compliance_of
from ledger.projections.queries.history import (
    ERASED,
    LOAN_MOVES,
    HistoryLine,
    MemberHistory,
    member_history,
    with_names,
)
from ledger.projections.queries.ratios import (
    UnitFigures,
    judged_for_year,
    reference_note_vi,
    unit_figures,
    verdict_vi,
)
from ledger.projections.queries.remittance import Remittance, judged_period, remittance
from ledger.reports.provisional import not_begun, period_status

PeriodOpt = Annotated[
    str,
    typer.Option(
        "--period",
        metavar="PERIOD",
        help="Kỳ: 2025 (năm / year), 2025-03 (tháng / month), 2025-Q1 (quý / quarter), "
        "lunar-2025 (năm âm lịch, Tết / lunar year).",
    ),
]
STATUS = {
    "paid": "đã chi",
    "collected": "đã thu",
    "recorded": "đã ghi",
    "pending": "chờ duyệt",
    "refused": "bị từ chối",
}
FLOWS = {
    "remitted": "Nộp cấp trên (remitted upward)",
    "received": "Nhận từ cấp dưới (received from below)",
}
REMIT_KINDS = {"union_fee": "Kinh phí công đoàn", "dues": "Đoàn phí", "other": "Khác"}


def _period(text: str, *, begun: bool = True) -> Period:
    """The --period; with `begun`, refused when it begins after today in Việt Nam (nothing can
    be recorded in it yet). `compliance` judges any period as of a day, so it passes False."""
    try:
        period = parse_period(text)
    except (ValueError, TypeError) as exc:
        usage(f"--period: {exc}")
    why = not_begun(period) if begun else None
    if why is not None:
        usage(f"--period: {why[0]} / {why[1]}")
    return period


def _pct(bp: int | None) -> str:
    return "—" if bp is None else fmt_bp(bp)


def _label(enum: type, key: str) -> str:
    try:
        return str(enum(key).label_vi)
    except ValueError:
        return {"general": "Chi phúc lợi chung (không theo đoàn viên)"}.get(key, key)


# --- history -----------------------------------------------------------------------------------


def _what(ln: HistoryLine) -> str:
    if ln.flow == "income":
        text = f"Đoàn phí tháng {ln.month[5:]}/{ln.month[:4]}" if ln.month else "Đoàn phí"
    elif ln.flow == "loan":
        text = f"{LOAN_MOVES.get(ln.key, (ln.key,))[0]} {ln.detail or ''}".strip()
    else:
        text = _label(WelfareKind, ln.key) + (" (hiện vật)" if ln.form == "in_kind" else "")
    return f"Đảo: {text}" if ln.reversal_of else text


def _status(ln: HistoryLine) -> str:
    return STATUS.get(ln.outcome, ln.outcome)


def _who(h: MemberHistory, ln: HistoryLine) -> str:
    if ln.incoming or (ln.flow == "loan" and ln.key == "write_off"):
        return "—"  # nobody receives it
    if ln.relative is None:
        return "bản thân"
    name = ERASED if h.erased else h.relatives.get(ln.relative) or ""
    return f"{ln.relative} {name}".strip()


def history(
    member: Annotated[str, typer.Argument(metavar="MEMBER", help="Mã đoàn viên (member number).")],
    year: Annotated[int | None, typer.Option("--year", help="Chỉ một năm (one year).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Lịch sử đoàn phí, phúc lợi, vay vốn của đoàn viên và thân nhân (member history)."""
    ctx = open_context()
    h = member_history(ctx.engine, member, year=year)
    try:
        with_names(h, ctx.ledger.reveal(member))
    except TamperedError:
        h.name = "(không giải mã được / cannot be decrypted)"
    if as_json:
        emit_json(h.as_dict())
        return
    print_history(h)


def print_history(h: MemberHistory) -> None:
    out = console()
    status = {"active": "đang sinh hoạt", "left": "đã ra khỏi tổ chức", "deceased": "đã mất"}
    name = ERASED if h.erased else h.name or ""
    out.print(f"Đoàn viên {h.member} — {name}")
    out.print(
        f"Đơn vị {h.unit_code}, {status.get(h.status, h.status)}; kết nạp {fmt_date(h.joined_on)}"
        + (f", ra {fmt_date(h.left_on)}" if h.left_on else "")
    )
    rows = [
        (
            fmt_date(ln.effective_date),
            ln.unit_code,
            _what(ln),
            _who(h, ln),
            fmt_money(ln.amount),
            _status(ln)
            + (" (vượt quy chế, Chủ tịch duyệt)" if ln.overridden else "")
            + (" — đã đảo" if ln.reversed else ""),
            (ln.detail or "") if ln.flow != "loan" else "",
        )
        for ln in h.lines
    ]
    out.print(
        rows_table(
            "Các khoản (entries)",
            ["Ngày", "Đơn vị", "Nội dung", "Người nhận", "Số tiền", "Trạng thái", "Ghi chú"],
            rows,
        )
    )
    out.print(
        rows_table(
            "Tổng theo năm (yearly totals; chỉ khoản đã chi, đã trừ bút toán đảo)",
            ["Năm", "Đoàn phí đã đóng", "Phúc lợi nhận", "Ưu đãi đối tác", "Vay", "Trả nợ"],
            [
                (
                    str(y),
                    fmt_money(t.dues),
                    fmt_money(t.welfare),
                    fmt_money(t.non_cash),
                    fmt_money(t.loan_disbursed),
                    fmt_money(t.loan_repaid),
                )
                for y, t in sorted(h.years.items())
            ],
        )
    )
    if h.loans:
        out.print(
            rows_table(
                "Dư nợ hiện tại theo khoản vay (loan outstanding, all years)",
                ["Khoản vay", "Đã vay", "Đã trả", "Xóa nợ", "Dư nợ"],
                [
                    (
                        o["loan"],
                        fmt_money(o["disbursed"]),
                        fmt_money(o["repaid"]),
                        fmt_money(o["written_off"]),
                        fmt_money(o["outstanding"]),
                    )
                    for o in h.outstanding()
                ],
            )
        )


# --- ratios ------------------------------------------------------------------------------------


def print_figures(f: UnitFigures) -> None:
    out = console()
    yearly = judged_for_year(f.period)
    out.print(f"{f.unit} — {f.name} ({f.level}); kỳ {f.period.label_vi} ({f.period.label})")
    income = f.of("income")
    out.print(
        rows_table(
            "Thu (income)",
            ["Nguồn thu", "Số tiền"],
            [(_label(IncomeSource, k), fmt_money(v)) for k, v in sorted(income.items())]
            + [("Tổng thu", fmt_money(f.income))],
        )
    )
    out.print(
        "  Thu tính theo ngày thu vào sổ (kinh phí công đoàn tháng trước thu trong kỳ thì tính "
        "vào kỳ này; compliance tính theo tháng lương) / income by the day received",
        style="dim",
    )
    limits = {c.category: c for c in f.categories}
    spending_rows = []
    for cat in SpendingCategory:
        share = limits.get(cat.value)
        amount = f.of("spending").get(cat.value, 0)
        if not amount and share is None:
            continue
        bounds = ""
        if share is not None and (share.min_bp is not None or share.max_bp is not None):
            lo = f"≥ {fmt_bp(share.min_bp)}" if share.min_bp is not None else ""
            hi = f"≤ {fmt_bp(share.max_bp)}" if share.max_bp is not None else ""
            bounds = " ".join(x for x in (lo, hi) if x)
        spending_rows.append(
            (
                cat.label_vi,
                fmt_money(amount),
                _pct(share.share_bp if share else None),
                bounds,
                verdict_vi(share.within_limits, yearly, limits=True) if share and bounds else "",
            )
        )
    spending_rows.append(("Tổng chi", fmt_money(f.spending), "100%" if f.spending else "—", "", ""))
    out.print(
        rows_table(
            "Chi (spending)", ["Nội dung chi", "Số tiền", "Tỷ trọng", "Quy chế", ""], spending_rows
        )
    )
    welfare = f.of("welfare")
    if welfare:
        out.print(
            rows_table(
                "Chi phúc lợi theo loại (welfare by kind)",
                ["Loại", "Số tiền"],
                [
                    (_label(WelfareKind, k), fmt_money(v))
                    for k, v in sorted(welfare.items(), key=lambda kv: -kv[1])
                ],
            )
        )
    other = []
    for flow, title in FLOWS.items():
        for k, v in sorted(f.of(flow).items()):
            other.append((title, REMIT_KINDS.get(k, k), fmt_money(v)))
    for k, v in sorted(f.of("loan").items()):
        other.append(("Quỹ cho vay (loans)", LOAN_MOVES.get(k, (k,))[0], fmt_money(v)))
    for k, v in sorted(f.of("non_cash").items()):
        other.append(("Giá trị ưu đãi, không chi từ quỹ", _label(WelfareKind, k), fmt_money(v)))
    if other:
        out.print(rows_table("Ngoài tổng chi (not spending)", ["Khoản", "Loại", "Số tiền"], other))
    target = f"≥ {fmt_bp(f.welfare_target_bp)}" if f.welfare_target_bp is not None else "—"
    if f.welfare_share_bp is None:  # nothing spent: no share, no verdict
        out.print(
            f"Tổng chi trong kỳ bằng 0: không có tỷ lệ chi phúc lợi để so với mục tiêu {target} "
            "(nothing spent in the period: no welfare share to judge)"
        )
    else:
        said = verdict_vi(f.reaches_target, yearly)
        if not yearly and f.reaches_target is not None:
            said += f" ({reference_note_vi(f.period)})"
        elif yearly and period_status(f.period).provisional:
            said += " (tạm tính: năm chưa kết thúc / provisional: the year is not over)"
        out.print(
            f"Tỷ lệ chi phúc lợi / tổng chi (welfare share): {_pct(f.welfare_share_bp)} "
            f"— mục tiêu năm {target}: {said}"
        )
    if f.children:
        out.print(
            rows_table(
                "Đơn vị trực thuộc (children, including their own descendants)",
                [
                    "Đơn vị",
                    "Tên",
                    "Tổng chi",
                    "Chi phúc lợi",
                    "Tỷ lệ",
                    "Mục tiêu năm" if yearly else "So với mục tiêu năm (tạm tính)",
                ],
                [
                    (
                        c.unit,
                        c.name,
                        fmt_money(c.spending),
                        fmt_money(c.welfare),
                        _pct(c.welfare_share_bp),
                        verdict_vi(c.reaches_target, yearly),
                    )
                    for c in f.children
                ],
            )
        )


def ratios(unit: UnitArg, period: PeriodOpt, as_json: JsonFlag = False) -> None:
    """Thu, chi, tỷ lệ chi phúc lợi so với mục tiêu ≥ 60% (income, spending, welfare share)."""
    p = _period(period)
    ctx = open_context()
    figures = unit_figures(ctx.ledger, unit, p)
    if as_json:
        emit_json(figures.as_dict())
        return
    print_figures(figures)


# --- compliance --------------------------------------------------------------------------------

UNPAID_SHOWN = 20  # rows of the unpaid table; its title gives the true count (`missing_total`)


def compliance(
    unit: UnitArg,
    period: PeriodOpt,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Theo sổ cuối ngày YYYY-MM-DD: chỉ những gì đã ghi đến hết ngày đó, mặc định hôm "
            "nay (what the ledger held at the end of that day: only what was recorded by then; "
            "default: today).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Thu đúng, thu đủ, thu kịp thời: đoàn phí và kinh phí 2%; phải nộp, đã nộp, còn nợ nộp
    cấp trên (collection compliance and remittance upward)."""
    p = _period(period, begun=False)
    try:
        cutoff = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        usage(f"--as-of: ngày không hợp lệ / invalid date {as_of!r} (YYYY-MM-DD)")
    ctx = open_context()
    c = compliance_of(ctx.ledger, unit, p, as_of=cutoff)
    r = remittance(ctx.ledger, unit, judged_period(p), as_of=cutoff)  # a month: its quarter
    if as_json:
        emit_json(c.as_dict() | {"remittance": r.as_dict()})
        return
    out = console()
    t = c.total
    out.print(
        f"{t.unit} — {t.name}; kỳ {p.label_vi}; tháng đã đến hạn: "
        f"{', '.join(month_text(m) for m in c.months) or '—'}"
    )
    d, fee = t.dues, t.fee
    out.print(
        rows_table(
            "Đoàn phí (member dues)",
            ["Chỉ tiêu", "Giá trị"],
            [
                ("Đoàn viên phải đóng", f"{t.members:,}".replace(",", ".")),
                (
                    "Lượt tháng phải đóng / đã đóng",
                    f"{d.member_months_due} / {d.member_months_paid}",
                ),
                ("Phải thu theo lương đăng ký", fmt_money(d.expected)),
                ("Đã thu", fmt_money(d.collected)),
                ("Tỷ lệ thu (thu đủ)", _pct(d.rate_bp)),
                ("Đóng đúng hạn (thu kịp thời)", _pct(d.on_time_bp)),
                ("Dòng khai lương thấp hơn đăng ký (thu đúng)", str(d.under_declared)),
                ("Còn thiếu", fmt_money(d.shortfall)),
            ],
        )
    )
    out.print(
        rows_table(
            "Kinh phí công đoàn 2% theo tháng lương (union fee by payroll month)",
            ["Chỉ tiêu", "Giá trị"],
            [
                ("Tháng phải nộp / đã kê khai", f"{fee.months_due} / {fee.months_declared}"),
                ("Quỹ lương kê khai", fmt_money(fee.payroll)),
                ("Phải nộp theo quỹ lương kê khai", fmt_money(fee.expected)),
                (
                    "Tháng chưa kê khai: ước tính theo lương đăng ký",
                    fmt_money(fee.missing_estimate),
                ),
                ("Đã nhận", fmt_money(fee.received)),
                ("Tỷ lệ", _pct(fee.rate_bp)),
            ],
        )
    )
    if len(c.units) > 1:
        out.print(
            rows_table(
                "Theo đơn vị (by union), tỷ lệ thu thấp nhất trước",
                ["Đơn vị", "Tên", "Đoàn viên", "Phải thu", "Đã thu", "Tỷ lệ", "Đúng hạn", "KPCĐ"],
                [
                    (
                        u.unit,
                        u.name,
                        str(u.members),
                        fmt_money(u.dues.expected),
                        fmt_money(u.dues.collected),
                        _pct(u.dues.rate_bp),
                        _pct(u.dues.on_time_bp),
                        _pct(u.fee.rate_bp),
                    )
                    for u in sorted(c.units, key=lambda u: (u.dues.rate_bp or 0, u.unit))
                ],
            )
        )
    if t.missing:
        shown = t.missing[:UNPAID_SHOWN]
        out.print(
            rows_table(
                "Chưa đóng (unpaid)",
                ["Đoàn viên", "Tháng", "Phải đóng"],
                [(m, month_text(mo), fmt_money(e)) for m, mo, e in shown],
            )
        )
        out.print(
            f"Hiện {len(shown)} / {t.missing_total} lượt tháng chưa đóng "
            f"(showing {len(shown)} of {t.missing_total} unpaid member-months)"
        )
    print_remittance(r, p)


def print_remittance(r: Remittance, asked: Period) -> None:
    """Due upward from what was collected (the kept shares of the policy of each month),
    remitted, and what is still owed, for the unit and per union below it; what upper levels
    passed on from below is shown apart, compared with nothing."""
    out = console()
    rows = []
    for kind, f in r.total.kinds.items():
        if f.collected or f.remitted or f.passed_on:
            rows.append(
                (
                    REMIT_KINDS.get(kind, kind),
                    fmt_money(f.collected),
                    fmt_money(f.kept),
                    fmt_money(f.due),
                    fmt_money(f.remitted),
                    fmt_money(f.owed),
                )
            )
    t = r.total.total
    rows.append(
        (
            "Tổng",
            fmt_money(t.collected),
            fmt_money(t.kept),
            fmt_money(t.due),
            fmt_money(t.remitted),
            fmt_money(t.owed),
        )
    )
    said = [f"cả quý của {asked.label_vi}: nộp cấp trên tính theo quý"] if r.period != asked else []
    if r.due_by is not None:
        said.append(f"hạn nộp {r.due_by:%d/%m/%Y}")
    said.append("theo tháng thu, tỷ lệ giữ lại của quy chế từng tháng")
    out.print(
        rows_table(
            f"Nộp cấp trên {r.period.label_vi} ({'; '.join(said)}; remittance upward, judged "
            "per quarter)",
            ["Khoản", "Đã thu", "Giữ lại", "Phải nộp", "Đã nộp", "Còn phải nộp (âm: nộp thừa)"],
            rows,
        )
    )
    if t.passed_on:
        out.print(
            f"Cấp trên chuyển tiếp lên trên {fmt_money(t.passed_on)}, không tính vào phải nộp / "
            f"đã nộp (upper levels passed on {fmt_money(t.passed_on)} upward, outside due and "
            "remitted)"
        )
    if len(r.units) > 1 or (r.units and r.units[0].unit != r.total.unit):
        onward = any(u.total.passed_on for u in r.units)
        out.print(
            rows_table(
                "Theo đơn vị: còn nợ nộp cấp trên (by union, largest debt first)",
                ["Đơn vị", "Tên", "Phải nộp KPCĐ", "Phải nộp đoàn phí", "Đã nộp", "Còn phải nộp"]
                + (["Chuyển tiếp (passed on)"] if onward else []),
                [
                    (
                        u.unit,
                        u.name,
                        fmt_money(u.kinds["union_fee"].due),
                        fmt_money(u.kinds["dues"].due),
                        fmt_money(u.total.remitted),
                        fmt_money(u.total.owed),
                    )
                    + ((fmt_money(u.total.passed_on),) if onward else ())
                    for u in sorted(r.units, key=lambda u: (-u.total.owed, u.unit))
                ],
            )
        )


# --- beneficiaries -------------------------------------------------------------------------------


def beneficiaries(unit: UnitArg, period: PeriodOpt, as_json: JsonFlag = False) -> None:
    """Số người thụ hưởng và số tiền theo loại phúc lợi (beneficiaries per welfare kind)."""
    p = _period(period)
    ctx = open_context()
    counts = beneficiary_counts(ctx.ledger, unit, p)
    if as_json:
        emit_json({"unit": unit, "period": p.label, "kinds": [c.__dict__ for c in counts]})
        return
    if not counts:  # a table of headers alone reads as a failure to load
        console().print(
            f"Người thụ hưởng — {unit}, {p.label_vi}: Không có khoản phúc lợi nào được chi trong "
            "kỳ (nothing was paid in the period)"
        )
        return
    console().print(
        rows_table(
            f"Người thụ hưởng — {unit}, {p.label_vi}",
            ["Loại", "Số người", "Đoàn viên", "Thân nhân", "Lượt", "Số tiền"],
            [
                (
                    _label(WelfareKind, c.kind),
                    str(c.people),
                    str(c.members),
                    str(c.relatives),
                    str(c.payouts),
                    fmt_money(c.amount),
                )
                for c in counts
            ],
        )
    )
