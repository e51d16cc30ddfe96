"""Every page route × every role: allowed, or refused (403) — and without a session, sent to
log in (a page script asking for JSON gets 401). The table below must name every route under /web, so a new page without an entry
fails this test."""

from __future__ import annotations

from typing import Any

from api.web.routing import WebRoute
from tests.web.conftest import csrf_of

ANON, MEMBER, FIN, CHAIR, INSP, REP, ADMIN = (
    "anonymous",
    "member",
    "finance_officer",
    "chair",
    "inspector",
    "reporter",
    "admin",
)
WHO = {MEMBER: "DV001", FIN: "kt.g1", CHAIR: "ct.g1", INSP: "ubkt", REP: "bc.p", ADMIN: "admin"}
OFFICERS = {FIN, CHAIR, INSP, REP, ADMIN}
EVERYONE = {ANON, MEMBER, *OFFICERS}

# (method, path) -> the roles it admits ("public": anyone, logged in or not)
MATRIX: dict[tuple[str, str], set[str] | str] = {
    ("GET", "/web/"): "public",
    ("GET", "/web/login"): "public",
    ("POST", "/web/login"): "public",
    ("GET", "/web/member/login"): "public",
    ("POST", "/web/member/login"): "public",
    ("POST", "/web/logout"): {MEMBER, *OFFICERS},
    ("GET", "/web/lang/{code}"): "public",
    ("GET", "/web/static/{name}"): "public",
    ("GET", "/web/key/new"): "public",
    ("GET", "/web/key"): OFFICERS,
    ("GET", "/web/me"): {MEMBER},
    ("GET", "/web/me/consistency"): {MEMBER},
    ("GET", "/web/me/receipt"): {MEMBER},
    ("GET", "/web/receipt"): "public",
    ("GET", "/web/receipt/checkpoint"): "public",
    ("GET", "/web/receipt/consistency"): "public",
    ("POST", "/web/me/receipts"): {MEMBER},
    ("GET", "/web/me/disputes/new"): {MEMBER},
    ("POST", "/web/me/disputes"): {MEMBER},
    ("GET", "/web/finance"): {FIN},
    ("GET", "/web/finance/payout"): {FIN},
    ("GET", "/web/finance/members"): {FIN},
    ("GET", "/web/finance/allowance"): {FIN},
    ("POST", "/web/finance/submit"): {FIN},
    ("POST", "/web/finance/withdraw"): {FIN},
    ("GET", "/web/finance/dues"): {FIN},
    ("POST", "/web/finance/dues/preview"): {FIN},
    ("GET", "/web/finance/other"): {FIN},
    ("GET", "/web/finance/fees"): {FIN},
    ("GET", "/web/finance/entries"): {FIN},
    ("GET", "/web/finance/fee-due"): {FIN},
    ("GET", "/web/finance/membership"): {FIN},
    ("GET", "/web/finance/loans"): {FIN},
    ("GET", "/web/finance/loan-allowance"): {FIN},
    ("GET", "/web/chair"): {CHAIR},
    ("POST", "/web/chair/submit"): {CHAIR},
    ("POST", "/web/chair/cosign"): {CHAIR},
    ("POST", "/web/chair/refuse"): {CHAIR},
    ("GET", "/web/inspector"): {INSP},
    ("GET", "/web/inspector/findings/{finding}"): {INSP},
    ("GET", "/web/inspector/events/{event_id}"): {INSP},
    ("POST", "/web/inspector/submit"): {INSP},
    ("POST", "/web/inspector/verify"): {INSP},
    ("GET", "/web/inspector/report"): {INSP},
    ("GET", "/web/reports"): OFFICERS,
    ("GET", "/web/reports/download"): OFFICERS,
    # any other address under /web: a 404 page for anyone (a GET of a posted-only address
    # goes to its form's page)
    **{
        (m, "/web/{rest:path}"): "public" for m in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
    },
}


