"""Rules 2, 4 and 5: how often, how much, and how a payment was cut up.

Invariants:
- Counts, caps and the approval threshold are those of the policy in force on each payout's
  date for its unit (the union's own rules: what it may pay), per beneficiary (the member,
  or one relative) over the rule's counting window, exactly as the write-time checks
  (`ledger.domain.rules`) count them: paid, unreversed payouts. A relative the member
  declared again under another code with the same citizen ID is the same beneficiary
  (`Payout.beneficiary`): a second code restarts no limit.
- Rule 2 also finds one occasion paid twice within the count: the same kind, beneficiary and
  occasion (its text, compared without case, spacing, Unicode form or invisible characters)
  within `detection.repeat_window_days`; that window and `split_window_days` (rule 5) are
  the inspecting level's (`Facts.judged`), never the union's own. A member sick twice is
  paid for two occasions. An occasion text that is only a kind's generic label (the
  catalogue's labels and `ledger.domain.occasions.USUAL_GENERIC`, compared without tone marks or punctuation:
  "Thăm ốm", "Trợ cấp khó khăn") names no occasion: for a kind with a count it is not
  compared (the count still applies), nor across kinds; for a kind without one it is, as
  the text is then all rule 2 has. One occasion in other words (`reworded`: the same
  numbers, and two thirds of the shorter text's words but a voucher's fillers) within
  `repeat_window_days`, one kind, is a repeat too: medium, the inspector reads the vouchers.
  A union whose policy pays one occasion in instalments (`WelfareRule.max_per_occasion`,
  Tết support in two đợt) may pay that many for one occasion: only the payouts beyond them
  are repeats (graded as above). A bereavement stays once per person whatever it says.
- One occasion (folded as above) paid to one beneficiary under two different one-event kinds
  (`_ONE_EVENT`: sickness visit, serious illness, work accident, sudden hardship, other
  welfare) within `repeat_window_days` is one hospital stay or accident on several vouchers:
  medium (a union may pay a visit and a serious-illness support for one illness; inspectors
  read them together), high when one kind is also paid twice; the later payouts are at stake.
- A bereavement is once per beneficiary, ever (a person dies once): every bereavement for one
  (member, beneficiary) after the first is a repeat, at any distance and whatever its
  occasion text says. For a deceased member this is what reports a second bereavement within
  the death grace (rule 1 admits every bereavement in the grace and leaves it to rule 2).
- Rule 4 reports every chair's override (low severity: allowed, but inspectors see them all)
  and, at high severity, any cap exceeded without an override (a policy adopted later
  with an earlier effective date makes earlier payouts exceed it).
- Rule 5 sums payouts that each stayed at or under the approval threshold without a chair's
  signature and may be the pieces of one payment: to one beneficiary (the member, or one
  relative), of one kind or of the one-event kinds together within `split_window_days` of
  the first, or for one occasion (not a generic one) within `repeat_window_days` of the
  first. Together over the threshold is a payment split to avoid the chair's second
  signature. Unrelated kinds (a poor member's Tết support, a sudden hardship and a child's
  gift in one week) are not added up; one occasion cut in pieces a week apart is, since the
  occasion says it is one payment.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import timedelta
from functools import lru_cache

from audit.rules.base import DetectedFinding, make
from audit.rules.facts import Facts, Payout
from audit.rules.membership import _window, kind_en, kind_vi, loan_evidence, payout_evidence
from ledger.domain.catalogue import NON_CASH_WELFARE, WelfareKind
from ledger.domain.money import format_dong
from ledger.domain.occasions import generic_occasion, occasion_key
from ledger.domain.occasions import plain_occasion as _plain
from ledger.domain.policy import Policy

# A person dies once: a second bereavement for one beneficiary (the member, or one declared
# relative) is the same death paid again, however far apart and whatever the occasion says.
_ONCE_EVER = frozenset({WelfareKind.bereavement.value})
# Kinds that answer one event in one person's life (an illness, an accident, a sudden loss):
# one hospital stay can be paid under any of them, so one occasion under two of them is one
# occasion paid twice (rule 2). `other_welfare` is the catch-all such a payment hides in.
_ONE_EVENT = frozenset(
    k.value
    for k in (
        WelfareKind.sickness_visit,
        WelfareKind.serious_illness,
        WelfareKind.work_accident,
        WelfareKind.hardship_sudden,
        WelfareKind.other_welfare,
    )
)
_NOT_PAID_OUT = frozenset(k.value for k in NON_CASH_WELFARE)
OVERRIDE_VI = {
    "over_payout_cap": "vượt mức mỗi lần",
    "over_period_cap": "vượt mức trong kỳ",
    "over_count": "vượt số lần",
    "over_per_occasion": "vượt số đợt một dịp",
    "kind_not_allowed": "khoản không có trong quy chế",
    "relative_not_eligible": "thân nhân không thuộc diện",
    "reason_required": "thiếu lý do",
}
OVERRIDE_EN = {
    "over_payout_cap": "over the per-payout cap",
    "over_period_cap": "over the period cap",
    "over_count": "over the count",
    "over_per_occasion": "over the payouts per occasion",
    "kind_not_allowed": "a kind the policy does not have",
    "relative_not_eligible": "a relative not eligible",
    "reason_required": "no reason given",
}


# Words a voucher adds around the occasion itself ("hỗ trợ", "thăm hỏi", "bổ sung", "đợt"),
# compared without tone marks: what is left names the occasion (rule 2's reworded repeats).
_FILLER = frozenset(
    [
        "ho",
        "tro",
        "tham",
        "hoi",
        "om",
        "dau",
        "cap",
        "kho",
        "khan",
        "qua",
        "tang",
        "chi",
        "tien",
        "dip",
        "bo",
        "sung",
        "lan",
        "dot",
        "thang",
        "ngay",
    ]
)
_NUMBER = re.compile(r"\d+")


@lru_cache(maxsize=65_536)
def _gist(text: str) -> tuple[frozenset[str], frozenset[int]]:
    """The words (without tone marks and `_FILLER`) and the numbers of an occasion text."""
    plain = _plain(text)
    numbers = frozenset(int(n) for n in _NUMBER.findall(plain))
    words = frozenset(w for w in re.sub(r"\d+", " ", plain).split() if w not in _FILLER)
    return words, numbers


def reworded(a: str, b: str) -> bool:
    """Whether two occasion texts name one occasion in other words: the same numbers (a
    date, a month, an instalment: "đợt 1" and "đợt 2" are two), and at least two of the
    shorter text's words, two thirds of them, in the other ("Nằm viện Chợ Rẫy tháng 3",
    "Hỗ trợ nằm viện BV Chợ Rẫy T3"); texts of numbers only, the same numbers ("Thăm ốm
    03/04", "thăm hỏi ốm đau 3/4")."""
    wa, na = _gist(a)
    wb, nb = _gist(b)
    if na != nb:
        return False
    if not wa and not wb:
        return bool(na)
    shared = len(wa & wb)
    return shared >= 2 and 3 * shared >= 2 * min(len(wa), len(wb))


class _Links:
    """Union-find over payouts: overlapping suspicious sets become one finding."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.reasons: dict[str, set[str]] = defaultdict(set)

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def link(self, items: list[Payout], reason: str) -> None:
        root = self.find(items[0].event_id)
        for p in items[1:]:
            other = self.find(p.event_id)
            if other != root:
                self.parent[other] = root
                self.reasons[root] |= self.reasons.pop(other, set())
        self.reasons[root].add(reason)

    def groups(self, payouts: dict[str, Payout]) -> list[tuple[list[Payout], set[str]]]:
        members: dict[str, list[Payout]] = defaultdict(list)
        for event_id in self.parent:
            members[self.find(event_id)].append(payouts[event_id])
        return [
            (sorted(items, key=lambda p: (p.on, p.recorded_at)), self.reasons[root])
            for root, items in members.items()
            if len(items) > 1
        ]


def _by_beneficiary(facts: Facts) -> dict[tuple[str, str, str], list[Payout]]:
    return facts.payouts_by_beneficiary()


def _per_person(facts: Facts) -> dict[tuple[str, str], list[Payout]]:
    """Counted payouts per (member, beneficiary), every kind together, oldest first."""
    out: dict[tuple[str, str], list[Payout]] = defaultdict(list)
    for items in facts.payouts_by_member().values():
        for p in items:
            out[(p.member, p.beneficiary)].append(p)
    return out


def _repeat_days(facts: Facts, p: Payout) -> int:
    judged = facts.judged(p.unit, p.on)
    return judged.detection.repeat_window_days if judged is not None else 31


def repeated_benefit(facts: Facts) -> list[DetectedFinding]:
    """Rule 2: one benefit more often than allowed, or one occasion paid twice."""
    out = []
    for (member, beneficiary), items in _per_person(facts).items():
        if len(items) < 2:
            continue
        links = _Links()
        # The payouts that are too many: those after the allowed count in their window, the
        # later ones of an occasion paid twice, every bereavement after the first (not
        # every payout after the first).
        extra: set[str] = set()
        by_kind: dict[str, list[Payout]] = defaultdict(list)
        for p in items:
            by_kind[p.kind].append(p)
        for kind, ps in by_kind.items():
            if len(ps) < 2:
                continue
            _too_often(facts, kind, ps, links, extra)
            if kind in _ONCE_EVER:
                links.link(ps, "once")
                extra |= {p.event_id for p in ps[1:]}
            _one_occasion(facts, ps, links, extra)
        _one_occasion_across_kinds(facts, items, links, extra)
        payouts = {p.event_id: p for p in items}
        for group, reasons in links.groups(payouts):
            out.append(_repeated(facts, member, beneficiary, group, reasons, extra))
    return out


def _too_often(facts: Facts, kind: str, ps: list[Payout], links: _Links, extra: set[str]) -> None:
    """More payouts of `kind` in a counting window than the policy allows."""
    windows: dict[str, tuple[int | None, list[Payout]]] = {}
    for p in ps:
        window, count = facts.window(p)
        windows.setdefault(window.label, (count, []))[1].append(p)
    for label, (limit, in_window) in windows.items():
        if limit is not None and len(in_window) > limit:
            links.link(in_window, f"count:{kind}:{label}:{limit}")
            extra |= {p.event_id for p in in_window[limit:]}


def _per_occasion(facts: Facts, p: Payout) -> int:
    """How many payouts of `p`'s kind one beneficiary may get for one occasion, by the
    union's policy in force on its date (`WelfareRule.max_per_occasion`: its instalments)."""
    policy = facts.policy(p.unit, p.on)
    try:
        rule = policy.rule(WelfareKind(p.kind)) if policy is not None else None
    except ValueError:
        rule = None
    return rule.per_occasion if rule is not None else 1


def _one_occasion(facts: Facts, ps: list[Payout], links: _Links, extra: set[str]) -> None:
    """Payouts of one kind for one occasion within `repeat_window_days`, beyond the
    instalments the union's policy allows for one occasion (`_per_occasion`, one unless it
    says more). A kind with a count is not compared on a generic occasion text: two "Thăm
    ốm" are two visits, counted."""
    by_occasion: dict[str, list[Payout]] = {}
    for p in ps:
        by_occasion.setdefault(occasion_key(p.occasion), []).append(p)
    for same in by_occasion.values():
        if generic_occasion(same[0].occasion) and facts.window(same[0])[1] is not None:
            continue
        for j, second in enumerate(same[1:], start=1):
            earlier = [
                first
                for first in same[:j]
                if (second.on - first.on).days <= _repeat_days(facts, first)
            ]
            if len(earlier) >= _per_occasion(facts, second):
                for first in earlier:
                    links.link([first, second], "occasion")
                extra.add(second.event_id)
    # the same occasion in other words ("Viếng cha đẻ" again as "Phúng viếng cha đẻ (bổ sung)")
    named = [p for p in ps if not generic_occasion(p.occasion)]
    for j, second in enumerate(named[1:], start=1):
        key = occasion_key(second.occasion)
        earlier = [
            first
            for first in named[:j]
            if (second.on - first.on).days <= _repeat_days(facts, first)
            and (occasion_key(first.occasion) == key or reworded(first.occasion, second.occasion))
        ]
        other_words = [first for first in earlier if occasion_key(first.occasion) != key]
        if other_words and len(earlier) >= _per_occasion(facts, second):
            for first in other_words:
                links.link([first, second], "reworded")
            extra.add(second.event_id)


def _one_occasion_across_kinds(
    facts: Facts, items: list[Payout], links: _Links, extra: set[str]
) -> None:
    """One occasion paid under two one-event kinds within `repeat_window_days` (one stay as
    a sickness visit, a serious illness and a sudden hardship)."""
    by_occasion: dict[str, list[Payout]] = {}
    for p in items:
        if p.kind in _ONE_EVENT and not generic_occasion(p.occasion):
            by_occasion.setdefault(occasion_key(p.occasion), []).append(p)
    for same in by_occasion.values():
        for i, first in enumerate(same[:-1]):
            days = _repeat_days(facts, first)
            for second in same[i + 1 :]:
                if (second.on - first.on).days > days:
                    break
                if second.kind != first.kind:
                    links.link([first, second], "kinds")
                    extra.add(second.event_id)


def _repeated(
    facts: Facts,
    member: str,
    beneficiary: str,
    group: list[Payout],
    reasons: set[str],
    extra: set[str],
) -> DetectedFinding:
    over = [p for p in group if p.event_id in extra] or group[1:]
    excess = sum(p.amount for p in over)
    who = who_en = member if beneficiary == "self" else f"{member}/{beneficiary}"
    again = sorted({p.relative for p in group if p.relative and p.relative != beneficiary})
    if again:  # one person declared under several codes with one citizen ID
        who = f"{who} (khai báo lần nữa là {', '.join(again)})"
        who_en = f"{who_en} (also declared as {', '.join(again)})"
    kind = group[0].kind
    counts = sorted(r for r in reasons if r.startswith("count:"))
    period: str | None = None
    if counts:
        _tag, kind, label, limit = counts[0].split(":")
        counted = [p for p in group if p.kind == kind]
        window = _window(facts, counted[0])[0]
        vi = (
            f"{who} nhận {kind_vi(kind)} {len(counted)} lần trong {window.phrase_vi}, quy "
            f"chế cho phép tối đa {limit} lần (thừa {format_dong(excess)})."
        )
        en = (
            f"{who_en} received {kind_en(kind)} {len(counted)} times in {window.phrase_en}; the policy "
            f"allows at most "
            f"{limit} ({format_dong(excess)} too much)."
        )
        period = label
    elif "once" in reasons:
        vi = (
            f"{who} nhận {kind_vi(kind)} {len(group)} lần "
            f"({group[0].on:%d/%m/%Y}–{group[-1].on:%d/%m/%Y}): một người chỉ mất một lần, "
            f"thừa {format_dong(excess)}."
        )
        en = (
            f"{who_en} was paid {kind_en(kind)} {len(group)} times ({group[0].on:%d/%m/%Y} to {group[-1].on:%d/%m/%Y}): a "
            f"person dies once; {format_dong(excess)} too much."
        )
    elif reasons == {"kinds"}:
        kinds = list(dict.fromkeys(p.kind for p in group))
        vi = (
            f"{who} nhận {len(group)} khoản ({', '.join(kind_vi(k) for k in kinds)}) cho cùng "
            f"một dịp «{group[0].occasion}» ({group[0].on:%d/%m}–{group[-1].on:%d/%m/%Y}): "
            f"một dịp được chi dưới nhiều khoản, thêm {format_dong(excess)}."
        )
        en = (
            f"{who_en} was paid {len(group)} times under {', '.join(kind_en(k) for k in kinds)} for one occasion "
            f"«{group[0].occasion}» ({group[0].on:%d/%m/%Y} to {group[-1].on:%d/%m/%Y}): one occasion paid under "
            f"several kinds, {format_dong(excess)} after the first."
        )
    elif reasons == {"reworded"}:
        texts = list(dict.fromkeys(p.occasion for p in group))
        vi = (
            f"{who} nhận {kind_vi(kind)} {len(group)} lần "
            f"({group[0].on:%d/%m}–{group[-1].on:%d/%m/%Y}) cho những dịp ghi khác lời nhưng "
            f"như một: {', '.join(f'«{t}»' for t in texts)}; thêm {format_dong(excess)}."
        )
        en = (
            f"{who_en} was paid {kind_en(kind)} {len(group)} times ({group[0].on:%d/%m/%Y} to {group[-1].on:%d/%m/%Y}) for "
            f"what reads as one occasion in other words: {', '.join(f'«{t}»' for t in texts)}; "
            f"{format_dong(excess)} after the first."
        )
    else:
        vi = (
            f"{who} nhận {kind_vi(kind)} {len(group)} lần cho cùng một dịp "
            f"«{group[0].occasion}» ({group[0].on:%d/%m}–{group[-1].on:%d/%m/%Y}), "
            f"thừa {format_dong(excess)}."
        )
        en = (
            f"{who_en} was paid {kind_en(kind)} {len(group)} times for one occasion "
            f"«{group[0].occasion}» ({group[0].on:%d/%m/%Y} to {group[-1].on:%d/%m/%Y}), {format_dong(excess)} too much."
        )
    return make(
        "repeated_benefit",
        # Across kinds an inspector reads the vouchers together (a union may pay a visit and
        # a serious-illness support for one illness); within one kind it is paid twice.
        # Texts that only read alike are medium too: the inspector reads the vouchers.
        "medium" if reasons <= {"kinds", "reworded"} else "high",
        unit=group[-1].unit,
        people=[member, *(p.recorder for p in group)],
        amount=excess,
        vi=vi,
        en=en,
        evidence=[payout_evidence(p) for p in group],
        period=period,
        stakes={p.event_id: p.amount for p in over},
    )


def _loan_overrides(facts: Facts) -> list[DetectedFinding]:
    out = []
    for m in facts.movements.values():
        if m.type != "loan.disburse" or m.reversed or not m.overridden or m.member is None:
            continue
        codes = ", ".join(OVERRIDE_VI.get(c, c) for c in m.overridden)
        chair = ", ".join(m.cosigners) or "—"
        codes_en = ", ".join(OVERRIDE_EN.get(c, c) for c in m.overridden)
        evidence = loan_evidence(
            m, f"khoản vay {m.key} vượt quy chế: {codes}", f"loan {m.key} overrode: {codes_en}"
        )
        out.append(
            make(
                "over_cap",
                "low",
                unit=m.unit,
                people=evidence.people,
                amount=m.amount,
                vi=f"Chủ tịch ({chair}) cho vay vượt quy chế ({codes}) {format_dong(m.amount)} "
                f"cho {m.member}: «{m.justification or ''}».",
                en=f"The chair ({chair}) overrode the policy ({codes_en}) to lend "
                f"{m.member} {format_dong(m.amount)}: «{m.justification or ''}».",
                evidence=[evidence],
            )
        )
    return out


_CAP_CODES = frozenset({"over_payout_cap", "over_period_cap"})


def _override_terms(facts: Facts, p: Payout) -> tuple[int, list[str], list[str]]:
    """What a chair's override of payout `p` let past the policy (the money at stake) and its
    codes in words, a cap with its amount: only the part above a cap when only caps were
    exceeded (a payout of 1.500.000 đ over a 1.000.000 đ cap: 500.000 đ), all of it when a
    count, an occasion's instalments, the kind or the beneficiary was not allowed."""
    policy = facts.policy(p.unit, p.on)
    rule = policy.welfare.get(p.kind) if policy is not None else None  # type: ignore[call-overload]
    vi: list[str] = []
    en: list[str] = []
    beyond: list[int] = []
    for code in p.overridden:
        cap = None
        if rule is not None and code == "over_payout_cap":
            cap = rule.per_payout_cap
            if cap is not None:
                beyond.append(p.amount - cap)
        elif rule is not None and code == "over_period_cap":
            cap = rule.per_year_cap
            if cap is not None:
                window = _window(facts, p)[0].label
                before = sum(
                    x.amount
                    for x in facts.payouts_by_beneficiary().get(
                        (p.member, p.beneficiary, p.kind), []
                    )
                    if x is not p
                    and (x.on, x.seq) < (p.on, p.seq)
                    and _window(facts, x)[0].label == window
                )
                beyond.append(min(p.amount, before + p.amount - cap))
        vi.append(OVERRIDE_VI.get(code, code) + (f" {format_dong(cap)}" if cap is not None else ""))
        en.append(
            OVERRIDE_EN.get(code, code) + (f" of {format_dong(cap)}" if cap is not None else "")
        )
    capped_only = bool(p.overridden) and set(p.overridden) <= _CAP_CODES
    if capped_only and len(beyond) == len(p.overridden):
        return max(0, min(p.amount, max(beyond))), vi, en
    return p.amount, vi, en


def over_cap(facts: Facts) -> list[DetectedFinding]:
    """Rule 4: every override (of a payout or a loan), and any cap exceeded without one."""
    out = _loan_overrides(facts)
    for p in facts.counted_payouts():
        if p.overridden:
            stake, words_vi, words_en = _override_terms(facts, p)
            codes = ", ".join(OVERRIDE_VI.get(c, c) for c in p.overridden)
            codes_en = ", ".join(OVERRIDE_EN.get(c, c) for c in p.overridden)
            chair = ", ".join(p.approvers) or "—"
            part_vi = f", vượt {format_dong(stake)}" if stake < p.amount else ""
            part_en = f", {format_dong(stake)} beyond it" if stake < p.amount else ""
            out.append(
                make(
                    "over_cap",
                    "low",
                    unit=p.unit,
                    people=[p.member, p.recorder, *p.approvers],
                    amount=stake,
                    stakes={p.event_id: stake},
                    vi=f"Chủ tịch ({chair}) cho chi vượt quy chế ({', '.join(words_vi)}) "
                    f"{format_dong(p.amount)} {kind_vi(p.kind)} cho {p.member}{part_vi}: "
                    f"«{p.justification or ''}».",
                    en=f"The chair ({chair}) overrode the policy ({', '.join(words_en)}) to pay "
                    f"{p.member} {format_dong(p.amount)} of {kind_en(p.kind)}{part_en}: "
                    f"«{p.justification or ''}».",
                    evidence=[
                        payout_evidence(
                            p,
                            f"vượt quy chế: {codes}",
                            f"overrode: {codes_en}",
                        )
                    ],
                )
            )
            continue
        policy = facts.policy(p.unit, p.on)
        if policy is None or p.kind in _NOT_PAID_OUT:
            continue
        rule = policy.welfare.get(p.kind)  # type: ignore[call-overload]
        if rule is None:
            out.append(
                make(
                    "over_cap",
                    "high",
                    unit=p.unit,
                    people=[p.member, p.recorder],
                    amount=p.amount,
                    vi=f"Khoản {kind_vi(p.kind)} {format_dong(p.amount)} cho {p.member} không có "
                    f"trong quy chế {policy.version} mà không có quyết định vượt quy chế.",
                    en=f"{kind_en(p.kind)} of {format_dong(p.amount)} to {p.member} is not allowed by policy "
                    f"{policy.version} and was not overridden.",
                    evidence=[payout_evidence(p)],
                )
            )
        elif rule.per_payout_cap is not None and p.amount > rule.per_payout_cap:
            out.append(
                make(
                    "over_cap",
                    "high",
                    unit=p.unit,
                    people=[p.member, p.recorder],
                    amount=p.amount - rule.per_payout_cap,
                    stakes={p.event_id: p.amount - rule.per_payout_cap},
                    vi=f"{format_dong(p.amount)} {kind_vi(p.kind)} cho {p.member} vượt mức tối đa "
                    f"mỗi lần {format_dong(rule.per_payout_cap)} của quy chế {policy.version}.",
                    en=f"{format_dong(p.amount)} of {kind_en(p.kind)} to {p.member} is over the per-payout cap "
                    f"{format_dong(rule.per_payout_cap)} of policy {policy.version}.",
                    evidence=[payout_evidence(p)],
                )
            )
    out += _period_caps(facts)
    return out


def _period_caps(facts: Facts) -> list[DetectedFinding]:
    capped = {
        kind.value
        for book in facts.books.values()
        for policy in book.versions
        for kind, rule in policy.welfare.items()
        if rule.per_year_cap is not None
    }
    out = []
    for (member, _beneficiary, kind), items in _by_beneficiary(facts).items():
        if kind not in capped:
            continue
        windows: dict[str, list[Payout]] = defaultdict(list)
        for p in items:
            windows[_window(facts, p)[0].label].append(p)
        for label, ps in windows.items():
            policy = facts.policy(ps[0].unit, ps[0].on)
            window = _window(facts, ps[0])[0]
            rule = policy.rule(WelfareKind(kind)) if policy is not None else None
            if rule is None or rule.per_year_cap is None:
                continue
            used = 0
            for i, p in enumerate(ps):
                used += p.amount
                if used <= rule.per_year_cap:
                    continue
                if not p.overridden:  # an override is reported on its own above
                    total = sum(x.amount for x in ps)
                    out.append(
                        make(
                            "over_cap",
                            "high",
                            unit=p.unit,
                            people=[member, *(x.recorder for x in ps)],
                            amount=total - rule.per_year_cap,
                            vi=f"{member} nhận {kind_vi(kind)} tổng {format_dong(total)} trong "
                            f"{window.phrase_vi}, vượt mức tối đa {format_dong(rule.per_year_cap)}.",
                            en=f"{member} received {format_dong(total)} of {kind_en(kind)} in "
                            f"{window.phrase_en}, over the "
                            f"period cap {format_dong(rule.per_year_cap)}.",
                            evidence=[payout_evidence(x) for x in ps[: i + 1]],
                            period=label,
                            stakes=_over(ps, rule.per_year_cap),
                        )
                    )
                break
    return out


def _over(payouts: list[Payout], cap: int) -> dict[str, int]:
    """The money over a period cap, payout by payout: what the latest ones added past it."""
    out: dict[str, int] = {}
    used = 0
    for p in payouts:
        over = min(p.amount, used + p.amount - cap)
        if over > 0:
            out[p.event_id] = over
        used += p.amount
    return out


def split_payment(facts: Facts) -> list[DetectedFinding]:
    """Rule 5: payouts each under the approval threshold that together exceed it."""
    out = []
    for member, items in facts.payouts_by_member().items():
        small = []
        for p in items:
            policy = facts.policy(p.unit, p.on)
            if policy is None or p.kind in _NOT_PAID_OUT:
                continue
            if not policy.needs_second_signature(p.amount) and not p.approvers:
                small.append((p, policy))
        if len(small) < 2 or sum(p.amount for p, _ in small) <= min(
            policy.approval_threshold for _, policy in small
        ):
            continue  # not enough money in the whole year to split anything
        links = _Links()
        for pieces, long in _pieces(small):
            _link_splits(facts, pieces, long, links)
        payouts = {p.event_id: p for p, _ in small}
        for group, _reasons in links.groups(payouts):
            policy = facts.policy(group[0].unit, group[0].on)
            assert policy is not None
            total = sum(p.amount for p in group)
            days = (group[-1].on - group[0].on).days + 1
            threshold = policy.approval_threshold
            who = member if group[0].relative is None else f"{member}/{group[0].relative}"
            out.append(
                make(
                    "split_payment",
                    "medium",
                    unit=group[0].unit,
                    people=[member, *(p.recorder for p in group)],
                    amount=total,
                    vi=f"{len(group)} khoản chi cho {who} trong {days} ngày, mỗi khoản không quá "
                    f"ngưỡng duyệt {format_dong(threshold)} nhưng cộng lại {format_dong(total)}: "
                    "có dấu hiệu chia nhỏ để tránh chữ ký của Chủ tịch.",
                    en=f"{len(group)} payouts to {who} within {days} days, each at most the "
                    f"approval threshold {format_dong(threshold)} but {format_dong(total)} together: split to avoid "
                    "the chair's signature.",
                    evidence=[payout_evidence(p) for p in group],
                )
            )
    return out


def _pieces(
    small: list[tuple[Payout, Policy]],
) -> list[tuple[list[tuple[Payout, Policy]], bool]]:
    """What may be the pieces of one payment, each with whether its window is the long one:
    per beneficiary, the payouts of one kind and those of the one-event kinds (within
    `split_window_days`), and those of one occasion, not a generic one (within
    `repeat_window_days`: one event cut in pieces a week apart is still one event)."""
    groups: dict[tuple[str, ...], list[tuple[Payout, Policy]]] = defaultdict(list)
    for item in small:
        p = item[0]
        groups[(p.beneficiary, "kind", p.kind)].append(item)
        if p.kind in _ONE_EVENT:
            groups[(p.beneficiary, "one event")].append(item)
        if not generic_occasion(p.occasion):
            groups[(p.beneficiary, "occasion", occasion_key(p.occasion))].append(item)
    return [(pieces, key[1] == "occasion") for key, pieces in groups.items() if len(pieces) > 1]


def _link_splits(
    facts: Facts, pieces: list[tuple[Payout, Policy]], long: bool, links: _Links
) -> None:
    """Link the pieces that, within the window from each one, add up over its threshold."""
    for i, (first, policy) in enumerate(pieces):
        judged = facts.judged(first.unit, first.on)
        if long:
            window_days = judged.detection.repeat_window_days if judged is not None else 31
        else:
            window_days = judged.split_window_days if judged is not None else 7
        end = first.on + timedelta(days=window_days)
        window = [first]
        for p, _policy in pieces[i + 1 :]:
            if p.on > end:
                break
            window.append(p)
        if len(window) > 1 and sum(p.amount for p in window) > policy.approval_threshold:
            links.link(window, "split")
