"""Server-rendered pages: one Jinja2 environment, the layout's navigation, security headers.

Invariants:
- Autoescaping is on for every template and undefined variables are errors, so a value is
  never written into a page unescaped or silently blank.
- Every page is sent with a Content-Security-Policy that allows scripts, styles and forms from
  this server only (no inline script runs), and `Cache-Control: no-store`: pages hold
  personal data and must not stay in shared caches.
- The navigation shown is derived from the roles the API grants right now; showing a link
  never grants anything (each page checks its role itself).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Final

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from api.deps import Principal
from api.web import text
from api.web.session import csrf_token, language, page_address
from audit.checks import check_name
from ledger.domain.periods import period_said

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

SECURITY_HEADERS: Final[dict[str, str]] = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters.update(
    money=text.money,
    day=text.day,
    moment=text.moment,
    month=text.month,
    instants=text.instants,
    count=text.count,
    period_vi=lambda v: period_said(v, "vi"),
    period_en=lambda v: period_said(v, "en"),
)

# (path, roles that see it, Vietnamese, English)
NAV: Final[tuple[tuple[str, frozenset[str], str, str], ...]] = (
    ("/web/me", frozenset({"member"}), "Lịch sử phúc lợi của tôi", "My welfare history"),
    ("/web/finance/payout", frozenset({"finance_officer"}), "Chi phúc lợi", "Record a payout"),
    ("/web/finance/dues", frozenset({"finance_officer"}), "Thu đoàn phí", "Dues batch"),
    (
        "/web/finance/other",
        frozenset({"finance_officer"}),
        "Thu, chi khác",
        "Other income/spending",
    ),
    (
        "/web/finance/fees",
        frozenset({"finance_officer"}),
        "Kinh phí 2%, nộp cấp trên",
        "Union fee, remittances",
    ),
    ("/web/finance/membership", frozenset({"finance_officer"}), "Đoàn viên", "Members"),
    ("/web/finance/loans", frozenset({"finance_officer"}), "Cho vay", "Loans"),
    ("/web/finance", frozenset({"finance_officer"}), "Đã ghi", "Recorded"),
    (
        "/web/finance/entries",
        frozenset({"finance_officer"}),
        "Bút toán công đoàn",
        "Union's entries",
    ),
    ("/web/chair", frozenset({"chair"}), "Chờ duyệt", "Approvals"),
    ("/web/inspector", frozenset({"inspector"}), "Kiểm tra", "Inspection"),
    (
        "/web/reports",
        frozenset({"finance_officer", "chair", "inspector", "reporter", "admin"}),
        "Báo cáo",
        "Reports",
    ),
    (
        "/web/key",
        frozenset({"finance_officer", "chair", "inspector", "reporter", "admin"}),
        "Khóa ký",
        "Signing key",
    ),
)

OFFICER_ROLES: Final = frozenset({"finance_officer", "chair", "inspector", "reporter", "admin"})


def navigation(who: Principal | None, lang: str) -> list[dict[str, str]]:
    if who is None:
        return []
    roles = who.roles()
    return [
        {"path": path, "label": text.pick(lang, vi, en)}
        for path, allowed, vi, en in NAV
        if roles & allowed
    ]


def home_for(who: Principal) -> str:
    """The first page a person sees after logging in."""
    links = navigation(who, "vi")
    return links[0]["path"] if links else "/web/key"


def role_names(who: Principal | None, lang: str) -> str:
    if who is None:
        return ""
    names = []
    for role, scope in who.grants:
        name = (
            text.pick(lang, "Đoàn viên", "Member")
            if role == "member"
            else text.label("role", role, lang)
        )
        where = "" if scope == "*" else f" {scope}"
        names.append(name + where)
    return ", ".join(dict.fromkeys(names))


def render(
    request: Request,
    name: str,
    *,
    who: Principal | None = None,
    status: int = 200,
    title: tuple[str, str] = ("", ""),
    **context: Any,
) -> HTMLResponse:
    lang = language(request)
    t = partial(text.pick, lang)
    html = ENV.get_template(name).render(
        lang=lang,
        t=t,
        title=t(*title),
        who=who,
        roles_text=role_names(who, lang),
        nav=navigation(who, lang),
        path=request.url.path,
        here=page_address(request),
        csrf=context.pop("csrf", None) or csrf_token(request),
        label=partial(_label, lang),
        field_label=partial(text.field_label, lang),
        percent=partial(text.percent, lang=lang),
        check_name=partial(check_name, lang=lang),
        **context,
    )
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def _label(lang: str, kind: str, value: str | None) -> str:
    return text.label(kind, value, lang)
