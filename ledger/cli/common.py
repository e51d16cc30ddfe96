"""Shared plumbing of the CLI: the lazily opened ledger, signing, parsing options, output.

Conventions every command follows:
- The ledger is opened only by commands that need it (`state().open()`), from `--db`, else
  `PHUCLOI_DATABASE_URL`, else the SQLite file `$PHUCLOI_HOME/phucloi.db`. Only `init` and
  `demo` create a SQLite file that does not exist yet.
- A database that is neither empty nor a phucloi ledger (another application's SQLite file,
  a file that is not a database) is a usage error naming `--db` / `PHUCLOI_DATABASE_URL`,
  and is left exactly as it was: it is never migrated (`ledger.schema.check_database`).
- A refusal by the ledger (`LedgerError`) prints "Lỗi / Error: vi / en" and each problem
  to stderr and exits 1. A usage problem (bad option value, unknown key, wrong passphrase,
  bad database URL) raises `UsageProblem`, printed the same way, exit 2. Neither prints a
  Python traceback.
- Amounts are typed as people write them ("1.250.000", "1250000 đ") and shown as
  "1.250.000 đ"; dates are typed YYYY-MM-DD or dd/mm/yyyy and shown dd/mm/yyyy.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import click
import typer
from eventsourcing.persistence import InternalError as PersistenceInternalError
from eventsourcing.persistence import OperationalError as PersistenceOperationalError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InternalError as SQLAlchemyInternalError
from sqlalchemy.exc import OperationalError as SQLAlchemyOperationalError
from sqlalchemy.exc import SQLAlchemyError
from typer.core import TyperGroup

from ledger.application import Receipt
from ledger.bootstrap import Context, open_ledger
from ledger.canonical import CanonicalError
from ledger.cli.usage_vi import NoArgsIsHelpError, UsageError, bilingual, vietnamese
from ledger.client import OfficerSigner, build, cosign, normalise_personal
from ledger.config import (
    DatabaseUrlError,
    Settings,
    StoreTarget,
    hide_password,
    parse_database_url,
)
from ledger.domain.commands import MAX_MONEY
from ledger.domain.errors import LedgerError
from ledger.domain.money import format_dong, parse_dong
from ledger.keystore import Keystore, KeystoreError, default_keystore_dir
from ledger.privacy import name_problem
from ledger.schema import NotALedger, check_database, current_revision, head_revision
from ledger.store import storage_refusal

PASSPHRASE_ENV = "PHUCLOI_PASSPHRASE"
COSIGN_PASSPHRASE_ENV = "PHUCLOI_COSIGN_PASSPHRASE"

E = TypeVar("E", bound=Enum)

# --- options shared by many commands ----------------------------------------------------------

AsOfficer = Annotated[
    str,
    typer.Option(
        "--as",
        metavar="OFFICER",
        help="Cán bộ ký lệnh: mã cán bộ = tên khóa trong keystore (signing officer).",
    ),
]
# Free text signed in clear: it goes into the signed event, every export bundle and every
# copy, and no erasure reaches it (README, "Personal data").
PUBLIC_TEXT = "Ký công khai, không xóa được: không ghi tên, số giấy tờ hay bệnh tật"
PUBLIC_TEXT_EN = "signed in clear and permanent: no names, ID numbers or health data"


def public_help(vi: str, en: str) -> str:
    """Help of a free-text option signed in clear: what it is, and the warning."""
    return f"{vi}. {PUBLIC_TEXT} ({en}; {PUBLIC_TEXT_EN})."


# Whether the command running asked for --json: its refusals then go to stdout as JSON too.
_JSON_WANTED: ContextVar[bool] = ContextVar("phucloi_json_wanted", default=False)


def _json_wanted(value: bool) -> bool:
    if value:
        _JSON_WANTED.set(True)
    return value


JsonFlag = Annotated[
    bool,
    typer.Option(
        "--json", help="In kết quả dạng JSON (machine-readable output).", callback=_json_wanted
    ),
]
DateOpt = Annotated[
    str | None,
    typer.Option(
        "--date",
        metavar="DATE",
        help="Ngày hiệu lực YYYY-MM-DD hoặc dd/mm/yyyy, mặc định hôm nay (effective date).",
    ),
]
UnitArg = Annotated[str, typer.Argument(metavar="UNIT", help="Mã đơn vị (unit code).")]

STATUS_VI = {
    "recorded": "đã ghi (recorded)",
    "paid": "đã chi (paid)",
    "pending": "chờ Chủ tịch duyệt (pending approval)",
    "refused": "bị từ chối (refused)",
}


# --- errors ---------------------------------------------------------------------------------


class UsageProblem(Exception):
    """A problem with how the command was called (exit status 2)."""


def usage(message: str) -> NoReturn:
    raise UsageProblem(message)


def both(vi: str, en: str) -> str:
    """ "vi / en", or the message once where there is only one (or it already holds both)."""
    return vi if vi == en or en in vi else f"{vi} / {en}"


# The command being run (its options name the fields of the ledger's refusals).
_RUNNING: ContextVar[Any] = ContextVar("phucloi_running", default=None)
# fields whose option is not named after them
_FIELD_OPTIONS: dict[str, tuple[str, ...]] = {
    "effective_date": ("--date",),
    "cosignatures": ("--cosign-as", "--await-approval"),
}


def option_of(field: str, command: Any = None) -> str | None:
    """The option(s) of the running command that set a refused field, e.g. `--amount` for
    `body.amount`, `--reason` for `body.personal.reason`, `--override` for
    `body.override.justification`: the ledger's refusals name the signed command's fields,
    which the officer typing a command never sees. None when the command has no such
    option (the field is then named alone)."""
    command = command or _RUNNING.get()
    if command is None or not field:
        return None
    offered = {o for p in command.params for o in getattr(p, "opts", ())}
    for part in reversed(re.split(r"[.\[\]]+", field.strip("."))):
        wanted = _FIELD_OPTIONS.get(part, (f"--{part.replace('_', '-')}",))
        found = [o for o in wanted if o in offered]
        if found:
            return " / ".join(found)
    return None


def print_ledger_error(exc: LedgerError) -> None:
    typer.echo(f"Lỗi / Error: {both(exc.vi, exc.en)}", err=True)
    for p in exc.problems:
        option = option_of(p.field)
        where = f"{option} ({p.field}): " if option else f"{p.field}: " if p.field else ""
        typer.echo(f"  - {where}{both(p.vi, p.en)}", err=True)


class PhucloiGroup(TyperGroup):
    """The root command group: turns expected errors into messages and exit statuses."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta["phucloi_args"] = list(args)
        try:
            return super().parse_args(ctx, args)
        except NoArgsIsHelpError:
            raise
        except UsageError as exc:
            raise _usage_refusal(exc, args) from None

    def _running(self, ctx: Any) -> Any:
        """The command the arguments name (`record payout`), before it runs; None for a
        group. (Typer vendors its own click: groups are known by `get_command`.)"""
        command: Any = self
        # click 8.2 keeps the subcommand's name apart (`_protected_args`), older clicks in
        # `protected_args`
        protected = getattr(ctx, "_protected_args", None) or getattr(ctx, "protected_args", [])
        for arg in [*protected, *ctx.args]:
            if command is None or not hasattr(command, "get_command"):
                break
            command = command.get_command(ctx, arg)
        return None if hasattr(command, "get_command") else command

    def invoke(self, ctx: Any) -> Any:
        wanted = _JSON_WANTED.set(False)
        running = _RUNNING.set(self._running(ctx))
        try:
            return super().invoke(ctx)
        except NoArgsIsHelpError:
            raise
        except UsageError as exc:  # a subcommand's arguments: missing, unknown, refused
            raise _usage_refusal(exc, ctx.meta.get("phucloi_args", [])) from None
        except LedgerError as exc:
            print_ledger_error(exc)
            _json_refusal(exc.code, exc.vi, exc.en, exc.problems)
            raise typer.Exit(1) from None
        except (UsageProblem, KeystoreError) as exc:
            typer.echo(f"Lỗi / Error: {exc}", err=True)
            _json_refusal("usage", str(exc), str(exc), [])
            raise typer.Exit(2) from None
        except (
            PersistenceOperationalError,
            PersistenceInternalError,
            SQLAlchemyOperationalError,
            SQLAlchemyInternalError,
        ) as exc:  # the database refused: disk full, read-only, connection lost
            vi, en = storage_refusal(exc)
            typer.echo(f"Lỗi / Error: {vi} / {en}", err=True)
            _json_refusal("storage", vi, en, [])
            raise typer.Exit(1) from None
        finally:
            _JSON_WANTED.reset(wanted)
            _RUNNING.reset(running)


