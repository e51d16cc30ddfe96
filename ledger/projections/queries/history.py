"""A member's history (lịch sử đoàn viên): dues, benefits and loans, with yearly totals.

Invariants:
- Every money line of the member or their relatives, in date order (then seq), including
  pending and refused payouts and reversal lines; only `paid` lines count in totals, so a
  reversed line and its reversal net to zero.
- Nothing personal is stored or returned by the query; `MemberHistory.name` is filled by
  the caller from `Ledger.reveal` and is None when the person's data was erased.
- What a line is to the member is said here once, for every reader (`phucloi history`, the
  API, the web page): the name of a loan movement (`LOAN_MOVES`), whether the money came
  from the member (`incoming`) and what happened to it (`outcome`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ledger.domain.errors import not_found
from ledger.projections.tables import proj_money_lines
from ledger.tables import member_index

ERASED = "(đã xóa / erased)"

# The movements of a member's loan (vay vốn), by the money line's key: (Vietnamese, English).
LOAN_MOVES: dict[str, tuple[str, str]] = {
    "disburse": ("Giải ngân vay", "Loan disbursed"),
    "repay": ("Trả nợ vay", "Loan repayment"),
    "write_off": ("Xóa nợ vay", "Loan written off"),
}


@dataclass(frozen=True)
class HistoryLine:
    effective_date: date
    seq: int
    line: int
    event_id: str
    command_type: str
    unit_code: str
    flow: str
    key: str
    relative: str | None
    amount: int
    status: str
    month: str | None
    basis: int | None
    form: str | None
    overridden: bool
    reversed: bool
    reversal_of: str | None
    detail: str | None

    @property
    def counted(self) -> bool:
        return self.status == "paid"

    @property
    def incoming(self) -> bool:
        """Money the member paid in (dues, a loan repayment), not money paid to them."""
        return self.flow == "income" or (self.flow == "loan" and self.key == "repay")

    @property
    def outcome(self) -> str:
        """What happened to the money: `collected` (paid in), `recorded` (a write-off moves
        no money), else the line's status (`paid` out, `pending`, `refused`)."""
        if self.status == "paid" and self.incoming:
            return "collected"
        if self.status == "paid" and self.flow == "loan" and self.key == "write_off":
            return "recorded"
        return self.status


@dataclass
class YearTotals:
    year: int
    dues: int = 0  # đoàn phí đã đóng
    welfare: int = 0  # phúc lợi nhận được (tiền và hiện vật)
    non_cash: int = 0  # giá trị ưu đãi từ đối tác
    loan_disbursed: int = 0
    loan_repaid: int = 0
    loan_written_off: int = 0

    def add(self, ln: HistoryLine) -> None:
        if not ln.counted:
            return
        if ln.flow == "income" and ln.key == "dues":
            self.dues += ln.amount
        elif ln.flow == "welfare":
            self.welfare += ln.amount
        elif ln.flow == "non_cash":
            self.non_cash += ln.amount
        elif ln.flow == "loan":
            attr = {"disburse": "loan_disbursed", "repay": "loan_repaid"}.get(
                ln.key, "loan_written_off"
            )
            setattr(self, attr, getattr(self, attr) + ln.amount)


@dataclass
class MemberHistory:
    member: str
    unit_code: str
    status: str
    joined_on: date
    left_on: date | None
    lines: list[HistoryLine]
    years: dict[int, YearTotals] = field(default_factory=dict)
    name: str | None = None
    relatives: dict[str, str | None] = field(default_factory=dict)
    erased: bool = False
    # loan -> [disbursed, repaid, written off], over the whole history whatever `year` is
    loans: dict[str, list[int]] = field(default_factory=dict)

    def outstanding(self) -> list[dict[str, Any]]:
        """Per loan: disbursed, repaid, written off and the current outstanding (dư nợ)."""
        return [
            {
                "loan": loan,
                "disbursed": d,
                "repaid": r,
                "written_off": w,
                "outstanding": d - r - w,
            }
            for loan, (d, r, w) in sorted(self.loans.items())
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "member": self.member,
            "name": ERASED if self.erased else self.name,
            "unit": self.unit_code,
            "status": self.status,
            "joined_on": self.joined_on.isoformat(),
            "left_on": self.left_on.isoformat() if self.left_on else None,
            "lines": [
                {
                    **ln.__dict__,
                    "incoming": ln.incoming,
                    "outcome": ln.outcome,
                    "effective_date": ln.effective_date.isoformat(),
                    "beneficiary": ln.relative or "self",
                    "beneficiary_name": (ERASED if self.erased else self.relatives.get(ln.relative))
                    if ln.relative
                    else None,
                    # the relative's (or the member's) personal data was erased: pages say so
                    # in their own language rather than show `beneficiary_name`
                    "beneficiary_erased": ln.relative is not None
                    and (self.erased or self.relatives.get(ln.relative) == ERASED),
                }
                for ln in self.lines
            ],
            "years": {str(y): t.__dict__ for y, t in sorted(self.years.items())},
            "loans": self.outstanding(),
        }


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def member_history(engine: Engine, number: str, *, year: int | None = None) -> MemberHistory:
    t = proj_money_lines
    query = select(t).where(t.c.member_number == number)
    if year is not None:
        query = query.where(
            t.c.effective_date >= date(year, 1, 1), t.c.effective_date < date(year + 1, 1, 1)
        )
    query = query.order_by(t.c.effective_date, t.c.seq, t.c.line)
    with engine.connect() as conn:
        member = conn.execute(
            select(member_index).where(member_index.c.member_number == number)
        ).first()
        if member is None:
            raise not_found("member", number)
        rows = conn.execute(query).all()
        loan_rows = conn.execute(
            select(t.c.detail, t.c.key, t.c.amount)
            .where(t.c.member_number == number, t.c.flow == "loan", t.c.status == "paid")
            .order_by(t.c.seq, t.c.line)
        ).all()
    lines = [
        HistoryLine(
            effective_date=_as_date(r.effective_date),
            seq=r.seq,
            line=r.line,
            event_id=r.event_id,
            command_type=r.command_type,
            unit_code=r.unit_code,
            flow=r.flow,
            key=r.key,
            relative=r.relative,
            amount=r.amount,
            status=r.status,
            month=r.month,
            basis=r.basis,
            form=r.form,
            overridden=bool(r.overridden),
            reversed=bool(r.reversed),
            reversal_of=r.reversal_of,
            detail=r.detail,
        )
        for r in rows
    ]
    history = MemberHistory(
        member=number,
        unit_code=member.unit_code,
        status=member.status,
        joined_on=_as_date(member.joined_on),
        left_on=_as_date(member.left_on) if member.left_on else None,
        lines=lines,
    )
    for ln in lines:
        y = ln.effective_date.year
        history.years.setdefault(y, YearTotals(y)).add(ln)
    slot = {"disburse": 0, "repay": 1, "write_off": 2}
    for r in loan_rows:
        history.loans.setdefault(r.detail or "", [0, 0, 0])[slot.get(r.key, 2)] += int(r.amount)
    return history


def with_names(history: MemberHistory, revealed: dict[str, Any] | None) -> MemberHistory:
    """Attach display names from `Ledger.reveal` (None: the person's data was erased)."""
    if revealed is None:
        history.erased = True
        return history
    history.name = revealed.get("full_name")
    for code, values in revealed.get("relatives", {}).items():
        history.relatives[code] = values.get("full_name")
    for code in revealed.get("erased_relatives", ()):
        history.relatives[code] = ERASED  # erased on their own (`member.erase_relative`)
    return history
