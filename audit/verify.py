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
4. every read model equals its rebuild from the log (audit.projections);
5. sealed personal data authenticates where the data key exists; erased data is not a
   failure (audit.scan).

Speed: the per-event work (decode, leaf hash, Ed25519) runs in a process pool over chunks
of the log, in order, while the main process replays; the read-model rebuild runs as one
more task of the same pool.
"""

from __future__ import annotations

import base64
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from audit.findings import ERROR, INFO, WARNING, Finding, Report
from audit.merkle import EMPTY_ROOT
from audit.note import Checkpoint, CosignatureVerifier, NoteError, Verifier, open_note, split_note
from audit.projections import compare, rebuild, worker_rebuild
from audit.replay import Replay, replay_one, revoked_after_the_fact
from audit.scan import ScanContext, scan_rows, worker_init, worker_scan
from audit.source import DatabaseSource, EventRow, Source, StoredCheckpoint
from audit.witness import WitnessView
from ledger.signing import key_id

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
    live: dict[str, list[tuple[Any, ...]]]
    rebuilt: dict[str, list[tuple[Any, ...]]]
    facts: dict[str, Any] = field(default_factory=dict)


def _f(check: str, msg: str, severity: str = ERROR, **where: Any) -> Finding:
    return Finding(
        check,
        severity,
        where.get("seq"),
        where.get("event_id"),
        where.get("aggregate_id"),
        where.get("version"),
        msg,
    )


# --- final checks --------------------------------------------------------------------------


def check_unlogged_events(s: Final) -> list[Finding]:
    return [
        _f(
            "log.unlogged_event",
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
    for vkey in [*s.witness_vkeys, *(w.vkey for w in s.witnesses)]:
        v = CosignatureVerifier.from_vkey(vkey)
        out[(v.name, v.key_id)] = v
    return out


def check_checkpoints(s: Final) -> list[Finding]:
    found: list[Finding] = []
    size = s.replay.tree.size
    if not s.checkpoints:
        return [
            _f(
                "checkpoint.none",
                "no checkpoint has been signed: the log is not yet "
                "protected against rewriting (run `phucloi audit checkpoint`)",
                WARNING,
            )
        ]
    if s.log_vkey is None:
        return [_f("checkpoint.key", "checkpoints exist but no log key is known to check them")]
    verifier = Verifier.from_vkey(s.log_vkey)
    pinned = _pinned_witnesses(s)
    previous = -1
    witnessed = 0
    for cp in s.checkpoints:
        where = f"checkpoint of size {cp.size}"
        try:
            note = open_note(cp.note, [verifier])
            body = Checkpoint.parse(note.text)
        except NoteError as exc:
            found.append(_f("checkpoint.signature", f"{where}: {exc}"))
            continue
        if (body.origin, body.size, body.root_hash.hex()) != (verifier.name, cp.size, cp.root_hash):
            found.append(
                _f("checkpoint.signature", f"{where}: the stored row differs from the signed note")
            )
        if cp.size <= previous:
            found.append(_f("checkpoint.order", f"{where}: not larger than the previous one"))
        previous = cp.size
        if cp.size > size:
            found.append(
                _f(
                    "checkpoint.beyond_log",
                    f"{where}: the log has only {size} leaves: "
                    f"leaves {size}–{cp.size - 1} were removed (truncated)",
                    seq=size,
                )
            )
            continue
        root = EMPTY_ROOT if cp.size == 0 else s.replay.roots.get(cp.size)
        if root != body.root_hash:
            found.append(
                _f(
                    "checkpoint.root",
                    f"{where}: the stored events no longer hash to "
                    "the signed root (an event inside it was changed, removed, added "
                    "or moved)",
                    seq=cp.size - 1,
                )
            )
        found.extend(_check_cosignatures(cp, note.text, pinned, s))
        if any((sig.name, sig.key_id) in pinned for sig in split_note(cp.note)[1]):
            witnessed = max(witnessed, cp.size)
    latest = s.checkpoints[-1].size
    s.facts.update(checkpoint_size=latest, witnessed_size=witnessed)
    if latest < size:
        found.append(
            _f(
                "checkpoint.uncovered",
                f"events at seq {latest}–{size - 1} are not yet covered by a signed checkpoint",
                WARNING,
                seq=latest,
            )
        )
    if pinned and witnessed < size:
        found.append(
            _f(
                "checkpoint.unwitnessed",
                f"events at seq {witnessed}–{size - 1} are "
                "not yet covered by a witnessed checkpoint",
                WARNING,
                seq=witnessed,
            )
        )
    return found


def _check_cosignatures(
    cp: StoredCheckpoint, text: str, pinned: dict[tuple[str, bytes], CosignatureVerifier], s: Final
) -> list[Finding]:
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
                    f"checkpoint of size {cp.size}: the cosignature by {sig.name} does not verify",
                )
            )
    return found


def check_witnesses(s: Final) -> list[Finding]:
    found: list[Finding] = []
    size = s.replay.tree.size
    origin = Verifier.from_vkey(s.log_vkey).name if s.log_vkey else None
    for w in s.witnesses:
        for held in w.held:
            if origin is not None and held.origin != origin:
                continue
            if s.log_vkey and w.log_vkeys.get(held.origin, s.log_vkey) != s.log_vkey:
                found.append(
                    _f(
                        "witness.log_key",
                        f"witness {w.name} pinned another log key "
                        f"for {held.origin}: the checkpoint key was replaced",
                    )
                )
            where = f"witness {w.name} cosigned {held.size} leaves"
            if held.size > size:
                found.append(
                    _f(
                        "witness.truncated",
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
                        f"{where} with root "
                        f"{held.root_hash.hex()[:16]}…; the log's root at that size "
                        "differs: the log was rewritten",
                        seq=held.size - 1,
                    )
                )
    return found


def check_revocations(s: Final) -> list[Finding]:
    return revoked_after_the_fact(s.replay)


def check_second_signatures(s: Final) -> list[Finding]:
    return [
        _f(
            "payout.second_signature",
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
                    f"person {person}: an erasure was recorded but the data key still exists",
                    aggregate_id=person,
                )
            )
    for person, key in sorted(s.data_keys.items()):
        if key is None and person not in s.replay.erased:
            found.append(
                _f(
                    "erasure.without_event",
                    f"person {person}: the data key was destroyed without a recorded erasure",
                    WARNING,
                    aggregate_id=person,
                )
            )
    return found


def check_projections(s: Final) -> list[Finding]:
    return compare(s.live, s.rebuilt)


FINAL_CHECKS: list[Callable[[Final], list[Finding]]] = [
    check_unlogged_events,
    check_checkpoints,
    check_witnesses,
    check_revocations,
    check_second_signatures,
    check_erasures,
    check_projections,
]


# --- the run -------------------------------------------------------------------------------


def _hint(source: Source) -> dict[str, bytes]:
    keys = {}
    for kid, public in source.key_hint().items():
        try:
            raw = base64.b64decode(public, validate=True)
            if key_id(raw) == kid:
                keys[kid] = raw
        except (ValueError, TypeError):
            continue
    return keys


def verify(
    source: Source,
    *,
    log_vkey: str | None = None,
    witnesses: Sequence[WitnessView] = (),
    witness_vkeys: Sequence[str] = (),
    workers: int | None = None,
    progress: Progress | None = None,
) -> Report:
    started = time.perf_counter()
    report = Report(source=source.describe())
    refs = source.chunks()
    stored_cps = source.checkpoints()
    pinned_log = log_vkey or source.log_vkey()
    replay = Replay(
        wanted_roots={c.size for c in stored_cps} | {h.size for w in witnesses for h in w.held}
    )
    keys = _hint(source)
    with_data_keys = isinstance(source, DatabaseSource)
    n_workers = workers or os.cpu_count() or 1
    counters: dict[str, int] = {}
    done = 0
    total = _estimate(refs)

    def consume(scanned: list[Any], found: list[Finding], counts: dict[str, int]) -> None:
        nonlocal done
        report.add(found)
        for item in scanned:
            result = replay_one(item, replay)
            if result:
                report.add(result)
        for k, v in counts.items():
            counters[k] = counters.get(k, 0) + v
        done += len(scanned)
        if progress is not None:
            progress(done, max(total, done))

    if n_workers > 1 and len(refs) >= PARALLEL_MIN_CHUNKS:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["audit.verify"])  # workers start without re-importing
        with ProcessPoolExecutor(
            n_workers,
            mp_context=ctx,
            initializer=worker_init,
            initargs=(source.spec(), keys, with_data_keys),
        ) as pool:
            rebuilt_future = pool.submit(worker_rebuild, source.spec())
            results = pool.map(worker_scan, refs)  # every chunk is submitted here
            # While the workers scan, read what the final checks need (no extra wall time).
            live, orphans = source.read_models(), source.orphan_events()
            for scanned, found, counts in results:
                consume(scanned, found, counts)
            scanned_at = time.perf_counter()
            rebuilt = rebuilt_future.result()
    else:
        scan_ctx = ScanContext(keys, source.data_keys() if with_data_keys else None)
        for ref in refs:
            scan_ctx.counters = {}
            scanned, found = scan_rows(source.read_chunk(ref), scan_ctx)
            consume(scanned, found, scan_ctx.counters)
        scanned_at = time.perf_counter()
        rebuilt = rebuild(source)
        live, orphans = source.read_models(), source.orphan_events()
    rebuilt_at = time.perf_counter()
    final = Final(
        source=source,
        replay=replay,
        checkpoints=stored_cps,
        log_vkey=pinned_log,
        witnesses=list(witnesses),
        witness_vkeys=list(witness_vkeys),
        orphans=orphans,
        data_keys=source.data_keys() if with_data_keys else None,
        live=live,
        rebuilt=rebuilt,
    )
    for check in FINAL_CHECKS:
        report.add(check(final))
    report.findings.sort(key=lambda f: (f.seq is None, f.seq or 0, f.check))
    report.events = done
    report.tree_size = replay.tree.size
    report.root_hash = replay.tree.root().hex()
    report.seconds = time.perf_counter() - started
    report.facts["phase_seconds"] = {
        "log_and_signatures": round(scanned_at - started, 2),
        "read_model_rebuild_wait": round(rebuilt_at - scanned_at, 2),
        "final_checks": round(report.seconds - (rebuilt_at - started), 2),
    }
    report.facts.update(final.facts)
    report.facts.update(counters)
    report.facts["workers"] = n_workers if len(refs) >= PARALLEL_MIN_CHUNKS else 1
    report.facts["log_vkey"] = pinned_log
    if counters.get("erased"):
        report.add(
            [
                _f(
                    "sealed.erased",
                    f"{counters['erased']} sealed field sets belong to "
                    "erased people and were not decrypted (not a failure)",
                    INFO,
                )
            ]
        )
    return report


def _estimate(refs: list[Any]) -> int:
    from audit.source import CHUNK

    return len(refs) * CHUNK