def _usage_refusal(exc: Any, args: Sequence[str]) -> Any:
    """A click usage error made bilingual, and with --json on the command line also said on
    stdout (`usage`): click refuses before --json's own callback may have run, or for a
    command it never found."""
    given = list(args)
    if "--json" in (given[: given.index("--")] if "--" in given else given):
        wanted = _JSON_WANTED.set(True)
        _json_refusal("usage", vietnamese(exc), exc.format_message(), [])
        _JSON_WANTED.reset(wanted)
    return bilingual(exc)


def _json_refusal(code: str, vi: str, en: str, problems: Sequence[Any]) -> None:
    """With --json, a refusal is also printed on stdout in the API's error shape, so a script
    reads why as it reads a result (the bilingual text still goes to stderr)."""
    if not _JSON_WANTED.get():
        return
    emit_json(
        {
            "ok": False,
            "code": code,
            "message": both(vi, en),
            "message_vi": vi,
            "message_en": en,
            "problems": [
                {"field": p.field, "code": p.code, "message_vi": p.vi, "message_en": p.en}
                | ({"ref": p.ref} if getattr(p, "ref", None) else {})
                for p in problems
            ],
        }
    )


# --- the ledger, opened lazily ---------------------------------------------------------------


def safe_url(raw: str) -> str:
    """The URL with any password hidden (for messages)."""
    return hide_password(raw)


