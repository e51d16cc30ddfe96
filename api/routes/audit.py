"""The audit trail over HTTP: checkpoints, RFC 9162 proofs, the export bundle.

- `GET /audit/checkpoint`: the latest signed checkpoint, the C2SP tlog-checkpoint note text
  exactly as signed (with witnesses' cosignature lines), for anyone logged in, members too.
- `GET /audit/inclusion/{event_id}`: inclusion proof of an event, for officers.
- `GET /audit/consistency?old=&new=`: consistency proof between two tree sizes, for anyone
  logged in (hashes only).
- `GET /audit/export`: the self-contained bundle (`phucloi export`) as a zip, for inspectors
  and admins whose scope covers the whole ledger ("*" or every top-level unit): it holds
  every union's log and read models (salaries, payouts by member), so an officer scoped to
  part of the tree is refused (403 `out_of_scope`). The bundle never holds personal-data
  keys. It cannot be cut down to a scope and still verify: `audit verify` replays every
  event and recomputes the Merkle root from every leaf.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, PlainTextResponse
from starlette.background import BackgroundTask

from api.body import JsonRoute
from api.deps import MEMBER, OFFICER_ROLES, Principal, ServicesDep, allow
from api.errors import ApiError
from api.schemas import error_responses
from audit.log import (
    LogError,
    latest_checkpoint,
    prove_consistency,
    prove_inclusion,
    with_cosignatures,
)
from ledger.domain.commands import Uuid

router = APIRouter(
    route_class=JsonRoute,
    prefix="/audit",
    tags=["Kiểm tra (audit)"],
    responses=error_responses(401, 403, 404, 422),
)
MAX_SIZE = 2**40


@router.get(
    "/checkpoint",
    response_class=PlainTextResponse,
    summary="Checkpoint mới nhất (C2SP signed note)",
    responses={200: {"content": {"text/plain": {}}}},
)
def checkpoint(svc: ServicesDep, who: Annotated[Principal, allow(*OFFICER_ROLES, MEMBER)]) -> str:
    latest = latest_checkpoint(svc.ctx.engine)
    if latest is None:
        raise ApiError(
            404,
            "no_checkpoint",
            "Sổ cái chưa có checkpoint nào",
            "The ledger has no checkpoint yet",
        )
    return with_cosignatures(svc.ctx.engine, latest[0], latest[2])


@router.get(
    "/inclusion/{event_id}",
    summary="Bằng chứng bút toán nằm trong cây Merkle",
    responses=error_responses(409),
)
def inclusion(
    event_id: Annotated[Uuid, PathParam()],
    svc: ServicesDep,
    who: Annotated[Principal, allow(*OFFICER_ROLES)],
    size: Annotated[int | None, Query(ge=1, le=MAX_SIZE)] = None,
) -> dict[str, Any]:
    """The proof against `size`, by default the latest checkpoint covering the event, else the
    whole log: `signed_checkpoint` says whether that tree size is a signed checkpoint (an
    event recorded after the latest one is proved against an unsigned head), and
    `checkpoint` is then its signed note, whose root the proof leads to. 409 when the stored
    leaves no longer hash to the signed checkpoint (or its note does not verify)."""
    try:
        proof = prove_inclusion(svc.ctx.engine, event_id, size=size)
    except LogError as exc:
        raise _log_error(exc, "event_id") from None
    return proof.as_dict()


@router.get(
    "/consistency",
    summary="Bằng chứng nhất quán giữa hai kích thước cây",
    responses=error_responses(409),
)
def consistency(
    old: Annotated[int, Query(ge=1, le=MAX_SIZE)],
    new: Annotated[int, Query(ge=1, le=MAX_SIZE)],
    svc: ServicesDep,
    who: Annotated[Principal, allow(*OFFICER_ROLES, MEMBER)],
) -> dict[str, Any]:
    if old > new:
        raise ApiError(
            422, "invalid_request", "old phải ≤ new", "old must not exceed new", field="old"
        )
    try:
        proof = prove_consistency(svc.ctx.engine, old, new)
    except LogError as exc:
        raise _log_error(exc, "new") from None
    return {"old": old, "new": new, "proof": [p.hex() for p in proof]}


@router.get(
    "/export",
    response_class=FileResponse,
    summary="Gói xuất để kiểm tra ngoại tuyến (zip)",
    responses={200: {"content": {"application/zip": {}}}},
)
def export_bundle(
    svc: ServicesDep, who: Annotated[Principal, allow("inspector", "admin", scope="ledger")]
) -> FileResponse:
    from audit.export import export
    from audit.source import DatabaseSource

    work = Path(tempfile.mkdtemp(prefix="phucloi-export-"))
    try:
        engine = svc.ctx.engine
        source = DatabaseSource(engine.url.render_as_string(hide_password=False), engine=engine)
        export(source, work / "bundle")
        archive = work / "phucloi-bundle.zip"
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for path in sorted((work / "bundle").rglob("*")):
                if path.is_file():
                    zf.write(path, path.relative_to(work / "bundle").as_posix())
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return FileResponse(
        archive,
        media_type="application/zip",
        filename="phucloi-bundle.zip",
        background=BackgroundTask(shutil.rmtree, work, ignore_errors=True),
    )


def _log_error(exc: LogError, field: str) -> ApiError:
    text, vi = str(exc), exc.vi
    if exc.code in ("checkpoint_mismatch", "checkpoint_signature"):
        return ApiError(409, exc.code, f"Không lập được bằng chứng: {vi}", text)
    if text.startswith("no event"):
        return ApiError(404, "event_not_found", f"Không tìm thấy bút toán: {vi}", text)
    return ApiError(422, "invalid_request", f"Không lập được bằng chứng: {vi}", text, field=field)
