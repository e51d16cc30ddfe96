"""Bad input is refused naming the field (and the file's row), and NOTHING is stored: every
table of the ledger holds the same rows before and after, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from ledger.domain.errors import InvalidCommand, LedgerError
from tests.integration.test_cli import cli, keys_for_world
from tests.support import at


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def table_rows(world: Any) -> dict[str, int]:
    """Rows of every table of the ledger's database (events, entries, keys, read models...)."""
    with world.ctx.engine.connect() as conn:
        names = sorted(inspect(conn).get_table_names())
        return {n: int(conn.scalar(text(f'SELECT count(*) FROM "{n}"')) or 0) for n in names}


def refused_fields(call: Any) -> list[str]:
    with pytest.raises(InvalidCommand) as exc:
        call()
    return [p.field for p in exc.value.problems]


# --- months: ASCII digits only ---------------------------------------------------------------

# Full-width and other Unicode decimal digits: a regex `\d` takes them, and `int()` reads them,
# but a period label with them is no month any part of the ledger can count.
WIDE_MONTH = "20\uff125-03"  # "20２5-03"


def test_a_month_with_full_width_digits_is_refused_everywhere(
    world: Any, database_url: str, home: Path
) -> None:
    world.join("DV001", on="2024-07-01")
    before = table_rows(world)
    line = {"member": "DV001", "salary_basis": 6_000_000, "amount": 60_000}
    with at("2024-08-10"):
        assert refused_fields(
            lambda: world.submit(
                "collection.dues",
                by=world.kt,
                unit="G1",
                effective_date="2024-08-10",
                body={"month": WIDE_MONTH, "lines": [line]},
            )
        ) == ["body.month"]
    assert table_rows(world) == before
    # the command line: a usage error naming the option, before anything is signed
    keys_for_world(home, "kt.g1")
    payroll = home.parent / "bang_luong.csv"
    payroll.write_text("Mã đoàn viên,Lương đóng BHXH\nDV001,6.000.000\n", "utf-8")
    r = cli(
        home,
        database_url,
        f"record collection dues G1 --month {WIDE_MONTH} --date 2024-08-10 --as kt.g1",
        "--file",
        str(payroll),
    )
    assert r.exit_code == 2, r.output
    assert "--month: tháng không hợp lệ" in r.stderr and "Traceback" not in r.output
    assert table_rows(world) == before
    # an import file: the row and the column are named
    rows = home.parent / "dues.csv"
    rows.write_text(
        "type,unit,effective_date,month,member,salary_basis\n"
        f"collection.dues.line,G1,2024-08-10,{WIDE_MONTH},DV001,6.000.000\n",
        "utf-8",
    )
    r = cli(home, database_url, "import --as kt.g1", str(rows))
    assert r.exit_code == 1, r.output
    assert "dòng 2, trường month: tháng phải dạng YYYY-MM" in r.stderr
    assert "Traceback" not in r.output
    assert table_rows(world) == before


# --- a person's name: NFC, no hidden characters ----------------------------------------------


def _join_signed_as_typed(world: Any, number: str, name: str) -> dict[str, Any]:
    """A member.join whose name is committed exactly as given (an API client's own signing,
    without `ledger.client`'s normalisation)."""
    from ledger.client import build
    from ledger.privacy import make_personal

    commitments, openings = make_personal(
        {"full_name": name, "citizen_id": "079190000111", "date_of_birth": "1990-01-01"}
    )
    return build(
        "member.join",
        by=world.kt,
        unit="G1",
        effective_date="2024-07-01",
        body={"member": number, "salary_basis": 6_000_000, "personal": commitments},
    ) | {"openings": openings}


@pytest.mark.parametrize(
    "name",
    [
        "Le\u0302 Va\u0306n An",  # decomposed (NFD): "Lê Văn An" that matches no other
        "Lê\u200b Văn An",  # a zero-width space
        "\u202eLê Văn An",  # a right-to-left override
        "Lê\x01Văn",
        "\u200b",
        " ",
        "A" * 201,
    ],
)
def test_a_name_signed_decomposed_or_with_hidden_characters_is_refused(
    world: Any, name: str
) -> None:
    before = table_rows(world)
    with at("2024-07-01"):
        item = _join_signed_as_typed(world, "DV050", name)
        assert refused_fields(lambda: world.ledger.submit(item)) == ["openings.full_name"]
    assert table_rows(world) == before