@dataclass
class State:
    """Per-invocation state: the `--db` option and the ledger once opened."""

    db: str | None = None
    _context: Context | None = None
    _url: tuple[str, str] | None = None

    def url(self) -> tuple[str, str]:
        """The database URL and where it came from (for error messages), read from the
        option or the environment once per invocation."""
        if self._url is None:
            self._url = self._read_url()
        return self._url

    def _read_url(self) -> tuple[str, str]:
        if self.db:
            return self.db, "--db"
        settings = Settings()
        if settings.database_url:
            return settings.database_url, "PHUCLOI_DATABASE_URL"
        return settings.url(), "PHUCLOI_HOME"

    def target(self, *, create: bool = False) -> StoreTarget:
        """The selected store, parsed; a usage error for a bad URL, or (unless `create`) for
        a SQLite file that does not exist."""
        url, source = self.url()
        try:
            target = parse_database_url(url)
        except DatabaseUrlError as exc:
            usage(
                f"{source}: URL cơ sở dữ liệu không dùng được / unusable database URL "
                f"{safe_url(url)!r}: {exc}"
            )
        if target.sqlite_path and not create and not Path(target.sqlite_path).exists():
            usage(
                f"{source}: chưa có cơ sở dữ liệu / no database at {target.sqlite_path}; "
                "tạo bằng / create it with `phucloi init` (hoặc / or `phucloi demo`)"
            )
        return target

    def open(self, *, create: bool = False) -> Context:
        """The ledger, opened once per invocation; its schema brought up to date.

        Only `create` (`phucloi init`, `phucloi demo`) makes a new SQLite file: any other
        command on a file that does not exist (a mistyped path) says so instead of answering
        from a new, empty ledger.
        """
        if self._context is not None:
            return self._context
        url, _source = self.url()
        self.target(create=create)
        with self._opening():
            self._context = open_ledger(url)
        return self._context

    def read_engine(self) -> Engine:
        """A plain engine on the selected ledger, for commands that only read it (verify,
        export, proofs, a witness round): never migrated, and refused (exit 2) unless the
        database is a phucloi ledger; an empty one is not a ledger yet."""
        from ledger.bootstrap import make_engine

        url, source = self.url()
        target = self.target()
        with self._opening():
            engine = make_engine(target)
            try:
                found = check_database(target, engine)
            except BaseException:
                engine.dispose()
                raise
        if found != "ledger":
            engine.dispose()
            usage(
                f"{source}: cơ sở dữ liệu {safe_url(url)!r} rỗng, chưa là sổ cái phucloi / "
                "the database is empty, not yet a phucloi ledger; tạo bằng / create it with "
                "`phucloi init`"
            )
        with self._opening():
            have, need = current_revision(engine), head_revision()
        if have != need:
            # These commands never change the database; reading an older schema with this
            # version's queries would fail part-way (a read model it does not have yet).
            engine.dispose()
            usage(
                f"{source}: sổ cái {safe_url(url)!r} dùng lược đồ cũ ({have}), phiên bản này "
                f"cần {need}; lệnh này không sửa cơ sở dữ liệu: chạy một lệnh khác trước (ví dụ "
                "`phucloi projections status`) để nâng cấp, rồi chạy lại / the ledger's schema "
                f"is older ({have}) than this version's ({need}) and this command never changes "
                "the database: run another command first (e.g. `phucloi projections status`) "
                "to upgrade it, then run this one again"
            )
        return engine

    @contextmanager
    def _opening(self) -> Iterator[None]:
        """Turn what can go wrong opening the database into a usage error naming it."""
        url, source = self.url()
        try:
            yield
        except NotALedger as exc:
            usage(
                f"{source}: {safe_url(url)!r} không phải sổ cái phucloi / is not a phucloi "
                f"ledger: {exc}; không thay đổi gì / it was left untouched"
            )
        except (SQLAlchemyError, OSError, sqlite3.Error) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            usage(
                f"{source}: không mở được cơ sở dữ liệu / cannot open the database "
                f"{safe_url(url)!r}: {first}"
            )
        except Exception as exc:  # eventsourcing's own persistence errors
            if type(exc).__module__.startswith(("eventsourcing", "psycopg")):
                usage(
                    f"{source}: không mở được cơ sở dữ liệu / cannot open the database "
                    f"{safe_url(url)!r}: {exc}"
                )
            raise

    def close(self) -> None:
        if self._context is not None:
            self._context.close()
            self._context = None


