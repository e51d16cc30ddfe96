"""Rule 13 and members' disputes: what the signatures and the members themselves say.

Invariants:
- Rule 13 always finds, from the facts alone, events signed with a key on or after the date
  the key was later revoked from (a stolen key revoked retroactively: accepted when they came,
  suspect now). When a verification report of #4 (`audit.verify.verify`) is given, each of its
  errors becomes part of a finding too, one finding per check (its events as evidence);
  errors about no event (a checkpoint, a table) are union-level findings of the ledger's root.
- Every `member.dispute` is a finding of its own (`member_dispute`), about the disputed entry
  and of the entry's unit, whatever kind of entry it is (payout, loan movement, dues batch)
  and wherever the member is now; a member's receipt confirmations lower nothing and are
  shown beside it.
- A dispute of a payout that was never paid (still waiting for the chair, or refused) says so
  and weighs less: low, or medium when the member says the payout is not theirs (someone
  asked for money in their name); a refused payout puts nothing at stake. It is kept, not
  refused when made: the member sees the line in their history, and "not mine" on a payout
  the chair refused is worth an inspector's look.
- A dispute meeting a reversal says so and shows both halves in its evidence. Of an entry
  later reversed: the books no longer count it, so "not received" agrees with them: low,
  other reasons medium, nothing at stake, when the reversal has its counter-movement (rule 9
  reports nothing); medium with the entry's money at stake (the same event as rule 9's, so
  counted once) and rule 9's finding named when rule 9 reports the reversal. Of a reversal's
  own line: the negative of the member's line of the entry it undoes, and the finding sits in
  that entry's period, where the reports and the member's page book a reversal.
- A dispute's id is `dispute_finding_id(dispute, entry)` whatever else its evidence holds:
  the ledger and the member's page find its judgments by it.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from audit.checks import check_name
from audit.findings import ERROR
from audit.rules.base import (
    DetectedFinding,
    Evidence,
    Severity,
    finding_id,
    make,
    union_finding_id,
)
from audit.rules.facts import Facts, Reversal
from audit.rules.membership import payout_evidence
from audit.rules.timing import suspicious_reversal
from ledger.clock import VIETNAM, readable
from ledger.domain.findings import dispute_finding_id
from ledger.domain.money import format_dong

# A disputed payout that moved no money: what the finding adds, (Vietnamese, English).
UNPAID = {
    "pending": (
        "Khoản chi này đang chờ Chủ tịch duyệt, chưa chi tiền.",
        "The payout is still waiting for the chair's approval: nothing was paid yet.",
    ),
    "refused": (
        "Khoản chi này đã bị Chủ tịch từ chối duyệt, không có tiền chi ra.",
        "The payout was refused by the chair: no money was paid.",
    ),
}
REASONS_VI = {
    "not_received": ("chưa nhận được", "did not receive it"),
    "amount_differs": ("số tiền khác với sổ", "the amount differs"),
    "not_mine": ("không phải của mình", "it is not theirs"),
    "other": ("lý do khác", "another reason"),
}


def _event_evidence(facts: Facts, event_id: str, note: str, note_en: str) -> Evidence:
    payout = facts.payout_by_id.get(event_id)
    if payout is not None:
        return payout_evidence(payout, note, note_en)
    return Evidence(
        event_id,
        facts.event_types.get(event_id, "?"),
        facts.event_dates.get(event_id),
        facts.event_units.get(event_id),
        facts.amount_of(event_id) or None,
        (),
        note,
        note_en=note_en,
    )


def _named(check: str, lang: str) -> str:
    """A verification check's code and its name (audit.checks): `signature.invalid — ...`."""
    name = check_name(check, lang)
    return f"{check} — {name}" if name else check


def _root(facts: Facts) -> str:
    roots = sorted(code for code, info in facts.units.items() if info.parent is None)
    return roots[0] if roots else "*"


