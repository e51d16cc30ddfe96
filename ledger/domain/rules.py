"""Write-time policy checks for payouts, loan disbursements and dues lines' salary bases: pure
functions that return problems, never raise.

Invariants:
- Thresholds come from the policy in force on the payout's effective date, never constants.
- Counts and yearly caps are per beneficiary (the member, or one relative) over the policy's
  counting window (calendar year, quarter, month, or the lunar year around Tết). A member's
  own benefits count across every member number registered with the same citizen ID
  (`namesakes`: found by its blind index) that the same union paid, so leaving and joining
  again under a new number does not restart them. What another union paid a namesake is not
  shown to this one (its officers may not read it): detection's rule 3 judges that.
- A rule's instalments of one occasion (`max_per_occasion`, when set) are counted as
  detection rule 2 counts them: the same occasion text (`ledger.domain.occasions`) within
  the inspecting level's `repeat_window_days`, so what the ledger lets through unoverridden
  rule 2 does not report.
- Each problem says whether a chair's signed override may let it through (`OVERRIDABLE`).
  A payout to someone who is not an active member is never overridable: that is the ghost
  beneficiary of DOMAIN.md, and a bereavement for a member who died recently is its only
  legitimate exception, allowed by `BEREAVEMENT_GRACE_DAYS`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ledger.domain.catalogue import WelfareKind
from ledger.domain.commands import LoanDisburseBody, PayoutBody
from ledger.domain.errors import Problem, problem
from ledger.domain.members import Member
from ledger.domain.money import format_dong
from ledger.domain.occasions import generic_occasion, occasion_key
from ledger.domain.periods import can_chi, count_window, tet_year
from ledger.domain.policy import Policy, WelfareRule
from ledger.textfiles import fold

OVERRIDABLE = frozenset(
    {
        "bereavement_repeat",
        "over_payout_cap",
        "over_period_cap",
        "over_count",
        "over_per_occasion",
        "kind_not_allowed",
        "relative_not_eligible",
        "reason_required",
    }
)
BEREAVEMENT_GRACE_DAYS = 90


def member_active_for(member: Member, body: PayoutBody, on: date) -> str | None:
    """The unit that may pay this member on `on`, allowing bereavement after death."""
    unit = member.unit_on(on)
    if unit is not None:
        return unit
    if (
        body.kind == WelfareKind.bereavement
        and body.relative is None
        and member.died_on is not None
        and member.died_on <= on <= member.died_on + timedelta(days=BEREAVEMENT_GRACE_DAYS)
    ):
        return member.unit_on(member.died_on - timedelta(days=1))
    return None


def check_payout(
    member: Member,
    body: PayoutBody,
    *,
    policy: Policy | None,
    on: date,
    unit: str,
    exclude: str | None = None,
    namesakes: Sequence[Member] = (),
    repeat_days: int | None = None,
) -> list[Problem]:
    """Every reason the union's rules refuse this payout (empty: allowed).

    `namesakes` are the member's other numbers (the same citizen ID): their payouts to the
    member themself, while a member of this `unit`, count toward the count and period cap of
    this one. `repeat_days` is how far apart two payouts for one occasion are one occasion's
    (detection's `repeat_window_days`, the inspecting level's; the policy's own when not
    given): the instalments `max_per_occasion` allows are counted within it."""
    problems: list[Problem] = []
    paying_unit = member_active_for(member, body, on)
    if paying_unit is None:
        problems.append(
            problem(
                "body.member",
                "not_active_member",
                f"{member.number} không phải đoàn viên đang sinh hoạt vào ngày {on:%d/%m/%Y}",
                f"{member.number} is not an active member on {on.isoformat()}",
            )
        )
    elif paying_unit != unit:
        problems.append(
            problem(
                "unit",
                "wrong_unit",
                f"đoàn viên {member.number} không sinh hoạt tại {unit}",
                f"member {member.number} does not belong to {unit}",
            )
        )
    if body.kind == WelfareKind.loan:
        problems.append(
            problem(
                "body.kind",
                "loan_is_a_loan",
                "khoản vay ghi bằng giải ngân vay (loan.disburse), không phải khoản chi",
                "a loan is recorded as a disbursement (loan.disburse), not as a payout",
            )
        )
        return problems
    beneficiary = "self"
    if body.relative is not None:
        since = member.relatives_since.get(body.relative)
        if body.relative not in member.relatives:
            problems.append(
                problem(
                    "body.relative",
                    "relative_unknown",
                    f"thân nhân {body.relative} chưa được khai báo",
                    f"unknown relative {body.relative}",
                )
            )
        elif since is not None and on < since:
            problems.append(
                problem(
                    "body.relative",
                    "relative_unknown",
                    f"thân nhân {body.relative} chỉ được khai báo từ {since:%d/%m/%Y}",
                    f"relative {body.relative} is declared only from {since.isoformat()}",
                )
            )
        beneficiary = body.relative
    problems += _check_form(body)
    problems += _check_tet_occasion(body, on)
    if policy is None:
        problems.append(
            problem(
                "unit",
                "no_policy",
                "đơn vị chưa có quy chế chi tiêu nội bộ",
                "no spending policy is in force for this unit",
            )
        )
        return problems
    rule = policy.rule(body.kind)
    if rule is None:
        problems.append(
            problem(
                "body.kind",
                "kind_not_allowed",
                f"quy chế {policy.version} không có khoản {body.kind.label_vi}",
                f"policy {policy.version} does not allow {body.kind.label_en}",
            )
        )
        return problems
    if body.relative is not None and not rule.relatives_eligible:
        problems.append(
            problem(
                "body.relative",
                "relative_not_eligible",
                f"khoản {body.kind.label_vi} không chi cho thân nhân",
                f"{body.kind.label_en} is not paid to relatives",
            )
        )
    if rule.requires_reason and body.personal.reason is None:
        problems.append(
            problem(
                "body.personal.reason",
                "reason_required",
                "cần ghi lý do",
                "a reason is required for this kind",
            )
        )
    start, end = count_window(rule.count_period, on)
    earlier = [
        p.amount
        for p in member.counted_payouts(
            kind=body.kind.value, beneficiary=beneficiary, start=start, end=end
        )
        if p.event_id != exclude
    ]
    counted = _Counted("body.kind", "đã chi", f"lần {body.kind.label_vi}", "lần")
    problems += _limits(
        rule, body.amount, earlier, (start, end), counted, f"{body.kind.label_en} payout(s)"
    )
    problems += _bereavement_once(member, body, beneficiary, exclude)
    days = repeat_days if repeat_days is not None else policy.detection.repeat_window_days
    problems += _per_occasion(member, body, rule, (beneficiary, on, days), policy.version, exclude)
    if beneficiary == "self" and namesakes:
        problems += _namesake_limits(
            rule,
            body,
            earlier,
            [m for m in namesakes if m.number != member.number],
            (start, end, unit),
            exclude,
            {p.code for p in problems},
        )
    return problems


def _bereavement_once(
    member: Member, body: PayoutBody, beneficiary: str, exclude: str | None
) -> list[Problem]:
    """A person dies once: a second bereavement for one beneficiary (the member or one
    relative), at any date, is refused unless a chair overrides it with a justification (a
    further support for one death). Detection's rule 2 reports it either way."""
    if body.kind != WelfareKind.bereavement:
        return []
    before = [
        p
        for p in member.counted_payouts(
            kind=body.kind.value, beneficiary=beneficiary, start=date.min, end=date.max
        )
        if p.event_id != exclude
    ]
    if not before:
        return []
    first = min(before, key=lambda p: p.on)
    who = "đoàn viên" if beneficiary == "self" else f"thân nhân {beneficiary}"
    who_en = "the member" if beneficiary == "self" else f"relative {beneficiary}"
    return [
        problem(
            "body.kind",
            "bereavement_repeat",
            f"đã chi phúng viếng cho {who} ngày {first.on:%d/%m/%Y}: mỗi người chỉ một lần "
            "(Chủ tịch có thể cho phép kèm lý do)",
            f"a bereavement for {who_en} was already paid on {first.on.isoformat()}: once per "
            "person (a chair may override it with a justification)",
        )
    ]


