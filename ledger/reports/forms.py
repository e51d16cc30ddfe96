"""The report forms of seed 002 as data: Phụ lục 01 (monthly) and Phụ lục 02 (annual).

Each form is a JSON file beside this module (`forms/phu_luc_0N.json`) transcribing every row
of the paper form: its STT as printed, its label, its unit column ("Bản", "Người",
"Triệu đồng", ...), and what fills it:

- `heading`: a section title, no value;
- `computed`: a figure the ledger knows, with the `rule` that computes it (`Rule` below);
- `manual`: a count or an amount the ledger cannot know (documents issued, meetings held,
  articles published), entered by hand (`--manual rows.csv`);
- `text`: a narrative paragraph (assessment, proposals), entered by hand.

Invariants:
- `ref` is unique within a form and is how a row is named everywhere (manual CSV, `--explain`,
  exports): the roman section, then the form's own numbering; a dash item of a numbered row
  adds `-N`, a plus item under it `.N` ("II.1.2.2.1.i-3.2").
- A row whose unit is in million đồng (`MONEY_UNITS`) holds integer đồng and is shown in
  millions; every other `computed` or `manual` row holds a count of people, units or documents.
- A rule uses only the measures, welfare kinds, spending categories and loan funds known to
  the ledger (checked when the form is loaded), so a typo in a form is an error at import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from ledger.domain.catalogue import SpendingCategory, WelfareKind

RowKind = Literal["heading", "computed", "manual", "text"]
MONEY_UNITS = frozenset({"Triệu đồng", "Tr đồng", "triệu đồng"})
FUNDS = ("tro_von", "cep", "national_employment")
FUND_LABELS = {
    "tro_von": "Quỹ trợ vốn",
    "cep": "Quỹ CEP",
    "national_employment": "Quỹ Quốc gia giải quyết việc làm",
}
# measure -> the parameter it takes and the values that parameter may hold
MEASURES: dict[str, tuple[str, frozenset[str]]] = {
    "people": ("kinds", frozenset(k.value for k in WelfareKind)),
    "persons": ("kinds", frozenset(k.value for k in WelfareKind)),
    "children": ("kinds", frozenset(k.value for k in WelfareKind)),
    "children_amount": ("kinds", frozenset(k.value for k in WelfareKind)),
    "units": ("kinds", frozenset(k.value for k in WelfareKind)),
    "amount": ("kinds", frozenset(k.value for k in WelfareKind)),
    "loan_people": ("funds", frozenset(FUNDS)),
    "loan_amount": ("funds", frozenset(FUNDS)),
    "participants": ("categories", frozenset(c.value for c in SpendingCategory)),
    "spending": ("categories", frozenset(c.value for c in SpendingCategory)),
}
FORMS = {"monthly": "phu_luc_01", "annual": "phu_luc_02"}


class FormError(ValueError):
    """A form file is malformed (a bug in the package, not user input)."""


@dataclass(frozen=True)
class Term:
    """One measure over a set of welfare kinds, spending categories or loan funds."""

    measure: str
    values: tuple[str, ...]

    def describe(self) -> str:
        """How the figure is computed, in Vietnamese, for exports and `--explain`."""
        if self.measure in ("loan_people", "loan_amount"):
            names = ", ".join(FUND_LABELS[v] for v in self.values)
        elif self.measure in ("participants", "spending"):
            names = ", ".join(SpendingCategory(v).label_vi for v in self.values)
        else:
            names = ", ".join(WelfareKind(v).label_vi for v in self.values)
        return {
            "people": f"số đoàn viên (không trùng) được chi: {names}",
            "persons": f"số người thụ hưởng (đoàn viên hoặc thân nhân, không trùng): {names}",
            "children": f"số con đoàn viên (thân nhân khai báo là con, không trùng) được chi: "
            f"{names}",
            "children_amount": f"tổng số tiền đã chi cho con đoàn viên: {names}",
            "units": f"số công đoàn cơ sở (không tính cấp trên tự chi) có đoàn viên được chi: "
            f"{names}",
            "amount": f"tổng số tiền đã chi: {names}",
            "loan_people": f"số đoàn viên (không trùng) được giải ngân vay: {names}",
            "loan_amount": f"tổng số tiền giải ngân vay: {names}",
            "participants": f"tổng số người tham gia ghi trên các khoản chi (lượt): {names}",
            "spending": f"tổng số tiền các khoản chi: {names}",
        }[self.measure]


@dataclass(frozen=True)
class Rule:
    """A computed row's figure: the sum of one or more terms."""

    terms: tuple[Term, ...]

    def describe(self) -> str:
        return " + ".join(t.describe() for t in self.terms)


