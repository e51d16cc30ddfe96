"""Internal spending rules (quy chế chi tiêu nội bộ) as date-effective, validated data.

Invariants:
- Rates, caps and shares are data, never constants: each ``Policy`` version carries its own
  dues rate, dues cap, base salary (lương cơ sở), fee and dues shares, approval threshold and
  welfare rules, and applies from ``effective_from`` until the next version of the same book.
- A ``Policy`` or ``WelfareRule`` that exists is valid: construction checks every field and
  raises ``PolicyError`` listing all problems as ``(field path, Vietnamese, English)``, e.g.
  ``("welfare.sickness_visit.per_payout_cap", "phải là số nguyên đồng ≥ 0",
  "must be a whole number of đồng ≥ 0")``: the people who write a policy file read
  Vietnamese, so every refusal has both (``PolicyError.errors`` keeps the English pairs).
- Amounts are whole đồng; rates and shares are basis points within 0..10 000 (1% = 100 bp).
  Derived amounts use the single rounding rule of ``ledger.domain.money`` (``ROUNDING``).
- A welfare kind absent from ``Policy.welfare`` is NOT allowed under that policy.
- ``from_dict(to_dict(p)) == p`` and ``to_dict`` is deterministic (catalogue order for enum-keyed
  maps, ISO dates, enum values), so a policy can be hashed or signed as JSON.
- Inheritance: a unit without a version in force on a date uses its parent's, then the
  grandparent's (``resolve``); versions never mix across units.
- Oversight (``oversight``): what a unit is *judged* by (the welfare target and category
  limits of the reports and of detection, and the detection thresholds) is tightened, never
  loosened, below: the highest target and the strictest limits in force across the unit's
  chain, and the thresholds of the highest union with a version in force. A union's own
  version still governs what it may pay (caps, counts, approval threshold).
- ``policy_json_schema`` (the API's document of ``policy.adopt``) is made from the same check
  tables, field lists and defaults as ``from_dict``: every leaf check has its schema in
  ``_CHECK_SCHEMAS`` (a check without one is a KeyError when ``ledger.domain.commands`` is
  imported, which builds the schema).
- Detection thresholds (``DetectionRules``, the ``detection`` section read by ``audit.detect``)
  are policy data too; a stored policy without the section, or with some of its fields
  missing, loads with the documented defaults.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from datetime import date, datetime
from importlib import resources
from itertools import pairwise
from types import MappingProxyType
from typing import Any, Final, Literal, TypeAlias, cast, get_args

from ledger.domain.catalogue import IncomeSource, SpendingCategory, WelfareKind
from ledger.domain.money import BP_PER_WHOLE, Dong, apply_rate
from ledger.textfiles import hidden_characters

CountPeriod: TypeAlias = Literal["year", "lunar", "month", "quarter"]
COUNT_PERIODS: Final[tuple[str, ...]] = get_args(CountPeriod)
CategoryLimit: TypeAlias = tuple[int | None, int | None]  # (min_bp, max_bp) of total spending

DEFAULT_POLICY_RESOURCE: Final = "policies/default.json"  # inside package ``ledger.domain``

Message: TypeAlias = tuple[str, str]  # (Vietnamese, English)
FieldProblem: TypeAlias = tuple[str, str, str]  # (field path, Vietnamese, English)
_Check: TypeAlias = Callable[[object], Message | None]
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# --- leaf checks: return a message (Vietnamese, English), or None when the value is fine ----------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _money(value: object) -> Message | None:
    if _is_int(value) and cast(int, value) >= 0:
        return None
    return "phải là số nguyên đồng ≥ 0", "must be a whole number of đồng ≥ 0"


def _bp(value: object) -> Message | None:
    if _is_int(value) and 0 <= cast(int, value) <= BP_PER_WHOLE:
        return None
    return (
        f"phải là số nguyên điểm cơ bản (basis point) từ 0 đến {BP_PER_WHOLE} (1% = 100 bp)",
        f"must be a whole number of basis points from 0 to {BP_PER_WHOLE} (1% = 100 bp)",
    )


def _days(value: object) -> Message | None:
    if _is_int(value) and cast(int, value) >= 0:
        return None
    return "phải là số nguyên ngày ≥ 0", "must be a whole number of days ≥ 0"


def _count(value: object) -> Message | None:
    if _is_int(value) and cast(int, value) >= 1:
        return None
    return "phải là số nguyên ≥ 1", "must be a whole number ≥ 1"


def _flag(value: object) -> Message | None:
    return None if isinstance(value, bool) else ("phải là true hoặc false", "must be true or false")


_PERIODS_VI: Final[dict[str, str]] = {
    "year": "năm",
    "lunar": "năm âm lịch",
    "month": "tháng",
    "quarter": "quý",
}


def _count_period(value: object) -> Message | None:
    if value in COUNT_PERIODS:
        return None
    choices = ", ".join(f"{p} ({_PERIODS_VI[p]})" for p in COUNT_PERIODS)
    return f"phải là một trong: {choices}", f"must be one of {', '.join(COUNT_PERIODS)}"


def _optional(check: _Check) -> _Check:
    def optional_check(value: object) -> Message | None:
        return None if value is None else check(value)

    optional_check.optional_of = check  # type: ignore[attr-defined]  # for _schema_of
    return optional_check


MAX_VERSION = 200  # as any one-line text of a command (ledger.domain.commands.ShortText)


def _version(value: object) -> Message | None:
    if not (isinstance(value, str) and value and value == value.strip()):
        return (
            "phải là chuỗi ký tự không rỗng, không có khoảng trắng ở đầu hay cuối",
            "must be a non-empty text without surrounding spaces",
        )
    hidden = hidden_characters(value)
    if hidden:
        # "2026-01" with a zero-width space would read as the version it is not
        listed = ", ".join(hidden)
        return (
            f"không được chứa ký tự điều khiển, ký tự vô hình hay xuống dòng ({listed})",
            f"must not hold control, invisible characters or line breaks ({listed})",
        )
    if not unicodedata.is_normalized("NFC", value):
        # as every free text of a command (ledger.domain.commands.NOT_NFC)
        return (
            "chưa chuẩn hóa Unicode NFC (chữ có dấu ở dạng tổ hợp)",
            "is not in Unicode NFC (accented letters are decomposed)",
        )
    if len(value) > MAX_VERSION:
        return (
            f"dài tối đa {MAX_VERSION} ký tự",
            f"must be at most {MAX_VERSION} characters",
        )
    return None


def _date(value: object) -> Message | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return None
    return "phải là ngày dạng YYYY-MM-DD", "must be a date (ISO YYYY-MM-DD)"


# What each leaf check accepts, as JSON Schema (`policy_json_schema`, the API's document).
_CHECK_SCHEMAS: Final[dict[_Check, dict[str, Any]]] = {
    _money: {"type": "integer", "minimum": 0, "description": "whole đồng"},
    _bp: {
        "type": "integer",
        "minimum": 0,
        "maximum": BP_PER_WHOLE,
        "description": "basis points (1% = 100 bp)",
    },
    _days: {"type": "integer", "minimum": 0, "description": "days"},
    _count: {"type": "integer", "minimum": 1},
    _flag: {"type": "boolean"},
    _count_period: {"type": "string", "enum": list(COUNT_PERIODS)},
    _version: {"type": "string", "maxLength": MAX_VERSION, "pattern": r"^\S([\s\S]*\S)?$"},
    _date: {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
}


def _schema_of(check: _Check) -> dict[str, Any]:
    """The JSON Schema of the values `check` accepts (KeyError: a check without one)."""
    inner = getattr(check, "optional_of", None)
    if inner is not None:
        return {"anyOf": [_schema_of(inner), {"type": "null"}]}
    return dict(_CHECK_SCHEMAS[check])


def _run(checks: Sequence[tuple[str, _Check]], get: Callable[[str], object]) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for name, check in checks:
        message = check(get(name))
        if message:
            problems.append((name, *message))
    return problems


def _prefixed(prefix: str, problems: Sequence[FieldProblem]) -> list[FieldProblem]:
    return [(f"{prefix}.{name}" if name else prefix, vi, en) for name, vi, en in problems]


_NOT_AN_OBJECT: Final[Message] = ("phải là đối tượng JSON {...}", "must be an object")


class PolicyError(ValueError):
    """A policy failed validation. ``problems`` lists ``(field path, Vietnamese, English)``;
    ``errors`` the same as ``(field path, English)`` pairs."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems: list[FieldProblem] = list(problems)
        self.errors: list[tuple[str, str]] = [(name, en) for name, _vi, en in self.problems]
        lines = "\n".join(f"  {name}: {vi} / {en}" for name, vi, en in self.problems)
        super().__init__(f"Quy chế không hợp lệ / invalid policy:\n{lines}")

    def __reduce__(self) -> tuple[type[PolicyError], tuple[list[FieldProblem]]]:
        return (type(self), (self.problems,))