def _per_occasion(
    member: Member,
    body: PayoutBody,
    rule: WelfareRule,
    where: tuple[str, date, int],
    version: str,
    exclude: str | None,
) -> list[Problem]:
    """The instalments of one occasion (`max_per_occasion`, when the policy sets it): the
    beneficiary's payouts of the kind for the same occasion (its text as detection compares
    it, `occasion_key`) dated within `days` of this one, this one included, at most that
    many. An occasion that is only the kind's generic label names none when the kind has a
    count (two "Thăm ốm" are two visits: the count applies); a bereavement is once per person
    already (`_bereavement_once`)."""
    beneficiary, on, days = where
    allowed = rule.max_per_occasion
    if (
        allowed is None
        or body.kind == WelfareKind.bereavement
        or not body.occasion
        or (rule.max_count is not None and generic_occasion(body.occasion))
    ):
        return []
    key = occasion_key(body.occasion)
    span = timedelta(days=days)
    same = sorted(
        p.on
        for p in member.counted_payouts(
            kind=body.kind.value,
            beneficiary=beneficiary,
            start=on - span,
            end=on + span + timedelta(days=1),
        )
        if p.event_id != exclude and occasion_key(p.occasion) == key
    )
    if len(same) + 1 <= allowed:
        return []
    who = "đoàn viên" if beneficiary == "self" else f"thân nhân {beneficiary}"
    who_en = "the member" if beneficiary == "self" else f"relative {beneficiary}"
    return [
        problem(
            "body.occasion",
            "over_per_occasion",
            f"đã chi {len(same)} lần {body.kind.label_vi} cho {who} cho dịp “{body.occasion}” "
            f"(từ {same[0]:%d/%m/%Y}, trong {days} ngày); quy chế {version} cho tối đa "
            f"{allowed} đợt một dịp (max_per_occasion)",
            f"{len(same)} {body.kind.label_en} payout(s) already made to {who_en} for the "
            f"occasion “{body.occasion}” (from {same[0].isoformat()}, within {days} days); "
            f"policy {version} allows at most {allowed} instalment(s) per occasion "
            "(max_per_occasion)",
        )
    ]


