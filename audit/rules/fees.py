"""Rule 17: the union fee (KPCĐ) recorded below 2% of a payroll the ledger itself knows.

Invariants:
- For each grassroots union (a leaf of the tree) and month a fee was recorded FOR (the declaration's month, paid and
  unreversed records only, as rule 14 reads them), the payroll is at least the larger of
  the payroll the fee records declare and the salaries the union's own dues batches for that
  month declare (every member whose dues were collected is on the employer's insured
  payroll): the fee owed is at least `union_fee_rate_bp` of it, the rate being the higher of
  the union's own policy and the inspecting level's on the month's first day (a union cannot
  lower the legal 2% by a version of its own).
- A month is short when the fee recorded is below that by more than
  `detection.union_fee_tolerance_bp` of it; the union's short months are reported per
  calendar quarter of the months (a union-level finding identified by rule, unit and
  quarter), medium, the money at stake the sum of the short months' differences.
- A month with dues but no fee recorded is not judged here (an employer may be exempted or
  suspended, Law 50/2024/QH15; `compliance` shows the missing declarations and estimates
  them); a reversed fee with nothing recorded again is rule 9's; a union that collected
  the fee but remitted too little of it upward is rule 14's.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from audit.rules.base import DetectedFinding, Evidence, make
from audit.rules.facts import Facts, UnitMonth
from ledger.domain.money import BP_PER_WHOLE, format_dong
from ledger.domain.policy import expected_union_fee

RULE = "union_fee_shortfall"
_NOTE = {"collection.union_fee": "KPCĐ / union fee", "collection.dues": "đoàn phí / dues"}


def _dues_payroll(um: UnitMonth) -> int:
    """The salaries a month's dues lines declare (their salary bases)."""
    return sum(basis * n for (basis, _amount), n in um.dues.items() if basis)


def union_fee_shortfall(facts: Facts) -> list[DetectedFinding]:
    """Rule 17: a month's union fee recorded well below 2% of the payroll known for it."""
    # (unit, quarter label) -> [(month, fee, payroll used, owed at least, shortfall, records)]
    short: dict[tuple[str, str], list[tuple[str, UnitMonth, int, int, int]]] = defaultdict(list)
    quarters = {}
    for (unit, month), um in sorted(facts.unit_months.items()):
        info = facts.units.get(unit)
        if info is None or not info.leaf:
            continue
        if not any(r.type == "collection.union_fee" for r in um.records):
            continue
        first = date.fromisoformat(f"{month}-01")
        own, judged = facts.policy(unit, first), facts.judged(unit, first)
        if own is None or judged is None:
            continue
        payroll = max(um.payroll, _dues_payroll(um))
        owed = max(expected_union_fee(own, payroll), expected_union_fee(judged.inspecting, payroll))
        gap = owed - um.fee
        if gap <= 0 or gap * BP_PER_WHOLE <= owed * judged.detection.union_fee_tolerance_bp:
            continue
        q = facts.period_for("quarter", first)
        quarters[q.label] = q
        short[(unit, q.label)].append((month, um, payroll, owed, gap))
    out = []
    for (unit, label), months in sorted(short.items()):
        quarter = quarters[label]
        total = sum(m[4] for m in months)
        fee = sum(m[1].fee for m in months)
        owed = sum(m[3] for m in months)
        listed_vi = "; ".join(
            f"tháng {month[5:]}/{month[:4]}: ghi {format_dong(um.fee)}, quỹ lương khai "
            f"{format_dong(um.payroll)}, lương đóng đoàn phí {format_dong(_dues_payroll(um))}, "
            f"phải ít nhất {format_dong(owed_m)}"
            for month, um, _payroll, owed_m, _gap in months
        )
        listed_en = "; ".join(
            f"{month}: {um.fee} recorded on a declared payroll of {um.payroll}, dues declare "
            f"salaries of {_dues_payroll(um)}, at least {owed_m} owed"
            for month, um, _payroll, owed_m, _gap in months
        )
        last = quarter.end - timedelta(days=1)
        judged = facts.judged(unit, last) or facts.judged(unit, quarter.start)
        tolerance = judged.detection.union_fee_tolerance_bp if judged is not None else 0
        evidence = [
            Evidence(
                r.event_id,
                r.type,
                r.on,
                r.unit,
                r.amount,
                note=f"{_NOTE[r.type]} {r.month}",
            )
            for _month, um, _p, _o, _g in months
            for r in um.records
            if r.type in _NOTE
        ]
        out.append(
            make(
                RULE,
                "medium",
                unit=unit,
                people=[],
                amount=total,
                vi=f"{unit} trong {quarter.label_vi} ghi thu kinh phí công đoàn "
                f"{format_dong(fee)}, thấp hơn {format_dong(total)} so với mức tối thiểu "
                f"{format_dong(owed)} (tỷ lệ KPCĐ trên quỹ lương đã khai hoặc trên tổng lương "
                f"các lô đoàn phí cùng tháng khai, nếu lớn hơn; dung sai {tolerance // 100}%): "
                f"{listed_vi}.",
                en=f"{unit} recorded {fee} đồng of union fee in {quarter.label}, {total} đồng "
                f"short of the {owed} owed at least (the fee rate on the declared payroll, or "
                f"on the salaries its dues batches declare for the month when larger; "
                f"tolerance {tolerance // 100}%): {listed_en}.",
                evidence=evidence,
                union_period=quarter.label,
            )
        )
    return out