def test_the_command_line_signs_a_name_as_nfc_and_refuses_hidden_characters(
    world: Any, database_url: str, home: Path
) -> None:
    keys_for_world(home, "kt.g1")
    world.join("DV001")
    add = (
        "members add {number} --unit G1 --citizen-id {cid} --dob 1990-01-01"
        " --salary 6.000.000 --date 2024-07-01 --as kt.g1"
    )
    before = table_rows(world)
    for name in ("Lê\u200bVăn An", "\u202eLê Văn An", "A" * 201):
        r = cli(home, database_url, add.format(number="DV060", cid="079190000060"), "--name", name)
        assert r.exit_code == 2, r.output
        assert r.stderr.count("--name: họ tên") == 1, r.stderr
        assert table_rows(world) == before
    r = cli(
        home,
        database_url,
        add.format(number="DV061", cid="079190000061"),
        "--name",
        "Le\u0302 Va\u0306n An",
    )
    assert r.exit_code == 0, r.output
    shown = cli(home, database_url, "members show DV061 --json")
    assert '"Lê Văn An"' in shown.stdout  # sealed as NFC, one spelling with every other "Lê"


# --- free text: no hidden characters ----------------------------------------------------------

ZWSP, RLO, BOM, LSEP = "\u200b", "\u202e", "\ufeff", "\u2028"


@pytest.mark.parametrize(
    ("type_", "body", "field"),
    [
        # a zero-width space: "Tết Ất Tỵ" twice would read as two occasions
        ("payout.record", {"occasion": "Tết" + ZWSP + " Ất Tỵ"}, "body.occasion"),
        ("payout.record", {"occasion": RLO + "Tết Ất Tỵ"}, "body.occasion"),
        ("payout.record", {"occasion": "Tết\nẤt Tỵ"}, "body.occasion"),  # one line only
        ("payout.record", {"occasion": "Tết" + LSEP + "Ất Tỵ"}, "body.occasion"),
        (
            "payout.record",
            {"occasion": "Tết", "document_ref": "PC" + BOM + "01"},
            "body.document_ref",
        ),
        ("expense.record", {"description": "Hội nghị" + ZWSP}, "body.description"),
        ("expense.record", {"description": "Hội nghị\x1b[2K"}, "body.description"),
        ("collection.other", {"description": "Tài trợ" + RLO}, "body.description"),
        ("reversal.record", {"reason": "Ghi nhầm\u2066"}, "body.reason"),
    ],
)
def test_free_text_with_hidden_characters_is_refused_naming_the_field(
    world: Any, type_: str, body: dict[str, Any], field: str
) -> None:
    world.join("DV001")
    full = {
        "payout.record": {"member": "DV001", "kind": "gift", "amount": 300_000},
        "expense.record": {"category": "movement", "amount": 1_000_000},
        "collection.other": {"source": "donation", "amount": 1_000_000},
        "reversal.record": {"target": "00000000-0000-4000-8000-000000000000"},
    }[type_] | body
    before = table_rows(world)
    with at("2024-09-02"):
        fields = refused_fields(
            lambda: world.submit(
                type_, by=world.kt, unit="G1", effective_date="2024-09-02", body=full
            )
        )
    assert fields == [field]
    assert table_rows(world) == before


def test_hidden_characters_are_named_and_line_breaks_allowed_in_a_multi_line_text(
    world: Any,
) -> None:
    with at("2024-09-02"):
        with pytest.raises(InvalidCommand) as exc:
            world.submit(
                "expense.record",
                by=world.kt,
                unit="G1",
                effective_date="2024-09-02",
                body={
                    "category": "movement",
                    "amount": 1_000_000,
                    "description": "Hội" + ZWSP + " nghị" + RLO,
                },
            )
        (p,) = exc.value.problems
        assert p.vi == ("chứa ký tự điều khiển hoặc ký tự ẩn (U+200B, U+202E); chỉ được xuống dòng")
        assert p.en == (
            "holds control or invisible characters (U+200B, U+202E); only line breaks are allowed"
        )
        receipt = world.submit(
            "expense.record",
            by=world.kt,
            unit="G1",
            effective_date="2024-09-02",
            body={
                "category": "movement",
                "amount": 1_000_000,
                "description": "Hội nghị người lao động\r\nChi nước uống\tbánh",
            },
        )
        assert receipt.status == "recorded"


