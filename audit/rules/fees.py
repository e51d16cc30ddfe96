"""Rule 17: the union fee (KPCĐ) recorded below 2% of a payroll the ledger itself knows, or
not recorded at all for a month the union had members.

Invariants:
- For each grassroots union (a leaf of the tree) and month a fee was recorded FOR (the declaration's month, paid and
  unreversed records only, as rule 14 reads them), the payroll is at least the larger of
  the payroll the fee records declare and the salaries the union's own dues batches for that
  month declare (every member whose dues were collected is on the employer's insured
  payroll): the fee owed is at least `union_fee_rate_bp` of it, the rate being the higher of
  the union's own policy and the inspecting level's on the month's first day (a union cannot
  lower the legal 2% by a version of its own).
- A union's members may work for several employers, each declaring and paying the fee on
  its own payroll (one standing declaration per employer and month): the month's figures
  are the sums over its employers, and each employer's record is also judged on the payroll
  it declares, so a small employer paying too little is not hidden by a large one paying in
  full. The employers short on their own payroll are named.
- A month is short when the fee recorded is below that by more than
  `detection.union_fee_tolerance_bp` of it (the month's sums or one employer's record).
- A month with no fee recorded at all (and none reversed: a reversed fee with nothing
  recorded again is rule 9's) is missing when the union had members on its books on the
  month's first or last day, from the first month the union recorded any collection (dues
  or fee) in the ledger (months before the ledger covered it, or before its first member,
  are not judged), once the fee is overdue: it is due with the month's payroll, by the last
  day of the following month (`fee_due`), and judged once the latest money record anywhere
  (`Facts.money_horizon`) is past that day. What it owes is estimated, as `compliance` does,
  at the fee rate on the larger of the salaries registered for those members on the month's
  last day and the salaries the month's dues batches declare; a month estimated at nothing
  is not reported.
- An employer exempted from the fee, or its fee suspended or reduced, by a decision of the
  competent authority (Law 50/2024/QH15) is recorded as `union_fee.relief` for a span of
  months. A month every employer of the union (those it recorded a fee or a decision for)
  is exempted or suspended for is not missing; one where the rest are reduced is estimated
  at the highest reduced rate. A recorded employer's fee is judged at its reduced rate (nothing
  owed when exempted or suspended), and the month's sum owes that much less. A month outside
  every decision's span is judged as any other, and the finding names the decisions the
  union has (the inspector sees which months they do not cover).
- The union's short and missing months are reported per calendar quarter of the months (a
  union-level finding identified by rule, unit and quarter), medium, the money at stake the
  sum of the months' differences (a missing month's whole estimate, marked as an estimate).
  A union that collected the fee but remitted too little of it upward is rule 14's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from audit.rules.base import DetectedFinding, Evidence, make
from audit.rules.facts import Facts, FeeRelief, UnitMonth
from ledger.domain.money import BP_PER_WHOLE, apply_rate, format_dong
from ledger.domain.periods import month_text
from ledger.domain.policy import Policy, expected_union_fee
from ledger.domain.units import employer_key

RULE = "union_fee_shortfall"
_NOTE = {"collection.union_fee": "KPCĐ", "collection.dues": "đoàn phí"}
_NOTE_EN = {"collection.union_fee": "union fee", "collection.dues": "dues"}


def _dues_payroll(um: UnitMonth | None) -> int:
    """The salaries a month's dues lines declare (their salary bases)."""
    if um is None:
        return 0
    return sum(basis * n for (basis, _amount), n in um.dues.items() if basis)


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def fee_due(month: str) -> date:
    """The last day a month's union fee is due: the end of the following month."""
    return _next_month(_next_month(date.fromisoformat(f"{month}-01"))) - timedelta(days=1)


@dataclass
class _Month:
    month: str
    um: UnitMonth | None
    owed: int  # at least owed, or the estimate of a missing month
    gap: int
    estimate: bool = False
    members: int = 0  # a missing month: the members on the union's books
    registered: int = 0  # a missing month: their registered salaries
    short_employers: list[tuple[str, int, int, int]] = field(default_factory=list)
    reliefs: list[FeeRelief] = field(default_factory=list)  # the decisions applied


