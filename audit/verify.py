"""`phucloi audit verify`: one pure replay over a Source, the same for a database and a bundle.

Design overview (what holds when the verdict is "ok"):
1. every stored event is a leaf, in order: entries gap-free from seq 0, each naming an
   existing event whose stored bytes hash to its leaf, no stored event outside the log,
   every aggregate's versions contiguous (audit.scan, audit.replay);
2. every event carries a valid Ed25519 signature by a key valid at its recorded instant, of
   an officer holding a role for that command over its unit, with the chair's second
   signature where the policy required one (audit.replay, registry replayed from the log);
3. the recomputed root equals every stored checkpoint, whose log signature and witness
   cosignatures verify, and the log is consistent with every checkpoint the witnesses hold;
   every witness pinned by its key (`witness_vkeys`) validly cosigned the latest checkpoint
   (an error otherwise; a checkpoint no known witness cosigned is only a warning);
4. every read model equals its rebuild from the log (audit.projections);
5. sealed personal data authenticates where the data key exists; erased data is not a
   failure (audit.scan);
6. for an export bundle: every file the manifest lists has the SHA-256 it lists, every file
   verification reads is listed, and what the bundle says beside the signed events
   (registry.json, policy.json, the manifest's counts) is what those events replay to; the
   manifest is not signed, so this second half catches a file edited together with its
   hash (`check_bundle`). A bundle file that is missing or cannot be read as exported
   (`BundleDamage`, naming file, line and field) ends the run with a `bundle.unreadable`
   error and the file checks, never a traceback.

Speed: the main process reads each chunk of the log once and decodes each stored event once;
that one decoding feeds the row checks, the sequential replay and the read-model rebuild.
The Ed25519 verifications the replay hands out (the one costly step) go, as compact work
(key table, signed bytes, signature), to a pool of worker processes, one per core, while the
main process goes on with the next chunk; so every core is busy. Stored events outside the
log are looked for one by one only when the database holds more events than the entries
name (`_orphans`); the live read models are compared with the rebuild in SQL (a bundle's are
first copied into a scratch SQLite file by a worker). `facts["phase_seconds"]` says where
the time went.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack, closing, contextmanager, suppress
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from typing import Any

from audit.findings import ERROR, INFO, WARNING, Finding, Report
from audit.merkle import EMPTY_ROOT
from audit.note import Checkpoint, CosignatureVerifier, NoteError, Verifier, open_note, split_note
from audit.projections import Rebuild, copy_read_models, meta_from, worker_copy_read_models
from audit.replay import Replay, replay_one, revoked_after_the_fact, signature_finding
from audit.scan import Decoded, ScanContext, Scanned, scan_rows, verify_signatures
from audit.source import (
    BundleDamage,
    BundleSource,
    DatabaseSource,
    EventRow,
    LogRow,
    Source,
    StoredCheckpoint,
)
from audit.witness import WitnessView
from ledger.entries import EntryMeta

PARALLEL_MIN_CHUNKS = 2
Progress = Callable[[int, int], None]


@dataclass
class Final:
    """What the final checks see once the whole log was replayed."""

    source: Source
    replay: Replay
    checkpoints: list[StoredCheckpoint]
    log_vkey: str | None
    witnesses: list[WitnessView]
    witness_vkeys: list[str]
    orphans: list[EventRow]
    data_keys: dict[str, bytes | None] | None
    projections: list[Finding]  # the row-by-row comparison, made during the run
    facts: dict[str, Any] = field(default_factory=dict)
    entries: int = 0  # log entries read
    # (file, problem, problem in Vietnamese)
    bundle_files: list[tuple[str, str, str]] = field(default_factory=list)


def _f(check: str, vi: str, en: str, severity: str = ERROR, **where: Any) -> Finding:
    """A finding said in Vietnamese (`vi`) and English (`en`)."""
    return Finding(
        check,
        severity,
        where.get("seq"),
        where.get("event_id"),
        where.get("aggregate_id"),
        where.get("version"),
        en,
        vi,
        where.get("seq_end"),
    )


# --- final checks --------------------------------------------------------------------------


def check_unlogged_events(s: Final) -> list[Finding]:
    return [
        _f(
            "log.unlogged_event",
            f"bút toán đã lưu ({ev.topic}, notification id {ev.notification_id}) không nằm "
            "trong cây Merkle của sổ cái: nó được ghi thẳng, không qua sổ cái (giả mạo hoặc "
            "chèn thêm)",
            f"stored event ({ev.topic}, notification id {ev.notification_id}) is not in the "
            "log: it was written without the ledger (forged or inserted)",
            aggregate_id=_aid(ev.originator_id),
            version=ev.originator_version,
        )
        for ev in s.orphans
    ]


def _aid(stored_id: str) -> str:
    try:
        from audit.scan import normalised_id

        return normalised_id(stored_id)
    except ValueError:
        return stored_id


def _pinned_witnesses(s: Final) -> dict[tuple[str, bytes], CosignatureVerifier]:
    out: dict[tuple[str, bytes], CosignatureVerifier] = {}
    for vkey in [*s.witness_vkeys, *(w.vkey for w in s.witnesses if w.vkey)]:
        v = CosignatureVerifier.from_vkey(vkey)
        out[(v.name, v.key_id)] = v
    return out


def _not_cosigned(s: Final, latest: int | None, cosigned: set[tuple[str, bytes]]) -> list[Finding]:
    """A witness the inspector pinned by its key (`witness_vkeys`, `--witness-key`) vouches
    for nothing unless its valid cosignature is on the latest checkpoint: an error, not the
    `checkpoint.unwitnessed` warning (that stays for witnesses known only from their state
    or from the cosignatures stored beside the checkpoints)."""
    found = []
    for vkey in s.witness_vkeys:
        w = CosignatureVerifier.from_vkey(vkey)
        if (w.name, w.key_id) in cosigned:
            continue
        what = (
            "no checkpoint has been signed"
            if latest is None
            else f"the latest checkpoint (size {latest}) has no valid cosignature by it"
        )
        what_vi = (
            "chưa có checkpoint nào được ký"
            if latest is None
            else f"checkpoint mới nhất ({latest} lá) không có chữ ký đồng ký hợp lệ của nhân chứng"
        )
        found.append(
            _f(
                "checkpoint.not_cosigned",
                f"nhân chứng {w.name}, được ghim bằng khóa, chưa đồng ký checkpoint mới nhất: "
                f"{what_vi}, nên không bảo chứng cho phần nào của sổ cái này (sổ cái đã bị viết "
                "lại hoặc quay lui từ đó, hoặc nhân chứng chưa từng được đề nghị ký)",
                f"witness {w.name}, pinned by its key, did not cosign the latest checkpoint: "
                f"{what}, so it vouches for none of this log (a log rewritten or rolled back "
                "since, or a witness that was never asked)",
                seq=None if latest is None else latest - 1,
            )
        )
    return found


def check_checkpoints(s: Final) -> list[Finding]:
    found: list[Finding] = []
    size = s.replay.tree.size
    if not s.checkpoints:
        return [
            _f(
                "checkpoint.none",
                "chưa có checkpoint nào được ký: sổ cái chưa được bảo vệ khỏi bị viết lại "
                "(chạy `phucloi audit checkpoint`)",
                "no checkpoint has been signed: the log is not yet "
                "protected against rewriting (run `phucloi audit checkpoint`)",
                WARNING,
            ),
            *_not_cosigned(s, None, set()),
        ]
    if s.log_vkey is None:
        return [
            _f(
                "checkpoint.key",
                "đã có checkpoint nhưng không biết khóa kiểm của sổ cái để kiểm tra",
                "checkpoints exist but no log key is known to check them",
            )
        ]
    verifier = Verifier.from_vkey(s.log_vkey)
    pinned = _pinned_witnesses(s)
    previous = -1
    holds = 0  # the size of the last checkpoint whose root still holds
    witnessed = 0
    cosigned_latest: set[tuple[str, bytes]] = set()  # valid cosigners of the latest one
    for cp in s.checkpoints:
        where = f"checkpoint of size {cp.size}"
        where_vi = f"checkpoint {cp.size} lá"
        try:
            note = open_note(cp.note, [verifier])
            body = Checkpoint.parse(note.text)
        except NoteError as exc:
            found.append(_f("checkpoint.signature", f"{where_vi}: {exc}", f"{where}: {exc}"))
            continue
        if (body.origin, body.size, body.root_hash.hex()) != (verifier.name, cp.size, cp.root_hash):
            found.append(
                _f(
                    "checkpoint.signature",
                    f"{where_vi}: dòng đã lưu khác với ghi chú đã ký",
                    f"{where}: the stored row differs from the signed note",
                )
            )
        if cp.size <= previous:
            found.append(
                _f(
                    "checkpoint.order",
                    f"{where_vi}: không lớn hơn checkpoint trước",
                    f"{where}: not larger than the previous one",
                )
            )
        previous = cp.size
        if cp.size > size:
            last = s.replay.next_seq - 1  # the highest seq still in the log
            truncated = last < cp.size - 1
            gone = cp.size - size
            missing = (
                f"leaves {last + 1}–{cp.size - 1} were removed (truncated)"
                if truncated
                else f"{gone} {'leaf' if gone == 1 else 'leaves'} before seq {cp.size} "
                "were removed (see log.seq_gap)"
            )
            missing_vi = (
                f"các lá {last + 1}–{cp.size - 1} đã bị xóa (cắt cụt)"
                if truncated
                else f"{gone} lá trước seq {cp.size} đã bị xóa (xem log.seq_gap)"
            )
            found.append(
                _f(
                    "checkpoint.beyond_log",
                    f"{where_vi}: sổ cái chỉ còn {size} lá: {missing_vi}",
                    f"{where}: the log has only {size} leaves: {missing}",
                    seq=last + 1 if truncated else None,
                )
            )
            continue
        root = EMPTY_ROOT if cp.size == 0 else s.replay.roots.get(cp.size)
        if root != body.root_hash:
            # the change is after the last checkpoint whose root still holds, and inside this
            # one: which event cannot be known once its leaf was recomputed, the range can
            after = f"checkpoint {holds}" if holds else "seq 0"
            after_vi = f"checkpoint {holds} lá" if holds else "seq 0"
            found.append(
                _f(
                    "checkpoint.root",
                    f"{where_vi}: các bút toán đã lưu không còn băm ra gốc đã ký: một bút toán "
                    f"trong khoảng seq {holds}–{cp.size - 1} đã bị sửa, xóa, thêm hoặc di chuyển "
                    f"(từ sau {after_vi} — gốc của nó vẫn đúng — đến hết checkpoint này)"
                    if holds
                    else f"{where_vi}: các bút toán đã lưu không còn băm ra gốc đã ký: một bút "
                    f"toán trong khoảng seq 0–{cp.size - 1} đã bị sửa, xóa, thêm hoặc di chuyển "
                    "(không có checkpoint nào trước đó còn đúng gốc)",
                    f"{where}: the stored events no longer hash to the signed root: an event at "
                    f"seq {holds}–{cp.size - 1} was changed, removed, added or moved (after "
                    f"{after}, whose root still holds, up to the end of this one)"
                    if holds
                    else f"{where}: the stored events no longer hash to the signed root: an "
                    f"event at seq 0–{cp.size - 1} was changed, removed, added or moved (no "
                    "earlier checkpoint's root still holds)",
                    seq=holds,
                    seq_end=cp.size - 1,
                )
            )
        elif cp.size > holds:
            holds = cp.size
        valid: set[tuple[str, bytes]] = set()
        found.extend(_check_cosignatures(cp, note.text, pinned, s, valid))
        if cp is s.checkpoints[-1]:
            cosigned_latest = valid
        # witnessed: validly cosigned by a pinned witness, or, when none is pinned, by a
        # witness known from the cosignatures stored beside the checkpoints
        if valid & pinned.keys() if pinned else valid:
            witnessed = max(witnessed, cp.size)
    latest = s.checkpoints[-1].size
    found.extend(_not_cosigned(s, latest, cosigned_latest))
    s.facts.update(checkpoint_size=latest, witnessed_size=witnessed)
    if latest < size:
        found.append(
            _f(
                "checkpoint.uncovered",
                f"các bút toán seq {latest}–{size - 1} chưa nằm trong checkpoint đã ký nào",
                f"events at seq {latest}–{size - 1} are not yet covered by a signed checkpoint",
                WARNING,
                seq=latest,
            )
        )
    # warned for witnesses pinned, and for those known from cosignatures stored beside the
    # earlier checkpoints: once the log was witnessed, witnessing that stopped is news
    if (pinned or witnessed) and witnessed < size:
        found.append(
            _f(
                "checkpoint.unwitnessed",
                f"các bút toán seq {witnessed}–{size - 1} chưa nằm trong checkpoint nào được "
                "nhân chứng đồng ký",
                f"events at seq {witnessed}–{size - 1} are "
                "not yet covered by a witnessed checkpoint",
                WARNING,
                seq=witnessed,
            )
        )
    return found


def _check_cosignatures(
    cp: StoredCheckpoint,
    text: str,
    pinned: dict[tuple[str, bytes], CosignatureVerifier],
    s: Final,
    valid: set[tuple[str, bytes]],
) -> list[Finding]:
    """Findings for the cosignatures on `cp` that do not verify; adds to `valid` the
    (name, key id) of those that do."""
    known = dict(pinned)
    for vkey in cp.cosigners:
        try:
            v = CosignatureVerifier.from_vkey(vkey)
        except NoteError:
            continue
        known.setdefault((v.name, v.key_id), v)
    found = []
    for sig in split_note(cp.note)[1]:
        cosigner = known.get((sig.name, sig.key_id))
        if cosigner is None:
            continue
        if not cosigner.verify(text.encode(), sig.signature):
            found.append(
                _f(
                    "checkpoint.cosignature",
                    f"checkpoint {cp.size} lá: chữ ký đồng ký của {sig.name} không hợp lệ",
                    f"checkpoint of size {cp.size}: the cosignature by {sig.name} does not verify",
                )
            )
        else:
            valid.add((sig.name, sig.key_id))
    return found


def check_witnesses(s: Final) -> list[Finding]:
    found: list[Finding] = []
    size = s.replay.tree.size
    origin = Verifier.from_vkey(s.log_vkey).name if s.log_vkey else None
    for w in s.witnesses:
        if origin is not None and all(h.origin != origin for h in w.held):
            others = ", ".join(sorted({h.origin for h in w.held}))
            found.append(
                _f(
                    "witness.other_log",
                    f"nhân chứng {w.name} không giữ checkpoint nào của sổ cái này ({origin}), chỉ "
                    f"của: {others or 'không có'}; nhân chứng này không thể bảo chứng cho sổ cái "
                    "(một sổ cái khác, hoặc sổ cái được tạo lại với khóa mới)",
                    f"witness {w.name} holds no checkpoint of this log ({origin}), only of: "
                    f"{others or 'none'}; it cannot vouch for this log (another ledger, or a log "
                    "re-created under a new key)",
                )
            )
        for held in w.held:
            if origin is not None and held.origin != origin:
                continue
            if s.log_vkey and w.log_vkeys.get(held.origin, s.log_vkey) != s.log_vkey:
                found.append(
                    _f(
                        "witness.log_key",
                        f"nhân chứng {w.name} đã ghim một khóa sổ cái khác cho {held.origin}: "
                        "khóa ký checkpoint đã bị thay",
                        f"witness {w.name} pinned another log key "
                        f"for {held.origin}: the checkpoint key was replaced",
                    )
                )
            damage = _damaged_record(
                held, held.log_vkey or w.log_vkeys.get(held.origin) or s.log_vkey
            )
            if damage is not None:
                found.append(
                    _f(
                        "witness.record",
                        f"nhân chứng {w.name}, {held.where or w.directory}: bản ghi {held.size} lá "
                        f"không khớp với checkpoint có chữ ký của sổ cái mà nó lưu ({damage[1]}): "
                        "trạng thái của nhân chứng đã bị sửa hoặc hỏng, không phải bằng chứng về "
                        "sổ cái; bản ghi này không được dùng",
                        f"witness {w.name}, {held.where or w.directory}: its record of "
                        f"{held.size} leaves does not match the log-signed checkpoint it holds "
                        f"({damage[0]}): the witness's state was edited or damaged; it is no "
                        "evidence about the log, and was not used",
                    )
                )
                continue
            where = f"witness {w.name} cosigned {held.size} leaves"
            where_vi = f"nhân chứng {w.name} đã đồng ký {held.size} lá"
            if held.size > size:
                found.append(
                    _f(
                        "witness.truncated",
                        f"{where_vi}; sổ cái nay chỉ còn {size}: các lá {size}–{held.size - 1} "
                        "đã bị xóa",
                        f"{where}; the log now has only {size}: "
                        f"leaves {size}–{held.size - 1} were removed",
                        seq=size,
                    )
                )
                continue
            root = EMPTY_ROOT if held.size == 0 else s.replay.roots.get(held.size)
            if root != held.root_hash:
                found.append(
                    _f(
                        "witness.inconsistent",
                        f"{where_vi} với gốc {held.root_hash.hex()[:16]}…; gốc của sổ cái ở kích "
                        "thước đó khác: sổ cái đã bị viết lại",
                        f"{where} with root "
                        f"{held.root_hash.hex()[:16]}…; the log's root at that size "
                        "differs: the log was rewritten",
                        seq=held.size - 1,
                    )
                )
    unique: dict[tuple[str, str], Finding] = {}  # one line per fact, not per history line
    for f in found:
        unique.setdefault((f.check, f.message), f)
    return list(unique.values())


def _damaged_record(held: Any, vkey: str | None) -> tuple[str, str] | None:
    """(en, vi) when a witness's record is not what the log-signed note it holds says: the
    note does not verify with the log key, or its origin, size or root differ from the
    record's. None when it holds (or no log key is known to check it)."""
    if vkey is None:
        return None
    verifier = Verifier.from_vkey(vkey)
    try:
        body = Checkpoint.parse(open_note(held.note, [verifier]).text)
    except NoteError as exc:
        return (
            f"its note does not verify with the log key: {exc}",
            f"ghi chú không khớp chữ ký bằng khóa sổ cái: {exc}",
        )
    if (body.origin, body.size, body.root_hash) != (held.origin, held.size, held.root_hash):
        return (
            f"the note signs {body.size} leaves, root {body.root_hash.hex()[:16]}…; the record "
            f"says {held.size} leaves, root {held.root_hash.hex()[:16]}…",
            f"ghi chú ký {body.size} lá, gốc {body.root_hash.hex()[:16]}…; bản ghi ghi "
            f"{held.size} lá, gốc {held.root_hash.hex()[:16]}…",
        )
    return None