@pytest.mark.parametrize(
    ("type_", "field", "value"),
    [
        ("payout.record", "reason", "Sốt xuất huyết" + ZWSP),
        ("payout.record", "reason", RLO + "Sốt xuất huyết"),
        ("loan.disburse", "reason", "Sửa nhà\u2067"),
        ("member.household", "household_status", "poor" + ZWSP),
        ("member.household", "household_status", "rất nghèo"),
    ],
)
def test_a_personal_free_text_with_hidden_characters_is_refused_before_it_is_sealed(
    world: Any, type_: str, field: str, value: str
) -> None:
    world.join("DV001")
    body = {
        "payout.record": {
            "member": "DV001",
            "kind": "sickness_visit",
            "amount": 300_000,
            "occasion": "Ốm nằm viện",
        },
        "loan.disburse": {
            "member": "DV001",
            "loan": "V1",
            "fund": "tro_von",
            "amount": 5_000_000,
            "term_months": 12,
        },
        "member.household": {"member": "DV001"},
    }[type_]
    before = table_rows(world)
    with at("2024-09-02"):
        fields = refused_fields(
            lambda: world.submit(
                type_,
                by=world.kt,
                unit="G1",
                effective_date="2024-09-02",
                body=body,
                personal={field: value},
            )
        )
    assert fields == [f"openings.{field}"]
    assert table_rows(world) == before


# --- dates that cannot have happened yet ------------------------------------------------------


def test_a_death_dated_after_today_is_refused_naming_the_date(world: Any) -> None:
    world.join("DV001")
    before = table_rows(world)
    with at("2024-09-02"):
        with pytest.raises(InvalidCommand) as exc:
            world.submit(
                "member.death",
                by=world.kt,
                unit="G1",
                effective_date="2024-09-03",
                body={"member": "DV001"},
            )
        assert [(p.field, p.code, p.vi) for p in exc.value.problems] == [
            (
                "effective_date",
                "in_the_future",
                "ngày mất 03/09/2024 sau hôm nay (02/09/2024): chỉ ghi khi đã xảy ra",
            )
        ]
        assert table_rows(world) == before
        # today (or earlier) is recorded; the member is then deceased
        world.submit(
            "member.death",
            by=world.kt,
            unit="G1",
            effective_date="2024-09-02",
            body={"member": "DV001"},
        )
    assert world.ledger.get_member("DV001").left_on.isoformat() == "2024-09-02"


@pytest.mark.parametrize(
    ("type_", "body", "vi", "en"),
    [
        (
            "member.join",
            {"member": "DV070", "salary_basis": 6_000_000},
            "ngày kết nạp 03/09/2024 sau hôm nay (02/09/2024): chỉ ghi khi đã xảy ra",
            "the date of joining 2024-09-03 is after today (2024-09-02): it is recorded "
            "once it has happened",
        ),
        (
            "member.leave",
            {"member": "DV001", "reason": "Nghỉ hưu"},
            "ngày thôi sinh hoạt 03/09/2024 sau hôm nay (02/09/2024): chỉ ghi khi đã xảy ra",
            "the date of leaving 2024-09-03 is after today (2024-09-02): it is recorded "
            "once it has happened",
        ),
        (
            "member.transfer",
            {"member": "DV001", "to_unit": "G2"},
            "ngày chuyển sinh hoạt 03/09/2024 sau hôm nay (02/09/2024): chỉ ghi khi đã xảy ra",
            "the date of transfer 2024-09-03 is after today (2024-09-02): it is recorded "
            "once it has happened",
        ),
        (
            "member.relative",
            {"member": "DV001", "relative": "R1", "relation": "child"},
            "ngày khai báo thân nhân 03/09/2024 sau hôm nay (02/09/2024): chỉ ghi khi đã xảy ra",
            "the date the relative was declared 2024-09-03 is after today (2024-09-02): it is "
            "recorded once it has happened",
        ),
    ],
)
def test_a_membership_change_dated_after_today_is_refused_naming_the_date(
    world: Any, type_: str, body: dict[str, Any], vi: str, en: str
) -> None:
    world.join("DV001")
    before = table_rows(world)
    personal = {
        "member.join": {
            "full_name": "Lê Văn An",
            "citizen_id": "079190000070",
            "date_of_birth": "1990-01-01",
        },
        "member.relative": {"full_name": "Lê Bé Na", "date_of_birth": "2019-01-01"},
    }.get(type_)
    with at("2024-09-02"):
        with pytest.raises(InvalidCommand) as exc:
            world.submit(
                type_,
                by=world.kt,
                unit="G1",
                effective_date="2024-09-03",
                body=body,
                personal=personal,
            )
        assert [(p.field, p.code, p.vi, p.en) for p in exc.value.problems] == [
            ("effective_date", "in_the_future", vi, en)
        ]
        assert table_rows(world) == before
        # dated today, the same command is recorded
        world.submit(
            type_, by=world.kt, unit="G1", effective_date="2024-09-02", body=body, personal=personal
        )
    assert table_rows(world) != before


