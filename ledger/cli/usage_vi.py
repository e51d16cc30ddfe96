"""Vietnamese for the command line's own parse errors.

Click (under Typer) reports a missing argument, an unknown option or command, or a value its
type refuses in English only. The ledger's own refusals are bilingual, so an officer who
mistypes `--ammount` should not be the one reader left with English. `bilingual` rewrites a
click usage error as "Vietnamese / English" with the same context and exit status (2);
`PhucloiGroup` applies it to every subcommand's parsing. Messages it does not know (a newer
click's) keep their English text, prefixed with "Lỗi cú pháp lệnh".
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import typer
import typer.rich_utils

# The click Typer parses with: its own copy inside newer Typers, the click package in older
# ones. `typer.BadParameter` is public in both; its module holds the other usage errors.
_click_exceptions = importlib.import_module(typer.BadParameter.__module__)
UsageError: Any = _click_exceptions.UsageError
NoArgsIsHelpError: Any = getattr(_click_exceptions, "NoArgsIsHelpError", ())

# Typer's panel title and hint, read when an error is printed.
typer.rich_utils.ERRORS_PANEL_TITLE = "Lỗi (error)"
typer.rich_utils.RICH_HELP = "Xem (try) [blue]'{command_path} {help_option}'[/] để biết cách dùng."
typer.rich_utils.ABORTED_TEXT = "Đã hủy (aborted)."

# What click's parameter types say of a refused value, in Vietnamese. Each pattern matches
# click's English text (click.types); the groups go into the Vietnamese.
_VALUE_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^(?:Value )?(?P<v>.+) is not a valid (?:integer|int)\b"),
        "{v} không phải số nguyên",
    ),
    (re.compile(r"^(?:Value )?(?P<v>.+) is not a valid float\b"), "{v} không phải số"),
    (
        re.compile(r"^(?:Value )?(?P<v>.+) is not a valid (?:boolean|bool)\b"),
        "{v} không phải có/không (true/false)",
    ),
    (re.compile(r"^(?:Value )?(?P<v>.+) is not a valid UUID\b"), "{v} không phải UUID"),
    (re.compile(r"^(?:Value )?(?P<v>.+) is not a valid (?P<t>\w+)\.$"), "{v} không hợp lệ ({t})"),
    (re.compile(r"^(?P<v>.+) is not one of (?P<c>.+)\.$"), "{v} không thuộc các giá trị {c}"),
    (re.compile(r"^(?P<v>.+) is not (?P<c>.+)\.$"), "{v} không phải {c}"),
    (re.compile(r"^(?P<v>.+) is not in the range (?P<r>.+)\.$"), "{v} nằm ngoài khoảng {r}"),
    (
        re.compile(r"^(?P<v>.+) does not match the formats? (?P<f>.+)\.$"),
        "{v} không đúng định dạng {f}",
    ),
    # Typer's newer releases coerce with pydantic, which words its refusals so.
    (re.compile(r"^Input should be a valid integer\b"), "phải là số nguyên"),
    (re.compile(r"^Input should be a valid number\b"), "phải là số"),
    (re.compile(r"^Input should be a valid boolean\b"), "phải là có/không (true/false)"),
    (re.compile(r"^Input should be a valid date\b"), "phải là ngày YYYY-MM-DD"),
    (re.compile(r"^Input should be greater than or equal to (?P<n>\S+)$"), "phải từ {n} trở lên"),
    (re.compile(r"^Input should be less than or equal to (?P<n>\S+)$"), "phải không quá {n}"),
    (re.compile(r"^Input should be greater than (?P<n>\S+)$"), "phải lớn hơn {n}"),
    (re.compile(r"^Input should be less than (?P<n>\S+)$"), "phải nhỏ hơn {n}"),
    (re.compile(r"^\w+ (?P<v>.+) does not exist\.$"), "{v} không tồn tại"),
    (re.compile(r"^\w+ (?P<v>.+) is a file\.$"), "{v} là một tệp, không phải thư mục"),
    (re.compile(r"^\w+ (?P<v>.+) is a directory\.$"), "{v} là một thư mục, không phải tệp"),
    (re.compile(r"^\w+ (?P<v>.+) is not readable\.$"), "không đọc được {v}"),
    (re.compile(r"^\w+ (?P<v>.+) is not writable\.$"), "không ghi được vào {v}"),
)

_USAGE_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^Got unexpected extra arguments?(?:\(s\))? \((?P<a>.*)\)$"), "Thừa đối số: {a}"),
    (re.compile(r"^No such option:? (?P<o>\S+?)\.?$"), "Không có tùy chọn {o}"),
    (
        re.compile(r"^No such command (?P<c>.+?)\. Did you mean (?P<m>.+)\?$"),
        "Không có lệnh {c} (có phải: {m}?)",
    ),
    (re.compile(r"^No such command (?P<c>.+?)\.?$"), "Không có lệnh {c}"),
    (re.compile(r"^Option (?P<o>\S+) requires an argument\.$"), "Tùy chọn {o} cần một giá trị"),
    (
        re.compile(r"^Option (?P<o>\S+) requires (?P<n>\d+) arguments\.$"),
        "Tùy chọn {o} cần {n} giá trị",
    ),
    (re.compile(r"^Option (?P<o>\S+) does not take a value\.$"), "Tùy chọn {o} không nhận giá trị"),
    (re.compile(r"^Argument (?P<a>\S+) takes (?P<n>\d+) values\.$"), "Đối số {a} cần {n} giá trị"),
    (re.compile(r"^Missing command\.$"), "Thiếu lệnh con"),
    (re.compile(r"^Missing (?:argument|option|parameter) (?P<p>.+?)\.?$"), "Thiếu {p}"),
)


def _first_match(patterns: tuple[tuple[re.Pattern[str], str], ...], text: str) -> str | None:
    for pattern, vi in patterns:
        m = pattern.search(text)
        if m:
            return vi.format(**m.groupdict())
    return None


def _suggest(possibilities: list[str] | None) -> str:
    if not possibilities:
        return ""
    return " (có phải: " + ", ".join(possibilities) + "?)"


def _hint(exc: Any) -> str:
    """How the error names its parameter ('--amount', 'UNIT'), as click would."""
    hint = getattr(exc, "param_hint", None)
    param = getattr(exc, "param", None)
    if not hint and param is not None:
        try:  # click's takes the context; Typer's own copy takes nothing
            hint = param.get_error_hint(exc.ctx)
        except TypeError:
            hint = param.get_error_hint()
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(hint)
    return str(hint or "")


def vietnamese(exc: Any) -> str:
    """The Vietnamese for a click usage error (never empty, never raises)."""
    try:
        return _vietnamese(exc)
    except Exception:  # a click this module does not know: never turn a usage error into a crash
        return f"Lỗi cú pháp lệnh: {getattr(exc, 'message', exc)}"


def _vietnamese(exc: Any) -> str:
    param = getattr(exc, "param", None)
    hint = _hint(exc)
    if type(exc).__name__ == "MissingParameter":
        kind = getattr(exc, "param_type", None) or (param.param_type_name if param else "")
        what = {"argument": "đối số", "option": "tùy chọn"}.get(kind, "tham số")
        return f"Thiếu {what} {hint}".rstrip()
    if isinstance(exc, typer.BadParameter):
        problem = _first_match(_VALUE_PROBLEMS, exc.message) or exc.message
        return (
            f"Giá trị không hợp lệ cho {hint}: {problem}"
            if hint
            else f"Giá trị không hợp lệ: {problem}"
        )
    if type(exc).__name__ in ("NoSuchOption", "NoSuchCommand"):
        name = getattr(exc, "option_name", None) or getattr(exc, "command_name", "")
        what = "tùy chọn" if type(exc).__name__ == "NoSuchOption" else "lệnh"
        possibilities = getattr(exc, "possibilities", None)
        return f"Không có {what} {name}" + _suggest(list(possibilities) if possibilities else None)
    return _first_match(_USAGE_PROBLEMS, exc.message) or f"Lỗi cú pháp lệnh: {exc.message}"


def bilingual(exc: Any) -> Any:
    """`exc` as a usage error that reads "Vietnamese / English", same context and status."""
    out = UsageError(f"{vietnamese(exc)} / {exc.format_message()}", ctx=exc.ctx)
    out.exit_code = exc.exit_code
    return out
