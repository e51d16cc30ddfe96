"""`phucloi record`: money in and out (thu, chi), each an officer-signed event.

- `collection dues|union-fee|other`: dues of a month from the payroll file (CSV or XLSX, read
  by `ledger.payroll` exactly as the web dues page reads it), the employer's 2% fee,
  other income.
- `payout`: a welfare payout to a member or a relative (cash or in kind); above the policy's
  threshold it needs the chair's second signature (`--cosign-as CHAIR`) or is recorded as
  pending (`--await-approval`) until `record approve`.
- `expense` (above the threshold, of any category, it needs `--cosign-as CHAIR`: an
  expense is never recorded pending), `remittance` (to an upper level),
  `loan disburse|repay|write-off` (a disbursement above the threshold or overriding the
  policy's loan rule, and every write-off, need `--cosign-as CHAIR`: a loan is never
  recorded pending),
  `reversal` (a signed correction of an earlier money event or union fee decision, the
  latter cosigned by the chair), `approve` (the chair's
  decision on a pending payout).
- `fee-relief`: an employer's exemption, suspension or reduction of the 2% fee by a decision
  of the competent authority (Law 50/2024/QH15), for a span of months; always with
  `--cosign-as CHAIR`, as it silences detection rule 17 for those months.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from ledger import clock
from ledger.cli.common import (
    COSIGN_PASSPHRASE_ENV,
    AsOfficer,
    DateOpt,
    JsonFlag,
    UnitArg,
    amount,
    both,
    choice,
    console,
    emit_json,
    fmt_date,
    fmt_money,
    month,
    officer_signer,
    open_context,
    optional_amount,
    optional_day,
    personal_value,
    print_receipts,
    public_help,
    rows_table,
    sign_and_submit,
    signed,
    submit_one,
    usage,
)
from ledger.cli.importer import DUES_LINE_FIELD, FileProblem, report
from ledger.domain.catalogue import FundingSource, IncomeSource, SpendingCategory, WelfareKind
from ledger.domain.errors import LedgerError, not_found, problem, refused_by_policy
from ledger.domain.policy import Policy, expected_union_fee
from ledger.dues_check import preview
from ledger.payroll import Line, PayrollError, parse_lines, read_rows

app = typer.Typer(help="Ghi thu, chi, cho vay, đảo bút toán (record money events).")
collection = typer.Typer(help="Thu: đoàn phí, kinh phí công đoàn 2%, thu khác (income).")
loan = typer.Typer(help="Cho vay vốn đoàn viên (member loans).")
app.add_typer(collection, name="collection")
app.add_typer(loan, name="loan")

CosignOpt = Annotated[
    str | None,
    typer.Option(
        "--cosign-as",
        metavar="CHAIR",
        help="Chủ tịch ký thứ hai; mật khẩu PHUCLOI_COSIGN_PASSPHRASE (chair cosigns).",
    ),
]

OverrideOpt = Annotated[
    str | None,
    typer.Option(
        "--override",
        help=public_help(
            "Giải trình vượt quy chế; cần Chủ tịch ký", "justification; the chair cosigns"
        ),
    ),
]
AmountOpt = Annotated[str, typer.Option("--amount", help="Số tiền, ví dụ 1.250.000 (amount).")]
MonthOpt = Annotated[str, typer.Option("--month", help="Tháng YYYY-MM (month).")]
MemberOpt = Annotated[str, typer.Option("--member", help="Mã đoàn viên (member number).")]
TextOpt = Annotated[str, typer.Option("--description", help="Nội dung (description).")]
DocumentOpt = Annotated[
    str | None, typer.Option("--document", help="Số chứng từ (document reference).")
]


def _policy(unit: str, on: date) -> Policy:
    policy = open_context().ledger.policy_for(unit, on)
    if policy is None:
        raise refused_by_policy(
            [
                problem(
                    "unit",
                    "no_policy",
                    f"đơn vị {unit} chưa có quy chế",
                    f"no policy is in force for {unit}",
                )
            ]
        )
    return policy


def _first_day(m: str) -> date:
    return date(int(m[:4]), int(m[5:7]), 1)


# --- money in --------------------------------------------------------------------------------


def _read_dues_file(path: Path) -> list[Line]:
    """The lines of a payroll file, read as the web dues page reads it (`ledger.payroll`):
    CSV (UTF-8 or UTF-16, `,` `;` or tab) or XLSX, headers in Vietnamese or English."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        usage(f"--file {path}: không đọc được tệp / cannot read the file: {exc}")
    try:
        return parse_lines(read_rows(path.name, data, max_bytes=None), max_lines=None)
    except PayrollError as exc:
        usage(f"--file {path}: {exc.vi} / {exc.en}")