def test_an_erasure_dated_after_today_is_refused_and_the_data_kept(world: Any) -> None:
    """`members erase --date 2030-01-01` destroyed the member's key at once and signed into
    the log that it happened in 2030: the record of an erasure (Decree 13) said a day it was
    not done."""
    world.join("DV001")
    before = table_rows(world)
    with at("2024-09-02"):
        with pytest.raises(InvalidCommand) as exc:
            world.submit(
                "member.erase",
                by=world.admin,
                unit="G1",
                effective_date="2030-01-01",
                body={"member": "DV001", "reason": "Đơn số 7"},
            )
        assert [(p.field, p.code, p.vi, p.en) for p in exc.value.problems] == [
            (
                "effective_date",
                "in_the_future",
                "ngày xóa dữ liệu cá nhân 01/01/2030 sau hôm nay (02/09/2024): chỉ ghi khi đã "
                "xảy ra",
                "the date of erasure 2030-01-01 is after today (2024-09-02): it is recorded "
                "once it has happened",
            )
        ]
        assert table_rows(world) == before
        assert world.ledger.reveal("DV001")["full_name"] == "Đoàn viên DV001"


def test_a_unit_registered_after_today_is_refused_naming_the_date(world: Any) -> None:
    before = table_rows(world)
    body = {"code": "G3", "name": "CĐCS Công ty Dệt", "level": "Cơ sở", "parent": "D"}
    with at("2024-09-02"):
        with pytest.raises(InvalidCommand) as exc:
            world.submit("unit.register", by=world.admin, effective_date="2024-09-03", body=body)
        assert [(p.field, p.code, p.vi) for p in exc.value.problems] == [
            (
                "effective_date",
                "in_the_future",
                "ngày thành lập đơn vị 03/09/2024 sau hôm nay (02/09/2024): chỉ ghi khi đã xảy ra",
            )
        ]
        assert table_rows(world) == before
        world.submit("unit.register", by=world.admin, effective_date="2024-09-02", body=body)
    assert world.ledger.get_unit("G3") is not None


def test_a_payout_dated_after_today_is_refused_with_the_dates_as_the_others_write_them(
    world: Any,
) -> None:
    """The money refusal wrote its Vietnamese dates 2024-09-03 where a join, leave, transfer or
    unit dated ahead writes 03/09/2024."""
    world.join("DV001")
    before = table_rows(world)
    with at("2024-09-02"), pytest.raises(InvalidCommand) as exc:
        world.submit(
            "payout.record",
            by=world.kt,
            unit="G1",
            effective_date="2024-09-03",
            body={"member": "DV001", "kind": "gift", "amount": 300_000, "occasion": "2/9"},
        )
    assert [(p.field, p.code, p.vi, p.en) for p in exc.value.problems] == [
        (
            "command.effective_date",
            "in_the_future",
            "ngày hiệu lực 03/09/2024 sau hôm nay (02/09/2024): thu, chi chỉ ghi khi đã xảy ra",
            "effective date 2024-09-03 is after today (2024-09-02): money is recorded once it "
            "has moved",
        )
    ]
    assert table_rows(world) == before


def test_the_command_line_refuses_a_join_dated_after_today(
    world: Any, database_url: str, home: Path
) -> None:
    keys_for_world(home, "kt.g1")
    world.join("DV001")
    before = table_rows(world)
    with at("2024-09-02"):
        r = cli(
            home,
            database_url,
            "members add DV071 --unit G1 --citizen-id 079190000071 --dob 1990-01-01"
            " --salary 6.000.000 --date 2024-09-03 --as kt.g1 --name",
            "Lê Văn An",
        )
    assert r.exit_code != 0, r.output
    assert "ngày kết nạp 03/09/2024 sau hôm nay (02/09/2024)" in r.stderr, r.stderr
    assert "Traceback" not in r.output
    assert table_rows(world) == before


# --- a refused first join leaves the database as it was ----------------------------------------


