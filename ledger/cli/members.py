"""`phucloi members`: union members (đoàn viên): join, transfer, leave, relatives, erasure.

Personal data (name, citizen ID, date of birth, bank account, household, relatives' names)
never goes into a signed body in clear: `ledger.client.build(..., personal=...)` signs salted
commitments and the ledger seals the values under the member's own key (a relative's under a
key of the relative's own). `show` unseals them while the key exists; after `erase` the key is
destroyed and the person (with the relatives they declared) reads as erased, after
`erase-relative` the relative alone, while every signature and amount still verifies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

import typer

from ledger import clock
from ledger.bootstrap import Context
from ledger.cli.common import (
    AsOfficer,
    DateOpt,
    JsonFlag,
    amount,
    choice,
    console,
    day,
    emit_json,
    fmt_date,
    fmt_money,
    officer_signer,
    open_context,
    optional_day,
    personal_value,
    print_receipts,
    public_help,
    rows_table,
    sign_and_submit,
    signed,
)
from ledger.domain.catalogue import HouseholdStatus, Relation, WelfareKind
from ledger.domain.errors import not_found
from ledger.domain.members import Member
from ledger.erasure import Link, erasure_links, relative_erasure_links
from ledger.privacy import TamperedError

app = typer.Typer(help="Đoàn viên (union members).")

NumberArg = Annotated[str, typer.Argument(metavar="NUMBER", help="Mã đoàn viên (member number).")]
UnitOpt = Annotated[
    str, typer.Option("--unit", help="Đơn vị đoàn viên đang sinh hoạt (the member's unit).")
]

ERASED_TEXT = "[đã xóa / erased]"
PAYOUT_STATUS_VI = {
    "paid": "đã chi (paid)",
    "pending": "chờ duyệt (pending)",
    "refused": "bị từ chối (refused)",
}


@app.command("add")
def add(
    number: NumberArg,
    unit: UnitOpt,
    name: Annotated[str, typer.Option("--name", help="Họ tên (full name).")],
    citizen_id: Annotated[
        str, typer.Option("--citizen-id", help="Số CCCD 12 số / CMND 9 số (citizen ID).")
    ],
    dob: Annotated[str, typer.Option("--dob", help="Ngày sinh YYYY-MM-DD (date of birth).")],
    salary: Annotated[
        str, typer.Option("--salary", help="Lương đóng đoàn phí, ví dụ 6.000.000 (salary basis).")
    ],
    as_: AsOfficer,
    bank: Annotated[
        str | None, typer.Option("--bank", help="Tài khoản BANK:NUMBER (bank account).")
    ] = None,
    household: Annotated[
        str | None, typer.Option("--household", help="Mã hộ gia đình (household ID).")
    ] = None,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Kết nạp / tiếp nhận đoàn viên (register a member)."""
    personal = {
        "full_name": personal_value("--name", "full_name", name),
        "citizen_id": personal_value("--citizen-id", "citizen_id", citizen_id),
        "date_of_birth": day("--dob", dob).isoformat(),
        "bank_account": personal_value("--bank", "bank_account", bank),
        "household": personal_value("--household", "household", household),
    }
    body = {"member": number, "salary_basis": amount("--salary", salary)}
    sign_and_submit(
        "member.join",
        unit=unit,
        body=body,
        personal=personal,
        effective_date=optional_day("--date", date_),
        as_=as_,
        as_json=as_json,
    )


def _simple(
    type_: str,
    number: str,
    unit: str,
    as_: str,
    date_: str | None,
    as_json: bool,
    body: dict[str, Any],
    personal: dict[str, str | None] | None = None,
) -> None:
    sign_and_submit(
        type_,
        unit=unit,
        body={"member": number, **body},
        personal=personal,
        effective_date=optional_day("--date", date_),
        as_=as_,
        as_json=as_json,
    )


