"""`phucloi audit verify --bundle` on a bundle damaged after the export.

A missing or malformed file crashed with a traceback (sometimes from a worker process). Now
damage is a `bundle.unreadable` error naming file, line and field, exit 1, with `--json`
still a report. A manifest verification cannot go by is exit 2.
"""

from __future__ import annotations

import json
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from audit.export import export
from audit.log import make_checkpoint
from audit.source import BundleDamage
from tests.integration.test_audit_helpers import source_of, story
from tests.integration.test_cli import cli


@pytest.fixture
def bundle(world: Any, tmp_path: Path) -> Path:
    story(world)
    make_checkpoint(world.ctx.engine)
    out = tmp_path / "bundle"
    export(source_of(world.ctx, chunk=5), out)  # several log files: the parallel path runs
    return out


def _variant(bundle: Path, name: str, change: Callable[[Path], None]) -> Path:
    copy = bundle.parent / name
    shutil.copytree(bundle, copy)
    change(copy)
    return copy


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _dump(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _lines(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _set_line(path: Path, number: int, line: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[number - 1] = line
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _edit_log_line(log: str, edit: Callable[[dict[str, Any]], Any]) -> Callable[[Path], None]:
    def change(d: Path) -> None:
        line = _lines(d / log)[1]
        edit(line)
        _set_line(d / log, 2, json.dumps(line, ensure_ascii=False))

    return change


def _edit_checkpoints(edit: Callable[[dict[str, Any]], Any]) -> Callable[[Path], None]:
    def change(d: Path) -> None:
        data = _json(d / "checkpoints.json")
        edit(data)
        _dump(d / "checkpoints.json", data)

    return change


def test_a_damaged_bundle_is_an_error_naming_file_line_and_field(
    bundle: Path, tmp_path: Path
) -> None:
    log = _json(bundle / "MANIFEST.json")["log_files"][1]
    cases: list[tuple[str, Callable[[Path], None], tuple[str, int | None, str | None], str]] = [
        ("no-log", lambda d: (d / log).unlink(), (log, None, None), "missing from the bundle"),
        (
            "no-checkpoints",
            lambda d: (d / "checkpoints.json").unlink(),
            ("checkpoints.json", None, None),
            "missing from the bundle",
        ),
        (
            "no-orphans",
            lambda d: (d / "orphans.jsonl").unlink(),
            ("orphans.jsonl", None, None),
            "missing from the bundle",
        ),
        (
            "no-read-model",
            lambda d: (d / "read_models" / "proj_units.jsonl").unlink(),
            ("read_models/proj_units.jsonl", None, None),
            "missing from the bundle",
        ),
        (
            "not-json",
            lambda d: _set_line(d / log, 3, "{not json"),
            (log, 3, None),
            "not JSON (",
        ),
        (
            "no-leaf-hash",
            _edit_log_line(log, lambda line: line["entry"].pop("leaf_hash")),
            (log, 2, "entry.leaf_hash"),
            "missing",
        ),
        (
            "state-not-base64",
            _edit_log_line(log, lambda line: line["event"].update(state="không phải base64!")),
            (log, 2, "event.state"),
            "not base64 (",
        ),
        (
            "seq-text",
            _edit_log_line(log, lambda line: line["entry"].update(seq="abc")),
            (log, 2, "entry.seq"),
            '"abc" is not an integer',
        ),
        (
            "log-vkey",
            _edit_checkpoints(lambda c: c.update(log_vkey="xx")),
            ("checkpoints.json", None, "log_vkey"),
            '"xx" is not a verifier key (',
        ),
        (
            "checkpoint-size",
            _edit_checkpoints(lambda c: c["checkpoints"][0].update(size="x")),
            ("checkpoints.json", None, "checkpoints[0].size"),
            '"x" is not an integer',
        ),
        (
            "read-model-row",
            lambda d: _set_line(d / "read_models" / "proj_units.jsonl", 2, '["G9", "x"]'),
            ("read_models/proj_units.jsonl", 2, None),
            "2 values for the table's",
        ),
        (
            "orphan-line",
            lambda d: (d / "orphans.jsonl").write_text('{"topic": 1}\n', encoding="utf-8"),
            ("orphans.jsonl", 1, "originator_id"),
            "missing",
        ),
    ]
    home = tmp_path / "home"
    for name, change, (file, line, field), problem in cases:
        damaged = _variant(bundle, name, change)
        res = cli(home, None, f"audit verify --bundle {damaged} --json --workers 2")
        assert res.exit_code == 1, (name, res.output)
        assert "Traceback" not in res.output, name
        report = json.loads(res.stdout)
        assert report["ok"] is False
        assert report["facts"]["unreadable"] == {
            "file": file,
            "line": line,
            "field": field,
            "problem": report["facts"]["unreadable"]["problem"],
        }, name
        assert report["facts"]["unreadable"]["problem"].startswith(problem), (name, report)
        first = report["findings"][0]
        where = file + (f" line {line}" if line else "") + (f", {field}" if field else "")
        assert (first["check"], first["severity"]) == ("bundle.unreadable", "error"), name
        assert first["message"].startswith(f"{where}: {problem}"), (name, first)
        assert first["message"].endswith(
            "the bundle cannot be read as exported, so it was not verified"
        )
        text = cli(home, None, f"audit verify --bundle {damaged} --workers 1")
        assert text.exit_code == 1 and "Traceback" not in text.output, name
        assert "bundle.unreadable" in text.stdout and "KHÔNG ĐẠT / FAILED" in text.stdout


def test_a_manifest_verification_cannot_go_by_is_a_usage_error(
    bundle: Path, tmp_path: Path
) -> None:
    manifest = _json(bundle / "MANIFEST.json")
    cases: list[tuple[str, Any, str]] = [
        ("no-log-files", {k: v for k, v in manifest.items() if k != "log_files"}, "log_files: "),
        ("outside", manifest | {"log_files": ["../../etc/passwd"]}, "log_files: "),
        ("count-text", manifest | {"stored_events": "5"}, 'stored_events: "5" is not a count'),
        ("models", manifest | {"read_models": ["x; DROP"]}, "read_models: "),
        ("hashes", manifest | {"sha256": ["a"]}, "sha256: "),
        ("array", [], "not a JSON object"),
    ]
    home = tmp_path / "home"
    for name, content, problem in cases:
        broken = _variant(bundle, name, lambda d, c=content: _dump(d / "MANIFEST.json", c))  # type: ignore[misc]
        res = cli(home, None, f"audit verify --bundle {broken} --json")
        assert res.exit_code == 2, (name, res.output)
        assert res.stdout == "" and "Traceback" not in res.output
        assert f"--bundle {broken}: " in res.stderr and problem in res.stderr, (name, res.stderr)
    not_json = _variant(bundle, "not-json", lambda d: (d / "MANIFEST.json").write_text("{x"))
    res = cli(home, None, f"audit verify --bundle {not_json}")
    assert res.exit_code == 2 and "the manifest is not JSON" in res.stderr


def test_damage_found_in_a_worker_process_crosses_back_intact() -> None:
    damage = BundleDamage("read_models/proj_units.jsonl", 7, "column 2", "not a single value")
    again = pickle.loads(pickle.dumps(damage))
    assert type(again) is BundleDamage
    assert (again.file, again.line, again.field, again.problem) == (
        "read_models/proj_units.jsonl",
        7,
        "column 2",
        "not a single value",
    )
    assert str(again) == "read_models/proj_units.jsonl line 7, column 2: not a single value"
