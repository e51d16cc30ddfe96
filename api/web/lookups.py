"""Reads the pages need beyond the API's: member search, a member's allowance, what an
officer recorded, members' disputes.

Invariants:
- Reads only. Every function takes the units the caller may see (`scopes`: unit codes or
  "*") and never returns a member, entry or dispute outside them.
- Names are personal data sealed per person: they are decrypted only through
  `Ledger.reveal`, for members inside the caller's scope, and kept in a per-process cache
  that drops a member as soon as the log shows a new event of theirs (an erasure included).
- The allowance shown before a payout is computed by the same rule objects the ledger uses
  to refuse one (the policy in force on the date, its counting window, paid and pending
  unreversed payouts), so the numbers on the page are the ones the ledger will apply.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final
from uuid import UUID

from sqlalchemy import case, func, or_, select

from api.web import cosign, text
from ledger.application import Ledger
from ledger.domain.base import command_of
from ledger.domain.catalogue import WelfareKind
from ledger.domain.members import Member
from ledger.domain.money import format_dong
from ledger.domain.periods import count_window
from ledger.domain.units import employer_key
from ledger.privacy import TamperedError, unseal
from ledger.projections.queries.tree import load_tree
from ledger.projections.tables import proj_money_lines
from ledger.tables import ledger_entries, member_index

SEARCH_LIMIT = 20


def visible_units(ledger: Ledger, scopes: list[str]) -> set[str] | None:
    """The units under the scopes (None: every unit, for a "*" scope)."""
    if "*" in scopes:
        return None
    with ledger.engine.connect() as conn:
        tree = load_tree(conn)
    units: set[str] = set()
    for scope in scopes:
        if scope in tree.nodes:
            units.update(tree.subtree(scope))
    return units


def units_above(ledger: Ledger, scopes: list[str]) -> set[str]:
    """The units above the scopes (their ancestors, not themselves)."""
    with ledger.engine.connect() as conn:
        tree = load_tree(conn)
    above: set[str] = set()
    for scope in scopes:
        parent = tree.nodes[scope].parent if scope in tree.nodes else None
        while parent is not None and parent not in above:
            above.add(parent)
            parent = tree.nodes[parent].parent if parent in tree.nodes else None
    return above


# --- names ---------------------------------------------------------------------------------------


@dataclass
class NameCache:
    """Decrypted member names, dropped when the member has a newer event than the cache saw."""

    names: dict[str, str | None] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)  # members whose personal data was erased
    head: int = -1
    lock: threading.Lock = field(default_factory=threading.Lock)

    def name(self, ledger: Ledger, number: str) -> str | None:
        with self.lock:
            self._refresh(ledger)
            if number not in self.names:
                try:
                    data = ledger.reveal(number)
                except TamperedError:
                    data = {}
                self.names[number] = None if data is None else data.get("full_name")
                if data is None:
                    self.gone.add(number)
            return self.names[number]

    def erased(self, ledger: Ledger, number: str) -> bool:
        """Whether the member's personal data was erased (their name reads as erased, as in
        `members show`, not as missing)."""
        self.name(ledger, number)
        with self.lock:
            return number in self.gone

    def _refresh(self, ledger: Ledger) -> None:
        with ledger.engine.connect() as conn:
            head = conn.scalar(select(func.coalesce(func.max(ledger_entries.c.seq), -1)))
            if head == self.head:
                return
            changed = conn.execute(
                select(member_index.c.member_number)
                .join(ledger_entries, ledger_entries.c.originator_id == member_index.c.member_id)
                .where(ledger_entries.c.seq > self.head)
                .distinct()
            ).scalars()
            for number in changed:
                self.names.pop(number, None)
                self.gone.discard(number)
        self.head = -1 if head is None else int(head)


def search_members(
    ledger: Ledger, names: NameCache, scopes: list[str], query: str, lang: str = "vi"
) -> list[dict[str, Any]]:
    """Members in scope whose number starts with, or whose name contains, the query."""
    units = visible_units(ledger, scopes)
    q = text.fold(query)
    if not q:
        return []
    stmt = select(
        member_index.c.member_number, member_index.c.unit_code, member_index.c.status
    ).order_by(member_index.c.member_number)
    if units is not None:
        stmt = stmt.where(member_index.c.unit_code.in_(sorted(units)))
    with ledger.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    found = []
    for number, unit, status in rows:
        name = names.name(ledger, number)
        if text.fold(number).startswith(q) or (name is not None and q in text.fold(name)):
            found.append(
                {
                    "member": number,
                    "unit": unit,
                    "status": status,
                    "status_label": text.label("member_status", status, lang),
                    "name": name,
                    "erased": names.erased(ledger, number),
                }
            )
            if len(found) >= SEARCH_LIMIT:
                break
    return found


# --- allowance before a payout -------------------------------------------------------------------


def _not_active(on: date, lang: str) -> str:
    return text.pick(
        lang,
        f"không phải đoàn viên đang sinh hoạt ngày {on:%d/%m/%Y}",
        f"not an active member on {on:%d/%m/%Y}",
    )


def allowance(
    ledger: Ledger, member: Member, kind: WelfareKind, on: date, lang: str
) -> dict[str, Any]:
    """The policy's caps for this kind and how much of them this member used in the window."""
    unit = member.unit_on(on)
    rows: list[dict[str, str]] = []

    def row(vi: str, en: str, value: str) -> None:
        rows.append({"vi": vi, "en": en, "value": value})

    row("Đơn vị chi trả", "Paying unit", unit or "—")
    if unit is None:
        row("Tình trạng", "Membership", _not_active(on, lang))
        return {"unit": None, "rows": rows, "approval_threshold": None, "allowed": False}
    policy = ledger.policy_for(unit, on)
    if policy is None:
        row("Quy chế", "Policy", text.pick(lang, "chưa có quy chế", "no policy in force"))
        return {"unit": unit, "rows": rows, "approval_threshold": None, "allowed": False}
    rule = policy.rule(kind)
    row("Quy chế", "Policy", policy.version)
    if rule is None:
        row(
            "Khoản chi",
            "Welfare kind",
            text.pick(lang, "quy chế không có khoản này", "not allowed"),
        )
        return {
            "unit": unit,
            "rows": rows,
            "approval_threshold": policy.approval_threshold,
            "allowed": False,
        }
    start, end = count_window(rule.count_period, on)
    earlier = member.counted_payouts(kind=kind.value, beneficiary="self", start=start, end=end)
    used = sum(p.amount for p in earlier)
    window = f"{start:%d/%m/%Y}–{date.fromordinal(end.toordinal() - 1):%d/%m/%Y}"
    cap = rule.per_payout_cap
    row("Mức tối đa mỗi lần", "Cap per payout", format_dong(cap) if cap is not None else "—")
    if rule.per_year_cap is not None:
        row("Mức tối đa trong kỳ", "Cap per period", format_dong(rule.per_year_cap))
    row("Kỳ tính", "Counting window", window)
    row("Đã dùng trong kỳ", "Used in this window", f"{format_dong(used)} ({len(earlier)})")
    if rule.per_year_cap is not None:
        row(
            "Còn lại trong kỳ", "Left in this window", format_dong(max(0, rule.per_year_cap - used))
        )
    if rule.max_count is not None:
        row("Số lần tối đa", "Most payouts per window", str(rule.max_count))
    if rule.max_per_occasion is not None:
        row(
            "Số đợt tối đa cho một dịp",
            "Most instalments per occasion",
            text.pick(
                lang,
                f"{rule.max_per_occasion} (cùng nội dung dịp chi)",
                f"{rule.max_per_occasion} (the same occasion text)",
            ),
        )
    row("Ngưỡng cần Chủ tịch duyệt", "Chair approval above", format_dong(policy.approval_threshold))
    row(
        "Lý do",
        "Reason",
        text.pick(lang, "bắt buộc ghi lý do với khoản này", "a reason is required for this kind")
        if rule.requires_reason
        else text.pick(lang, "không bắt buộc", "not required"),
    )
    return {
        "unit": unit,
        "rows": rows,
        "approval_threshold": policy.approval_threshold,
        "per_payout_cap": cap,
        "per_year_cap": rule.per_year_cap,
        "used": used,
        "used_count": len(earlier),
        "max_count": rule.max_count,
        "max_per_occasion": rule.max_per_occasion,
        "requires_reason": rule.requires_reason,
        "allowed": True,
    }


