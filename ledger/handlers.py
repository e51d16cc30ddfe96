"""Command handlers of the Ledger application (bound as its methods).

Each handler checks everything first and only then calls ONE aggregate command method, so a
refused command leaves the unit of work untouched. Each returns the aggregate it changed and
the ledger's verdict to store in the envelope (status, overridden checks), which replay and
inspectors read back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ledger import clock
from ledger.authority import refuse
from ledger.domain.catalogue import Role
from ledger.domain.commands import LoanDisburseBody, Override, ParsedCommand, PayoutBody, require
from ledger.domain.errors import (
    Conflict,
    InvalidCommand,
    PolicyViolation,
    Problem,
    invalid,
    not_found,
    problem,
    refused_by_policy,
)
from ledger.domain.findings import Finding, dispute_finding_id
from ledger.domain.members import Member
from ledger.domain.money import format_dong
from ledger.domain.officers import Officer
from ledger.domain.periods import (
    CALENDAR_END,
    CALENDAR_START,
    FIRST_LUNAR_YEAR,
    LAST_LUNAR_YEAR,
    Period,
    in_calendar,
    month_text,
    months_text,
    parse_period,
)
from ledger.domain.policy import (
    Policy,
    PolicyError,
    expected_dues,
    expected_union_fee,
    oversight,
)
from ledger.domain.rules import OVERRIDABLE, check_loan, check_payout, check_salary_basis
from ledger.domain.units import Unit, dues_collected
from ledger.signing import decode_b64, key_id

if TYPE_CHECKING:
    from ledger.application import Ledger, SignedItem, Work

Result = tuple[Any, dict[str, Any]]


def _unit_code(code: str | None, field_: str = "unit") -> str:
    """The command's unit code (the command models require it where it is read)."""
    if code is None:
        raise invalid([problem(field_, "required", "thiếu mã đơn vị", "unit is required")])
    return code


def _active_unit(
    self: Ledger, work: Work, code: str | None, on: date, field_: str = "unit"
) -> Unit:
    unit: Unit = self._require(work, Unit, "unit", _unit_code(code, field_), field_)
    if unit.is_dissolved_on(on):
        raise invalid(
            [
                problem(
                    field_,
                    "unit_dissolved",
                    f"đơn vị {code} đã giải thể",
                    f"unit {code} is dissolved",
                )
            ]
        )
    return unit


def _money_unit(self: Ledger, work: Work, code: str | None, on: date) -> Unit:
    """The active unit a money record is booked in, refused when the record is dated before
    the unit was registered: a union has no book before it exists (a typo like 2006 for
    2026 would otherwise be signed into the log)."""
    unit = _active_unit(self, work, code, on)
    if on.isoformat() < unit.registered_on:
        registered = date.fromisoformat(unit.registered_on)
        raise invalid(
            [
                problem(
                    "command.effective_date",
                    "before_unit",
                    f"ngày hiệu lực {on:%d/%m/%Y} trước ngày đơn vị {unit.code} được đăng ký "
                    f"({registered:%d/%m/%Y}); hãy kiểm tra lại năm",
                    f"effective date {on} is before unit {unit.code} was registered "
                    f"({registered}); check the year",
                )
            ]
        )
    return unit


# --- organisation --------------------------------------------------------------------------


def _genesis(self: Ledger, work: Work, pc: ParsedCommand, env: dict, item: SignedItem) -> Result:
    from ledger.signing import verify

    body, cmd = pc.body, pc.command
    public_key = decode_b64(body.public_key)
    if cmd.signer.officer != body.officer or cmd.signer.key_id != key_id(public_key):
        raise refuse(
            "genesis_not_self_signed",
            "lệnh khởi tạo phải do chính quản trị viên ký",
            "genesis must be signed by the administrator it registers",
        )
    if not verify(public_key, env["command"].encode(), decode_b64(item.signature)):
        raise refuse(
            "bad_signature",
            "chữ ký không khớp với nội dung lệnh",
            "the signature does not match the command",
        )
    return Officer(envelope=env), {}


def _unit_register(self: Ledger, work: Work, pc: ParsedCommand, env: dict, item: Any) -> Result:
    body = pc.body
    _happened(pc.command)
    if self._get(work, Unit, "unit", body.code) is not None:
        raise invalid(
            [
                problem(
                    "body.code",
                    "unit_exists",
                    f"mã đơn vị {body.code} đã tồn tại",
                    f"unit code {body.code} already exists",
                )
            ]
        )
    if body.parent is not None:
        _active_unit(self, work, body.parent, pc.command.effective_date, "body.parent")
    return Unit(envelope=env), {}


def _unit_simple(self: Ledger, work: Work, pc: ParsedCommand, env: dict, item: Any) -> Result:
    unit = _active_unit(self, work, pc.command.unit, pc.command.effective_date)
    if pc.command.type == "unit.dissolve":
        _empty(self, work, unit, pc.command.effective_date)
    {"unit.rename": unit.rename, "unit.dissolve": unit.dissolve}[pc.command.type](envelope=env)
    return unit, {}


def _empty(self: Ledger, work: Work, unit: Unit, on: date) -> None:
    """A unit is dissolved only once no unit below it is active and no member belongs to it:
    members dissolved with their union would be paid by no one and counted by no one."""
    children = [u for u in self._units(work) if u.parent == unit.code and not u.is_dissolved_on(on)]
    members = [
        m.number
        for m in self._members_of(work, unit.code)
        if m.unit_on(on) == unit.code or (m.unit_on(on) is None and on < m.joined_on)
    ]
    problems = []
    if children:
        names = ", ".join(sorted(u.code for u in children))
        problems.append(
            problem(
                "unit",
                "unit_has_children",
                f"đơn vị còn đơn vị trực thuộc đang hoạt động: {names}",
                f"the unit still has active units below it: {names}",
            )
        )
    if members:
        shown = ", ".join(sorted(members)[:5]) + (" …" if len(members) > 5 else "")
        problems.append(
            problem(
                "unit",
                "unit_has_members",
                f"đơn vị còn {len(members)} đoàn viên ({shown}): hãy chuyển sinh hoạt trước",
                f"the unit still has {len(members)} member(s) ({shown}): transfer them first",
            )
        )
    if problems:
        raise invalid(problems)


