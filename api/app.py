"""The FastAPI application: `create_app(ctx, ...)` wires routers, errors and limits.

Design overview:
- `create_app` takes an opened ledger `Context` (ledger.bootstrap) and returns an app bound
  to it; the caller owns the context (tests, `phucloi serve`, a later web UI mounting its
  pages on the same app). `from_environment` is the uvicorn factory for `--workers N`: it
  opens the ledger from the environment (PHUCLOI_DATABASE_URL / PHUCLOI_HOME) and closes it
  at shutdown.
- Every route declares who may call it with `api.deps.allow`; every refusal has the JSON
  shape of `api.errors`; request bodies above `ApiSettings.max_body_bytes` are refused with
  413 before they are read in full; every answer to a request with credentials is sent with
  `Cache-Control: no-store` (`NoStore`).
- OpenAPI at `/openapi.json`, interactive documentation at `/docs`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import errors, web
from api.auth import Tokens
from api.deps import ApiSettings, Services
from api.routes import audit, me, reads, records, reports, session
from ledger.bootstrap import Context, open_ledger
from ledger.client import OfficerSigner

DESCRIPTION = """\
Sổ cái phúc lợi công đoàn qua HTTP (the union welfare ledger over HTTP).

1. `POST /auth/login` with `{"kind": "officer", "username": CODE, "secret": PASSWORD}` (or
   `"member"`, member number, PIN) gives a bearer token valid for 15 minutes, or until the
   account logs out of the web pages or gets a new password or PIN (401 `session_ended`).
2. Writes carry the officer's signed command exactly as the command line makes it
   (RFC 8785 canonical JSON of the command, Ed25519, base64): see `ledger/client.py` and
   the README section "HTTP API". The signer must be the logged-in officer.
3. Refusals: `{"code", "message_vi", "message_en", "problems": [{"field", ...}]}`.
"""


class BodyLimit:
    """Refuse request bodies larger than `max_bytes` (413), counting what is actually read."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                response = JSONResponse(
                    errors.body("too_large", "Yêu cầu quá lớn", "The request body is too large"),
                    status_code=413,
                )
                await response(scope, receive, send)
                return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise HTTPException(413)
            return message

        await self.app(scope, limited, send)


class NoStore:
    """`Cache-Control: no-store` on every answer to a request carrying credentials (a bearer
    token or a cookie): they hold personal data (a member's history, salaries, the audit
    bundle), which no browser or proxy cache may keep. An answer that sets its own
    Cache-Control (the web pages do) keeps it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not any(
            name in (b"authorization", b"cookie") for name, _ in scope.get("headers", [])
        ):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_no_store)


def create_app(
    ctx: Context,
    *,
    portal: OfficerSigner | None = None,
    settings: ApiSettings | None = None,
    tokens: Tokens | None = None,
    lifespan: Any = None,
) -> FastAPI:
    """The API bound to an opened ledger; `portal` signs members' statements if given."""
    settings = settings or ApiSettings()
    app = FastAPI(
        title="phucloi",
        version="1",
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = Services(
        ctx=ctx,
        tokens=tokens or Tokens.for_ledger(ctx.engine),
        settings=settings,
        portal=portal,
    )
    errors.install(app)
    for module in (session, records, reads, reports, audit, me):
        app.include_router(module.router)
    _include_findings(app)
    app.include_router(web.router)  # the web pages (#8), under /web
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(NoStore)
    return app


def _include_findings(app: FastAPI) -> None:
    """Findings (#5) are served when the detection module is present."""
    try:
        from api.routes import findings
    except ImportError:
        return
    app.include_router(findings.router)


def from_environment() -> FastAPI:
    """uvicorn factory (`phucloi serve --workers N`): ledger and portal from the environment."""
    from api.portal import load_portal

    ctx = open_ledger(os.environ.get("PHUCLOI_DATABASE_URL") or None)
    portal = load_portal(ctx, prompt=False)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        ctx.close()

    return create_app(ctx, portal=portal, lifespan=lifespan)
