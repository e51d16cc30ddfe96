"""The inspection report (báo cáo kiểm tra): one self-contained HTML file, in Vietnamese.

    report = build_report(ctx, unit="D", period="2025", verify=True)
    Path("report.html").write_text(render_html(report), encoding="utf-8")

Invariants:
- The file needs nothing else: CSS is inline, charts are inline SVG drawn by matplotlib (text
  kept as text), no script, no link, no image or font fetched from anywhere; no URL at all
  appears in it (SVG namespace declarations are dropped: HTML does not need them).
- Everything shown is escaped by Jinja2's autoescaping; only the SVG drawn here is inserted
  as markup.
- People appear by member number and officer code. Names appear only with `names=True`, and
  only as `Ledger.reveal` opens them: an erased person shows as erased.
- The verification verdict says plainly when verification was not run.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from audit.checks import named
from audit.detect import (
    RULES,
    DetectionReport,
    detect,
    entry_units,
    money_at_stake,
    recorded_times,
    rule_title,
)
from audit.findings import ERROR, Report
from audit.rules.base import SEVERITY_VI, STATUS_VI, DetectedFinding
from audit.rules.load import calendar_years
from ledger import clock
from ledger.domain.money import format_dong
from ledger.domain.periods import Period, parse_period, period_said
from ledger.reports.provisional import PeriodStatus

ERASED = "đã xóa / erased"  # shown in parentheses after the member number (`_people`)
TYPE_VI = {
    "payout.record": "Chi phúc lợi",
    "member.join": "Kết nạp",
    "member.leave": "Ra khỏi tổ chức",
    "member.death": "Báo tử",
    "member.transfer": "Chuyển sinh hoạt",
    "member.dispute": "Khiếu nại",
    "reversal.record": "Bút toán đảo",
    "officer.revoke_key": "Thu hồi khóa",
    "officer.register": "Đăng ký cán bộ",
    "officer.grant": "Giao vai trò",
    "collection.dues": "Thu đoàn phí",
    "collection.union_fee": "Thu KPCĐ",
    "union_fee.relief": "Quyết định miễn, giảm, tạm dừng đóng KPCĐ",
    "collection.other": "Thu khác",
    "expense.record": "Chi khác",
    "remittance.record": "Nộp cấp trên",
    "loan.disburse": "Giải ngân",
    "loan.repay": "Thu nợ",
    "loan.write_off": "Xóa nợ",
    "approval.decide": "Phê duyệt",
}


@dataclass
class UnionShare:
    unit: str
    name: str
    share_bp: int | None
    target_bp: int | None
    welfare: int
    spending: int


@dataclass
class InspectionReport:
    detection: DetectionReport
    verification: Report | None
    chart_period: Period | None
    shares: list[UnionShare]
    scope: str
    generated_at: datetime
    names: dict[str, str] = field(default_factory=dict)
    # when each evidence event was recorded, by event id (`audit.detect.recorded_times`)
    recorded: dict[str, str] = field(default_factory=dict)
    # the unit each evidence event was recorded in, for a row the rule gave none
    units: dict[str, str] = field(default_factory=dict)
    # a report of one unit: its subtree, and the unit of each event verification reports, so
    # the errors about another union's entries are counted, not listed
    scope_units: frozenset[str] | None = None
    error_units: dict[str, str] = field(default_factory=dict)
    # made without verifying: the last recorded run it relies on (`audit.runs.last_run`), and
    # whether it was made from the web (whose reader verifies from the page, not a shell)
    recorded_run: dict[str, Any] | None = None
    on_web: bool = False


def _chart_period(detection: DetectionReport, ctx: Any, period: Period | None) -> Period | None:
    if period is not None:
        return period
    from audit.rules.load import evaluation_periods

    with ctx.engine.connect() as conn:
        periods = evaluation_periods(conn, None)
    return periods[-1] if periods else None


def _shares(ctx: Any, root: str, period: Period) -> list[UnionShare]:
    from ledger.projections.queries.ratios import grassroots_figures

    return [
        UnionShare(f.unit, f.name, f.welfare_share_bp, f.welfare_target_bp, f.welfare, f.spending)
        for f in grassroots_figures(ctx.ledger, root, period)
        if f.spending > 0
    ]


def _root(ctx: Any) -> str | None:
    from sqlalchemy import text

    with ctx.engine.connect() as conn:
        rows = conn.execute(text("SELECT code FROM proj_units WHERE parent IS NULL")).all()
    codes = sorted(r.code for r in rows)
    return codes[0] if codes else None


def _names(ctx: Any, detection: DetectionReport) -> dict[str, str]:
    """Names of the members in the findings, as `Ledger.reveal` opens them."""
    from ledger.domain.errors import NotFound
    from ledger.privacy import TamperedError

    out: dict[str, str] = {}
    numbers = {p for f in detection.findings for p in f.people}
    for number in sorted(numbers):
        try:
            opened = ctx.ledger.reveal(number)
        except NotFound:
            continue  # an officer code, not a member number
        except TamperedError:
            out[number] = "không giải mã được / cannot be decrypted"
            continue
        out[number] = ERASED if opened is None else str(opened.get("full_name", ""))
    return out


def build_report(
    ctx: Any,
    *,
    unit: str | None = None,
    period: str | Period | None = None,
    verify: bool = True,
    verification: Report | None = None,
    names: bool = False,
    progress: Any = None,
    recorded_run: dict[str, Any] | None = None,
    on_web: bool = False,
) -> InspectionReport:
    """Verify (unless told not to), detect, and gather what the report shows. Without
    verifying, `recorded_run` is the last recorded verification the report states instead."""
    p = parse_period(period) if isinstance(period, str) else period
    if verification is None and verify:
        from audit.source import DatabaseSource
        from audit.verify import verify as run_verify

        url = ctx.engine.url.render_as_string(hide_password=False)
        verification = run_verify(DatabaseSource(url, engine=ctx.engine), progress=progress)
    detection = detect(ctx, unit=unit, period=p, verification=verification, progress=progress)
    chart_period = _chart_period(detection, ctx, p)
    evidence = [e.event_id for f in detection.findings for e in f.evidence if e.event_id]
    root = unit or _root(ctx)
    scope_units = _subtree(ctx, unit) if unit else None
    reported = [f.event_id for f in verification.findings if f.event_id] if verification else []
    shares = _shares(ctx, root, chart_period) if root and chart_period else []
    return InspectionReport(
        detection=detection,
        verification=verification,
        chart_period=chart_period,
        shares=shares,
        scope=root or "",
        generated_at=clock.now(),
        names=_names(ctx, detection) if names else {},
        recorded=recorded_times(ctx.engine, evidence),
        units=entry_units(ctx.engine, evidence),
        scope_units=scope_units,
        error_units=entry_units(ctx.engine, reported) if scope_units is not None else {},
        recorded_run=recorded_run if verification is None else None,
        on_web=on_web,
    )


def _subtree(ctx: Any, unit: str) -> frozenset[str]:
    from ledger.projections.queries.tree import load_tree

    with ctx.engine.connect() as conn:
        return frozenset(load_tree(conn).subtree(unit))


# --- the chart -----------------------------------------------------------------------------------

_XMLNS = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')


def _inline_svg(svg: str) -> str:
    """matplotlib's SVG as HTML markup: no XML prolog, doctype, metadata or namespace URLs."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = _XMLNS.sub("", svg)
    return svg.replace("xlink:href", "href")