def check_revocations(s: Final) -> list[Finding]:
    return revoked_after_the_fact(s.replay)


def check_second_signatures(s: Final) -> list[Finding]:
    return [
        _f(
            "payout.second_signature",
            f"khoản chi đã trả do {maker} ghi cần chữ ký thứ hai của Chủ tịch nhưng không có "
            "(ký kèm hoặc duyệt sau)",
            f"paid payout recorded by {maker} needed the chair's "
            "second signature and has none (inline or by a later approval)",
            seq=seq,
            event_id=event_id,
            aggregate_id=aid,
            version=version,
        )
        for event_id, (seq, aid, version, maker, _) in s.replay.awaiting_chair.items()
    ]


def check_erasures(s: Final) -> list[Finding]:
    if s.data_keys is None:
        s.facts["sealed_keys"] = "not available (bundle): ciphertexts covered by leaf hashes"
        return []
    found = []
    for person in sorted(s.replay.erased):
        if s.data_keys.get(person, None) is not None:
            found.append(
                _f(
                    "erasure.not_done",
                    f"người {person}: đã ghi việc xóa dữ liệu cá nhân nhưng khóa dữ liệu vẫn còn",
                    f"person {person}: an erasure was recorded but the data key still exists",
                    aggregate_id=person,
                )
            )
    for person, key in sorted(s.data_keys.items()):
        if key is None and person not in s.replay.erased:
            found.append(
                _f(
                    "erasure.without_event",
                    f"người {person}: khóa dữ liệu đã bị hủy mà không có bút toán xóa dữ liệu "
                    "được ghi",
                    f"person {person}: the data key was destroyed without a recorded erasure",
                    WARNING,
                    aggregate_id=person,
                )
            )
    return found