def signature_problem(facts: Facts) -> list[DetectedFinding]:
    """Rule 13: signature and key problems (revoked keys; #4's verification when given)."""
    out = []
    groups: dict[tuple[str, str, str], list] = defaultdict(list)
    for use in facts.revoked_uses:
        groups[(use.signer, use.key_id, use.revocation_id)].append(use)
    covered: set[str] = set()
    for (signer, kid, revocation), uses in sorted(groups.items()):
        covered |= {u.event_id for u in uses}
        units = [u.unit for u in uses if u.unit]
        unit = max(set(units), key=units.count) if units else _root(facts)
        total = sum(facts.amount_of(u.event_id) for u in uses)
        revoked_from = uses[0].revoked_from
        evidence = [
            _event_evidence(
                facts,
                u.event_id,
                f"ký lúc {u.recorded_at.astimezone(VIETNAM):%d/%m/%Y %H:%M}",
                f"signed at {u.recorded_at.astimezone(VIETNAM):%d/%m/%Y %H:%M}",
            )
            for u in uses
        ]
        evidence.append(
            Evidence(
                revocation,
                "officer.revoke_key",
                revoked_from,
                None,
                None,
                (signer,),
                "thu hồi khóa",
                note_en="key revoked",
            )
        )
        out.append(
            make(
                "signature_problem",
                "high",
                unit=unit,
                people=[signer],
                amount=total,
                vi=f"{len(uses)} bản ghi ký bằng khóa {kid} của {signer} từ ngày "
                f"{revoked_from:%d/%m/%Y}, ngày khóa bị thu hồi (ghi nhận thu hồi sau), "
                f"liên quan {format_dong(total)}.",
                en=f"{len(uses)} record(s) signed with {signer}'s key {kid} on or after "
                f"{revoked_from:%d/%m/%Y}, the date it was later revoked from ({format_dong(total)}).",
                evidence=evidence,
            )
        )
    report = facts.verification
    if report is None:
        return out
    by_check: dict[str, list] = defaultdict(list)
    for f in report.findings:
        if f.severity != ERROR:
            continue
        if f.check == "signature.revoked" and f.event_id in covered:
            continue
        by_check[f.check].append(f)
    root = _root(facts)
    for check, items in sorted(by_check.items()):
        with_events = [f for f in items if f.event_id]
        if with_events:
            ids = sorted({f.event_id for f in with_events})
            units = [facts.event_units.get(e) for e in ids]
            known = [u for u in units if u]
            unit = max(set(known), key=known.count) if known else root
            total = sum(facts.amount_of(e) for e in ids)
            # verification writes ISO instants; an explanation says them in Vietnam's time
            first, first_vi = readable(with_events[0].message), readable(with_events[0].text_vi)
            finding = make(
                "signature_problem",
                "high",
                unit=unit,
                people=[],
                amount=total,
                vi=f"Kiểm tra chữ ký và sổ cái ({_named(check, 'vi')}) phát hiện {len(ids)} "
                f"bản ghi lỗi, ví dụ: {first_vi}",
                en=f"Verification ({_named(check, 'en')}) reports {len(ids)} record(s), "
                f"e.g.: {first}",
                evidence=[
                    _event_evidence(
                        facts, e, check_name(check, "vi") or check, check_name(check, "en") or check
                    )
                    for e in ids
                ],
            )
            # one finding per check: a tampered event fails several (digest, leaf,
            # signature), and an id of the rule and events alone would merge them into one
            fid = finding_id("signature_problem", [f"check:{check}", *ids])
            out.append(dataclasses.replace(finding, id=fid))
        others = [f for f in items if not f.event_id]
        if others:
            finding = make(
                "signature_problem",
                "high",
                unit=root,
                people=[],
                amount=0,
                vi=f"Kiểm tra sổ cái ({_named(check, 'vi')}): {readable(others[0].text_vi)}",
                en=f"Verification ({_named(check, 'en')}): {readable(others[0].message)}",
                evidence=[],
            )
            out.append(
                dataclasses.replace(
                    finding, id=union_finding_id("signature_problem", root, check), period=None
                )
            )
    return out