_STATE: ContextVar[State | None] = ContextVar("phucloi_cli_state", default=None)


def exit_on_sigterm() -> Callable[[], None]:
    """SIGTERM (sent by `timeout`, systemd, a CI cancel) ends the command as an exception, as
    Ctrl-C does: every `with` block and `finally` runs (a verification's scratch copy of the
    read models is removed, connections are closed); exit status 143. A forked worker process
    still dies at once, as by default. Returns what puts the previous handler back (for a
    program that runs the command in its own process, as the tests do)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    owner = os.getpid()

    def handler(signum: int, frame: Any) -> None:
        if os.getpid() != owner:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore


def begin(ctx: typer.Context, db: str | None) -> State:
    """Start an invocation (the root callback): remember `--db`, close the ledger at the end."""
    restore = exit_on_sigterm()
    current = State(db=db)
    _STATE.set(current)
    ctx.obj = current
    ctx.call_on_close(current.close)
    ctx.call_on_close(restore)
    return current


def state() -> State:
    current = _STATE.get()
    if current is None:
        current = State()
        _STATE.set(current)
    return current


def open_context(*, create: bool = False) -> Context:
    return state().open(create=create)


# --- keys and signing ---------------------------------------------------------------------------


def keystore() -> Keystore:
    return Keystore(default_keystore_dir())


def passphrase(env: str, prompt: str, *, confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value:
        return value
    return ask_secret(prompt, env, confirm=confirm)


def ask_secret(prompt: str, env: str, *, confirm: bool = False) -> str:
    """A secret typed at the prompt; when none can be read (a script with no terminal, end of
    input, Ctrl-C) a usage error, exit 2, naming the variable that gives it without a prompt:
    nothing was submitted, so it is not the ledger's refusal (exit 1)."""
    try:
        return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm))
    except (click.exceptions.Abort, typer.Abort):
        usage(
            f"không nhận được mật khẩu ({prompt}); đặt biến {env} khi chạy không có bàn phím / "
            f"no passphrase was given; set {env} when running without a terminal"
        )