def _owed(own: Policy, inspecting: Policy, payroll: int) -> int:
    return max(expected_union_fee(own, payroll), expected_union_fee(inspecting, payroll))


_KIND_VI = {"exempt": "miễn", "suspended": "tạm dừng đóng", "reduced": "giảm"}
_KIND_EN = {"exempt": "exempted", "suspended": "suspended", "reduced": "reduced"}


def _relief(facts: Facts, unit: str, month: str, employer: str) -> FeeRelief | None:
    """The decision covering `employer`'s fee of `unit` for `month`, if any."""
    key = employer_key(employer)
    for r in facts.fee_reliefs.get(unit, ()):
        if employer_key(r.employer) == key and r.covers(month):
            return r
    return None


def _relieved(normal: int, payroll: int, relief: FeeRelief | None) -> int:
    """What a decision leaves owed of `normal`, the fee at the usual rate on `payroll`."""
    if relief is None:
        return normal
    if relief.kind == "reduced" and relief.rate_bp is not None:
        return min(normal, apply_rate(payroll, relief.rate_bp))
    return 0


def _short(gap: int, owed: int, tolerance_bp: int) -> bool:
    return gap > 0 and gap * BP_PER_WHOLE > owed * tolerance_bp


def _employers(um: UnitMonth) -> list[tuple[str, int, int]]:
    """The month's fee records summed per employer (names compared as the ledger does)."""
    by: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for name, amount, payroll in um.fees:
        key = employer_key(name)
        names.setdefault(key, name)
        acc = by.setdefault(key, [0, 0])
        acc[0] += amount
        acc[1] += payroll
    return [(names[k], v[0], v[1]) for k, v in sorted(by.items())]


def _recorded_month(facts: Facts, unit: str, month: str, um: UnitMonth) -> _Month | None:
    first = date.fromisoformat(f"{month}-01")
    own, judged = facts.policy(unit, first), facts.judged(unit, first)
    if own is None or judged is None:
        return None
    tolerance = judged.detection.union_fee_tolerance_bp
    payroll = max(um.payroll, _dues_payroll(um))
    owed = _owed(own, judged.inspecting, payroll)
    short_employers = []
    reliefs = []
    for name, amount, declared in _employers(um):
        normal = _owed(own, judged.inspecting, declared)
        relief = _relief(facts, unit, month, name)
        owed_e = _relieved(normal, declared, relief)
        if relief is not None:
            reliefs.append(relief)
            owed = max(0, owed - (normal - owed_e))
        if _short(owed_e - amount, owed_e, tolerance):
            short_employers.append((name, amount, declared, owed_e))
    gap = owed - um.fee
    if not _short(gap, owed, tolerance) and not short_employers:
        return None
    gap = max(gap, sum(o - a for _n, a, _p, o in short_employers))
    return _Month(month, um, owed, gap, short_employers=short_employers, reliefs=reliefs)


def _month_reliefs(facts: Facts, unit: str, month: str) -> list[FeeRelief]:
    """The decisions covering a month with no fee recorded, when they cover every employer
    the union recorded a fee or a decision for; else none (the month is judged in full)."""
    decided = facts.fee_reliefs.get(unit, [])
    if not decided:
        return []
    employers = {employer_key(r.employer) for r in decided}
    for (u, _m), um in facts.unit_months.items():
        if u == unit:
            employers |= {employer_key(name) for name, _a, _p in um.fees}
    covering = [r for r in decided if r.covers(month)]
    if {employer_key(r.employer) for r in covering} != employers:
        return []
    return covering


def _decision_vi(r: FeeRelief) -> str:
    rate = f" còn {r.rate_bp / 100:g}%".replace(".", ",") if r.rate_bp is not None else ""
    return (
        f"{r.employer} {_KIND_VI[r.kind]}{rate} các tháng {r.first[5:]}/{r.first[:4]}–"
        f"{r.last[5:]}/{r.last[:4]} theo quyết định số {r.number} của {r.issuer} "
        f"ngày {r.on:%d/%m/%Y}"
    )


def _decision_en(r: FeeRelief) -> str:
    rate = f" to {r.rate_bp / 100:g}%" if r.rate_bp is not None else ""
    return (
        f"{r.employer} {_KIND_EN[r.kind]}{rate} for {r.first} to {r.last} by decision "
        f"{r.number} of {r.issuer} dated {r.on:%d/%m/%Y}"
    )


