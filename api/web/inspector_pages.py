"""Ủy ban kiểm tra: verification status, findings worst first with their evidence, members'
disputes, and each grassroots union's welfare share against the 60% target.

Invariants:
- Every page admits the inspector role only, over the `unit` asked for (the API's scope
  check; by default the inspector's own scope unit). The period is the one asked for, by
  default the latest calendar year with money recorded (the current year on a ledger without
  any), and the page says when it chose it. Event pages are shown only when their unit is
  inside the inspector's scopes; a finding's evidence from a union outside the unit asked
  for is shown redacted, by its date, type and unit (`audit.detect.within`), and a finding
  the inspector's scope cannot judge has no judging form.
- Findings come from `audit.detect.detect` (rules of #5) for the unit and period, worst
  first; a finding's status is its latest signed judgment. Confirming or dismissing is a
  `finding.resolve` command signed in the inspector's browser, with a note, in the finding's
  unit (or, once that union is dissolved, the nearest union above it that is not).
- "Last full verification" is the last recorded run (`audit.runs`): one started from this
  page (one at a time, in the background, one worker) or `phucloi audit verify --record`:
  its verdict, when it ran, the tree size and events it covered and its first errors. The
  command-line `phucloi audit verify` remains the reference check.
- Witness cosignatures are shown from their signed lines (name, key ID, time signed) with
  whether each verifies against the witness keys the union configured
  (`PHUCLOI_WITNESS_KEYS`), or the plain notice that none is configured; the page's
  verification checks against the same keys.
"""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Final
from urllib.parse import urlencode
from uuid import UUID

from fastapi import Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select, text

from api.deps import Principal
from api.detections import detection, log_head
from api.errors import ApiError
from api.schemas import SignedItemIn
from api.web import lookups
from api.web.chart import welfare_chart
from api.web.render import render
from api.web.routing import web_router
from api.web.session import Page, csrf_checked, language, services
from api.web.signed import record_signed
from audit.detect import RULES_FROM_ABOVE
from audit.log import cosignature_lines, latest_checkpoint, log_key_in_use
from audit.note import CosignatureVerifier, NoteError, Signature, Verifier, open_note, split_note
from audit.runs import last_run, record_run
from audit.tables import checkpoints
from audit.witness import configured_log_key, configured_witness_keys
from ledger import clock
from ledger.bootstrap import Context
from ledger.domain.base import command_of
from ledger.domain.errors import LedgerError
from ledger.domain.periods import parse_period
from ledger.projections.queries.ratios import grassroots_figures
from ledger.projections.queries.tree import load_tree

router = web_router()
INSPECTOR: Final = "inspector"
Inspector = Annotated[Principal, Depends(Page(INSPECTOR, scope="unit"))]
CHECKED = [Depends(csrf_checked)]
INSPECTOR_TYPES: Final = frozenset({"finding.resolve"})
FINDINGS_SHOWN: Final = 200


# --- the unit and period a page is about -----------------------------------------------------------


def _unit(request: Request, who: Principal, unit: str | None) -> str:
    if unit:
        return unit
    scopes = who.scopes([INSPECTOR])
    if "*" in scopes:
        with services(request).ctx.engine.connect() as conn:
            roots = load_tree(conn).roots()
        return roots[0] if roots else "*"
    return scopes[0]


def _latest_money_year(ctx: Context) -> str | None:
    """The latest calendar year with money recorded, None when there is none."""
    with ctx.engine.connect() as conn:
        last = conn.scalar(
            text("SELECT MAX(period) FROM proj_unit_totals WHERE period NOT LIKE 'lunar-%'")
        )
    return str(last)[:4] if last else None


def latest_year(ctx: Context) -> str:
    """The latest calendar year with money recorded, else the current year."""
    return _latest_money_year(ctx) or str(clock.today_vn().year)


def _period(period: str | None, ctx: Context) -> str:
    label = period or latest_year(ctx)
    try:
        return parse_period(label).label
    except (ValueError, TypeError):
        raise ApiError(
            422,
            "invalid_request",
            "Kỳ không hợp lệ (ví dụ 2025, 2025-03, 2025-Q1, lunar-2025)",
            "The period is not valid (e.g. 2025, 2025-03, 2025-Q1, lunar-2025)",
            field="period",
        ) from None


# --- detection, cached per log head (api.detections) -----------------------------------------------


def findings(request: Request, unit: str, period: str) -> Any:
    """The detection report for the unit and period, as the API's `GET /findings` has it."""
    return detection(request.app.state, services(request).ctx, unit=unit, period=period)


# --- verification ------------------------------------------------------------------------------------


