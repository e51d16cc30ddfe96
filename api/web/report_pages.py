"""Báo cáo: download Phụ lục 01 (monthly), Phụ lục 02 (annual) and the spending structure of
a unit and period, as computed by the report module of #7 (ledger.reports).

Invariants:
- Every officer role may download reports, but only for a unit inside one of their scopes
  (the API's scope check on the `unit` parameter); members never see this page.
- The files are exactly the command line's exports (`phucloi report monthly|annual|structure`):
  figures as of the latest signed checkpoint, which each file states. No checkpoint yet:
  the refusal says so, nothing is made up.
- A period not over is provisional: each file says so (`ledger.reports.provisional`). The
  page offers the latest complete month and year first, and says so of them when the latest
  checkpoint was signed before they ended.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy import text

from api.deps import Principal
from api.errors import ApiError
from api.web import lookups
from api.web.render import OFFICER_ROLES, render
from api.web.routing import web_router
from api.web.session import Page, services
from ledger import clock
from ledger.domain.commands import CODE_PATTERN
from ledger.domain.errors import LedgerError
from ledger.domain.periods import Period, parse_period
from ledger.projections.queries.tree import load_tree
from ledger.reports.provisional import not_begun, period_status

router = web_router()
Reader = Annotated[Principal, Depends(Page(*sorted(OFFICER_ROLES), scope="unit"))]
# The download checks the unit itself (`_reportable`), so that a unit typed into its address
# that the ledger does not hold, or that is not the officer's, is said on the form sent.
Officer = Annotated[Principal, Depends(Page(*sorted(OFFICER_ROLES)))]
KINDS: Final = ("monthly", "annual", "structure")
FORMATS: Final = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


def _units(request: Request, who: Principal) -> list[dict[str, str]]:
    ledger = services(request).ctx.ledger
    visible = lookups.visible_units(ledger, who.scopes(sorted(OFFICER_ROLES)))
    with ledger.engine.connect() as conn:
        tree = load_tree(conn)
    return [
        {"code": n.code, "name": n.name}
        for n in sorted(tree.nodes.values(), key=lambda n: n.code)
        if visible is None or n.code in visible
    ]


def available() -> bool:
    try:
        import ledger.reports.compute
        import ledger.reports.export
        import ledger.reports.structure  # noqa: F401
    except ImportError:
        return False
    return True


@router.get("/web/reports")
def reports_page(request: Request, who: Reader) -> Response:
    return _page(request, who)


def _page(
    request: Request,
    who: Principal,
    *,
    typed: dict[str, str] | None = None,
    refusal: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The reports page; after a refusal, the form that was sent keeps what was typed and
    says why, once, in the reader's language (`refusal`: kind, field, headline, details)."""
    today = clock.today_vn()
    # the latest complete month and year: the current ones are not over (any may be typed)
    month = parse_period(f"{today:%Y-%m}").previous()
    year = parse_period(str(today.year)).previous()
    signed_at = _latest_signed_at(request)
    return render(
        request,
        "reports.html",
        who=who,
        title=("Báo cáo", "Reports"),
        units=_units(request, who),
        month=month.label,
        year=year.label,
        # a period offered that was not over when the latest checkpoint was signed: its
        # files say so, and the page says it before anyone downloads
        provisional=[
            (p.label_vi, p.label_en, judged.notice, judged.notice_en)
            for p in (month, year)
            if (judged := period_status(p, signed_at)).provisional
        ],
        available=available(),
        typed=typed or {},
        refusal=refusal,
        status=status,
    )


def _latest_signed_at(request: Request) -> str | None:
    """When the latest checkpoint (the one the files are computed at) was signed."""
    with services(request).ctx.engine.connect() as conn:
        return conn.scalar(text("SELECT created_at FROM checkpoints ORDER BY size DESC LIMIT 1"))


def _refusal(kind: str, exc: ApiError | LedgerError) -> dict[str, Any]:
    """What the form says of a refusal: its message, then each problem's that says more
    (a problem repeating the message is not shown twice)."""
    if isinstance(exc, ApiError):
        problems = [(exc.field, exc.vi, exc.en)] if exc.field else []
    else:
        problems = [(p.field, p.vi, p.en) for p in exc.problems]
    details = [(vi, en) for _, vi, en in problems if (vi, en) != (exc.vi, exc.en)]
    field = next((f for f, _, _ in problems if f), None)
    return {"kind": kind, "field": field, "vi": exc.vi, "en": exc.en, "details": details}


