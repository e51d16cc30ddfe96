"""Findings of profiteering detection (audit.detect) and inspectors' signed judgments.

- `GET /findings?unit=&period=&limit=&offset=`: every rule run over the ledger, the findings
  of the unit's subtree (and period), worst first, each with its evidence and its judgments
  so far, a page of them at a time (200 by default, at most 1000).
- `POST /findings/{finding}/resolution`: an inspector's `finding.resolve` command (confirm or
  dismiss, with a note), signed by the logged-in inspector like every write (api.routes
  .records); the finding id in the path must be the one signed.
Both are for inspectors (Ủy ban kiểm tra) over the unit concerned.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from api.body import JsonRoute
from api.deps import Principal, ServicesDep, allow
from api.detections import detection
from api.errors import bad_parameter, bad_period
from api.routes.records import record
from api.schemas import BODY_REFUSALS, ReceiptOut, error_responses, signed_item_model
from ledger.domain.commands import Code, FindingId
from ledger.domain.periods import parse_period

DEFAULT_FINDINGS = 200  # as the inspectors' page shows
MAX_FINDINGS = 1000

router = APIRouter(route_class=JsonRoute, tags=["Phát hiện trục lợi (findings)"])

Resolution = signed_item_model("FindingResolution", ("finding.resolve",))
PeriodQuery = Annotated[
    str | None,
    Query(
        max_length=12,
        pattern=r"^(\d{4}(-\d{2}|-Q[1-4])?|lunar-\d{4})$",
        description="2025 | 2025-03 | 2025-Q1 | lunar-2025 (default: all time)",
    ),
]


@router.get(
    "/findings",
    summary="Các dấu hiệu trục lợi, nghiêm trọng nhất trước",
    responses=error_responses(401, 403, 404, 422),
)
def findings(
    request: Request,
    unit: Annotated[Code, Query(description="Đơn vị (và cấp dưới)")],
    svc: ServicesDep,
    who: Annotated[Principal, allow("inspector", scope="unit")],
    period: PeriodQuery = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_FINDINGS, description="Số phát hiện trả về (the page's size)")
    ] = DEFAULT_FINDINGS,
    offset: Annotated[int, Query(ge=0, description="Bỏ qua bao nhiêu phát hiện đầu")] = 0,
) -> dict[str, Any]:
    """The findings worst first, `limit` of them from `offset` (`total_findings` counts them
    all; `counts` and `amount_at_stake` are of them all). The report is computed once for
    the log as it stands (api.detections), not again for each page."""
    if period is not None:
        try:
            parse_period(period)
        except (ValueError, TypeError) as exc:
            raise bad_period(exc) from None
    report = detection(request.app.state, svc.ctx, unit=unit, period=period).as_dict()
    report.pop("facts", None)
    everything = report["findings"]
    report["findings"] = everything[offset : offset + limit]
    report |= {"total_findings": len(everything), "limit": limit, "offset": offset}
    return report


@router.post(
    "/findings/{finding}/resolution",
    status_code=201,
    response_model=ReceiptOut,
    summary="Kết luận của Ủy ban kiểm tra: xác nhận hoặc bác bỏ (signed)",
    responses=error_responses(401, 403, 404, 409, 422, *BODY_REFUSALS),
)
def resolve(
    finding: Annotated[FindingId, Path()],
    item: Resolution,  # type: ignore[valid-type]
    svc: ServicesDep,
    who: Annotated[Principal, allow("inspector")],
    response: Response,
) -> dict[str, Any]:
    signed = item.command.body.get("finding")  # type: ignore[attr-defined]
    if signed != finding:
        raise bad_parameter(
            "command.body.finding",
            f"Lệnh ký cho {signed}, không phải {finding}",
            f"The command resolves {signed}, not {finding}",
        )
    return record(svc, who, item, response)  # type: ignore[arg-type]