def _namesake_limits(
    rule: WelfareRule,
    body: PayoutBody,
    earlier: list[int],
    namesakes: Sequence[Member],
    window: tuple[date, date, str],
    exclude: str | None,
    found: set[str],
) -> list[Problem]:
    """The count and period cap over every number of one citizen in one union (`window`:
    start, end, unit): what this number's own payouts alone did not already exceed
    (`found`)."""
    start, end, unit = window
    theirs = {
        m.number: [
            p.amount
            for p in m.counted_payouts(
                kind=body.kind.value, beneficiary="self", start=start, end=end
            )
            if p.event_id != exclude and m.unit_on(p.on) == unit
        ]
        for m in namesakes
    }
    theirs = {n: amounts for n, amounts in sorted(theirs.items()) if amounts}
    if not theirs:
        return []
    numbers = ", ".join(theirs)
    count = len(earlier) + sum(len(a) for a in theirs.values())
    used = sum(earlier) + sum(sum(a) for a in theirs.values())
    last = end - timedelta(days=1)
    vi_same = f"cùng số CCCD đã đăng ký là đoàn viên {numbers}: người này đã nhận"
    en_same = f"the same citizen ID is registered as member {numbers}: this person has had"
    problems: list[Problem] = []
    if "over_count" not in found and rule.max_count is not None and count + 1 > rule.max_count:
        problems.append(
            problem(
                "body.member",
                "over_count",
                f"{vi_same} {count} lần {body.kind.label_vi} trong kỳ "
                f"{start:%d/%m/%Y}–{last:%d/%m/%Y}; tối đa {rule.max_count} lần một người",
                f"{en_same} {count} {body.kind.label_en} payout(s) in {start} to {last}; at most "
                f"{rule.max_count} per person",
            )
        )
    total = used + body.amount
    if (
        "over_period_cap" not in found
        and rule.per_year_cap is not None
        and total > rule.per_year_cap
    ):
        problems.append(
            problem(
                "body.member",
                "over_period_cap",
                f"{vi_same} {format_dong(used)} {body.kind.label_vi} trong kỳ "
                f"{start:%d/%m/%Y}–{last:%d/%m/%Y}; tổng {format_dong(total)} vượt mức tối đa "
                f"trong kỳ {format_dong(rule.per_year_cap)} của một người",
                f"{en_same} {format_dong(used)} of {body.kind.label_en} in {start} to {last}; "
                f"the total {format_dong(total)} is over the period cap "
                f"{format_dong(rule.per_year_cap)} per person",
            )
        )
    return problems