def check_projections(s: Final) -> list[Finding]:
    return s.projections


def check_bundle(s: Final) -> list[Finding]:
    """An export bundle's files against its manifest, and against the signed events (see
    point 6 of the module docstring)."""
    if not isinstance(s.source, BundleSource):
        return []
    found = [_f("bundle.file", f"{name}: {vi}", f"{name}: {en}") for name, en, vi in s.bundle_files]
    return found + _bundle_documents(s.source, s.replay) + _bundle_counts(s.source, s)


def _as_exported_then(stored: Any, expected: dict[str, Any]) -> dict[str, Any]:
    """A bundle exported before officers' member links were written to registry.json has no
    `member` field in any officer: it is compared without it (verification never reads the
    file, its own replay of the signed events is what counts, so the field's absence hides
    nothing)."""
    officers = stored.get("officers") if isinstance(stored, dict) else None
    if not isinstance(officers, list) or any(
        not isinstance(o, dict) or "member" in o for o in officers
    ):
        return expected
    return {
        "officers": [{k: v for k, v in o.items() if k != "member"} for o in expected["officers"]]
    }


def _bundle_documents(source: BundleSource, replay: Replay) -> list[Finding]:
    """registry.json and policy.json are what audit.export writes from a replay of the log:
    the verifier's own replay must give the same (it never reads them otherwise)."""
    from audit.export import policy_document, registry_document

    found = []
    for check, name, rebuilt in (
        ("bundle.registry", "registry.json", registry_document(replay)),
        ("bundle.policy", "policy.json", policy_document(replay)),
    ):
        if not (source.directory / name).is_file():
            continue  # bundle.file says it is missing
        try:
            stored = source.document(name)
        except BundleDamage as exc:
            found.append(_f(check, f"tệp không đọc được như lúc xuất: {exc}", str(exc)))
            continue
        expected = json.loads(json.dumps(rebuilt, ensure_ascii=False))
        if check == "bundle.registry":
            expected = _as_exported_then(stored, expected)
        where = _difference(stored, expected, "")
        if where is not None:
            found.append(
                _f(
                    check,
                    f"{name} khác với kết quả phát lại các bút toán đã ký, tại {where}: tệp đã "
                    "bị sửa sau khi xuất",
                    f"{name} differs from what the signed events replay to, at {where}: "
                    "the file was edited after the export",
                )
            )
    return found