# --- welfare rules --------------------------------------------------------------------------------

_RULE_CHECKS: Final[tuple[tuple[str, _Check], ...]] = (
    ("per_payout_cap", _optional(_money)),
    ("per_year_cap", _optional(_money)),
    ("max_count", _optional(_count)),
    ("count_period", _count_period),
    ("relatives_eligible", _flag),
    ("requires_reason", _flag),
    ("max_per_occasion", _optional(_count)),
)
_RULE_DEFAULTS: Final[dict[str, object]] = {
    "per_payout_cap": None,
    "per_year_cap": None,
    "max_count": None,
    "count_period": "year",
    "relatives_eligible": False,
    "requires_reason": False,
    "max_per_occasion": None,
}
# Optional fields a rule's JSON form leaves out when they are not set (so the versions
# written before them keep their form, and their digests).
_RULE_OMITTED_WHEN_NONE: Final[frozenset[str]] = frozenset({"max_per_occasion"})


@dataclass(frozen=True)
class WelfareRule:
    """How much of one welfare kind may be paid, how often, and to whom.

    ``per_year_cap`` and ``max_count`` are summed/counted per beneficiary over the counting
    window ``count_period`` (``"lunar"``: the Tết window of ``ledger.domain.periods``).
    ``None`` means no limit.

    ``max_per_occasion`` (optional): how many payouts of the kind one beneficiary may get
    for ONE occasion, i.e. in how many instalments (đợt) the union pays it (Tết support in
    two: 2). ``None`` means one: a second payout for the same occasion within
    ``detection.repeat_window_days`` is that occasion paid twice (detection rule 2). When
    set, the ledger also refuses a payout beyond it when recorded (``over_per_occasion``,
    overridable by the chair as the count is: ``ledger.domain.rules``). It
    cannot exceed ``max_count``; the count and caps still apply to every instalment, and a
    bereavement stays once per person (a person dies once).
    """

    kind: WelfareKind
    per_payout_cap: Dong | None = None
    _: KW_ONLY
    per_year_cap: Dong | None = None
    max_count: int | None = None
    count_period: CountPeriod = "year"
    relatives_eligible: bool = False
    requires_reason: bool = False
    max_per_occasion: int | None = None

    def __post_init__(self) -> None:
        problems: list[FieldProblem] = []
        if not isinstance(self.kind, WelfareKind):
            try:
                object.__setattr__(self, "kind", WelfareKind(self.kind))
            except ValueError:
                problems.append(
                    (
                        "kind",
                        "phải là một loại phúc lợi trong danh mục",
                        "must be a welfare kind of the catalogue",
                    )
                )
        problems += _run(_RULE_CHECKS, lambda name: getattr(self, name))
        if (
            not problems
            and self.per_payout_cap is not None
            and self.per_year_cap is not None
            and self.per_payout_cap > self.per_year_cap
        ):
            problems.append(
                (
                    "per_payout_cap",
                    "không được lớn hơn per_year_cap (mức tối đa trong kỳ)",
                    "must not exceed per_year_cap",
                )
            )
        if (
            not problems
            and self.max_per_occasion is not None
            and self.max_count is not None
            and self.max_per_occasion > self.max_count
        ):
            problems.append(
                (
                    "max_per_occasion",
                    f"không được lớn hơn max_count ({self.max_count} lần trong kỳ): số đợt "
                    "chi cho một dịp nằm trong số lần được nhận",
                    f"must not exceed max_count ({self.max_count} per period): the instalments "
                    "of one occasion are payouts the count allows",
                )
            )
        if problems:
            raise PolicyError(problems)

    @property
    def per_occasion(self) -> int:
        """Payouts allowed to one beneficiary for one occasion (its instalments): 1 unless
        ``max_per_occasion`` says more."""
        return self.max_per_occasion or 1

    @classmethod
    def from_dict(cls, kind: WelfareKind | str, data: Mapping[str, Any]) -> WelfareRule:
        """Build from the JSON form (the kind is the key it is filed under, not a field)."""
        if not isinstance(data, Mapping):
            raise PolicyError([("", *_NOT_AN_OBJECT)])
        problems = _unknown_fields(data, _RULE_DEFAULTS)
        values = {name: data.get(name, default) for name, default in _RULE_DEFAULTS.items()}
        problems += _run(_RULE_CHECKS, values.__getitem__)
        if problems:
            raise PolicyError(problems)
        return cls(WelfareKind(kind), **values)

    def to_dict(self) -> dict[str, Any]:
        return {
            name: getattr(self, name)
            for name in _RULE_DEFAULTS
            if not (name in _RULE_OMITTED_WHEN_NONE and getattr(self, name) is None)
        }