def check_loan(
    member: Member, body: LoanDisburseBody, *, policy: Policy | None, on: date, unit: str
) -> list[Problem]:
    """Every reason the union's rules refuse this loan disbursement (empty: allowed).

    A loan goes to an active member of the lending unit (never overridable), under the
    policy's `loan` rule: its per-disbursement cap, its count and its period cap over the
    member's unreversed disbursements in the counting window. Where the rule requires a
    reason, the loan's purpose is given as the sealed personal field `reason`; a chair may
    override its absence, as for a payout.
    """
    here = member.unit_on(on)
    if here != unit:
        return [
            problem(
                "body.member",
                "not_active_member",
                f"{member.number} không phải đoàn viên đang sinh hoạt tại {unit} vào ngày "
                f"{on:%d/%m/%Y}; chỉ cho đoàn viên của đơn vị vay",
                f"{member.number} is not an active member of {unit} on {on.isoformat()}; "
                "loans go to active members of the lending unit",
            )
        ]
    if policy is None:
        return [
            problem(
                "unit",
                "no_policy",
                "đơn vị chưa có quy chế chi tiêu nội bộ",
                "no spending policy is in force for this unit",
            )
        ]
    rule = policy.rule(WelfareKind.loan)
    if rule is None:
        return [
            problem(
                "body",
                "kind_not_allowed",
                f"quy chế {policy.version} không có khoản {WelfareKind.loan.label_vi}",
                f"policy {policy.version} does not allow loans",
            )
        ]
    problems: list[Problem] = []
    if rule.requires_reason and body.personal.reason is None:
        problems.append(
            problem(
                "body.personal.reason",
                "reason_required",
                "cần ghi mục đích vay",
                "the loan's purpose (reason) is required",
            )
        )
    start, end = count_window(rule.count_period, on)
    earlier = [m["amount"] for m in member.counted_loans(start=start, end=end)]
    counted = _Counted("body.loan", "đã giải ngân", "khoản vay", "khoản")
    return problems + _limits(rule, body.amount, earlier, (start, end), counted, "loan(s)")


@dataclass(frozen=True)
class _Counted:
    """How the count limit names what it counts: "đã chi 2 lần Thăm hỏi; tối đa 2 lần"."""

    field: str  # where an excess count is reported
    verb_vi: str
    noun_vi: str
    unit_vi: str


def _limits(
    rule: WelfareRule,
    amount: int,
    earlier: list[int],
    window: tuple[date, date],
    counted: _Counted,
    noun_en: str,
) -> list[Problem]:
    """A rule's cap per payment, count and period cap, given the amounts already counted in
    the window: what a payout of a kind and a loan disbursement are both held to."""
    problems: list[Problem] = []
    if rule.per_payout_cap is not None and amount > rule.per_payout_cap:
        problems.append(
            problem(
                "body.amount",
                "over_payout_cap",
                f"{format_dong(amount)} vượt mức tối đa mỗi lần {format_dong(rule.per_payout_cap)}",
                f"{format_dong(amount)} is over the per-payout cap {format_dong(rule.per_payout_cap)}",
            )
        )
    start, last = window[0], window[1] - timedelta(days=1)  # the window is [start, end)
    if rule.max_count is not None and len(earlier) + 1 > rule.max_count:
        problems.append(
            problem(
                counted.field,
                "over_count",
                f"{counted.verb_vi} {len(earlier)} {counted.noun_vi} trong kỳ "
                f"{start:%d/%m/%Y}–{last:%d/%m/%Y}; tối đa "
                f"{rule.max_count} {counted.unit_vi}",
                f"{len(earlier)} {noun_en} already in {start} to {last}; at most {rule.max_count}",
            )
        )
    used = sum(earlier)
    if rule.per_year_cap is not None and used + amount > rule.per_year_cap:
        problems.append(
            problem(
                "body.amount",
                "over_period_cap",
                f"tổng {format_dong(used + amount)} vượt mức tối đa trong kỳ "
                f"{format_dong(rule.per_year_cap)} (đã dùng {format_dong(used)})",
                f"the total {format_dong(used + amount)} is over the period cap "
                f"{format_dong(rule.per_year_cap)} ({format_dong(used)} used)",
            )
        )
    return problems


def _fold(text: str) -> str:
    """Lower case, without tone marks (đ as d), spaces collapsed: "Tết BÍNH  Ngọ" → "tet binh ngo"."""
    return " ".join(fold(unicodedata.normalize("NFKC", text)).split())