def _period(kind: str, text: str) -> Period:
    try:
        period = parse_period(text)
    except (ValueError, TypeError):
        period = None
    wanted = {"monthly": "month", "annual": "year"}.get(kind)
    if period is None or (wanted is not None and period.kind != wanted):
        vi = {"monthly": "một tháng (2025-03)", "annual": "một năm (2025)"}.get(
            kind, "2025, 2025-03, 2025-Q1 hoặc lunar-2025"
        )
        raise ApiError(
            422,
            "invalid_request",
            f"Kỳ báo cáo phải là {vi}",
            "The period must be "
            + {"monthly": "a month (2025-03)", "annual": "a year (2025)"}.get(
                kind, "2025, 2025-03, 2025-Q1 or lunar-2025"
            ),
            field="period",
        )
    why = not_begun(period)
    if why is not None:  # nothing can be recorded in it yet: its form would only hold zeros
        raise ApiError(422, "invalid_request", why[0], why[1], field="period")
    return period


def _reportable(request: Request, who: Principal, unit: str) -> None:
    """The unit is one the ledger holds (404 naming it) and within one of the officer's
    scopes (403), as the API's scope check judges it; an empty one is `_download`'s."""
    if not unit.strip():
        return
    if not re.fullmatch(CODE_PATTERN, unit):
        raise ApiError(
            422,
            "invalid_request",
            "Mã đơn vị không hợp lệ (chỉ gồm chữ, số, '.', '_', '-')",
            "Not a valid unit code (letters, digits, '.', '_' and '-' only)",
            field="unit",
        )
    ledger = services(request).ctx.ledger
    if ledger.get_unit(unit) is None:
        raise ApiError(
            404,
            "unit_not_found",
            f"Không có đơn vị {unit} trong sổ cái: hãy chọn một đơn vị trong danh sách",
            f"There is no unit {unit} in the ledger: choose one from the list",
            field="unit",
        )
    scopes = who.scopes(sorted(OFFICER_ROLES))
    if "*" not in scopes and not set(scopes) & set(ledger.ancestors(unit)):
        raise ApiError(
            403,
            "out_of_scope",
            f"Không có quyền báo cáo đơn vị {unit}: đơn vị nằm ngoài phạm vi của bạn",
            f"Not allowed to report on unit {unit}: it is outside your scope",
            field="unit",
        )


@router.get("/web/reports/download")
def download(
    request: Request,
    who: Officer,
    unit: str = "",
    kind: str = "monthly",
    period: str = "",
    format: str = "xlsx",
) -> Response:
    """The file; a refusal (a period or choice not valid, no checkpoint yet) is said on the
    reports page, in the form that was sent, with what was typed kept."""
    try:
        _reportable(request, who, unit)
        return _download(request, unit, kind, period, format)
    except (ApiError, LedgerError) as exc:
        typed = {"kind": kind, "unit": unit, "period": period, "format": format}
        return _page(request, who, typed=typed, refusal=_refusal(kind, exc), status=exc.status)


def _download(request: Request, unit: str, kind: str, period: str, format: str) -> Response:
    if not unit.strip():
        raise ApiError(
            422, "invalid_request", "Hãy chọn đơn vị báo cáo", "Choose the unit", field="unit"
        )
    if kind not in KINDS:
        raise ApiError(
            422, "invalid_request", "Loại báo cáo không hợp lệ", "Unknown report", field="kind"
        )
    if format not in FORMATS or (kind == "structure" and format == "xlsx"):
        raise ApiError(
            422, "invalid_request", "Định dạng không hợp lệ", "Unknown format", field="format"
        )
    if not available():
        raise ApiError(
            503,
            "reports_unavailable",
            "Mô-đun báo cáo chưa có trên máy chủ này",
            "The report module is not installed on this server",
        )
    from ledger.reports.compute import build_report
    from ledger.reports.export import (
        structure_to_csv,
        structure_to_json,
        to_csv,
        to_json,
        to_xlsx,
    )
    from ledger.reports.structure import spending_structure

    ledger = services(request).ctx.ledger
    p = _period(kind, period)
    if kind == "structure":
        structure = spending_structure(ledger, unit, p)
        content = (structure_to_json if format == "json" else structure_to_csv)(structure)
        name = f"co-cau-chi_{unit}_{p.label}.{format}"
    else:
        report = build_report(ledger, kind, unit, p)
        content = {"xlsx": to_xlsx, "csv": to_csv, "json": to_json}[format](report)
        name = f"{'phu-luc-01' if kind == 'monthly' else 'phu-luc-02'}_{unit}_{p.label}.{format}"
    return Response(
        content,
        media_type=FORMATS[format],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