# --- detection thresholds ------------------------------------------------------------------------


def _ratio_bp(value: object) -> Message | None:
    if _is_int(value) and BP_PER_WHOLE <= cast(int, value) <= 100 * BP_PER_WHOLE:
        return None
    return (
        f"phải là số nguyên điểm cơ bản từ {BP_PER_WHOLE} (1 lần) đến {100 * BP_PER_WHOLE}",
        f"must be a whole number of basis points from {BP_PER_WHOLE} (1×) to {100 * BP_PER_WHOLE}",
    )


def _day_of_month(value: object) -> Message | None:
    if _is_int(value) and 1 <= cast(int, value) <= 28:
        return None
    return "phải là ngày trong tháng từ 1 đến 28", "must be a day of the month from 1 to 28"


_CHECK_SCHEMAS[_ratio_bp] = {
    "type": "integer",
    "minimum": BP_PER_WHOLE,
    "maximum": 100 * BP_PER_WHOLE,
    "description": "basis points, 10000 = 1×",
}
_CHECK_SCHEMAS[_day_of_month] = {"type": "integer", "minimum": 1, "maximum": 28}

_DETECTION_CHECKS: Final[tuple[tuple[str, _Check], ...]] = (
    ("repeat_window_days", _days),
    ("report_deadline_day", _day_of_month),
    ("burst_window_days", _days),
    ("burst_min_records", _count),
    ("burst_min_lag_days", _days),
    ("reversal_match_days", _days),
    ("uniform_min_peers", _count),
    ("concentration_top_bp", _bp),
    ("concentration_min_share_bp", _bp),
    ("concentration_margin_bp", _bp),
    ("concentration_min_gini_bp", _bp),
    ("concentration_gini_margin_bp", _bp),
    ("concentration_min_recipients", _count),
    ("in_kind_price_ratio_bp", _ratio_bp),
    ("in_kind_min_peers", _count),
    ("in_kind_season_days", _days),
    ("min_collection_rate_bp", _bp),
    ("remittance_tolerance", _money),
    ("union_fee_tolerance_bp", _bp),
)