def _unit_move(self: Ledger, work: Work, pc: ParsedCommand, env: dict, item: Any) -> Result:
    unit = _active_unit(self, work, pc.command.unit, pc.command.effective_date)
    _active_unit(self, work, pc.body.parent, pc.command.effective_date, "body.parent")
    since = unit.last_parent_change()
    if pc.command.effective_date.isoformat() < since:
        # Reports place each line under the tree of its day; a move dated before the last
        # change would leave the tree of today and the reports' disagreeing.
        raise invalid(
            [
                problem(
                    "effective_date",
                    "before_last_change",
                    f"{unit.code} đã đổi cấp trên (hoặc được lập) từ ngày "
                    f"{date.fromisoformat(since):%d/%m/%Y}: lệnh chuyển phải có ngày từ đó trở đi",
                    f"{unit.code} last changed parent (or was registered) on {since}: a move "
                    "must be dated on or after it",
                )
            ]
        )
    if unit.code in self._ancestors(work, pc.body.parent):
        raise invalid(
            [
                problem(
                    "body.parent",
                    "cycle",
                    "không thể chuyển đơn vị vào cấp dưới của nó",
                    "a unit cannot move under its own descendant",
                )
            ]
        )
    unit.move(envelope=env)
    return unit, {}


def _policy_adopt(self: Ledger, work: Work, pc: ParsedCommand, env: dict, item: Any) -> Result:
    unit = _active_unit(self, work, pc.command.unit, pc.command.effective_date)
    try:
        policy = Policy.from_dict(pc.body.policy)
    except PolicyError as exc:
        raise invalid(
            [
                problem(f"body.policy.{path}" if path else "body.policy", "invalid_policy", vi, en)
                for path, vi, en in exc.problems
            ]
        ) from None
    last_day = CALENDAR_END - timedelta(days=1)
    require(
        in_calendar(policy.effective_from),
        "body.policy.effective_from",
        "policy_date_outside_calendar",
        f"ngày hiệu lực của quy chế phải nằm trong lịch sổ cái biết (bảng ngày Tết "
        f"{FIRST_LUNAR_YEAR}–{LAST_LUNAR_YEAR}): từ {CALENDAR_START:%d/%m/%Y} đến "
        f"{last_day:%d/%m/%Y}",
        f"the policy's effective_from must lie in the calendar the ledger knows (the Tết table "
        f"{FIRST_LUNAR_YEAR}–{LAST_LUNAR_YEAR}): from {CALENDAR_START.isoformat()} to "
        f"{last_day.isoformat()}",
    )
    require(
        policy.effective_from == pc.command.effective_date,
        "body.policy.effective_from",
        "policy_date",
        "ngày hiệu lực của quy chế phải trùng ngày hiệu lực của lệnh",
        "the policy's effective_from must equal the command's effective_date",
    )
    if any(p["effective_from"] == policy.effective_from.isoformat() for p in unit.policies):
        raise invalid(
            [
                problem(
                    "body.policy.effective_from",
                    "policy_exists",
                    "đơn vị đã có quy chế hiệu lực từ ngày này",
                    "the unit already has a policy version from this date",
                )
            ]
        )
    if any(p["version"] == policy.version for p in unit.policies):
        raise invalid(
            [
                problem(
                    "body.policy.version",
                    "policy_version_exists",
                    f"đơn vị đã có quy chế mang tên phiên bản {policy.version!r}",
                    f"the unit already has a policy version named {policy.version!r}",
                )
            ]
        )
    unit.adopt_policy(envelope=env)
    return unit, {}


def _officer_register(self: Ledger, work: Work, pc: ParsedCommand, env: dict, item: Any) -> Result:
    if self._get(work, Officer, "officer", pc.body.officer) is not None:
        raise invalid(
            [
                problem(
                    "body.officer",
                    "officer_exists",
                    f"cán bộ {pc.body.officer} đã được đăng ký",
                    f"officer {pc.body.officer} is already registered",
                )
            ]
        )
    _key_unclaimed(self, work, pc.body.public_key)
    return Officer(envelope=env), {}


def _officer_link_member(
    self: Ledger, work: Work, pc: ParsedCommand, env: dict, item: Any
) -> Result:
    """Link an officer to their own member record, once: rule 6 (self_dealing) knows the
    officer as a person only through it. A link is never changed: it would re-judge every
    payout the officer ever recorded or approved; a wrong one is corrected by registering
    the person under a new officer code (revoking the old code's roles and key)."""
    body = pc.body
    officer: Officer = self._require(work, Officer, "officer", body.officer, "body.officer")
    if self._peek(work, Member, "member", body.member) is None:
        raise not_found("member", body.member, field_="body.member")
    if officer.member is not None:
        vi = f"cán bộ {officer.code} đã gắn với đoàn viên {officer.member}"
        en = f"officer {officer.code} is already linked to member {officer.member}"
        if officer.member != body.member:
            vi += ": liên kết không thay đổi được (hãy đăng ký mã cán bộ mới)"
            en += ": a link cannot be changed (register a new officer code)"
        raise invalid([problem("body.member", "member_linked", vi, en)])
    officer.link_member(envelope=env)
    return officer, {}


# Roles one person never holds together: finance staff may not sit on the inspection
# committee that checks them (DOMAIN.md, Roles).
INCOMPATIBLE_ROLES = {
    Role.finance_officer.value: Role.inspector.value,
    Role.inspector.value: Role.finance_officer.value,
}


def _check_roles(officer: Officer, kind: str, role: str, scope: str) -> None:
    """A grant adds a role the officer does not hold there and that does not clash with one
    they hold anywhere; a revocation ends a role the officer holds."""
    held = {(g.role, g.scope) for g in officer.roles if g.revoked_at is None}
    if kind == "officer.revoke_role":
        if (role, scope) not in held:
            raise invalid(
                [
                    problem(
                        "body.role",
                        "role_not_held",
                        f"{officer.code} không giữ vai trò {role} tại {scope}",
                        f"{officer.code} holds no {role} role over {scope}",
                    )
                ]
            )
        return
    if (role, scope) in held:
        raise invalid(
            [
                problem(
                    "body.role",
                    "role_held",
                    f"{officer.code} đã giữ vai trò {role} tại {scope}",
                    f"{officer.code} already holds the {role} role over {scope}",
                )
            ]
        )
    clash = INCOMPATIBLE_ROLES.get(role)
    where = sorted(s for r, s in held if r == clash)
    if where:
        raise invalid(
            [
                problem(
                    "body.role",
                    "incompatible_roles",
                    f"{officer.code} đang là {clash} tại {', '.join(where)}: cán bộ tài chính "
                    "không được là thành viên Ủy ban kiểm tra",
                    f"{officer.code} is {clash} over {', '.join(where)}: finance staff may not "
                    "sit on the inspection committee",
                )
            ]
        )


def _key_unclaimed(self: Ledger, work: Work, public_key: str) -> None:
    """Refuse a public key another officer holds or held: one key under two officer codes
    would let one person be both maker and checker (self_dealing's "one person, two codes"
    could then only be guessed at; here it is refused outright)."""
    kid = key_id(decode_b64(public_key))
    for other in self._officers(work):
        if kid in other.keys:
            raise invalid(
                [
                    problem(
                        "body.public_key",
                        "key_of_another_officer",
                        f"khóa {kid} đã đăng ký cho cán bộ {other.code}: mỗi người một khóa",
                        f"key {kid} is registered to officer {other.code}: one key per person",
                    )
                ]
            )


