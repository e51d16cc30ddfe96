"""A filled report form: every row of Phụ lục 01 or 02 for a unit, a period and a checkpoint.

Invariants:
- Computed rows come only from the ledger (`ledger.reports.measures`), manual and text rows
  only from the manual rows given (`ledger.reports.manual`); a manual row with no value stays
  blank and is still marked as entered by hand, so the form is complete either way.
- A figure in million đồng is held as integer đồng and converted once, for display, by
  `ledger.domain.money.to_million` (Decimal, 3 places, half-up): never a float.
- A form whose scope counted no payout, spending or loan line in the period (the unit and
  every union below it recorded nothing the form reads) says so (`nothing_notice`), so its
  zeros are not read as figures that cancelled out; a reversed payout is something recorded.
- `explain` lists exactly the money lines whose sum (amounts) or distinct people (counts)
  make the row's figure, from the same snapshot and checkpoint rules as the figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from ledger.domain.errors import LedgerError, NotFound, problem
from ledger.domain.money import format_dong_plain, to_million
from ledger.domain.periods import Period
from ledger.projections.queries.tree import UnitNode
from ledger.reports.asof import AsOf, resolve, snapshot, unit_node
from ledger.reports.forms import FORMS, Form, FormRow, load_form
from ledger.reports.manual import ManualValue
from ledger.reports.measures import Line, Scope, anything_recorded, lines_behind, load_facts
from ledger.reports.provisional import PeriodStatus, period_status
from ledger.store import Tx

if TYPE_CHECKING:
    from ledger.application import Ledger

Source = Literal["heading", "computed", "manual"]
NOTHING_RECORDED_VI = (
    "Không có khoản phúc lợi, chi tiêu hay cho vay nào được ghi trong kỳ (tính đến "
    "checkpoint): các số liệu từ sổ cái đều bằng 0"
)
NOTHING_RECORDED_EN = (
    "Nothing was recorded in this period (no welfare payout, spending or loan, as of the "
    "checkpoint): every figure from the ledger is 0"
)
SOURCE_VI = {"heading": "", "computed": "sổ cái", "manual": "nhập tay"}


def fmt_million(value: Decimal) -> str:
    """Vietnamese decimal: `Decimal("1234.500")` → `1.234,5`."""
    sign = "-" if value < 0 else ""
    whole, _, frac = f"{abs(value):f}".partition(".")
    frac = frac.rstrip("0")
    return sign + format_dong_plain(int(whole)) + (f",{frac}" if frac else "")


@dataclass(frozen=True)
class ReportRow:
    row: FormRow
    source: Source
    value: int | str | None  # a count, integer đồng (money rows) or text; None: blank
    notes: tuple[str, ...] = ()
    note: str | None = None  # given with a manual row

    @property
    def million(self) -> Decimal | None:
        if self.row.money and isinstance(self.value, int):
            return to_million(self.value)
        return None

    def shown(self) -> str:
        if self.value is None:
            return ""
        if isinstance(self.value, str):
            return self.value
        million = self.million
        return fmt_million(million) if million is not None else format_dong_plain(self.value)

    def as_dict(self) -> dict[str, Any]:
        million = self.million
        return {
            "ref": self.row.ref,
            "stt": self.row.stt,
            "label": self.row.label,
            "unit": self.row.unit,
            "source": self.source,
            "value": self.value,
            "value_million": None if million is None else str(million),
            "note": self.note,
            "notes": list(self.notes),
            "rule": self.row.rule.describe() if self.row.rule else None,
        }


@dataclass(frozen=True)
class Report:
    form: Form
    unit: UnitNode
    period: Period
    asof: AsOf
    rows: tuple[ReportRow, ...]
    nothing_recorded: bool = False  # no payout, spending or loan line in the scope and period

    @property
    def nothing_notice(self) -> str | None:
        """What the form says of a period with nothing recorded (Vietnamese); else None."""
        return NOTHING_RECORDED_VI if self.nothing_recorded else None

    def row(self, ref: str) -> ReportRow:
        return next(r for r in self.rows if r.row.ref == ref)

    @property
    def status(self) -> PeriodStatus:
        """Whether the period was over (as of today, or the checkpoint if signed earlier)."""
        return period_status(self.period, self.asof.signed_at)

    def as_dict(self) -> dict[str, Any]:
        status = self.status
        return {
            "form": self.form.code,
            "annex": self.form.annex,
            "title": self.form.title,
            "subtitle": self.form.subtitle,
            "unit": {"code": self.unit.code, "name": self.unit.name, "level": self.unit.level},
            "period": {
                "label": self.period.label,
                "label_vi": self.period.label_vi,
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
            },
            "provisional": status.provisional,
            "period_status": status.as_dict(),
            "nothing_recorded": self.nothing_recorded,
            "nothing_recorded_notice": self.nothing_notice,
            "checkpoint": self.asof.as_dict(),
            "rows": [r.as_dict() for r in self.rows],
        }


def period_line(report: Report) -> str:
    """The "Kỳ báo cáo: …" line, with the provisional notice when the period was not over."""
    notice = report.status.notice
    line = f"Kỳ báo cáo: {report.period.label_vi} ({report.period.label})"
    return f"{line} — {notice}" if notice else line


def checkpoint_line(report: Report) -> str:
    a = report.asof
    return f"Số liệu tính đến checkpoint: kích thước cây {a.size}, gốc Merkle {a.root}"


def form_for(which: str, period: Period) -> Form:
    """The form of `which` ("monthly" | "annual"), checking the period fits it."""
    form = load_form(FORMS[which])
    if period.kind != form.period_kind:
        raise ValueError(f"{which} needs a {form.period_kind} period, got {period.label}")
    return form


def build_report(
    ledger: Ledger,
    which: str,
    unit: str,
    period: Period,
    *,
    checkpoint: int | None = None,
    manual: dict[str, ManualValue] | None = None,
) -> Report:
    """Fill the form for `unit` (rolled up over its subtree) as of the checkpoint."""
    form = form_for(which, period)
    with snapshot(ledger) as tx:
        return _fill(ledger, tx, form, unit, period, checkpoint, manual or {})[0]


def _fill(
    ledger: Ledger,
    tx: Tx,
    form: Form,
    unit: str,
    period: Period,
    checkpoint: int | None,
    manual: dict[str, ManualValue],
) -> tuple[Report, Scope]:
    asof = resolve(ledger, tx, checkpoint)
    node = unit_node(asof, unit)
    scope = Scope.of(unit, period, asof)
    facts = load_facts(ledger, tx, scope, form.terms())
    rows = []
    for row in form.rows:
        if row.kind == "heading":
            rows.append(ReportRow(row, "heading", None))
        elif row.rule is not None:
            total, notes = 0, []
            for term in row.rule.terms:
                value, term_notes = facts.value(term)
                total += value
                notes += term_notes
            rows.append(ReportRow(row, "computed", total, tuple(notes)))
        else:
            given = manual.get(row.ref, ManualValue(None, None))
            rows.append(ReportRow(row, "manual", given.value, note=given.note))
    empty = not anything_recorded(tx, scope)
    return Report(form, node, period, asof, tuple(rows), empty), scope


@dataclass(frozen=True)
class Explanation:
    report_row: ReportRow
    lines: list[Line]
    asof: AsOf

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.report_row.as_dict(),
            "checkpoint": self.asof.as_dict(),
            "events": [ln.as_dict() for ln in self.lines],
        }


def explain(
    ledger: Ledger,
    which: str,
    unit: str,
    period: Period,
    ref: str,
    *,
    checkpoint: int | None = None,
) -> Explanation:
    """The figure of row `ref` and the money lines (events) behind it."""
    form = form_for(which, period)
    row = form.find(ref)
    if row is None:
        vi, en = form.not_a_row(ref)
        raise NotFound(
            code="no_row",
            vi=vi[0].upper() + vi[1:],
            en=en[0].upper() + en[1:],
            problems=[
                problem(
                    "explain",
                    "not_found",
                    f"{ref} không chỉ đúng một dòng",
                    f"{ref} does not name one row",
                )
            ],
            status=404,
        )
    ref = row.ref
    if row.rule is None:
        vi = "là tiêu đề" if row.kind == "heading" else "được nhập tay, không từ sổ cái"
        en = "is a heading" if row.kind == "heading" else "is entered by hand, not from the ledger"
        raise LedgerError(
            code="not_computed",
            vi=f"Dòng {ref} {vi}",
            en=f"Row {ref} {en}",
            problems=[problem("explain", "not_computed", f"dòng {ref} {vi}", f"row {ref} {en}")],
        )
    with snapshot(ledger) as tx:
        report, scope = _fill(ledger, tx, form, unit, period, checkpoint, {})
        lines = lines_behind(ledger, tx, scope, row.rule.terms)
    return Explanation(report.row(ref), lines, report.asof)
