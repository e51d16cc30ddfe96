"""A witness (nhân chứng): an inspection-committee member who cosigns the ledger's checkpoints.

C2SP tlog-witness rules, kept here with the witness's own key and state, outside the ledger:
- A checkpoint is cosigned only if it is signed by the log key the witness pinned for its
  origin (trust on first use, or `--log-key`), and if a consistency proof shows that it
  extends the last checkpoint this witness cosigned for that origin. Any inconsistency is a
  refusal: a smaller tree (rollback), the same size with another root (fork), a proof that
  does not verify, or an `old_size` that is not the size the witness holds (the log must
  then retry from the witness's size).
- The new state is written (atomically: temporary file, fsync, rename) before the
  cosignature is returned, so a witness never cosigns two inconsistent trees and never
  rolls back, even if it crashes between the two steps.
- A round (read the state, check, sign, save) holds an exclusive lock (`fcntl.flock` on
  `lock` in the state directory), as tlog-witness requires check-and-persist to be atomic:
  two rounds at once (a cron job and an inspector) would otherwise both check against the
  same old state, and the one that saved last would roll the witness back.
- `history.jsonl` keeps every checkpoint the witness cosigned (with the log key it was
  checked with), so an inspector can later check that the log is still consistent with each
  of them (audit verify --witness-state). It is appended to (and fsynced) before state.json
  is replaced, so its last line for an origin is the latest checkpoint the witness cosigned:
  `state.json` must agree with it. A state.json that holds less (edited back, or restored
  from an old backup) is refused as `rollback`, one that holds anything else as
  `damaged_state`, naming the file; a missing state.json is rebuilt from the history, never
  a fresh start, and a log key the history knows is never re-pinned (a rebuilt state without
  the key pins only a key that verifies the checkpoint the history holds).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.merkle import ProofError, verify_consistency
from audit.note import (
    SIG_TYPE_COSIGNATURE_V1,
    Checkpoint,
    CosignatureVerifier,
    NoteError,
    Signature,
    Verifier,
    cosignature_message,
    key_id,
    open_note,
)

WITNESS_KEYS_ENV = "PHUCLOI_WITNESS_KEYS"
LOG_KEY_ENV = "PHUCLOI_LOG_KEY"
STATE_FILE = "state.json"
HISTORY_FILE = "history.jsonl"
LOCK_FILE = "lock"


class WitnessRefusal(Exception):
    """The witness refuses to cosign; `code` says why (conflict, rollback, fork, proof...);
    the message in English, `vi` in Vietnamese (the witnesses are inspection-committee
    members)."""

    def __init__(
        self, code: str, message: str, *, size: int | None = None, vi: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.size = size
        self.vi = vi or message


class Ed25519Signer:
    """Anything with `public_key` (32 bytes) and `sign(message) -> 64-byte signature`."""

    public_key: bytes

    def sign(self, message: bytes) -> bytes:  # pragma: no cover - protocol
        raise NotImplementedError


@dataclass(frozen=True)
class HeldCheckpoint:
    origin: str
    size: int
    root_hash: bytes
    note: str
    # where the witness wrote it (file and line), and the log key it recorded, if any
    where: str = field(default="", compare=False)
    log_vkey: str | None = field(default=None, compare=False)


class Witness:
    """One witness: a name, an Ed25519 key (from the keystore) and a state directory."""

    def __init__(self, directory: Path, *, name: str, signer: Any) -> None:
        self.directory = Path(directory)
        self.name = name
        self.signer = signer
        self.key_id = key_id(name, signer.public_key, sig_type=SIG_TYPE_COSIGNATURE_V1)

    @property
    def vkey(self) -> str:
        return CosignatureVerifier(self.name, self.signer.public_key).vkey

    # --- state ---------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """What this witness holds, checked against its own history (see the module
        docstring); WitnessRefusal `damaged_state`, `rollback` or `wrong_key` otherwise."""
        path = self.directory / STATE_FILE
        try:
            records = history_records(self.directory)  # never append to what cannot be read
            if not path.exists():
                return state_from_history(records, name=self.name, vkey=self.vkey)
            state = json.loads(path.read_text(encoding="utf-8"))
            check_state(state)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            # A witness that cannot read what it cosigned cannot check a rollback: it stops.
            raise WitnessRefusal(
                "damaged_state",
                f"{path} cannot be read ({exc}); restore it from a backup",
                vi=f"không đọc được {path} ({exc}); hãy khôi phục từ bản sao lưu",
            ) from None
        if state.get("vkey") != self.vkey:
            raise WitnessRefusal(
                "wrong_key",
                f"{path} belongs to witness key {state.get('vkey')}, not {self.vkey}",
                vi=f"{path} thuộc về khóa nhân chứng {state.get('vkey')}, không phải {self.vkey}",
            )
        _agrees_with_history(state, records, path)
        return state

    def held(self, origin: str) -> HeldCheckpoint | None:
        log = self.state()["logs"].get(origin)
        if log is None:
            return None
        return HeldCheckpoint(origin, log["size"], bytes.fromhex(log["root_hash"]), log["note"])

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """An exclusive lock on the state directory for one whole round (tlog-witness:
        checking against the latest checkpoint and persisting the new one are atomic): a
        second round on the same directory, in this process or another, waits here."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.directory / LOCK_FILE, "a") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _save(self, state: dict[str, Any], record: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.directory / HISTORY_FILE, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        tmp = self.directory / (STATE_FILE + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(state, fh, ensure_ascii=False, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.directory / STATE_FILE)

    # --- the add-checkpoint rule -----------------------------------------------------------

    def add_checkpoint(
        self,
        note: str,
        *,
        old_size: int,
        proof: Sequence[bytes],
        log_vkey: str,
        timestamp: int | None = None,
    ) -> str:
        """Check `note` against the held state and return a cosignature line, or refuse.

        The whole round (read the state, check, sign, save) holds the directory's lock."""
        with self._locked():
            return self._add_checkpoint(
                note, old_size=old_size, proof=proof, log_vkey=log_vkey, timestamp=timestamp
            )

    def _add_checkpoint(
        self,
        note: str,
        *,
        old_size: int,
        proof: Sequence[bytes],
        log_vkey: str,
        timestamp: int | None,
    ) -> str:
        try:
            verifier = Verifier.from_vkey(log_vkey)
            opened = open_note(note, [verifier])
            cp = Checkpoint.parse(opened.text)
        except NoteError as exc:
            raise WitnessRefusal(
                "bad_note",
                f"checkpoint note does not verify: {exc}",
                vi=f"ghi chú checkpoint không khớp chữ ký bằng khóa sổ cái: {exc}",
            ) from None
        if cp.origin != verifier.name:
            raise WitnessRefusal(
                "bad_note",
                f"origin {cp.origin!r} is not the key's name",
                vi=f"nguồn gốc {cp.origin!r} không phải tên của khóa",
            )
        state = self.state()
        log = state["logs"].get(cp.origin)
        if log is not None and log.get("log_vkey") is None:
            # rebuilt from a history that did not record the key: pin only the key that
            # signed the checkpoint the history holds
            try:
                open_note(log["note"], [verifier])
            except NoteError:
                raise WitnessRefusal(
                    "wrong_log_key",
                    f"{cp.origin}: the checkpoint of {log['size']} leaves this witness cosigned "
                    f"({self.directory / HISTORY_FILE}) was not signed by {log_vkey}",
                    vi=f"{cp.origin}: checkpoint {log['size']} lá nhân chứng này đã đồng ký "
                    f"({self.directory / HISTORY_FILE}) không được ký bằng {log_vkey}",
                ) from None
        elif log is not None and log["log_vkey"] != log_vkey:
            raise WitnessRefusal(
                "wrong_log_key",
                f"{cp.origin} was pinned to another log key: {log['log_vkey']}",
                vi=f"{cp.origin} đã được ghim với một khóa sổ cái khác: {log['log_vkey']}",
            )
        held_size = 0 if log is None else int(log["size"])
        if old_size != held_size:
            raise WitnessRefusal(
                "conflict",
                f"old size {old_size} is not the size this witness holds ({held_size})",
                size=held_size,
                vi=f"kích thước cũ {old_size} không phải kích thước nhân chứng đang giữ "
                f"({held_size})",
            )
        if cp.size < held_size:
            raise WitnessRefusal(
                "rollback",
                f"refused: {cp.origin} went back from {held_size} to {cp.size} leaves",
                size=held_size,
                vi=f"từ chối: {cp.origin} lùi từ {held_size} về {cp.size} lá",
            )
        if log is not None:
            held_root = bytes.fromhex(log["root_hash"])
            try:
                if held_size == 0:
                    if proof:
                        raise ProofError("a proof from the empty tree must be empty")
                else:
                    verify_consistency(
                        size1=held_size,
                        size2=cp.size,
                        root1=held_root,
                        root2=cp.root_hash,
                        proof=list(proof),
                    )
            except ProofError as exc:
                code = "fork" if cp.size == held_size else "inconsistent"
                raise WitnessRefusal(
                    code,
                    f"refused: {cp.origin} at {cp.size} leaves is not consistent with the "
                    f"checkpoint of {held_size} leaves this witness cosigned ({exc})",
                    size=held_size,
                    vi=f"từ chối: {cp.origin} ở {cp.size} lá không nhất quán với checkpoint "
                    f"{held_size} lá nhân chứng này đã đồng ký"
                    + (" (cùng kích thước nhưng khác gốc)" if code == "fork" else "")
                    + f" ({exc})",
                ) from None
        ts = int(time.time()) if timestamp is None else timestamp
        message = cosignature_message(cp.body(), ts)
        signature = ts.to_bytes(8, "big") + self.signer.sign(message)
        line = Signature(self.name, self.key_id, signature).line()
        state["logs"][cp.origin] = {
            "log_vkey": log_vkey,
            "size": cp.size,
            "root_hash": cp.root_hash.hex(),
            "note": note,
            "cosigned_at": ts,
        }
        record = {
            "origin": cp.origin,
            "size": cp.size,
            "root_hash": cp.root_hash.hex(),
            "note": note,
            "cosigned_at": ts,
            "log_vkey": log_vkey,
        }
        self._save(state, record)
        return line