def _officer_change(self: Ledger, work: Work, pc: ParsedCommand, env: dict, item: Any) -> Result:
    body, kind = pc.body, pc.command.type
    officer: Officer = self._require(work, Officer, "officer", body.officer, "body.officer")
    if kind in ("officer.grant", "officer.revoke_role") and body.scope != "*":
        self._require(work, Unit, "unit", body.scope, "body.scope")
    if kind in ("officer.grant", "officer.revoke_role"):
        _check_roles(officer, kind, body.role, body.scope)
        today = clock.today_vn()
        if pc.command.effective_date != today:
            raise invalid(
                [
                    problem(
                        "effective_date",
                        "role_takes_effect_when_recorded",
                        f"giao, thu hồi vai trò có hiệu lực ngay khi ghi: ngày hiệu lực phải là "
                        f"hôm nay ({today:%d/%m/%Y})",
                        f"a role is granted or revoked when it is recorded: the effective date "
                        f"must be today ({today.isoformat()})",
                    )
                ]
            )
    if kind == "officer.grant":
        officer.grant(envelope=env)
    elif kind == "officer.revoke_role":
        officer.revoke_role(envelope=env)
    elif kind == "officer.rotate_key":
        if key_id(decode_b64(body.public_key)) in officer.keys:
            raise invalid(
                [
                    problem(
                        "body.public_key",
                        "key_reused",
                        "khóa này đã được dùng",
                        "this key was already registered",
                    )
                ]
            )
        _key_unclaimed(self, work, body.public_key)
        officer.rotate_key(envelope=env)
    else:
        if body.key_id not in officer.keys:
            raise not_found("key", body.key_id, field_="body.key_id")
        officer.revoke_key(envelope=env)
    return officer, {}


# --- members -------------------------------------------------------------------------------


def _member_join(self: Ledger, work: Work, pc: ParsedCommand, env: dict, item: Any) -> Result:
    _happened(pc.command)
    _active_unit(self, work, pc.command.unit, pc.command.effective_date)
    if self._get(work, Member, "member", pc.body.member) is not None:
        raise invalid(
            [
                problem(
                    "body.member",
                    "member_exists",
                    f"mã đoàn viên {pc.body.member} đã tồn tại",
                    f"member number {pc.body.member} already exists",
                )
            ]
        )
    return Member(envelope=env), {}


# What the effective date of a command is, when it may not lie after today: a membership
# change or a union's creation is recorded once it has happened. Recorded ahead, it would
# count a member (dues expected, payouts allowed) or a union before it exists, and a date
# typed with the wrong year (2052 for 2025) would be signed into the log.
HAPPENED_BY_TODAY = {
    "member.join": ("ngày kết nạp", "the date of joining"),
    "member.transfer": ("ngày chuyển sinh hoạt", "the date of transfer"),
    "member.leave": ("ngày thôi sinh hoạt", "the date of leaving"),
    "member.death": ("ngày mất", "the date of death"),
    "member.relative": ("ngày khai báo thân nhân", "the date the relative was declared"),
    # the key is destroyed when it is recorded: a later date would be false in the log
    "member.erase": ("ngày xóa dữ liệu cá nhân", "the date of erasure"),
    "member.erase_relative": ("ngày xóa dữ liệu cá nhân", "the date of erasure"),
    "unit.register": ("ngày thành lập đơn vị", "the unit's date of registration"),
}


def _happened(cmd: Any) -> None:
    """Refuse a command of `HAPPENED_BY_TODAY` dated after the ledger's today (Việt Nam)."""
    what = HAPPENED_BY_TODAY.get(cmd.type)
    today = clock.today_vn()
    if what is None or cmd.effective_date <= today:
        return
    raise invalid(
        [
            problem(
                "effective_date",
                "in_the_future",
                f"{what[0]} {cmd.effective_date:%d/%m/%Y} sau hôm nay ({today:%d/%m/%Y}): "
                "chỉ ghi khi đã xảy ra",
                f"{what[1]} {cmd.effective_date.isoformat()} is after today "
                f"({today.isoformat()}): it is recorded once it has happened",
            )
        ]
    )


def _member_change(self: Ledger, work: Work, pc: ParsedCommand, env: dict, item: Any) -> Result:
    body, cmd = pc.body, pc.command
    _happened(cmd)
    member: Member = self._require(work, Member, "member", body.member, "body.member")
    on = cmd.effective_date
    in_unit = member.unit_on(on)
    if cmd.type in ("member.transfer", "member.leave", "member.death"):
        if in_unit is None:
            raise invalid(
                [
                    problem(
                        "body.member",
                        "not_active_member",
                        f"{member.number} không còn sinh hoạt vào ngày {on:%d/%m/%Y}",
                        f"{member.number} is not an active member on {on}",
                    )
                ]
            )
        if in_unit != cmd.unit:
            raise invalid(
                [
                    problem(
                        "unit",
                        "wrong_unit",
                        f"{member.number} không sinh hoạt tại {cmd.unit}",
                        f"{member.number} does not belong to {cmd.unit}",
                    )
                ]
            )
        if member.left_on is not None:
            raise invalid(
                [
                    problem(
                        "body.member",
                        "already_left",
                        f"{member.number} đã ra khỏi tổ chức từ {member.left_on:%d/%m/%Y}",
                        f"{member.number} already left on {member.left_on}",
                    )
                ]
            )
        last_change = member.spans[-1][0]
        if on < last_change or (cmd.type == "member.transfer" and on == last_change):
            raise invalid(
                [
                    problem(
                        "effective_date",
                        "before_last_change",
                        f"ngày hiệu lực phải sau lần thay đổi gần nhất ({last_change:%d/%m/%Y})",
                        f"effective date must come after the member's last change ({last_change})",
                    )
                ]
            )
    if cmd.type == "member.transfer":
        if body.to_unit == in_unit:
            raise invalid(
                [
                    problem(
                        "body.to_unit",
                        "same_unit",
                        "đơn vị chuyển đến trùng đơn vị cũ",
                        "the member is already in that unit",
                    )
                ]
            )
        _active_unit(self, work, body.to_unit, on, "body.to_unit")
    if (
        cmd.type in ("member.salary", "member.household", "member.relative")
        and on < member.joined_on
    ):
        raise invalid(
            [
                problem(
                    "effective_date",
                    "before_joined",
                    f"ngày hiệu lực trước ngày kết nạp {member.joined_on:%d/%m/%Y}",
                    f"the effective date is before the member joined ({member.joined_on})",
                )
            ]
        )
    if cmd.type not in ("member.transfer", "member.leave", "member.death"):
        # The member's unit that day (or the last one, once they left) must be the command's
        # unit or below it: the signer's role is checked over the command's unit only.
        _within(
            self,
            work,
            cmd.unit,
            in_unit or member.spans[-1][1],
            f"đoàn viên {member.number}",
            f"member {member.number}",
        )
    if cmd.type == "member.relative" and body.relative in member.relatives:
        raise invalid(
            [
                problem(
                    "body.relative",
                    "relative_exists",
                    "mã thân nhân đã tồn tại",
                    "relative code already exists",
                )
            ]
        )
    if member.erased:  # a second erasure too: it would be a second event erasing nothing
        raise invalid(
            [
                problem(
                    "body.member",
                    "already_erased" if cmd.type == "member.erase" else "erased",
                    "hồ sơ đoàn viên đã bị xóa dữ liệu",
                    "this member's personal data has been erased",
                )
            ]
        )
    if cmd.type == "member.erase_relative":
        _check_relative_erasable(member, body.relative)
    method = {
        "member.transfer": member.transfer,
        "member.leave": member.leave,
        "member.death": member.die,
        "member.household": member.set_household,
        "member.relative": member.add_relative,
        "member.salary": member.change_salary,
        "member.erase": member.erase,
        "member.erase_relative": member.erase_relative,
    }[cmd.type]
    method(envelope=env)
    return member, {}