def share_chart(shares: list[UnionShare]) -> str:
    """Horizontal bars of each union's welfare share, worst at the top, with the target line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [s for s in shares if s.share_bp is not None]
    if not rows:
        return ""
    rows = sorted(rows, key=lambda s: (s.share_bp or 0, s.unit))
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "phucloi", "font.size": 9}):
        height = max(2.0, 0.28 * len(rows) + 1.0)
        fig, ax = plt.subplots(figsize=(7.5, height))
        labels = [s.unit for s in rows][::-1]
        values = [(s.share_bp or 0) / 100 for s in rows][::-1]
        colours = [
            "#c0392b" if s.target_bp is not None and (s.share_bp or 0) < s.target_bp else "#2e7d32"
            for s in rows
        ][::-1]
        ax.barh(labels, values, color=colours)
        targets = {s.target_bp for s in rows if s.target_bp is not None}
        for target in sorted(targets):
            ax.axvline(target / 100, color="#1f3b73", linestyle="--", linewidth=1.2)
            ax.text(
                target / 100,
                1.005,
                f"chỉ tiêu {target // 100}%",
                color="#1f3b73",
                ha="center",
                va="bottom",
                transform=ax.get_xaxis_transform(),
            )
        ax.set_xlim(0, 100)
        ax.set_xlabel("Chi phúc lợi / tổng chi (%)")
        ax.grid(axis="x", alpha=0.3)
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
        plt.close(fig)
    return _inline_svg(buf.getvalue())


# --- rendering -----------------------------------------------------------------------------------


def _fmt_date(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            return value
        if instant.tzinfo is None:
            return instant.strftime("%d/%m/%Y")
        return instant.astimezone(clock.VIETNAM).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime):
        return value.astimezone(clock.VIETNAM).strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def _instants(message: str | None) -> str:
    """Every ISO instant in a message (`lúc 2025-10-25T09:36:00+00:00`) in Vietnam's time
    (`25/10/2025 16:36`), every ISO date as dd/mm/yyyy, as the inspectors' page and `audit
    verify` show them (`ledger.clock.readable`)."""
    return clock.readable(message)


def _pct(bp: int | None) -> str:
    if bp is None:
        return "—"
    whole, frac = divmod(bp, 100)
    return f"{whole}%" if frac == 0 else f"{whole},{frac:02d}".rstrip("0") + "%"


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("audit", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = lambda v: "—" if v is None else format_dong(int(v))
    env.filters["day"] = _fmt_date
    env.filters["pct"] = _pct
    env.filters["severity_vi"] = lambda s: SEVERITY_VI.get(s, s)
    env.filters["status_vi"] = lambda s: STATUS_VI.get(s, s)
    env.filters["type_vi"] = lambda t: TYPE_VI.get(t, t)
    env.filters["rule_vi"] = rule_title
    env.filters["instants"] = _instants
    env.filters["period_vi"] = period_said  # `2025-08` → `Tháng 08/2025`
    env.filters["check_vi"] = named  # `signature.revoked (ký bằng khóa đã bị thu hồi từ trước)`
    return env


def _verdict(report: InspectionReport) -> dict[str, Any]:
    """The verification's verdict on the whole ledger; in a report of one unit, the errors and
    warnings about another union's entries are counted by union, not listed (their event ids,
    officers and times are that union's)."""
    v = report.verification
    if v is None:
        return {"ran": False, "web": report.on_web, "run": _recorded(report)}

    def outside(f: Any) -> str | None:
        if report.scope_units is None or not f.event_id:
            return None
        unit = report.error_units.get(f.event_id)
        return unit if unit is not None and unit not in report.scope_units else None

    errors = [f for f in v.findings if f.severity == ERROR]
    shown = [f for f in errors if outside(f) is None]
    warnings = [f for f in v.findings if f.severity != ERROR and outside(f) is None]
    elsewhere = Counter(u for f in v.findings if (u := outside(f)) is not None)
    return {
        "ran": True,
        "ok": v.ok,
        "events": v.events,
        "tree_size": v.tree_size,
        "root_hash": v.root_hash,
        "errors": shown[:50],
        "error_count": len(errors),
        "shown_count": len(shown),
        "warnings": warnings[:20],
        "warning_count": len(warnings),
        "outside": sum(elsewhere.values()),
        "outside_units": sorted(elsewhere),
    }


_ORIGIN_VI = {"web": "chạy từ trang Kiểm tra", "cli": "chạy bằng dòng lệnh"}


def _recorded(report: InspectionReport) -> dict[str, Any] | None:
    """The last recorded verification a report made without verifying relies on: when, its
    verdict on the whole ledger, how many of its errors concern entries outside the report's
    unit (when the run kept that), and how many entries were recorded after it."""
    run = report.recorded_run
    if run is None:
        return None
    by_unit: dict[str, int] = (run.get("summary") or {}).get("errors_by_unit") or {}
    outside = (
        sum(n for u, n in by_unit.items() if u and u not in report.scope_units)
        if report.scope_units is not None
        else 0
    )
    return {
        "finished_at": run["finished_at"],
        "origin": _ORIGIN_VI.get(run["origin"], run["origin"]),
        "ok": bool(run["ok"]),
        "errors": int(run["errors"] or 0),
        "outside": outside,
        "events": int(run["events"] or 0),
        "root_hash": run["root_hash"],
        "since": max(0, report.detection.events - int(run["events"] or 0)),
    }


def _people(f: DetectedFinding, names: dict[str, str]) -> list[str]:
    return [f"{p} ({names[p]})" if names.get(p) else p for p in f.people]


def render_html(report: InspectionReport) -> str:
    detection = report.detection
    by_rule = detection.by_rule()
    groups = []
    for rule in RULES:
        items = by_rule.get(rule.id, [])
        statuses = Counter(f.status for f in items)
        groups.append(
            {
                "rule": rule,
                "findings": [{"f": f, "people": _people(f, report.names)} for f in items],
                "count": len(items),
                "amount": money_at_stake(items),
                "open": statuses.get("open", 0),
                "confirmed": statuses.get("confirmed", 0),
                "dismissed": statuses.get("dismissed", 0),
            }
        )
    judged = [f for f in detection.findings if f.judgments]
    period = report.chart_period
    html = (
        _environment()
        .get_template("inspection.html.j2")
        .render(
            report=report,
            detection=detection,
            verdict=_verdict(report),
            groups=groups,
            recorded=report.recorded,
            units=report.units,
            judged=judged,
            stale=detection.stale_judgments,
            chart=Markup(share_chart(report.shares)),
            shares=report.shares,
            # the targets the unions are judged by (a union may raise its own above the line)
            targets=[
                _pct(bp) for bp in sorted({s.target_bp for s in report.shares if s.target_bp})
            ],
            period_label=period.label_vi if period else "",
            # a month's or a quarter's shares against a yearly target are indicative only:
            # rule 12 judges the calendar years the period meets (`calendar_years`)
            yearly=(
                ", ".join(y.label_vi for y in calendar_years([period]))
                if period is not None and period.kind != "year"
                else ""
            ),
            # a period not over on the day the report was made: its figures are provisional
            period_notice=(
                PeriodStatus(period, clock.local_date(report.generated_at)).notice
                if period
                else None
            ),
            period_end=(period.end - timedelta(days=1)) if period else None,
            severity=Counter(f.severity for f in detection.findings),
            total_amount=detection.money_at_stake(),
            rule_sum=sum(g["amount"] for g in groups),
            statuses=Counter(f.status for f in detection.findings),
        )
    )
    return html
