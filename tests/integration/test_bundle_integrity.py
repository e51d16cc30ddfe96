"""`phucloi audit verify --bundle` on a bundle changed or damaged after the export.

The manifest's SHA-256 list used to be written and never read: an edited policy.json, a
deleted registry.json or a wrong `stored_events` verified "ok". A missing or malformed file
crashed with a traceback (sometimes from a worker process). Now every listed file is hashed;
registry.json, policy.json and the counts are checked against the signed events (the
manifest is not signed); and damage is a `bundle.unreadable` error naming file, line and
field, exit 1, with `--json` still a report. A manifest verification cannot go by is exit 2.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from audit.export import export
from audit.log import make_checkpoint
from audit.source import BundleDamage, BundleSource
from audit.verify import verify
from tests.integration.test_audit_helpers import Attacker, source_of, story
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


def _rehash(directory: Path, name: str) -> None:
    """Make the manifest vouch for the file as it now is (the manifest is not signed)."""
    manifest = _json(directory / "MANIFEST.json")
    manifest["sha256"][name] = hashlib.sha256((directory / name).read_bytes()).hexdigest()
    _dump(directory / "MANIFEST.json", manifest)


def _errors(directory: Path, workers: int = 1) -> list[tuple[str, str]]:
    report = verify(BundleSource(directory), workers=workers)
    assert report.exit_code == (1 if report.errors() else 0)
    for f in report.findings:  # said in Vietnamese too: what the inspectors read first
        assert f.message_vi and f.message_vi != f.message, f
    return [(f.check, f.message) for f in report.errors()]


def _lower_target(directory: Path) -> tuple[int, int]:
    """welfare_target_bp 6000 → 1000 in P's first policy version that has it."""
    policy = _json(directory / "policy.json")
    versions = policy["units"]["P"]["policies"]
    i = next(i for i, v in enumerate(versions) if v.get("welfare_target_bp") == 6000)
    versions[i]["welfare_target_bp"] = 1000
    _dump(directory / "policy.json", policy)
    return i, 6000


def test_every_file_the_manifest_lists_is_hashed_and_what_it_replays_is_compared(
    bundle: Path,
) -> None:
    assert _errors(bundle) == []
    manifest = _json(bundle / "MANIFEST.json")

    edited = _variant(bundle, "edited", _lower_target)
    i = next(
        i
        for i, v in enumerate(_json(bundle / "policy.json")["units"]["P"]["policies"])
        if v.get("welfare_target_bp") == 6000
    )
    errors = _errors(edited)
    assert [check for check, _ in errors] == ["bundle.file", "bundle.policy"]
    assert errors[0][1].startswith("policy.json: SHA-256 ")
    assert errors[0][1].endswith("the file was changed after the export")
    assert errors[1][1] == (
        "policy.json differs from what the signed events replay to, at "
        f"units.P.policies[{i}].welfare_target_bp (1000 in the file, 6000 replayed): "
        "the file was edited after the export"
    )
    # with its hash changed too, the replay still tells
    rehashed = _variant(bundle, "rehashed", lambda d: (_lower_target(d), _rehash(d, "policy.json")))
    assert [check for check, _ in _errors(rehashed)] == ["bundle.policy"]

    for name in ("policy.json", "registry.json"):
        gone = _variant(bundle, f"no-{name}", lambda d, n=name: (d / n).unlink())  # type: ignore[misc]
        assert _errors(gone) == [("bundle.file", f"{name}: missing from the bundle")]

    def empty_registry(d: Path) -> None:
        (d / "registry.json").write_text("{}", encoding="utf-8")
        _rehash(d, "registry.json")

    assert _errors(_variant(bundle, "empty-registry", empty_registry)) == [
        (
            "bundle.registry",
            "registry.json differs from what the signed events replay to, at officers "
            "(missing from the file): the file was edited after the export",
        )
    ]

    def manifest_says(**fields: Any) -> Callable[[Path], None]:
        return lambda d: _dump(d / "MANIFEST.json", _json(d / "MANIFEST.json") | fields)

    events = manifest["stored_events"]
    assert _errors(_variant(bundle, "stored", manifest_says(stored_events=5))) == [
        (
            "bundle.manifest",
            f"MANIFEST.json stored_events is 5, but the log names {events} stored events and "
            "orphans.jsonl holds 0 more: stored events were left out of the bundle or added "
            "to it, or the count was changed",
        )
    ]
    entries = manifest["log_entries"]
    assert _errors(_variant(bundle, "entries", manifest_says(log_entries=entries + 1))) == [
        (
            "bundle.manifest",
            f"MANIFEST.json log_entries is {entries + 1}, but the log files hold {entries} entries",
        )
    ]
    unlisted = {k: v for k, v in manifest["sha256"].items() if k != "checkpoints.json"}
    unlisted.pop("read_models/proj_units.jsonl")
    assert _errors(_variant(bundle, "unlisted", manifest_says(sha256=unlisted))) == [
        (
            "bundle.file",
            "checkpoints.json: named by the manifest (the bundle layout) but missing from its "
            "sha256 list: nothing vouches for its content",
        ),
        (
            "bundle.file",
            "read_models/proj_units.jsonl: named by the manifest (read_models) but missing "
            "from its sha256 list: nothing vouches for its content",
        ),
    ]
    log = manifest["log_files"][1]

    def drop_line(d: Path) -> None:
        lines = (d / log).read_bytes().splitlines(keepends=True)
        (d / log).write_bytes(b"".join(lines[1:]))

    errors = _errors(_variant(bundle, "dropped", drop_line), workers=2)
    assert ("bundle.file", f"{log}: SHA-256 ") in [(c, m[: len(log) + 10]) for c, m in errors]