def _check_relative_erasable(member: Member, code: str) -> None:
    """A relative is erased on their own only when their data is sealed under a key of
    their own: one declared before relatives had keys is sealed under the member's key, which
    also opens the member's own data (and erasing it is `member.erase`)."""
    number = member.number
    if code not in member.relatives:
        raise invalid(
            [
                problem(
                    "body.relative",
                    "unknown_relative",
                    f"đoàn viên {number} không có thân nhân mã {code}",
                    f"member {number} has no relative {code}",
                )
            ]
        )
    if code in member.relatives_erased:
        raise invalid(
            [
                problem(
                    "body.relative",
                    "already_erased",
                    f"dữ liệu cá nhân của thân nhân {code} đã bị xóa",
                    f"relative {code}'s personal data has already been erased",
                )
            ]
        )
    if code not in member.relatives_keyed:
        raise invalid(
            [
                problem(
                    "body.relative",
                    "sealed_under_member",
                    f"thân nhân {code} được khai trước khi mỗi thân nhân có khóa dữ liệu riêng: "
                    f"dữ liệu của họ niêm phong bằng khóa của đoàn viên {number}, nên không xóa "
                    f"riêng được. Chỉ xóa dữ liệu của đoàn viên {number} (phucloi members "
                    "erase) mới xóa được; khai lại thân nhân với mã mới không xóa bản khai cũ",
                    f"relative {code} was declared before relatives had data keys of their "
                    f"own: their data is sealed under member {number}'s key and cannot be "
                    f"erased alone. Only erasing member {number} (phucloi members erase) "
                    "removes it; declaring the relative again under a new code leaves the old "
                    "declaration as it is",
                )
            ]
        )


# --- money in ------------------------------------------------------------------------------


def _dues(self: Ledger, work: Work, pc: ParsedCommand, env: dict, item: Any) -> Result:
    cmd, body = pc.command, pc.body
    unit = _money_unit(self, work, cmd.unit, cmd.effective_date)
    month = _begun(body.month, cmd.effective_date)
    policy = self._policy(work, unit.code, month.start)
    if policy is None:
        raise refused_by_policy(
            [
                problem(
                    "unit",
                    "no_policy",
                    "đơn vị chưa có quy chế",
                    "no policy is in force for this unit",
                )
            ]
        )
    problems = []
    seen: set[str] = set()
    first_day, last_day = month.start, month.end - timedelta(days=1)
    code, label, paid = cmd.unit, body.month, unit.dues_paid  # hoisted: thousands of lines
    # Dues are a pure function of (policy, salary basis): a batch has few distinct salaries.
    due_for: dict[int, int] = {}
    for i, line in enumerate(body.lines):
        number = line.member
        if number in seen:
            problems.append(
                problem(
                    f"body.lines[{i}].member",
                    "duplicate_line",
                    f"{number} xuất hiện hai lần",
                    f"{number} twice",
                )
            )
            continue
        seen.add(number)
        if (label, number) in paid:
            problems.append(
                problem(
                    f"body.lines[{i}].member",
                    "dues_already_collected",
                    f"{number} đã đóng đoàn phí tháng {month_text(label)}",
                    f"{number} already paid dues for {label}",
                )
            )
            continue
        member = self._peek(work, Member, "member", number)  # read, not changed
        if member is None:
            problems.append(
                problem(
                    f"body.lines[{i}].member",
                    "member_not_found",
                    f"không có đoàn viên {number}",
                    f"no member {number}",
                )
            )
            continue
        if code != member.unit_on(first_day) and code != member.unit_on(last_day):
            problems.append(
                problem(
                    f"body.lines[{i}].member",
                    "not_in_unit",
                    f"{number} không sinh hoạt tại {code} trong tháng",
                    f"{number} was not in {code} that month",
                )
            )
            continue
        if len(member.spans) > 1:  # transferred: another union may have collected the month
            elsewhere = dues_collected(
                (self._peek(work, Unit, "unit", u) for _, u in member.spans if u != code),
                label,
                number,
            )
            if elsewhere is not None:
                problems.append(
                    _collected_elsewhere(self, work, i, number, label, unit.code, elsewhere)
                )
                continue
        implausible = check_salary_basis(f"body.lines[{i}]", number, line.salary_basis, member)
        if implausible is not None:
            problems.append(implausible)
            continue
        expected = due_for.get(line.salary_basis)
        if expected is None:
            expected = due_for[line.salary_basis] = expected_dues(policy, line.salary_basis)
        if line.amount != expected:
            problems.append(
                problem(
                    f"body.lines[{i}].amount",
                    "dues_amount",
                    f"đoàn phí phải là {format_dong(expected)} theo quy chế {policy.version}",
                    f"dues must be {format_dong(expected)} under policy {policy.version}",
                )
            )
    if problems:
        raise invalid(problems)
    unit.collect_dues(envelope=env)
    return unit, {}


def _collected_elsewhere(
    self: Ledger,
    work: Work,
    index: int,
    number: str,
    month: str,
    code: str,
    elsewhere: tuple[str, str],
) -> Problem:
    """Dues are collected once per member and month in the whole ledger. The union that
    collected them is named only when it is the command's unit's own or below it: an officer
    of another branch learns the month is taken and when, not where the member went."""
    other, on = elsewhere
    day = date.fromisoformat(on)
    if code in self._ancestors(work, other):
        where_vi, where_en = f" tại {other}", f" by {other}"
    else:
        where_vi = where_en = ""
    return problem(
        f"body.lines[{index}].member",
        "dues_already_collected",
        f"đoàn phí tháng {month} của {number} đã được thu{where_vi} (ngày {day:%d/%m/%Y}); "
        "để sửa, phải đảo bút toán đó",
        f"dues of {number} for {month} were already collected{where_en} (on {on}); "
        "to correct it, that entry must be reversed",
    )