def _request(client: Any, method: str, path: str, events: dict[str, str], csrf: str) -> Any:
    url = (
        path.replace("{code}", "en")
        .replace("{name}", "style.css")
        .replace("{finding}", "F-0000000000000000")
        .replace("{event_id}", events["gift1"])
    )
    query = {
        "/web/finance/members": {"q": "DV0"},
        "/web/finance/allowance": {"member": "DV001", "kind": "gift", "on": "2024-09-10"},
        "/web/finance/loan-allowance": {"member": "DV001", "on": "2024-09-10"},
        "/web/finance/fee-due": {"unit": "G1", "month": "2024-09", "payroll": "1000"},
        "/web/me/disputes/new": {"entry": events["gift1"]},
        "/web/me/consistency": {"old": "1", "new": "2"},
        "/web/me/receipt": {"entry": events["gift1"]},
        "/web/receipt/consistency": {"old": "1", "new": "2"},
        "/web/reports/download": {"unit": "G1", "kind": "monthly", "period": "2024-09"},
        "/web/lang/en": {"next": "/web/key/new"},
    }.get(url, {})
    if method == "GET":
        return client.get(url, params=query)
    headers = {"X-CSRF-Token": csrf}
    if url == "/web/finance/dues/preview":
        return client.post(
            url,
            headers=headers,
            data={"unit": "G1", "month": "2024-09", "effective_date": "2024-10-01"},
            files={"payroll": ("luong.csv", b"member,salary_basis\nDV001,6000000\n", "text/csv")},
        )
    if url.endswith("/submit"):
        return client.post(url, headers={**headers, "Accept": "application/json"}, json={})
    form = {
        "/web/me/receipts": {"entry": events["gift1"]},
        "/web/me/disputes": {"entry": events["gift1"], "reason": "other", "text": "Kiểm tra"},
        "/web/login": {"username": "nobody", "secret": "x", "csrf": ""},
        "/web/member/login": {"username": "nobody", "secret": "x", "csrf": ""},
    }.get(url, {})
    return client.post(url, headers=headers, data=form)


def page_routes(app: Any) -> list[Any]:
    """Every route under /web, looking inside included routers (FastAPI keeps them nested)."""
    out = []
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        out.extend(contexts() if contexts is not None else [route])
    return [r for r in out if (getattr(r, "path", None) or "").startswith("/web")]


def test_the_table_names_every_page_route(web) -> None:  # type: ignore[no-untyped-def]
    routes = {(method, r.path) for r in page_routes(web.app) for method in r.methods}
    assert routes == set(MATRIX)
    assert all(isinstance(r.original_route, WebRoute) for r in page_routes(web.app))


def test_every_page_route_admits_exactly_its_roles(web) -> None:  # type: ignore[no-untyped-def]
    clients = {ANON: web.client()}
    tokens = {ANON: ""}
    for role, who in WHO.items():
        clients[role] = web.login(who)
        tokens[role] = csrf_of(clients[role].get("/web/key/new").text)
    wrong: list[str] = []
    # Logging out ends the session: it goes last.
    order = sorted(MATRIX.items(), key=lambda kv: (kv[0][1] == "/web/logout", kv[0]))
    for (method, path), allowed in order:
        for role in sorted(EVERYONE):
            r = _request(clients[role], method, path, web.events, tokens[role])
            login_page = r.status_code == 303 and "/login" in r.headers.get("location", "")
            public_login_post = method == "POST" and path.endswith("/login")
            if allowed == "public" or role in allowed:
                ok = (
                    r.status_code not in (401, 403)
                    and r.status_code < 500
                    and (not login_page or path in ("/web/", "/web/logout"))
                )
                if public_login_post:  # no pre-login CSRF cookie in this request: refused
                    ok = r.status_code == 403
            elif role == ANON:  # a page or a form post: to the login page; a script: 401
                ok = login_page or (method != "GET" and r.status_code == 401)
            else:
                ok = r.status_code == 403
            if not ok:
                wrong.append(f"{method} {path} as {role}: {r.status_code}")
    assert wrong == []
