"""Domain errors: a small hierarchy every entry point (CLI, HTTP, import) translates.

Each error carries a stable machine-readable `code`, the field it concerns when there is one,
and a message in Vietnamese and English. Nothing is stored when one is raised.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a command: where, what, in both languages."""

    field: str
    code: str
    vi: str
    en: str
    # the id of the entry the problem is about, when the message names it in words (an
    # earlier decision that overlaps): kept for programs, as `ref` in the API's and the CLI's
    # JSON refusal
    ref: str | None = None

    def text(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{where}{self.vi} / {self.en}"


@dataclass
class LedgerError(Exception):
    """Base of every refusal. `problems` lists each field-level reason."""

    code: str
    vi: str
    en: str
    problems: list[Problem] = field(default_factory=list)
    status: int = 422

    def __str__(self) -> str:
        head = f"{self.vi} / {self.en}"
        if not self.problems:
            return head
        return head + "\n" + "\n".join(f"  - {p.text()}" for p in self.problems)


class InvalidCommand(LedgerError):
    """The command is malformed: missing or ill-typed fields (HTTP 422)."""


class SignatureRefused(LedgerError):
    """The signature is bad, the key unknown or revoked, or the role does not allow it."""


class PolicyViolation(LedgerError):
    """The union's spending rules (quy chế chi tiêu nội bộ) refuse the command."""


class NotFound(LedgerError):
    """A referenced unit, member, officer or event does not exist (HTTP 404)."""


class Conflict(LedgerError):
    """The command conflicts with what is stored (HTTP 409): a duplicate, a concurrent write,
    or a retried command id whose content differs from the original."""


def problem(field_: str, code: str, vi: str, en: str, *, ref: str | None = None) -> Problem:
    return Problem(field=field_, code=code, vi=vi, en=en, ref=ref)


def invalid(problems: list[Problem]) -> InvalidCommand:
    return InvalidCommand(
        code="invalid_command",
        vi="Lệnh không hợp lệ",
        en="The command is invalid",
        problems=problems,
    )


def refused_by_policy(problems: list[Problem]) -> PolicyViolation:
    return PolicyViolation(
        code=problems[0].code if len(problems) == 1 else "policy_violation",
        vi="Quy chế chi tiêu nội bộ không cho phép",
        en="Refused by the union's spending rules",
        problems=problems,
    )


def not_found(what: str, key: str, *, field_: str = "") -> NotFound:
    labels = {
        "unit": ("Không tìm thấy đơn vị", "unit not found"),
        "member": ("Không tìm thấy đoàn viên", "member not found"),
        "officer": ("Không tìm thấy cán bộ", "officer not found"),
        "event": ("Không tìm thấy bút toán", "event not found"),
        "relative": ("Không tìm thấy thân nhân", "relative not found"),
        "loan": ("Không tìm thấy khoản vay", "loan not found"),
    }
    vi, en = labels.get(what, (f"Không tìm thấy {what}", f"{what} not found"))
    return NotFound(
        code=f"{what}_not_found",
        vi=f"{vi}: {key}",
        en=f"{en}: {key}",
        problems=[problem(field_, f"{what}_not_found", f"{vi}: {key}", f"{en}: {key}")]
        if field_
        else [],
        status=404,
    )


def conflict(code: str, vi: str, en: str) -> Conflict:
    return Conflict(code=code, vi=vi, en=en, status=409)


# Vietnamese for the validation errors people meet most (pydantic's error "type" and "ctx");
# any other keeps pydantic's English message inside the Vietnamese sentence.
_VI_ERRORS: dict[str, str] = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "trường không được phép",
    "greater_than": "giá trị phải lớn hơn {gt}",
    "greater_than_equal": "giá trị phải từ {ge} trở lên",
    "less_than": "giá trị phải nhỏ hơn {lt}",
    "less_than_equal": "giá trị không được vượt {le}",
    "int_type": "phải là số nguyên",
    "int_parsing": "phải là số nguyên",
    "string_type": "phải là chuỗi ký tự",
    "bool_type": "phải là true hoặc false",
    "string_too_short": "quá ngắn (ít nhất {min_length} ký tự)",
    "string_too_long": "quá dài (tối đa {max_length} ký tự)",
    "too_short": "quá ít phần tử (ít nhất {min_length})",
    "too_long": "quá nhiều phần tử (tối đa {max_length})",
    "literal_error": "phải là một trong: {expected}",
    "enum": "phải là một trong: {expected}",
    "string_pattern_mismatch": "không đúng định dạng",
    "uuid_parsing": "không phải UUID hợp lệ",
    "uuid_type": "không phải UUID hợp lệ",
    "date_from_datetime_parsing": "không phải ngày YYYY-MM-DD",
    "date_parsing": "không phải ngày YYYY-MM-DD",
    "datetime_parsing": "không phải thời điểm ISO 8601",
    "dict_type": "phải là đối tượng JSON",
    "model_type": "phải là một đối tượng JSON",
    "model_attributes_type": "phải là một đối tượng JSON",
    "string_unicode": "phải là chuỗi Unicode hợp lệ (không có surrogate lẻ)",
    "int_from_float": "phải là số nguyên (không có phần thập phân)",
    "list_type": "phải là danh sách",
}


# the " or " before the last of pydantic's choices ("'a', 'b' or 'other'", "1 or 2")
_OR_LAST = re.compile(r" or (?=(?:'[^']*'|[^' ]+)$)")


def validation_en(err: Mapping[str, Any]) -> str:
    """The English message for one pydantic validation error (ours: the part after " / ")."""
    if err.get("type") == "value_error" and (err.get("ctx") or {}).get("error") is not None:
        return str(err["ctx"]["error"]).partition(" / ")[2] or str(err["ctx"]["error"])
    return str(err.get("msg", "invalid"))


def validation_vi(err: Mapping[str, Any]) -> str:
    """The Vietnamese message for one pydantic validation error."""
    if err.get("type") == "value_error" and (err.get("ctx") or {}).get("error") is not None:
        return str(err["ctx"]["error"]).split(" / ")[0]  # our own validators: "vi / en"
    template = _VI_ERRORS.get(str(err.get("type", "")))
    if template is None:
        return f"giá trị không hợp lệ ({err.get('msg', 'invalid')})"
    ctx = dict(err.get("ctx") or {})
    if isinstance(ctx.get("expected"), str):
        # pydantic lists the choices in English: "'a', 'b' or 'other'"
        ctx["expected"] = _OR_LAST.sub(" hoặc ", ctx["expected"])
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return f"giá trị không hợp lệ ({err.get('msg', 'invalid')})"