@dataclass(frozen=True)
class DetectionRules:
    """Thresholds of the profiteering rules (``audit.detect``), per policy version.

    The back-dating limit and the split-payment window are the policy's own
    ``backdate_days`` and ``split_window_days``; the approval threshold, caps, counts, the
    welfare target and category limits are the policy's too. What is added here:

    - ``repeat_window_days``: two payouts of one kind to one beneficiary for the same occasion
      (the same occasion text) within this many days are one occasion paid twice (rule 2).
    - ``report_deadline_day``: the monthly report (Phụ lục 01) is due before this day;
      ``burst_window_days``: the days just before it; a burst is at least
      ``burst_min_records`` records by one officer for one unit in those days, each with an
      effective date at least ``burst_min_lag_days`` before its recording (rule 8).
    - ``reversal_match_days``: a reversal is matched by a counter-movement (the kept twin of
      a duplicate, or the corrected re-recording, recorded after the reversed record, for the
      same lines and amount) within this many days (rule 9).
    - ``uniform_min_peers``: a payout to an officer (or their family) of a kind paid to every
      member for a collective occasion (Tết support, gifts) is not self-dealing when at least
      this many other members of the unit got the same kind, at least as much, for the same
      occasion: the officer's ordinary entitlement as a member (rule 6). Need-based kinds
      (sickness, hardship, bereavement...) are never excused this way.
    - ``concentration_*``: the top ``concentration_top_bp`` of a union's recipients (rounded
      up, at least one person) receiving at least ``concentration_min_share_bp`` of its cash
      welfare money and ``concentration_margin_bp`` more than the peers' median share, or a
      Gini coefficient at least ``concentration_min_gini_bp`` and
      ``concentration_gini_margin_bp`` above the peers' median; unions with fewer than
      ``concentration_min_recipients`` recipients are not judged (rule 10).
    - ``in_kind_price_ratio_bp``: an in-kind unit price at least this multiple (10 000 = 1×)
      of the median price other unions paid for the same item in the same season (bought
      within ``in_kind_season_days`` days before or after it, so Tết goods bought late in
      December and early in January are compared), with at least ``in_kind_min_peers`` other
      unions to compare with (rule 11).
    - ``min_collection_rate_bp``: dues collected for fewer member-months than this share of
      the members' months in the union (rule 12).
    - ``remittance_tolerance``: đồng a grassroots union may remit short of what a quarter's
      collections owe its upper level (rounding to the thousand, a few đồng a month) without
      it being reported (rule 14).
    - ``union_fee_tolerance_bp``: a month's union fee may be recorded this share below the
      fee rate of the payroll the ledger knows for it (the larger of the declared payroll
      and the salaries of the union's dues batches for the month) without it being reported
      (rule 17).
    """

    repeat_window_days: int = 31
    report_deadline_day: int = 20
    burst_window_days: int = 3
    burst_min_records: int = 5
    burst_min_lag_days: int = 10
    reversal_match_days: int = 31
    uniform_min_peers: int = 3
    concentration_top_bp: int = 500
    concentration_min_share_bp: int = 6000
    concentration_margin_bp: int = 2000
    concentration_min_gini_bp: int = 6000
    concentration_gini_margin_bp: int = 2500
    concentration_min_recipients: int = 10
    in_kind_price_ratio_bp: int = 20_000
    in_kind_min_peers: int = 2
    in_kind_season_days: int = 45
    min_collection_rate_bp: int = 7000
    remittance_tolerance: int = 100_000
    union_fee_tolerance_bp: int = 1000

    def __post_init__(self) -> None:
        problems = _run(_DETECTION_CHECKS, lambda name: getattr(self, name))
        if problems:
            raise PolicyError(problems)

    @classmethod
    def from_dict(cls, data: object) -> DetectionRules:
        """Build from the JSON form; absent fields take their defaults."""
        if not isinstance(data, Mapping):
            raise PolicyError([("", *_NOT_AN_OBJECT)])
        names = [name for name, _check in _DETECTION_CHECKS]
        problems = _unknown_fields(data, names)
        values = {name: data[name] for name in names if name in data}
        problems += _run([(n, c) for n, c in _DETECTION_CHECKS if n in values], values.__getitem__)
        if problems:
            raise PolicyError(problems)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name, _check in _DETECTION_CHECKS}


# --- policy ------------------------------------------------------------------------------------

_POLICY_CHECKS: Final[tuple[tuple[str, _Check], ...]] = (
    ("version", _version),
    ("effective_from", _date),
    ("dues_rate_bp", _bp),
    ("dues_cap_bp_of_base", _bp),
    ("base_salary", _money),
    ("union_fee_rate_bp", _bp),
    ("grassroots_fee_share_bp", _bp),
    ("grassroots_dues_share_bp", _bp),
    ("approval_threshold", _money),
    ("welfare_target_bp", _bp),
    ("backdate_days", _days),
    ("split_window_days", _days),
)
_POLICY_OPTIONAL: Final[dict[str, object]] = {
    "category_limits": {},
    "backdate_days": 45,
    "split_window_days": 7,
    "detection": {},
}
_POLICY_FIELDS: Final[tuple[str, ...]] = (
    *(name for name, _check in _POLICY_CHECKS if name not in _POLICY_OPTIONAL),
    "category_limits",
    "welfare",
    "backdate_days",
    "split_window_days",
    "detection",
)