@dataclass
class Verification:
    running: bool = False
    started_at: str | None = None
    finished_at: str | None = None
    ok: bool | None = None
    events: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    failure: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def _verification(request: Request) -> Verification:
    state: Verification = request.app.state.__dict__.setdefault("web_verification", Verification())
    return state


def _run_verification(ctx: Context, state: Verification) -> None:
    """A full verification, as `phucloi audit verify` without options runs it: checkpoints
    checked with the log key the union published (PHUCLOI_LOG_KEY) when set, cosignatures
    against the witness keys it configured (PHUCLOI_WITNESS_KEYS), each of which must have
    cosigned the latest checkpoint."""
    from audit.source import DatabaseSource
    from audit.verify import verify

    try:
        witness_vkeys = configured_witness_keys()
        log_vkey = configured_log_key()
        url = ctx.engine.url.render_as_string(hide_password=False)
        report = verify(
            DatabaseSource(url, engine=ctx.engine),
            log_vkey=log_vkey,
            witness_vkeys=witness_vkeys,
            workers=1,
        )
        record_run(ctx.engine, report, origin="web")
        state.ok = report.ok
        state.events = report.events
        state.counts = report.counts()
        state.errors = [f.as_dict() for f in report.errors()[:20]]
        state.failure = None
    except Exception as exc:  # the page must say the run failed, not hang "running"
        state.ok = False
        state.failure = f"{type(exc).__name__}: {exc}"
    finally:
        state.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
        state.running = False


def _cosignature(line: str, text: str, known: list[CosignatureVerifier]) -> dict[str, Any]:
    """One stored cosignature line of a checkpoint as the page shows it: the name and key ID
    the line gives, the time it signed, and whether it verifies with a configured witness
    key (`status`: verified, invalid, unknown_key, unchecked when no key is configured,
    unreadable). The stored `witness` and `cosigned_at` columns are never shown: nothing
    signs them."""
    try:
        sig = Signature.parse_line(line)
    except NoteError:
        return {"status": "unreadable", "witness": None, "key_id": None, "at": None, "vkey": None}
    out: dict[str, Any] = {
        "witness": sig.name,
        "key_id": sig.key_id.hex(),
        "at": (
            datetime.fromtimestamp(int.from_bytes(sig.signature[:8], "big"), UTC).isoformat()
            if len(sig.signature) == 72
            else None
        ),
        "vkey": None,
    }
    if not known:
        return out | {"status": "unchecked"}
    match = next((v for v in known if (v.name, v.key_id) == (sig.name, sig.key_id)), None)
    if match is None:
        return out | {"status": "unknown_key"}
    ok = match.verify(text.encode(), sig.signature)
    return out | {"status": "verified" if ok else "invalid", "vkey": match.vkey}


def _status(ctx: Context) -> dict[str, Any]:
    try:
        configured = configured_witness_keys()
        key_problem = None
    except ValueError as exc:
        configured, key_problem = [], str(exc)
    log_key = log_key_in_use(ctx.engine)
    keys = {
        "witness_keys": configured,
        "witness_key_problem": key_problem,
        "log_vkey": log_key.vkey,
        "log_key_configured": log_key.configured,
        "log_key_problem": log_key.problem,
    }
    latest = latest_checkpoint(ctx.engine)
    if latest is None:
        return {"checkpoint": None, "cosignatures": []} | keys
    size, root, note = latest
    with ctx.engine.connect() as conn:
        created = conn.scalar(select(checkpoints.c.created_at).where(checkpoints.c.size == size))
        lines = cosignature_lines(conn, size)
    known = [CosignatureVerifier.from_vkey(k) for k in configured]
    text = split_note(note)[0]
    return {
        "checkpoint": {
            "size": size,
            "root": root,
            "created_at": created,
            "signed": _signed(note, log_key.vkey),
        },
        "cosignatures": [_cosignature(line, text, known) for line in lines],
        "events": log_head(ctx) + 1,
    } | keys


def _signed(note: str, vkey: str | None) -> bool | None:
    """Whether the checkpoint's note carries a valid signature by the log key in use (None when
    no key is known)."""
    if vkey is None:
        return None
    try:
        open_note(note, [Verifier.from_vkey(vkey)])
    except NoteError:
        return False
    return True


# --- pages ---------------------------------------------------------------------------------------------