@collection.command("dues")
def dues(
    unit: UnitArg,
    month_: MonthOpt,
    file: Annotated[
        Path,
        typer.Option(
            "--file",
            help="Bảng lương CSV hoặc XLSX như trang web Đoàn phí: cột Mã đoàn viên, Lương "
            "đóng BHXH[, Đoàn phí] (hoặc member,salary_basis[,amount]); thiếu đoàn phí thì "
            "tự tính (payroll file).",
        ),
    ],
    as_: AsOfficer,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Thu đoàn phí một tháng từ bảng lương CSV/XLSX (collect a month's dues)."""
    m = month("--month", month_)
    on = optional_day("--date", date_)
    lines = _read_dues_file(file)
    if not lines:
        usage(f"--file {file}: tệp không có dòng nào / no lines in the file")
    # Every line checked as the ledger will check it, as the web page previews the file:
    # the file's format errors and the ledger's (unknown member, another union, a month
    # already collected, a line repeated) are listed together, in one run.
    checked = preview(
        open_context().ledger,
        unit=unit,
        month=m,
        effective_date=on or clock.today_vn(),
        lines=lines,
    )
    if not checked.ok:
        report(
            "Tệp đoàn phí có lỗi, không ghi gì",
            "the dues file has errors, nothing stored",
            [FileProblem(ln.row, "", vi, en) for ln in lines for vi, en in ln.errors],
        )
        for vi, en in checked.problems:  # about the whole file: the unit, its policy
            typer.echo(f"  {both(vi, en)}", err=True)
        raise typer.Exit(1)
    rows = [
        {"member": ln.member, "salary_basis": ln.salary_basis, "amount": ln.amount} for ln in lines
    ]
    linenos = [ln.row for ln in lines]
    by = officer_signer(as_)
    item = signed(
        "collection.dues",
        by=by,
        unit=unit,
        body={"month": m, "lines": rows},
        effective_date=on,
    )
    try:
        receipt = open_context().ledger.submit(item)
    except LedgerError as exc:
        typer.echo(f"Lỗi / Error: {exc.vi} / {exc.en}", err=True)
        for p in exc.problems:
            dm = DUES_LINE_FIELD.match(p.field)
            if dm and int(dm.group(1)) < len(linenos):
                fp = FileProblem(linenos[int(dm.group(1))], dm.group(2) or "", p.vi, p.en)
                typer.echo(f"  {fp.text()}", err=True)
            else:
                typer.echo(f"  - {p.field + ': ' if p.field else ''}{p.vi} / {p.en}", err=True)
        raise typer.Exit(1) from None
    print_receipts([receipt], as_json=as_json)
    if not as_json:
        total = checked.total
        typer.echo(f"  {len(rows)} đoàn viên, tổng {fmt_money(total)} (members, total)")


@collection.command("union-fee")
def union_fee(
    unit: UnitArg,
    month_: MonthOpt,
    payroll: Annotated[str, typer.Option("--payroll", help="Quỹ lương đóng BHXH (payroll).")],
    employer: Annotated[str, typer.Option("--employer", help="Tên doanh nghiệp (employer).")],
    as_: AsOfficer,
    amount_: Annotated[
        str | None,
        typer.Option("--amount", help="Số tiền; mặc định = tỷ lệ KPCĐ × quỹ lương (amount)."),
    ] = None,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Thu kinh phí công đoàn 2% (employer union fee)."""
    m = month("--month", month_)
    base = amount("--payroll", payroll)
    value = optional_amount("--amount", amount_)
    if value is None:
        value = expected_union_fee(_policy(unit, _first_day(m)), base)
    sign_and_submit(
        "collection.union_fee",
        unit=unit,
        body={"month": m, "payroll": base, "amount": value, "employer": employer},
        effective_date=optional_day("--date", date_),
        as_=as_,
        as_json=as_json,
    )


@collection.command("other")
def other(
    unit: UnitArg,
    source: Annotated[
        str,
        typer.Option(
            "--source",
            help="donation (tài trợ) | upper_allocation (cấp trên hỗ trợ) | partner_programme | "
            "other (thu khác).",
        ),
    ],
    amount_: AmountOpt,
    description: TextOpt,
    as_: AsOfficer,
    date_: DateOpt = None,
    from_unit: Annotated[
        str | None,
        typer.Option(
            "--from-unit",
            metavar="UNIT",
            help="Đơn vị cấp trên đã cấp khoản hỗ trợ (upper_allocation: the giving union; "
            "roll-up then leaves it out above that union).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Thu khác (other income)."""
    own_commands = (IncomeSource.dues, IncomeSource.union_fee)  # record collection dues/union-fee
    choice("--source", source, [s for s in IncomeSource if s not in own_commands])
    body: dict[str, object] = {
        "source": source,
        "amount": amount("--amount", amount_),
        "description": description,
    }
    if from_unit is not None:
        body["from_unit"] = from_unit
    sign_and_submit(
        "collection.other",
        unit=unit,
        body=body,
        effective_date=optional_day("--date", date_),
        as_=as_,
        as_json=as_json,
    )


# --- money out -------------------------------------------------------------------------------


@app.command("payout")
def payout(
    unit: UnitArg,
    member: MemberOpt,
    kind: Annotated[
        str, typer.Option("--kind", help="Khoản phúc lợi, ví dụ sickness_visit (welfare kind).")
    ],
    occasion: Annotated[str, typer.Option("--occasion", help="Dịp chi (occasion).")],
    as_: AsOfficer,
    amount_: Annotated[
        str | None,
        typer.Option("--amount", help="Số tiền; hiện vật: mặc định số lượng × đơn giá (amount)."),
    ] = None,
    relative: Annotated[
        str | None, typer.Option("--relative", help="Mã thân nhân nhận (relative code).")
    ] = None,
    form: Annotated[
        str | None, typer.Option("--form", help="cash (tiền mặt) | in_kind (hiện vật).")
    ] = None,
    item: Annotated[str | None, typer.Option("--item", help="Hiện vật (item).")] = None,
    quantity: Annotated[int | None, typer.Option("--quantity", help="Số lượng (quantity).")] = None,
    unit_cost: Annotated[
        str | None, typer.Option("--unit-cost", help="Đơn giá (unit cost).")
    ] = None,
    supplier: Annotated[
        str | None, typer.Option("--supplier", help="Nhà cung cấp (supplier).")
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option("--reason", help="Lý do, dữ liệu cá nhân được niêm phong (personal reason)."),
    ] = None,
    payee_account: Annotated[
        str | None,
        typer.Option("--payee-account", help="Tài khoản nhận BANK:NUMBER (personal)."),
    ] = None,
    payment: Annotated[
        str | None, typer.Option("--payment", help="Hình thức chi / payment method: cash | bank.")
    ] = None,
    funding: Annotated[
        str | None,
        typer.Option(
            "--funding",
            help="union_fund | upper_support | donation | partner | social_fund (nguồn chi).",
        ),
    ] = None,
    document: DocumentOpt = None,
    await_approval: Annotated[
        bool,
        typer.Option("--await-approval", help="Ghi chờ Chủ tịch duyệt (record as pending)."),
    ] = False,
    override: OverrideOpt = None,
    cosign_as: CosignOpt = None,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Chi phúc lợi cho đoàn viên hoặc thân nhân (record a welfare payout)."""
    choice("--kind", kind, WelfareKind)
    body: dict[str, Any] = {"member": member, "kind": kind, "occasion": occasion}
    if relative:
        body["relative"] = relative
    in_kind_given = any(v is not None for v in (item, quantity, unit_cost, supplier))
    if form is not None:
        choice("--form", form, ["cash", "in_kind"])
    if form == "in_kind" or (form is None and in_kind_given):
        missing = [
            opt
            for opt, v in (
                ("--item", item),
                ("--quantity", quantity),
                ("--unit-cost", unit_cost),
                ("--supplier", supplier),
            )
            if v is None
        ]
        if missing:
            usage(f"{', '.join(missing)}: cần cho khoản chi hiện vật / required for --form in_kind")
        assert quantity is not None and unit_cost is not None
        cost = amount("--unit-cost", unit_cost)
        body["form"] = "in_kind"
        body["in_kind"] = {
            "item": item,
            "quantity": quantity,
            "unit_cost": cost,
            "supplier": supplier,
        }
        value = optional_amount("--amount", amount_)
        body["amount"] = quantity * cost if value is None else value
    else:
        if in_kind_given:
            usage(
                "--item/--quantity/--unit-cost/--supplier: chỉ dùng với --form in_kind / "
                "only with --form in_kind"
            )
        if amount_ is None:
            usage("--amount: cần số tiền / the amount is required")
        body["amount"] = amount("--amount", amount_)
        if form == "cash":
            body["form"] = "cash"
    if payment is not None:
        body["payment_method"] = choice("--payment", payment, ["cash", "bank"])
    if funding is not None:
        body["funding_source"] = choice("--funding", funding, FundingSource)
    if document:
        body["document_ref"] = document
    if await_approval:
        body["await_approval"] = True
    if override:
        body["override"] = {"justification": override}
    personal = {
        "reason": personal_value("--reason", "reason", reason),
        "payee_account": personal_value("--payee-account", "payee_account", payee_account),
    }
    by = officer_signer(as_)
    cosigner = (
        officer_signer(cosign_as, option="--cosign-as", env=COSIGN_PASSPHRASE_ENV)
        if cosign_as
        else None
    )
    signed_item = signed(
        "payout.record",
        by=by,
        unit=unit,
        body=body,
        personal=personal,
        cosigner=cosigner,
        effective_date=optional_day("--date", date_),
    )
    submit_one(signed_item, as_json=as_json)


@app.command("expense")
def expense(
    unit: UnitArg,
    category: Annotated[
        str,
        typer.Option(
            "--category",
            help="Loại chi / category: welfare | representation | salaries | administration | "
            "movement | other.",
        ),
    ],
    amount_: AmountOpt,
    description: TextOpt,
    as_: AsOfficer,
    participants: Annotated[
        int | None, typer.Option("--participants", help="Số người tham gia (participants).")
    ] = None,
    document: DocumentOpt = None,
    cosign_as: CosignOpt = None,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Chi hoạt động của đơn vị (unit spending). Trên ngưỡng duyệt cần --cosign-as."""
    choice("--category", category, SpendingCategory)
    body: dict[str, Any] = {
        "category": category,
        "amount": amount("--amount", amount_),
        "description": description,
    }
    if participants is not None:
        body["participants"] = participants
    if document:
        body["document_ref"] = document
    by = officer_signer(as_)
    cosigner = (
        officer_signer(cosign_as, option="--cosign-as", env=COSIGN_PASSPHRASE_ENV)
        if cosign_as
        else None
    )
    signed_item = signed(
        "expense.record",
        by=by,
        unit=unit,
        body=body,
        cosigner=cosigner,
        effective_date=optional_day("--date", date_),
    )
    submit_one(signed_item, as_json=as_json)


@app.command("remittance")
def remittance(
    unit: UnitArg,
    month_: MonthOpt,
    kind: Annotated[
        str, typer.Option("--kind", help="Khoản nộp / kind: union_fee | dues | other.")
    ],
    amount_: AmountOpt,
    to: Annotated[str, typer.Option("--to", help="Công đoàn cấp trên nhận (upper unit).")],
    as_: AsOfficer,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Nộp cấp trên (remit to an upper level)."""
    body = {
        "month": month("--month", month_),
        "kind": choice("--kind", kind, ["union_fee", "dues", "other"]),
        "amount": amount("--amount", amount_),
        "to_unit": to,
    }
    sign_and_submit(
        "remittance.record",
        unit=unit,
        body=body,
        effective_date=optional_day("--date", date_),
        as_=as_,
        as_json=as_json,
    )


# --- loans -----------------------------------------------------------------------------------

LoanOpt = Annotated[str, typer.Option("--loan", help="Mã khoản vay (loan code).")]


def _loan(
    type_: str,
    unit: str,
    as_: str,
    date_: str | None,
    as_json: bool,
    body: dict[str, Any],
    cosign_as: str | None = None,
    personal: dict[str, str | None] | None = None,
) -> None:
    by = officer_signer(as_)
    cosigner = (
        officer_signer(cosign_as, option="--cosign-as", env=COSIGN_PASSPHRASE_ENV)
        if cosign_as
        else None
    )
    item = signed(
        type_,
        by=by,
        unit=unit,
        body=body,
        cosigner=cosigner,
        effective_date=optional_day("--date", date_),
        personal=personal,
    )
    submit_one(item, as_json=as_json)


@loan.command("disburse")
def loan_disburse(
    unit: UnitArg,
    member: MemberOpt,
    loan_: LoanOpt,
    amount_: AmountOpt,
    fund: Annotated[
        str, typer.Option("--fund", help="tro_von | cep | national_employment (quỹ cho vay).")
    ],
    term: Annotated[int, typer.Option("--term", help="Thời hạn, tháng (term in months).")],
    as_: AsOfficer,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason",
            help="Mục đích vay, dữ liệu cá nhân được niêm phong (purpose, sealed personal data).",
        ),
    ] = None,
    interest_bp: Annotated[
        int, typer.Option("--interest-bp", help="Lãi suất, điểm cơ bản (interest, bp).")
    ] = 0,
    override: OverrideOpt = None,
    cosign_as: CosignOpt = None,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Giải ngân khoản vay (disburse a loan). Trên ngưỡng duyệt cần --cosign-as."""
    body: dict[str, Any] = {
        "member": member,
        "loan": loan_,
        "fund": choice("--fund", fund, ["tro_von", "cep", "national_employment"]),
        "amount": amount("--amount", amount_),
        "term_months": term,
        "interest_bp": interest_bp,
    }
    if override:
        body["override"] = {"justification": override}
    personal = {"reason": personal_value("--reason", "reason", reason)}
    _loan("loan.disburse", unit, as_, date_, as_json, body, cosign_as, personal)


@loan.command("repay")
def loan_repay(
    unit: UnitArg,
    member: MemberOpt,
    loan_: LoanOpt,
    amount_: AmountOpt,
    as_: AsOfficer,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Thu nợ (repayment)."""
    _loan(
        "loan.repay",
        unit,
        as_,
        date_,
        as_json,
        {"member": member, "loan": loan_, "amount": amount("--amount", amount_)},
    )


@loan.command("write-off")
def loan_write_off(
    unit: UnitArg,
    member: MemberOpt,
    loan_: LoanOpt,
    amount_: AmountOpt,
    reason: Annotated[str, typer.Option("--reason", help=public_help("Lý do xóa nợ", "reason"))],
    as_: AsOfficer,
    cosign_as: CosignOpt = None,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Xóa nợ (write off); luôn cần Chủ tịch ký thứ hai (--cosign-as)."""
    _loan(
        "loan.write_off",
        unit,
        as_,
        date_,
        as_json,
        {
            "member": member,
            "loan": loan_,
            "amount": amount("--amount", amount_),
            "reason": reason,
        },
        cosign_as,
    )


@app.command("fee-relief")
def fee_relief(
    unit: UnitArg,
    employer: Annotated[str, typer.Option("--employer", help="Tên doanh nghiệp (employer).")],
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="exempt (miễn) | suspended (tạm dừng đóng, tối đa 12 tháng) | reduced (giảm).",
        ),
    ],
    from_: Annotated[str, typer.Option("--from", help="Từ tháng YYYY-MM (first month).")],
    to: Annotated[str, typer.Option("--to", help="Đến tháng YYYY-MM (last month).")],
    decision: Annotated[
        str, typer.Option("--decision", help="Số quyết định, ví dụ 123/QĐ-LĐLĐ (number).")
    ],
    issuer: Annotated[str, typer.Option("--issuer", help="Cơ quan ban hành (issuer).")],
    decision_date: Annotated[
        str, typer.Option("--decision-date", help="Ngày quyết định YYYY-MM-DD (its date).")
    ],
    as_: AsOfficer,
    rate: Annotated[
        str | None,
        typer.Option("--rate", help="Tỷ lệ sau khi giảm, %, ví dụ 1 hoặc 1,5 (reduced rate)."),
    ] = None,
    cosign_as: CosignOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Ghi quyết định miễn, giảm, tạm dừng đóng kinh phí công đoàn của doanh nghiệp
    (union fee exemption, reduction, suspension); luôn cần Chủ tịch ký thứ hai."""
    body: dict[str, Any] = {
        "employer": employer,
        "kind": choice("--kind", kind, ["exempt", "suspended", "reduced"]),
        "from_month": month("--from", from_),
        "to_month": month("--to", to),
        "decision_number": decision,
        "issuer": issuer,
    }
    if rate is not None:
        body["rate_bp"] = _rate_bp("--rate", rate)
    _loan("union_fee.relief", unit, as_, decision_date, as_json, body, cosign_as=cosign_as)


def _rate_bp(option: str, text: str) -> int:
    """A percentage (`1`, `1,5`, `1.25%`) in basis points, exact to 0,01%."""
    t = text.strip().rstrip("%").strip().replace(",", ".")
    if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,2})?", t):
        usage(f"{option}: tỷ lệ không hợp lệ / invalid rate {text!r} (%, ví dụ 1 hoặc 1,5)")
    whole, _, frac = t.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


# --- corrections and approvals -------------------------------------------------------------------

TargetOpt = Annotated[str, typer.Option("--target", help="Mã bút toán (event id).")]


@app.command("reversal")
def reversal(
    unit: UnitArg,
    target: TargetOpt,
    reason: Annotated[str, typer.Option("--reason", help=public_help("Lý do đảo", "reason"))],
    as_: AsOfficer,
    cosign_as: CosignOpt = None,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Đảo một bút toán thu/chi đã ghi hoặc một quyết định miễn, giảm, tạm dừng đóng kinh phí
    công đoàn ghi nhầm (reverse a money event or a union fee decision; the latter needs
    --cosign-as)."""
    _loan(
        "reversal.record",
        unit,
        as_,
        date_,
        as_json,
        {"target": target.strip(), "reason": reason},
        cosign_as=cosign_as,
    )


@app.command("pending")
def pending(unit: UnitArg, as_json: JsonFlag = False) -> None:
    """Khoản chi đang chờ Chủ tịch ký duyệt, cũ nhất trước, với mã bút toán để dùng trong
    `record approve --target` (payouts waiting for the chair's second signature)."""
    from api.queries import pending_approvals

    ledger = open_context().ledger
    if ledger.get_unit(unit) is None:
        raise not_found("unit", unit, field_="UNIT")
    waiting = pending_approvals(ledger, unit)
    if as_json:
        emit_json(waiting)
        return
    out = console()
    if not waiting:
        out.print(f"Không có khoản chi nào chờ duyệt tại {unit} / nothing is waiting for approval")
        return
    out.print(
        rows_table(
            f"Chờ duyệt / waiting for approval: {unit}",
            [
                "Mã bút toán (event id)",
                "Ngày",
                "Đơn vị",
                "Đoàn viên",
                "Khoản",
                "Số tiền",
                "Ghi bởi",
            ],
            [
                (
                    w["event_id"],
                    fmt_date(w["effective_date"]),
                    w["unit"],
                    w["member"] + ("" if w["beneficiary"] == "self" else f" ({w['beneficiary']})"),
                    _kind_label(w["kind"]),
                    fmt_money(w["amount"]),
                    w["recorded_by"],
                )
                for w in waiting
            ],
            keep=[0],
        )
    )
    out.print(
        f"Duyệt / approve: phucloi record approve {unit} --target MÃ --decision approve --as CHỦ_TỊCH"
    )


def _kind_label(kind: str) -> str:
    try:
        return f"{WelfareKind(kind).label_vi} ({kind})"
    except ValueError:
        return kind


@app.command("approve")
def approve(
    unit: UnitArg,
    target: TargetOpt,
    decision: Annotated[
        str, typer.Option("--decision", help="approve (duyệt) | refuse (từ chối).")
    ],
    as_: AsOfficer,
    note: Annotated[str | None, typer.Option("--note", help=public_help("Ghi chú", "note"))] = None,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Chủ tịch duyệt hoặc từ chối khoản chi đang chờ (decide on a pending payout)."""
    choice("--decision", decision, ["approve", "refuse"])
    target = target.strip()
    entry = open_context().ledger.entry(target)
    if entry is None:
        raise not_found("event", target, field_="--target")
    body: dict[str, Any] = {
        "target": target,
        "target_digest": entry["command_digest"],
        "decision": decision,
    }
    if note:
        body["note"] = note
    sign_and_submit(
        "approval.decide",
        unit=unit,
        body=body,
        effective_date=optional_day("--date", date_),
        as_=as_,
        as_json=as_json,
    )