# Each of the 60 can chi names, folded, and its place in the cycle (year % 60); one pattern
# finds them all (folded names are still distinct: a stem pairs only with branches of its
# parity, so Giáp Tý and Ất Tỵ stay apart without tone marks).
_CAN_CHI = {_fold(can_chi(y)): y % 60 for y in range(2000, 2060)}
_CAN_CHI_NAMES = re.compile(
    r"\b(" + "|".join(re.escape(n) for n in sorted(_CAN_CHI, key=len, reverse=True)) + r")\b"
)


def _check_tet_occasion(body: PayoutBody, on: date) -> list[Problem]:
    """A Tết support whose occasion names another Tết than the one its date is counted in
    ("Tết Bính Ngọ" recorded in November 2026, which counts in Tết Đinh Mùi 2027's year): it
    used up the member's one Tết of the wrong year, and the real one was then refused. The
    year is named by its can chi (tone marks optional) or as a number."""
    if body.kind != WelfareKind.tet_support or not body.occasion:
        return []
    try:
        year = tet_year(on)
    except ValueError:
        return []  # a date outside the Tết calendar is refused elsewhere
    text = _fold(body.occasion)
    named = {int(y) for y in re.findall(r"(?<!\d)(20[0-6]\d)(?!\d)", text)}
    for name in _CAN_CHI_NAMES.findall(text):  # a can chi name repeats every 60 years:
        named.add(year - 30 + (_CAN_CHI[name] - (year - 30)) % 60)  # the one nearest `year`
    other = sorted(named - {year})
    if not other:
        return []
    said = ", ".join(f"{can_chi(y)} {y}" for y in other)
    return [
        problem(
            "body.occasion",
            "occasion_other_tet",
            f"dịp chi nêu Tết {said} nhưng ngày hiệu lực {on:%d/%m/%Y} được tính vào Tết "
            f"{can_chi(year)} {year}: sửa ngày (--date) hoặc dịp chi",
            f"the occasion names Tết {said} but the effective date {on.isoformat()} counts in "
            f"Tết {can_chi(year)} {year}: correct the date (--date) or the occasion",
        )
    ]


def _check_form(body: PayoutBody) -> list[Problem]:
    if body.form == "in_kind":
        if body.in_kind is None:
            return [
                problem(
                    "body.in_kind",
                    "in_kind_missing",
                    "thiếu chi tiết hiện vật",
                    "an in-kind payout needs item, quantity, unit cost and supplier",
                )
            ]
        total = body.in_kind.quantity * body.in_kind.unit_cost
        if total != body.amount:
            return [
                problem(
                    "body.amount",
                    "in_kind_total",
                    f"số tiền {format_dong(body.amount)} khác số lượng × đơn giá {format_dong(total)}",
                    f"the amount {format_dong(body.amount)} differs from quantity × unit cost "
                    f"{format_dong(total)}",
                )
            ]
    elif body.in_kind is not None:
        return [
            problem(
                "body.in_kind",
                "in_kind_with_cash",
                "khoản chi tiền mặt không có hiện vật",
                "a cash payout cannot list in-kind goods",
            )
        ]
    return []


# A dues line declaring less than 1/100 of the member's registered salary basis is refused: no
# social-insurance salary falls a hundredfold, while a payroll exported in thousands of đồng
# (6.000 for 6.000.000) does exactly that, and would be collected and reported as typed.
# Declaring less than the registered salary by less than that is allowed, and `compliance`
# counts it as under-declaration.
IMPLAUSIBLE_SALARY_DROP = 100


def check_salary_basis(where: str, number: str, declared: int, member: Member) -> Problem | None:
    """The thousands-of-đồng slip in a dues line (`where` is the line's field path)."""
    registered = member.salary_basis
    if declared * IMPLAUSIBLE_SALARY_DROP >= registered:
        return None
    return problem(
        f"{where}.salary_basis",
        "salary_basis_implausible",
        f"lương đóng BHXH của {number} là {format_dong(declared)}, chưa bằng 1/100 mức đã đăng "
        f"ký ({format_dong(registered)}): bảng lương có tính bằng nghìn đồng không? Nếu lương "
        "thật sự thay đổi, hãy cập nhật lương của đoàn viên trước",
        f"the salary basis of {number} is {format_dong(declared)}, under 1/100 of the "
        f"registered {format_dong(registered)}: is the payroll in thousands of đồng? If the "
        "salary really changed, update the member's salary first",
    )
