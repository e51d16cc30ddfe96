"""What `phucloi … --help` tells a user: the environment variables a command reads, bilingual
texts, no issue numbers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_cli import cli


def _help(tmp_path: Path, command: str) -> str:
    res = cli(tmp_path, None, f"{command} --help")
    assert res.exit_code == 0, res.output
    return " ".join(res.stdout.replace("│", " ").split())


@pytest.mark.parametrize(
    "command, variables",
    [
        ("officers password", ["PHUCLOI_NEW_PASSWORD"]),
        ("portal init", ["PHUCLOI_PORTAL_PASSPHRASE", "PHUCLOI_PORTAL"]),
        ("serve", ["PHUCLOI_PORTAL_PASSPHRASE", "PHUCLOI_PORTAL"]),
        ("record payout", ["PHUCLOI_COSIGN_PASSPHRASE"]),
    ],
)
def test_help_names_the_environment_variables_a_command_reads(
    tmp_path: Path, command: str, variables: list[str]
) -> None:
    shown = _help(tmp_path, command)
    for name in variables:
        assert re.search(rf"\b{name}\b(?!_)", shown), (command, name)


def _helps() -> list[tuple[str, str]]:
    """(command and option, help text) of every command and option of `phucloi`."""
    import typer

    from ledger.cli.main import app

    found: list[tuple[str, str]] = []

    def walk(command: Any, path: str) -> None:
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, f"{path} {name}".strip())
        if command.help:
            found.append((path, command.help))
        for param in command.params:
            if getattr(param, "help", None) and "completion" not in param.name:
                found.append((f"{path} {param.opts[0]}", param.help))

    walk(typer.main.get_command(app), "")
    return found


def test_no_help_text_cites_an_issue_number_or_says_its_default_in_english_only() -> None:
    helps = _helps()
    assert len(helps) > 150
    for where, text in helps:
        assert not re.search(r"#\d", text), (where, text)
        if re.search(r"\bdefault\b(?! policy)", text) and where != "policy adopt --default":
            assert "mặc định" in text.lower(), (where, text)
    shown = dict(helps)
    assert "Mức ghi nhật ký của uvicorn" in shown["serve --log-level"]
    assert "Cần 1 ≤ OLD ≤ NEW ≤ số lá của sổ cái, nếu không thoát mã 2" in " ".join(
        shown["audit consistency"].split()
    )


@pytest.mark.parametrize(
    "command, vietnamese, english",
    [
        ("record payout", "Thiếu đối số 'UNIT'", "Missing argument 'UNIT'"),
        ("record payout G1", "Thiếu tùy chọn '--member'", "Missing option '--member'"),
        ("audit verify --bogus", "Không có tùy chọn --bogus", "No such option: --bogus"),
        ("--bogus", "Không có tùy chọn --bogus", "No such option: --bogus"),
        ("audit detect --unt G1", "(có phải: --unit?)", "Possible options: --unit"),
        ("audit verrify", "Không có lệnh 'verrify' (có phải: 'verify'?)", "Did you mean"),
        ("audit verify --json extra", "Thừa đối số: extra", "unexpected extra argument"),
        ("export --out", "Tùy chọn '--out' cần một giá trị", "requires an argument"),
        ("record", "Thiếu lệnh con", "Missing command"),
        ("demo --members abc", "'--members': phải là số nguyên", "valid integer"),
        ("demo --members 5", "'--members': phải từ 60 trở lên", "greater than or equal to 60"),
    ],
)
def test_the_command_lines_own_parse_errors_are_in_vietnamese_too(
    tmp_path: Path, command: str, vietnamese: str, english: str
) -> None:
    """Click words a mistyped command line in English only; an officer reads Vietnamese
    first, with the English kept beside it, and the exit status stays 2."""
    res = cli(tmp_path, None, command)
    shown = " ".join(res.output.replace("│", " ").split())
    assert res.exit_code == 2, res.output
    assert vietnamese in shown and english in shown, shown
    assert "Lỗi (error)" in shown and "─ Error ─" not in shown
    assert not (tmp_path / "phucloi.db").exists()  # nothing opened, nothing created


@pytest.mark.parametrize(
    "command, vietnamese, english",
    [
        ("record payout G1 --json", "Thiếu tùy chọn '--member'", "Missing option '--member'."),
        ("audit verify --json --bogus", "Không có tùy chọn --bogus", "No such option: --bogus"),
        ("audit verrify --json", "Không có lệnh 'verrify'", "No such command 'verrify'."),
        ("demo --json --members abc", "'--members': phải là số nguyên", "valid integer"),
    ],
)
def test_a_parse_error_of_a_command_asked_for_json_is_json_on_stdout_too(
    tmp_path: Path, command: str, vietnamese: str, english: str
) -> None:
    """A script that runs a command with --json reads every refusal from stdout, 'usage' for
    exit 2 (README): a missing or mistyped option printed nothing there."""
    res = cli(tmp_path, None, command)
    assert res.exit_code == 2, res.output
    said = json.loads(res.stdout)
    assert (said["ok"], said["code"], said["problems"]) == (False, "usage", [])
    assert vietnamese in said["message_vi"] and english not in said["message_vi"]
    assert english in said["message_en"] and vietnamese not in said["message_en"]
    assert said["message"] == f"{said['message_vi']} / {said['message_en']}"
    assert "Thiếu tùy chọn '--member'" not in cli(tmp_path, None, "record payout G1").stdout


def test_a_parse_error_click_does_not_know_keeps_its_text_and_never_crashes() -> None:
    from ledger.cli.usage_vi import UsageError, bilingual

    out = bilingual(UsageError("Something new went wrong."))
    assert out.format_message() == (
        "Lỗi cú pháp lệnh: Something new went wrong. / Something new went wrong."
    )
    assert out.exit_code == 2


_VIETNAMESE = re.compile(r"[ăâđêôơưạảãàáậầấẩẫắằặẳẵếềệểễốồộổỗớờợởỡứừựửữíìịỉĩóòọỏõúùụủũýỳỵỷỹ]", re.I)


def test_every_help_text_in_vietnamese_has_its_english_beside_it() -> None:
    """`init`, `import`, `demo`, `audit verify`, `report chart` and the period and format
    options were in Vietnamese only, though the README says the texts are bilingual. A text
    with Vietnamese must carry English: in brackets, or after " / "."""
    missing = []
    for where, text in _helps():
        flat = " ".join(text.split())
        if not _VIETNAMESE.search(flat) or " / " in flat:
            continue
        brackets = re.findall(r"\(([^()]*)\)", flat)
        english = [b for b in brackets if re.search(r"[a-z]{3,}", b) and not _VIETNAMESE.search(b)]
        # a list of codes (cash | in_kind, or chair (Chủ tịch), admin (Quản trị)): the codes are
        # the English
        listed = "|" in flat or len(re.findall(r"\b[a-z_]{3,} \(", flat)) >= 2
        if not english and not listed:
            missing.append((where, flat))
    assert missing == []