def _begun(month_typed: str, on: date) -> Period:
    """The month collected or remitted for, refused if it begins after the effective date:
    dues and the 2% fee are paid on a month's payroll, never for a month still to come."""
    month = parse_period(month_typed)
    if month.start > on:
        raise invalid(
            [
                problem(
                    "body.month",
                    "future_month",
                    f"tháng {month_text(month.label)} chưa bắt đầu vào ngày hiệu lực {on:%d/%m/%Y}",
                    f"month {month_text(month.label)} has not begun on the effective date "
                    f"{on.isoformat()}",
                )
            ]
        )
    return month


def _unit_money(self: Ledger, work: Work, pc: ParsedCommand, env: dict, item: SignedItem) -> Result:
    cmd = pc.command
    unit = _money_unit(self, work, cmd.unit, cmd.effective_date)
    if cmd.type == "collection.union_fee":
        _begun(pc.body.month, cmd.effective_date)
        _check_union_fee(self, work, unit, pc.body)
    if cmd.type == "collection.other" and pc.body.from_unit is not None:
        _upper_level(self, work, unit, pc.body.from_unit, "body.from_unit", cmd.effective_date)
    if cmd.type == "expense.record":
        # Maker-checker as for a payout: spending of any category above the approval
        # threshold needs the chair's second signature (a lump-sum "welfare" purchase is
        # not a way around it). An expense is never recorded pending.
        policy = self._policy(work, unit.code, cmd.effective_date)
        needs_chair = policy is not None and policy.needs_second_signature(pc.body.amount)
        if needs_chair and not item.cosignatures:
            assert policy is not None
            raise _chair_must_sign(
                f"khoản chi {format_dong(pc.body.amount)} vượt ngưỡng duyệt "
                f"{format_dong(policy.approval_threshold)}: cần chữ ký thứ hai của Chủ tịch",
                f"this expense of {format_dong(pc.body.amount)} is above the approval "
                f"threshold of {format_dong(policy.approval_threshold)}: it needs the "
                "chair's second signature",
            )
    {
        "collection.union_fee": unit.receive_union_fee,
        "collection.other": unit.receive_income,
        "expense.record": unit.record_expense,
    }[cmd.type](envelope=env)
    return unit, {}


def _check_union_fee(self: Ledger, work: Work, unit: Unit, body: Any) -> None:
    """One standing declaration per employer and month (a correction reverses the first, as
    for dues), and no more received than the fee on the declared payroll."""
    earlier = unit.union_fee_declared(body.month, body.employer)
    if earlier is not None:
        _, on = _recorded(self, work, earlier)
        amount = format_dong(unit.money[earlier]["amount"])
        raise invalid(
            [
                problem(
                    "body.month",
                    "fee_month_declared",
                    f"kinh phí công đoàn tháng {month_text(body.month)} của {body.employer} "
                    f"đã được ghi ngày {on:%d/%m/%Y} ({amount}, bút toán {earlier[:8]}); để "
                    "sửa, hãy đảo bút toán đó",
                    f"the union fee of {body.employer} for {month_text(body.month)} is already "
                    f"recorded on {on:%d/%m/%Y} ({amount}, entry {earlier[:8]}); to correct "
                    "it, reverse that entry",
                    ref=earlier,
                )
            ]
        )
    policy = self._policy(work, unit.code, date.fromisoformat(f"{body.month}-01"))
    if policy is None:
        return
    due = expected_union_fee(policy, body.payroll)
    if body.amount > due:
        raise invalid(
            [
                problem(
                    "body.amount",
                    "over_union_fee",
                    f"{format_dong(body.amount)} nhiều hơn kinh phí phải nộp trên quỹ lương "
                    f"({format_dong(due)}); phần thừa ghi là thu khác",
                    f"{format_dong(body.amount)} is more than the fee due on the payroll "
                    f"({format_dong(due)}); record any excess as other income",
                )
            ]
        )


def _fee_relief(self: Ledger, work: Work, pc: ParsedCommand, env: dict, item: Any) -> Result:
    """An employer's exemption, suspension or reduction of the 2% fee (Law 50/2024/QH15), by
    a decision of the competent authority. It silences rule 17 for its months, so, as a
    write-off, the finance officer records it and the chair cosigns; decisions of one employer
    never overlap (a second decision for the same months is refused, naming the first). The
    missing second signature is checked last, as for a write-off: a decision the ledger
    would refuse anyway is said so at once, and the web holds for the chair only one whose
    sole want is the chair's signature (api.web.cosign)."""
    cmd, body = pc.command, pc.body
    unit = _money_unit(self, work, cmd.unit, cmd.effective_date)
    earlier = unit.fee_relief_overlapping(body.employer, body.from_month, body.to_month)
    if earlier is not None:
        # named as the officer knows it (number, issuer, months); its id stays in `ref`
        first = unit.fee_reliefs[earlier]
        span = months_text(body.from_month, body.to_month)
        theirs = months_text(first["from_month"], first["to_month"])
        raise invalid(
            [
                problem(
                    "body.from_month",
                    "fee_relief_overlaps",
                    f"{first['employer']} đã có quyết định {first['decision_number']} của "
                    f"{first['issuer']} cho các tháng {theirs}, trùng một phần các tháng "
                    f"{span}; mỗi tháng chỉ có một quyết định (quyết định đã ghi sai thì đảo "
                    "quyết định đó trước)",
                    f"{first['employer']} already has decision {first['decision_number']} of "
                    f"{first['issuer']} for {theirs}, covering part of {span}; a month has "
                    "one decision only (reverse the recorded one first if it is wrong)",
                    ref=earlier,
                )
            ]
        )
    if body.kind == "reduced":
        _below_policy_rate(self, work, unit.code, body.rate_bp, body.from_month)
    if not item.cosignatures:
        raise _chair_must_sign(
            "quyết định miễn, giảm, tạm dừng đóng kinh phí công đoàn cần chữ ký thứ hai của "
            "Chủ tịch",
            "a union fee exemption, reduction or suspension needs the chair's second signature",
        )
    unit.relieve_union_fee(envelope=env)
    return unit, {}