def _missing_months(facts: Facts, horizon: date | None) -> dict[str, list[_Month]]:
    """Per union, the months owing a fee with none recorded (see the invariants)."""
    if horizon is None:
        return {}
    start: dict[str, str] = {}
    for (unit, month), um in facts.unit_months.items():
        if (um.dues or um.fees) and (unit not in start or month < start[unit]):
            start[unit] = month
    months: list[tuple[str, date, date]] = []
    if start:
        d = date.fromisoformat(f"{min(start.values())}-01")
        while fee_due(f"{d:%Y-%m}") < horizon:
            nxt = _next_month(d)
            months.append((f"{d:%Y-%m}", d, nxt - timedelta(days=1)))
            d = nxt
    on_books: dict[tuple[str, str], list[str]] = defaultdict(list)
    for member in facts.members.values():
        for label, first, last in months:
            for there in {member.unit_on(first), member.unit_on(last)}:
                if there is not None and label >= start.get(there, "9999"):
                    on_books[(there, label)].append(member.number)
    out: dict[str, list[_Month]] = defaultdict(list)
    for (unit, label), members in sorted(on_books.items()):
        info = facts.units.get(unit)
        found = facts.unit_months.get((unit, label))
        if info is None or not info.leaf or (found is not None and found.fees):
            continue
        if (unit, label) in facts.fee_reversed:
            continue
        first = date.fromisoformat(f"{label}-01")
        last = _next_month(first) - timedelta(days=1)
        own, judged = facts.policy(unit, first), facts.judged(unit, first)
        if own is None or judged is None:
            continue
        registered = sum(facts.salary_on(n, last) for n in members)
        payroll = max(registered, _dues_payroll(found))
        owed = _owed(own, judged.inspecting, payroll)
        reliefs = _month_reliefs(facts, unit, label)
        if reliefs:
            rates = [r.rate_bp for r in reliefs if r.kind == "reduced" and r.rate_bp is not None]
            owed = min(owed, apply_rate(payroll, max(rates))) if rates else 0
        if owed <= 0:
            continue
        out[unit].append(
            _Month(
                label,
                found,
                owed,
                owed,
                estimate=True,
                members=len(members),
                registered=registered,
                reliefs=reliefs,
            )
        )
    return out


def _month_vi(m: _Month) -> str:
    when = f"tháng {m.month[5:]}/{m.month[:4]}"
    if m.estimate:
        return (
            f"{when}: không ghi KPCĐ dù có {m.members} đoàn viên (lương đăng ký "
            f"{format_dong(m.registered)}, lương đóng đoàn phí {format_dong(_dues_payroll(m.um))}), "
            f"ước tính {format_dong(m.owed)}"
        )
    assert m.um is not None
    text = (
        f"{when}: ghi {format_dong(m.um.fee)}, quỹ lương khai {format_dong(m.um.payroll)}, "
        f"lương đóng đoàn phí {format_dong(_dues_payroll(m.um))}, phải ít nhất {format_dong(m.owed)}"
    )
    for name, amount, payroll, owed in m.short_employers:
        text += (
            f"; {name} nộp {format_dong(amount)} trên quỹ lương khai {format_dong(payroll)}, "
            f"phải {format_dong(owed)}"
        )
    return text


def _month_en(m: _Month) -> str:
    if m.estimate:
        return (
            f"{month_text(m.month)}: no fee recorded although {m.members} members were on the books "
            f"(registered salaries {format_dong(m.registered)}, dues declare salaries "
            f"{format_dong(_dues_payroll(m.um))}), estimated at {format_dong(m.owed)}"
        )
    assert m.um is not None
    text = (
        f"{month_text(m.month)}: {format_dong(m.um.fee)} recorded on a declared payroll of "
        f"{format_dong(m.um.payroll)}, dues declare salaries of "
        f"{format_dong(_dues_payroll(m.um))}, at least {format_dong(m.owed)} owed"
    )
    for name, amount, payroll, owed in m.short_employers:
        text += (
            f"; {name} paid {format_dong(amount)} on its declared payroll of "
            f"{format_dong(payroll)}, {format_dong(owed)} owed"
        )
    return text


