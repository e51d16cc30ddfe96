"""`phucloi policy`: internal spending rules (quy chế chi tiêu nội bộ) of a unit.

`adopt` takes a JSON file holding one policy version, or a book `{"versions": [...]}`, or the
shipped default (`--default`); every version becomes one `policy.adopt` effective on its
`effective_from`, all submitted in ONE atomic batch. `show` prints the policy in force on a
date, inherited from the nearest ancestor unit that has one.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from ledger import clock
from ledger.cli.common import (
    AsOfficer,
    JsonFlag,
    UnitArg,
    console,
    emit_json,
    fmt_bp,
    fmt_date,
    fmt_money,
    officer_signer,
    open_context,
    optional_day,
    print_receipts,
    rows_table,
    signed,
    usage,
)
from ledger.domain.errors import LedgerError, not_found, problem, refused_by_policy
from ledger.domain.policy import Policy, PolicyBook, dues_cap, load_default_book
from ledger.textfiles import NotUtf8, read_text

app = typer.Typer(help="Quy chế chi tiêu nội bộ (internal spending rules).")

PERIOD_VI = {
    "year": "năm (year)",
    "lunar": "năm âm lịch, quanh Tết (lunar year)",
    "month": "tháng (month)",
    "quarter": "quý (quarter)",
}


def _versions_from_file(path: Path) -> tuple[list[dict[str, Any]], bool]:
    """The policy versions of the file, and whether it is a book (`{"versions": [...]}`)."""
    try:
        data = json.loads(read_text(path))
    except OSError as exc:
        usage(f"FILE {path}: không đọc được tệp / cannot read the file: {exc.strerror}")
    except NotUtf8 as exc:
        usage(f"FILE {path}: dòng {exc.line}: tệp phải là UTF-8 / the file must be UTF-8 text")
    except json.JSONDecodeError as exc:
        usage(f"FILE {path}: JSON không hợp lệ / invalid JSON: {exc}")
    if isinstance(data, dict) and "versions" in data:
        versions = data["versions"]
        if not isinstance(versions, list) or not all(isinstance(v, dict) for v in versions):
            usage(
                f"FILE {path}: 'versions' phải là danh sách đối tượng / must be a list of objects"
            )
        return versions, True
    if isinstance(data, dict):
        return [data], False
    usage(f'FILE {path}: cần một quy chế hoặc {{"versions": [...]}} / expected a policy or a book')


@app.command("adopt")
def adopt(
    unit: UnitArg,
    as_: AsOfficer,
    file: Annotated[
        Path | None,
        typer.Argument(metavar="[FILE.json]", help="Tệp quy chế JSON (policy or book file)."),
    ] = None,
    default: Annotated[
        bool, typer.Option("--default", help="Dùng quy chế mẫu đi kèm (the shipped default).")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Ban hành quy chế cho đơn vị (adopt policy versions, one atomic batch)."""
    if (file is None) == (not default):
        usage("FILE / --default: cần đúng một trong hai / give a FILE.json or --default")
    versions = load_default_book().to_dict()["versions"] if default else []
    book = default
    if file is not None:
        versions, book = _versions_from_file(file)
    if not versions:
        usage("FILE: tệp không có phiên bản quy chế nào / no policy version in the file")
    by = officer_signer(as_)
    items = []
    for version in versions:
        eff = version.get("effective_from")
        items.append(
            signed(
                "policy.adopt",
                by=by,
                unit=unit,
                effective_date=eff if isinstance(eff, str) else None,
                body={"policy": version},
            )
        )
    try:
        receipts = open_context().ledger.submit_batch(items)
    except LedgerError as exc:
        raise _per_version(exc, versions, book=book) from None
    print_receipts(receipts, as_json=as_json)


def _per_version(
    exc: LedgerError, versions: list[dict[str, Any]], *, book: bool = False
) -> LedgerError:
    """Name each problem by where it is in the file, not by the command's batch line and body:
    `body.policy.category_limits.welfare.min_bp` of a policy file is
    `category_limits.welfare.min_bp`, of a book's second version
    `versions[1].category_limits.welfare.min_bp (2025-07)` (the version's label beside it).
    The command's `effective_date` is the version's `effective_from`, and named so."""
    renamed = []
    for p in exc.problems:
        m = re.match(r"^line (\d+)(?::\s*(.*))?$", p.field)
        index, rest = (int(m.group(1)) - 1, m.group(2) or "") if m else (0, p.field)
        if rest == "effective_date":  # the command's date is the version's effective_from
            rest = "body.policy.effective_from"
        if rest == "body.policy" or rest.startswith("body.policy."):
            path = rest.removeprefix("body.policy").removeprefix(".")
            if book:
                label = versions[index].get("version", "?")
                path = f"versions[{index}]" + (f".{path}" if path else "") + f" ({label})"
            renamed.append(replace(p, field=path))
        elif m and len(versions) > 1:
            v = versions[index]
            where = f"versions[{index}] ({v.get('version', '?')})"
            renamed.append(replace(p, field=f"{where}: {rest}" if rest else where))
        else:
            renamed.append(p)
    return replace(exc, problems=renamed)