@dataclass(frozen=True)
class WitnessView:
    """What a witness's state directory tells an inspector (read only, no key needed).
    `vkey` is None when only the history is left (no state.json names the witness's key)."""

    directory: str
    name: str
    vkey: str | None
    log_vkeys: dict[str, str]
    held: tuple[HeldCheckpoint, ...]


def _check_held(record: Any, where: str, *, pinned: bool) -> None:
    """A held checkpoint as the witness wrote it; ValueError naming the bad field."""
    if not isinstance(record, dict):
        raise ValueError(f"{where}: không phải đối tượng / not an object")
    size = record.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValueError(
            f"{where}.size: không phải số nguyên ≥ 0 / not a whole number ≥ 0 ({size!r})"
        )
    root = record.get("root_hash")
    if not isinstance(root, str) or not re.fullmatch(r"[0-9a-f]{64}", root):
        raise ValueError(f"{where}.root_hash: không phải 64 chữ số hex / not 64 hexadecimal digits")
    if not isinstance(record.get("note"), str):
        raise ValueError(f"{where}.note: không phải văn bản / not text")
    if pinned or record.get("log_vkey") is not None:
        vkey = record.get("log_vkey")
        if not isinstance(vkey, str):
            raise ValueError(f"{where}.log_vkey: không phải văn bản / not text")
        try:
            Verifier.from_vkey(vkey)
        except ValueError as exc:  # NoteError, binascii.Error
            raise ValueError(
                f"{where}.log_vkey: không phải khóa kiểm của sổ cái / not a log verifier key "
                f"({exc})"
            ) from None