def member_dispute(facts: Facts) -> list[DetectedFinding]:
    """A member's dispute of an entry of their history (recorded by the members' portal)."""
    confirmed = {(s.member, s.entry) for s in facts.statements if s.kind == "confirm"}
    reversal_by_id = {r.event_id: r for r in facts.reversals}
    reversal_of = {r.target: r for r in facts.reversals}
    flagged: dict[str, str] | None = None  # reversal id -> rule 9's finding id
    out = []
    for s in facts.statements:
        if s.kind != "dispute":
            continue
        reason_vi, reason_en = REASONS_VI.get(s.reason or "other", REASONS_VI["other"])
        undoing = reversal_by_id.get(s.entry)  # the member disputes a reversal's line
        target = undoing.target if undoing is not None else s.entry
        payout = facts.payout_by_id.get(target)
        amount = (
            payout.amount
            if payout is not None
            else facts.member_amounts.get((target, s.member), facts.amount_of(target))
        )
        shown = -amount if undoing is not None else amount  # the line the member read
        reversal = undoing or reversal_of.get(s.entry)
        suspect = None
        if reversal is not None:
            if flagged is None:  # rule 9 run once, only when a dispute meets a reversal
                flagged = {
                    e: f.id
                    for f in suspicious_reversal(facts)
                    for e in f.event_ids
                    if e in reversal_by_id
                }
            suspect = flagged.get(reversal.event_id)
        disputed = (
            _event_evidence(facts, s.entry, "bút toán bị khiếu nại", "the entry disputed")
            if undoing is None
            else dataclasses.replace(
                _reversal_evidence(undoing, shown),
                note="bút toán bị khiếu nại",
                note_en="the entry disputed",
            )
        )
        evidence = [
            disputed,
            Evidence(
                s.event_id,
                "member.dispute",
                s.on,
                s.unit,
                None,
                (s.member,),
                reason_vi,
                note_en=reason_en,
            ),
        ]
        if reversal is not None:
            evidence.append(_undone_evidence(facts, reversal, undoing is not None, shown))
        note_vi = (
            " Đoàn viên cũng đã xác nhận đã nhận khoản này."
            if (s.member, s.entry) in confirmed
            else ""
        )
        note_en = " The member also confirmed receiving it." if note_vi else ""
        severity: Severity = "high" if s.reason in ("not_received", "not_mine") else "medium"
        status = payout.status if payout is not None else "paid"
        at_stake = 0 if status == "refused" else amount
        if undoing is None and status in UNPAID:
            vi, en = UNPAID[status]
            note_vi, note_en = f" {vi}{note_vi}", f" {en}{note_en}"
            severity = "medium" if s.reason == "not_mine" else "low"
        elif reversal is not None:
            vi, en = _reversal_note(facts, reversal, undoing is not None, suspect)
            note_vi, note_en = f" {vi}{note_vi}", f" {en}{note_en}"
            if undoing is None:
                # The books no longer count the entry: a member saying it never arrived
                # agrees with them. Only a reversal rule 9 reports keeps money at stake.
                if suspect is None:
                    severity = "low" if s.reason == "not_received" else "medium"
                    at_stake = 0
                else:
                    severity = "medium"
        people = [
            s.member,
            *((payout.recorder,) if payout is not None else ()),
            *((reversal.signer,) if reversal is not None else ()),
        ]
        part = target if payout is not None else f"{target}#{s.member}"
        what_vi = "bút toán đảo" if undoing is not None else "bút toán"
        what_en = "the reversal" if undoing is not None else "entry"
        finding = make(
            "member_dispute",
            severity,
            unit=facts.event_units.get(s.entry) or (payout.unit if payout is not None else s.unit),
            people=people,
            amount=at_stake,
            vi=f"Đoàn viên {s.member} khiếu nại {what_vi} {s.entry[:8]}… "
            f"({format_dong(shown)}): {reason_vi}.{note_vi}",
            en=f"Member {s.member} disputes {what_en} {s.entry[:8]}… ({format_dong(shown)}): "
            f"{reason_en}.{note_en}",
            evidence=evidence,
            stakes={part: at_stake},
        )
        # the id the ledger and the member's page know it by, whatever the evidence holds
        out.append(dataclasses.replace(finding, id=dispute_finding_id(s.event_id, s.entry)))
    return out


def _undone_evidence(facts: Facts, r: Reversal, undoing: bool, shown: int) -> Evidence:
    """The other half of a reversal and the entry it undoes: the entry undone when the member
    disputes the reversal's line (it places the finding in the entry's period, where the
    reports and the member's page book the reversal), the reversal when they dispute the
    entry."""
    if undoing:
        return _event_evidence(facts, r.target, "bút toán bị đảo", "the entry reversed")
    return _reversal_evidence(r, -shown)


def _reversal_evidence(r: Reversal, amount: int) -> Evidence:
    """A reversal with the amount of the line it books for the member (negative)."""
    return Evidence(
        r.event_id,
        "reversal.record",
        r.on,
        r.unit,
        amount,
        (r.signer,),
        r.reason,
        note_en=f"reason: «{r.reason}»",
    )


def _reversal_note(
    facts: Facts, r: Reversal, undoing: bool, suspect: str | None
) -> tuple[str, str]:
    """What a dispute adds about a reversal (Vietnamese, English)."""
    if undoing:
        on = facts.event_dates.get(r.target)
        day_vi = f" ngày {on:%d/%m/%Y}" if on else ""
        day_en = f" of {on:%d/%m/%Y}" if on else ""
        month_vi = f", ghi vào kỳ {on:%m/%Y} của bút toán gốc" if on else ""
        month_en = f", booked in that entry's period {on:%m/%Y}" if on else ""
        vi = f"Bút toán đảo này hủy bút toán {r.target[:8]}…{day_vi}{month_vi}."
        en = f"This reversal undoes entry {r.target[:8]}…{day_en}{month_en}."
    else:
        vi = (
            f"Bút toán này đã bị đảo ngày {r.on:%d/%m/%Y} (bút toán {r.event_id[:8]}…): "
            "sổ không còn ghi là đã chi."
        )
        en = (
            f"The entry was reversed on {r.on:%d/%m/%Y} (event {r.event_id[:8]}…): the "
            "books no longer count it."
        )
    if suspect is not None:
        vi += f" Quy tắc 9 nêu bút toán đảo này là đáng ngờ ({suspect}): xem xét cùng."
        en += f" Rule 9 reports this reversal as suspicious ({suspect}): judge them together."
    elif not undoing:
        vi += " Bút toán đảo có đối ứng (bản trùng được giữ lại, hoặc đã ghi lại đúng)."
        en += " The reversal has its counter-movement (a duplicate kept, or recorded again)."
    return vi, en
