"""The web interface (giao diện web, #8): server-rendered Vietnamese pages on the API's app.

Design overview:
- Pages are Jinja2 templates rendered by the server; the only JavaScript is what signing and
  proof checking need (static/phucloi-sign.js, static/merkle.js, static/web.js).
- Sessions are the API's own short-lived tokens in an HttpOnly, SameSite=Strict cookie;
  every page checks its role with the API's one authorisation dependency (api.deps.Allow)
  and every POST carries a CSRF token (api.web.session).
- Officers sign in their own browser with a non-extractable Ed25519 key kept in IndexedDB,
  exactly as the command line signs (RFC 8785 canonical JSON of the command): the server
  never holds an officer's key, and records browser-made commands through the API's own
  write path. Members' confirmations and disputes are signed by the portal key, as in the API.
- `router` holds every page under /web; the API's app factory includes it.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.web import (
    auth_pages,
    chair_pages,
    finance_pages,
    inspector_pages,
    member_pages,
    receipt_pages,
    report_pages,
)

router = APIRouter()
for _pages in (
    auth_pages,
    member_pages,
    receipt_pages,
    finance_pages,
    chair_pages,
    inspector_pages,
    report_pages,
):
    router.include_router(_pages.router)
router.include_router(auth_pages.fallback)  # last: any other /web address is a 404 page

__all__ = ["router"]