def officer_signer(code: str, *, option: str = "--as", env: str = PASSPHRASE_ENV) -> OfficerSigner:
    """Unlock the officer's key and wrap it for signing: the keystore key named after the
    officer code, unless the ledger registered another key for the officer since
    (`officers rotate-key CODE --key NAME`) and the keystore holds it under that name."""
    ks = keystore()
    name = _current_key_name(ks, code)
    try:
        ks.public(name)
    except KeystoreError as exc:
        usage(
            f"{option} {code}: {exc} (keystore {ks.directory}; "
            f"tạo khóa bằng / create it with `phucloi keys new {code}`)"
        )
    label = code if name == code else f"{name} ({code})"
    secret = passphrase(env, f"Mật khẩu khóa {label} (passphrase)")
    try:
        signer = ks.load_signer(name, secret)
    except KeystoreError as exc:
        usage(f"{option} {code}: {exc}")
    return OfficerSigner(code, signer)


def _current_key_name(ks: Keystore, code: str) -> str:
    """The keystore name of the officer's key in force in the ledger: `code` itself when that
    is it (or when the ledger cannot say: no database yet, no such officer, a retired key kept
    nowhere else, which the ledger then refuses naming the key), else the one key stored under
    another name with the registered public key."""
    try:
        officer = open_context().ledger.get_officer(code)
    except UsageProblem:
        return code
    if officer is None:
        return code
    current = {k.public_key for k in officer.keys.values() if k.retired_at is None}
    held = [k for k in ks.list() if k.public_key_b64 in current]
    if not held or any(k.name == code for k in held):
        return code
    return held[0].name


def signed(
    type_: str,
    *,
    by: OfficerSigner,
    body: dict[str, Any],
    unit: str | None = None,
    effective_date: date | str | None = None,
    personal: dict[str, str | None] | None = None,
    cosigner: OfficerSigner | None = None,
) -> dict[str, Any]:
    try:
        item = build(
            type_,
            by=by,
            body=body,
            unit=unit,
            effective_date=effective_date,
            personal={k: v for k, v in (personal or {}).items() if v is not None} or None,
        )
    except CanonicalError as exc:  # a number beyond what signed JSON carries exactly
        usage(f"giá trị không hợp lệ: {exc.vi} / invalid value: {exc}")
    return cosign(item, by=cosigner) if cosigner is not None else item


def submit_one(item: dict[str, Any], *, as_json: bool) -> Receipt:
    receipt = open_context().ledger.submit(item)
    print_receipts([receipt], as_json=as_json)
    if not as_json:
        print_signed(item)
    return receipt