def policy_source(unit: str, on: date) -> tuple[Policy | None, str | None]:
    """The policy in force for `unit` on `on` and the unit whose book it comes from."""
    ledger = open_context().ledger
    for code in ledger.ancestors(unit):
        u = ledger.get_unit(code)
        if u is None or not u.policies:
            continue
        policy = PolicyBook.from_dict({"versions": u.policies}).in_force(on)
        if policy is not None:
            return policy, code
    return None, None


@app.command("show")
def show(
    unit: UnitArg,
    on: Annotated[
        str | None, typer.Option("--on", help="Ngày xem quy chế, mặc định hôm nay (date).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Quy chế đang áp dụng cho đơn vị, kể cả thừa hưởng từ cấp trên (policy in force)."""
    when = optional_day("--on", on) or clock.today_vn()
    ledger = open_context().ledger
    if ledger.get_unit(unit) is None:
        raise not_found("unit", unit)
    policy, source = policy_source(unit, when)
    if policy is None:
        raise refused_by_policy(
            [
                problem(
                    "",
                    "no_policy",
                    f"đơn vị {unit} chưa có quy chế vào ngày {fmt_date(when)}",
                    f"no policy is in force for {unit} on {when.isoformat()}",
                )
            ]
        )
    if as_json:
        emit_json(
            {
                "unit": unit,
                "on": when.isoformat(),
                "source_unit": source,
                "dues_cap": dues_cap(policy),
                "policy": policy.to_dict(),
            }
        )
        return
    inherited = "" if source == unit else f" — thừa hưởng từ / inherited from {source}"
    typer.echo(f"Quy chế của {unit} ngày {fmt_date(when)} (policy in force){inherited}")
    typer.echo(
        f"  Phiên bản (version):                      {policy.version}, "
        f"hiệu lực từ {fmt_date(policy.effective_from)}"
    )
    typer.echo(
        f"  Mức đoàn phí (dues rate):                 {fmt_bp(policy.dues_rate_bp)} lương đóng BHXH"
    )
    typer.echo(
        f"  Đoàn phí tối đa/tháng (dues cap):         {fmt_money(dues_cap(policy))} "
        f"({fmt_bp(policy.dues_cap_bp_of_base)} lương cơ sở "
        f"{fmt_money(policy.base_salary)})"
    )
    typer.echo(
        f"  Kinh phí công đoàn (union fee):           {fmt_bp(policy.union_fee_rate_bp)} quỹ lương"
    )
    typer.echo(
        f"  CĐCS giữ lại (kept by grassroots):        KPCĐ "
        f"{fmt_bp(policy.grassroots_fee_share_bp)}, đoàn phí "
        f"{fmt_bp(policy.grassroots_dues_share_bp)}"
    )
    typer.echo(
        f"  Ngưỡng cần Chủ tịch duyệt (approval):     trên {fmt_money(policy.approval_threshold)}"
    )
    typer.echo(f"  Mục tiêu chi chăm lo (welfare target):    {fmt_bp(policy.welfare_target_bp)}")
    rows = []
    for kind, rule in policy.welfare.items():
        rows.append(
            (
                f"{kind.label_vi} ({kind.value})",
                fmt_money(rule.per_payout_cap),
                fmt_money(rule.per_year_cap),
                "—" if rule.max_count is None else str(rule.max_count),
                "—" if rule.max_per_occasion is None else str(rule.max_per_occasion),
                PERIOD_VI.get(rule.count_period, rule.count_period),
                "có" if rule.relatives_eligible else "không",
                "có" if rule.requires_reason else "không",
            )
        )
    console().print(
        rows_table(
            "Mức chi phúc lợi / Welfare rules",
            [
                "Khoản (kind)",
                "Mỗi lần tối đa (per payout)",
                "Mỗi kỳ tối đa (per period)",
                "Số lần (count)",
                "Đợt/dịp (per occasion)",
                "Kỳ tính (period)",
                "Cho thân nhân (relatives)",
                "Cần lý do (reason)",
            ],
            rows,
        )
    )
