"""Rules 8 and 9: when things were recorded, and corrections that make money disappear.

Invariants:
- Rule 8 judges money records and membership changes (joins, relatives and the organisation
  are registered from historical documents and are not judged). A record is back-dated when
  its effective date is more than the policy's `backdate_days` before the Vietnam date it was
  recorded. A burst is at least `detection.burst_min_records` records by one officer for one
  unit, recorded in the `burst_window_days` days before a monthly report deadline
  (`report_deadline_day`), each dated at least `burst_min_lag_days` before its recording:
  the books filled in just before someone looks. Records in a burst are reported with it.
- Rule 8 also judges policy versions: a version whose effective date is before the Vietnam
  date it was recorded, over money already recorded (records of its unit or a unit below it,
  effective on or after the version's date, recorded before it), is a finding: it re-judges
  those records (caps, counts, the approval threshold are the union's own). High when it
  loosens anything against the version it replaced on that date (a lower target, looser
  category limits, a higher approval threshold or cap, more payouts allowed, a kind newly
  allowed, other detection thresholds); medium when it goes back further than
  `backdate_days`; low otherwise. Its evidence is the adoption and the re-judged records
  (the first and last `_SHOWN`, by effective date), its amount nothing (no money moved; the
  explanation says how many records and how much money it re-judges), and its id is the
  adoption's alone (`finding_id` over that event), so judgments survive a unit move.
- Rule 9: a reversal is matched when a counter-movement exists within
  `detection.reversal_match_days`: the kept twin of a duplicate or the corrected
  re-recording. For a payout: the same member, kind and occasion; or, a mistake about the
  person corrected, a payout of the same kind, occasion and amount recorded after it by the
  same officer for another member of the union, when the reversal's reason names that member
  or it was recorded the day of the reversal, and never when that member is the recording,
  reversing or approving officer's own person, family, household or account (that is
  reported, with the payout recorded again). For a loan movement or the union's own money
  (same unit, type, loan or key, month and member): a re-recording recorded after the
  reversed record, or a twin repeating it exactly (same day, same lines); it records again
  at most its own lines (a dues batch: member by member) and amounts, and it counters one
  reversal only. What it does not record again is a finding: the whole amount when nothing
  matches, the shortfall when a smaller amount was recorded again. An unmatched reversal is
  worse when the officer who reverses it recorded the original. A matched correction by the
  same officer (someone fixing their own duplicate) is ordinary bookkeeping and is not
  reported.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta

from audit.rules.base import DetectedFinding, Evidence, Severity, finding_id, make
from audit.rules.benefits import occasion_key
from audit.rules.facts import Facts, LateRecord, Movement, Payout, PolicyAdoption, Reversal
from audit.rules.membership import kind_en, kind_vi, payout_evidence
from audit.rules.people import LINKS_VI, officer_tie
from ledger.clock import local_date
from ledger.domain.catalogue import IncomeSource, SpendingCategory, WelfareKind
from ledger.domain.money import format_dong
from ledger.domain.periods import month_text
from ledger.domain.policy import Oversight, Policy, PolicyBook, resolve

TYPE_VI = {
    "payout.record": "khoản chi phúc lợi",
    "approval.decide": "phê duyệt",
    "reversal.record": "bút toán đảo",
    "loan.disburse": "giải ngân cho vay",
    "loan.repay": "thu nợ",
    "loan.write_off": "xóa nợ",
    "collection.dues": "thu đoàn phí",
    "collection.union_fee": "thu kinh phí công đoàn",
    "collection.other": "thu khác",
    "expense.record": "khoản chi",
    "remittance.record": "nộp cấp trên",
    "member.leave": "ra khỏi tổ chức",
    "member.death": "báo tử",
    "member.transfer": "chuyển sinh hoạt",
    "member.salary": "thay đổi mức lương đóng",
    "policy.adopt": "quy chế chi tiêu nội bộ",
}
TYPE_EN = {
    "payout.record": "welfare payout",
    "approval.decide": "approval",
    "reversal.record": "reversal",
    "loan.disburse": "loan disbursement",
    "loan.repay": "loan repayment",
    "loan.write_off": "loan write-off",
    "collection.dues": "dues collection",
    "collection.union_fee": "union fee collection",
    "collection.other": "other income",
    "expense.record": "expense",
    "remittance.record": "remittance to the upper level",
    "member.leave": "membership end",
    "member.death": "death report",
    "member.transfer": "member transfer",
    "member.salary": "salary change",
    "policy.adopt": "spending policy",
}


def _deadline(recorded_on: date, day: int) -> date:
    """The first monthly report deadline strictly after `recorded_on`."""
    if recorded_on.day < day:
        return recorded_on.replace(day=day)
    nxt = (recorded_on.replace(day=1) + timedelta(days=32)).replace(day=day)
    return nxt


def _evidence(facts: Facts, r: LateRecord) -> Evidence:
    vi = f"ghi ngày {r.recorded_on:%d/%m/%Y}, trễ {r.lag} ngày"
    en = f"recorded on {r.recorded_on:%d/%m/%Y}, {r.lag} days late"
    payout = facts.payout_by_id.get(r.event_id)
    if payout is not None:
        return payout_evidence(payout, vi, en)
    return Evidence(
        r.event_id,
        r.type,
        r.on,
        r.unit,
        facts.amount_of(r.event_id) or None,
        (r.signer,),
        vi,
        note_en=en,
    )


def _judged_of(facts: Facts, r: LateRecord) -> Oversight | None:
    """What a late record is judged by: the oversight in force on its effective date, else
    (dated before any policy, e.g. decades back) the one in force when it was recorded."""
    return facts.judged(r.unit, r.on) or facts.judged(r.unit, r.recorded_on)


def backdating(facts: Facts) -> list[DetectedFinding]:
    """Rule 8: effective dates far before recording, and bursts before a report deadline."""
    bursts: dict[tuple[str, str, date], list[LateRecord]] = defaultdict(list)
    late: dict[tuple[str, str, date], list[LateRecord]] = defaultdict(list)
    for r in facts.late_records:
        judged = _judged_of(facts, r)
        if judged is None:
            continue
        d = judged.detection
        deadline = _deadline(r.recorded_on, d.report_deadline_day)
        if r.lag >= d.burst_min_lag_days and (deadline - r.recorded_on).days <= d.burst_window_days:
            bursts[(r.unit, r.signer, deadline)].append(r)
        if r.lag > judged.backdate_days:
            late[(r.unit, r.signer, r.recorded_on)].append(r)
    out = []
    in_bursts: set[str] = set()
    for (unit, signer, deadline), items in sorted(bursts.items()):
        judged = _judged_of(facts, items[0])
        assert judged is not None
        if len(items) < judged.detection.burst_min_records:
            continue
        in_bursts |= {r.event_id for r in items}
        total = sum(facts.amount_of(r.event_id) for r in items)
        first = min(r.recorded_on for r in items)
        oldest = min(r.on for r in items)
        out.append(
            make(
                "backdating",
                "medium",
                unit=unit,
                people=[signer],
                amount=total,
                vi=f"{signer} ghi dồn {len(items)} bản ghi của {unit} từ {first:%d/%m} đến sát hạn "
                f"báo cáo {deadline:%d/%m/%Y}, ngày hiệu lực lùi về tận {oldest:%d/%m/%Y} "
                f"({format_dong(total)}).",
                en=f"{signer} recorded {len(items)} back-dated records of {unit} in the days before "
                f"the report deadline {deadline:%d/%m/%Y} (effective as early as {oldest:%d/%m/%Y}; "
                f"{format_dong(total)}).",
                evidence=[_evidence(facts, r) for r in items],
            )
        )
    for (unit, signer, recorded_on), items in sorted(late.items()):
        items = [r for r in items if r.event_id not in in_bursts]
        if not items:
            continue
        judged = _judged_of(facts, items[0])
        assert judged is not None
        worst = max(r.lag for r in items)
        total = sum(facts.amount_of(r.event_id) for r in items)
        kinds = sorted({TYPE_VI.get(r.type, r.type) for r in items})
        severity: Severity = (
            "high" if any(r.type.startswith("member.") for r in items) else "medium"
        )
        out.append(
            make(
                "backdating",
                severity,
                unit=unit,
                people=[signer],
                amount=total,
                vi=f"{signer} ghi ngày {recorded_on:%d/%m/%Y} {len(items)} bản ghi "
                f"({', '.join(kinds)}) có ngày hiệu lực sớm hơn tới {worst} ngày, quá hạn "
                f"{judged.backdate_days} ngày của quy chế.",
                en=f"{signer} recorded {len(items)} record(s) on {recorded_on:%d/%m/%Y} dated up to {worst} "
                f"days earlier, beyond the policy's {judged.backdate_days} days.",
                evidence=[_evidence(facts, r) for r in items],
            )
        )
    for a in facts.policy_adoptions:
        finding = _backdated_policy(facts, a)
        if finding is not None:
            out.append(finding)
    return out


_SHOWN = 10  # re-judged records shown first and last in a back-dated policy's evidence


def _looser(new: int | None, old: int | None, *, higher_is_looser: bool = True) -> bool:
    """Whether a limit `new` is looser than `old` (None: no limit, the loosest)."""
    if old is None:
        return False
    if new is None:
        return True
    return new > old if higher_is_looser else new < old


# What a policy field path of `loosened` is called in words (the same in both languages).
_FIELD_WORDS = {
    "welfare_target_bp": ("tỷ lệ chi phúc lợi tối thiểu", "the welfare spending target"),
    "approval_threshold": ("ngưỡng duyệt", "the approval threshold"),
    "backdate_days": ("số ngày được ghi lùi", "the days a record may be back-dated"),
    "split_window_days": (
        "số ngày cộng dồn các khoản chi tách nhỏ",
        "the days split payouts are summed over",
    ),
    "detection": ("các ngưỡng phát hiện", "the detection thresholds"),
    "min_bp": ("tỷ lệ tối thiểu", "the minimum share"),
    "max_bp": ("tỷ lệ tối đa", "the maximum share"),
    "per_payout_cap": ("mức tối đa mỗi lần", "the cap per payout"),
    "per_year_cap": ("mức tối đa trong kỳ", "the cap per period"),
    "max_count": ("số lần tối đa", "the most payouts per period"),
    "max_per_occasion": ("số đợt tối đa cho một dịp", "the most instalments per occasion"),
    "relatives_eligible": ("chi cho thân nhân", "payouts to relatives"),
    "requires_reason": ("yêu cầu ghi lý do", "the reason required"),
}


def field_words(path: str) -> tuple[str, str]:
    """A policy field path of `loosened` in words, Vietnamese and English:
    `welfare.hardship_sudden.per_payout_cap` → `mức tối đa mỗi lần của Hỗ trợ khó khăn đột
    xuất` / `the cap per payout of …`; a path it does not know is returned as it is."""
    head, _, rest = path.partition(".")
    if not rest:
        return _FIELD_WORDS.get(path, (path, path))
    name, _, leaf = rest.partition(".")
    try:
        what = WelfareKind(name) if head == "welfare" else SpendingCategory(name)
    except ValueError:
        return path, path
    if head == "welfare" and not leaf:
        return f"thêm khoản {what.label_vi}", f"the new kind {what.label_en}"
    vi, en = _FIELD_WORDS.get(leaf, (leaf, leaf))
    if head == "category_limits":
        return f"{vi} chi {what.label_vi}", f"{en} of spending on {what.label_en}"
    return f"{vi} của {what.label_vi}", f"{en} of {what.label_en}"


def loosened(new: Policy, old: Policy | None) -> list[str]:
    """The fields in which policy version `new` is looser than `old` (field paths)."""
    if old is None:
        return []
    out = []
    if new.welfare_target_bp < old.welfare_target_bp:
        out.append("welfare_target_bp")
    if new.approval_threshold > old.approval_threshold:
        out.append("approval_threshold")
    for cat, (lo, hi) in old.category_limits.items():
        new_lo, new_hi = new.limit(cat)
        if _looser(new_lo, lo, higher_is_looser=False):
            out.append(f"category_limits.{cat.value}.min_bp")
        if _looser(new_hi, hi):
            out.append(f"category_limits.{cat.value}.max_bp")
    for kind, rule in new.welfare.items():
        before = old.rule(kind)
        if before is None:
            out.append(f"welfare.{kind.value}")
            continue
        for name in ("per_payout_cap", "per_year_cap", "max_count"):
            if _looser(getattr(rule, name), getattr(before, name)):
                out.append(f"welfare.{kind.value}.{name}")
        if rule.per_occasion > before.per_occasion:  # more instalments for one occasion
            out.append(f"welfare.{kind.value}.max_per_occasion")
        if rule.relatives_eligible and not before.relatives_eligible:
            out.append(f"welfare.{kind.value}.relatives_eligible")
        if before.requires_reason and not rule.requires_reason:
            out.append(f"welfare.{kind.value}.requires_reason")
    if new.backdate_days > old.backdate_days:
        out.append("backdate_days")
    if new.split_window_days < old.split_window_days:
        out.append("split_window_days")
    if new.detection != old.detection:
        out.append("detection")
    return out


def _replaced(facts: Facts, a: PolicyAdoption) -> tuple[Policy | None, Policy | None]:
    """The version `a` adopted, and the one in force for its unit on its date without it."""
    book = facts.books.get(a.unit)
    new = book.version(a.version) if book is not None else None
    others = (
        PolicyBook(tuple(v for v in book.versions if v.version != a.version))
        if book is not None
        else None
    )
    chain = [others, *(facts.books.get(u) for u in facts.ancestors(a.unit)[1:])]
    return new, resolve(chain, a.on)


def _backdated_policy(facts: Facts, a: PolicyAdoption) -> DetectedFinding | None:
    """A policy version back-dated over money already recorded (see the invariants)."""
    if not a.rejudged:
        return None
    new, old = _replaced(facts, a)
    if new is None:
        return None
    lag = (a.recorded_on - a.on).days
    loose = loosened(new, old)
    judged = facts.judged(a.unit, a.on)
    limit = judged.backdate_days if judged is not None else 45
    severity: Severity = "high" if loose else "medium" if lag > limit else "low"
    n = len(a.rejudged)
    money = sum(r.amount for r in a.rejudged)
    units = ", ".join(sorted({r.unit for r in a.rejudged}))
    shown = a.rejudged if n <= 2 * _SHOWN else a.rejudged[:_SHOWN] + a.rejudged[-_SHOWN:]
    listed_vi = listed_en = ""
    if len(shown) < n:
        listed_vi = f", liệt kê {_SHOWN} bản ghi đầu và {_SHOWN} bản ghi cuối"
        listed_en = f", the first and last {_SHOWN} listed"
    loose_vi = loose_en = ""
    if loose and old is not None:
        words = [field_words(f) for f in loose]
        loose_vi = (
            f"; nới lỏng so với quy chế {old.version} đang áp dụng: "
            f"{', '.join(vi for vi, _en in words)}"
        )
        loose_en = (
            f"; looser than policy {old.version}, then in force: "
            f"{', '.join(en for _vi, en in words)}"
        )
    evidence = [
        Evidence(
            a.event_id,
            "policy.adopt",
            a.on,
            a.unit,
            None,
            (a.signer,),
            f"quy chế {a.version}, ghi ngày {a.recorded_on:%d/%m/%Y}, lùi {lag} ngày",
            note_en=f"policy {a.version}, recorded on {a.recorded_on:%d/%m/%Y}, "
            f"{lag} days back-dated",
        ),
        *(
            Evidence(
                r.event_id,
                r.type,
                r.on,
                r.unit,
                r.amount or None,
                (),
                "bản ghi bị xét lại",
                note_en="a record re-judged",
            )
            for r in shown
        ),
    ]
    finding = make(
        "backdating",
        severity,
        unit=a.unit,
        people=[a.signer],
        amount=0,
        vi=f"{a.signer} ghi ngày {a.recorded_on:%d/%m/%Y} quy chế {a.version} của {a.unit} có "
        f"hiệu lực lùi về {a.on:%d/%m/%Y} ({lag} ngày), xét lại {n} bản ghi tiền đã ghi trước "
        f"đó ({format_dong(money)}; đơn vị {units}{listed_vi}){loose_vi}.",
        en=f"{a.signer} recorded on {a.recorded_on:%d/%m/%Y} policy {a.version} of {a.unit} "
        f"effective from {a.on:%d/%m/%Y} ({lag} days earlier), re-judging {n} money record(s) recorded before it "
        f"({format_dong(money)}; units {units}{listed_en}){loose_en}.",
        evidence=evidence,
        stakes={},
    )
    return replace(finding, id=finding_id("backdating", [a.event_id]))


def _payout_match(candidates: list[Payout], t: Payout, days: int) -> Payout | None:
    for q in candidates:
        if (
            q.event_id != t.event_id
            and q.member == t.member
            and q.beneficiary == t.beneficiary
            and q.kind == t.kind
            and q.counted
            and occasion_key(q.occasion) == occasion_key(t.occasion)
            and abs((q.on - t.on).days) <= days
        ):
            return q
    return None


Redone = dict[tuple[str, str, str], list[Payout]]  # (unit, kind, occasion) -> counted payouts


def _redone(facts: Facts) -> Redone:
    out: Redone = defaultdict(list)
    for p in facts.counted_payouts():
        out[(p.unit, p.kind, occasion_key(p.occasion))].append(p)
    return out


def _replacement(
    facts: Facts, redone: Redone, used: set[str], r: Reversal, t: Payout, days: int
) -> tuple[Payout, str | None] | None:
    """The payout that records reversed `t` again for another member of its union (the right
    person after a mistake): the same kind, occasion and amount, by the same officer, recorded
    after it, when the reversal's reason names that member or it was recorded the day of the
    reversal; with how it is tied to the officers who recorded, reversed or approved it, if
    it is (then it is no correction: money moved to the officer's own)."""
    reversed_on = local_date(r.recorded_at)
    for q in redone.get((t.unit, t.kind, occasion_key(t.occasion)), ()):
        if (
            q.event_id in used
            or q.member == t.member
            or q.amount != t.amount
            or q.recorder != t.recorder
            or q.seq <= t.seq
            or abs((q.on - t.on).days) > days
        ):
            continue
        m = facts.members.get(q.member)
        if m is None or m.unit_on(q.on) != t.unit:
            continue
        named = re.search(rf"\b{re.escape(q.member)}\b", r.reason) is not None
        if not named and local_date(datetime.fromisoformat(q.recorded_at)) != reversed_on:
            continue
        used.add(q.event_id)
        for code in dict.fromkeys((t.recorder, r.signer, *q.approvers)):
            tie = officer_tie(facts, code, q.member, q.relative, q.payee)
            if tie is not None:
                return q, tie
        return q, None
    return None


def _twin_key(m: Movement) -> tuple[str, str, str, str | None, str | None]:
    return (m.type, m.unit, m.key, m.month, m.member)


Twins = dict[tuple[str, str, str, str | None, str | None], list[Movement]]


def _covered(t: Movement, q: Movement) -> int:
    """How much of `t` the movement `q` records again: line by line (a dues batch's members),
    each at most its own amount."""
    again = q.by_line()
    return sum(min(amount, again.get(member, 0)) for member, amount in t.by_line().items())


def _twin(t: Movement, q: Movement) -> bool:
    """Whether `q` repeats `t` exactly (the same day, every line the same, the same description
    or employer folded as occasions are): one of them is the duplicate of the other. Two equal
    donations of two enterprises the same day are not twins: reversing one as "ghi trùng" is a
    collection quietly cancelled."""
    return (
        q.on == t.on
        and q.by_line() == t.by_line()
        and occasion_key(q.detail or "") == occasion_key(t.detail or "")
    )


def _counter(t: Movement, q: Movement, days: int) -> bool:
    """Whether `q` may be the counter-movement of reversed `t`: the corrected re-recording,
    recorded after it, or the kept twin of a duplicate."""
    if q.event_id == t.event_id or q.reversed or abs((q.on - t.on).days) > days:
        return False
    return q.seq > t.seq or _twin(t, q)


# How sure a counter-movement is, most sure first: the kept twin of a duplicate, a whole
# re-recording, a re-recording of part of the amount.
_PASSES = ("twin", "whole", "part")


def _movement_matches(
    facts: Facts, twins: Twins, targets: list[tuple[Reversal, Movement]]
) -> dict[str, tuple[Movement, int]]:
    """Each reversed movement's counter-movement and the amount it records again (reversal id
    -> (movement, amount)). A movement counters at most one reversal: exact twins are paired
    first, then whole re-recordings, then the largest partial ones."""
    used: set[str] = set()
    found: dict[str, tuple[Movement, int]] = {}
    for kind in _PASSES:
        for r, t in targets:
            if r.event_id in found:
                continue
            judged = facts.judged(r.unit, r.on)
            days = judged.detection.reversal_match_days if judged is not None else 31
            best: tuple[int, int, Movement] | None = None
            for q in twins.get(_twin_key(t), []):
                if q.event_id in used or not _counter(t, q, days):
                    continue
                if kind == "twin" and not _twin(t, q):
                    continue
                covered = _covered(t, q)
                if covered <= 0 or (kind != "part" and covered < t.amount):
                    continue
                rank = (covered, -abs(q.seq - t.seq), q)
                if best is None or rank[:2] > best[:2]:
                    best = rank
            if best is not None:
                used.add(best[2].event_id)
                found[r.event_id] = (best[2], best[0])
    return found


def suspicious_reversal(facts: Facts) -> list[DetectedFinding]:
    """Rule 9: reversals with no counter-movement; worse by the original's own recorder."""
    payouts_of = facts.payouts_by_member()  # counted payouts: the kept twins
    twins: Twins = defaultdict(list)
    for m in facts.movements.values():
        twins[_twin_key(m)].append(m)
    reversals = sorted(facts.reversals, key=lambda r: (r.recorded_at, r.event_id))
    moved = [
        (r, facts.movements[r.target])
        for r in reversals
        if r.target not in facts.payout_by_id and r.target in facts.movements
    ]
    matches = _movement_matches(facts, twins, moved)
    redone: Redone | None = None
    used: set[str] = set()
    out = []
    for r in reversals:
        judged = facts.judged(r.unit, r.on)
        days = judged.detection.reversal_match_days if judged is not None else 31
        payout = facts.payout_by_id.get(r.target)
        if payout is not None:
            if _payout_match(payouts_of.get(payout.member, []), payout, days) is not None:
                continue
            if redone is None:  # built on first use: most reversals have their twin
                redone = _redone(facts)
            again = _replacement(facts, redone, used, r, payout, days)
            if again is not None and again[1] is None:
                continue
            out.append(_payout_reversal(r, payout, again))
            continue
        movement = facts.movements.get(r.target)
        if movement is not None:
            finding = _movement_reversal(facts, r, movement, matches.get(r.event_id))
            if finding is not None:
                out.append(finding)
    return out


def _reversal_evidence(r: Reversal) -> Evidence:
    return Evidence(
        r.event_id,
        "reversal.record",
        r.on,
        r.unit,
        None,
        (r.signer,),
        r.reason,
        note_en=f"reason: «{r.reason}»",
    )


def _payout_reversal(
    r: Reversal, t: Payout, again: tuple[Payout, str | None] | None
) -> DetectedFinding:
    """A reversed payout with no twin nor replacement, or recorded again for someone tied to
    the officers (`again`: that payout and the tie)."""
    same = r.signer == t.recorder
    who_vi = " do chính người lập khoản chi đảo" if same else ""
    who_en = ", reversed by the officer who recorded it" if same else ""
    evidence = [payout_evidence(t), _reversal_evidence(r)]
    people = [t.member, t.recorder, r.signer]
    if again is None:
        vi = "không có khoản chi thay thế hay bản trùng được giữ lại"
        en = "with no matching counter-movement"
    else:
        q, tie = again
        tie_vi, tie_en = LINKS_VI[tie or "self"]
        vi = f"rồi ghi lại cho {q.member}: cán bộ lập, đảo hoặc duyệt {tie_vi}"
        en = (
            f"then recorded again for {q.member}: an officer who recorded, reversed or "
            f"approved it {tie_en}"
        )
        evidence.append(payout_evidence(q, "ghi lại cho người khác", "recorded again for another"))
        people.append(q.member)
    return make(
        "suspicious_reversal",
        "high",
        unit=t.unit,
        people=people,
        amount=t.amount,
        vi=f"Khoản chi {kind_vi(t.kind)} {format_dong(t.amount)} cho {t.member} bị hủy{who_vi}, "
        f"{vi} (lý do: «{r.reason}»).",
        en=f"A {kind_en(t.kind)} payout of {format_dong(t.amount)} to {t.member} was reversed{who_en} {en} "
        f"(reason: «{r.reason}»).",
        evidence=evidence,
        stakes={t.event_id: t.amount},
    )


_REMITTED = {"union_fee": ("KPCĐ", "union fee"), "dues": ("đoàn phí", "dues")}


def _movement_note(t: Movement) -> tuple[str, str]:
    """What a reversed money record was for, in words: its month, or its income source,
    spending category or remittance kind by its label (a loan's code as it is)."""
    if t.month:
        return month_text(t.month), month_text(t.month)
    if t.type == "collection.other" and t.key in IncomeSource.__members__:
        source = IncomeSource(t.key)
        return source.label_vi, source.label_en
    if t.type == "expense.record" and t.key in SpendingCategory.__members__:
        category = SpendingCategory(t.key)
        return category.label_vi, category.label_en
    if t.type == "remittance.record" and t.key in _REMITTED:
        return _REMITTED[t.key]
    return t.key, t.key


def _movement_reversal(
    facts: Facts, r: Reversal, t: Movement, match: tuple[Movement, int] | None
) -> DetectedFinding | None:
    amount = t.amount or facts.amount_of(t.event_id)
    again = match[1] if match is not None else 0
    if again >= amount:
        return None
    same = t.signer is not None and r.signer == t.signer
    collection = t.type.startswith("collection.") or t.type == "loan.repay"
    what = TYPE_VI.get(t.type, t.type)
    who_vi = " do chính người ghi bút toán gốc đảo" if same else ""
    who_en = ", reversed by the officer who recorded it" if same else ""
    unit = t.unit or r.unit
    note, note_en = _movement_note(t)
    evidence = [
        Evidence(
            t.event_id,
            t.type,
            t.on,
            t.unit,
            amount or None,
            tuple(p for p in (t.member, t.signer) if p),
            note,
            note_en=note_en,
        ),
        _reversal_evidence(r),
    ]
    if match is None:
        vi = f"không có bút toán ghi lại tương ứng (lý do: «{r.reason}»)."
        en = f"with no matching counter-movement (reason: «{r.reason}»)."
    else:
        q = match[0]
        vi = (
            f"chỉ được ghi lại {format_dong(again)}, thiếu {format_dong(amount - again)} "
            f"(lý do: «{r.reason}»)."
        )
        en = f"and only {format_dong(again)} of it was recorded again (reason: «{r.reason}»)."
        evidence.append(
            Evidence(
                q.event_id,
                q.type,
                q.on,
                q.unit,
                q.amount or None,
                tuple(p for p in (q.member, q.signer) if p),
                "ghi lại một phần",
                note_en="recorded again in part",
            )
        )
    return make(
        "suspicious_reversal",
        "high" if collection or same else "medium",
        unit=unit,
        people=[p for p in (t.member, t.signer, r.signer) if p],
        amount=amount - again,
        vi=f"Bút toán {what} {format_dong(amount)} của {unit} bị hủy{who_vi}, {vi}",
        en=f"The {TYPE_EN.get(t.type, t.type)} of {format_dong(amount)} of {unit} was reversed{who_en} {en}",
        evidence=evidence,
        stakes={t.event_id: amount - again},
    )
