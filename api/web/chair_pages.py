"""Chủ tịch: payouts waiting for a second signature, each with the policy and the member's
history beside it; approve or refuse, signed in the chair's browser. Spending above the
approval threshold a finance officer signed in the web waits here too (api.web.cosign): the
chair cosigns the officer's command in the browser, or refuses it with a note.

Invariants:
- The queue holds only payouts under the chair's own scopes (api.queries.pending_approvals).
- The decision is an `approval.decide` command over the payout's event id and the digest of
  the command the finance officer signed, so a chair approves exactly the bytes that were
  recorded. The ledger refuses a chair approving their own payout (maker = checker), a
  payout no longer pending, and an approval that would now break the policy.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Final
from uuid import UUID

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import StringConstraints

from api import queries
from api.deps import Principal
from api.schemas import CleanText, CosignatureIn, SignedItemIn, Strict, Uuid
from api.web import cosign, lookups
from api.web.render import render
from api.web.routing import web_router
from api.web.session import Page, csrf_checked, services
from api.web.signed import record_signed
from audit.rules.benefits import OVERRIDE_EN, OVERRIDE_VI
from ledger import clock
from ledger.application import Ledger
from ledger.domain.catalogue import WelfareKind
from ledger.domain.money import format_dong
from ledger.projections.queries.tree import load_tree

router = web_router()
Chair = Annotated[Principal, Depends(Page("chair"))]
CHAIR_TYPES: Final = frozenset({"approval.decide"})
HISTORY_SHOWN: Final = 10


def _roots(ledger: Ledger, scopes: list[str]) -> list[str]:
    if "*" not in scopes:
        return list(dict.fromkeys(scopes))
    with ledger.engine.connect() as conn:
        return load_tree(conn).roots()


def _policy(ledger: Ledger, item: dict[str, Any]) -> dict[str, Any] | None:
    policy = ledger.policy_for(item["unit"], date.fromisoformat(item["effective_date"]))
    if policy is None:
        return None
    try:
        rule = policy.rule(WelfareKind(item["kind"]))
    except ValueError:
        rule = None
    return {
        "version": policy.version,
        "approval_threshold": policy.approval_threshold,
        "per_payout_cap": None if rule is None else rule.per_payout_cap,
        "per_year_cap": None if rule is None else rule.per_year_cap,
        "max_count": None if rule is None else rule.max_count,
        "allowed": rule is not None,
    }


# the policy field whose limit each overridable check names (its amount or count is shown)
_LIMIT_OF: Final = {
    "over_payout_cap": "per_payout_cap",
    "over_period_cap": "per_year_cap",
    "over_count": "max_count",
}


def _override(
    ledger: Ledger, event_id: str, policy: dict[str, Any] | None
) -> dict[str, Any] | None:
    """What the chair lets through by approving: the rules the payout goes beyond (as the
    ledger's verdict recorded them when the officer signed) and the officer's signed
    justification; None for a payout within the rules."""
    row = ledger.entry(event_id)
    if row is None:
        return None
    version = int(row["originator_version"])
    for ev in ledger.repository.event_store.get(
        UUID(row["originator_id"]), gt=version - 1, lte=version
    ):
        envelope = getattr(ev, "envelope", {})
        codes = envelope.get("ledger", {}).get("overridden") or []
        if not codes:
            return None
        command = envelope.get("command")
        body = (json.loads(command) if isinstance(command, str) else command or {}).get("body", {})
        vi, en = [], []
        for code in codes:
            limit = None if policy is None else policy.get(_LIMIT_OF.get(code, ""))
            if limit is None:
                vi.append(OVERRIDE_VI.get(code, code))
                en.append(OVERRIDE_EN.get(code, code))
            elif code == "over_count":
                vi.append(f"{OVERRIDE_VI[code]} (tối đa {limit})")
                en.append(f"{OVERRIDE_EN[code]} (at most {limit})")
            else:
                vi.append(f"{OVERRIDE_VI[code]} {format_dong(limit)}")
                en.append(f"{OVERRIDE_EN[code]} of {format_dong(limit)}")
        return {
            "vi": ", ".join(vi),
            "en": ", ".join(en),
            "justification": (body.get("override") or {}).get("justification", ""),
        }
    return None


def queue(ledger: Ledger, scopes: list[str]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    items = []
    for root in _roots(ledger, scopes):
        for item in queries.pending_approvals(ledger, root):
            if item["event_id"] in seen:
                continue
            seen.add(item["event_id"])
            member = queries.member(ledger, item["member"])
            earlier = [p for p in member["payouts"] if p["event_id"] != item["event_id"]]
            policy = _policy(ledger, item)
            relative = next(
                (r for r in member["relatives"] if r["code"] == item["beneficiary"]), None
            )
            items.append(
                {
                    **item,
                    "name": member["name"],
                    "relative": relative,
                    "member_status": member["status"],
                    "policy": policy,
                    "override": _override(ledger, item["event_id"], policy),
                    "history": list(reversed(earlier))[:HISTORY_SHOWN],
                }
            )
    return items


@router.get("/web/chair")
def approvals(request: Request, who: Chair) -> Response:
    ledger = services(request).ctx.ledger
    return render(
        request,
        "chair.html",
        who=who,
        title=("Chờ Chủ tịch ký duyệt", "Waiting for the chair's signature"),
        items=queue(ledger, who.scopes(["chair"])),
        spending=cosign.waiting(ledger, lookups.visible_units(ledger, who.scopes(["chair"]))),
        today=clock.today_vn().isoformat(),
    )


@router.post("/web/chair/submit", dependencies=[Depends(csrf_checked)])
def submit(request: Request, item: SignedItemIn, who: Chair) -> JSONResponse:
    """Record an approval or refusal signed in this chair's browser."""
    return record_signed(request, item, who, CHAIR_TYPES)


class CosignIn(Strict):
    command_id: Uuid
    cosignature: CosignatureIn


class RefuseIn(Strict):
    command_id: Uuid
    note: Annotated[CleanText, StringConstraints(max_length=cosign.NOTE_MAX)] = ""


@router.post("/web/chair/cosign", dependencies=[Depends(csrf_checked)])
def cosign_spending(request: Request, held: CosignIn, who: Chair) -> JSONResponse:
    """Record held spending with the second signature made in this chair's browser."""
    ledger = services(request).ctx.ledger
    receipt = cosign.cosign(
        ledger,
        who.subject,
        lookups.visible_units(ledger, who.scopes(["chair"])),
        str(held.command_id),
        held.cosignature.model_dump(),
    )
    return JSONResponse(receipt, status_code=201)


@router.post("/web/chair/refuse", dependencies=[Depends(csrf_checked)])
def refuse_spending(request: Request, held: RefuseIn, who: Chair) -> JSONResponse:
    """Refuse held spending: it never reaches the ledger; the officer sees the note."""
    ledger = services(request).ctx.ledger
    kind = cosign.refuse(
        ledger,
        who.subject,
        lookups.visible_units(ledger, who.scopes(["chair"])),
        str(held.command_id),
        held.note.strip(),
    )
    return JSONResponse(cosign.closed_message(kind, "refused"))
