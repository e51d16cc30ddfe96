"""Rule 15: a union's own policy version that loosens what it may pay, and the payouts that
then used the room it made.

Invariants:
- Every version adopted for a union below the top of its tree is judged (the top union's
  versions are the inspecting level's own: what the others are measured against), back-dated
  or not (rule 8 judges back-dating; this rule judges what a version allows).
- Its references are the version it replaces (`timing._replaced`: the one in force for its
  unit on its date without it, its own earlier version or the inherited one) and the version
  in force that day at each union above it. It loosens a reference when, against it, it
  raises the approval threshold, a cap (per payout, per year), a count or the instalments
  of one occasion (`max_per_occasion`), or lifts one, allows a kind the reference does not, makes relatives eligible or drops the required
  reason (`timing.loosened`, restricted to what a union may pay: the welfare target,
  category limits and detection thresholds are judged from above and cannot be loosened).
- A payout (paid, unreversed) of the version's unit or a unit below it, dated while the
  version is the one in force for it, used the loosened room when under some reference it
  would have needed the chair (above that reference's approval threshold with no chair's
  signature), or been refused: a kind the reference does not allow, above its per-payout
  cap, beyond its count or yearly cap for the beneficiary in its counting window (the
  beneficiary's payouts of that kind up to this one, in any union), or, where the version
  allows more instalments of one occasion (`max_per_occasion`) than the reference, beyond
  the reference's for its occasion: the beneficiary's earlier payouts of the kind with the
  same occasion text within `repeat_window_days`, counted as rule 2 counts them (a generic
  label names no occasion for a kind with a count). A loan disbursed alone
  above a reference's approval threshold, or above its loan cap, used it too.
- Severity: high when a payout or loan used the room, medium otherwise. The money at stake
  is, per record that used it, the whole amount when it needed the chair or would have been
  refused outright (kind, count, an instalment beyond the reference's), the part above the
  cap otherwise. The id is the
  adoption's alone (`finding_id` over that event), so judgments survive later payouts.
"""

from __future__ import annotations

from dataclasses import replace

from audit.rules.base import DetectedFinding, Evidence, finding_id, make
from audit.rules.benefits import _repeat_days
from audit.rules.facts import Facts, Movement, Payout, PolicyAdoption
from audit.rules.membership import kind_en, kind_vi, loan_evidence, payout_evidence
from audit.rules.timing import _replaced, field_words, loosened
from ledger.domain.catalogue import WelfareKind
from ledger.domain.money import format_dong
from ledger.domain.occasions import generic_occasion, occasion_key
from ledger.domain.policy import Policy, WelfareRule

RULE = "policy_loosening"


def _what_it_may_pay(fields: list[str]) -> list[str]:
    return [f for f in fields if f == "approval_threshold" or f.startswith("welfare.")]


def _references(facts: Facts, a: PolicyAdoption) -> tuple[Policy | None, list[Policy]]:
    """The version `a` adopted and the versions it is compared with (see the invariants)."""
    new, old = _replaced(facts, a)
    refs = [old] if old is not None else []
    for unit in facts.ancestors(a.unit)[1:]:
        book = facts.books.get(unit)
        upper = book.in_force(a.on) if book is not None else None
        if upper is not None and all(upper is not r for r in refs):
            refs.append(upper)
    return new, refs


