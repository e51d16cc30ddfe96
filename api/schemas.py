"""Request and response models of the HTTP API, with an explicit limit on every field.

Invariants:
- A signed command travels exactly as the command line makes it (`ledger.client.build`):
  {"command", "signature", "cosignatures", "openings"}. The envelope's fields are declared
  here as plain strings with patterns (no coercion), and `body` as a JSON object passed
  through untouched, so `SignedItemIn.raw()` gives back the very object that was signed;
  the ledger then validates the body against the command type's own model.
- Each write route accepts only its command types (`signed_item_model`): another type is a
  422 naming `command.type`, before the ledger sees it.
- The OpenAPI document describes, for each write route, one command per type it accepts,
  whose `body` is the very model the ledger validates that type's body with
  (`ledger.domain.commands.COMMANDS`), so the document cannot drift from the validator. Only
  the document changes: requests are still validated as `CommandIn` (body untouched).
- No string anywhere in a request may hold a NUL character or a lone surrogate (they cannot
  be stored or canonicalised): refused with the path of the field.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    TypeAdapter,
    create_model,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from ledger.domain.commands import COMMANDS, Code, KeyId, MemberNo, Uuid


def _clean(value: str) -> str:
    """Text the ledger can store. Our validators say "Vietnamese / English", as
    `ledger.domain.errors.validation_vi` and `validation_en` read them."""
    if "\x00" in value:
        raise ValueError("không được chứa ký tự NUL / must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            "phải là Unicode hợp lệ (không có surrogate lẻ) / "
            "must be valid Unicode (no lone surrogates)"
        ) from None
    return value


def _walk(value: Any, path: str, depth: int = 0) -> None:
    if depth > 20:
        where = path or "body"
        raise ValueError(
            f"{where}: lồng quá sâu (quá 20 cấp) / {where}: nested too deeply (more than 20 levels)"
        )
    if isinstance(value, str):
        try:
            _clean(value)
        except ValueError as exc:
            vi, _, en = str(exc).partition(" / ")
            raise ValueError(f"{path}: {vi} / {path}: {en}") from None
    elif isinstance(value, dict):
        for k, v in value.items():
            _walk(k, path, depth + 1)
            _walk(v, f"{path}.{k}" if path else str(k), depth + 1)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _walk(v, f"{path}[{i}]", depth + 1)


CleanText = Annotated[str, AfterValidator(_clean)]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _says_something(value: str) -> str:
    """A member's own words: something visible, no control characters (as the ledger's free
    text); spaces around are dropped."""
    value = value.strip()
    if _CONTROL.search(value):
        raise ValueError("không được chứa ký tự điều khiển / must not contain control characters")
    if not any(not unicodedata.category(c).startswith(("Z", "C")) for c in value):
        raise ValueError(
            "cần có nội dung: đang để trống hoặc chỉ có khoảng trắng / "
            "must say something: it is empty or only spaces"
        )
    return value


def _one_line_break(value: Any) -> Any:
    """A line break is one character: a browser posts a textarea's breaks as CRLF (HTML form
    submission) while its maxlength counts each as one, so CRLF (and a lone CR) become LF
    before the length is checked."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


StatementText = Annotated[
    str,
    StringConstraints(max_length=2000),
    BeforeValidator(_one_line_break),  # runs first, before the length is checked
    AfterValidator(_clean),
    AfterValidator(_says_something),
]
Base64Text = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]*={0,2}$", max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- signed commands ------------------------------------------------------------------------


class SignerIn(Strict):
    officer: Code
    key_id: KeyId


class CommandIn(Strict):
    """The signed command object (RFC 8785 canonical JSON of it is what is signed)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    schema_: Literal["phucloi/command/v1"] = Field(alias="schema")
    type: str = Field(max_length=40)
    command_id: Uuid = Field(description="Client-generated UUID: retries reuse it.")
    unit: Code | None = None
    effective_date: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")] = Field(
        json_schema_extra={"format": "date"},
        description="The day the command takes effect, YYYY-MM-DD.",
    )
    signer: SignerIn
    signed_at: Annotated[
        str,
        StringConstraints(
            pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"
        ),
    ] = Field(
        json_schema_extra={"format": "date-time"},
        description="When the officer signed, ISO 8601 with a time zone offset.",
    )
    body: dict[str, Any] = Field(
        max_length=30,
        description="The command type's body (ledger.domain.commands); money in integer đồng.",
    )

    @model_validator(mode="after")
    def _clean_body(self) -> CommandIn:
        _walk(self.body, "body")
        return self


class CosignatureIn(Strict):
    officer: Code
    key_id: KeyId
    signature: Base64Text


class OpeningIn(Strict):
    value: Annotated[CleanText, StringConstraints(max_length=2000)]
    salt: Base64Text


class SignedItemIn(Strict):
    """One signed command, as `ledger.client.build` / `cosign` make it."""

    command: CommandIn
    signature: Base64Text
    cosignatures: list[CosignatureIn] = Field(default_factory=list, max_length=3)
    openings: dict[Annotated[str, StringConstraints(max_length=40)], OpeningIn] = Field(
        default_factory=dict, max_length=10
    )

    def raw(self) -> dict[str, Any]:
        """The item as sent: the command exactly as signed (unset optional fields left out)."""
        item: dict[str, Any] = {
            "command": self.command.model_dump(by_alias=True, exclude_unset=True),
            "signature": self.signature,
        }
        if self.cosignatures:
            item["cosignatures"] = [c.model_dump() for c in self.cosignatures]
        if self.openings:
            item["openings"] = {k: v.model_dump() for k, v in self.openings.items()}
        return item


@cache
def documented_command(type_: str) -> type[CommandIn]:
    """The command of one type as the OpenAPI document shows it (never used to validate):
    its `body` is the model `Ledger.submit` validates that type's body with."""
    spec = COMMANDS[type_]
    body = spec.body
    name = "".join(part.capitalize() for part in re.split(r"[._]", type_)) + "Command"
    unit: Any = (Code, ...) if spec.needs_unit else (Code | None, None)
    return create_model(
        name,
        __base__=CommandIn,
        type=(Literal[type_], ...),  # type: ignore[valid-type,arg-type]
        unit=unit,
        body=(
            body,
            Field(
                description=f"The body of {type_} (ledger.domain.commands.{body.__name__}); "
                "money in integer đồng."
            ),
        ),
    )