def table_contents(world: Any) -> dict[str, list[str]]:
    """Every row of every table of the ledger's database, as sorted text (keys included)."""
    with world.ctx.engine.connect() as conn:
        names = sorted(inspect(conn).get_table_names())
        return {
            n: sorted(repr(tuple(row)) for row in conn.execute(text(f'SELECT * FROM "{n}"')))
            for n in names
        }


def test_a_refused_first_join_creates_no_blind_index_key(world: Any) -> None:
    before = table_contents(world)
    assert before["ledger_secrets"] == []  # no member yet: no blind index was ever computed
    with at("2024-07-01"):
        # the citizen ID is indexed, the name (decomposed) refused
        item = _join_signed_as_typed(world, "DV050", "Le\u0302 Va\u0306n An")
        assert refused_fields(lambda: world.ledger.submit(item)) == ["openings.full_name"]
        assert table_contents(world) == before
        # a batch whose second join is refused: the first one's index is not kept either
        good = _join_signed_as_typed(world, "DV051", "Lê Văn An")
        taken = _join_signed_as_typed(world, "DV051", "Lê Văn Bình")
        with pytest.raises(LedgerError) as exc:
            world.ledger.submit_batch([good, taken])
        assert [p.field for p in exc.value.problems] == ["line 2: body.member"]
        assert table_contents(world) == before
        # recorded, the join stores the key with its events, and the next join uses it
        world.ledger.submit(good)
    (secret,) = table_contents(world)["ledger_secrets"]
    assert "blind_index_key" in secret
    world.join("DV052", cid="079190000111")  # the same citizen ID as DV051's
    indexed = world.ledger.get_member("DV051").blind["citizen_id"]
    assert world.ledger.get_member("DV052").blind["citizen_id"] == indexed


def test_a_blind_index_key_stored_meanwhile_by_another_writer_sends_the_batch_round_again(
    world: Any,
) -> None:
    from ledger.entries import StaleHead
    from ledger.vault import INDEX_KEY, Vault

    vault = world.ctx.vault
    other = Vault(world.ctx.engine)
    stored = other.secret(INDEX_KEY, note="another process's first join")
    assert vault.stored_index_key() == stored
    with world.ledger.transaction() as tx:
        vault.index_key_writer(stored)(tx, [])  # the key already stored: nothing to do
        with pytest.raises(StaleHead):
            vault.index_key_writer(b"\x01" * 32)(tx, [])


# --- free text: Unicode NFC ---------------------------------------------------------------------


