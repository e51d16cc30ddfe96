"""Profiteering detection (phát hiện trục lợi chính sách): every rule over one ledger.

    from ledger.bootstrap import open_ledger
    from audit.detect import detect
    report = detect(open_ledger(url), unit="G01", period="2025")
    for f in report.findings:          # worst first: severity, then amount at stake
        print(f.id, f.rule, f.severity, f.amount, f.explanation_vi)

Design overview:
- `detect(ctx, ...)` takes an open `ledger.bootstrap.Context` (anything with its `engine`),
  reads the facts of the WHOLE ledger in one pass (`audit.rules.load`), runs every rule of
  `RULES` (pure functions, `audit.rules.base`) and only then keeps the findings of the unit
  asked for (a finding belongs to a unit when its unit or one of its events' units is in the
  unit's subtree) and of the period (an event of it falls in the period; union-level rules
  are judged for that period only, except rules 10 and 12, judged for the calendar years
  it meets). Comparisons with peers (concentration, in-kind prices,
  one person in two unions) therefore always see every union.
- Thresholds come from the policy in force on the event's date for its unit (the
  `detection` section of `ledger.domain.policy`, and the policy's own caps, counts,
  approval threshold, targets and limits).
- Rule 13 always checks retroactively revoked keys from the facts; pass the report of
  `audit.verify.verify` (`verification=`), or `verify=True` to run it, to add every problem
  that verification finds (it checks every signature, so it costs a full verification).
- A finding's status comes from the inspectors' signed judgments (`finding.resolve` events,
  read from the log in the same pass): the latest one decides, every one is kept.
- A rule that fails is reported in `DetectionReport.rule_errors`, never hides the others.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from audit.rules.base import (
    SEVERITY_ORDER,
    DetectedFinding,
    Evidence,
    Judgment,
    Rule,
    Status,
    combined,
    money_at_stake,
)
from audit.rules.benefits import over_cap, repeated_benefit, split_payment
from audit.rules.facts import Facts
from audit.rules.fees import union_fee_shortfall
from audit.rules.integrity import member_dispute, signature_problem
from audit.rules.load import load_facts
from audit.rules.loans import unpaid_loan
from audit.rules.loosening import policy_loosening
from audit.rules.membership import (
    duplicate_citizen_id,
    inactive_beneficiary,
    relative_declared_again,
    relatives_over_member_cap,
)
from audit.rules.people import self_dealing, shared_bank_account, unlinked_officer
from audit.rules.spending import duplicate_expense
from audit.rules.timing import backdating, suspicious_reversal
from audit.rules.union import (
    concentration,
    inflated_in_kind,
    remittance_shortfall,
    union_ratios,
)
from ledger.domain.errors import not_found
from ledger.domain.periods import Period, parse_period

if TYPE_CHECKING:
    from audit.findings import Report
    from audit.rules.facts import Facts

Progress = Callable[[int, int], None]

RULES: list[Rule] = [
    Rule(
        "inactive_beneficiary",
        1,
        "Chi cho người không còn là đoàn viên",
        "Payout to someone not an active member",
        inactive_beneficiary,
    ),
    Rule(
        "repeated_benefit",
        2,
        "Chi lặp cùng khoản, cùng dịp",
        "Same benefit more often than allowed",
        combined(repeated_benefit, duplicate_expense),
    ),
    Rule(
        "duplicate_citizen_id",
        3,
        "Một CCCD đăng ký ở hai công đoàn",
        "One citizen ID registered in two unions",
        duplicate_citizen_id,
    ),
    Rule(
        "over_cap",
        4,
        "Vượt mức chi, vượt quy chế",
        "Over a cap, or overridden",
        lambda facts: (
            over_cap(facts) + relatives_over_member_cap(facts) + relative_declared_again(facts)
        ),
    ),
    Rule(
        "split_payment",
        5,
        "Chia nhỏ khoản chi dưới ngưỡng duyệt",
        "Payment split under the approval threshold",
        split_payment,
    ),
    Rule(
        "self_dealing",
        6,
        "Cán bộ tự chi cho mình, người thân",
        "Officer paying themselves or their own",
        self_dealing,
    ),
    Rule(
        "shared_bank_account",
        7,
        "Một tài khoản nhận tiền của nhiều đoàn viên",
        "One bank account for several members",
        shared_bank_account,
    ),
    Rule(
        "backdating",
        8,
        "Ghi lùi ngày, ghi dồn trước hạn báo cáo",
        "Back-dated records, bursts before a deadline",
        backdating,
    ),
    Rule(
        "suspicious_reversal",
        9,
        "Bút toán đảo đáng ngờ",
        "Reversal without a counter-movement",
        suspicious_reversal,
    ),
    Rule(
        "concentration",
        10,
        "Phúc lợi tập trung vào ít người",
        "Welfare concentrated on a few members",
        concentration,
    ),
    Rule(
        "inflated_in_kind",
        11,
        "Giá quà hiện vật cao bất thường",
        "In-kind gifts at inflated prices",
        inflated_in_kind,
    ),
    Rule(
        "union_ratios",
        12,
        "Tỷ lệ chi, thu của công đoàn không đạt",
        "Union ratios off target",
        union_ratios,
    ),
    Rule(
        "signature_problem",
        13,
        "Lỗi chữ ký, khóa",
        "Signature and key problems",
        signature_problem,
    ),
    Rule(
        "remittance_shortfall",
        14,
        "Nộp cấp trên thiếu so với số đã thu",
        "Remitted upward less than collections owe",
        remittance_shortfall,
    ),
    Rule(
        "policy_loosening",
        15,
        "Quy chế riêng nới lỏng mức chi, ngưỡng duyệt",
        "A union's own policy loosening caps or the approval threshold",
        policy_loosening,
    ),
    Rule(
        "unpaid_loan",
        16,
        "Khoản vay không thu hồi, quá hạn",
        "Loan left unpaid or overdue",
        unpaid_loan,
    ),
    Rule(
        "union_fee_shortfall",
        17,
        "Ghi thu kinh phí công đoàn thấp hơn 2% quỹ lương",
        "Union fee recorded under 2% of the known payroll",
        union_fee_shortfall,
    ),
    Rule(
        "unlinked_officer",
        None,
        "Cán bộ giữ tiền chưa gắn hồ sơ đoàn viên",
        "Money officer with no member link",
        unlinked_officer,
    ),
    Rule(
        "member_dispute",
        None,
        "Đoàn viên khiếu nại",
        "Member's dispute",
        member_dispute,
    ),
]
RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}


def recorded_times(engine: Any, event_ids: Iterable[str]) -> dict[str, str]:
    """When each event was recorded (`ledger_entries.recorded_at`, an ISO instant), by event
    id: what the evidence of a back-dating needs beside the effective date (a death recorded
    after the payout it makes a ghost payout, a record entered months after its date)."""
    return {k: recorded for k, (recorded, _unit) in _entries(engine, event_ids).items()}


def entry_units(engine: Any, event_ids: Iterable[str]) -> dict[str, str]:
    """The unit each event was recorded in (`ledger_entries.unit_code`), by event id: what an
    evidence row shows when the rule gave none (a member's death, leave or transfer)."""
    return {k: unit for k, (_recorded, unit) in _entries(engine, event_ids).items() if unit}


def _entries(engine: Any, event_ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
    from sqlalchemy import select

    from ledger.tables import ledger_entries as e

    ids = sorted(set(event_ids))
    out: dict[str, tuple[str, str | None]] = {}
    with engine.connect() as conn:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = conn.execute(
                select(e.c.event_id, e.c.recorded_at, e.c.unit_code).where(e.c.event_id.in_(chunk))
            )
            out.update(
                {
                    str(r.event_id): (
                        str(r.recorded_at),
                        None if r.unit_code is None else str(r.unit_code),
                    )
                    for r in rows
                }
            )
    return out


def rule_title(rule_id: str, lang: str = "vi") -> str:
    """A rule as a person reads it: `1. Chi cho người không còn là đoàn viên`, the label alone
    for a rule without a number (`Đoàn viên khiếu nại`), the bare id for an unknown one."""
    rule = RULES_BY_ID.get(rule_id)
    if rule is None:
        return rule_id
    label = rule.label_vi if lang == "vi" else rule.label_en
    return f"{rule.number}. {label}" if rule.number else label


# Findings about the ledger as it stands, kept whatever the period asked for: union figures
# compared with peers, and officers rule 6 cannot see (their registration may be years old).
STATE_RULES = frozenset({"concentration", "union_ratios", "unlinked_officer"})


@dataclass
class DetectionReport:
    findings: list[DetectedFinding]  # worst first
    unit: str | None = None
    period: str | None = None
    events: int = 0
    seconds: float = 0.0
    verified: bool = False  # a verification report of #4 was included
    verification_ok: bool | None = None
    rule_errors: dict[str, str] = field(default_factory=dict)
    # Judgments of findings that are not detected any more (the data changed since), those
    # signed for a unit inside the one asked for; and judgments of its findings signed for a
    # unit that does not cover them (set aside).
    stale_judgments: dict[str, list[Judgment]] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    def by_rule(self) -> dict[str, list[DetectedFinding]]:
        out: dict[str, list[DetectedFinding]] = {r.id: [] for r in RULES}
        for f in self.findings:
            out.setdefault(f.rule, []).append(f)
        return out

    def counts(self) -> dict[str, int]:
        return dict(Counter(f.rule for f in self.findings))

    def money_at_stake(self) -> int:
        """The money of every finding, each event's counted once (`money_at_stake`)."""
        return money_at_stake(self.findings)

    def find(self, finding: str) -> DetectedFinding | None:
        return next((f for f in self.findings if f.id == finding), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "period": self.period,
            "events": self.events,
            "seconds": round(self.seconds, 3),
            "verified": self.verified,
            "verification_ok": self.verification_ok,
            "counts": self.counts(),
            "amount_at_stake": self.money_at_stake(),
            "rule_errors": self.rule_errors,
            "facts": self.facts,
            "findings": [f.as_dict() for f in self.findings],
            "stale_judgments": {
                k: [j.as_dict() for j in v] for k, v in self.stale_judgments.items()
            },
        }


def _covers(facts: Facts, judged_for: str | None, unit: str | None) -> bool:
    """Whether a judgment signed for `judged_for` (the inspector's role was checked over that
    unit) may judge a finding of `unit`: the unit must be it or one of its descendants; a
    finding without a unit takes a judgment for a root of the tree."""
    if judged_for is None:
        return False
    if unit is None:
        return judged_for in facts.units and facts.units[judged_for].parent is None
    return judged_for in facts.ancestors(unit)


def _status(judgments: list[Judgment]) -> Status:
    if not judgments:
        return "open"
    return "confirmed" if judgments[-1].decision == "confirm" else "dismissed"


def run_rules(facts: Facts) -> tuple[list[DetectedFinding], dict[str, str]]:
    """Every rule over the facts; findings with the same id are reported once."""
    found: dict[str, DetectedFinding] = {}
    errors: dict[str, str] = {}
    for rule in RULES:
        try:
            results = rule(facts)
        except Exception as exc:  # a broken rule must not hide the others' findings
            errors[rule.id] = f"{type(exc).__name__}: {exc}"
            continue
        for f in results:
            found.setdefault(f.id, f)
    return list(found.values()), errors


def _in_scope(f: DetectedFinding, units: set[str] | None, period: Period | None) -> bool:
    if (
        units is not None
        and f.unit not in units
        and not any(e.unit in units for e in f.evidence if e.unit)
    ):
        return False
    if period is None or f.rule in STATE_RULES or not f.evidence:
        return True
    if f.rule in ("remittance_shortfall", "union_fee_shortfall") and f.period is not None:
        # judged per quarter: in scope when the quarter meets the period (its remittances,
        # fee declarations may be dated in the following quarter)
        quarter = parse_period(f.period)
        return quarter.start < period.end and period.start < quarter.end
    # an event shown as context (a registration of one citizen in two unions, the back-dated
    # leave before a ghost payout) does not place a finding in its year: the payouts do
    dates = f.dates()
    return not dates or any(period.contains(d) for d in dates)


OUTSIDE_VI = "[ngoài phạm vi]"
OUTSIDE_EN = "[outside this view]"
_MONEY = re.compile(r"(?<![\w.])-?\d{1,3}(?:\.\d{3})* đ(?!\w)")


def _unitless(findings: Iterable[DetectedFinding]) -> list[str]:
    return [e.event_id for f in findings for e in f.evidence if e.unit is None]


# what a union above the view records that governs the view's unions: its policy versions
RULES_FROM_ABOVE = frozenset({"policy.adopt"})


def within(
    findings: Iterable[DetectedFinding],
    scope: set[str],
    units: dict[str, str],
    above: Iterable[str] = (),
) -> list[DetectedFinding]:
    """The findings as a view of the units `scope` shows them: an evidence entry recorded in
    a union outside it (another union's payout in a finding that spans two: one citizen in two
    unions, one account for members of two) keeps its date, type and unit and loses its event
    id, amount, people and note; the finding's event ids, people and money at stake keep only
    what is inside (the amount is the sum of its stakes inside), people named only by hidden
    entries are replaced in its explanation, and so are its sums of money when a hidden entry
    carried money; a judgment of such a finding signed for a unit outside keeps its decision,
    officer and time, not its note or reply. An entry of no union (an officer's registration or
    key) is nobody's money and stays, and so does a policy version of a union `above` the view
    (`RULES_FROM_ABOVE`): the view's unions are held to it. `units`: the recording unit of
    evidence without one."""
    over = frozenset(above)
    return [_within(f, scope, units, over) for f in findings]


def _within(
    f: DetectedFinding, scope: set[str], units: dict[str, str], above: frozenset[str]
) -> DetectedFinding:
    def outside(e: Evidence) -> str | None:
        where = e.unit or units.get(e.event_id)
        if where is None or where in scope or (where in above and e.what in RULES_FROM_ABOVE):
            return None
        return where

    hidden = [e for e in f.evidence if outside(e) is not None]
    if not hidden:
        return f
    places = tuple(sorted({str(outside(e)) for e in hidden}))
    hidden_ids = {e.event_id for e in hidden}
    seen = {p for e in f.evidence if outside(e) is None for p in e.people}
    gone = {p for e in hidden for p in e.people} - seen
    vi, en = f.explanation_vi, f.explanation_en
    for code in sorted(gone, key=len, reverse=True):
        token = re.compile(rf"(?<![\w.-]){re.escape(code)}(?![\w-])")
        vi, en = token.sub(OUTSIDE_VI, vi), token.sub(OUTSIDE_EN, en)
    if any(e.amount is not None for e in hidden):
        vi, en = _MONEY.sub("…", vi), _MONEY.sub("…", en)
    vi += (
        f" (Có {len(hidden)} bút toán của {', '.join(places)}, ngoài phạm vi xem: không hiện mã "
        "bút toán, số tiền, người; số tiền liên quan chỉ tính phần trong phạm vi.)"
    )
    en += (
        f" ({len(hidden)} {'entry' if len(hidden) == 1 else 'entries'} of {', '.join(places)}, "
        "outside this view: ids, amounts and people not shown; the amount at stake counts only "
        "what is inside.)"
    )
    stakes = tuple((k, v) for k, v in f.stakes if k.split("#")[0] not in hidden_ids)
    note = (
        "(ghi chú của kết luận ký cho đơn vị ngoài phạm vi xem / the note of a judgment signed "
        "for a unit outside this view)"
    )
    return replace(
        f,
        people=tuple(p for p in f.people if p not in gone),
        amount=sum(v for _k, v in stakes) if f.stakes else f.amount,
        explanation_vi=vi,
        explanation_en=en,
        event_ids=tuple(i for i in f.event_ids if i not in hidden_ids),
        evidence=tuple(_redacted(e, where) if (where := outside(e)) else e for e in f.evidence),
        stakes=stakes,
        judgments=tuple(
            j if j.unit in scope else replace(j, note=note, reply=None) for j in f.judgments
        ),
        outside=places,
    )


def _redacted(e: Evidence, unit: str) -> Evidence:
    return Evidence(
        "",
        e.what,
        e.on,
        unit,
        None,
        (),
        f"bút toán của {unit}, ngoài phạm vi xem",
        context=e.context,
        note_en=f"an entry of {unit}, outside this view",
        outside=True,
    )


def detect(
    ctx: Any,
    *,
    unit: str | None = None,
    period: str | Period | None = None,
    verification: Report | None = None,
    verify: bool = False,
    progress: Progress | None = None,
) -> DetectionReport:
    """Run every rule over the ledger of `ctx` (an open `ledger.bootstrap.Context`)."""
    started = time.perf_counter()
    p = parse_period(period) if isinstance(period, str) else period
    engine = ctx.engine
    if verification is None and verify:
        from audit.source import DatabaseSource
        from audit.verify import verify as run_verify

        url = engine.url.render_as_string(hide_password=False)
        verification = run_verify(DatabaseSource(url, engine=engine))
    facts = load_facts(engine, period=p, verification=verification, progress=progress)
    if unit is not None and unit not in facts.units:
        raise not_found("unit", unit, field_="unit")
    findings, errors = run_rules(facts)
    scope = facts.subtree(unit) if unit is not None else None
    kept = []
    beside: dict[str, list[Judgment]] = {}  # judgments signed for a unit not covering the finding
    for f in findings:
        if not _in_scope(f, scope, p):
            continue
        judgments = facts.judgments.get(f.id, [])
        covering = [j for j in judgments if _covers(facts, j.unit, f.unit)]
        if len(covering) < len(judgments):
            beside[f.id] = [j for j in judgments if j not in covering]
        kept.append(replace(f, status=_status(covering), judgments=tuple(covering)))
    if unit is not None and scope is not None:
        kept = within(
            kept, scope, entry_units(engine, _unitless(kept)), above=facts.ancestors(unit)[1:]
        )
    kept.sort(key=lambda f: f.sort_key)
    detected = {f.id for f in findings}
    # A judgment of a finding no longer detected names no unit but the one it was signed for:
    # a report of part of the tree lists those signed for a unit inside it, never another
    # union's (its note may name that union's officers and members).
    stale: dict[str, list[Judgment]] = {}
    for k, v in facts.judgments.items():
        signed_inside = [j for j in v if scope is None or j.unit in scope]
        if k not in detected and signed_inside:
            stale[k] = signed_inside
    return DetectionReport(
        findings=kept,
        unit=unit,
        period=p.label if p is not None else None,
        events=facts.events,
        seconds=time.perf_counter() - started,
        verified=verification is not None,
        verification_ok=verification.ok if verification is not None else None,
        rule_errors=errors,
        stale_judgments=stale | beside,
        facts=facts.summary(),
    )


__all__ = [
    "RULES",
    "RULES_BY_ID",
    "SEVERITY_ORDER",
    "DetectedFinding",
    "DetectionReport",
    "Evidence",
    "Judgment",
    "Rule",
    "detect",
    "entry_units",
    "money_at_stake",
    "recorded_times",
    "rule_title",
    "within",
]