@dataclass(frozen=True)
class FormRow:
    ref: str
    stt: str
    label: str
    unit: str
    kind: RowKind
    rule: Rule | None = None

    @property
    def money(self) -> bool:
        return self.unit in MONEY_UNITS

    @property
    def has_value(self) -> bool:
        return self.kind != "heading"


@dataclass(frozen=True)
class Form:
    code: str
    annex: str
    reference: str
    title: str
    subtitle: str
    period_kind: str
    columns: tuple[str, ...]
    rows: tuple[FormRow, ...]

    def row(self, ref: str) -> FormRow | None:
        return next((r for r in self.rows if r.ref == ref), None)

    def find(self, given: str) -> FormRow | None:
        """The row a person names: by its ref, else by the STT printed on the form when one
        row alone carries it (`1.2.1.`, with or without the final dot); else None."""
        found = self.row(given.strip())
        if found is not None:
            return found
        same = self.by_stt(given)
        return same[0] if len(same) == 1 else None

    def by_stt(self, given: str) -> list[FormRow]:
        """The rows whose printed STT is `given` (the final dot optional)."""
        key = given.strip().rstrip(".")
        return [r for r in self.rows if key and r.stt.rstrip(".") == key]

    def not_a_row(self, given: str) -> tuple[str, str]:
        """Why `given` names no single row, and how to find a row's ref (vi, en)."""
        same = self.by_stt(given)
        if same:
            refs = ", ".join(r.ref for r in same)
            return (
                f"STT {given} có ở {len(same)} dòng của {self.annex}: ghi mã dòng, một trong "
                f"{refs}",
                f"STT {given} is printed on {len(same)} rows of {self.annex}: give the row's "
                f"ref, one of {refs}",
            )
        return (
            f"không có dòng {given} trong {self.annex}; mã dòng là cột đầu (Mã dòng) của biểu "
            "in ra và của mọi bản xuất",
            f"no row {given} in {self.annex}; a row's ref is the first column (Mã dòng) of the "
            "printed form and of every export",
        )

    def terms(self) -> list[Term]:
        return [t for r in self.rows if r.rule is not None for t in r.rule.terms]


def _term(data: Any, where: str) -> Term:
    if not isinstance(data, dict) or data.get("measure") not in MEASURES:
        raise FormError(f"{where}: unknown measure in {data!r}")
    param, allowed = MEASURES[data["measure"]]
    values = data.get(param)
    if set(data) != {"measure", param} or not isinstance(values, list) or not values:
        raise FormError(f"{where}: measure {data['measure']} takes exactly a list {param!r}")
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise FormError(f"{where}: unknown {param} {unknown}")
    return Term(data["measure"], tuple(values))


def _rule(data: Any, where: str) -> Rule:
    if isinstance(data, dict) and set(data) == {"sum"}:
        return Rule(tuple(_term(t, where) for t in data["sum"]))
    return Rule((_term(data, where),))


def _row(data: dict[str, Any]) -> FormRow:
    ref = data["ref"]
    kind = data["kind"]
    if kind not in ("heading", "computed", "manual", "text"):
        raise FormError(f"{ref}: unknown kind {kind!r}")
    if (kind == "computed") != ("rule" in data):
        raise FormError(f"{ref}: a computed row has a rule, and only a computed row")
    rule = _rule(data["rule"], ref) if kind == "computed" else None
    return FormRow(ref, data["stt"], data["label"], data["unit"], kind, rule)


@cache
def load_form(code: str) -> Form:
    """The form `phu_luc_01` or `phu_luc_02`, validated."""
    if code not in FORMS.values():
        raise FormError(f"unknown form {code!r}")
    text = resources.files("ledger.reports").joinpath(f"forms/{code}.json").read_text("utf-8")
    data = json.loads(text)
    rows = tuple(_row(r) for r in data["rows"])
    refs = [r.ref for r in rows]
    if len(set(refs)) != len(refs):
        raise FormError(f"{code}: duplicate refs")
    return Form(
        code=data["form"],
        annex=data["annex"],
        reference=data["reference"],
        title=data["title"],
        subtitle=data["subtitle"],
        period_kind=data["period_kind"],
        columns=tuple(data["columns"]),
        rows=rows,
    )