def _difference(stored: Any, rebuilt: Any, path: str) -> str | None:
    """Where the first difference between two JSON values is, said for a reader; or None."""
    if isinstance(stored, dict) and isinstance(rebuilt, dict):
        for key in sorted(set(stored) | set(rebuilt), key=str):
            here = f"{path}.{key}" if path else str(key)
            if key not in stored:
                return f"{here} (missing from the file)"
            if key not in rebuilt:
                return f"{here} (in the file only)"
            found = _difference(stored[key], rebuilt[key], here)
            if found is not None:
                return found
        return None
    if isinstance(stored, list) and isinstance(rebuilt, list):
        for i, (a, b) in enumerate(zip(stored, rebuilt, strict=False)):
            found = _difference(a, b, f"{path}[{i}]")
            if found is not None:
                return found
        if len(stored) != len(rebuilt):
            return f"{path} ({len(stored)} items in the file, {len(rebuilt)} replayed)"
        return None
    if type(stored) is type(rebuilt) and stored == rebuilt:
        return None
    shown = [json.dumps(v, ensure_ascii=False)[:40] for v in (stored, rebuilt)]
    return f"{path or 'the whole file'} ({shown[0]} in the file, {shown[1]} replayed)"


def _bundle_counts(source: BundleSource, s: Final) -> list[Finding]:
    """The manifest's counts against the log: entries, checkpoints, and stored events, which
    for a bundle are the events the log names plus orphans.jsonl (the extra ones)."""
    m = source.manifest
    found = []
    if m["log_entries"] != s.entries:
        found.append(
            _f(
                "bundle.manifest",
                f"MANIFEST.json ghi log_entries là {m['log_entries']}, nhưng các tệp nhật ký chứa "
                f"{s.entries} mục",
                f"MANIFEST.json log_entries is {m['log_entries']}, but the log files hold "
                f"{s.entries} entries",
            )
        )
    if m["checkpoints"] != len(s.checkpoints):
        found.append(
            _f(
                "bundle.manifest",
                f"MANIFEST.json ghi checkpoints là {m['checkpoints']}, nhưng checkpoints.json "
                f"chứa {len(s.checkpoints)}",
                f"MANIFEST.json checkpoints is {m['checkpoints']}, but checkpoints.json holds "
                f"{len(s.checkpoints)}",
            )
        )
    extra = len(s.orphans)
    named = s.replay.events_named  # exact unless the log repeats or reorders versions
    if m["stored_events"] != named + extra:
        named = _events_named(source)
    if m["stored_events"] != named + extra:
        found.append(
            _f(
                "bundle.manifest",
                f"MANIFEST.json ghi stored_events là {m['stored_events']}, nhưng sổ cái nêu "
                f"{named} bút toán đã lưu và orphans.jsonl chứa thêm {extra}: bút toán đã bị bỏ "
                "khỏi gói hoặc thêm vào gói, hoặc con số đã bị sửa",
                f"MANIFEST.json stored_events is {m['stored_events']}, but the log names "
                f"{named} stored events and orphans.jsonl holds {extra} more: stored events "
                "were left out of the bundle or added to it, or the count was changed",
            )
        )
    return found


