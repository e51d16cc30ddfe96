"""`phucloi audit …` and `phucloi export`: the inspection committee's commands (Ủy ban kiểm tra).

- `audit checkpoint` signs the current Merkle tree (C2SP tlog-checkpoint) with the ledger key.
- `audit witness --name W` checks the consistency proof from the last checkpoint witness W
  cosigned and only then cosigns the new one (state in `--state DIR`, outside the database).
- `audit prove EVENT_ID` / `audit consistency OLD NEW` print RFC 9162 proofs; a proof is
  against the latest signed checkpoint unless `--size` says otherwise, and a size no proof
  can have is a usage error (exit 2) naming the option or argument.
- `audit verify` replays the whole log (or `--bundle DIR`) and reports every finding with its
  location; exit 0 when everything holds, 1 when anything is wrong (a damaged bundle file
  included), 2 on usage errors (a bundle manifest it cannot go by included).
- `export --out DIR` writes the self-contained bundle `audit verify --bundle` reads.

Verification and export only read the database: they never migrate it or touch read models.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from sqlalchemy.engine import Engine

from audit.checks import check_name, named
from audit.findings import ERROR, Report
from audit.merkle import ProofError, verify_consistency, verify_inclusion
from audit.note import NoteError
from audit.witness import Witness, WitnessRefusal, read_witness_state
from ledger import clock
from ledger.cli.common import (
    PASSPHRASE_ENV,
    AsOfficer,
    JsonFlag,
    both,
    console,
    emit_json,
    fmt_date,
    fmt_money,
    keystore,
    open_context,
    passphrase,
    progress_bar,
    rows_table,
    sign_and_submit,
    state,
    usage,
)

audit_app = typer.Typer(
    help="Kiểm tra, đối chiếu sổ cái bằng cây Merkle và chữ ký (audit trail: checkpoints, "
    "witnesses, proofs, verification).",
    no_args_is_help=True,
)

WitnessStates = Annotated[
    list[Path] | None,
    typer.Option(
        "--witness-state",
        metavar="DIR",
        help="Thư mục trạng thái của nhân chứng; kiểm tra sổ cái khớp mọi checkpoint nhân chứng "
        "đã ký (a witness state directory; repeatable).",
    ),
]


def _engine() -> Engine:
    """A plain engine on the selected ledger (no migration, no read-model catch-up); exit 2
    when the database is not a phucloi ledger."""
    return state().read_engine()


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


# --- checkpoint --------------------------------------------------------------------------------


@audit_app.command("checkpoint")
def checkpoint(as_json: JsonFlag = False) -> None:
    """Ký checkpoint (kích thước cây, gốc Merkle) bằng khóa của sổ cái (sign a checkpoint)."""
    from audit.log import LogError, make_checkpoint, stored_log_vkey

    engine = open_context().engine
    try:
        size, root, note, created = make_checkpoint(engine)
    except LogError as exc:
        vi, en = f"từ chối ký checkpoint: {exc.vi}", f"checkpoint refused: {exc}"
        if as_json:
            emit_json(
                {
                    "created": False,
                    "refusal": exc.code,
                    "message": both(vi, en),
                    "message_vi": vi,
                    "message_en": en,
                }
            )
        typer.echo(f"Lỗi / Error: {both(vi, en)}", err=True)
        raise typer.Exit(1) from None
    vkey = stored_log_vkey(engine)  # what the union publishes, once, as PHUCLOI_LOG_KEY
    if as_json:
        emit_json(
            {"size": size, "root_hash": root, "note": note, "created": created, "log_vkey": vkey}
        )
        return
    typer.echo(
        ("Đã ký checkpoint / Signed checkpoint" if created else "Checkpoint đã có / Already signed")
        + f": {size} bút toán (leaves)"
    )
    typer.echo(f"  Gốc Merkle (root): {root}")
    typer.echo(f"  Khóa kiểm của sổ, để công bố (log vkey, to publish): {vkey}")
    typer.echo(note, nl=False)


# --- witness -----------------------------------------------------------------------------------


def _check_vkey(option: str, vkey: str, *, cosigner: bool = False) -> None:
    """Exit 2 naming the option when `vkey` is not a verifier key (an empty one included: it
    would otherwise read as "no key given" and pin nothing)."""
    from audit.note import CosignatureVerifier, Verifier

    try:
        (CosignatureVerifier if cosigner else Verifier).from_vkey(vkey)
    except NoteError as exc:
        usage(
            f"{option} {vkey!r}: không phải khóa kiểm hợp lệ, cần dạng "
            f"<tên>+<mã khóa>+<khóa base64> / not a verifier key: {exc}"
        )


def _log_key(given: str | None) -> str | None:
    """--log-key, else the key the union published in PHUCLOI_LOG_KEY, else None (the key the
    database holds is used); exit 2 naming the option or the variable when it is no key."""
    if given is not None:
        _check_vkey("--log-key", given)
        return given
    from audit.witness import configured_log_key

    try:
        return configured_log_key()
    except ValueError as exc:
        usage(str(exc))


def _refusal(code: str, lang: str) -> str:
    """A refusal's code with its name (audit.checks): `rollback — log or state rolled back`."""
    name = check_name(code, lang)
    return f"{code} — {name}" if name else code


def _witness_dir(name: str, given: Path | None) -> Path:
    if given is not None:
        return given
    home = Path(os.environ.get("PHUCLOI_HOME") or "~/.phucloi").expanduser()
    return home / "witness" / name