@router.get("/web/inspector")
def overview(
    request: Request, who: Inspector, unit: str | None = None, period: str | None = None
) -> Response:
    ctx = services(request).ctx
    code = _unit(request, who, unit)
    label = _period(period, ctx)
    report = findings(request, code, label)
    try:
        chart = welfare_chart(grassroots_figures(ctx.ledger, code, label))
    except LedgerError:
        chart = None
    # The run's state before the last recorded run: a run finishing in between is then shown
    # running (the next load shows its verdict), never as "no verification recorded yet".
    verification = copy.copy(_verification(request))
    recorded = last_run(ctx.engine)
    run_errors, elsewhere, errors_cut = _errors_inside(ctx, code, recorded)
    return render(
        request,
        "inspector.html",
        who=who,
        title=("Kiểm tra", "Inspection"),
        unit=code,
        period=label,
        period_chosen=not period,
        # the default is the latest year with money; on a ledger without any, this year
        no_money=not period and _latest_money_year(ctx) is None,
        log_status=_status(ctx),
        verification=verification,
        last_run=recorded,
        run_errors=run_errors,
        run_errors_elsewhere=elsewhere,
        run_errors_cut=errors_cut,
        report=report,
        shown=report.findings[:FINDINGS_SHOWN],
        disputes=lookups.disputes(ctx.ledger, [code]),
        # each dispute's finding in this view (member_dispute), to judge it and reply from there
        dispute_findings={
            e.event_id: f
            for f in report.findings
            if f.rule == "member_dispute"
            for e in f.evidence
            if e.what == "member.dispute"
        },
        chart=chart,
    )


def _errors_inside(
    ctx: Context, unit: str, recorded: dict[str, Any] | None
) -> tuple[list[dict[str, Any]], dict[str, int], tuple[str, str] | None]:
    """The recorded run's errors a view of `unit` lists (those of its subtree's entries and
    those of no entry), how many concern another union's entries, by union (the verdict is
    the whole ledger's; another union's event ids, officers and times are not this view's, as
    in `audit report --unit` and the findings' evidence), and, when the run kept fewer of
    this view's errors than it found, what the page says of it (Vietnamese, English)."""
    from audit.detect import entry_units

    summary = (recorded or {}).get("summary") or {}
    kept: list[dict[str, Any]] = list(summary.get("first_errors") or [])
    by_unit: dict[str, int] | None = summary.get("errors_by_unit")
    total = int((recorded or {}).get("errors") or 0)
    with ctx.engine.connect() as conn:
        tree = load_tree(conn)
    inside = set(tree.subtree(unit)) if unit in tree.nodes else None
    units = entry_units(ctx.engine, [e["event_id"] for e in kept if e.get("event_id")])
    shown = [
        e
        for e in kept
        if inside is None
        or (where := units.get(e.get("event_id") or "")) is None
        or where in inside
    ]
    if by_unit is None:  # a run recorded before the errors were kept per unit
        elsewhere: dict[str, int] = {}
        for e in kept:
            where = units.get(e.get("event_id") or "")
            if inside is not None and where is not None and where not in inside:
                elsewhere[where] = elsewhere.get(where, 0) + 1
        cut = None
        if kept and len(kept) < total:
            n = len(kept)
            cut = (
                ("Lần chạy lưu " if elsewhere else "Liệt kê ")
                + f"{n} lỗi đầu tiên trong {total}; xem đủ bằng phucloi audit verify.",
                ("The run kept the first " if elsewhere else "The first ")
                + f"{n} of {total} errors; see them all with phucloi audit verify.",
            )
        return shown, dict(sorted(elsewhere.items())), cut
    elsewhere = {u: n for u, n in by_unit.items() if u and inside is not None and u not in inside}
    own = total - sum(elsewhere.values())
    cut = None
    if len(shown) < own:
        per = summary.get("kept_per_unit")
        scope_vi = f" thuộc phạm vi {unit}" if elsewhere else ""
        scope_en = f" in {unit}'s view" if elsewhere else ""
        cut = (
            f"Liệt kê {len(shown)} trong {own} lỗi{scope_vi} (lần chạy lưu {per} lỗi đầu tiên "
            "của mỗi công đoàn); xem đủ bằng phucloi audit verify.",
            f"Listing {len(shown)} of the {own} errors{scope_en} (the run keeps the first {per} "
            "of each union); see them all with phucloi audit verify.",
        )
    return shown, dict(sorted(elsewhere.items())), cut


@router.get("/web/inspector/findings/{finding}")
def finding_page(
    request: Request,
    who: Inspector,
    finding: str,
    unit: str | None = None,
    period: str | None = None,
) -> Response:
    from audit.detect import entry_units, recorded_times, rule_title

    code = _unit(request, who, unit)
    label = _period(period, services(request).ctx)
    found = findings(request, code, label).find(finding)
    if found is None:
        raise ApiError(
            404,
            "finding_not_found",
            f"Không có dấu hiệu {finding} tại {code} trong kỳ {label}",
            f"No finding {finding} at {code} in {label}",
        )
    today = clock.today_vn()
    events = [*found.event_ids, *(e.event_id for e in found.evidence if e.event_id)]
    ledger = services(request).ctx.ledger
    signing_unit = ledger.acting_unit(found.unit, today)
    visible = lookups.visible_units(ledger, who.scopes([INSPECTOR]))
    return render(
        request,
        "inspector_finding.html",
        who=who,
        title=("Dấu hiệu", "Finding"),
        f=found,
        rule=rule_title(found.rule, language(request)),
        recorded=recorded_times(services(request).ctx.engine, events),
        units=entry_units(services(request).ctx.engine, events),
        unit=code,
        period=label,
        today=today.isoformat(),
        # a judgment is signed in the finding's unit, or the union above one since dissolved;
        # an inspector whose scope does not cover it reads the finding and cannot judge it
        signing_unit=signing_unit,
        can_judge=visible is None or signing_unit in visible,
    )