def _payout_room(
    facts: Facts, p: Payout, ref: Policy, new: Policy
) -> tuple[int, tuple[str, str]] | None:
    """What of payout `p` only the loosened version `new` allowed under `ref`: (đồng, why in
    Vietnamese and English)."""
    try:
        kind = WelfareKind(p.kind)
    except ValueError:
        return None
    out: list[tuple[int, tuple[str, str]]] = []
    if p.amount > ref.approval_threshold and not p.approvers:
        out.append((p.amount, _over_threshold(ref)))
    rule = ref.rule(kind)
    if rule is None:
        return p.amount, (
            f"loại chi không được phép theo quy chế {ref.version}",
            f"a kind policy {ref.version} does not allow",
        )
    if p.relative is not None and not rule.relatives_eligible:
        return p.amount, (
            f"chi cho thân nhân không được phép theo quy chế {ref.version}",
            f"paid to a relative, which policy {ref.version} does not allow",
        )
    if rule.per_payout_cap is not None and p.amount > rule.per_payout_cap:
        cap = format_dong(rule.per_payout_cap)
        out.append((p.amount - rule.per_payout_cap, (f"vượt mức {cap}/lần", f"over the {cap} cap")))
    if rule.max_count is not None or rule.per_year_cap is not None:
        window = facts.period_for(rule.count_period, p.on)
        before = [
            q
            for q in facts.payouts_by_beneficiary().get((p.member, p.beneficiary, p.kind), [])
            if window.contains(q.on) and (q.on, q.recorded_at, q.event_id) <= _key(p)
        ]
        if rule.max_count is not None and len(before) > rule.max_count:
            out.append(
                (
                    p.amount,
                    (
                        f"quá {rule.max_count} lần trong {window.phrase_vi}",
                        f"more than {rule.max_count} time(s) in {window.phrase_en}",
                    ),
                )
            )
        if rule.per_year_cap is not None:
            over = sum(q.amount for q in before) - rule.per_year_cap
            if over > 0:
                out.append(
                    (
                        min(p.amount, over),
                        (
                            f"vượt mức {format_dong(rule.per_year_cap)} trong {window.phrase_vi}",
                            f"over the {format_dong(rule.per_year_cap)} cap for {window.phrase_en}",
                        ),
                    )
                )
    if _beyond_instalments(facts, p, rule, new.rule(kind)):
        out.append(
            (
                p.amount,
                (
                    f"quá {rule.per_occasion} đợt cho một dịp",
                    f"beyond {rule.per_occasion} instalments for one occasion",
                ),
            )
        )
    return max(out) if out else None


def _beyond_instalments(
    facts: Facts, p: Payout, rule: WelfareRule, loose: WelfareRule | None
) -> bool:
    """Whether `p` is an instalment of its occasion beyond what `rule` (the reference's)
    allows and only `loose` (the version's, allowing more) let through: as many earlier
    payouts of the kind to the beneficiary with the same occasion text within
    `repeat_window_days` of them as `rule` allows, or more (rule 2's count)."""
    if (
        loose is None
        or loose.per_occasion <= rule.per_occasion
        or p.kind == WelfareKind.bereavement.value  # once per person whatever the policy
        or (loose.max_count is not None and generic_occasion(p.occasion))
    ):
        return False
    key = occasion_key(p.occasion)
    earlier = [
        q
        for q in facts.payouts_by_beneficiary().get((p.member, p.beneficiary, p.kind), [])
        if _key(q) < _key(p)
        and occasion_key(q.occasion) == key
        and (p.on - q.on).days <= _repeat_days(facts, q)
    ]
    return len(earlier) >= rule.per_occasion


def _key(p: Payout) -> tuple[object, str, str]:
    return (p.on, p.recorded_at, p.event_id)


def _loan_room(m: Movement, ref: Policy) -> tuple[int, tuple[str, str]] | None:
    out: list[tuple[int, tuple[str, str]]] = []
    if m.amount > ref.approval_threshold and not m.cosigners:
        out.append((m.amount, _over_threshold(ref)))
    rule = ref.rule(WelfareKind.loan)
    if rule is not None and rule.per_payout_cap is not None and m.amount > rule.per_payout_cap:
        cap = format_dong(rule.per_payout_cap)
        out.append((m.amount - rule.per_payout_cap, (f"vượt mức {cap}", f"over the {cap} cap")))
    return max(out) if out else None


def _over_threshold(ref: Policy) -> tuple[str, str]:
    threshold = format_dong(ref.approval_threshold)
    return f"trên ngưỡng duyệt {threshold}", f"above the approval threshold {threshold}"


