"""A union's own spending (`expense.record`) as the welfare rules see it.

Invariants:
- Rule 2 also finds one voucher booked twice: two or more unreversed expenses of one unit
  with the same amount and the same description (compared as occasions are: without case,
  spacing, Unicode form or invisible characters), each within `repeat_window_days` of the
  one before it (the inspecting level's, `Facts.judged`). A monthly bill of the same amount
  and text booked once a month is not one: two expenses of different calendar months at
  least 28 days apart are not linked. The first of a group is the voucher; the money at
  stake is the others'.
- Rule 11 reads welfare expenses too (`audit.rules.union`): their cost per participant.
"""

from __future__ import annotations

from collections import defaultdict

from audit.rules.base import DetectedFinding, Evidence, make
from audit.rules.benefits import occasion_key
from audit.rules.facts import Expense, Facts
from ledger.domain.catalogue import SpendingCategory
from ledger.domain.money import format_dong

MONTHLY_DAYS = 28  # the shortest month: a bill booked once a month is this far apart at least


def expense_evidence(e: Expense) -> Evidence:
    """An expense as evidence: its category and its description as typed."""
    try:
        vi, en = SpendingCategory(e.category).label_vi, SpendingCategory(e.category).label_en
    except ValueError:
        vi = en = e.category
    return Evidence(
        e.event_id,
        "expense.record",
        e.on,
        e.unit,
        e.amount,
        (e.signer,),
        f"{vi}: {e.description}",
        note_en=f"{en}: «{e.description}»",
    )


def _linked(a: Expense, b: Expense, window: int) -> bool:
    days = (b.on - a.on).days
    if days > window:
        return False
    return days < MONTHLY_DAYS or (a.on.year, a.on.month) == (b.on.year, b.on.month)


def duplicate_expense(facts: Facts) -> list[DetectedFinding]:
    """Rule 2 for spending: one voucher (same amount, same description) booked twice."""
    groups: dict[tuple[str, int, str], list[Expense]] = defaultdict(list)
    for e in facts.expenses:
        if e.counted:
            groups[(e.unit, e.amount, occasion_key(e.description))].append(e)
    out = []
    for (unit, _amount, _text), items in sorted(groups.items()):
        if len(items) < 2:
            continue
        items.sort(key=lambda e: (e.on, e.recorded_at, e.event_id))
        runs: list[list[Expense]] = [[items[0]]]
        for e in items[1:]:
            judged = facts.judged(unit, e.on)
            window = judged.detection.repeat_window_days if judged is not None else 31
            if _linked(runs[-1][-1], e, window):
                runs[-1].append(e)
            else:
                runs.append([e])
        out += [_duplicate(unit, run) for run in runs if len(run) > 1]
    return out


def _duplicate(unit: str, run: list[Expense]) -> DetectedFinding:
    first, extra = run[0], run[1:]
    at_stake = sum(e.amount for e in extra)
    days_vi = ", ".join(f"{e.on:%d/%m/%Y}" for e in run)
    days_en = ", ".join(f"{e.on:%d/%m/%Y}" for e in run)
    return make(
        "repeated_benefit",
        "high",
        unit=unit,
        people=sorted({e.signer for e in run}),
        amount=at_stake,
        vi=f"{unit} ghi {len(run)} khoản chi cùng số tiền {format_dong(first.amount)}, cùng "
        f"nội dung «{first.description}» ({days_vi}): một chứng từ ghi {len(run)} lần "
        f"(thừa {format_dong(at_stake)}).",
        en=f"{unit} booked {len(run)} expenses of the same amount, {format_dong(first.amount)}, with "
        f"the same description «{first.description}» ({days_en}): one voucher booked "
        f"{len(run)} times ({format_dong(at_stake)} too many).",
        evidence=[expense_evidence(e) for e in run],
        stakes={e.event_id: e.amount for e in extra},
    )