@dataclass(frozen=True)
class Policy:
    """One version of a union's internal spending rules (quy chế chi tiêu nội bộ).

    ``approval_threshold``: a payout strictly above it needs the chair's second signature.
    ``category_limits``: per spending category, the (min, max) share of total spending in bp.
    ``backdate_days``: how far an effective date may precede its recording.
    ``split_window_days``: window in which payouts to one person are summed to detect a payment
    split under the approval threshold. ``detection``: the other thresholds of the
    profiteering rules (``DetectionRules``). Instances are immutable but not hashable.
    """

    version: str
    effective_from: date
    _: KW_ONLY
    dues_rate_bp: int
    dues_cap_bp_of_base: int
    base_salary: Dong
    union_fee_rate_bp: int
    grassroots_fee_share_bp: int
    grassroots_dues_share_bp: int
    approval_threshold: Dong
    welfare_target_bp: int
    welfare: Mapping[WelfareKind, WelfareRule]
    category_limits: Mapping[SpendingCategory, CategoryLimit] = field(
        default_factory=lambda: MappingProxyType({})
    )
    backdate_days: int = 45
    split_window_days: int = 7
    detection: DetectionRules = field(default_factory=DetectionRules)

    def __post_init__(self) -> None:
        problems = _run(_POLICY_CHECKS, lambda name: getattr(self, name))
        if not isinstance(self.detection, DetectionRules):
            problems.append(("detection", "phải là DetectionRules", "must be a DetectionRules"))
        limits, limit_problems = _normalise_limits(self.category_limits)
        rules, rule_problems = _normalise_rules(self.welfare)
        problems += _prefixed("category_limits", limit_problems)
        problems += _prefixed("welfare", rule_problems)
        if problems:
            raise PolicyError(problems)
        object.__setattr__(self, "category_limits", MappingProxyType(limits))
        object.__setattr__(self, "welfare", MappingProxyType(rules))

    def rule(self, kind: WelfareKind) -> WelfareRule | None:
        """The rule for ``kind``, or ``None`` when this policy does not allow that kind."""
        return self.welfare.get(kind)

    def allows(self, kind: WelfareKind) -> bool:
        return kind in self.welfare

    def limit(self, category: SpendingCategory) -> CategoryLimit:
        return self.category_limits.get(category, (None, None))

    def needs_second_signature(self, amount: Dong) -> bool:
        """True when ``amount`` is strictly above the approval threshold."""
        return amount > self.approval_threshold

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        """Build from the JSON form; every problem is reported with its field path."""
        if not isinstance(data, Mapping):
            raise PolicyError([("", *_NOT_AN_OBJECT)])
        problems = _unknown_fields(data, _POLICY_FIELDS)
        values: dict[str, Any] = {}
        for name in _POLICY_FIELDS:
            if name in data:
                values[name] = data[name]
            elif name in _POLICY_OPTIONAL:
                values[name] = _POLICY_OPTIONAL[name]
            else:
                problems.append((name, "thiếu trường bắt buộc", "is required"))
        if isinstance(values.get("effective_from"), str):
            values["effective_from"] = _parse_iso_date(values["effective_from"])
        checks = [(name, check) for name, check in _POLICY_CHECKS if name in values]
        problems += _run(checks, values.__getitem__)
        if "category_limits" in values:
            limits, limit_problems = _limits_from_dict(values["category_limits"])
            values["category_limits"] = limits
            problems += _prefixed("category_limits", limit_problems)
        if "welfare" in values:
            rules, rule_problems = _rules_from_dict(values["welfare"])
            values["welfare"] = rules
            problems += _prefixed("welfare", rule_problems)
        if "detection" in values:
            try:
                values["detection"] = DetectionRules.from_dict(values["detection"])
            except PolicyError as exc:
                problems += _prefixed("detection", exc.problems)
        if problems:
            raise PolicyError(problems)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Deterministic JSON-able form (ISO dates, enum values, catalogue order)."""
        out: dict[str, Any] = {}
        for name in _POLICY_FIELDS:
            if name == "effective_from":
                out[name] = self.effective_from.isoformat()
            elif name == "category_limits":
                out[name] = {
                    cat.value: {"min_bp": lo, "max_bp": hi}
                    for cat, (lo, hi) in self.category_limits.items()
                }
            elif name == "welfare":
                out[name] = {kind.value: rule.to_dict() for kind, rule in self.welfare.items()}
            elif name == "detection":
                out[name] = self.detection.to_dict()
            else:
                out[name] = getattr(self, name)
        return out


def policy_json_schema() -> dict[str, Any]:
    """JSON Schema of a policy version's JSON form, as ``Policy.from_dict`` reads it, made
    from the same check tables, field lists and defaults (the ``policy`` of ``policy.adopt``
    in the API's document). It cannot say the cross-field rules (a per-payout cap within the
    per-year cap, min_bp within max_bp); ``from_dict`` still checks those."""

    def fields(checks: Sequence[tuple[str, _Check]], defaults: Mapping[str, object]) -> Any:
        return {
            name: _schema_of(check) | ({"default": defaults[name]} if name in defaults else {})
            for name, check in checks
        }

    def closed(properties: dict[str, Any], **more: Any) -> dict[str, Any]:
        return {"type": "object", "properties": properties, "additionalProperties": False} | more

    limit = _schema_of(_optional(_bp))
    properties = fields(_POLICY_CHECKS, _POLICY_OPTIONAL)
    properties["category_limits"] = {
        "type": "object",
        "description": "per spending category, the share of total spending allowed (bp)",
        "propertyNames": {"enum": [c.value for c in SpendingCategory]},
        "additionalProperties": closed({"min_bp": limit, "max_bp": limit}),
        "default": {},
    }
    properties["welfare"] = {
        "type": "object",
        "description": "the welfare kinds this version allows, each with its rule",
        "propertyNames": {"enum": [k.value for k in WelfareKind]},
        "additionalProperties": closed(fields(_RULE_CHECKS, _RULE_DEFAULTS)),
    }
    properties["detection"] = closed(
        fields(_DETECTION_CHECKS, DetectionRules().to_dict()),
        description="thresholds of the profiteering rules; absent fields take their defaults",
        default={},
    )
    return closed(
        {name: properties[name] for name in _POLICY_FIELDS},
        required=[name for name in _POLICY_FIELDS if name not in _POLICY_OPTIONAL],
        description="One version of the union's internal spending rules (quy chế chi tiêu "
        "nội bộ): amounts in whole đồng, rates and shares in basis points.",
    )


def _unknown_fields(
    data: object, known: Sequence[str] | Mapping[str, object]
) -> list[FieldProblem]:
    if not isinstance(data, Mapping):
        return []
    return [
        (str(key), "trường không có trong quy chế (sai tên?)", "unknown field")
        for key in data
        if key not in known
    ]


_UNKNOWN_CATEGORY: Final[Message] = (
    "không phải khoản chi trong danh mục",
    "unknown spending category",
)
_UNKNOWN_KIND: Final[Message] = ("không phải loại phúc lợi trong danh mục", "unknown welfare kind")


def _parse_iso_date(text: str) -> object:
    """The date, or the text unchanged so that the ``_date`` check reports it."""
    if _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return text
    return text


def _normalise_limits(
    limits: object,
) -> tuple[dict[SpendingCategory, CategoryLimit], list[FieldProblem]]:
    if not isinstance(limits, Mapping):
        return {}, [
            (
                "",
                "phải là bảng khoản chi → (min_bp, max_bp)",
                "must be a mapping of spending category to (min_bp, max_bp)",
            )
        ]
    problems: list[FieldProblem] = []
    found: dict[SpendingCategory, CategoryLimit] = {}
    for key, pair in limits.items():
        try:
            cat = SpendingCategory(key)
        except ValueError:
            problems.append((str(key), _UNKNOWN_CATEGORY[0], _UNKNOWN_CATEGORY[1]))
            continue
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            problems.append(
                (cat.value, "phải là cặp (min_bp, max_bp)", "must be a pair (min_bp, max_bp)")
            )
            continue
        lo, hi = pair
        for name, value in (("min_bp", lo), ("max_bp", hi)):
            message = _optional(_bp)(value)
            if message:
                problems.append((f"{cat.value}.{name}", *message))
        if _is_int(lo) and _is_int(hi) and lo > hi:
            problems.append(
                (f"{cat.value}.min_bp", "không được lớn hơn max_bp", "must not exceed max_bp")
            )
        found[cat] = (lo, hi)
    ordered = {cat: found[cat] for cat in SpendingCategory if cat in found}
    return ordered, problems


def _limits_from_dict(data: object) -> tuple[dict[str, CategoryLimit], list[FieldProblem]]:
    if not isinstance(data, Mapping):
        return {}, [
            (
                "",
                "phải là đối tượng JSON: khoản chi → {min_bp, max_bp}",
                "must be an object of spending category to {min_bp, max_bp}",
            )
        ]
    problems: list[FieldProblem] = []
    out: dict[str, CategoryLimit] = {}
    for key, item in data.items():
        if not isinstance(item, Mapping):
            problems.append(
                (
                    str(key),
                    "phải là đối tượng JSON {min_bp, max_bp}",
                    "must be an object {min_bp, max_bp}",
                )
            )
            continue
        problems += _prefixed(str(key), _unknown_fields(item, ("min_bp", "max_bp")))
        out[str(key)] = (item.get("min_bp"), item.get("max_bp"))
    _, pair_problems = _normalise_limits(out)
    return out, problems + pair_problems


def _normalise_rules(
    rules: object,
) -> tuple[dict[WelfareKind, WelfareRule], list[FieldProblem]]:
    if not isinstance(rules, Mapping):
        return {}, [
            (
                "",
                "phải là bảng loại phúc lợi → WelfareRule",
                "must be a mapping of welfare kind to WelfareRule",
            )
        ]
    problems: list[FieldProblem] = []
    found: dict[WelfareKind, WelfareRule] = {}
    for key, rule in rules.items():
        try:
            kind = WelfareKind(key)
        except ValueError:
            problems.append((str(key), _UNKNOWN_KIND[0], _UNKNOWN_KIND[1]))
            continue
        if not isinstance(rule, WelfareRule):
            problems.append((kind.value, "phải là WelfareRule", "must be a WelfareRule"))
        elif rule.kind != kind:
            problems.append(
                (
                    f"{kind.value}.kind",
                    f"quy định của {rule.kind.value} lại đặt dưới {kind.value}",
                    f"rule for {rule.kind.value} filed under {kind}",
                )
            )
        else:
            found[kind] = rule
    ordered = {kind: found[kind] for kind in WelfareKind if kind in found}
    return ordered, problems


def _rules_from_dict(data: object) -> tuple[dict[WelfareKind, WelfareRule], list[FieldProblem]]:
    if not isinstance(data, Mapping):
        return {}, [
            (
                "",
                "phải là đối tượng JSON: loại phúc lợi → quy định",
                "must be an object of welfare kind to rule",
            )
        ]
    problems: list[FieldProblem] = []
    rules: dict[WelfareKind, WelfareRule] = {}
    for key, item in data.items():
        try:
            kind = WelfareKind(key)
        except ValueError:
            problems.append((str(key), _UNKNOWN_KIND[0], _UNKNOWN_KIND[1]))
            continue
        if not isinstance(item, Mapping):
            problems.append((kind.value, *_NOT_AN_OBJECT))
            continue
        try:
            rules[kind] = WelfareRule.from_dict(kind, item)
        except PolicyError as exc:
            problems += _prefixed(kind.value, exc.problems)
    return rules, problems


# --- money rules of a policy ------------------------------------------------------------------


def dues_cap(policy: Policy) -> Dong:
    """Monthly dues cap: ``dues_cap_bp_of_base`` of the base salary (2,340,000 × 10% = 234,000)."""
    return apply_rate(policy.base_salary, policy.dues_cap_bp_of_base)


def expected_dues(policy: Policy, salary_basis: Dong) -> Dong:
    """Monthly dues of one member: the rate applied to the salary basis, capped."""
    if not _is_int(salary_basis) or salary_basis < 0:
        raise ValueError(
            f"Mức lương đóng phải là số đồng ≥ 0 / salary basis must be whole đồng ≥ 0: "
            f"{salary_basis!r}"
        )
    return min(apply_rate(salary_basis, policy.dues_rate_bp), dues_cap(policy))


def standard_part(policy: Policy, salary_basis: Dong | None, amount: Dong) -> Dong:
    """The part of a dues line collected at the standard rate: at most `expected_dues` of the
    salary basis it declares (the rest is above the standard rate, kept by the union); all of
    it when no basis is declared or the line is a reversal's negative amount."""
    if salary_basis is None or amount <= 0:
        return amount
    return min(amount, expected_dues(policy, salary_basis))