def print_signed(item: Mapping[str, Any]) -> None:
    """What the officer signed and the ledger stored, as people read it: the member, the
    amount and the effective date (a typo of 300 for 300.000 đ shows here, not in a report)."""
    command = item.get("command", {})
    body = command.get("body", {})
    if isinstance(body.get("member"), str):
        typer.echo(f"  Đoàn viên (member):     {body['member']}")
    if isinstance(body.get("amount"), int) and not isinstance(body["amount"], bool):
        typer.echo(f"  Số tiền (amount):       {format_dong(body['amount'])}")
    if isinstance(command.get("effective_date"), str):
        typer.echo(f"  Ngày hiệu lực (date):   {fmt_date(command['effective_date'])}")


def sign_and_submit(
    type_: str,
    *,
    as_: str,
    as_json: bool,
    body: dict[str, Any],
    unit: str | None = None,
    effective_date: date | str | None = None,
    personal: dict[str, str | None] | None = None,
) -> Receipt:
    """Sign one command with the `--as` officer's key, record it, print the receipt."""
    item = signed(
        type_,
        by=officer_signer(as_),
        body=body,
        unit=unit,
        effective_date=effective_date,
        personal=personal,
    )
    return submit_one(item, as_json=as_json)


# --- parsing option values -------------------------------------------------------------------


def amount(option: str, text: str) -> int:
    try:
        value = parse_dong(text)
    except (ValueError, TypeError) as exc:
        usage(f"{option}: số tiền không hợp lệ / invalid amount: {exc}")
    if value > MAX_MONEY:
        usage(
            f"{option}: số tiền vượt {format_dong(MAX_MONEY)} / amount above "
            f"{format_dong(MAX_MONEY)}: {text}"
        )
    return value


def optional_amount(option: str, text: str | None) -> int | None:
    return None if text is None else amount(option, text)


_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_day(text: str) -> date:
    """`YYYY-MM-DD` or `dd/mm/yyyy`; ValueError otherwise."""
    text = text.strip()
    m = _DMY.fullmatch(text)
    if m:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f"{text!r}")
    return date.fromisoformat(text)


def day(option: str, text: str) -> date:
    try:
        return parse_day(text)
    except ValueError:
        usage(f"{option}: ngày không hợp lệ / invalid date {text!r} (YYYY-MM-DD hoặc dd/mm/yyyy)")


def optional_day(option: str, text: str | None) -> date | None:
    return None if text is None else day(option, text)


def month(option: str, text: str) -> str:
    """`YYYY-MM` or `mm/yyyy` → `YYYY-MM`."""
    t = text.strip()
    m = re.fullmatch(r"([0-9]{1,2})/([0-9]{4})", t)
    if m:
        t = f"{m.group(2)}-{int(m.group(1)):02d}"
    if not re.fullmatch(r"(19|20)[0-9]{2}-(0[1-9]|1[0-2])", t):
        usage(f"{option}: tháng không hợp lệ / invalid month {text!r} (YYYY-MM, ví dụ 2025-03)")
    return t


def choice(option: str, value: str, allowed: type[E] | Sequence[str] | Sequence[E]) -> str:
    """Check a value against an enum or some of its members (showing Vietnamese labels), or
    a list of values."""
    options: list[Any] = list(allowed)  # an Enum class iterates over its members
    if all(isinstance(a, Enum) for a in options):
        values = [str(m.value) for m in options]
        shown = ", ".join(
            f"{m.value} ({m.label_vi})" if hasattr(m, "label_vi") else str(m.value) for m in options
        )
    else:
        values = [str(a) for a in options]
        shown = ", ".join(values)
    if value not in values:
        usage(f"{option}: giá trị không hợp lệ / invalid value {value!r}; chọn / choose: {shown}")
    return value


def personal_value(option: str, field_: str, value: str | None) -> str | None:
    """Normalise a personal field the way the client signs it, naming the option on error."""
    if value is None:
        return None
    try:
        normal = normalise_personal(field_, value)
    except (ValueError, TypeError) as exc:
        usage(f"{option}: {exc}")
    if not normal:
        usage(f"{option}: không được để trống / must not be empty")
    bad_name = name_problem(normal) if field_ == "full_name" else None
    if bad_name is not None:
        usage(f"{option}: {both(*bad_name)}")
    return normal