def _below_policy_rate(self: Ledger, work: Work, unit: str, rate_bp: int, month: str) -> None:
    """A reduction lowers the fee: its rate is below the policy's in force on its first month
    (a rate above would raise the fee expected, and rule 17 would report shortfalls the
    employer never owed)."""
    policy = self._policy(work, unit, date.fromisoformat(f"{month}-01"))
    if policy is None or rate_bp < policy.union_fee_rate_bp:
        return
    mine, theirs = divmod(rate_bp, 100), divmod(policy.union_fee_rate_bp, 100)
    raise invalid(
        [
            problem(
                "body.rate_bp",
                "not_a_reduction",
                f"tỷ lệ sau khi giảm ({mine[0]},{mine[1]:02d}%) phải thấp hơn tỷ lệ kinh phí "
                f"công đoàn của quy chế ({theirs[0]},{theirs[1]:02d}% quỹ lương, tháng "
                f"{month_text(month)}); miễn đóng thì ghi là miễn, không phải giảm",
                f"the reduced rate ({mine[0]}.{mine[1]:02d}%) must be below the policy's union "
                f"fee rate ({theirs[0]}.{theirs[1]:02d}% of the payroll, {month_text(month)}); "
                "an exemption is recorded as one, not as a reduction",
            )
        ]
    )


def _remittance(self: Ledger, work: Work, pc: ParsedCommand, env: dict, item: Any) -> Result:
    cmd = pc.command
    unit = _money_unit(self, work, cmd.unit, cmd.effective_date)
    _begun(pc.body.month, cmd.effective_date)
    _upper_level(self, work, unit, pc.body.to_unit, "body.to_unit", pc.command.effective_date)
    unit.remit(envelope=env)
    return unit, {}


def _upper_level(self: Ledger, work: Work, unit: Unit, other: str, field_: str, on: date) -> None:
    """A remittance goes to, and an allocation comes from, a union above `unit` on the
    entry's date (the tree reports place it under), not in today's tree."""
    above = self._ancestors(work, unit.code, on)[1:]
    if other not in above:
        raise invalid(
            [
                problem(
                    field_,
                    "not_upper_level",
                    f"{other} không phải công đoàn cấp trên của {unit.code}",
                    f"{other} is not an upper level of {unit.code}",
                )
            ]
        )


# --- money out -----------------------------------------------------------------------------


def _payout(self: Ledger, work: Work, pc: ParsedCommand, env: dict, item: SignedItem) -> Result:
    cmd, body = pc.command, pc.body
    unit = _money_unit(self, work, cmd.unit, cmd.effective_date).code
    member: Member = self._require(work, Member, "member", body.member, "body.member")
    policy = self._policy(work, unit, cmd.effective_date)
    problems = check_payout(
        member,
        body,
        policy=policy,
        on=cmd.effective_date,
        unit=unit,
        namesakes=_namesakes(self, work, member, body),
        repeat_days=_repeat_days(self, work, unit, cmd.effective_date, policy, body),
    )
    verdict = {"status": "paid"} | _overridden(problems, body.override)
    if body.await_approval and not item.cosignatures:
        verdict["status"] = "pending"  # asked for, as when the policy requires it
    elif _needs_chair(policy, body) and not item.cosignatures:
        raise _chair_must_sign(
            "khoản chi cần chữ ký thứ hai của Chủ tịch (hoặc gửi chờ duyệt)",
            "this payout needs the chair's second signature (or submit it for approval)",
        )
    member.record_payout(envelope=env | {"ledger": verdict})
    return member, verdict


def _namesakes(self: Ledger, work: Work, member: Member, body: PayoutBody) -> list[Member]:
    """The member's other numbers under one citizen ID, for a payout to the member themself
    (a relative's code belongs to one number)."""
    return [] if body.relative is not None else self._namesakes(work, member)


def _repeat_days(
    self: Ledger, work: Work, unit: str, on: date, policy: Policy | None, body: PayoutBody
) -> int | None:
    """How far apart two payouts for one occasion are one occasion's, when the union's rule
    for the kind counts instalments (`max_per_occasion`): detection's `repeat_window_days`,
    the inspecting level's (the highest union of the chain with a version that day), so the
    ledger refuses what rule 2 would report. None (not needed) otherwise."""
    rule = policy.rule(body.kind) if policy is not None else None
    if rule is None or rule.max_per_occasion is None:
        return None
    judged = oversight(self._books_of(work, self._ancestors(work, unit)), on)
    return judged.detection.repeat_window_days if judged is not None else None


def _overridden(problems: list[Problem], override: Override | None) -> dict[str, Any]:
    """Refuse unless every problem may be overridden and a chair's override is given; what
    the verdict records of it (`overridden`: the codes let through)."""
    hard = [p for p in problems if p.code not in OVERRIDABLE]
    if hard or (problems and override is None):
        raise refused_by_policy(hard or problems)
    return {"overridden": sorted({p.code for p in problems})} if problems else {}


def _needs_chair(policy: Policy | None, body: PayoutBody | LoanDisburseBody) -> bool:
    """Maker-checker: an override, or an amount above the approval threshold."""
    return body.override is not None or (
        policy is not None and policy.needs_second_signature(body.amount)
    )


def _chair_must_sign(vi: str, en: str) -> PolicyViolation:
    return refused_by_policy([problem("cosignatures", "second_signature_required", vi, en)])


def _loan(self: Ledger, work: Work, pc: ParsedCommand, env: dict, item: SignedItem) -> Result:
    cmd, body = pc.command, pc.body
    member: Member = self._require(work, Member, "member", body.member, "body.member")
    if cmd.type == "loan.disburse":
        if body.loan in member.loans:
            raise invalid(
                [
                    problem(
                        "body.loan",
                        "loan_exists",
                        "mã khoản vay đã tồn tại",
                        "loan code already exists",
                    )
                ]
            )
        unit = _money_unit(self, work, cmd.unit, cmd.effective_date).code
        policy = self._policy(work, unit, cmd.effective_date)
        problems = check_loan(member, body, policy=policy, on=cmd.effective_date, unit=unit)
        verdict = _overridden(problems, body.override)
        if _needs_chair(policy, body) and not item.cosignatures:
            raise _chair_must_sign(
                "khoản vay cần chữ ký thứ hai của Chủ tịch khi giải ngân",
                "this loan needs the chair's second signature when it is disbursed",
            )
        member.disburse_loan(envelope=env | ({"ledger": verdict} if verdict else {}))
        return member, verdict
    loan = member.loans.get(body.loan)
    if loan is None:
        raise not_found("loan", body.loan, field_="body.loan")
    lent = next(
        (
            e
            for e, m in member.money.items()
            if m["type"] == "loan.disburse" and m["loan"] == loan.loan
        ),
        None,
    )
    if lent is not None:
        lent_in, lent_on = _recorded(self, work, lent)
        _within(self, work, cmd.unit, lent_in, "khoản vay", "the loan")
        _not_before(lent_on, cmd.effective_date)
    if body.amount > loan.outstanding:
        raise invalid(
            [
                problem(
                    "body.amount",
                    "over_outstanding",
                    f"vượt dư nợ {format_dong(loan.outstanding)}",
                    f"more than the outstanding {format_dong(loan.outstanding)}",
                )
            ]
        )
    if cmd.type == "loan.write_off" and not item.cosignatures:
        raise _chair_must_sign(
            "xóa nợ cần chữ ký thứ hai của Chủ tịch",
            "a write-off needs the chair's second signature",
        )
    (member.repay_loan if cmd.type == "loan.repay" else member.write_off_loan)(envelope=env)
    return member, {}