def expected_union_fee(policy: Policy, payroll: Dong) -> Dong:
    """Employer union fee (kinh phí công đoàn): ``union_fee_rate_bp`` of the insured payroll."""
    if not _is_int(payroll) or payroll < 0:
        raise ValueError(
            f"Quỹ lương phải là số đồng ≥ 0 / payroll must be whole đồng ≥ 0: {payroll!r}"
        )
    return apply_rate(payroll, policy.union_fee_rate_bp)


@dataclass(frozen=True)
class ShareSplit:
    """An income amount split into what the grassroots union keeps and what it remits upward."""

    kept: Dong  # giữ lại tại công đoàn cơ sở
    remitted: Dong  # nộp cấp trên

    @property
    def total(self) -> Dong:
        return self.kept + self.remitted


def grassroots_share(
    policy: Policy,
    source: IncomeSource,
    amount: Dong,
    *,
    standard_part: Dong | None = None,
) -> ShareSplit:
    """Split income between the grassroots union and its upper level.

    The union keeps ``grassroots_fee_share_bp`` of the union fee and ``grassroots_dues_share_bp``
    of dues collected at the standard rate (``standard_part``, default: all of ``amount``); it
    keeps all dues above the standard rate and all other income. The kept share is rounded by
    ``ROUNDING``; the remittance is the remainder, so ``kept + remitted == amount`` always.
    """
    if not _is_int(amount):
        raise TypeError(f"amount must be an int of đồng, got {type(amount).__name__}")
    if source == IncomeSource.union_fee:
        kept = apply_rate(amount, policy.grassroots_fee_share_bp)
    elif source == IncomeSource.dues:
        standard = amount if standard_part is None else standard_part
        if not _is_int(standard) or not 0 <= standard <= amount:
            raise ValueError(
                f"Phần đoàn phí theo mức chuẩn phải từ 0 đến {amount} / standard_part must be "
                f"whole đồng from 0 to the amount: {standard!r}"
            )
        kept = apply_rate(standard, policy.grassroots_dues_share_bp) + (amount - standard)
    else:
        kept = amount
    return ShareSplit(kept=kept, remitted=amount - kept)


