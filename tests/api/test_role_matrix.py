"""Who may call what: every route of the app, with every role, allowed or refused.

The table below is the specification. The test walks `app.routes`, so a route added
without an entry here fails, and every route is called without a token (401), with each role
(allowed: the route answers; refused: 403 with no data) and, for routes scoped to a unit,
by an officer whose scope does not cover it (403).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from api.deps import Allow
from audit.log import make_checkpoint
from tests.api.conftest import PASSWORD
from tests.support import at

ALL = frozenset({"admin", "finance", "chair", "inspector", "reporter", "member"})
OFFICERS = ALL - {"member"}
PEOPLE = frozenset({"admin", "finance", "chair", "inspector"})
FIN = frozenset({"finance"})
PUBLIC = None
WEB = "/web/"

EXPECTED: dict[tuple[str, str], frozenset[str] | None] = {
    ("GET", "/health"): PUBLIC,
    ("POST", "/auth/login"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/favicon.ico"): PUBLIC,  # the site icon, for pages without the link (/docs)
    ("GET", "/auth/me"): ALL,
    ("POST", "/auth/logout"): ALL,
    # signed writes
    ("POST", "/collections/dues"): FIN,
    ("POST", "/collections/union-fee"): FIN,
    ("POST", "/collections/union-fee-reliefs"): FIN,
    ("POST", "/collections/other"): FIN,
    ("POST", "/payouts"): FIN,
    ("POST", "/expenses"): FIN,
    ("POST", "/remittances"): FIN,
    ("POST", "/loans/disbursements"): FIN,
    ("POST", "/loans/repayments"): FIN,
    ("POST", "/loans/write-offs"): FIN,
    ("POST", "/reversals"): FIN,
    ("POST", "/approvals"): frozenset({"chair"}),
    ("POST", "/units"): frozenset({"admin"}),
    ("POST", "/officers"): frozenset({"admin"}),
    ("POST", "/members"): frozenset({"admin", "finance"}),
    ("POST", "/policies"): frozenset({"admin", "chair"}),
    # reads
    ("GET", "/units"): OFFICERS,
    ("GET", "/units/{unit}"): OFFICERS,
    ("GET", "/units/{unit}/policy"): OFFICERS,
    ("GET", "/units/{unit}/members"): PEOPLE,
    ("GET", "/members/{number}"): PEOPLE,
    ("GET", "/members/{number}/history"): PEOPLE,
    ("GET", "/officers"): frozenset({"admin", "inspector"}),
    ("GET", "/officers/{code}"): frozenset({"admin", "inspector"}),
    ("GET", "/approvals/pending"): frozenset({"chair", "finance", "inspector"}),
    ("GET", "/units/{unit}/ratios"): OFFICERS,
    ("GET", "/units/{unit}/rollup"): OFFICERS,
    ("GET", "/units/{unit}/compliance"): OFFICERS,
    ("GET", "/units/{unit}/beneficiaries"): OFFICERS,
    # audit
    ("GET", "/audit/checkpoint"): ALL,
    ("GET", "/audit/inclusion/{event_id}"): OFFICERS,
    ("GET", "/audit/consistency"): ALL,
    ("GET", "/audit/export"): frozenset({"admin", "inspector"}),
    # members' own
    ("GET", "/me/history"): frozenset({"member"}),
    ("POST", "/me/disputes"): frozenset({"member"}),
    ("POST", "/me/receipts"): frozenset({"member"}),
    # findings (#5)
    ("GET", "/findings"): frozenset({"inspector"}),
    ("POST", "/findings/{finding}/resolution"): frozenset({"inspector"}),
}
# Routes whose unit (path `unit`, query `unit`, or the member's unit) must be in scope.
SCOPED = {
    ("GET", "/units/{unit}/members"),
    ("GET", "/members/{number}"),
    ("GET", "/members/{number}/history"),
    ("GET", "/approvals/pending"),
    ("GET", "/units/{unit}/ratios"),
    ("GET", "/units/{unit}/rollup"),
    ("GET", "/units/{unit}/compliance"),
    ("GET", "/units/{unit}/beneficiaries"),
    ("GET", "/findings"),
}
LOGINS = {
    "admin": ("officer", "admin"),
    "finance": ("officer", "kt.g1"),  # finance officer of G1
    "chair": ("officer", "ct.g1"),  # chair of G1
    "inspector": ("officer", "ubkt"),  # inspector over P
    "reporter": ("officer", "bc.p"),  # reporter over P
    "member": ("member", "DV001"),  # member of G1
}
NAMES = {
    "admin": "admin",
    "finance_officer": "finance",
    "chair": "chair",
    "inspector": "inspector",
    "reporter": "reporter",
    "member": "member",
}
ERROR_KEYS = {"code", "message_vi", "message_en", "problems"}


def _route_objects(app: Any) -> list[Any]:
    """Every API route of the app, looking inside included routers (FastAPI ≥ 0.160 keeps
    them there). The web pages under /web (#8) have their own table, tests/web."""
    out = []
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        out.extend(contexts() if contexts is not None else [route])
    return [r for r in out if not r.path.startswith(WEB)]


def _routes(app: Any) -> set[tuple[str, str]]:
    found = set()
    for route in _route_objects(app):
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                found.add((method, route.path))
    return found


def _guards(dependant: Any) -> list[Allow]:
    found = [dependant.call] if isinstance(dependant.call, Allow) else []
    for sub in dependant.dependencies:
        found += _guards(sub)
    return found


def _url(path: str, values: dict[str, str]) -> str:
    url = path.format(**values)
    query = {
        "/approvals/pending": "?unit={unit}",
        "/findings": "?unit={unit}&period=2024",
        "/audit/consistency": "?old=1&new={size}",
    }
    for suffix in ("/ratios", "/rollup", "/compliance", "/beneficiaries"):
        query[f"/units/{{unit}}{suffix}"] = "?period=2024"
    return url + query.get(path, "").format(**values)


def _call(api: Any, method: str, path: str, values: dict[str, str], headers: dict[str, str]) -> Any:
    url = _url(path, values)
    if method == "GET":
        return api.client.get(url, headers=headers)
    return api.client.post(url, json={}, headers=headers)


def _values(api: Any, unit: str, number: str) -> dict[str, str]:
    return {
        "unit": unit,
        "number": number,
        "code": "kt.g1",
        "event_id": api.join_events[number],
        "finding": "F-00112233445566aa",
        "size": str(api.size),
    }


def _setup(api: Any) -> None:
    """Know each member's join event, and sign a checkpoint so audit reads have one."""
    with api.ledger.engine.connect() as conn:
        joins = conn.execute(
            text(
                "SELECT e.event_id, m.member_number FROM ledger_entries e "
                "JOIN member_index m ON m.member_id = e.originator_id "
                "WHERE e.command_type = 'member.join'"
            )
        ).all()
    api.join_events = {number: event_id for event_id, number in joins}
    api.size = make_checkpoint(api.ledger.engine)[0]


def test_every_route_is_in_the_matrix(api) -> None:  # type: ignore[no-untyped-def]
    found = _routes(api.client.app)
    expected = set(EXPECTED)
    if not any(path.startswith("/findings") for _, path in found):
        expected = {k for k in expected if not k[1].startswith("/findings")}
    assert found == expected, (
        f"routes without an entry: {sorted(found - expected)}; "
        f"entries without a route: {sorted(expected - found)}"
    )
    # Authorisation is one dependency per route, declaring the roles of the table above.
    for route in _route_objects(api.client.app):
        dependant = getattr(route, "dependant", None)
        if dependant is None:
            continue
        for method in route.methods:
            allowed = EXPECTED[(method, route.path)]
            guards = _guards(dependant)
            if allowed is PUBLIC:
                assert guards == [], route.path
            elif route.path in ("/auth/me", "/auth/logout"):
                assert guards == []  # any valid token: the caller's own identity
            else:
                assert len(guards) == 1, route.path
                assert {NAMES[r] for r in guards[0].roles} == allowed, route.path


def test_every_route_with_every_role(api) -> None:  # type: ignore[no-untyped-def]
    _setup(api)
    values = _values(api, "G1", "DV001")
    headers = {role: api.login(*LOGINS[role]) for role in LOGINS}
    seen = []
    with at("2025-01-15"):
        for method, path in sorted(_routes(api.client.app)):
            allowed = EXPECTED[(method, path)]
            anonymous = _call(api, method, path, values, {})
            if allowed is PUBLIC:
                assert anonymous.status_code < 400 or path == "/auth/login", (method, path)
                continue
            assert anonymous.status_code == 401, (method, path, anonymous.text)
            assert anonymous.headers["WWW-Authenticate"] == "Bearer"
            for role, h in headers.items():
                r = _call(api, method, path, values, h)
                if path == "/auth/logout":  # takes no body; the role logs in again after
                    assert r.status_code == 200, (role, r.text)
                    assert _call(api, "GET", "/auth/me", values, h).status_code == 401
                    kind, username = LOGINS[role]
                    secret = PASSWORD if kind == "officer" else api.pins[username]
                    headers[role] = api.login(kind, username, secret)
                elif role in allowed:
                    expected = 200 if method == "GET" else 422  # an empty body is invalid
                    assert r.status_code == expected, (method, path, role, r.text)
                else:
                    assert r.status_code == 403, (method, path, role, r.text)
                    assert set(r.json()) == ERROR_KEYS
                    assert r.json()["code"] == "role_not_allowed"
                seen.append((method, path, role))
    guarded = [k for k in _routes(api.client.app) if EXPECTED[k] is not PUBLIC]
    assert len(seen) == len(LOGINS) * len(guarded)


def test_an_officer_out_of_scope_is_refused_and_in_scope_is_served(api) -> None:  # type: ignore[no-untyped-def]
    _setup(api)
    g2 = {  # officers whose scope is G2 only
        "finance": api.login("officer", "kt.g2"),
        "inspector": api.login("officer", "ubkt.g2"),
    }
    routes = _routes(api.client.app)
    with at("2025-01-15"):
        for method, path in sorted(SCOPED & routes):
            allowed = EXPECTED[(method, path)] or frozenset()
            who = g2["finance" if "finance" in allowed else "inspector"]
            refused = _call(api, method, path, _values(api, "G1", "DV001"), who)
            if "{number}" in path:  # as an unknown number (see the test below)
                assert refused.status_code == 404, (path, refused.text)
                assert refused.json()["code"] == "member_not_found"
            else:
                assert refused.status_code == 403, (path, refused.text)
                assert refused.json()["code"] == "out_of_scope"
            served = _call(api, method, path, _values(api, "G2", "DV003"), who)
            assert served.status_code == 200, (path, served.text)
        # A parent's scope covers its children; an officer cannot read the parent's figures.
        chair = api.login("officer", "ct.g1")
        assert api.client.get("/units/P/ratios?period=2024", headers=chair).status_code == 403
        inspector = api.login("officer", "ubkt")
        r = api.client.get("/members/DV003", headers=inspector)
        assert r.status_code == 200 and r.json()["unit"] == "G2"


def test_a_member_never_reads_another_members_data(api) -> None:  # type: ignore[no-untyped-def]
    _setup(api)
    member = api.login("member", "DV001")
    others = ["DV002", "DV003", "DV001", "DV999", "admin"]
    member_routes = sorted(p for m, p in _routes(api.client.app) if "{number}" in p and m == "GET")
    assert member_routes == ["/members/{number}", "/members/{number}/history"]
    for number in others:
        for path in member_routes:
            r = api.client.get(path.format(number=number), headers=member)
            assert r.status_code in (403, 404), (path, number)
            assert set(r.json()) == ERROR_KEYS
            assert "salary_basis" not in r.text and "lines" not in r.text
        for unit in ("G1", "G2", "P"):
            r = api.client.get(f"/units/{unit}/members", headers=member)
            assert r.status_code == 403 and "DV00" not in r.text
    own = api.client.get("/me/history", headers=member).json()
    assert own["member"] == "DV001"
    # The route takes no member number at all: nothing in the request can name another.
    r = api.client.get("/me/history?member=DV002", headers=member)
    assert r.json()["member"] == "DV001"


def test_a_member_outside_the_officers_scope_reads_as_unknown(api) -> None:  # type: ignore[no-untyped-def]
    """An officer of G1 asking for a member of another union gets the very answer of a number
    that does not exist: neither that the number exists nor, after a transfer, which union
    (which employer) the member works at now."""
    w = api.world
    with at("2024-09-20"):
        w.submit(
            "member.transfer",
            by=w.kt,
            unit="G1",
            effective_date="2024-09-20",
            body={"member": "DV002", "to_unit": "G2"},
        )
    finance = api.login("officer", "kt.g1")
    for path in ("/members/{number}", "/members/{number}/history"):
        for number in ("DV002", "DV003"):  # moved to G2; a member of G2 all along
            r = api.client.get(path.format(number=number), headers=finance)
            unknown = api.client.get(path.format(number="DV999"), headers=finance)
            assert (r.status_code, r.json()["code"]) == (404, "member_not_found"), r.text
            assert r.json() == {
                key: value.replace("DV999", number) if isinstance(value, str) else value
                for key, value in unknown.json().items()
            }
            assert "G2" not in r.text
    # The union now holding DV002 reads it as before.
    r = api.client.get("/members/DV002", headers=api.login("officer", "kt.g2"))
    assert r.status_code == 200 and r.json()["unit"] == "G2"