@audit_app.command("witness")
def witness(
    name: Annotated[
        str,
        typer.Option(
            "--name",
            metavar="NAME",
            help="Tên nhân chứng = tên khóa trong keystore (witness name = keystore key).",
        ),
    ],
    state_dir: Annotated[
        Path | None,
        typer.Option(
            "--state",
            metavar="DIR",
            help="Thư mục trạng thái, mặc định $PHUCLOI_HOME/witness/NAME (the witness's state "
            "directory; default $PHUCLOI_HOME/witness/NAME).",
        ),
    ] = None,
    log_key: Annotated[
        str | None,
        typer.Option(
            "--log-key",
            metavar="VKEY",
            help="Khóa kiểm của sổ cái, mặc định $PHUCLOI_LOG_KEY (pin the ledger's checkpoint "
            "verifier key; default $PHUCLOI_LOG_KEY).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Đồng ký checkpoint mới nhất sau khi kiểm tra tính nhất quán (cosign after a consistency
    proof; refuses any rollback or fork)."""
    from audit.log import LogError, cosign_latest
    from ledger.keystore import KeystoreError

    log_key = _log_key(log_key)
    ks = keystore()
    try:
        ks.public(name)
    except KeystoreError as exc:
        usage(f"--name {name}: {exc} (tạo khóa / create it: `phucloi keys new {name}`)")
    signer = ks.load_signer(name, passphrase(PASSPHRASE_ENV, f"Mật khẩu khóa {name}"))
    directory = _witness_dir(name, state_dir)
    w = Witness(directory, name=name, signer=signer)
    engine = _engine()
    try:
        done = cosign_latest(engine, w, log_vkey=log_key)
    except OSError as exc:  # the state directory cannot be read or written
        usage(
            f"--state {directory}: không ghi được trạng thái nhân chứng / cannot keep the "
            f"witness state there: {exc.strerror or exc}"
        )
    except (WitnessRefusal, LogError) as exc:
        code = exc.code
        vi = f"từ chối đồng ký ({_refusal(code, 'vi')}): {exc.vi}"
        en = f"refused to cosign ({_refusal(code, 'en')}): {exc}"
        if as_json:
            emit_json(
                {
                    "cosigned": False,
                    "refusal": code,
                    "message": both(vi, en),
                    "message_vi": vi,
                    "message_en": en,
                }
            )
        typer.echo(f"Lỗi / Error: {both(vi, en)}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    if as_json:
        emit_json(
            {
                "cosigned": True,
                "origin": done.origin,
                "old_size": done.old_size,
                "size": done.size,
                "witness_vkey": w.vkey,
                "cosignature": done.line,
            }
        )
        return
    typer.echo(f"Đã đồng ký / Cosigned {done.origin} at {done.size} leaves (was {done.old_size})")
    typer.echo(f"  Khóa nhân chứng (witness vkey): {w.vkey}")


# --- proofs ------------------------------------------------------------------------------------


@audit_app.command("prove")
def prove(
    event_id: Annotated[str, typer.Argument(metavar="EVENT_ID", help="Mã bút toán (event id).")],
    size: Annotated[
        int | None,
        typer.Option(
            "--size",
            help="Kích thước cây, lớn hơn số thứ tự lá của bút toán, mặc định checkpoint đã ký "
            "mới nhất (tree size, more than the event's leaf index; default the latest signed "
            "checkpoint).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Bằng chứng một bút toán nằm trong cây (RFC 9162 inclusion proof).

    Mặc định theo checkpoint đã ký mới nhất: bút toán ghi sau checkpoint đó bị từ chối (exit
    1) cho đến khi `phucloi audit checkpoint` bao gồm nó. By default the proof is against the
    latest signed checkpoint, and an event recorded after it is refused (exit 1) until
    `phucloi audit checkpoint` covers it; `--size N` proves against any size of the log and
    says whether it is a signed checkpoint."""
    from audit.log import (
        LogError,
        event_seq,
        latest_checkpoint,
        log_size,
        prove_inclusion,
    )

    engine = _engine()
    try:
        seq = event_seq(engine, event_id)
        if seq is None:
            _refuse(
                "unknown_event",
                f"sổ cái không có bút toán {event_id}",
                f"no event {event_id} in the log",
                as_json=as_json,
            )
        stored = log_size(engine)
        if size is None:
            latest = latest_checkpoint(engine)
            if latest is None:
                _refuse(
                    "no_checkpoint",
                    "chưa có checkpoint nào được ký: ký bằng `phucloi audit checkpoint` (hoặc "
                    "dùng --size N để chứng minh theo một kích thước cây chưa ký)",
                    "no checkpoint has been signed yet: sign one with `phucloi audit "
                    "checkpoint` (or give --size N to prove against an unsigned tree size)",
                    as_json=as_json,
                )
            if latest[0] <= seq:
                _refuse(
                    "not_checkpointed",
                    f"bút toán {event_id} (lá {seq}) ghi sau checkpoint mới nhất ({latest[0]} "
                    "lá): chưa có checkpoint đã ký nào bao gồm nó; chạy `phucloi audit "
                    "checkpoint` (hoặc dùng --size N để chứng minh theo một kích thước cây chưa "
                    "ký)",
                    f"event {event_id} (leaf {seq}) was recorded after the latest checkpoint "
                    f"({latest[0]} leaves): it is not yet covered by a signed checkpoint; run "
                    "`phucloi audit checkpoint` (or give --size N to prove against an unsigned "
                    "tree size)",
                    as_json=as_json,
                )
            size = latest[0]
        elif size < 1:
            usage(f"--size {size}: kích thước cây phải ≥ 1 / the tree size must be at least 1")
        elif size > stored:
            usage(f"--size {size}: sổ cái chỉ có {stored} lá / the log has only {stored} leaves")
        elif size <= seq:
            usage(
                f"--size {size}: bút toán {event_id} là lá {seq}, cần --size > {seq} / the "
                f"event is leaf {seq}: --size must be more than {seq}"
            )
        p = prove_inclusion(engine, event_id, size=size)
        # against the signed root when the size is a checkpoint (prove_inclusion checked
        # that it is the root the stored leaves give), else against the stored leaves' root
        root = p.checkpoint.root_hash if p.checkpoint is not None else p.root_hash
        verify_inclusion(leaf_hash=p.leaf_hash, index=p.index, size=p.size, proof=p.path, root=root)
    except (LogError, ProofError) as exc:
        _refuse(
            getattr(exc, "code", "unprovable"),
            getattr(exc, "vi", str(exc)),
            str(exc),
            as_json=as_json,
        )
    finally:
        engine.dispose()
    if as_json:
        emit_json(p.as_dict())
        return
    typer.echo(f"Bút toán {event_id}: lá {p.index} / leaf {p.index} of {p.size}")
    typer.echo(
        f"  checkpoint: đã ký, gốc đã ký khớp / signed at {p.size} leaves, its signed root is "
        "this root"
        if p.checkpoint is not None
        else f"  checkpoint: KHÔNG — cây {p.size} lá chưa được ký / NOT a signed checkpoint"
    )
    labels = [("mã băm lá / leaf hash", p.leaf_hash), (f"gốc / root ({p.size} lá)", p.root_hash)]
    labels += [(f"đường / path[{i}]", h) for i, h in enumerate(p.path)]
    width = max(len(label) for label, _ in labels) + 1
    for label, value in labels:
        typer.echo(f"  {label + ':':<{width}} {value.hex()}")
    if p.checkpoint is not None:
        typer.echo("  checkpoint đã ký / signed checkpoint note:")
        typer.echo(p.checkpoint.note, nl=False)


def _refuse(code: str, vi: str, en: str, *, as_json: bool) -> NoReturn:
    """A proof that cannot be given as asked (exit 1), said in Vietnamese then English; with
    --json also said on stdout (`message` is both, as before; `message_vi`, `message_en`)."""
    message = both(vi, en)
    if as_json:
        emit_json(
            {
                "proved": False,
                "refusal": code,
                "message": message,
                "message_vi": vi,
                "message_en": en,
            }
        )
    typer.echo(f"Lỗi / Error: {message}", err=True)
    raise typer.Exit(1)


@audit_app.command("consistency")
def consistency(
    old: Annotated[
        int, typer.Argument(metavar="OLD", help="Kích thước cũ, ≥ 1 (older tree size).")
    ],
    new: Annotated[
        int,
        typer.Argument(metavar="NEW", help="Kích thước mới, OLD…số lá (newer tree size)."),
    ],
    as_json: JsonFlag = False,
) -> None:
    """Bằng chứng cây NEW mở rộng cây OLD (RFC 9162 consistency proof).

    Cần 1 ≤ OLD ≤ NEW ≤ số lá của sổ cái, nếu không thoát mã 2 / needs 1 ≤ OLD ≤ NEW ≤ the
    log's size, else exit 2."""
    from audit.log import (
        LogError,
        StoredTree,
        check_signed_root,
        log_size,
        prove_consistency,
        signed_checkpoint,
    )

    engine = _engine()
    try:
        stored = log_size(engine)
        if old < 1:
            usage(
                f"OLD {old}: kích thước cũ phải ≥ 1 / the older size must be at least 1 "
                "(RFC 9162: no proof from the empty tree)"
            )
        if old > new:
            usage(f"OLD {old} > NEW {new}: OLD không được lớn hơn NEW / OLD must not exceed NEW")
        if new > stored:
            usage(f"NEW {new}: sổ cái chỉ có {stored} lá / the log has only {stored} leaves")
        proof = prove_consistency(engine, old, new)
        tree = StoredTree(engine)
        r1, r2 = tree.root(old), tree.root(new)
        # each size that is a signed checkpoint must still have the root it signed
        signed = [signed_checkpoint(engine, old), signed_checkpoint(engine, new)]
        for cp, root in zip(signed, (r1, r2), strict=True):
            if cp is not None:
                check_signed_root(cp, root)
        verify_consistency(size1=old, size2=new, root1=r1, root2=r2, proof=proof)
    except (LogError, ProofError) as exc:
        _refuse(
            getattr(exc, "code", "unprovable"),
            getattr(exc, "vi", str(exc)),
            str(exc),
            as_json=as_json,
        )
    finally:
        engine.dispose()
    data = {
        "size1": old,
        "size2": new,
        "root1": r1.hex(),
        "root2": r2.hex(),
        "proof": [p.hex() for p in proof],
        # per size: a signed checkpoint (its signed root is the root above) or not
        "signed_checkpoint1": signed[0] is not None,
        "signed_checkpoint2": signed[1] is not None,
        "checkpoint1": None if signed[0] is None else signed[0].note,
        "checkpoint2": None if signed[1] is None else signed[1].note,
    }
    if as_json:
        emit_json(data)
        return
    typer.echo(
        f"Cây {old} lá là phần đầu của cây {new} lá, bằng chứng đã kiểm tra / the tree of "
        f"{old} leaves is a prefix of the tree of {new} leaves, proof checked"
    )

    def said(cp: Any) -> str:
        return (
            "checkpoint đã ký, gốc đã ký là gốc này / signed checkpoint, its signed root is "
            "this root"
            if cp is not None
            else "KHÔNG phải checkpoint đã ký / NOT a signed checkpoint"
        )

    lines = [
        (f"gốc cũ / old root ({old} lá)", r1.hex()),
        (f"cây cũ / old tree ({old} lá)", said(signed[0])),
        (f"gốc mới / new root ({new} lá)", r2.hex()),
        (f"cây mới / new tree ({new} lá)", said(signed[1])),
        *((f"bằng chứng / proof [{i}]", h.hex()) for i, h in enumerate(proof)),
    ]
    if not proof:
        lines.append(("bằng chứng / proof", "rỗng, hai cây là một / empty: the same tree"))
    width = max(len(label) for label, _ in lines) + 1
    for label, value in lines:
        typer.echo(f"  {label + ':':<{width}} {value}")


# --- a member's saved receipt ---------------------------------------------------------------------


@audit_app.command("receipt")
def receipt(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="Tệp biên nhận JSON đoàn viên đã lưu (the receipt file a member saved, "
            "phucloi/receipt/v1).",
        ),
    ],
    log_key: Annotated[
        str | None,
        typer.Option(
            "--log-key",
            metavar="VKEY",
            help="Khóa kiểm checkpoint được công bố, mặc định $PHUCLOI_LOG_KEY, rồi khóa trong cơ "
            "sở dữ liệu (the published log key; default $PHUCLOI_LOG_KEY, else the database's).",
        ),
    ] = None,
    witness_keys: Annotated[
        list[str] | None,
        typer.Option(
            "--witness-key",
            metavar="VKEY",
            help="Khóa kiểm của nhân chứng tin cậy; mặc định PHUCLOI_WITNESS_KEYS (a trusted "
            "witness vkey; repeatable; default: PHUCLOI_WITNESS_KEYS).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Kiểm tra biên nhận đoàn viên đã lưu (check a member's saved receipt), như trang
    /web/receipt kiểm tra trong trình duyệt.

    Nội dung bút toán, bằng chứng Merkle, chữ ký và chữ ký đồng ký của checkpoint, và
    checkpoint mới nhất của sổ nối tiếp cây của biên nhận (bằng chứng nhất quán). Exit 0 khi
    biên nhận hợp lệ, 1 khi không, 2 khi tệp không phải biên nhận. Checks a member's saved
    receipt as the /web/receipt page does in the browser: the entry's content, the Merkle
    proof, the checkpoint's signature and cosignatures, and that the ledger's newest
    checkpoint extends the receipt's tree. Exit 0 when it holds, 1 when not, 2 when the file
    is not a receipt."""
    from audit.log import (
        LogError,
        latest_checkpoint,
        prove_consistency,
        stored_log_vkey,
        with_cosignatures,
    )
    from audit.receipt import (
        RECEIPT_TEXTS,
        ReceiptError,
        check_receipt,
        parse_receipt,
        read_receipt,
    )
    from ledger.textfiles import NotUtf8, decode_text

    try:
        data = read_receipt(decode_text(file.read_bytes()))
    except OSError as exc:
        usage(f"FILE {file}: không đọc được tệp / cannot read the file ({exc.strerror})")
    except NotUtf8 as exc:
        usage(f"FILE {file}: không phải văn bản UTF-8, dòng {exc.line} / not UTF-8 text")
    except ReceiptError as exc:  # JSON written in a way the format refuses (read strictly)
        usage(
            f"FILE {file}: không phải biên nhận / not a receipt — {exc.field}: {exc.vi} / {exc.en}"
        )
    except ValueError as exc:
        usage(f"FILE {file}: không phải JSON / not JSON ({exc})")
    try:
        parse_receipt(data)
    except ReceiptError as exc:
        usage(
            f"FILE {file}: không phải biên nhận / not a receipt — {exc.field}: {exc.vi} / {exc.en}"
        )
    vkey = _log_key(log_key)
    for k in witness_keys or []:
        _check_vkey("--witness-key", k, cosigner=True)
    if not witness_keys:
        from audit.witness import configured_witness_keys

        try:
            witness_keys = configured_witness_keys()
        except ValueError as exc:
            usage(str(exc))
    engine = _engine()
    try:
        vkey = vkey or stored_log_vkey(engine)
        latest = latest_checkpoint(engine)
        note = None if latest is None else with_cosignatures(engine, latest[0], latest[2])

        def consistency(old: int, new: int) -> list[bytes]:
            try:
                return prove_consistency(engine, old, new)
            except LogError as exc:  # the leaves are not there: the log is not what it signed
                raise ValueError(str(exc)) from None

        verdict = check_receipt(
            data,
            log_vkey=vkey,
            witness_vkeys=witness_keys or [],
            latest_note=note,
            consistency=consistency,
        )
    finally:
        engine.dispose()
    if as_json:
        emit_json(verdict.as_dict())
    else:
        vi, en = verdict.messages()
        if verdict.ok:
            typer.echo(f"Hợp lệ / Holds: {vi} / {en}")
        else:  # word for word what /web/receipt says of the same receipt (RECEIPT_TEXTS)
            lead_vi, lead_en = RECEIPT_TEXTS["lead"]
            typer.echo(f"{lead_vi}{vi} / {lead_en}{en}")
        for w in verdict.witnesses:
            said = {
                "verified": "đã kiểm tra / verified",
                "unknown": "khóa lạ, không kiểm tra / unknown key, not checked",
                "forged": "SAI / does NOT verify",
            }[w["status"]]
            typer.echo(f"  nhân chứng / witness {w['name']} ({w['key_id']}): {said}")
    if not verdict.ok:
        raise typer.Exit(1)


# --- verify ------------------------------------------------------------------------------------


@audit_app.command("verify")
def verify(
    bundle: Annotated[
        Path | None,
        typer.Option(
            "--bundle",
            metavar="DIR",
            help="Kiểm tra gói xuất thay vì cơ sở dữ liệu (verify an export bundle, offline).",
        ),
    ] = None,
    witness_states: WitnessStates = None,
    log_key: Annotated[
        str | None,
        typer.Option(
            "--log-key",
            metavar="VKEY",
            help="Khóa kiểm checkpoint được công bố, mặc định $PHUCLOI_LOG_KEY (pin the log's "
            "verifier key; default $PHUCLOI_LOG_KEY).",
        ),
    ] = None,
    witness_keys: Annotated[
        list[str] | None,
        typer.Option(
            "--witness-key",
            metavar="VKEY",
            help="Khóa kiểm của nhân chứng tin cậy, phải đã đồng ký checkpoint mới nhất; mặc định "
            "các khóa trong PHUCLOI_WITNESS_KEYS (trusted witness vkey: an error unless it "
            "cosigned the latest checkpoint; repeatable; default: PHUCLOI_WITNESS_KEYS).",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="Số tiến trình, mặc định mỗi lõi một tiến trình (processes; default: one per "
            "core).",
        ),
    ] = None,
    record: Annotated[
        bool,
        typer.Option(
            "--record",
            help="Ghi kết quả vào sổ cái để trang kiểm tra hiển thị "
            "(record the verdict for the inspectors' page; database only).",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Kiểm tra toàn bộ sổ cái: chữ ký, cây Merkle, checkpoint, bảng đọc, dữ liệu cá nhân (verify
    everything: signatures, Merkle tree, checkpoints, read models, personal data)."""
    if record and bundle is not None:
        usage("--record: chỉ dùng khi kiểm tra cơ sở dữ liệu / only when verifying the database")
    from audit.source import BundleError, BundleSource, DatabaseSource
    from audit.verify import verify as run

    views = []
    for d in witness_states or []:
        try:
            views.append(read_witness_state(d))
        except (OSError, ValueError) as exc:
            usage(
                f"--witness-state {d}: không dùng được trạng thái nhân chứng / cannot use the "
                f"witness state: {exc}"
            )
    log_key = _log_key(log_key)
    for k in witness_keys or []:
        _check_vkey("--witness-key", k, cosigner=True)
    if not witness_keys:  # the witnesses the union configured, as the inspectors' page uses
        from audit.witness import configured_witness_keys

        try:
            witness_keys = configured_witness_keys()
        except ValueError as exc:
            usage(str(exc))
    source: Any
    if bundle is not None:
        try:
            source = BundleSource(bundle)
        except (BundleError, OSError, ValueError) as exc:
            usage(f"--bundle {bundle}: {exc}")
    else:
        engine = _engine()
        source = DatabaseSource(_url(engine), engine=engine)
    show = console(stderr=True).is_terminal and not as_json
    with progress_bar("Kiểm tra / verifying", show=show) as progress:
        report = run(
            source,
            log_vkey=log_key,
            witnesses=views,
            witness_vkeys=witness_keys or [],
            workers=workers,
            progress=progress,
        )
    source.close()
    if record:
        from audit.runs import record_run

        record_run(engine, report, origin="cli")
    if as_json:
        emit_json(report.as_dict())
    else:
        print_report(report)
    raise typer.Exit(report.exit_code)


def print_report(report: Report) -> None:
    out = console()
    verdict = (
        "ĐẠT / OK: mọi kiểm tra đều đúng"
        if report.ok
        else f"KHÔNG ĐẠT / FAILED: {len(report.errors())} lỗi (errors)"
    )
    typer.echo(f"{verdict}")
    typer.echo(f"  Nguồn (source):        {report.source}")
    typer.echo(f"  Bút toán (events):     {report.events}")
    typer.echo(f"  Cây Merkle (tree):     {report.tree_size} leaves, root {report.root_hash}")
    rate = report.events / report.seconds if report.seconds else 0
    typer.echo(f"  Thời gian (time):      {report.seconds:.2f} s ({rate:,.0f} events/s)")
    if report.findings:
        out.print(
            rows_table(
                "Phát hiện / Findings",
                ["Mức", "Kiểm tra (check)", "Vị trí (where)", "Nội dung (message)"],
                [
                    (
                        f.severity.upper() if f.severity == ERROR else f.severity,
                        named(f.check),
                        f.where(),
                        both(clock.readable(f.text_vi), clock.readable(f.message)),
                    )
                    for f in report.findings
                ],
            )
        )


# --- export ------------------------------------------------------------------------------------


def export(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Thư mục gói xuất (mới hoặc rỗng) / bundle directory (new or empty).",
        ),
    ],
    as_json: JsonFlag = False,
) -> None:
    """Xuất gói tự chứa để kiểm tra ngoại tuyến (export a self-contained bundle for offline
    verification: `phucloi audit verify --bundle DIR`)."""
    from audit.export import ExportError
    from audit.export import export as write_bundle
    from audit.source import DatabaseSource

    engine = _engine()
    source = DatabaseSource(_url(engine), engine=engine)
    show = console(stderr=True).is_terminal and not as_json
    try:
        with progress_bar("Xuất / exporting", show=show) as progress:
            manifest = write_bundle(source, out, progress)
    except ExportError as exc:
        usage(f"--out: {exc}")
    finally:
        source.close()
        engine.dispose()
    if as_json:
        emit_json({k: v for k, v in manifest.items() if k != "sha256"} | {"out": str(out)})
        return
    typer.echo(
        f"Đã xuất / Exported {manifest['log_entries']} bút toán (events), "
        f"{manifest['checkpoints']} checkpoint → {out}"
    )
    typer.echo(f"  Kiểm tra / verify: phucloi audit verify --bundle {out}")


# --- profiteering detection (phát hiện trục lợi), judgments, the inspection report --------------

UnitScope = Annotated[
    str | None,
    typer.Option("--unit", metavar="UNIT", help="Chỉ đơn vị này và cấp dưới (unit and below)."),
]
PeriodScope = Annotated[
    str | None,
    typer.Option(
        "--period",
        metavar="PERIOD",
        help="Kỳ: 2025, 2025-03, 2025-Q1, lunar-2025; mặc định mỗi năm có số liệu (period; "
        "default: every year with data).",
    ),
]
FINDING_ID = re.compile(r"F-[0-9a-f]{16}")
NOTE_MAX = 500  # a judgment's note and reply, as `finding.resolve` takes them (commands.Text)


def _scope(unit: str | None, period: str | None) -> Any:
    from ledger.domain.periods import parse_period

    parsed = None
    if period is not None:
        try:
            parsed = parse_period(period)
        except (ValueError, TypeError) as exc:
            usage(f"--period: {exc}")
    if unit is not None:
        from sqlalchemy import text

        with open_context().engine.connect() as conn:
            known = conn.execute(
                text("SELECT 1 FROM proj_units WHERE code = :c"), {"c": unit}
            ).first()
        if known is None:
            usage(f"--unit: không có đơn vị / no unit {unit!r}")
    return parsed


def _verify_live(ctx: Any, show: bool) -> Any:
    """Full verification of the live database (for detection's signature findings)."""
    from audit.source import DatabaseSource
    from audit.verify import verify as run_verify

    with progress_bar("Kiểm tra chữ ký / verifying", show=show) as progress:
        return run_verify(DatabaseSource(_url(ctx.engine), engine=ctx.engine), progress=progress)


def _run_detect(unit: str | None, period: Any, *, verify_first: bool, show: bool) -> Any:
    from audit.detect import detect as run_detect

    ctx = open_context()
    verification = _verify_live(ctx, show) if verify_first else None
    with progress_bar("Phát hiện / detecting", show=show) as progress:
        return run_detect(
            ctx, unit=unit, period=period, verification=verification, progress=progress
        )


@audit_app.command("detect")
def detect(
    unit: UnitScope = None,
    period: PeriodScope = None,
    with_verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Chạy cả kiểm tra chữ ký và sổ cái đầy đủ để đưa mọi lỗi vào quy tắc 13 (also "
            "run the full verification: rule 13 then reports its every error).",
        ),
    ] = False,
    finding: Annotated[
        str | None,
        typer.Option(
            "--finding",
            metavar="F-…",
            help="Chỉ một phát hiện, đầy đủ: bằng chứng (ngày hiệu lực, lúc ghi vào sổ), kết luận "
            "(one finding in full: its evidence, when each entry was recorded, its judgments).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Phát hiện dấu hiệu trục lợi, nặng nhất trước (profiteering findings, worst first).

    Luôn thoát 0 khi chạy được: đây là báo cáo, không phải phán quyết (exit 0 even with
    findings; 2 on usage errors)."""
    from audit.detect import rule_title
    from audit.rules.base import SEVERITY_VI

    if finding is not None and not FINDING_ID.fullmatch(finding):
        usage(
            f"--finding: mã phát hiện phải có dạng F- và 16 chữ số hex / must be F-<16 hex>: "
            f"{finding!r}"
        )
    parsed = _scope(unit, period)
    show = console(stderr=True).is_terminal and not as_json
    report = _run_detect(unit, parsed, verify_first=with_verify, show=show)
    if finding is not None:
        found = report.find(finding)
        if found is None:
            usage(
                f"--finding: {finding} không có trong các phát hiện hiện tại"
                + (f" của {unit}" if unit else "")
                + (f" trong kỳ {period}" if period else "")
                + " / is not among the current findings"
                + (f" of {unit}" if unit else "")
                + (f" in {period}" if period else "")
            )
        if as_json:
            emit_json(found.as_dict())
        else:
            _print_finding(found)
        return
    if as_json:
        emit_json(report.as_dict())
        return
    out = console()
    rows = []
    for i, f in enumerate(report.findings, start=1):
        rows.append(
            (
                str(i),
                SEVERITY_VI[f.severity],
                rule_title(f.rule),
                f.unit,
                ", ".join(f.people[:4]) + ("…" if len(f.people) > 4 else ""),
                fmt_money(f.amount),
                f.explanation_vi,
                f.id,
                {"open": "mở", "confirmed": "xác nhận", "dismissed": "bác bỏ"}[f.status],
            )
        )
    if rows:
        out.print(
            rows_table(
                f"Phát hiện / Findings ({len(rows)})",
                ["#", "Mức", "Quy tắc", "Đơn vị", "Người", "Số tiền", "Nội dung", "Mã", "TT"],
                rows,
                keep=(7,),
            )
        )
    counts = report.counts()
    typer.echo(
        f"{len(report.findings)} phát hiện / findings trong {report.events} bút toán "
        f"({report.seconds:.1f} s): "
        + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "không có / none")
    )
    if report.findings:
        typer.echo(
            "Bằng chứng của một phát hiện / one finding's evidence: "
            f"phucloi audit detect --finding {report.findings[0].id}"
        )
    if report.stale_judgments:
        typer.echo(
            f"Kết luận không còn áp dụng / judgments set aside or of findings no longer detected "
            f"({len(report.stale_judgments)}): "
            + ", ".join(sorted(report.stale_judgments))
            + " (xem / see `--json` stale_judgments, `phucloi audit report`)"
        )
    for rule_id, message in report.rule_errors.items():
        typer.echo(f"Cảnh báo / Warning: quy tắc {rule_id} lỗi / rule failed: {message}", err=True)


def _instant(value: str | None) -> str:
    """A recorded time (`2025-07-13T09:27:00+00:00`) in Vietnam's time: `13/07/2025 16:27`."""
    from datetime import datetime

    if not value:
        return ""
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return value
    if instant.tzinfo is None:
        return fmt_date(instant)
    return instant.astimezone(clock.VIETNAM).strftime("%d/%m/%Y %H:%M")


def _print_finding(f: Any) -> None:
    """One finding in full, as the inspection report shows it: what, who, how much, the
    evidence with when each entry was recorded, and the inspectors' judgments."""
    from audit.detect import entry_units, recorded_times, rule_title
    from audit.report_html import TYPE_VI
    from audit.rules.base import SEVERITY_VI, STATUS_VI
    from ledger.domain.periods import period_said

    typer.echo(f"Phát hiện / Finding {f.id}")
    for label, value in (
        ("Quy tắc (rule)", f"{rule_title(f.rule)} ({f.rule})"),
        ("Mức (severity)", f"{SEVERITY_VI[f.severity]} ({f.severity})"),
        ("Trạng thái (status)", f"{STATUS_VI[f.status]} ({f.status})"),
        ("Đơn vị (unit)", f.unit or "—"),
        (
            "Kỳ (period)",
            f"{period_said(f.period)} ({period_said(f.period, 'en')})" if f.period else "—",
        ),
        ("Số tiền liên quan (at stake)", fmt_money(f.amount)),
        ("Người liên quan (people)", ", ".join(f.people) or "—"),
    ):
        typer.echo(f"  {label + ':':<30}{value}")
    typer.echo(f"  {f.explanation_vi}")
    typer.echo(f"  {f.explanation_en}")
    engine = open_context().engine
    recorded = recorded_times(engine, (e.event_id for e in f.evidence))
    units = entry_units(engine, (e.event_id for e in f.evidence))
    out = console()
    if f.evidence:
        out.print(
            rows_table(
                "Bằng chứng / Evidence",
                [
                    "Mã bút toán (event id)",
                    "Loại (type)",
                    "Ngày hiệu lực (effective)",
                    "Ghi vào sổ lúc (recorded)",
                    "Đơn vị",
                    "Số tiền",
                    "Người",
                    "Ghi chú",
                ],
                [
                    (
                        e.event_id or "— (ngoài phạm vi / outside this view)",
                        TYPE_VI.get(e.what, e.what),
                        fmt_date(e.on),
                        _instant(recorded.get(e.event_id)),
                        e.unit or units.get(e.event_id, ""),
                        fmt_money(e.amount) if e.amount is not None else "",
                        ", ".join(e.people),
                        e.note,
                    )
                    for e in f.evidence
                ],
                keep=(0,),
            )
        )
    else:
        typer.echo("  Bút toán (events): " + (", ".join(f.event_ids) or "—"))
    if not f.judgments:
        typer.echo("Chưa có kết luận / not judged yet")
    for j in f.judgments:
        decision = (
            "xác nhận vi phạm (confirmed)" if j.decision == "confirm" else "bác bỏ (dismissed)"
        )
        typer.echo(f"Kết luận / Judgment {_instant(j.recorded_at)} · {j.officer}: {decision}")
        typer.echo(f"  Ghi chú (note): {j.note}")
        if j.reply:
            typer.echo(f"  Trả lời đoàn viên (reply to the member): {j.reply}")


@audit_app.command("resolve")
def resolve(
    finding: Annotated[
        str, typer.Argument(metavar="FINDING", help="Mã phát hiện F-… (finding id).")
    ],
    as_: AsOfficer,
    confirm: Annotated[
        bool, typer.Option("--confirm", help="Xác nhận vi phạm (confirm the finding).")
    ] = False,
    dismiss: Annotated[
        bool, typer.Option("--dismiss", help="Bác bỏ (dismiss the finding).")
    ] = False,
    note: Annotated[
        str | None,
        typer.Option(
            "--note",
            metavar="TEXT",
            help="Lý do, căn cứ: chỉ Ủy ban kiểm tra đọc (the inspector's note, kept from members).",
        ),
    ] = None,
    reply: Annotated[
        str | None,
        typer.Option(
            "--reply",
            metavar="TEXT",
            help="Phản ánh của đoàn viên: lời đáp đoàn viên đó sẽ đọc; không ghi dữ liệu cá nhân "
            "của người khác (member_dispute only: the reply the member reads).",
        ),
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option(
            "--unit",
            metavar="UNIT",
            help="Đơn vị ký lệnh, mặc định đơn vị của phát hiện, hoặc đơn vị cấp trên gần nhất "
            "nếu đơn vị đó đã giải thể (the unit the judgment is signed for; default: the "
            "finding's unit, or the nearest union above it once it is dissolved).",
        ),
    ] = None,
    with_verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Tìm cả trong phát hiện của kiểm tra chữ ký đầy đủ (also among the findings of a "
            "full verification).",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Ủy ban kiểm tra xác nhận hoặc bác bỏ một phát hiện, có ký (sign a finding.resolve)."""
    if not FINDING_ID.fullmatch(finding):
        usage(
            f"FINDING: mã phát hiện phải có dạng F- và 16 chữ số hex / must be F-<16 hex>: {finding!r}"
        )
    if confirm == dismiss:
        usage(
            "chọn đúng một trong --confirm hoặc --dismiss / give exactly one of --confirm, --dismiss"
        )
    if note is None or not note.strip():
        usage("--note: cần ghi lý do / a note is required")
    if reply is not None and not reply.strip():
        usage("--reply: lời đáp để trống / the reply is empty")
    for option, value in (("--note", note), ("--reply", reply)):
        if value is not None and len(value.strip()) > NOTE_MAX:
            usage(
                f"{option}: quá dài, {len(value.strip())} ký tự (tối đa {NOTE_MAX}) / too long, "
                f"{len(value.strip())} characters (at most {NOTE_MAX})"
            )
    if unit is not None:
        _scope(unit, None)
    report = _run_detect(None, None, verify_first=with_verify, show=False)
    found = report.find(finding)
    if found is None:
        usage(
            f"FINDING: {finding} không có trong các phát hiện hiện tại / is not among the current "
            "findings (xem / see `phucloi audit detect`)"
        )
    if reply is not None and found.rule != "member_dispute":
        usage(
            f"--reply: chỉ dùng cho phản ánh của đoàn viên (member_dispute), {finding} thuộc quy "
            f"tắc {found.rule} / only for a member's dispute"
        )
    ledger = open_context().ledger
    covering = ledger.ancestors(found.unit) if found.unit else []
    if unit is not None and found.unit is not None and unit not in covering:
        usage(
            f"--unit: {unit} không bao gồm đơn vị {found.unit} của phát hiện / does not "
            f"cover the finding's unit {found.unit}"
        )
    if unit is None and found.unit is not None:
        unit = ledger.acting_unit(found.unit, clock.today_vn())  # the union above if dissolved
    sign_and_submit(
        "finding.resolve",
        as_=as_,
        as_json=as_json,
        body={
            "finding": finding,
            "rule": found.rule,
            "decision": "confirm" if confirm else "dismiss",
            "note": note.strip(),
            **({"reply": reply.strip()} if reply is not None else {}),
        },
        unit=unit,
    )


@audit_app.command("report")
def inspection_report(
    out: Annotated[
        Path, typer.Option("--out", metavar="FILE", help="Tệp HTML (the HTML file to write).")
    ],
    unit: UnitScope = None,
    period: PeriodScope = None,
    no_verify: Annotated[
        bool,
        typer.Option("--no-verify", help="Không chạy kiểm tra chữ ký (skip verification)."),
    ] = False,
    names: Annotated[
        bool,
        typer.Option(
            "--names",
            help="Hiện họ tên đoàn viên, giải mã dữ liệu cá nhân (show members' names, decrypted).",
        ),
    ] = False,
) -> None:
    """Báo cáo kiểm tra dạng HTML tự chứa, tiếng Việt (self-contained inspection report)."""
    from audit.report_html import build_report, render_html

    parsed = _scope(unit, period)
    if out.exists() and out.is_dir():
        usage(f"--out: {out} là thư mục / is a directory")
    if not out.parent.exists():
        usage(f"--out: không có thư mục / no directory {out.parent}")
    ctx = open_context()
    show = console(stderr=True).is_terminal
    verification = None if no_verify else _verify_live(ctx, show)
    with progress_bar("Phát hiện / detecting", show=show) as progress:
        report = build_report(
            ctx,
            unit=unit,
            period=parsed,
            verify=False,
            verification=verification,
            names=names,
            progress=progress,
        )
    out.write_text(render_html(report), encoding="utf-8")
    d = report.detection
    verdict = (
        "chưa kiểm tra / not verified"
        if verification is None
        else ("ĐẠT / OK" if verification.ok else "KHÔNG ĐẠT / FAILED")
    )
    typer.echo(f"Đã ghi báo cáo / Wrote {out}: {len(d.findings)} phát hiện, chữ ký {verdict}")