# --- versions, inheritance, shipped defaults ----------------------------------------------------


@dataclass(frozen=True)
class PolicyBook:
    """The policy versions of one unit, ordered by ``effective_from`` (unique dates, labels)."""

    versions: tuple[Policy, ...]
    _: KW_ONLY
    description: str = ""

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.versions, key=lambda p: p.effective_from))
        problems: list[FieldProblem] = []
        for i, (a, b) in enumerate(pairwise(ordered)):
            if a.effective_from == b.effective_from:
                problems.append(
                    (
                        f"versions[{i + 1}].effective_from",
                        "hai phiên bản cùng hiệu lực từ một ngày",
                        "two versions take effect on one date",
                    )
                )
        labels = [p.version for p in ordered]
        for i, label in enumerate(labels):
            if label in labels[:i]:
                problems.append(
                    (
                        f"versions[{i}].version",
                        f"trùng tên phiên bản {label!r}",
                        f"duplicate version {label!r}",
                    )
                )
        if problems:
            raise PolicyError(problems)
        object.__setattr__(self, "versions", ordered)

    def in_force(self, on: date) -> Policy | None:
        """The latest version with ``effective_from <= on``; ``None`` before the first."""
        current: Policy | None = None
        for policy in self.versions:
            if policy.effective_from > on:
                break
            current = policy
        return current

    def version(self, label: str) -> Policy | None:
        return next((p for p in self.versions if p.version == label), None)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PolicyBook:
        """Build from ``{"description": ..., "versions": [policy, ...]}``."""
        if not isinstance(data, Mapping):
            raise PolicyError([("", *_NOT_AN_OBJECT)])
        problems = _unknown_fields(data, ("description", "versions"))
        items = data.get("versions")
        description = data.get("description", "")
        if not isinstance(description, str):
            problems.append(("description", "phải là chuỗi ký tự", "must be text"))
        if not isinstance(items, list):
            problems.append(
                (
                    "versions",
                    "phải là danh sách các phiên bản quy chế",
                    "must be a list of policies",
                )
            )
            items = []
        versions: list[Policy] = []
        for i, item in enumerate(items):
            try:
                versions.append(Policy.from_dict(item))
            except PolicyError as exc:
                problems += _prefixed(f"versions[{i}]", exc.problems)
        if problems:
            raise PolicyError(problems)
        return cls(tuple(versions), description=cast(str, description))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"description": self.description} if self.description else {}
        out["versions"] = [p.to_dict() for p in self.versions]
        return out