def policy_loosening(facts: Facts) -> list[DetectedFinding]:
    """Rule 15: a union's version looser than the one it replaces or than the unions above."""
    reversed_ids = {r.target for r in facts.reversals}
    out = []
    for a in facts.policy_adoptions:
        info = facts.units.get(a.unit)
        if info is None or info.parent is None:
            continue
        new, refs = _references(facts, a)
        if new is None or not refs:
            continue
        loose: dict[str, list[str]] = {}
        for ref in refs:
            for f in _what_it_may_pay(loosened(new, ref)):
                loose.setdefault(f, []).append(ref.version)
        if not loose:
            continue
        below = facts.subtree(a.unit)
        used: list[tuple[Evidence, int, str | None]] = []
        for p in facts.counted_payouts():
            if p.unit not in below or p.on < a.on or facts.policy(p.unit, p.on) is not new:
                continue
            rooms = [r for ref in refs if (r := _payout_room(facts, p, ref, new)) is not None]
            if rooms:
                money, why = max(rooms)
                note = (f"{kind_vi(p.kind)}: {why[0]}", f"{kind_en(p.kind)}: {why[1]}")
                used.append((payout_evidence(p, *note), money, p.recorder))
        for m in facts.movements.values():
            if (
                m.type != "loan.disburse"
                or m.unit not in below
                or m.on < a.on
                or m.event_id in reversed_ids
                or facts.policy(m.unit, m.on) is not new
            ):
                continue
            rooms = [r for ref in refs if (r := _loan_room(m, ref)) is not None]
            if rooms:
                money, why = max(rooms)
                note = (f"khoản vay {m.key}: {why[0]}", f"loan {m.key}: {why[1]}")
                used.append((loan_evidence(m, *note), money, m.signer))
        used.sort(key=lambda u: (u[0].on or a.on, u[0].event_id))
        total = sum(money for _e, money, _by in used)
        fields = ", ".join(
            f"{field_words(f)[0]} (so với quy chế {'/'.join(v)})" for f, v in loose.items()
        )
        fields_en = ", ".join(
            f"{field_words(f)[1]} (against policy {'/'.join(v)})" for f, v in loose.items()
        )
        used_vi = used_en = ""
        if used:
            used_vi = (
                f"; {len(used)} khoản chi, cho vay đã dùng phần nới lỏng "
                f"({format_dong(total)} vượt quy chế thay thế hoặc của cấp trên)"
            )
            used_en = (
                f"; {len(used)} payout(s) or loan(s) used the loosened room ({format_dong(total)} "
                f"beyond the replaced or upper version)"
            )
        evidence = [
            Evidence(
                a.event_id,
                "policy.adopt",
                a.on,
                a.unit,
                None,
                (a.signer,),
                f"quy chế {a.version}, ghi ngày {a.recorded_on:%d/%m/%Y}",
                note_en=f"policy {a.version}, recorded on {a.recorded_on:%d/%m/%Y}",
            ),
            *(e for e, _money, _by in used),
        ]
        people = [a.signer, *(by for _e, _m, by in used if by)]
        finding = make(
            RULE,
            "high" if used else "medium",
            unit=a.unit,
            people=people,
            amount=total,
            vi=f"{a.signer} ghi ngày {a.recorded_on:%d/%m/%Y} quy chế {a.version} của {a.unit} "
            f"hiệu lực từ {a.on:%d/%m/%Y}, nới lỏng mức chi, số lần hoặc ngưỡng duyệt: "
            f"{fields}{used_vi}.",
            en=f"{a.signer} recorded on {a.recorded_on:%d/%m/%Y} policy {a.version} of {a.unit} "
            f"effective from {a.on:%d/%m/%Y}, loosening caps, counts or the approval threshold: "
            f"{fields_en}{used_en}.",
            evidence=evidence,
            period=f"{a.on:%Y-%m}",
            stakes={e.event_id: money for e, money, _by in used},
        )
        out.append(replace(finding, id=finding_id(RULE, [a.event_id])))
    return out