def nfd(text_: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFD", text_)


def _signed_as_typed(
    signer: Any, type_: str, body: dict[str, Any], *, unit: str | None, on: str
) -> dict[str, Any]:
    """A command signed exactly as given, without `ledger.client.build`'s NFC: what an API
    client of its own may send."""
    import uuid

    from ledger.canonical import canonical_bytes
    from ledger.domain.commands import SCHEMA
    from ledger.signing import encode_b64

    command: dict[str, Any] = {
        "schema": SCHEMA,
        "type": type_,
        "command_id": str(uuid.uuid4()),
        "effective_date": on,
        "signer": {"officer": signer.officer, "key_id": signer.key_id},
        "signed_at": f"{on}T03:00:00+00:00",
        "body": body,
    }
    if unit is not None:
        command["unit"] = unit
    return {
        "command": command,
        "signature": encode_b64(signer.signer.sign(canonical_bytes(command))),
    }


IN_KIND = {"quantity": 2, "unit_cost": 150_000, "supplier": "Siêu thị Co.op"}


@pytest.mark.parametrize(
    ("type_", "body", "field"),
    [
        ("payout.record", {"occasion": nfd("Quà Tết")}, "body.occasion"),
        (
            "payout.record",
            {"occasion": "Tết", "form": "in_kind", "in_kind": IN_KIND | {"item": nfd("Gạo")}},
            "body.in_kind.item",
        ),
        ("expense.record", {"description": nfd("Hội nghị người lao động")}, "body.description"),
        ("unit.register", {"name": nfd("CĐCS Công ty Dệt")}, "body.name"),
    ],
)
def test_a_free_text_signed_decomposed_is_refused_naming_the_field(
    world: Any, type_: str, body: dict[str, Any], field: str
) -> None:
    world.join("DV001")
    full = {
        "payout.record": {"member": "DV001", "kind": "gift", "amount": 300_000},
        "expense.record": {"category": "movement", "amount": 1_000_000},
        "unit.register": {"code": "G3", "level": "Cơ sở", "parent": "D"},
    }[type_] | body
    signer, unit = (world.admin, None) if type_ == "unit.register" else (world.kt, "G1")
    before = table_rows(world)
    with at("2024-09-02"):
        item = _signed_as_typed(signer, type_, full, unit=unit, on="2024-09-02")
        with pytest.raises(InvalidCommand) as exc:
            world.ledger.submit(item)
    assert [(p.field, p.vi, p.en) for p in exc.value.problems] == [
        (
            field,
            "chưa chuẩn hóa Unicode NFC (chữ có dấu ở dạng tổ hợp): hãy chuẩn hóa trước khi ký",
            "is not in Unicode NFC (accented letters are decomposed): normalise it before signing",
        )
    ]
    assert table_rows(world) == before


def test_a_personal_reason_or_a_policy_label_signed_decomposed_is_refused(world: Any) -> None:
    from ledger.domain.policy import load_default_book
    from ledger.privacy import make_personal

    world.join("DV001")
    before = table_rows(world)
    commitments, openings = make_personal({"reason": nfd("Sốt xuất huyết")})
    body = {"member": "DV001", "kind": "sickness_visit", "amount": 300_000, "occasion": "Ốm"}
    with at("2024-09-02"):
        item = _signed_as_typed(
            world.kt, "payout.record", body | {"personal": commitments}, unit="G1", on="2024-09-02"
        )
        assert refused_fields(lambda: world.ledger.submit(item | {"openings": openings})) == [
            "openings.reason"
        ]
        policy = load_default_book().to_dict()["versions"][0]
        policy["version"] = nfd("Quy chế Tết 2025")
        policy["effective_from"] = "2024-10-01"
        item = _signed_as_typed(
            world.admin, "policy.adopt", {"policy": policy}, unit="G1", on="2024-10-01"
        )
        assert refused_fields(lambda: world.ledger.submit(item)) == ["body.policy.version"]
    assert table_rows(world) == before


def test_the_clients_sign_a_decomposed_free_text_as_nfc(
    world: Any, database_url: str, home: Path
) -> None:
    keys_for_world(home, "kt.g1")
    world.join("DV001")
    # ledger.client (the API's own client, the portal, the tests)
    with at("2024-09-02"):
        receipt = world.submit(
            "payout.record",
            by=world.kt,
            unit="G1",
            effective_date="2024-09-02",
            body={"member": "DV001", "kind": "gift", "amount": 300_000, "occasion": "Sinh con"},
            personal={"reason": nfd("Sinh con thứ nhất")},
        )
    # the command line
    with at("2024-09-03"):
        r = cli(
            home,
            database_url,
            "record payout G1 --member DV001 --kind gift --amount 200.000 --as kt.g1 --occasion",
            nfd("Quà Tết"),
        )
    assert r.exit_code == 0, r.output
    member = world.ledger.get_member("DV001")
    occasions = sorted(p.occasion for p in member.payouts.values())
    assert occasions == ["Quà Tết", "Sinh con"] and occasions[0] != nfd("Quà Tết")
    assert (
        world.ledger.reveal("DV001")["payouts"][receipt.event_id]["reason"] == "Sinh con thứ nhất"
    )


# --- a payroll with hidden rows ----------------------------------------------------------------


def test_a_payroll_with_a_hidden_row_is_refused_on_the_command_line(
    world: Any, database_url: str, home: Path
) -> None:
    from openpyxl import Workbook

    keys_for_world(home, "kt.g1")
    world.join("DV001")
    world.join("DV002")
    before = table_rows(world)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "T8"
    sheet.append(["Mã đoàn viên", "Lương đóng BHXH"])
    sheet.append(["DV001", 6_000_000])
    sheet.append(["DV002", 6_000_000])
    sheet.row_dimensions[3].hidden = True
    payroll = home.parent / "bang_luong.xlsx"
    book.save(payroll)
    dues = "record collection dues G1 --month 2024-08 --date 2024-08-10 --as kt.g1 --file"
    with at("2024-08-10"):
        r = cli(home, database_url, dues, str(payroll))
    assert r.exit_code != 0, r.output
    assert "Trang tính 'T8' có dòng bị ẩn chứa dữ liệu: dòng 3." in r.stderr, r.stderr
    assert "Traceback" not in r.output
    assert table_rows(world) == before