def loan_allowance(ledger: Ledger, member: Member, on: date, lang: str) -> dict[str, Any]:
    """What the policy's loan rule allows this borrower on `on`, as `check_loan` counts it
    (the unit the member belongs to that day, its policy's cap per loan, its period cap and
    count over the member's unreversed disbursements in the window), and what the member owes
    on their loans today. The ledger's refusal stays the authority: this only says it first."""
    unit = member.unit_on(on)
    open_loans = [loan for loan in member.loans.values() if loan.outstanding > 0]
    owed = sum(loan.outstanding for loan in open_loans)
    rows: list[dict[str, str]] = []

    def row(vi: str, en: str, value: str) -> None:
        rows.append({"vi": vi, "en": en, "value": value})

    def owing() -> None:
        row(
            "Dư nợ hiện tại của người vay",
            "The borrower owes now",
            f"{format_dong(owed)} ({len(open_loans)} "
            + text.pick(lang, "khoản vay", "loan(s)")
            + ")",
        )

    base: dict[str, Any] = {"unit": unit, "outstanding": owed, "open_loans": len(open_loans)}
    row("Đơn vị cho vay", "Lending unit", unit or "—")
    if unit is None:
        row("Tình trạng", "Membership", _not_active(on, lang))
        owing()
        return base | {"rows": rows, "allowed": False}
    policy = ledger.policy_for(unit, on)
    rule = None if policy is None else policy.rule(WelfareKind.loan)
    if policy is None:
        row("Quy chế", "Policy", text.pick(lang, "chưa có quy chế", "no policy in force"))
    else:
        row("Quy chế", "Policy", policy.version)
    if policy is None or rule is None:
        if policy is not None:
            row(
                "Cho vay",
                "Loans",
                text.pick(lang, "quy chế không có khoản cho vay", "the policy allows no loans"),
            )
        owing()
        return base | {"rows": rows, "allowed": False}
    start, end = count_window(rule.count_period, on)
    earlier = member.counted_loans(start=start, end=end)
    used = sum(int(m["amount"]) for m in earlier)
    cap = rule.per_payout_cap
    row("Mức vay tối đa mỗi lần", "Cap per loan", format_dong(cap) if cap is not None else "—")
    if rule.per_year_cap is not None:
        row("Mức vay tối đa trong kỳ", "Cap per period", format_dong(rule.per_year_cap))
    window = f"{start:%d/%m/%Y}–{date.fromordinal(end.toordinal() - 1):%d/%m/%Y}"
    row("Kỳ tính", "Counting window", window)
    row("Đã vay trong kỳ", "Lent in this window", f"{format_dong(used)} ({len(earlier)})")
    if rule.per_year_cap is not None:
        row(
            "Còn được vay trong kỳ",
            "Left in this window",
            format_dong(max(0, rule.per_year_cap - used)),
        )
    if rule.max_count is not None:
        row("Số lần vay tối đa", "Most loans per window", str(rule.max_count))
    owing()
    row("Ngưỡng cần Chủ tịch duyệt", "Chair approval above", format_dong(policy.approval_threshold))
    row(
        "Mục đích vay",
        "Purpose",
        text.pick(lang, "bắt buộc", "required")
        if rule.requires_reason
        else text.pick(lang, "không bắt buộc", "not required"),
    )
    return base | {
        "rows": rows,
        "allowed": True,
        "policy": policy.version,
        "approval_threshold": policy.approval_threshold,
        "per_payout_cap": cap,
        "per_year_cap": rule.per_year_cap,
        "used": used,
        "used_count": len(earlier),
        "max_count": rule.max_count,
        "requires_reason": rule.requires_reason,
    }