def check_state(state: Any) -> None:
    """The shape of a witness's state.json; ValueError naming the first bad field (an edited
    or damaged file must be refused, never half read)."""
    if not isinstance(state, dict) or not isinstance(state.get("logs"), dict):
        raise ValueError("không phải trạng thái nhân chứng / not a witness state object")
    for key in ("name", "vkey"):
        if not isinstance(state.get(key), str):
            raise ValueError(f"{key}: không phải văn bản / not text")
    for origin, log in state["logs"].items():
        _check_held(log, f"logs[{origin!r}]", pinned=True)


def history_records(directory: Path) -> list[dict[str, Any]]:
    """Every record of the witness's `history.jsonl`, oldest first, each with its `line`
    number; ValueError naming the file and line of the first one that cannot be read."""
    history = directory / HISTORY_FILE
    records: list[dict[str, Any]] = []
    if not history.is_file():
        return records
    lines = history.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{history} line {number}"
        try:
            r = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"{where}: không phải JSON / not JSON ({exc})") from None
        _check_held(r, where, pinned=False)
        if not isinstance(r.get("origin"), str):
            raise ValueError(f"{where}.origin: không phải văn bản / not text")
        records.append(r | {"line": number})
    return records


def read_history(directory: Path) -> list[HeldCheckpoint]:
    """Every checkpoint the witness's `history.jsonl` records; ValueError naming the file and
    line of the first one that cannot be read."""
    return [
        HeldCheckpoint(
            r["origin"],
            r["size"],
            bytes.fromhex(r["root_hash"]),
            r["note"],
            where=f"{directory / HISTORY_FILE} line {r['line']}",
            log_vkey=r.get("log_vkey"),
        )
        for r in history_records(directory)
    ]


