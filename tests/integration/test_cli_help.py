"""What `phucloi … --help` tells a user: the environment variables a command reads, bilingual
texts, no issue numbers."""

from __future__ import annotations

import re
from pathlib import Path

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