class DocumentedCommandIn(CommandIn):
    """Validated as `CommandIn` (the body passed through untouched, exactly as signed);
    documented as one `documented_command` per type of `documented_types`, told apart by
    `type`."""

    documented_types: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        variants = tuple(documented_command(t) for t in cls.documented_types)
        if len(variants) == 1:
            return handler(variants[0].__pydantic_core_schema__)
        union = Annotated[Union[variants], Field(discriminator="type")]  # type: ignore[valid-type]  # noqa: UP007
        return handler(TypeAdapter(union).core_schema)


def signed_item_model(name: str, types: tuple[str, ...]) -> type[SignedItemIn]:
    """A SignedItemIn whose `command.type` must be one of `types` (for one route); the
    OpenAPI document shows each type's body (`DocumentedCommandIn`)."""
    command = create_model(
        f"{name}Command",
        __base__=DocumentedCommandIn,
        type=(Literal[types], ...),  # type: ignore[valid-type,arg-type]
    )
    command.documented_types = types
    return create_model(name, __base__=SignedItemIn, command=(command, ...))


class ReceiptOut(BaseModel):
    event_id: str
    seq: int
    leaf_hash: str
    command_type: str
    status: str
    recorded_at: str
    digest: str


class ProblemOut(BaseModel):
    field: str
    code: str
    message_vi: str
    message_en: str
    ref: str | None = Field(
        default=None,
        description="The id of the entry the problem is about, when the message names it in "
        "words (e.g. the earlier decision of `fee_relief_overlaps`)",
    )


class ErrorOut(BaseModel):
    """Every refusal: a stable code, a Vietnamese and an English message, field problems."""

    code: str
    message_vi: str
    message_en: str
    problems: list[ProblemOut] = []


# What every route taking a JSON body may answer before reading it: 413 over the size limit
# (api.app), 415 without a JSON Content-Type (api.body.JsonRoute).
BODY_REFUSALS = (413, 415)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the refusals a route can give."""
    return {s: {"model": ErrorOut} for s in statuses}


# --- authentication ---------------------------------------------------------------------------


class LoginIn(Strict):
    kind: Literal["officer", "member"] = Field(
        description="officer: officer code + password; member: member number + PIN"
    )
    username: Code
    secret: Annotated[CleanText, StringConstraints(min_length=1, max_length=200)]


class AccountOut(BaseModel):
    kind: str
    subject: str
    roles: list[dict[str, str]]


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: str
    account: AccountOut


# --- what members say ---------------------------------------------------------------------------


REQUEST_ID = (
    "Optional client-generated UUID, the same on every retry of this statement: a retry "
    "after a lost answer gets the original receipt (header Idempotent-Replayed: true), "
    "never a second statement."
)


class DisputeIn(Strict):
    """Phản ánh: an entry of my history is wrong."""

    entry: Uuid = Field(description="The event id of the disputed entry.")
    reason: Literal["not_received", "amount_differs", "not_mine", "other"]
    text: StatementText = Field(
        description="What the member says, in their own words (sealed personal data)."
    )
    request_id: Uuid | None = Field(default=None, description=REQUEST_ID)


class ConfirmIn(Strict):
    """Xác nhận đã nhận: I received this payout."""

    entry: Uuid
    request_id: Uuid | None = Field(default=None, description=REQUEST_ID)


__all__ = [
    "CommandIn",
    "ConfirmIn",
    "DisputeIn",
    "ErrorOut",
    "LoginIn",
    "MemberNo",
    "ReceiptOut",
    "SignedItemIn",
    "TokenOut",
    "error_responses",
    "signed_item_model",
]