@router.get("/web/inspector/report")
def inspection_report(
    request: Request, who: Inspector, unit: str | None = None, period: str | None = None
) -> Response:
    """The inspection report of the unit and period shown (`phucloi audit report --unit U
    --period P --no-verify`: member numbers, no names; another union's evidence redacted as on
    the pages), one self-contained HTML file to download. It does not verify: it states the
    last recorded verification (the one this page shows) and the entries recorded since."""
    from audit.report_html import build_report, render_html

    ctx = services(request).ctx
    code = _unit(request, who, unit)
    label = _period(period, ctx)
    html = render_html(
        build_report(
            ctx,
            unit=code,
            period=label,
            verify=False,
            recorded_run=last_run(ctx.engine),
            on_web=True,
        )
    )
    name = f"bao-cao-kiem-tra-{code}-{label}.html"
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/web/inspector/events/{event_id}")
def event_page(request: Request, who: Inspector, event_id: str) -> Response:
    ledger = services(request).ctx.ledger
    row = ledger.entry(event_id[:64])
    scopes = who.scopes([INSPECTOR])
    visible = lookups.visible_units(ledger, scopes)
    if (
        row is not None
        and visible is not None
        and row["command_type"] in RULES_FROM_ABOVE
        and row["unit_code"] in lookups.units_above(ledger, scopes)
    ):
        visible = None  # a policy version of a union above: the inspector's unions follow it
    if row is None or (visible is not None and row["unit_code"] not in visible):
        raise ApiError(
            404,
            "event_not_found",
            f"Không tìm thấy bút toán trong phạm vi của bạn: {event_id[:64]}",
            f"No such entry in your scope: {event_id[:64]}",
        )
    version = int(row["originator_version"])
    events = list(
        ledger.repository.event_store.get(UUID(row["originator_id"]), gt=version - 1, lte=version)
    )
    envelope = getattr(events[0], "envelope", {}) if events else {}
    return render(
        request,
        "inspector_event.html",
        who=who,
        title=("Bút toán", "Entry"),
        row=row,
        command=json.dumps(
            command_of(envelope) if envelope else {}, ensure_ascii=False, indent=2, sort_keys=True
        ),
        verdict=envelope.get("ledger", {}),
        now=_payout_now(ledger, envelope),
        cosigners=[c.get("officer") for c in envelope.get("cosignatures", [])],
        sealed=bool(envelope.get("sealed")),
    )


def _payout_now(ledger: Any, envelope: dict[str, Any]) -> dict[str, Any] | None:
    """A payout's state today (a chair's decision or a reversal came later), or None."""
    if not envelope:
        return None
    cmd = command_of(envelope)
    if cmd.get("type") != "payout.record":
        return None
    member = ledger.get_member(str(cmd["body"].get("member", "")))
    record = member.payouts.get(cmd["command_id"]) if member is not None else None
    if record is None:
        return None
    return {"status": record.status, "approver": record.approver, "reversed": record.reversed}


@router.post("/web/inspector/submit", dependencies=CHECKED)
def submit(request: Request, item: SignedItemIn, who: Inspector) -> JSONResponse:
    """Record a finding's judgment signed in this inspector's browser."""
    return record_signed(request, item, who, INSPECTOR_TYPES)


@router.post("/web/inspector/verify", dependencies=CHECKED)
def start_verification(
    request: Request,
    who: Inspector,
    unit: Annotated[str, Form(max_length=64)] = "",
    period: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Start a full verification of the ledger in the background (one at a time); back to
    the overview of the same unit and period."""
    state = _verification(request)
    with state.lock:
        if not state.running:
            state.running = True
            state.started_at = datetime.now(UTC).isoformat(timespec="seconds")
            state.finished_at = None
            ctx = services(request).ctx
            threading.Thread(
                target=_run_verification, args=(ctx, state), name="web-verify", daemon=True
            ).start()
    query = urlencode({k: v for k, v in (("unit", unit), ("period", period)) if v})
    return RedirectResponse(
        f"/web/inspector{'?' + query if query else ''}#verification", status_code=303
    )