def _events_named(source: BundleSource) -> int:
    """Distinct stored events the log's entries name (a second read of the log, only when the
    replay's count, which counts each aggregate's next version, disagrees)."""
    seen = set()
    for ref in source.chunks():
        for row in source.read_chunk(ref):
            if row.event is not None:
                seen.add((row.event.originator_id, row.event.originator_version))
    return len(seen)


FINAL_CHECKS: list[Callable[[Final], list[Finding]]] = [
    check_unlogged_events,
    check_checkpoints,
    check_witnesses,
    check_revocations,
    check_second_signatures,
    check_erasures,
    check_projections,
    check_bundle,
]


# --- the run -------------------------------------------------------------------------------


class Stages:
    """Where the time goes: per stage, the main thread's wall and CPU seconds; the workers'
    CPU seconds (`signatures_cpu`). CPU seconds are what a stage costs even on a busy
    machine, where wall seconds also count the waits for a core."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.last = (time.perf_counter(), time.thread_time())

    def lap(self, name: str) -> None:
        now = (time.perf_counter(), time.thread_time())
        self.wall[name] = self.wall.get(name, 0.0) + now[0] - self.last[0]
        self.cpu[name] = self.cpu.get(name, 0.0) + now[1] - self.last[1]
        self.last = now

    def add_cpu(self, name: str, seconds: float) -> None:
        self.cpu[name] = self.cpu.get(name, 0.0) + seconds

    def facts(self) -> dict[str, dict[str, float]]:
        return {
            "wall": {k: round(v, 3) for k, v in self.wall.items()},
            "cpu": {k: round(v, 3) for k, v in self.cpu.items()},
        }


class Signatures:
    """The Ed25519 work the replay hands out, verified in worker processes (or inline).

    Each chunk's work goes out as soon as the chunk is replayed; results are collected as
    they arrive, so at most the chunks in flight are held in memory.
    """

    def __init__(self, pool: ProcessPoolExecutor | None, stages: Stages) -> None:
        self.pool = pool
        self.stages = stages
        self.in_flight: list[tuple[Future[tuple[list[int], float]], list[Any]]] = []
        self.found: list[Finding] = []

    def submit(self, deferred: list[tuple[Any, str, bytes]]) -> None:
        if not deferred:
            return
        index: dict[bytes, int] = {}
        jobs = []
        for item, _, public in deferred:
            k = index.get(public)
            if k is None:
                k = index[public] = len(index)
            jobs.append((k, item.message, item.signature))
        if self.pool is None:
            self._collect(verify_signatures(list(index), jobs), deferred)
            return
        future = self.pool.submit(verify_signatures, list(index), jobs)
        self.in_flight.append((future, list(deferred)))

    def _collect(self, result: tuple[list[int], float], deferred: list[Any]) -> None:
        bad, cpu = result
        self.stages.add_cpu("signatures_workers", cpu)
        for i in bad:
            item, officer, _ = deferred[i]
            self.found.append(signature_finding(item, officer))

    def collect(self, *, wait: bool) -> None:
        pending = []
        for future, deferred in self.in_flight:
            if wait or future.done():
                self._collect(future.result(), deferred)
            else:
                pending.append((future, deferred))
        self.in_flight = pending


def _metas(decoded: list[Decoded], rebuild: Rebuild) -> list[EntryMeta]:
    metas = []
    for d in decoded:
        cmd = d.command
        assert cmd is not None and d.aid is not None
        if not rebuild.wants(cmd.get("type")):
            continue
        meta = meta_from(
            seq=d.row.entry.seq,
            leaf_hash=d.row.entry.leaf_hash,
            aggregate=d.aid,
            envelope=d.envelope,
            command=cmd,
        )
        if meta is not None:
            metas.append(meta)
    return metas


def _feed(rebuild: Rebuild, metas: list[EntryMeta], last_seq: int) -> list[Finding]:
    try:
        rebuild.feed(metas, last_seq=last_seq)
    except Exception as exc:  # a tampered event must become a finding, never a crash
        first = metas[0].seq if metas else None
        return [
            _f(
                "projection.rebuild",
                f"không phát lại được các bút toán seq {first}–{last_seq} vào bảng đọc: {exc!r}",
                f"the events at seq {first}–{last_seq} cannot be replayed into the read "
                f"models: {exc!r}",
                seq=first,
            )
        ]
    return []


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cycle collector for the run (restored after, even on error).

    The run keeps a growing heap of long-lived objects (the registry, versions, signers'
    history) and allocates a few containers per event; the collector would walk that whole
    heap again and again (a third of the main process's time) to find no cycles.
    Reference counting still frees everything as it goes.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _orphans(source: Source, stored_events: int, replay: Replay) -> list[EventRow]:
    """Stored events no entry of the log names (events that bypassed the ledger).

    The entries named `replay.events_named` distinct stored events (each one the next
    version of its aggregate); when the database holds exactly that many events, it holds
    no other, and the query that looks for them one by one is not needed.
    """
    if isinstance(source, DatabaseSource) and stored_events == replay.events_named:
        return []
    return source.orphan_events()


def _noop() -> None:
    return None


SCRATCH_PREFIX = "phucloi-verify-"
_SCRATCH_NAME = re.compile(re.escape(SCRATCH_PREFIX) + r"(\d+)-")


def scratch_directory() -> tempfile.TemporaryDirectory[str]:
    """The run's scratch directory (a copy of the read models, blind indexes included),
    named with this process's id; first, the scratch directories of runs whose process is
    gone (killed before its cleanup could run) are removed."""
    remove_stale_scratch()
    return tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")


def remove_stale_scratch(base: str | None = None) -> list[str]:
    """Remove this user's `phucloi-verify-PID-*` directories whose process no longer runs;
    their paths."""
    removed = []
    root = base or tempfile.gettempdir()
    with suppress(OSError):
        for name in os.listdir(root):
            match = _SCRATCH_NAME.match(name)
            path = os.path.join(root, name)
            if match is None or _running(int(match[1])):
                continue
            with suppress(OSError):
                if os.stat(path).st_uid == os.getuid() and os.path.isdir(path):
                    shutil.rmtree(path)
                    removed.append(path)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process
    return True


def _pool(n_workers: int) -> ProcessPoolExecutor:
    """Worker processes, started now, before any thread of this run exists.

    When this process has no other thread and the platform can fork, workers are forked
    (instantly: they only need what is imported already, and never touch the parent's
    connections); otherwise (a server with threads, another platform) a forkserver
    preloads the scan module once.
    """
    methods = multiprocessing.get_all_start_methods()
    ctx: BaseContext
    if "fork" in methods and threading.active_count() == 1:
        ctx = multiprocessing.get_context("fork")
    elif "forkserver" in methods:
        server = multiprocessing.get_context("forkserver")
        server.set_forkserver_preload(["audit.scan"])
        ctx = server
    else:
        ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(n_workers, mp_context=ctx)
    pool.submit(_noop).result()  # every worker is started here
    return pool


@dataclass
class LogPass:
    """One pass over the log, chunk by chunk, in order: every per-event check."""

    report: Report
    replay: Replay
    scan: ScanContext
    signatures: Signatures
    rebuild: Rebuild
    stages: Stages
    deferred: list[tuple[Scanned, str, bytes]]  # the replay's signature work (shared)
    events: int = 0

    def chunk(self, rows: list[LogRow]) -> None:
        stages = self.stages
        stages.lap("read")
        decoded: list[Decoded] = []
        scanned, found = scan_rows(rows, self.scan, decoded=decoded)
        self.report.add(found)
        stages.lap("decode_and_row_checks")
        for item in scanned:
            result = replay_one(item, self.replay)
            if result:
                self.report.add(result)
        stages.lap("replay")
        self.signatures.submit(self.deferred)
        self.deferred.clear()
        stages.lap("signatures_dispatch")
        last_seq = max((row.entry.seq for row in rows), default=-1)
        self.report.add(_feed(self.rebuild, _metas(decoded, self.rebuild), last_seq))
        stages.lap("rebuild")
        self.signatures.collect(wait=False)
        self.events += len(scanned)
        stages.lap("signatures_collect")


def verify(
    source: Source,
    *,
    log_vkey: str | None = None,
    witnesses: Sequence[WitnessView] = (),
    witness_vkeys: Sequence[str] = (),
    workers: int | None = None,
    progress: Progress | None = None,
) -> Report:
    """Verify everything (see the module docstring); one report with every finding.

    A bundle that cannot be read as exported gives a report holding `bundle.unreadable`
    (where, and what) and the manifest's file checks: damaged evidence, never a crash.
    `BundleDamage` says where; any other failure on a bundle is explained by reading every
    file strictly (`BundleSource.find_damage`), and re-raised if no file is damaged.
    """
    started = time.perf_counter()
    report = Report(source=source.describe())
    run = (log_vkey, witnesses, witness_vkeys, workers, progress)
    if not isinstance(source, (BundleSource, DatabaseSource)):
        return _verify(source, report, started, *run)
    try:
        return _verify(source, report, started, *run)
    except BundleDamage as exc:
        damage = exc
    except Exception:
        found = source.find_damage()
        if found is None:
            raise
        damage = found
    return _unreadable(source, report, damage, started)


def _unreadable(
    source: BundleSource | DatabaseSource, report: Report, damage: BundleDamage, started: float
) -> Report:
    """The report on a bundle or database that cannot be read: where, and for a bundle the
    manifest's file checks."""
    if isinstance(source, DatabaseSource):
        report.findings = [
            _f(
                "store.unreadable",
                f"{damage}: cơ sở dữ liệu chứa giá trị mà sổ cái không bao giờ ghi, nên chưa "
                "được kiểm tra",
                f"{damage}: the database holds what the ledger never writes, so it was not "
                "verified",
            )
        ]
    else:
        report.findings = [
            _f(
                "bundle.unreadable",
                f"{damage}: không đọc được gói xuất như lúc xuất, nên gói chưa được kiểm tra",
                f"{damage}: the bundle cannot be read as exported, so it was not verified",
            ),
            *(
                _f("bundle.file", f"{name}: {vi}", f"{name}: {en}")
                for name, en, vi in source.file_problems()
            ),
        ]
    report.events, report.tree_size, report.root_hash = 0, 0, ""
    report.facts = {
        "unreadable": {
            "file": damage.file,
            "line": damage.line,
            "field": damage.field,
            "problem": damage.problem,
        }
    }
    report.seconds = time.perf_counter() - started
    return report


