"""The signed command: its envelope, every command type's body, and who may sign it.

Invariants:
- What an officer signs is the RFC 8785 canonical JSON of `Command` (ledger.canonical): the
  schema tag, type, client-generated `command_id`, `unit`, `effective_date`, the signer's
  officer code and key id, `signed_at`, and the type's `body`. Money is integer đồng.
- Personal data (names, citizen IDs, bank accounts, health reasons, household status) never
  appears in a body in plain text: the body carries a commitment (hex SHA-256 of salt‖value)
  under `personal`, and the plain value travels beside the signed command, unsigned, to be
  sealed under the person's key (ledger.privacy).
- Every body model forbids unknown fields and bounds every string and number, so bad input
  is refused with the field's path before anything is looked up or stored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from ledger.domain.catalogue import (
    FundingSource,
    IncomeSource,
    Relation,
    Role,
    SpendingCategory,
    WelfareKind,
)
from ledger.domain.errors import (
    InvalidCommand,
    Problem,
    invalid,
    problem,
    validation_en,
    validation_vi,
)
from ledger.domain.periods import month_text
from ledger.domain.policy import policy_json_schema
from ledger.textfiles import LINE_BREAKS, hidden_characters

SCHEMA = "phucloi/command/v1"

CODE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"  # unit and officer codes (whole string)
MEMBER_NO_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}"
Code = Annotated[str, StringConstraints(pattern=f"^{CODE_PATTERN}$")]
MemberNo = Annotated[str, StringConstraints(pattern=f"^{MEMBER_NO_PATTERN}$")]


def hidden_text_refusal(hidden: list[str], multiline: bool) -> tuple[str, str]:
    """Why a free text with `hidden` characters (`hidden_characters`) is refused, (vi, en)."""
    listed = ", ".join(hidden)
    if multiline:
        return (
            f"chứa ký tự điều khiển hoặc ký tự ẩn ({listed}); chỉ được xuống dòng",
            f"holds control or invisible characters ({listed}); only line breaks are allowed",
        )
    return (
        f"chứa ký tự điều khiển, ký tự ẩn hoặc xuống dòng ({listed})",
        f"holds control characters, invisible characters or line breaks ({listed})",
    )


# Vietnamese typed on some keyboards (or pasted from some programs) arrives decomposed (NFD):
# "Tết" as T, e, U+0302, U+0301. It reads the same but compares unequal to the composed
# (NFC) "Tết", so the rules that compare texts (one occasion paid twice, one item bought
# twice) would miss it. Clients sign NFC (`ledger.client.build`, the web pages' signing);
# a text that is not is refused, as a person's name is (`ledger.privacy.name_problem`).
NOT_NFC = (
    "chưa chuẩn hóa Unicode NFC (chữ có dấu ở dạng tổ hợp): hãy chuẩn hóa trước khi ký",
    "is not in Unicode NFC (accented letters are decomposed): normalise it before signing",
)


def text_problem(value: str, allowed: str = "") -> tuple[str, str] | None:
    """Why a free text cannot be signed as it is, (vi, en), or None: hidden characters other
    than `allowed` (`hidden_characters`), or a text not in Unicode NFC."""
    hidden = hidden_characters(value, allowed)
    if hidden:
        return hidden_text_refusal(hidden, multiline=bool(allowed))
    if not unicodedata.is_normalized("NFC", value):
        return NOT_NFC
    return None


def _visible(allowed: str) -> Any:
    def check(value: str, info: ValidationInfo) -> str:
        # A body stored before this check (a pending payout a chair now approves) is read
        # back as it was signed.
        if isinstance(info.context, dict) and info.context.get("stored"):
            return value
        wrong = text_problem(value, allowed)
        if wrong is not None:
            raise ValueError(" / ".join(wrong))
        return value

    return AfterValidator(check)


# Free text holds no control character (a NUL cannot be stored in a PostgreSQL text column;
# the others hide what a line says) and no invisible format character (a zero-width space
# makes "Tết" and "Tết" two occasions to the rules that compare them; a right-to-left
# override shows a text otherwise than signed). A multi-line text (`Text`: a reason, a
# description, a note) may break lines (tab, CR, LF); a one-line text (`ShortText`: a name,
# an occasion, a document number) may not. Refused naming the field, never silently changed:
# what is stored is what the officer signed.
_PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
_ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    _visible(LINE_BREAKS),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 500, "pattern": _PRINTABLE}),
]
ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    _visible(""),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 200, "pattern": _ONE_LINE}),
]
Commit = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{64}$"),
    Field(
        description="Personal data, committed: hex SHA-256 of salt ‖ UTF-8 value; the value "
        "and salt travel in `openings` under this field's name, to be sealed."
    ),
]
# ASCII digits only: the pattern engine's `\d` also takes "20２5-03", which no period reads.
Month = Annotated[
    str,
    StringConstraints(pattern=r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$"),
    Field(description="A month, YYYY-MM."),
]
# 32 bytes in canonical padded base64: the 43rd character carries 4 bits and two zero bits,
# so it is one of the 16 whose index is a multiple of 4 (any other decodes the same bytes).
KeyB64 = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$")]
KeyId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]
Uuid = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
]
MAX_MONEY = 10**13  # 10 nghìn tỷ đồng: above any union's amount, far below 2**53
_DONG = "An amount in whole đồng (integer, never a float or a string)."
Money = Annotated[StrictInt, Field(ge=0, le=MAX_MONEY, description=_DONG)]
PositiveMoney = Annotated[StrictInt, Field(gt=0, le=MAX_MONEY, description=_DONG)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- people and organisation -------------------------------------------------------------


class GenesisBody(Body):
    officer: Code
    name: ShortText
    public_key: KeyB64


class UnitRegisterBody(Body):
    code: Code
    name: ShortText
    level: ShortText  # e.g. "Công đoàn cơ sở", "LĐLĐ tỉnh": a label, not a fixed list
    parent: Code | None = None


class UnitRenameBody(Body):
    name: ShortText


class UnitMoveBody(Body):
    parent: Code


class UnitDissolveBody(Body):
    reason: Text


class PolicyAdoptBody(Body):
    # Checked by Policy.from_dict (ledger.handlers); the schema is made from its tables.
    policy: Annotated[dict[str, Any], WithJsonSchema(policy_json_schema())]


class OfficerRegisterBody(Body):
    officer: Code
    name: ShortText
    public_key: KeyB64
    member: MemberNo | None = None  # the officer's own member number, for self-dealing checks


class OfficerLinkMemberBody(Body):
    """Links an officer registered without `member` to their own member record, once."""

    officer: Code
    member: MemberNo


class OfficerGrantBody(Body):
    officer: Code
    role: Role
    scope: Code | Literal["*"]  # a unit code (and its descendants) or the whole ledger


class OfficerRevokeRoleBody(Body):
    officer: Code
    role: Role
    scope: Code | Literal["*"]


class OfficerRotateKeyBody(Body):
    officer: Code
    public_key: KeyB64


class OfficerRevokeKeyBody(Body):
    officer: Code
    key_id: KeyId
    reason: Text


class JoinPersonal(Body):
    full_name: Commit
    citizen_id: Commit
    date_of_birth: Commit
    bank_account: Commit | None = None
    household: Commit | None = None


class MemberJoinBody(Body):
    member: MemberNo
    salary_basis: Money
    personal: JoinPersonal


class MemberTransferBody(Body):
    member: MemberNo
    to_unit: Code


class MemberLeaveBody(Body):
    member: MemberNo
    reason: Text


class MemberDeathBody(Body):
    member: MemberNo


class HouseholdPersonal(Body):
    household_status: Commit


class MemberHouseholdBody(Body):
    member: MemberNo
    personal: HouseholdPersonal


class RelativePersonal(Body):
    full_name: Commit
    date_of_birth: Commit
    citizen_id: Commit | None = None


class MemberRelativeBody(Body):
    member: MemberNo
    relative: Code
    relation: Relation
    personal: RelativePersonal


class MemberSalaryBody(Body):
    member: MemberNo
    salary_basis: Money


class MemberEraseBody(Body):
    member: MemberNo
    reason: Text


class MemberEraseRelativeBody(Body):
    member: MemberNo
    relative: Code
    reason: Text


# --- money in ----------------------------------------------------------------------------


class DuesLine(Body):
    member: MemberNo
    salary_basis: PositiveMoney
    amount: PositiveMoney  # a line of 0 đ collects nothing: a salary read wrong, most likely


class DuesBody(Body):
    month: Month
    lines: list[DuesLine] = Field(min_length=1, max_length=200_000)


class UnionFeeBody(Body):
    month: Month
    payroll: PositiveMoney
    amount: PositiveMoney
    employer: ShortText


class UnionFeeReliefBody(Body):
    """A decision of the competent authority (Law 50/2024/QH15) that an employer of the union
    is exempted from the 2% union fee (`exempt`), has it suspended (`suspended`, tạm dừng
    đóng, at most 12 months) or reduced to `rate_bp` (`reduced`) for the months `from_month`
    to `to_month` inclusive. The command's effective date is the decision's date."""

    employer: ShortText
    kind: Literal["exempt", "suspended", "reduced"]
    from_month: Month
    to_month: Month
    rate_bp: Annotated[StrictInt, Field(ge=1, le=9_999)] | None = Field(
        default=None, validate_default=True
    )
    decision_number: ShortText
    issuer: ShortText

    @field_validator("to_month")
    @classmethod
    def _span(cls, v: str, info: ValidationInfo) -> str:
        start = info.data.get("from_month")
        if start is not None and v < start:
            raise ValueError(
                f"tháng cuối {month_text(v)} trước tháng đầu {month_text(start)} / the last "
                f"month {month_text(v)} is before the first {month_text(start)}"
            )
        if start is not None and info.data.get("kind") == "suspended":
            months = (int(v[:4]) - int(start[:4])) * 12 + int(v[5:]) - int(start[5:]) + 1
            if months > 12:
                raise ValueError(
                    f"tạm dừng đóng tối đa 12 tháng, ở đây {months} / a suspension lasts at "
                    f"most 12 months, here {months}"
                )
        return v

    @field_validator("rate_bp")
    @classmethod
    def _rate(cls, v: int | None, info: ValidationInfo) -> int | None:
        reduced = info.data.get("kind") == "reduced"
        if v is not None and not reduced:
            raise ValueError(
                "chỉ quyết định giảm mới ghi tỷ lệ / only a reduction (kind reduced) has a rate"
            )
        if v is None and reduced:
            raise ValueError(
                "quyết định giảm phải ghi tỷ lệ mới / a reduction needs its reduced rate"
            )
        return v


class OtherIncomeBody(Body):
    source: IncomeSource
    amount: PositiveMoney
    description: Text
    # The upper-level union an allocation came from (cấp trên hỗ trợ), when known: roll-up
    # leaves it out of the income of every unit whose subtree holds both ends.
    from_unit: Code | None = None

    @field_validator("source")
    @classmethod
    def _not_dues(cls, v: IncomeSource) -> IncomeSource:
        if v in (IncomeSource.dues, IncomeSource.union_fee):
            raise ValueError(
                "đoàn phí và kinh phí 2% ghi bằng lệnh riêng / dues and the 2% fee have their "
                "own commands (collection.dues, collection.union_fee)"
            )
        return v

    @field_validator("from_unit")
    @classmethod
    def _from_above(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is not None and info.data.get("source") != IncomeSource.upper_allocation:
            raise ValueError(
                "chỉ khoản cấp trên hỗ trợ mới ghi đơn vị cấp / only an upper_allocation names "
                "the unit it came from"
            )
        return v


class RemittanceBody(Body):
    month: Month
    kind: Literal["union_fee", "dues", "other"]
    amount: PositiveMoney
    to_unit: Code


class ExpenseBody(Body):
    category: SpendingCategory
    amount: PositiveMoney
    description: Text
    document_ref: ShortText | None = None
    participants: Annotated[StrictInt, Field(ge=0, le=10_000_000)] | None = None


# --- money out ---------------------------------------------------------------------------


class InKind(Body):
    item: ShortText
    quantity: Annotated[StrictInt, Field(gt=0, le=1_000_000)]
    unit_cost: PositiveMoney
    supplier: ShortText


class PayoutPersonal(Body):
    reason: Commit | None = None  # e.g. the illness of a sickness visit: sensitive
    payee_account: Commit | None = None


class Override(Body):
    justification: Text


class PayoutBody(Body):
    member: MemberNo
    relative: Code | None = None
    kind: WelfareKind
    amount: PositiveMoney
    form: Literal["cash", "in_kind"] = "cash"
    in_kind: InKind | None = None
    occasion: ShortText
    document_ref: ShortText | None = None
    funding_source: FundingSource = FundingSource.union_fund
    payment_method: Literal["cash", "bank"] = "cash"
    personal: PayoutPersonal = PayoutPersonal()
    await_approval: StrictBool = False
    override: Override | None = None


class LoanPersonal(Body):
    reason: Commit | None = None  # what the loan is for (a sick child, a house): personal


class LoanDisburseBody(Body):
    member: MemberNo
    loan: Code
    fund: Literal["tro_von", "cep", "national_employment"]
    amount: PositiveMoney
    term_months: Annotated[StrictInt, Field(gt=0, le=120)]
    interest_bp: Annotated[StrictInt, Field(ge=0, le=5000)] = 0
    personal: LoanPersonal = LoanPersonal()
    override: Override | None = None


class LoanRepayBody(Body):
    member: MemberNo
    loan: Code
    amount: PositiveMoney


class LoanWriteOffBody(Body):
    member: MemberNo
    loan: Code
    amount: PositiveMoney
    reason: Text


class ApprovalBody(Body):
    target: Uuid
    target_digest: Commit
    decision: Literal["approve", "refuse"]
    note: Text | None = None


class ReversalBody(Body):
    target: Uuid
    reason: Text


# --- what members say, and inspectors' judgments ---------------------------------------


class StatementPersonal(Body):
    text: Commit  # the member's own words are personal data: sealed, committed here


class MemberDisputeBody(Body):
    """A member says an entry of their history is wrong (recorded by the members' portal)."""

    member: MemberNo
    entry: Uuid  # the event id of the disputed payout, loan movement or dues batch
    reason: Literal["not_received", "amount_differs", "not_mine", "other"]
    personal: StatementPersonal


class MemberConfirmBody(Body):
    """A member confirms they received a payout (recorded by the members' portal)."""

    member: MemberNo
    entry: Uuid


FindingId = Annotated[str, StringConstraints(pattern=r"^F-[0-9a-f]{16}$")]


class FindingResolveBody(Body):
    """An inspector's judgment of a detection finding: confirmed or dismissed, and why.

    `note` is the inspection file's reason and stays with inspectors: it may name other
    people. `reply`, for a member's dispute, is what the member who disputed reads of the
    outcome (phản hồi cho đoàn viên), written for them."""

    finding: FindingId
    rule: Code
    decision: Literal["confirm", "dismiss"]
    note: Text
    reply: Text | None = None


# --- the registry ------------------------------------------------------------------------

Target = Literal["officer", "unit", "member", "fund", "reversal", "finding"]


@dataclass(frozen=True)
class CommandSpec:
    body: type[Body]
    target: Target
    roles: frozenset[Role]
    needs_unit: bool = True


_FIN = frozenset({Role.finance_officer})
_ADMIN = frozenset({Role.admin})
_PEOPLE = frozenset({Role.admin, Role.finance_officer})
_PORTAL = frozenset({Role.portal})

COMMANDS: dict[str, CommandSpec] = {
    "ledger.genesis": CommandSpec(GenesisBody, "officer", frozenset(), needs_unit=False),
    "unit.register": CommandSpec(UnitRegisterBody, "unit", _ADMIN, needs_unit=False),
    "unit.rename": CommandSpec(UnitRenameBody, "unit", _ADMIN),
    "unit.move": CommandSpec(UnitMoveBody, "unit", _ADMIN),
    "unit.dissolve": CommandSpec(UnitDissolveBody, "unit", _ADMIN),
    "policy.adopt": CommandSpec(PolicyAdoptBody, "unit", frozenset({Role.chair, Role.admin})),
    "officer.register": CommandSpec(OfficerRegisterBody, "officer", _ADMIN, needs_unit=False),
    "officer.link_member": CommandSpec(OfficerLinkMemberBody, "officer", _ADMIN, needs_unit=False),
    "officer.grant": CommandSpec(OfficerGrantBody, "officer", _ADMIN, needs_unit=False),
    "officer.revoke_role": CommandSpec(OfficerRevokeRoleBody, "officer", _ADMIN, needs_unit=False),
    "officer.rotate_key": CommandSpec(OfficerRotateKeyBody, "officer", _ADMIN, needs_unit=False),
    "officer.revoke_key": CommandSpec(OfficerRevokeKeyBody, "officer", _ADMIN, needs_unit=False),
    "member.join": CommandSpec(MemberJoinBody, "member", _PEOPLE),
    "member.transfer": CommandSpec(MemberTransferBody, "member", _PEOPLE),
    "member.leave": CommandSpec(MemberLeaveBody, "member", _PEOPLE),
    "member.death": CommandSpec(MemberDeathBody, "member", _PEOPLE),
    "member.household": CommandSpec(MemberHouseholdBody, "member", _PEOPLE),
    "member.relative": CommandSpec(MemberRelativeBody, "member", _PEOPLE),
    "member.salary": CommandSpec(MemberSalaryBody, "member", _PEOPLE),
    "member.erase": CommandSpec(MemberEraseBody, "member", _ADMIN),
    "member.erase_relative": CommandSpec(MemberEraseRelativeBody, "member", _ADMIN),
    "collection.dues": CommandSpec(DuesBody, "fund", _FIN),
    "collection.union_fee": CommandSpec(UnionFeeBody, "fund", _FIN),
    "collection.other": CommandSpec(OtherIncomeBody, "fund", _FIN),
    "union_fee.relief": CommandSpec(UnionFeeReliefBody, "fund", _FIN),
    "remittance.record": CommandSpec(RemittanceBody, "fund", _FIN),
    "expense.record": CommandSpec(ExpenseBody, "fund", _FIN),
    "payout.record": CommandSpec(PayoutBody, "member", _FIN),
    "loan.disburse": CommandSpec(LoanDisburseBody, "member", _FIN),
    "loan.repay": CommandSpec(LoanRepayBody, "member", _FIN),
    "loan.write_off": CommandSpec(LoanWriteOffBody, "member", _FIN),
    "approval.decide": CommandSpec(ApprovalBody, "member", frozenset({Role.chair})),
    "reversal.record": CommandSpec(ReversalBody, "reversal", _FIN),
    "member.dispute": CommandSpec(MemberDisputeBody, "member", _PORTAL),
    "member.confirm_receipt": CommandSpec(MemberConfirmBody, "member", _PORTAL),
    "finding.resolve": CommandSpec(FindingResolveBody, "finding", frozenset({Role.inspector})),
}

# The personal fields that are free text (a payout's or loan's reason, a member's own words):
# checked for hidden characters as `Text` is, when sealed (ledger.application).
FREE_TEXT_OPENINGS = ("reason", "text")

# Which personal field of a command is sealed under whose key, and blind-indexed how.
BLIND_INDEXED = {
    "citizen_id": "citizen_id",
    "bank_account": "bank_account",
    "payee_account": "bank_account",
    "household": "household",
}


class Signer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    officer: Code
    key_id: KeyId


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class Command(BaseModel):
    """The signed part. `body` is validated separately against the type's model."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    schema_: Literal["phucloi/command/v1"] = Field(alias="schema")
    type: str
    command_id: Uuid
    unit: Code | None = None
    effective_date: date
    signer: Signer
    signed_at: datetime
    body: dict[str, Any]

    @field_validator("effective_date", "signed_at", mode="before")
    @classmethod
    def _iso_text_only(cls, v: Any) -> Any:
        # What is signed is text: refuse numbers or other forms pydantic would coerce.
        if not isinstance(v, str):
            raise ValueError("phải là chuỗi ISO 8601 / must be an ISO 8601 string")
        return v

    @field_validator("effective_date", mode="before")
    @classmethod
    def _day_only(cls, v: Any) -> Any:
        # A day, as written in the entries and reports: "2025-01-20 00:00:00Z" would parse
        # to the same date, but the signed text would no longer be the day stored.
        if isinstance(v, str) and not _DAY.fullmatch(v):
            raise ValueError("phải là ngày YYYY-MM-DD / must be a date YYYY-MM-DD")
        return v

    @field_validator("signed_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("phải có múi giờ / must include a time zone offset")
        return v


@dataclass(frozen=True)
class ParsedCommand:
    """A validated command: its raw dict (exactly what was signed), envelope and typed body."""

    raw: dict[str, Any]
    command: Command
    spec: CommandSpec
    body: Any


def _problems(exc: ValidationError, prefix: str) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = ""
        for part in err["loc"]:
            if isinstance(part, int):
                loc += f"[{part}]"
            else:
                loc += ("." if loc else "") + ("schema" if part == "schema_" else str(part))
        path = f"{prefix}{loc}" if loc else prefix.rstrip(".")
        out.append(problem(path, "invalid_field", validation_vi(err), validation_en(err)))
    return out


def parse_command(raw: Any) -> ParsedCommand:
    """Validate the envelope and the body; raise InvalidCommand naming every bad field."""
    if not isinstance(raw, dict):
        raise invalid(
            [
                problem(
                    "command", "not_object", "phải là một đối tượng JSON", "must be a JSON object"
                )
            ]
        )
    try:
        command = Command.model_validate(raw)
    except ValidationError as exc:
        raise invalid(_problems(exc, "")) from None
    spec = COMMANDS.get(command.type)
    if spec is None:
        raise invalid(
            [
                problem(
                    "type",
                    "unknown_type",
                    f"loại lệnh không tồn tại: {command.type}",
                    f"unknown command type: {command.type}",
                )
            ]
        )
    if spec.needs_unit and command.unit is None:
        raise invalid([problem("unit", "missing", "thiếu mã đơn vị", "unit is required")])
    try:
        body = spec.body.model_validate(command.body)
    except ValidationError as exc:
        raise invalid(_problems(exc, "body.")) from None
    return ParsedCommand(raw=raw, command=command, spec=spec, body=body)


def require(cond: bool, field_: str, code: str, vi: str, en: str) -> None:
    if not cond:
        raise InvalidCommand(code=code, vi=vi, en=en, problems=[problem(field_, code, vi, en)])
