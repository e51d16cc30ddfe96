"""`phucloi export --out DIR`: a self-contained bundle an inspector verifies on another machine.

Layout (every file is UTF-8 JSON or JSON Lines; nothing needs the ledger's code to read):
  MANIFEST.json          format, origin, counts, and the SHA-256 of every other file
  log/NNNNNN.jsonl       the log in seq order: {"entry": ledger_entries row, "event": the
                         stored event exactly as stored (state base64) or null}
  orphans.jsonl          stored events no entry names (normally empty)
  checkpoints.json       the log's verifier key and every checkpoint note, cosignatures added
  registry.json          officers, their member links, keys and roles as replayed from the
                         log (for reading; the verifier rebuilds it from the events and
                         never trusts this file)
  policy.json            every unit's adopted policy versions (quy chế), as replayed
  read_models/T.jsonl    the live rows of every read model T

Invariants: the bundle is written through the same `Source` interface that verification
reads, so verifying the bundle and the database gives the same verdict by construction.
registry.json and policy.json are `registry_document` / `policy_document` of a replay of the
log; `audit verify --bundle` builds them again from its own replay and reports a file that
differs (the manifest is not signed: its hashes only show a file changed alone).
Person data keys are never exported: sealed personal data stays unreadable in every copy,
and an erasure made later cannot be undone by an old bundle.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from audit.replay import Replay
from audit.scan import ScanContext, scan_rows
from audit.source import (
    BUNDLE_FORMAT,
    DatabaseSource,
    entry_to_json,
    event_to_json,
    file_sha256,
)


class ExportError(Exception):
    """The bundle cannot be written where asked."""


def export(
    source: DatabaseSource, out: Path, progress: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    """Write the bundle to `out` (absent or an empty directory); its manifest. `progress(done,
    total)` is called after each chunk of the log and once the read models are written (the
    last step, `done == total`).

    The files are written into a hidden directory beside `out`, renamed to `out` only when
    complete: a failed export (disk full, interrupted) leaves no half bundle to verify.
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(
            f"{out}: thư mục đã có và không rỗng / exists and is not an empty directory"
        )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    except OSError as exc:
        raise ExportError(
            f"{out}: không tạo được thư mục / cannot create the directory: {exc.strerror or exc}"
        ) from None
    try:
        manifest = _export(source, work, progress or (lambda done, total: None))
        os.replace(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def _export(
    source: DatabaseSource, out: Path, progress: Callable[[int, int], None]
) -> dict[str, Any]:
    (out / "log").mkdir(parents=True, exist_ok=True)
    (out / "read_models").mkdir(exist_ok=True)
    files: list[str] = []
    replay = Replay()
    ctx = ScanContext({}, None)
    entries = 0
    # The read models, the log's last entry and the events, as of one moment: the log is
    # exported up to that entry, so officers recording meanwhile never make a bundle whose
    # read models hold what its log does not (which its verification would report).
    read_models, head, stored_events = source.read_models_at_head()
    chunks = [(lo, min(hi, head)) for lo, hi in source.chunks() if lo <= head]
    steps = len(chunks) + 1  # every chunk of the log, then the read models
    progress(0, steps)
    for i, ref in enumerate(chunks):
        rows = source.read_chunk(ref)
        name = f"log/{i:06d}.jsonl"
        with open(out / name, "w", encoding="utf-8") as fh:
            for row in rows:
                line = {
                    "entry": entry_to_json(row.entry),
                    "event": None if row.event is None else event_to_json(row.event),
                }
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        files.append(name)
        entries += len(rows)
        # Replay only to describe the registry and policies for a human reader.
        registry_rows = [r for r in rows if r.event is not None and _registry(r.event.topic)]
        for item in scan_rows(registry_rows, ctx)[0]:
            replay.apply_registry(item)
        progress(i + 1, steps)
    orphans = source.orphan_events()
    with open(out / "orphans.jsonl", "w", encoding="utf-8") as fh:
        for ev in orphans:
            fh.write(json.dumps(event_to_json(ev)) + "\n")
    checkpoints = source.checkpoints()
    _write(
        out / "checkpoints.json",
        {
            "log_vkey": source.log_vkey(),
            "checkpoints": [
                {
                    "size": c.size,
                    "root_hash": c.root_hash,
                    "note": c.note,
                    "created_at": c.created_at,
                    "cosigners": list(c.cosigners),
                }
                for c in checkpoints
            ],
        },
    )
    _write(out / "registry.json", registry_document(replay))
    _write(out / "policy.json", policy_document(replay))
    for name, table_rows in read_models.items():
        with open(out / "read_models" / f"{name}.jsonl", "w", encoding="utf-8") as fh:
            for r in table_rows:
                fh.write(json.dumps(list(r), ensure_ascii=False) + "\n")
    progress(steps, steps)
    everything = [
        *files,
        "orphans.jsonl",
        "checkpoints.json",
        "registry.json",
        "policy.json",
        *(f"read_models/{n}.jsonl" for n in read_models),
    ]
    manifest = {
        "format": BUNDLE_FORMAT,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": source.describe(),
        "origin": _origin(source.log_vkey()),
        "log_entries": entries,
        "stored_events": stored_events,
        "checkpoints": len(checkpoints),
        "log_files": files,
        "read_models": sorted(read_models),
        "sha256": {name: file_sha256(out / name) for name in everything},
    }
    _write(out / "MANIFEST.json", manifest)
    return manifest


def registry_document(replay: Replay) -> dict[str, Any]:
    """registry.json: the officers, their member links, keys and roles, as `replay` rebuilt
    them."""
    return {"officers": [_officer(o) for o in replay.officers.values()]}


def policy_document(replay: Replay) -> dict[str, Any]:
    """policy.json: every unit's parent and adopted policy versions, as `replay` rebuilt them."""
    return {
        "units": {
            u.code: {"parent": u.parent, "policies": u.policies} for u in replay.units.values()
        }
    }


def _registry(topic: str) -> bool:
    from audit.scan import REGISTRY_TOPICS

    return topic.startswith(REGISTRY_TOPICS)


def _officer(o: Any) -> dict[str, Any]:
    return {
        "officer": o.code,
        "name": o.name,
        "member": o.member,
        "keys": [k.as_json() for k in o.keys.values()],
        "roles": [
            {
                "role": g.role,
                "scope": g.scope,
                "granted_at": g.granted_at.isoformat(),
                "revoked_at": g.revoked_at.isoformat() if g.revoked_at else None,
            }
            for g in o.roles
        ],
    }


def _origin(vkey: str | None) -> str | None:
    return vkey.split("+", 1)[0] if vkey else None


def _write(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
