"""How the API reads a JSON request body: strictly, before FastAPI validates it.

Invariants (every route of the API and of the web pages is a `JsonRoute`):
- A route that takes a JSON body refuses a non-empty body sent without a JSON content type
  (`Content-Type: application/json`, or `application/…+json`) with 415 `unsupported_media_type`,
  field `Content-Type`, instead of validating the bytes as if they were a string.
- An object that names a key twice is refused (422 `invalid_json`, field: the JSON path of
  the repeated key), never read as "the last one wins": RFC 8785 and I-JSON (RFC 7493), which
  the signed commands rely on, require it (`ledger.canonical.loads_strict`).
- A body nested deeper than the parser goes is 422 `invalid_json` "nested too deeply", and
  one that is not UTF-8 (or UTF-16/32, as JSON allows) 422 `invalid_json`, field `body`.
- Any other malformed JSON is left to FastAPI (422 `invalid_json` with the character
  offset, api.errors).
"""

from __future__ import annotations

import contextlib
import email.message
import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, params
from fastapi.routing import APIRoute
from starlette.responses import Response

from api.errors import ApiError
from ledger.canonical import DuplicateKey, loads_strict


def is_json(content_type: str | None) -> bool:
    """Whether FastAPI reads a body of this content type as JSON (the same test)."""
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


def _invalid_json(field: str, vi: str, en: str) -> ApiError:
    return ApiError(
        422,
        "invalid_json",
        f"Nội dung yêu cầu không phải JSON hợp lệ: {vi}",
        f"The request body is not valid JSON: {en}",
        field=field,
    )


class StrictJsonRequest(Request):
    """A request whose `json()` refuses repeated keys and reports deep nesting as such."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            raw = await self.body()
            try:
                self._json = loads_strict(raw)
            except DuplicateKey as exc:
                raise _invalid_json(exc.path, exc.vi, str(exc)) from None
            except RecursionError:
                raise _invalid_json(
                    "body", "dữ liệu JSON lồng quá sâu", "the JSON is nested too deeply"
                ) from None
            except UnicodeDecodeError:
                raise _invalid_json(
                    "body", "cần JSON mã hóa UTF-8", "UTF-8 encoded JSON is expected"
                ) from None
        return self._json


class JsonRoute(APIRoute):
    """An APIRoute that reads its JSON body with `StrictJsonRequest` (see the module)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        field = self.body_field
        if field is None or isinstance(field.field_info, params.Form):
            return handler

        async def strict(request: Request) -> Response:
            request = StrictJsonRequest(request.scope, request.receive)
            if await request.body():
                if not is_json(request.headers.get("content-type")):
                    raise ApiError(
                        415,
                        "unsupported_media_type",
                        "Nội dung yêu cầu phải là JSON: cần tiêu đề Content-Type: application/json",
                        "The request body must be JSON: send the header "
                        "Content-Type: application/json",
                        field="Content-Type",
                    )
                # Refused here; FastAPI reads it from the cache. Malformed JSON is left to
                # FastAPI, which reports it with the character offset (api.errors).
                with contextlib.suppress(json.JSONDecodeError):
                    await request.json()
            return await handler(request)

        return strict