def union_fee_shortfall(facts: Facts) -> list[DetectedFinding]:
    """Rule 17: a month's union fee recorded well below 2% of the payroll known for it, or
    not recorded for a month the union had members."""
    by_unit: dict[str, list[_Month]] = _missing_months(facts, facts.money_horizon)
    for (unit, month), um in sorted(facts.unit_months.items()):
        info = facts.units.get(unit)
        if info is None or not info.leaf or not um.fees:
            continue
        found = _recorded_month(facts, unit, month, um)
        if found is not None:
            by_unit.setdefault(unit, []).append(found)
    short: dict[tuple[str, str], list[_Month]] = defaultdict(list)
    quarters = {}
    for unit, months in by_unit.items():
        for m in months:
            q = facts.period_for("quarter", date.fromisoformat(f"{m.month}-01"))
            quarters[q.label] = q
            short[(unit, q.label)].append(m)
    out = []
    for (unit, label), months in sorted(short.items()):
        months.sort(key=lambda m: m.month)
        quarter = quarters[label]
        total = sum(m.gap for m in months)
        estimated = sum(m.gap for m in months if m.estimate)
        fee = sum(m.um.fee for m in months if m.um is not None)
        owed = sum(m.owed for m in months)
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
                note=f"{_NOTE[r.type]} {month_text(r.month or '')}",
                note_en=f"{_NOTE_EN[r.type]} {month_text(r.month or '')}",
            )
            for m in months
            if m.um is not None
            for r in m.um.records
            if r.type in _NOTE
        ]
        decided = facts.fee_reliefs.get(unit, [])
        evidence += [
            Evidence(
                r.event_id,
                "union_fee.relief",
                r.on,
                unit,
                None,
                note=f"quyết định {r.number}",
                context=True,
                note_en=f"decision {r.number}",
            )
            for r in decided
        ]
        note_vi = note_en = ""
        if estimated:
            note_vi = (
                f" Trong đó {format_dong(estimated)} là ước tính cho các tháng không ghi KPCĐ "
                f"(tỷ lệ KPCĐ trên lương đăng ký của đoàn viên, hoặc lương các lô đoàn phí khai "
                f"nếu lớn hơn; hạn nộp là cuối tháng sau); nếu doanh nghiệp được miễn, giảm hoặc "
                f"tạm dừng đóng (Luật Công đoàn 2024), cần có văn bản."
            )
            note_en = (
                f" Of this, {format_dong(estimated)} is an estimate for the months without any fee "
                f"recorded (the fee rate on the members' registered salaries, or on the salaries "
                f"the dues batches declare when larger; due by the end of the following month); "
                f"an employer exempted, reduced or suspended (Trade Union Law 2024) needs the "
                f"document."
            )
        if decided:
            note_vi += (
                " Quyết định miễn, giảm, tạm dừng đóng đã ghi (chỉ áp dụng cho các tháng nêu "
                "trong quyết định): " + "; ".join(_decision_vi(r) for r in decided) + "."
            )
            note_en += (
                " Fee decisions recorded (they apply to the months they name only): "
                + "; ".join(_decision_en(r) for r in decided)
                + "."
            )
        out.append(
            make(
                RULE,
                "medium",
                unit=unit,
                people=[],
                amount=total,
                vi=f"{unit} trong {quarter.phrase_vi} ghi thu kinh phí công đoàn "
                f"{format_dong(fee)}, thấp hơn {format_dong(total)} so với mức tối thiểu "
                f"{format_dong(owed)} (tỷ lệ KPCĐ trên quỹ lương đã khai hoặc trên tổng lương "
                f"các lô đoàn phí cùng tháng khai, nếu lớn hơn; dung sai {tolerance // 100}%): "
                + "; ".join(_month_vi(m) for m in months)
                + "."
                + note_vi,
                en=f"{unit} recorded {format_dong(fee)} of union fee in {quarter.phrase_en}, {format_dong(total)} "
                f"short of the {format_dong(owed)} owed at least (the fee rate on the declared payroll, or "
                f"on the salaries its dues batches declare for the month when larger; "
                f"tolerance {tolerance // 100}%): "
                + "; ".join(_month_en(m) for m in months)
                + "."
                + note_en,
                evidence=evidence,
                union_period=quarter.label,
            )
        )
    return out
