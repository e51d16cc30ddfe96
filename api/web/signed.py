"""Recording a command signed in an officer's browser: the one path every page script posts to.

Invariants:
- Each page admits only its own command types (422 on `command.type` otherwise), then hands
  the item to the API's write path (`api.routes.records.record`): the signer must be the
  logged-in officer (403 otherwise) and `Ledger.submit` verifies signature, key, role over
  the unit and the union's rules before anything is stored. A refusal stores nothing.
- The answer is the API's receipt (201), or for a retried command id the original receipt.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from api.deps import Principal
from api.errors import ApiError
from api.routes.records import record
from api.schemas import SignedItemIn
from api.web.session import services


def record_signed(
    request: Request, item: SignedItemIn, who: Principal, types: frozenset[str]
) -> JSONResponse:
    if item.command.type not in types:
        raise ApiError(
            422,
            "invalid_request",
            f"Trang này không ghi loại lệnh {item.command.type}",
            f"This page does not record {item.command.type} commands",
            field="command.type",
        )
    response = Response()
    receipt = record(services(request), who, item, response)
    headers = {k: v for k, v in response.headers.items() if k.lower() == "idempotent-replayed"}
    return JSONResponse(receipt, status_code=201, headers=headers)
