"""Detection quality: findings measured against a planted answer key (`phucloi demo
--plant-fraud`), as precision and recall per rule.

Invariants:
- A finding matches a case of the SAME rule when their event-id sets intersect; for the
  union-level rules (`UNION_LEVEL`: concentration, union ratios) when rule and unit are equal;
  for those judged per period (`BY_PERIOD`: remittance and union fee shortfalls, per quarter)
  when rule, unit and period are equal (a union short in two quarters is two cases).
- A case is found when at least one finding matches it (recall); a finding is correct when it
  matches at least one case (precision). Per rule: precision = correct findings / findings,
  recall = found cases / cases; overall figures are pooled over every rule (micro average).
  A rule without findings has no precision, without cases no recall (shown "—").
- Look-alikes (legitimate activity planted beside the cases) are not scored twice: a finding
  that touches one is already a wrong finding; `Quality.lookalikes_hit` names them.
- Only the key file and the findings are read: the same key scores any detector.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

from rich.table import Table

from ledger.demo.fraud import BY_PERIOD, KEY_SCHEMA, UNION_LEVEL


class FindingLike(Protocol):
    @property
    def rule(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def event_ids(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class KeyCase:
    rule: str
    unit: str
    people: tuple[str, ...]
    event_ids: frozenset[str]
    note: str
    period: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KeyCase:
        period = data.get("period")
        return cls(
            rule=str(data["rule"]),
            unit=str(data["unit"]),
            people=tuple(data.get("people", ())),
            event_ids=frozenset(data.get("event_ids", ())),
            note=str(data.get("note", "")),
            period=None if period is None else str(period),
        )


@dataclass(frozen=True)
class AnswerKey:
    rules: tuple[str, ...]
    cases: tuple[KeyCase, ...]
    lookalikes: tuple[KeyCase, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnswerKey:
        if data.get("schema") != KEY_SCHEMA:
            raise ValueError(
                f"không phải tệp đáp án {KEY_SCHEMA} / not a {KEY_SCHEMA} answer key "
                f"(schema: {data.get('schema')!r})"
            )
        return cls(
            rules=tuple(data.get("rules", ())),
            cases=tuple(KeyCase.from_dict(c) for c in data["cases"]),
            lookalikes=tuple(KeyCase.from_dict(c) for c in data.get("lookalikes", ())),
        )

    @classmethod
    def load(cls, path: Path) -> AnswerKey:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))


def matches(finding: FindingLike, case: KeyCase) -> bool:
    if finding.rule != case.rule:
        return False
    if case.rule in UNION_LEVEL:
        return finding.unit == case.unit
    if case.rule in BY_PERIOD:
        return finding.unit == case.unit and getattr(finding, "period", None) == case.period
    return not case.event_ids.isdisjoint(finding.event_ids)


@dataclass
class RuleQuality:
    rule: str
    cases: int = 0
    found: int = 0
    findings: int = 0
    correct: int = 0

    @property
    def precision(self) -> Fraction | None:
        return Fraction(self.correct, self.findings) if self.findings else None

    @property
    def recall(self) -> Fraction | None:
        return Fraction(self.found, self.cases) if self.cases else None


@dataclass
class Quality:
    rules: list[RuleQuality]
    missed: list[KeyCase] = field(default_factory=list)
    wrong: list[FindingLike] = field(default_factory=list)
    lookalikes_hit: list[KeyCase] = field(default_factory=list)

    @property
    def total(self) -> RuleQuality:
        out = RuleQuality("*")
        for r in self.rules:
            out.cases += r.cases
            out.found += r.found
            out.findings += r.findings
            out.correct += r.correct
        return out

    @property
    def precision(self) -> Fraction | None:
        return self.total.precision

    @property
    def recall(self) -> Fraction | None:
        return self.total.recall

    def rule(self, rule: str) -> RuleQuality:
        return next(r for r in self.rules if r.rule == rule)

    def as_dict(self) -> dict[str, Any]:
        def f(x: Fraction | None) -> float | None:
            return None if x is None else round(float(x), 4)

        return {
            "precision": f(self.precision),
            "recall": f(self.recall),
            "rules": [
                {
                    "rule": r.rule,
                    "cases": r.cases,
                    "found": r.found,
                    "findings": r.findings,
                    "correct": r.correct,
                    "precision": f(r.precision),
                    "recall": f(r.recall),
                }
                for r in self.rules
            ],
            "missed": [c.note for c in self.missed],
            "wrong": [{"rule": w.rule, "unit": w.unit} for w in self.wrong],
        }


def evaluate(findings: Iterable[FindingLike], key: AnswerKey) -> Quality:
    """Score `findings` against `key`, per rule (the key's rules, then any other rule found)."""
    items = list(findings)
    order = list(
        dict.fromkeys([*key.rules, *(c.rule for c in key.cases), *(f.rule for f in items)])
    )
    per_rule = {rule: RuleQuality(rule) for rule in order}
    by_rule_cases: dict[str, list[KeyCase]] = {rule: [] for rule in order}
    for c in key.cases:
        by_rule_cases[c.rule].append(c)
    quality = Quality(list(per_rule.values()))
    found: set[int] = set()
    for finding in items:
        r = per_rule[finding.rule]
        r.findings += 1
        hits = [i for i, c in enumerate(key.cases) if matches(finding, c)]
        if hits:
            r.correct += 1
            found.update(hits)
        else:
            quality.wrong.append(finding)
            quality.lookalikes_hit += [c for c in key.lookalikes if matches(finding, c)]
    for i, c in enumerate(key.cases):
        per_rule[c.rule].cases += 1
        if i in found:
            per_rule[c.rule].found += 1
        else:
            quality.missed.append(c)
    return quality


def _pct(x: Fraction | None) -> str:
    return "—" if x is None else f"{float(x) * 100:.1f}%".replace(".", ",")


def quality_table(q: Quality, *, title: str | None = None) -> Table:
    """The per-rule table (Vietnamese labels, English alongside)."""
    table = Table(
        title=title or "Chất lượng phát hiện theo quy tắc (detection quality per rule)",
        title_justify="left",
    )
    for name, justify in (
        ("Quy tắc (rule)", "left"),
        ("Ca cài (cases)", "right"),
        ("Tìm thấy (found)", "right"),
        ("Phát hiện (findings)", "right"),
        ("Đúng (correct)", "right"),
        ("Độ chính xác (precision)", "right"),
        ("Độ phủ (recall)", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for r in [*q.rules, q.total]:
        table.add_row(
            "Tổng (overall)" if r.rule == "*" else r.rule,
            str(r.cases),
            str(r.found),
            str(r.findings),
            str(r.correct),
            _pct(r.precision),
            _pct(r.recall),
            end_section=r is q.rules[-1],
        )
    return table
