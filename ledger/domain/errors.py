"""Domain errors: a small hierarchy every entry point (CLI, HTTP, import) translates.

Each error carries a stable machine-readable `code`, the field it concerns when there is one,
and a message in Vietnamese and English. Nothing is stored when one is raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a command: where, what, in both languages."""

    field: str
    code: str
    vi: str
    en: str

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


def problem(field_: str, code: str, vi: str, en: str) -> Problem:
    return Problem(field=field_, code=code, vi=vi, en=en)


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