def _approval(self: Ledger, work: Work, pc: ParsedCommand, env: dict, item: Any) -> Result:
    cmd, body = pc.command, pc.body
    member, record = _find_payout(self, work, body.target)
    paid_in, _day = _recorded(self, work, body.target)
    _within(self, work, cmd.unit, paid_in, "khoản chi", "the payout")
    if record.status != "pending":
        raise invalid(
            [
                problem(
                    "body.target",
                    "not_pending",
                    "khoản chi không ở trạng thái chờ duyệt",
                    "the payout is not waiting for approval",
                )
            ]
        )
    if record.digest != body.target_digest:
        raise invalid(
            [
                problem(
                    "body.target_digest",
                    "digest_mismatch",
                    "mã băm không khớp với khoản chi đã ghi",
                    "digest does not match the recorded payout",
                )
            ]
        )
    if record.recorder == cmd.signer.officer:
        raise refuse(
            "same_maker_checker",
            "người lập và người duyệt là một người",
            "maker and checker are the same officer",
            "command.signer",
            status=403,
        )
    _not_before(record.on, cmd.effective_date)
    verdict: dict[str, Any] = {}
    if body.decision == "approve":
        original = PayoutBody.model_validate(record.body, context={"stored": True})
        # the payout's own unit and policy, whichever level the chair signs for
        unit = paid_in or _unit_code(cmd.unit)
        policy = self._policy(work, unit, record.on)
        problems = check_payout(
            member,
            original,
            policy=policy,
            on=record.on,
            unit=unit,
            exclude=body.target,
            namesakes=_namesakes(self, work, member, original),
            repeat_days=_repeat_days(self, work, unit, record.on, policy, original),
        )
        verdict = _overridden(problems, original.override)
    member.decide_payout(envelope=env | ({"ledger": verdict} if verdict else {}))
    return member, verdict


def _already_reversed() -> InvalidCommand:
    return invalid(
        [problem("body.target", "already_reversed", "bút toán đã được đảo", "already reversed")]
    )


def _reversal(self: Ledger, work: Work, pc: ParsedCommand, env: dict, item: Any) -> Result:
    target = pc.body.target
    aggregate = _find_target(self, work, target)
    target_in, target_on = _recorded(self, work, target)
    _within(self, work, pc.command.unit, target_in, "bút toán", "the entry")
    money = getattr(aggregate, "money", {})
    payouts = getattr(aggregate, "payouts", {})
    if target in payouts:
        if payouts[target].reversed:
            raise _already_reversed()
        if payouts[target].status == "pending":
            raise invalid(
                [
                    problem(
                        "body.target",
                        "pending",
                        "khoản chi đang chờ duyệt: hãy từ chối",
                        "the payout is pending: refuse it instead",
                    )
                ]
            )
    elif target in money:
        if money[target]["reversed"]:
            raise _already_reversed()
        loan = getattr(aggregate, "loans", {}).get(money[target].get("loan"))
        if (
            money[target]["type"] == "loan.disburse"
            and loan is not None
            and (loan.repaid or loan.written_off)
        ):
            raise invalid(
                [
                    problem(
                        "body.target",
                        "loan_has_movements",
                        f"khoản vay {loan.loan} đã có trả nợ hoặc xóa nợ: hãy đảo các bút toán "
                        "đó trước",
                        f"loan {loan.loan} has repayments or write-offs: reverse them first",
                    )
                ]
            )
    elif target in getattr(aggregate, "fee_reliefs_reversed", {}):
        raise _already_reversed()
    elif target in getattr(aggregate, "fee_reliefs", {}):
        # A union fee decision recorded by mistake (wrong span, rate or employer): the chair
        # cosigned it, so undoing it needs the chair too, as recording the right one does.
        # The missing signature is checked last, as for the decision: a reversal the ledger
        # would refuse anyway (dated before the decision) is said so at once, and the web
        # holds for the chair only one whose sole want is the chair's signature.
        _not_before(target_on, pc.command.effective_date)
        if not item.cosignatures:
            raise _chair_must_sign(
                "đảo quyết định miễn, giảm, tạm dừng đóng kinh phí công đoàn cần chữ ký thứ "
                "hai của Chủ tịch",
                "reversing a union fee exemption, reduction or suspension needs the chair's "
                "second signature",
            )
    else:
        raise invalid(
            [
                problem(
                    "body.target",
                    "not_reversible",
                    "chỉ đảo được bút toán thu, chi và quyết định miễn, giảm, tạm dừng đóng "
                    "kinh phí công đoàn",
                    "only money events and union fee decisions can be reversed",
                )
            ]
        )
    _not_before(target_on, pc.command.effective_date)
    aggregate.reverse(envelope=env)
    return aggregate, {}


def _not_before(day: date, on: date) -> None:
    """A reversal, a decision, a loan's repayment or write-off takes effect on or after the
    day of the event it acts on."""
    if on < day:
        raise invalid(
            [
                problem(
                    "effective_date",
                    "before_target",
                    f"ngày hiệu lực trước ngày của bút toán gốc ({day:%d/%m/%Y})",
                    f"effective date before the day of the event it acts on ({day})",
                )
            ]
        )