def _latest(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The last history record of each origin."""
    return {r["origin"]: r for r in records}


def state_from_history(records: list[dict[str, Any]], *, name: str, vkey: str) -> dict[str, Any]:
    """The state a witness holds according to its history: for each origin its last record,
    with the log key the history recorded for it (None when no record of it has the key)."""
    keys: dict[str, str] = {}
    for r in records:
        if r.get("log_vkey") is not None:
            keys[r["origin"]] = r["log_vkey"]
    return {
        "name": name,
        "vkey": vkey,
        "logs": {
            origin: {
                "log_vkey": keys.get(origin),
                "size": r["size"],
                "root_hash": r["root_hash"],
                "note": r["note"],
                "cosigned_at": r.get("cosigned_at"),
            }
            for origin, r in _latest(records).items()
        },
    }


def _agrees_with_history(state: dict[str, Any], records: list[dict[str, Any]], path: Path) -> None:
    """WitnessRefusal unless state.json holds, for every origin, the last checkpoint the
    history records for it (and nothing the history does not record)."""
    history = path.parent / HISTORY_FILE
    latest = _latest(records)
    fix = f"remove {path} to rebuild it from {history}, or restore both from a backup"
    fix_vi = f"hãy xóa {path} để dựng lại từ {history}, hoặc khôi phục cả hai từ bản sao lưu"
    for origin, log in state["logs"].items():
        last = latest.get(origin)
        if last is None:
            raise WitnessRefusal(
                "damaged_state",
                f"{path} holds {origin} at {log['size']} leaves but {history} records no "
                f"checkpoint of it; {fix}",
                vi=f"{path} giữ {origin} ở {log['size']} lá nhưng {history} không ghi "
                f"checkpoint nào của nó; {fix_vi}",
            )
        if (log["size"], log["root_hash"], log["note"]) == (
            last["size"],
            last["root_hash"],
            last["note"],
        ):
            pinned = last.get("log_vkey")
            if pinned is not None and pinned != log["log_vkey"]:
                raise WitnessRefusal(
                    "damaged_state",
                    f"{path} pins another log key for {origin} than {history} line "
                    f"{last['line']} ({pinned}); {fix}",
                    vi=f"{path} ghim cho {origin} một khóa sổ cái khác với {history} dòng "
                    f"{last['line']} ({pinned}); {fix_vi}",
                )
            continue
        code = "rollback" if log["size"] < last["size"] else "damaged_state"
        raise WitnessRefusal(
            code,
            f"{path} holds {origin} at {log['size']} leaves, root {log['root_hash'][:16]}…, but "
            f"{history} line {last['line']} records that this witness cosigned {last['size']} "
            f"leaves, root {last['root_hash'][:16]}…: state.json was "
            + ("rolled back" if code == "rollback" else "changed")
            + f"; {fix}",
            size=last["size"],
            vi=f"{path} giữ {origin} ở {log['size']} lá, gốc {log['root_hash'][:16]}…, nhưng "
            f"{history} dòng {last['line']} ghi rằng nhân chứng này đã đồng ký {last['size']} "
            f"lá, gốc {last['root_hash'][:16]}…: state.json đã bị "
            + ("quay lui" if code == "rollback" else "sửa")
            + f"; {fix_vi}",
        )
    for origin, last in latest.items():
        if origin not in state["logs"]:
            raise WitnessRefusal(
                "rollback",
                f"{path} holds nothing of {origin} but {history} line {last['line']} records "
                f"that this witness cosigned {last['size']} leaves of it; {fix}",
                size=last["size"],
                vi=f"{path} không giữ gì của {origin} nhưng {history} dòng {last['line']} ghi "
                f"rằng nhân chứng này đã đồng ký {last['size']} lá của nó; {fix_vi}",
            )


def read_witness_state(directory: str | Path) -> WitnessView:
    """What an inspector checks the log against: every checkpoint the history records, and
    the latest one of each log state.json holds. A directory whose state.json is gone is
    read from its history alone (the witness named after the directory, its key unknown);
    FileNotFoundError when it holds neither."""
    d = Path(directory)
    path = d / STATE_FILE
    if not path.is_file():
        records = history_records(d)
        if not records:
            raise FileNotFoundError(
                f"{d}: không có trạng thái nhân chứng ({STATE_FILE}, {HISTORY_FILE}) / no "
                f"witness state ({STATE_FILE} or {HISTORY_FILE})"
            )
        rebuilt = state_from_history(records, name=d.name, vkey="")
        return WitnessView(
            str(d),
            d.name,
            None,
            {o: log["log_vkey"] for o, log in rebuilt["logs"].items() if log["log_vkey"]},
            tuple(read_history(d)),
        )
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(
            f"{path}: không phải trạng thái nhân chứng / not a witness state ({exc})"
        ) from None
    check_state(state)
    held = read_history(d)
    for origin, log in state.get("logs", {}).items():
        latest = HeldCheckpoint(
            origin,
            log["size"],
            bytes.fromhex(log["root_hash"]),
            log["note"],
            where=str(path),
            log_vkey=log["log_vkey"],
        )
        if latest not in held:
            held.append(latest)
    return WitnessView(
        str(d),
        state["name"],
        state["vkey"],
        {o: log["log_vkey"] for o, log in state.get("logs", {}).items()},
        tuple(held),
    )


def configured_witness_keys(environ: Any = None) -> list[str]:
    """The witness verifier keys the union trusts (`PHUCLOI_WITNESS_KEYS`: vkeys separated by
    spaces, commas or new lines), which the inspectors' page and a plain `audit verify` check
    cosignatures against; [] when none is configured. ValueError (both languages) naming the
    variable and the key when one is not a witness verifier key."""
    raw = (os.environ if environ is None else environ).get(WITNESS_KEYS_ENV, "")
    keys = [k for k in re.split(r"[\s,]+", raw) if k]
    for k in keys:
        try:
            CosignatureVerifier.from_vkey(k)
        except ValueError as exc:  # NoteError, binascii.Error
            raise ValueError(
                f"{WITNESS_KEYS_ENV}: {k!r} không phải khóa kiểm của nhân chứng / is not a "
                f"witness verifier key ({exc})"
            ) from None
    return keys


def configured_log_key(environ: Any = None) -> str | None:
    """The ledger's checkpoint verifier key as the union published it (`PHUCLOI_LOG_KEY`), which
    `audit verify`, `audit witness` and the web pages check checkpoints with instead of the key
    the database holds (whoever administers the database could replace that one and re-sign);
    None when it is not set. ValueError (both languages) naming the variable when it is not a
    verifier key."""
    raw = (os.environ if environ is None else environ).get(LOG_KEY_ENV, "").strip()
    if not raw:
        return None
    try:
        Verifier.from_vkey(raw)
    except ValueError as exc:  # NoteError, binascii.Error
        raise ValueError(
            f"{LOG_KEY_ENV}: {raw!r} không phải khóa kiểm của sổ cái / is not the ledger's "
            f"verifier key ({exc})"
        ) from None
    return raw