def resolve(unit_chain: Sequence[PolicyBook | None], on: date) -> Policy | None:
    """Policy in force on ``on`` for a unit, inheriting up the tree.

    ``unit_chain`` is the unit's book, then its parent's, grandparent's...; ``None`` stands for a
    unit without a book. The first book with a version in force on ``on`` wins.
    """
    for book in unit_chain:
        if book is not None and (policy := book.in_force(on)) is not None:
            return policy
    return None


@dataclass(frozen=True)
class Oversight:
    """What a unit is judged by on a day (reports' target and limits, detection thresholds).

    A union's own version (``resolve``) governs what it may pay: caps, counts, the approval
    threshold. What it is *judged* by is set from above and may only be tightened below:

    - ``welfare_target_bp``: the highest target in force that day at the unit or any union
      above it;
    - ``category_limits``: per category, the highest minimum and the lowest maximum in force
      across the chain (a category with neither is absent);
    - ``backdate_days``, ``split_window_days`` and ``detection``: the inspecting level's, i.e.
      the version in force at the highest union of the chain that has one that day. Those
      thresholds have no single "stricter" direction (a longer ``reversal_match_days``
      excuses more reversals, a longer ``repeat_window_days`` catches more repeats, the report
      deadline day only moves the burst window), so they are not mixed field by field.
    ``inspecting`` is that version, ``own`` the unit's own (inherited) one.
    """

    welfare_target_bp: int
    category_limits: Mapping[SpendingCategory, CategoryLimit]
    backdate_days: int
    split_window_days: int
    detection: DetectionRules
    inspecting: Policy
    own: Policy

    def limit(self, category: SpendingCategory) -> CategoryLimit:
        return self.category_limits.get(category, (None, None))


def oversight(unit_chain: Sequence[PolicyBook | None], on: date) -> Oversight | None:
    """What the unit of ``unit_chain`` (its book, its parent's, ... as for ``resolve``) is
    judged by on ``on``; ``None`` when no version is in force anywhere in the chain."""
    in_force = [p for book in unit_chain if book is not None and (p := book.in_force(on))]
    if not in_force:
        return None
    limits: dict[SpendingCategory, CategoryLimit] = {}
    for cat in SpendingCategory:
        mins = [lo for p in in_force if (lo := p.limit(cat)[0]) is not None]
        maxes = [hi for p in in_force if (hi := p.limit(cat)[1]) is not None]
        if mins or maxes:
            limits[cat] = (max(mins) if mins else None, min(maxes) if maxes else None)
    top = in_force[-1]
    return Oversight(
        welfare_target_bp=max(p.welfare_target_bp for p in in_force),
        category_limits=MappingProxyType(limits),
        backdate_days=top.backdate_days,
        split_window_days=top.split_window_days,
        detection=top.detection,
        inspecting=top,
        own=in_force[0],
    )


def load_default_book() -> PolicyBook:
    """The shipped default rules (``ledger/domain/policies/default.json``)."""
    text = resources.files("ledger.domain").joinpath(DEFAULT_POLICY_RESOURCE).read_text("utf-8")
    return PolicyBook.from_dict(json.loads(text))


def load_default_policies() -> list[Policy]:
    return list(load_default_book().versions)