def _member_statement(self: Ledger, work: Work, pc: ParsedCommand, env: dict, item: Any) -> Result:
    """A member's dispute or receipt confirmation, about an entry of their own history. It
    belongs to the entry's unit (or one above it, for a dissolved union): the inspectors over
    the union that recorded the entry judge it and read the member's words, not those of the
    union the member has since moved to."""
    cmd, body = pc.command, pc.body
    member: Member = self._require(work, Member, "member", body.member, "body.member")
    entry = body.entry
    own = entry in member.payouts or entry in member.money
    if not own:
        with self.transaction() as tx:
            own = (
                tx.scalar(
                    "SELECT COUNT(*) FROM proj_money_lines"
                    " WHERE event_id = :e AND member_number = :m",
                    {"e": entry, "m": member.number},
                )
                > 0
            )
    if not own:
        raise invalid(
            [
                problem(
                    "body.entry",
                    "not_in_history",
                    "bút toán không có trong lịch sử của đoàn viên này",
                    "the entry is not in this member's history",
                )
            ]
        )
    entry_unit = _recorded(self, work, entry)[0]
    _within(self, work, cmd.unit, entry_unit, "bút toán", "the entry")
    if cmd.type == "member.confirm_receipt":
        record = member.payouts.get(entry)
        if record is None or record.status != "paid" or record.reversed:
            raise invalid(
                [
                    problem(
                        "body.entry",
                        "not_a_paid_payout",
                        "chỉ xác nhận được khoản chi đã chi trả",
                        "only a paid payout can be confirmed as received",
                    )
                ]
            )
        if any(s["kind"] == "confirm" and s["entry"] == entry for s in member.statements):
            raise invalid(
                [
                    problem(
                        "body.entry",
                        "already_confirmed",
                        "khoản chi này đã được xác nhận",
                        "receipt of this payout was already confirmed",
                    )
                ]
            )
        # Receiving what one's own open dispute says never arrived contradicts it: the
        # committee judges the dispute first (the member's page offers no confirmation then).
        _no_open_dispute(self, work, member, entry, entry_unit, confirming=True)
        member.confirm_receipt(envelope=env)
    else:
        _no_open_dispute(self, work, member, entry, entry_unit)
        member.dispute(envelope=env)
    return member, {}


def _no_open_dispute(
    self: Ledger,
    work: Work,
    member: Member,
    entry: str,
    entry_unit: str | None,
    *,
    confirming: bool = False,
) -> None:
    """A member disputes an entry once at a time: while an earlier dispute of theirs about it
    is open (no judgment signed for a unit covering the entry's, as detection and the member's
    own view count them), another is refused, so a retry or a double click does not file the
    same complaint twice, and so is confirming its receipt (`confirming`). Once judged, the
    member may dispute it again, or confirm it."""
    covering = self._ancestors(work, entry_unit) if entry_unit else []
    for s in member.statements:
        if s["kind"] != "dispute" or s["entry"] != entry:
            continue
        finding = self._get(work, Finding, "finding", dispute_finding_id(s["event_id"], entry))
        if finding is not None and any(j.get("unit") in covering for j in finding.judgments):
            continue
        on = date.fromisoformat(s["on"])
        vi = (
            f"đoàn viên đã phản ánh bút toán này ngày {on:%d/%m/%Y} (mã {s['event_id']}), "
            "Ủy ban kiểm tra chưa kết luận"
        )
        en = (
            f"the member already disputed this entry on {on:%d/%m/%Y} (event {s['event_id']}), "
            "not yet judged by the inspection committee"
        )
        if confirming:
            vi += "; xác nhận đã nhận sau khi Ủy ban kiểm tra kết luận phản ánh"
            en += "; confirm receiving it once the committee has judged the dispute"
        raise Conflict(
            code="dispute_open",
            vi=f"Phản ánh đang chờ xử lý: {vi}",
            en=f"A dispute is still open: {en}",
            problems=[problem("body.entry", "dispute_open", vi, en)],
            status=409,
        )


def _finding_resolve(self: Ledger, work: Work, pc: ParsedCommand, env: dict, item: Any) -> Result:
    finding = self._get(work, Finding, "finding", pc.body.finding)
    if finding is None:
        return Finding(envelope=env), {}
    finding.judge(envelope=env)
    return finding, {}


def _find_target(self: Ledger, work: Work, event_id: str) -> Any:
    if event_id in work.event_ids:
        return work.touched[work.event_ids[event_id]]
    row = self.entry(event_id)
    if row is None:
        raise not_found("event", event_id, field_="body.target")
    from uuid import UUID

    aid = UUID(row["originator_id"])
    if aid not in work.touched:
        work.touched[aid] = self.repository.get(aid)
    return work.touched[aid]


def _recorded(self: Ledger, work: Work, event_id: str) -> tuple[str | None, date]:
    """The unit and effective day of an event the caller found (this batch's item, or the
    log's entry): what a reversal, a decision or a loan movement is checked against."""
    meta = next((m for m in work.metas.values() if m.event_id == event_id), None)
    if meta is not None:
        return meta.unit, meta.effective_date
    row = self.entry(event_id)
    assert row is not None  # the caller found the event
    day = row["effective_date"]
    return row["unit_code"], day if isinstance(day, date) else date.fromisoformat(str(day))


def _within(
    self: Ledger, work: Work, unit: str | None, target: str | None, what_vi: str, what_en: str
) -> None:
    """Refuse a command on something of a unit outside the command's own unit and those below
    it: the signer's role is checked over the command's unit, so another union's payout,
    loan or member must not be reachable by naming one's own unit."""
    if target is None or unit == target or (unit and unit in self._ancestors(work, target)):
        return
    raise invalid(
        [
            problem(
                "unit",
                "wrong_unit",
                f"{what_vi} không thuộc đơn vị {unit} của lệnh hay đơn vị cấp dưới",
                f"{what_en} is not of the command's unit {unit} or a unit below it",
            )
        ]
    )


def _find_payout(self: Ledger, work: Work, event_id: str) -> tuple[Member, Any]:
    aggregate = _find_target(self, work, event_id)
    if not isinstance(aggregate, Member) or event_id not in aggregate.payouts:
        raise invalid(
            [
                problem(
                    "body.target",
                    "not_a_payout",
                    "bút toán không phải khoản chi",
                    "the target is not a payout",
                )
            ]
        )
    return aggregate, aggregate.payouts[event_id]


# Which handler records each command type (every type of COMMANDS has one; a test checks).
HANDLERS: dict[str, Callable[..., Result]] = {
    "ledger.genesis": _genesis,
    "unit.register": _unit_register,
    "unit.rename": _unit_simple,
    "unit.move": _unit_move,
    "unit.dissolve": _unit_simple,
    "policy.adopt": _policy_adopt,
    "officer.register": _officer_register,
    "officer.link_member": _officer_link_member,
    "officer.grant": _officer_change,
    "officer.revoke_role": _officer_change,
    "officer.rotate_key": _officer_change,
    "officer.revoke_key": _officer_change,
    "member.join": _member_join,
    "member.transfer": _member_change,
    "member.leave": _member_change,
    "member.death": _member_change,
    "member.household": _member_change,
    "member.relative": _member_change,
    "member.salary": _member_change,
    "member.erase": _member_change,
    "member.erase_relative": _member_change,
    "collection.dues": _dues,
    "collection.union_fee": _unit_money,
    "collection.other": _unit_money,
    "union_fee.relief": _fee_relief,
    "remittance.record": _remittance,
    "expense.record": _unit_money,
    "payout.record": _payout,
    "loan.disburse": _loan,
    "loan.repay": _loan,
    "loan.write_off": _loan,
    "approval.decide": _approval,
    "reversal.record": _reversal,
    "member.dispute": _member_statement,
    "member.confirm_receipt": _member_statement,
    "finding.resolve": _finding_resolve,
}