def _verify(
    source: Source,
    report: Report,
    started: float,
    log_vkey: str | None,
    witnesses: Sequence[WitnessView],
    witness_vkeys: Sequence[str],
    workers: int | None,
    progress: Progress | None,
) -> Report:
    stages = Stages()
    refs = source.chunks()
    stored_cps = source.checkpoints()
    pinned_log = log_vkey or source.log_vkey()
    deferred: list[tuple[Scanned, str, bytes]] = []
    replay = Replay(
        wanted_roots={c.size for c in stored_cps} | {h.size for w in witnesses for h in w.held},
        deferred=deferred,
    )
    data_keys = source.data_keys() if isinstance(source, DatabaseSource) else None
    n_workers = workers or os.cpu_count() or 1
    parallel = n_workers > 1 and len(refs) >= PARALLEL_MIN_CHUNKS
    total = _estimate(refs)
    stages.lap("open")
    with ExitStack() as stack:
        stack.enter_context(_no_cyclic_gc())
        scratch = stack.enter_context(scratch_directory())
        pool = stack.enter_context(_pool(n_workers)) if parallel else None
        io = stack.enter_context(ThreadPoolExecutor(1))
        stored_events = io.submit(source.event_count)
        # a bundle's files are hashed beside the run (hashlib lets go of the GIL)
        hashed = io.submit(source.file_problems) if isinstance(source, BundleSource) else None
        live = _live_read_models(source, pool, os.path.join(scratch, "live.db"))
        log = LogPass(
            report,
            replay,
            ScanContext({}, data_keys),
            Signatures(pool, stages),
            stack.enter_context(closing(Rebuild())),
            stages,
            deferred,
        )
        stages.lap("start_workers")
        for ref in refs:
            log.chunk(source.read_chunk(ref))
            if progress is not None:
                progress(log.events, max(total, log.events))
        log.rebuild.attach_live(live())
        stages.lap("read_models_copy_wait")
        head = log.rebuild.hold_live()
        if head is not None and isinstance(source, DatabaseSource):
            # what officers recorded while the log was read: the live read models hold it
            for lo in range(log.rebuild.last_seq + 1, head + 1, source.chunk):
                log.chunk(source.read_chunk((lo, min(lo + source.chunk - 1, head))))
        log.rebuild.finish()
        projections = log.rebuild.compare_live()
        log.rebuild.release()
        stages.lap("read_models_compare")
        log.signatures.collect(wait=True)
        report.add(log.signatures.found)
        stages.lap("signatures_wait")
        orphans = _orphans(source, stored_events.result(), replay)
        stages.lap("orphans")
        bundle_files = hashed.result() if hashed is not None else []
        stages.lap("bundle_files_wait")
    final = Final(
        source=source,
        replay=replay,
        checkpoints=stored_cps,
        log_vkey=pinned_log,
        witnesses=list(witnesses),
        witness_vkeys=list(witness_vkeys),
        orphans=orphans,
        data_keys=data_keys,
        projections=projections,
        entries=log.events,
        bundle_files=bundle_files,
    )
    for check in FINAL_CHECKS:
        report.add(check(final))
    report.findings.sort(key=lambda f: (f.seq is None, f.seq or 0, f.check))
    stages.lap("final_checks")
    report.events = log.events
    report.tree_size = replay.tree.size
    report.root_hash = replay.tree.root().hex()
    report.seconds = time.perf_counter() - started
    report.facts["phase_seconds"] = stages.facts()
    report.facts.update(final.facts)
    report.facts.update(log.scan.counters)
    report.facts["workers"] = n_workers if parallel else 1
    report.facts["log_vkey"] = pinned_log
    erased = log.scan.counters.get("erased")
    if erased:
        report.add(
            [
                _f(
                    "sealed.erased",
                    f"{erased} bộ dữ liệu cá nhân niêm phong thuộc về người đã xóa dữ liệu nên "
                    "không được giải mã (không phải lỗi)",
                    f"{erased} sealed field sets belong to "
                    "erased people and were not decrypted (not a failure)",
                    INFO,
                )
            ]
        )
    return report


def _live_read_models(
    source: Source, pool: ProcessPoolExecutor | None, scratch_file: str
) -> Callable[[], str]:
    """Where the live read models will be, as a SQLite file: the ledger's own file, or a
    copy of the source's rows (made by a worker beside the replay when there is a pool)."""
    own = source.sqlite_file() if isinstance(source, DatabaseSource) else None
    if own is not None:
        return lambda: own
    if pool is not None:
        copied = pool.submit(worker_copy_read_models, source.spec(), scratch_file)
        return copied.result
    return lambda: copy_read_models(source, scratch_file)


def _estimate(refs: list[Any]) -> int:
    from audit.source import CHUNK

    return len(refs) * CHUNK