def test_a_bundle_of_a_tampered_ledger_still_fails_exactly_as_the_ledger(
    world: Any, tmp_path: Path
) -> None:
    """The new bundle checks never add a finding of their own to an honest export, whatever
    was done to the ledger (the stored-event count is exact even when the log repeats or
    reorders an aggregate's versions)."""
    r = story(world)
    make_checkpoint(world.ctx.engine)
    attacker = Attacker(world.ctx.engine)

    def forge() -> None:  # a stored event no entry names
        attacker.insert_event(
            originator_id=str(uuid4()), version=1, topic="phucloi:member.Joined", state=b"{}"
        )

    attacks: list[Callable[[], None]] = [
        lambda: attacker.swap_entries(r["join1"].seq, r["visit"].seq),
        lambda: attacker.delete_event(r["dues"].seq, entry_too=False),
        forge,
        lambda: attacker.truncate_from(r["visit2"].seq),
    ]
    for n, attack in enumerate(attacks):
        attack()
        live = verify(source_of(world.ctx), workers=1)
        export(source_of(world.ctx, chunk=4), tmp_path / f"b{n}")
        offline = verify(BundleSource(tmp_path / f"b{n}"), workers=1)
        assert live.errors() and offline.errors() == live.errors(), n


# --- damage: a finding naming file, line and field, never a traceback -------------------------


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
        # the file checks come with it: the damaged (or missing) file is named again
        assert any(
            f["check"] == "bundle.file" and f["message"].startswith(f"{file}: ")
            for f in report["findings"]
        ), (name, report["findings"])
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
        assert json.loads(res.stdout)["code"] == "usage" and "Traceback" not in res.output
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


def test_an_officers_member_link_replays_into_the_registry_and_an_edited_one_is_caught(
    world: Any, tmp_path: Path
) -> None:
    """officer.link_member is a registry event like a grant or a key rotation: the verifier
    replays it (live and offline), registry.json carries the link, and a link changed in
    the file afterwards is told from the signed events."""
    from tests.support import at

    story(world)
    with at("2024-12-02"):
        world.submit(
            "officer.link_member", by=world.admin, body={"officer": "kt.g1", "member": "DV001"}
        )
    make_checkpoint(world.ctx.engine)
    live = verify(source_of(world.ctx), workers=1)
    assert live.ok and live.errors() == []
    out = tmp_path / "linked"
    export(source_of(world.ctx, chunk=5), out)
    assert _errors(out) == []
    members = {o["officer"]: o["member"] for o in _json(out / "registry.json")["officers"]}
    assert members == {"admin": None, "kt.g1": "DV001", "ct.g1": None, "kt.g2": None, "ubkt": None}

    i = next(
        i for i, o in enumerate(_json(out / "registry.json")["officers"]) if o["officer"] == "kt.g1"
    )

    def relink(d: Path) -> None:
        registry = _json(d / "registry.json")
        registry["officers"][i]["member"] = "DV003"
        _dump(d / "registry.json", registry)
        _rehash(d, "registry.json")

    [(check, message)] = _errors(_variant(out, "relinked", relink))
    assert check == "bundle.registry"
    assert f'officers[{i}].member ("DV003" in the file, "DV001" replayed)' in message

    def exported_before_links(d: Path) -> None:  # registry.json as versions before wrote it
        registry = _json(d / "registry.json")
        for o in registry["officers"]:
            del o["member"]
        _dump(d / "registry.json", registry)
        _rehash(d, "registry.json")

    assert _errors(_variant(out, "older", exported_before_links)) == []