# --- what an officer recorded ------------------------------------------------------------------


def recorded_by(ledger: Ledger, officer: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """The officer's own entries, newest first, with the money each moved; an entry since
    reversed says so (status `reversed`), a reversal names the entry it undoes (`target`)
    and moves that entry's money back (a negative amount; a remittance's line received at
    the upper level is the same money, not counted twice), and `reversible` says whether the
    page offers to reverse it (money recorded, neither pending, refused nor reversed, and no
    loan disbursement with repayments or write-offs, `kept_by` saying which: the ledger
    decides the rest when the reversal is signed). An employer's fee decision moves no money:
    its row says the decision (`decision`), and its reversal's the decision undone
    (`fee_decisions`)."""
    rows = _entries(ledger, [ledger_entries.c.signer == officer], limit=limit)
    fee_decisions(ledger, rows)
    return rows


@dataclass(frozen=True)
class EntrySearch:
    """What the union's money entries are narrowed to (every part optional)."""

    member: str | None = None
    amount: int | None = None  # the amount the entry moved, either way (a reversal's too)
    start: date | None = None  # effective date from (inclusive)
    end: date | None = None  # to (exclusive)


def union_entries(
    ledger: Ledger,
    scopes: list[str],
    search: EntrySearch,
    *,
    limit: int,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Money entries of the units under `scopes`, whoever signed them, newest first, as
    `recorded_by` describes them (with the signer); `limit` rows from `offset`. Employers'
    fee decisions and their reversals are listed too (they move no money, so a search by
    member or amount leaves them out)."""
    e, m = ledger_entries, proj_money_lines
    where: list[Any] = []
    units = visible_units(ledger, scopes)
    if units is not None:
        where.append(e.c.unit_code.in_(sorted(units)))
    if search.member is not None:
        where.append(
            e.c.event_id.in_(select(m.c.event_id).where(m.c.member_number == search.member))
        )
    if search.start is not None:
        where.append(e.c.effective_date >= search.start)
    if search.end is not None:
        where.append(e.c.effective_date < search.end)
    rows = _entries(
        ledger, where, limit=limit, offset=offset, money_only=True, amount=search.amount
    )
    fee_decisions(ledger, rows)
    return rows


def _entries(
    ledger: Ledger,
    where: list[Any],
    *,
    limit: int,
    offset: int = 0,
    money_only: bool = False,
    amount: int | None = None,
) -> list[dict[str, Any]]:
    e, m = ledger_entries, proj_money_lines
    amounts = (
        select(
            m.c.event_id,
            func.sum(m.c.amount).label("amount"),
            func.count().label("lines"),
            func.max(case((m.c.reversed, 1), else_=0)).label("reversed"),
        )
        .where(m.c.reversal_of.is_(None), m.c.flow != "received")
        .group_by(m.c.event_id)
        .subquery()
    )
    undone = (
        select(
            m.c.event_id,
            func.sum(m.c.amount).label("amount"),
            func.max(m.c.reversal_of).label("target"),
        )
        .where(m.c.reversal_of.is_not(None), m.c.flow != "received")
        .group_by(m.c.event_id)
        .subquery()
    )
    status = (
        select(m.c.event_id, func.max(m.c.status).label("status")).group_by(m.c.event_id).subquery()
    )
    moved = func.coalesce(amounts.c.amount, undone.c.amount)
    stmt = (
        select(
            e.c.seq,
            e.c.event_id,
            e.c.command_type,
            e.c.unit_code,
            e.c.signer,
            e.c.effective_date,
            e.c.recorded_at,
            moved.label("amount"),
            amounts.c.lines,
            amounts.c.reversed,
            undone.c.target,
            status.c.status,
        )
        .outerjoin(amounts, amounts.c.event_id == e.c.event_id)
        .outerjoin(undone, undone.c.event_id == e.c.event_id)
        .outerjoin(status, status.c.event_id == e.c.event_id)
        .where(*where)
        .order_by(e.c.seq.desc())
        .limit(limit)
        .offset(offset)
    )
    if money_only:
        # money moved, or an employer's fee decision, or a reversal moving none (one of a
        # fee decision: ledger.handlers._reversal reverses nothing else)
        stmt = stmt.where(
            or_(
                moved.is_not(None),
                e.c.command_type.in_(["union_fee.relief", "reversal.record"]),
            )
        )
    if amount is not None:
        stmt = stmt.where(moved.in_([amount, -amount]))
    with ledger.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    out = []
    for r in rows:
        row = dict(r._mapping)
        if row["amount"] is not None:  # SUM is numeric on PostgreSQL: back to integer đồng
            row["amount"] = int(row["amount"])
        row["reversible"] = (
            row["command_type"] in REVERSIBLE and row["status"] == "paid" and not row["reversed"]
        )
        row["kept_by"] = None  # why the ledger would refuse its reversal (a loan's movements)
        row["chair"] = False  # its reversal needs the chair's signature (a fee decision's)
        if row["reversed"]:
            row["status"] = "reversed"
        elif row["status"] == "paid" and row["command_type"] == "remittance.record":
            row["status"] = "remitted"  # handed to the upper level, not paid out
        elif row["status"] == "paid" and row["command_type"] not in PAID_OUT:
            # the money lines say "paid" of every movement: income is collected, a reversal
            # or a write-off is only recorded
            row["status"] = "collected" if row["command_type"] in COLLECTED else "recorded"
        out.append(row)
    _loans_with_movements(ledger, out)
    return out


def _loans_with_movements(ledger: Ledger, rows: list[dict[str, Any]]) -> None:
    """A loan disbursement with repayments or write-offs is not offered for reversal: the
    ledger refuses it (`loan_has_movements`, reverse them first). As the ledger decides it,
    from the borrower's loan: `reversible` turns false and `kept_by` says why ("repaid",
    "written_off" or "both")."""
    lent = [r for r in rows if r["reversible"] and r["command_type"] == "loan.disburse"]
    if not lent:
        return
    m = proj_money_lines
    with ledger.engine.connect() as conn:
        found = conn.execute(
            select(m.c.event_id, m.c.member_number, m.c.detail).where(
                m.c.event_id.in_([r["event_id"] for r in lent]),
                m.c.flow == "loan",
                m.c.key == "disburse",
                m.c.reversal_of.is_(None),
            )
        ).all()
    borrowers = {f.event_id: (f.member_number, f.detail) for f in found}
    members: dict[str, Member | None] = {}
    for row in lent:
        number, code = borrowers.get(row["event_id"], (None, None))
        if number is None:
            continue
        if number not in members:
            members[number] = ledger.get_member(number)
        member = members[number]
        loan = member.loans.get(code or "") if member is not None else None
        if loan is None or not (loan.repaid or loan.written_off):
            continue
        row["reversible"] = False
        row["kept_by"] = (
            "both"
            if loan.repaid and loan.written_off
            else "repaid"
            if loan.repaid
            else "written_off"
        )


PAID_OUT: Final = frozenset(
    {"payout.record", "expense.record", "remittance.record", "loan.disburse"}
)
COLLECTED: Final = frozenset(
    {"collection.dues", "collection.union_fee", "collection.other", "loan.repay"}
)
# What `reversal.record` undoes: money events (ledger.handlers._reversal refuses the rest).
REVERSIBLE: Final = PAID_OUT | COLLECTED | {"loan.write_off"}


# --- members' disputes ---------------------------------------------------------------------------


def disputes(ledger: Ledger, scopes: list[str], *, limit: int = 200) -> list[dict[str, Any]]:
    """Members' disputes in scope, newest first, with the member's own words when readable."""
    units = visible_units(ledger, scopes)
    e = ledger_entries
    stmt = (
        select(
            e.c.event_id,
            e.c.unit_code,
            e.c.effective_date,
            e.c.originator_id,
            e.c.originator_version,
        )
        .where(e.c.command_type == "member.dispute")
        .order_by(e.c.seq.desc())
        .limit(limit)
    )
    if units is not None:
        stmt = stmt.where(e.c.unit_code.in_(sorted(units)))
    with ledger.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    out = []
    for r in rows:
        events = list(
            ledger.repository.event_store.get(
                UUID(r.originator_id), gt=r.originator_version - 1, lte=r.originator_version
            )
        )
        envelope = getattr(events[0], "envelope", {}) if events else {}
        body = command_of(envelope)["body"] if envelope else {}
        out.append(
            {
                "event_id": r.event_id,
                "unit": r.unit_code,
                "on": r.effective_date,
                "member": body.get("member"),
                "entry": body.get("entry"),
                "reason": body.get("reason"),
                "text": _statement_text(ledger, r.originator_id, envelope),
            }
        )
    return out


def _statement_text(ledger: Ledger, person_id: str, envelope: dict[str, Any]) -> str | None:
    sealed = envelope.get("sealed")
    key = ledger.vault.key_for(person_id)
    if not sealed or key is None:
        return None
    try:
        opened = unseal(key, person_id=person_id, sealed=sealed)
    except TamperedError:
        return None
    value = opened.get("text", {}).get("value")
    return str(value) if value is not None else None


# --- loans ---------------------------------------------------------------------------------------


def open_loans(ledger: Ledger, scopes: list[str], names: NameCache) -> list[dict[str, Any]]:
    """The loans disbursed at the units under `scopes` that still owe money, oldest first:
    borrower (number, and name while they are a member of those units), loan code, the disbursement's unit, date and event id, lent,
    repaid, written off and outstanding, summed from the money lines as `history` sums them
    (a reversed movement's negated line included, so a reversed disbursement owes nothing)."""
    m = proj_money_lines
    units = visible_units(ledger, scopes)
    query = (
        select(
            m.c.member_number,
            m.c.detail,
            m.c.key,
            m.c.amount,
            m.c.unit_code,
            m.c.effective_date,
            m.c.event_id,
            m.c.reversal_of,
        )
        .where(m.c.flow == "loan", m.c.status == "paid")
        .order_by(m.c.seq, m.c.line)
    )
    with ledger.engine.connect() as conn:
        rows = conn.execute(query).all()
    loans: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        key = (r.member_number, r.detail or "")
        if r.key == "disburse" and r.reversal_of is None and key not in loans:
            loans[key] = {
                "member": r.member_number,
                "loan": r.detail or "",
                "unit": r.unit_code,
                "disbursed_on": r.effective_date.isoformat()
                if isinstance(r.effective_date, date)
                else str(r.effective_date),
                "event_id": r.event_id,
                "lent": 0,
                "repaid": 0,
                "written_off": 0,
            }
        found = loans.get(key)
        if found is None:
            continue
        slot = {"disburse": "lent", "repay": "repaid"}.get(r.key, "written_off")
        found[slot] += int(r.amount)
    out = []
    for loan in loans.values():
        loan["outstanding"] = loan["lent"] - loan["repaid"] - loan["written_off"]
        if loan["outstanding"] <= 0 or (units is not None and loan["unit"] not in units):
            continue
        # a name only for a borrower still in the caller's units (one who moved away is
        # shown by number, as everywhere else on the pages)
        member = ledger.get_member(loan["member"])
        inside = member is not None and (units is None or member.current_unit() in units)
        loan["name"] = names.name(ledger, loan["member"]) if inside else None
        loan["erased"] = inside and names.erased(ledger, loan["member"])
        out.append(loan)
    return out


# --- employers' union fee decisions ------------------------------------------------------------


def fee_employers(ledger: Ledger, units: list[str]) -> dict[str, list[str]]:
    """Per unit of `units`, the employers it ever recorded a 2% fee or a standing fee
    decision for, as first written, one per name as the ledger compares them
    (`employer_key`: case and spacing ignored). The decision form offers them and asks
    before signing one it has never seen: a decision under a misspelt name covers nobody's
    fee."""
    if not units:
        return {}
    m, e = proj_money_lines, ledger_entries
    with ledger.engine.connect() as conn:
        declared = conn.execute(
            select(m.c.unit_code, m.c.detail)
            .where(
                m.c.key == "union_fee",
                m.c.flow == "income",
                m.c.reversal_of.is_(None),
                m.c.unit_code.in_(units),
            )
            .order_by(m.c.seq)
        ).all()
        decided = conn.execute(
            select(e.c.unit_code)
            .where(e.c.command_type == "union_fee.relief", e.c.unit_code.in_(units))
            .distinct()
        ).scalars()
        names = [(r.unit_code, str(r.detail or "")) for r in declared]
        for code in sorted(set(decided)):
            unit = ledger.get_unit(code)
            for body in getattr(unit, "fee_reliefs", {}).values():
                names.append((code, str(body["employer"])))
    out: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for code, name in names:
        key = (code, employer_key(name))
        if name.strip() and key not in seen:
            seen.add(key)
            out.setdefault(code, []).append(name.strip())
    return out


def fee_decisions(ledger: Ledger, rows: list[dict[str, Any]]) -> None:
    """Say on each listed row what an employer's fee decision is (`decision`: its words in
    Vietnamese and English) and, for the reversal of one (which moves no money, so the money
    lines name no target), the decision it undoes (`target`, and that decision's words).
    A standing decision is offered for reversal (`reversible`, `chair`: its reversal needs
    the chair's signature, ledger.handlers._reversal, so the officer's signed reversal waits
    for the chair, api.web.cosign); one whose reversal already waits says so (`kept_by`
    "held", `held`: the waiting command's id) instead."""
    units: dict[str, Any] = {}
    held: dict[str, str] | None = None

    def unit(code: str | None) -> Any:
        if not code:
            return None
        if code not in units:
            units[code] = ledger.get_unit(code)
        return units[code]

    for row in rows:
        row["decision"] = None
        kind = row["command_type"]
        if kind == "union_fee.relief":
            found = unit(row["unit_code"])
            standing = getattr(found, "fee_reliefs", {})
            undone = getattr(found, "fee_reliefs_reversed", {})
            body = standing.get(row["event_id"]) or undone.get(row["event_id"])
            row["decision"] = text.relief_words(body) if body else None
            if row["event_id"] in undone:
                row["status"] = "reversed"
            elif row["event_id"] in standing:
                if held is None:
                    held = cosign.waiting_reversals(ledger)
                row["chair"] = True
                row["reversible"] = row["event_id"] not in held
                if row["event_id"] in held:
                    row["kept_by"] = "held"
                    row["held"] = held[row["event_id"]]
        elif kind == "reversal.record" and row.get("target") is None:
            target = _reversal_target(ledger, row["event_id"])
            undone = getattr(unit(row["unit_code"]), "fee_reliefs_reversed", {})
            if target is not None and target in undone:
                row["target"] = target
                row["decision"] = text.relief_words(undone[target])


def _reversal_target(ledger: Ledger, event_id: str) -> str | None:
    """The entry a stored reversal undoes, from its signed command."""
    entry = ledger.entry(event_id)
    if entry is None:
        return None
    version = int(entry["originator_version"])
    stored = list(
        ledger.repository.event_store.get(UUID(entry["originator_id"]), gt=version - 1, lte=version)
    )
    envelope = getattr(stored[0], "envelope", None) if stored else None
    if not envelope:
        return None
    target = command_of(envelope).get("body", {}).get("target")
    return str(target) if target else None
