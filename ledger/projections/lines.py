"""Money lines: what each money event means for the read models (pure functions).

Invariants:
- A primary money event gives one line per amount it moves: one per member of a dues batch,
  one for a fee, other income, an expense, a payout or a loan movement, and two for a
  remittance (sent at the lower unit, received at the upper one). Lines are numbered from 0
  within their event.
- A line counts in totals only while its status is `paid`. A payout waiting for the chair's
  second signature is `pending` until an approval makes it `paid` or `refused`.
- A reversal adds, for every line of its target, a negated copy dated like the original, so
  the original period nets to zero; the original is marked `reversed` and stays visible.
- Flows of a line: `income` (key: income source), `spending` (key: spending category),
  `welfare` (a payout; key: welfare kind), `non_cash` (value members gained from partners,
  no union money), `loan` (key: disburse | repay | write_off: a fund's book, not spending),
  `remitted` / `received` (key: union_fee | dues | other; a transfer, not spending).
- Welfare spending = payouts + expenses in the `welfare` category. Total spending = all
  `spending` lines + payouts. Remittances and loans are outside both (DOMAIN.md: the 60%
  target is a share of what the union spends, not of what it passes upward or lends).
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from functools import lru_cache
from typing import Any

from ledger.domain.catalogue import NON_CASH_WELFARE
from ledger.domain.periods import Period, tet_year
from ledger.entries import EntryMeta

Line = dict[str, Any]

PRIMARY = frozenset(
    {
        "collection.dues",
        "collection.union_fee",
        "collection.other",
        "remittance.record",
        "expense.record",
        "payout.record",
        "loan.disburse",
        "loan.repay",
        "loan.write_off",
    }
)

# Every command that moves money or decides on a move: the primary ones, and those that
# target one (an approval, a reversal). The money projection reads them; the ledger refuses
# them with a future effective date.
TARGETED = frozenset({"approval.decide", "reversal.record"})
MONEY_COMMANDS = PRIMARY | TARGETED
LOAN_KEYS = {"loan.disburse": "disburse", "loan.repay": "repay", "loan.write_off": "write_off"}
_NON_CASH = frozenset(k.value for k in NON_CASH_WELFARE)


@lru_cache(maxsize=4096)
def period_labels(d: date) -> tuple[str, ...]:
    """The stored periods a date falls in: its month and its lunar year (Tết window).

    Quarters and calendar years are unions of months, so their figures are sums of month
    rows (`stored_periods`); only the lunar year, which cuts months, is stored on its own.
    """
    labels = [f"{d.year:04d}-{d.month:02d}"]
    with suppress(ValueError):  # outside the Tết table: no lunar period
        labels.append(f"lunar-{tet_year(d):04d}")
    return tuple(labels)


def stored_periods(p: Period) -> list[str]:
    """The stored period labels whose rows add up to the reporting period `p`."""
    if p.kind in ("month", "lunar"):
        return [p.label]
    first = 1 if p.kind == "year" else 3 * (int(p.label[-1]) - 1) + 1
    count = 12 if p.kind == "year" else 3
    return [f"{p.year:04d}-{m:02d}" for m in range(first, first + count)]


def _line(m: EntryMeta, index: int, **values: Any) -> Line:
    row: Line = {
        "seq": m.seq,
        "line": index,
        "event_id": m.event_id,
        "command_type": m.command_type,
        "unit_code": m.unit,
        "effective_date": m.effective_date,
        "month": None,
        "member_number": None,
        "relative": None,
        "basis": None,
        "status": "paid",
        "form": None,
        "overridden": False,
        "reversed": False,
        "reversal_of": None,
        "detail": None,
    }
    row.update(values)
    return row


def primary_lines(m: EntryMeta) -> list[Line]:
    """The lines of a primary money event (empty for any other event)."""
    kind, body = m.command_type, m.command["body"]
    if kind == "collection.dues":
        month = body["month"]
        return [
            _line(
                m,
                i,
                month=month,
                flow="income",
                key="dues",
                member_number=ln["member"],
                amount=ln["amount"],
                basis=ln["salary_basis"],
            )
            for i, ln in enumerate(body["lines"])
        ]
    if kind == "collection.union_fee":
        return [
            _line(
                m,
                0,
                month=body["month"],
                flow="income",
                key="union_fee",
                amount=body["amount"],
                basis=body["payroll"],
                detail=body["employer"],
            )
        ]
    if kind == "collection.other":
        return [
            _line(
                m,
                0,
                flow="income",
                key=body["source"],
                amount=body["amount"],
                detail=body["description"],
            )
        ]
    if kind == "expense.record":
        return [
            _line(
                m,
                0,
                flow="spending",
                key=body["category"],
                amount=body["amount"],
                basis=body.get("participants"),
                detail=body["description"],
            )
        ]
    if kind == "remittance.record":
        common = {"month": body["month"], "key": body["kind"], "amount": body["amount"]}
        return [
            _line(m, 0, flow="remitted", detail=body["to_unit"], **common),
            _line(m, 1, flow="received", unit_code=body["to_unit"], detail=m.unit, **common),
        ]
    if kind == "payout.record":
        verdict = m.envelope.get("ledger", {})
        return [
            _line(
                m,
                0,
                flow="non_cash" if body["kind"] in _NON_CASH else "welfare",
                key=body["kind"],
                member_number=body["member"],
                relative=body.get("relative"),
                amount=body["amount"],
                status=verdict.get("status", "paid"),
                form=body.get("form", "cash"),
                overridden=bool(verdict.get("overridden")),
                detail=body["occasion"],
            )
        ]
    if kind in LOAN_KEYS:
        return [
            _line(
                m,
                0,
                flow="loan",
                key=LOAN_KEYS[kind],
                member_number=body["member"],
                amount=body["amount"],
                detail=body["loan"],
            )
        ]
    return []


def reversal_lines(m: EntryMeta, target_lines: list[Line]) -> list[Line]:
    """Negated copies of the counted lines of a reversal's target."""
    out = []
    for t in target_lines:
        if t["status"] != "paid" or t["reversal_of"] is not None:
            continue
        row = dict(t)
        row.update(
            seq=m.seq,
            event_id=m.event_id,
            command_type=m.command_type,
            amount=-t["amount"],
            overridden=False,
            reversed=False,
            reversal_of=t["event_id"],
            detail=m.command["body"]["reason"],
        )
        out.append(row)
    return out


def totals_keys(line: Line) -> tuple[tuple[str, str], ...]:
    """The (flow, key) rows of `proj_unit_totals` a counted line adds to."""
    flow, key = line["flow"], line["key"]
    if flow == "welfare":
        return (("spending", "welfare"), ("welfare", key))
    if flow == "spending" and key == "welfare":
        return (("spending", "welfare"), ("welfare", "general"))
    return ((flow, key),)


def beneficiary_kind(line: Line) -> str | None:
    """The welfare kind under which a line's person is counted as a beneficiary, if any."""
    if line["member_number"] is None:
        return None
    if line["flow"] in ("welfare", "non_cash"):
        return str(line["key"])
    if line["flow"] == "loan" and line["key"] == "disburse":
        return "loan"
    return None
