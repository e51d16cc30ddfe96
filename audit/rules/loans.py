"""Rule 16: loans left unpaid (Quỹ trợ vốn, CEP, the national fund are revolving funds: a loan
never collected empties them as surely as a payout).

Invariants:
- A loan is one borrower's loan code; its outstanding balance (dư nợ) is what `history`
  shows: disbursed minus repaid minus written off, unreversed movements only. A loan with
  nothing outstanding is never a finding, however it got there (repaid, or written off with
  the chair's signature, which rule 6 judges).
- A borrower gone with debt (medium): the borrower left, died or was transferred to a union
  outside the lending union's subtree on or after the disbursement, the loan still has a
  balance, and either no repayment of it is dated on or after that day or what was repaid
  and written off in all is behind an even monthly schedule by the ledger's latest date
  (below; `_due_by`: principal / `term_months` a month, one instalment of slack). The loan stays on
  the lending union's book wherever the member went: a borrower who keeps repaying after a
  transfer (or after leaving) is no finding for that; one token repayment after leaving is.
- An overdue loan (low): its term (`term_months` from the disbursement date) ended before
  the ledger's latest date, and it still has a balance. The rules read no clock, so the
  books say how far they go (`Facts.books_horizon`): the latest effective date of a money
  record (`Facts.money_horizon`) or a membership record (a join, transfer, leave or death:
  a leave recorded after the last money still moves the books on). Administrative records
  do not: an inspector's judgment, an erasure or an officer's key signed today says nothing
  of how far the union's books go, and would make every loan past its term by today overdue
  at once in a ledger whose money stops earlier (a past year's books, the demo).
  A loan whose borrower is gone with debt is reported once, as that.
- The money at stake is the outstanding balance, put on the disbursement. The finding's id
  is the disbursement's (and the departure's, for a borrower gone), so a repayment recorded
  later changes its amount, not its identity or the inspectors' judgment of it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta

from audit.rules.base import DetectedFinding, Evidence, Severity, finding_id, make
from audit.rules.facts import Facts, Movement
from audit.rules.membership import loan_evidence
from ledger.domain.money import format_dong

RULE = "unpaid_loan"
_GONE_VI = {
    "member.leave": ("ra khỏi tổ chức", "left the union"),
    "member.death": ("từ trần", "died"),
    "member.transfer": ("chuyển sinh hoạt khỏi đơn vị cho vay", "transferred out of the lender"),
}


def term_end(start: date, months: int) -> date:
    """The day a loan of `months` months lent on `start` falls due (the same day of the
    month, or the month's last day when it has no such day)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def _due_by(lent: Movement, principal: int, horizon: date | None) -> int:
    """What an even monthly schedule asks to be repaid (or written off) of a loan by
    `horizon`, one instalment of slack allowed: `principal` × (full months since the
    disbursement − 1) / `term_months`, at most the principal; 0 without a term."""
    if lent.term_months is None or horizon is None:
        return 0
    months = 0
    while months <= lent.term_months and term_end(lent.on, months + 1) <= horizon:
        months += 1
    return principal * max(months - 1, 0) // lent.term_months


def _departure(facts: Facts, lent: Movement) -> tuple[date, str, str] | None:
    """The first day on or after the disbursement the borrower stopped belonging to the
    lending union's subtree: (day, event id, type)."""
    person = facts.members.get(lent.member or "")
    if person is None:
        return None
    for on, event_id, kind in person.endings:
        if on < lent.on:
            continue
        if kind == "member.transfer":
            now = person.unit_on(on)
            if now is not None and lent.unit in facts.ancestors(now):
                continue  # moved within the lending union's own tree
        return on, event_id, kind
    return None


def unpaid_loan(facts: Facts) -> list[DetectedFinding]:
    """Rule 16: a borrower gone with debt, a loan past its term still owing."""
    reversed_ids = {r.target for r in facts.reversals}
    loans: dict[tuple[str, str], list[Movement]] = defaultdict(list)
    for m in facts.movements.values():
        if m.type.startswith("loan.") and m.member and m.event_id not in reversed_ids:
            loans[(m.member, m.key)].append(m)
    out = []
    for (member, code), moves in sorted(loans.items()):
        moves.sort(key=lambda m: (m.on, m.seq, m.event_id))
        lent = [m for m in moves if m.type == "loan.disburse"]
        if not lent:
            continue
        first = lent[0]
        principal = sum(m.amount for m in lent)
        repays = [m for m in moves if m.type == "loan.repay"]
        repaid = sum(m.amount for m in repays)
        written_off = sum(m.amount for m in moves if m.type == "loan.write_off")
        outstanding = principal - repaid - written_off
        if outstanding <= 0:
            continue
        figures_vi = (
            f"vay {format_dong(principal)}, đã trả {format_dong(repaid)}"
            + (f", xóa nợ {format_dong(written_off)}" if written_off else "")
            + f", còn nợ {format_dong(outstanding)}"
        )
        figures_en = (
            f"lent {format_dong(principal)}, repaid {format_dong(repaid)}"
            + (f", written off {format_dong(written_off)}" if written_off else "")
            + f", {format_dong(outstanding)} outstanding"
        )
        evidence = [loan_evidence(m, f"khoản vay {code}", f"loan {code}") for m in moves]
        people = [member, *(p for m in moves for p in (m.signer, *m.cosigners) if p)]
        horizon = facts.books_horizon
        gone = _departure(facts, first)
        since = [m for m in repays if gone is not None and m.on >= gone[0]]
        owed = _due_by(first, principal, horizon)
        if gone is not None and (not since or repaid + written_off < owed):
            on, event_id, kind = gone
            what_vi, what_en = _GONE_VI.get(kind, (kind, kind))
            person = facts.members[member]
            was_in = person.unit_on(on - timedelta(days=1))
            evidence.append(
                Evidence(
                    event_id,
                    kind,
                    on,
                    was_in,
                    None,
                    (member,),
                    what_vi,
                    context=True,
                    note_en=what_en,
                )
            )
            if since:
                paid_since = sum(m.amount for m in since)
                since_vi = (
                    f"từ ngày đó chỉ trả {format_dong(paid_since)}, chậm so với lịch trả đều "
                    f"hằng tháng (phải trả ít nhất {format_dong(owed)} đến {horizon:%d/%m/%Y})"
                )
                since_en = (
                    f"only {format_dong(paid_since)} repaid since, behind an even monthly "
                    f"schedule (at least {format_dong(owed)} by {horizon:%d/%m/%Y})"
                )
            else:
                since_vi = "không có khoản trả nợ nào từ ngày đó"
                since_en = "nothing repaid since"
            finding = _finding(
                "medium",
                first,
                outstanding,
                people,
                evidence,
                vi=f"Đoàn viên {member} {what_vi} ngày {on:%d/%m/%Y} khi khoản vay {code} của "
                f"{first.unit} còn dư nợ, {since_vi} và chưa được xóa nợ ({figures_vi}).",
                en=f"Member {member} {what_en} on {on:%d/%m/%Y} with loan {code} of {first.unit} still "
                f"owing, {since_en} and nothing written off ({figures_en}).",
            )
            out.append(replace(finding, id=finding_id(RULE, [first.event_id, event_id])))
            continue
        if first.term_months is None or horizon is None:
            continue
        due = term_end(first.on, first.term_months)
        if horizon <= due:
            continue
        nothing_vi = ", chưa trả đồng nào" if repaid == 0 else ""
        nothing_en = ", nothing repaid" if repaid == 0 else ""
        finding = _finding(
            "low",
            first,
            outstanding,
            people,
            evidence,
            vi=f"Khoản vay {code} của {member} tại {first.unit} quá hạn từ {due:%d/%m/%Y} "
            f"(thời hạn {first.term_months} tháng){nothing_vi} ({figures_vi}).",
            en=f"Loan {code} of {member} at {first.unit} was due on {due:%d/%m/%Y} "
            f"({first.term_months} months){nothing_en} ({figures_en}).",
        )
        out.append(replace(finding, id=finding_id(RULE, [first.event_id])))
    return out


def _finding(
    severity: Severity,
    lent: Movement,
    outstanding: int,
    people: list[str],
    evidence: list[Evidence],
    *,
    vi: str,
    en: str,
) -> DetectedFinding:
    return make(
        RULE,
        severity,
        unit=lent.unit,
        people=people,
        amount=outstanding,
        vi=vi,
        en=en,
        evidence=evidence,
        stakes={lent.event_id: outstanding},
    )