@app.command("transfer")
def transfer(
    number: NumberArg,
    to: Annotated[str, typer.Option("--to", help="Đơn vị chuyển đến (destination unit).")],
    unit: Annotated[str, typer.Option("--unit", help="Đơn vị hiện tại (current unit).")],
    as_: AsOfficer,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Chuyển sinh hoạt sang đơn vị khác (transfer a member)."""
    _simple("member.transfer", number, unit, as_, date_, as_json, {"to_unit": to})


@app.command("leave")
def leave(
    number: NumberArg,
    unit: UnitOpt,
    reason: Annotated[
        str, typer.Option("--reason", help=public_help("Lý do thôi sinh hoạt", "reason"))
    ],
    as_: AsOfficer,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Thôi sinh hoạt công đoàn (a member leaves)."""
    _simple("member.leave", number, unit, as_, date_, as_json, {"reason": reason})


@app.command("death")
def death(
    number: NumberArg,
    unit: UnitOpt,
    as_: AsOfficer,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Ghi nhận đoàn viên từ trần (record a member's death)."""
    _simple("member.death", number, unit, as_, date_, as_json, {})


@app.command("relative")
def relative(
    number: NumberArg,
    unit: UnitOpt,
    code: Annotated[str, typer.Option("--code", help="Mã thân nhân, ví dụ R1 (relative code).")],
    relation: Annotated[
        str, typer.Option("--relation", help="child (Con) | parent (Cha, mẹ) | spouse (Vợ, chồng).")
    ],
    name: Annotated[str, typer.Option("--name", help="Họ tên thân nhân (full name).")],
    dob: Annotated[str, typer.Option("--dob", help="Ngày sinh YYYY-MM-DD (date of birth).")],
    as_: AsOfficer,
    citizen_id: Annotated[
        str | None, typer.Option("--citizen-id", help="Số CCCD của thân nhân (citizen ID).")
    ] = None,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Khai báo thân nhân (declare a relative)."""
    choice("--relation", relation, Relation)
    personal = {
        "full_name": personal_value("--name", "full_name", name),
        "date_of_birth": day("--dob", dob).isoformat(),
        "citizen_id": personal_value("--citizen-id", "citizen_id", citizen_id),
    }
    _simple(
        "member.relative",
        number,
        unit,
        as_,
        date_,
        as_json,
        {"relative": code, "relation": relation},
        personal,
    )


@app.command("household")
def household(
    number: NumberArg,
    unit: UnitOpt,
    status: Annotated[
        str,
        typer.Option("--status", help="none | near_poor (cận nghèo) | poor (hộ nghèo)."),
    ],
    as_: AsOfficer,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Ghi nhận hộ nghèo / cận nghèo (household poverty status, personal data)."""
    choice("--status", status, HouseholdStatus)
    _simple("member.household", number, unit, as_, date_, as_json, {}, {"household_status": status})


@app.command("salary")
def salary(
    number: NumberArg,
    unit: UnitOpt,
    salary_: Annotated[str, typer.Option("--salary", help="Lương đóng mới (new salary basis).")],
    as_: AsOfficer,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Thay đổi lương đóng đoàn phí (change the salary basis)."""
    _simple(
        "member.salary",
        number,
        unit,
        as_,
        date_,
        as_json,
        {"salary_basis": amount("--salary", salary_)},
    )


# The ground of an erasure (a member's or one relative's), signed with it.
ErasureReason = Annotated[
    str,
    typer.Option(
        "--reason",
        help=public_help("Căn cứ xóa dữ liệu, ví dụ số đơn", "reason, e.g. the request's number"),
    ),
]


@app.command("erase")
def erase(
    number: NumberArg,
    unit: UnitOpt,
    reason: ErasureReason,
    as_: AsOfficer,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Xóa dữ liệu cá nhân theo NĐ 13/2023 (erase personal data; admin only).

    Chỉ xóa hồ sơ của chính đoàn viên này; hồ sơ khác cùng CCCD, tài khoản được liệt kê.

    Only this member's own record is erased; others with their ID or account are listed.
    """
    by = officer_signer(as_)
    item = signed(
        "member.erase",
        by=by,
        unit=unit,
        body={"member": number, "reason": reason},
        effective_date=optional_day("--date", date_),
    )
    ctx = open_context()
    # Read before the erasure: it clears the blind indexes these are found by.
    links = erasure_links(ctx.engine, number)
    receipt = ctx.ledger.submit(item)  # the key is destroyed in the event's transaction
    revealed = reveal(ctx, number)
    if as_json:
        emit_json(
            {
                **receipt.as_dict(),
                "erased": revealed.erased,
                "not_erased_elsewhere": [link.as_dict() for link in links],
            }
        )
        return
    print_receipts([receipt], as_json=False)
    state = "đã xóa (erased)" if revealed.erased else "CHƯA xóa (NOT erased)"
    typer.echo(f"Dữ liệu cá nhân của {number} / personal data: {state}")
    _print_links(links)


def _print_links(links: list[Link]) -> None:
    if links:
        typer.echo(
            "Hồ sơ khác còn mang số CCCD hoặc tài khoản của người này, KHÔNG bị xóa (thuộc "
            "đoàn viên khác) / other records still carrying this person's citizen ID or "
            "account, NOT erased (they belong to other members):"
        )
        for link in links:
            typer.echo(f"  {link.describe()}")


@app.command("erase-relative")
def erase_relative(
    number: NumberArg,
    code: Annotated[
        str, typer.Argument(metavar="RELATIVE_CODE", help="Mã thân nhân, ví dụ R1 (relative code).")
    ],
    unit: UnitOpt,
    reason: ErasureReason,
    as_: AsOfficer,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Xóa dữ liệu cá nhân của một thân nhân theo NĐ 13/2023 (erase one relative; admin only).

    Chỉ thân nhân khai từ khi mỗi thân nhân có khóa riêng; đoàn viên và thân nhân khác giữ
    nguyên. Hồ sơ khác cùng CCCD được liệt kê.

    Only relatives declared since relatives have keys of their own; the member and the other
    relatives keep their data. Other records with the same citizen ID are listed.
    """
    by = officer_signer(as_)
    item = signed(
        "member.erase_relative",
        by=by,
        unit=unit,
        body={"member": number, "relative": code, "reason": reason},
        effective_date=optional_day("--date", date_),
    )
    ctx = open_context()
    links = relative_erasure_links(ctx.engine, number, code)
    receipt = ctx.ledger.submit(item)  # the key is destroyed in the event's transaction
    revealed = reveal(ctx, number)
    erased = code in revealed.erased_relatives or revealed.erased
    if as_json:
        emit_json(
            {
                **receipt.as_dict(),
                "erased": erased,
                "not_erased_elsewhere": [link.as_dict() for link in links],
            }
        )
        return
    print_receipts([receipt], as_json=False)
    state = "đã xóa (erased)" if erased else "CHƯA xóa (NOT erased)"
    typer.echo(f"Dữ liệu cá nhân của thân nhân {code} ({number}) / relative's data: {state}")
    _print_links(links)


# --- reading ---------------------------------------------------------------------------------


@dataclass
class Revealed:
    """Personal data of one member, unsealed with their key (or erased)."""

    erased: bool
    fields: dict[str, str] = field(default_factory=dict)
    relatives: dict[str, dict[str, str]] = field(default_factory=dict)
    tampered: list[str] = field(default_factory=list)
    erased_relatives: list[str] = field(default_factory=list)  # erased on their own

    def relative_name(self, code: str) -> str | None:
        """A relative's name; `ERASED_TEXT` once erased (alone or with the member)."""
        if self.erased or code in self.erased_relatives:
            return ERASED_TEXT
        return self.relatives.get(code, {}).get("full_name")


def reveal(ctx: Context, number: str) -> Revealed:
    """The member's personal data through `Ledger.reveal` (None there means erased)."""
    try:
        data = ctx.ledger.reveal(number)
    except TamperedError as exc:
        return Revealed(erased=False, tampered=[str(exc)])
    if data is None:
        return Revealed(erased=True)
    relatives = data.get("relatives") or {}
    return Revealed(
        erased=False,
        fields={k: v for k, v in data.items() if isinstance(v, str)},
        relatives={code: dict(values) for code, values in relatives.items()},
        erased_relatives=list(data.get("erased_relatives") or ()),
    )


def mask_citizen_id(value: str) -> str:
    return value if len(value) < 7 else value[:3] + "*" * (len(value) - 6) + value[-3:]


def _status(m: Member) -> str:
    status = "dữ liệu cá nhân đã xóa (erased); " if m.erased else ""
    if m.died_on is not None:
        return status + f"đã từ trần ngày {fmt_date(m.died_on)} (deceased)"
    if m.left_on is not None and m.left_on <= clock.today_vn():
        return status + f"đã thôi sinh hoạt từ {fmt_date(m.left_on)} (left)"
    if m.joined_on > clock.today_vn():
        return status + (
            f"kết nạp tại {m.spans[0][1]} từ {fmt_date(m.joined_on)}, chưa sinh hoạt "
            "(joins on that date)"
        )
    leaving = f"; thôi sinh hoạt từ {fmt_date(m.left_on)} (leaves)" if m.left_on else ""
    return status + f"đang sinh hoạt tại {m.current_unit()} (active)" + leaving


def _kind_vi(kind: str) -> str:
    try:
        return WelfareKind(kind).label_vi
    except ValueError:
        return kind


def _member_json(m: Member, revealed: Revealed) -> dict[str, Any]:
    return m.record() | {
        "erased": revealed.erased,
        "personal": {
            k: v for k, v in revealed.fields.items() if k in ("full_name", "date_of_birth")
        },
        "relatives": [
            {
                "code": c,
                "relation": r,
                "full_name": None
                if c in revealed.erased_relatives
                else revealed.relatives.get(c, {}).get("full_name"),
                "erased": revealed.erased or c in revealed.erased_relatives,
            }
            for c, r in m.relatives.items()
        ],
    }


@app.command("show")
def show(number: NumberArg, as_json: JsonFlag = False) -> None:
    """Hồ sơ đoàn viên: quá trình sinh hoạt, thân nhân, các khoản đã nhận (member record)."""
    ctx = open_context()
    m = ctx.ledger.get_member(number)
    if m is None:
        raise not_found("member", number)
    revealed = reveal(ctx, number)
    if as_json:
        emit_json(_member_json(m, revealed))
        return
    out = console()
    fields = revealed.fields
    erased_text = ERASED_TEXT
    out.print(f"Đoàn viên (member) {m.number}", style="bold")
    name = erased_text if revealed.erased else fields.get("full_name", "")
    out.print(f"  Họ tên (name):             {name}")
    if not revealed.erased:
        out.print(f"  Ngày sinh (date of birth): {fmt_date(fields.get('date_of_birth'))}")
        if fields.get("citizen_id"):
            out.print(f"  CCCD (citizen ID):         {mask_citizen_id(fields['citizen_id'])}")
        if fields.get("household_status") in HouseholdStatus.__members__:
            label = HouseholdStatus(fields["household_status"]).label_vi
            out.print(f"  Hộ gia đình (household):   {label}")
    out.print(f"  Trạng thái (status):       {_status(m)}")
    out.print(f"  Ngày vào (joined):         {fmt_date(m.joined_on)}")
    out.print(f"  Lương đóng (salary basis): {fmt_money(m.salary_basis)}")
    if revealed.tampered:
        out.print(
            f"  Dữ liệu niêm phong bị thay đổi (tampered): {'; '.join(revealed.tampered)}",
            style="red",
        )
    ledger = ctx.ledger
    span_rows = []
    for i, (start, unit) in enumerate(m.spans):
        end = m.spans[i + 1][0] if i + 1 < len(m.spans) else m.left_on
        u = ledger.get_unit(unit)
        span_rows.append((fmt_date(start), fmt_date(end) or "nay (now)", unit, u.name if u else ""))
    out.print(
        rows_table(
            "Quá trình sinh hoạt / Unit history",
            ["Từ ngày (from)", "Đến ngày (to)", "Đơn vị (unit)", "Tên (name)"],
            span_rows,
        )
    )
    if m.relatives:
        out.print(
            rows_table(
                "Thân nhân / Relatives",
                ["Mã (code)", "Quan hệ (relation)", "Họ tên (name)"],
                [
                    (
                        code,
                        Relation(rel).label_vi,
                        revealed.relative_name(code) or "",
                    )
                    for code, rel in m.relatives.items()
                ],
            )
        )
    payout_rows = []
    for p in sorted(m.payouts.values(), key=lambda p: p.on):
        status = PAYOUT_STATUS_VI.get(p.status, p.status)
        if p.reversed:
            status += ", đã đảo (reversed)"
        if p.overridden:
            status += ", vượt quy chế có duyệt (override)"
        payout_rows.append(
            (
                fmt_date(p.on),
                f"{_kind_vi(p.kind)} ({p.kind})",
                "bản thân (self)" if p.beneficiary == "self" else p.beneficiary,
                fmt_money(p.amount),
                status,
                p.event_id,
            )
        )
    if payout_rows:
        out.print(
            rows_table(
                "Các khoản phúc lợi đã nhận / Payouts",
                [
                    "Ngày (date)",
                    "Khoản (kind)",
                    "Người nhận (beneficiary)",
                    "Số tiền (amount)",
                    "Trạng thái (status)",
                    "Mã bút toán (event id)",
                ],
                payout_rows,
                keep=[5],
            )
        )
    else:
        out.print("Chưa nhận khoản phúc lợi nào / no payouts yet")
    if m.loans:
        out.print(
            rows_table(
                "Khoản vay / Loans",
                [
                    "Mã (loan)",
                    "Quỹ (fund)",
                    "Gốc (principal)",
                    "Đã trả (repaid)",
                    "Xóa nợ (written off)",
                    "Dư nợ (outstanding)",
                ],
                [
                    (
                        loan.loan,
                        loan.fund,
                        fmt_money(loan.principal),
                        fmt_money(loan.repaid),
                        fmt_money(loan.written_off),
                        fmt_money(loan.outstanding),
                    )
                    for loan in m.loans.values()
                ],
            )
        )