# --- output --------------------------------------------------------------------------------


def console(*, stderr: bool = False) -> Console:
    """A console that prints text as it is: no rich markup, so names, messages and findings
    holding brackets (`[name=money]`, a unit called `Công ty [A]`) are shown intact and can
    never break the output; styles are given as `style=` or `Text`, never as markup."""
    stream = sys.stderr if stderr else sys.stdout
    wide = None if stream.isatty() else 160
    return Console(file=stream, width=wide, highlight=False, soft_wrap=False, markup=False)


@contextmanager
def progress_bar(
    label: str, *, show: bool = True, remaining: bool = False
) -> Iterator[Callable[[int, int], None]]:
    """A transient bar on stderr for long work; yields the `progress(done, total)` callback.

    Hidden when not `show` (JSON output, no terminal); `remaining` adds an estimate of the
    time left to the time elapsed.
    """
    columns: list[Any] = [TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    if remaining:
        columns.append(TimeRemainingColumn())
    with Progress(*columns, console=console(stderr=True), transient=True, disable=not show) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def fmt_date(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10]).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return value.strftime("%d/%m/%Y")


def fmt_money(value: int | None) -> str:
    return "—" if value is None else format_dong(value)


def fmt_bp(bp: int) -> str:
    """Basis points as a Vietnamese percentage: 50 → "0,5%", 7500 → "75%"."""
    whole, frac = divmod(bp, 100)
    return f"{whole}%" if frac == 0 else f"{whole},{frac:02d}".rstrip("0") + "%"


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def status_vi(receipt: Receipt) -> str:
    text = STATUS_VI.get(receipt.status, receipt.status)
    return text + (" — đã ghi trước đó (duplicate)" if receipt.duplicate else "")


def print_receipts(receipts: Sequence[Receipt], *, as_json: bool, listed: bool = False) -> None:
    """The receipts; in JSON one object for one command, or a list (always, with `listed`:
    a file's commands, however many the file holds)."""
    if as_json:
        data = [r.as_dict() for r in receipts]
        emit_json(data[0] if len(data) == 1 and not listed else data)
        return
    if len(receipts) == 1:
        r = receipts[0]
        typer.echo(f"Đã ghi / Recorded: {r.command_type}")
        typer.echo(f"  Mã bút toán (event id): {r.event_id}")
        typer.echo(f"  Số thứ tự (seq):        {r.seq}")
        typer.echo(f"  Leaf hash:              {r.leaf_hash[:16]}…")
        typer.echo(f"  Trạng thái (status):    {status_vi(r)}")
        return
    table = Table(title=f"Đã ghi {len(receipts)} lệnh / Recorded {len(receipts)} commands")
    table.add_column("Seq", justify="right")
    table.add_column("Loại lệnh (type)")
    table.add_column("Mã bút toán (event id)", no_wrap=True)
    table.add_column("Leaf hash", no_wrap=True)
    table.add_column("Trạng thái (status)")
    for r in receipts:
        table.add_row(str(r.seq), r.command_type, r.event_id, r.leaf_hash[:16], status_vi(r))
    console().print(table)


def rows_table(
    title: str,
    columns: Iterable[str],
    rows: Iterable[Sequence[str]],
    *,
    keep: Iterable[int] = (),
) -> Table:
    """A rich table; columns whose index is in `keep` are never wrapped or cut (ids, hashes)."""
    rows = [list(r) for r in rows]
    kept = set(keep)
    table = Table(title=title)
    for i, col in enumerate(columns):
        if i in kept:
            width = max([len(col), *(len(str(r[i])) for r in rows)])
            table.add_column(col, no_wrap=True, min_width=width)
        else:
            table.add_column(col)
    for row in rows:
        table.add_row(*row)
    return table
