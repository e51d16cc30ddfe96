"""The `phucloi` command line, end to end, on SQLite and on PostgreSQL (`database_url`).

Each test runs the CLI in-process with `PHUCLOI_HOME` in a temporary directory (keystore and
all) and `--db` pointing at the test database. Tests that need a populated ledger build the
small world of `tests.support` through the API and put the same deterministic keys in the
CLI's keystore, so only the behaviour under test goes through the CLI.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import unicodedata
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner, Result

from ledger import clock
from ledger.bootstrap import open_ledger
from ledger.cli.main import app
from ledger.client import build
from ledger.domain.policy import load_default_book
from ledger.keystore import Keystore
from ledger.tables import ledger_entries
from tests.support import at, officer_key

PASSPHRASE = "mat-khau-thu-nghiem"
DATA = Path(__file__).resolve().parent.parent / "data" / "import"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def cli(home: Path, db: str | None, command: str, *extra: str, **env: str | None) -> Result:
    """Run `phucloi --db DB <command> <extra...>`; `command` is split like a shell line."""
    environment: dict[str, str | None] = {
        "PHUCLOI_HOME": str(home),
        "PHUCLOI_PASSPHRASE": PASSPHRASE,
        "PHUCLOI_COSIGN_PASSPHRASE": PASSPHRASE,
        "PHUCLOI_DATABASE_URL": None,
        "COLUMNS": "200",
    }
    environment.update(env)
    argv = [*(["--db", db] if db else []), *shlex.split(command), *extra]
    return CliRunner(env=environment).invoke(app, argv)


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.output}\n{result.exception!r}"
    return result


def as_json(result: Result) -> Any:
    return json.loads(ok(result).stdout)


def count_entries(url: str, command_type: str | None = None) -> int:
    engine = create_engine(url)
    try:
        query = select(func.count()).select_from(ledger_entries)
        if command_type:
            query = query.where(ledger_entries.c.command_type == command_type)
        with engine.connect() as conn:
            return int(conn.execute(query).scalar_one())
    finally:
        engine.dispose()


def keys_for_world(home: Path, *names: str) -> None:
    """Put the deterministic keys of tests.support into the CLI's keystore."""
    ks = Keystore(home / "keys")
    for name in names:
        raw = hashlib.sha256(f"phucloi-test-key:{name}".encode()).digest()
        ks.import_private(name, raw, PASSPHRASE)


# --- the whole path through the CLI ---------------------------------------------------------


def test_a_new_ledger_from_init_to_payout(database_url: str, home: Path) -> None:
    db = database_url
    r = ok(cli(home, db, "init --admin admin --name 'Nguyễn Quản Trị'"))
    admin_key = Keystore(home / "keys").public("admin")
    assert admin_key.key_id in r.stdout and admin_key.public_key_b64 in r.stdout
    assert count_entries(db) == 1 and count_entries(db, "ledger.genesis") == 1
    ok(cli(home, db, "init --admin admin"))  # running it again changes nothing
    assert count_entries(db) == 1
    # A second administrator by init is refused, and leaves no key behind for them.
    r = cli(home, db, "init --admin admin2 --name 'Người Khác'")
    assert r.exit_code != 0 and count_entries(db) == 1
    assert not (home / "keys" / "admin2.pem").exists()
    assert not (home / "keys" / "admin2.pub").exists()
    ctx = open_ledger(db)
    try:
        officer = ctx.ledger.get_officer("admin")
        assert officer is not None and officer.name == "Nguyễn Quản Trị"
        assert list(officer.keys) == [admin_key.key_id]
    finally:
        ctx.close()

    # keys
    new = as_json(cli(home, db, "keys new kt --json"))
    assert new["name"] == "kt" and len(new["key_id"]) == 16
    assert ok(cli(home, db, "keys public kt")).stdout.strip() == new["public_key"]
    assert [k["name"] for k in as_json(cli(home, db, "keys list --json"))] == ["admin", "kt"]
    assert new["key_id"] in ok(cli(home, db, "keys list")).stdout

    # units
    ok(cli(home, db, "units add P --name 'LĐLĐ tỉnh Bình Dương' --level Tỉnh --as admin"))
    r = ok(
        cli(
            home, db, "units add G1 --name 'CĐCS May Sông Bé' --level 'Cơ sở' --parent P --as admin"
        )
    )
    assert "unit.register" in r.stdout and "đã ghi" in r.stdout
    tree = ok(cli(home, db, "units list")).stdout
    assert tree.index("LĐLĐ tỉnh Bình Dương") < tree.index("CĐCS May Sông Bé")

    # policy: a file that is not UTF-8 text is refused naming its line; nothing stored
    legacy = home.parent / "quy-che.json"
    legacy.write_bytes(b'{"versions": []}\n{"ghi_ch\xfa": 1}\n')
    before = count_entries(db)
    r = cli(home, db, f"policy adopt P {legacy} --as admin")
    assert r.exit_code == 2 and "dòng 2: tệp phải là UTF-8" in r.stderr, r.output
    assert count_entries(db) == before
    # a version from a date outside the Tết table is refused naming the field; nothing stored
    far = home.parent / "quy-che-9999.json"
    version = load_default_book().to_dict()["versions"][0]
    version |= {"version": "9999", "effective_from": "9999-12-31"}
    far.write_text(json.dumps({"versions": [version]}), "utf-8")
    r = cli(home, db, f"policy adopt P {far} --as admin")
    assert r.exit_code in (1, 2) and "versions[0].effective_from (9999)" in r.output, r.output
    assert "bảng ngày Tết 2000–2060" in r.output and "the Tết table 2000–2060" in r.output
    assert count_entries(db) == before
    # both default versions in one batch; G1 inherits from P
    receipts = as_json(cli(home, db, "policy adopt P --default --as admin --json"))
    assert [r["command_type"] for r in receipts] == ["policy.adopt", "policy.adopt"]
    shown = ok(cli(home, db, "policy show G1 --on 2024-08-01")).stdout
    assert "inherited from P" in shown and "2024-07" in shown and "1%" in shown
    assert "234.000 đ" in shown and "1.000.000 đ" in shown  # dues cap, sickness visit cap

    # officer and role
    ok(cli(home, db, "officers add kt --name 'Nguyễn Thị Lan' --key kt --as admin"))
    ok(cli(home, db, "officers grant kt finance_officer --scope G1 --as admin"))
    officers = as_json(cli(home, db, "officers list --json"))
    kt = next(o for o in officers if o["code"] == "kt")
    assert [(g["role"], g["scope"]) for g in kt["roles"]] == [("finance_officer", "G1")]
    assert [k["key_id"] for k in kt["keys"]] == [new["key_id"]]

    # member and payout
    ok(
        cli(
            home,
            db,
            "members add DV001 --unit G1 --name 'Nguyễn Văn An' --citizen-id '079 123 456 789'"
            " --dob 17/05/1990 --salary 6.000.000 --as kt",
        )
    )
    visit = "record payout G1 --member DV001 --kind sickness_visit --occasion 'Thăm ốm' --as kt"
    paid = as_json(cli(home, db, visit, "--amount", "500.000", "--reason", "sốt", "--json"))
    assert paid["status"] == "paid" and paid["command_type"] == "payout.record"
    shown = ok(cli(home, db, "members show DV001")).stdout
    assert "Nguyễn Văn An" in shown and "079******789" in shown
    assert "500.000 đ" in shown and paid["event_id"] in shown and "đã chi" in shown
    record = as_json(cli(home, db, "members show DV001 --json"))
    assert [(p["kind"], p["amount"], p["status"]) for p in record["payouts"]] == [
        ("sickness_visit", 500_000, "paid")
    ]

    # over the per-payout cap: refused, exit 1, nothing stored
    before = count_entries(db)
    r = cli(home, db, visit, "--amount", "1.500.000", "--reason", "sốt")
    assert r.exit_code == 1
    assert "Lỗi / Error: Quy chế chi tiêu nội bộ không cho phép" in r.stderr
    # the field named by the option that sets it, the signed field beside it
    assert "--amount (body.amount): 1.500.000 đ vượt mức tối đa mỗi lần 1.000.000 đ" in r.stderr
    assert "Traceback" not in r.output
    assert count_entries(db) == before

    # what was stored is said as the officer reads it: a typo of 300 for 300.000 đ shows
    gift = "record payout G1 --member DV001 --kind gift --occasion 'Sinh nhật' --as kt"
    said = ok(cli(home, db, gift, "--amount", "300")).stdout
    assert "Số tiền (amount):       300 đ" in said
    today = clock.today_vn().strftime("%d/%m/%Y")
    assert "Đoàn viên (member):     DV001" in said and f"Ngày hiệu lực (date):   {today}" in said


# --- worlds built through the API, commands through the CLI -------------------------------------


def test_import_jsonl_stores_every_line(world: Any, database_url: str, home: Path) -> None:
    keys_for_world(home, "kt.g1")
    db = database_url
    before = count_entries(db)
    # a refused line is reported with its own line number in the file (blank lines count)
    lines = (DATA / "members.jsonl").read_text(encoding="utf-8").splitlines()
    bad = home.parent / "bad.jsonl"
    bad.write_text("\n".join(lines).replace('"amount": 500000', '"amount": 1500000'), "utf-8")
    r = cli(home, db, "import --as kt.g1", str(bad))
    assert r.exit_code == 1
    assert "dòng 5, trường body.amount: 1.500.000 đ vượt mức tối đa mỗi lần" in r.stderr
    assert count_entries(db) == before
    # money written as a float is named at its field, in Vietnamese and English
    bad.write_text("\n".join(lines).replace('"amount": 500000', '"amount": 500000.0'), "utf-8")
    r = cli(home, db, "import --as kt.g1", str(bad))
    assert r.exit_code == 1
    assert "dòng 5, trường body.amount: không nhận số thập phân tại body.amount" in r.stderr
    assert "/ float at body.amount is not allowed" in r.stderr
    assert count_entries(db) == before
    # an effective date with a time of day is not a day (pydantic alone would take it)
    timed = home.parent / "timed.jsonl"
    timed.write_text(
        "\n".join(lines)
        + "\n"
        + json.dumps(
            {
                "type": "expense.record",
                "unit": "G1",
                "effective_date": "2024-11-20 00:00:00Z",
                "body": {"category": "administration", "amount": 7000, "description": "Mực in"},
            }
        ),
        "utf-8",
    )
    r = cli(home, db, "import --as kt.g1", str(timed))
    assert r.exit_code == 1
    assert f"dòng {len(lines) + 1}, trường effective_date" in r.stderr
    assert "must be a date YYYY-MM-DD" in r.stderr
    assert count_entries(db) == before

    presigned = build(
        "collection.other",
        by=officer_key("kt.g1"),
        unit="G1",
        body={"source": "donation", "amount": 3_000_000, "description": "Ủng hộ Tết"},
    )
    file = home.parent / "batch.jsonl"
    file.write_text("\n".join([*lines, json.dumps(presigned)]) + "\n", encoding="utf-8")
    r = ok(cli(home, db, "import --as kt.g1 --dry-run", str(file)))
    assert "5 lệnh hợp lệ" in r.stdout
    assert count_entries(db) == before
    receipts = as_json(cli(home, db, "import --as kt.g1 --json", str(file)))
    assert [r["command_type"] for r in receipts] == [
        "member.join",
        "member.join",
        "member.relative",
        "payout.record",
        "collection.other",
    ]
    assert receipts[-1]["event_id"] == presigned["command"]["command_id"]
    assert count_entries(db) == before + 5
    shown = as_json(cli(home, db, "members show IM002 --json"))
    assert shown["personal"]["full_name"] == "Phạm Thị Hai"
    assert shown["relatives"] == [
        {"code": "R1", "relation": "child", "full_name": "Phạm Bé Ba", "erased": False}
    ]


def test_import_refuses_a_jsonl_line_that_repeats_a_key(
    world: Any, database_url: str, home: Path
) -> None:
    """RFC 8785 / I-JSON: a key named twice is refused, never read as "the last one wins"."""
    keys_for_world(home, "kt.g1")
    before = count_entries(database_url)
    lines = (DATA / "members.jsonl").read_text(encoding="utf-8").splitlines()
    assert '"salary_basis": 7000000' in lines[2]
    lines[2] = lines[2].replace(
        '"salary_basis": 7000000', '"salary_basis": 1, "salary_basis": 7000000'
    )
    twice = home.parent / "twice.jsonl"
    twice.write_text("\n".join(lines), "utf-8")
    r = cli(home, database_url, "import --as kt.g1", str(twice))
    assert r.exit_code == 1, r.output
    assert (
        "dòng 3, trường body.salary_basis: khóa 'salary_basis' xuất hiện hai lần trong một "
        "đối tượng JSON / the key 'salary_basis' appears twice in one JSON object"
    ) in r.stderr
    assert "Tệp nhập có lỗi, không ghi dòng nào" in r.stderr
    assert count_entries(database_url) == before


def test_import_csv_groups_dues_lines_into_one_command(
    world, database_url: str, home: Path
) -> None:
    keys_for_world(home, "kt.g1")
    before = count_entries(database_url)
    receipts = as_json(cli(home, database_url, "import --as kt.g1 --json", str(DATA / "dues.csv")))
    assert [r["command_type"] for r in receipts] == [
        "member.join",
        "member.join",
        "collection.dues",
        "payout.record",
    ]
    assert count_entries(database_url) == before + 4
    unit = world.ctx.ledger.get_unit("G1")
    dues = next(m for m in unit.money.values() if m["type"] == "collection.dues")
    assert dues["members"] == ["CS001", "CS002"] and dues["amount"] == 60_000 + 80_000
    shown = as_json(cli(home, database_url, "members show CS001 --json"))
    assert [(p["kind"], p["amount"]) for p in shown["payouts"]] == [("gift", 200_000)]


def test_import_reads_excel_exports_and_refuses_other_encodings(
    world: Any, database_url: str, home: Path, tmp_path: Path
) -> None:
    keys_for_world(home, "kt.g1")
    text = (DATA / "dues.csv").read_text(encoding="utf-8")
    assert "," in text and ";" not in text and "\t" not in text
    # Excel's "Unicode Text": UTF-16 with a BOM, cells separated by tabs, saved as .txt
    unicode_text = tmp_path / "dues-unicode.txt"
    unicode_text.write_bytes(text.replace(",", "\t").encode("utf-16"))
    # A legacy 8-bit export: 'ị' of line 3 becomes one byte that is not UTF-8.
    legacy = tmp_path / "dues-legacy.csv"
    lines = text.encode("utf-8").split(b"\n")
    assert "ị".encode() not in lines[0] + lines[1] and "ị".encode() in lines[2]
    legacy.write_bytes(
        b"\n".join([*lines[:2], lines[2].replace("ị".encode(), b"\xd2"), *lines[3:]])
    )
    before = count_entries(database_url)

    r = cli(home, database_url, "import --as kt.g1", str(legacy))
    assert r.exit_code == 1 and "không ghi dòng nào" in r.stderr
    assert "dòng 3: tệp không phải UTF-8" in r.stderr and "CSV UTF-8" in r.stderr
    assert count_entries(database_url) == before

    receipts = as_json(cli(home, database_url, "import --as kt.g1 --json", str(unicode_text)))
    assert [r["command_type"] for r in receipts] == [
        "member.join",
        "member.join",
        "collection.dues",
        "payout.record",
    ]
    shown = as_json(cli(home, database_url, "members show CS002 --json"))
    assert shown["personal"]["full_name"] == "Ngô Thị B"

    semicolons = tmp_path / "more.csv"
    semicolons.write_text(
        "type;unit;effective_date;category;amount;description\n"
        "expense.record;G1;2025-04-02;administration;1.250.000;Văn phòng phẩm, bút\n",
        encoding="utf-8-sig",
    )
    # a list of receipts, one line or many, so a script reads every file the same way
    [receipt] = as_json(cli(home, database_url, "import --as kt.g1 --json", str(semicolons)))
    assert receipt["command_type"] == "expense.record"
    assert count_entries(database_url) == before + 5


def test_import_csv_with_one_bad_row_stores_nothing(
    world: Any, database_url: str, home: Path
) -> None:
    keys_for_world(home, "kt.g1")
    before = count_entries(database_url)
    r = cli(home, database_url, "import --as kt.g1", str(DATA / "dues_bad.csv"))
    assert r.exit_code == 1
    assert "không ghi dòng nào" in r.stderr
    assert "dòng 5, trường amount: đoàn phí phải là 80.000 đ" in r.stderr
    assert "dòng 4" not in r.stderr and "Traceback" not in r.output
    assert "Lô bị từ chối: 1 dòng lỗi" in r.stderr
    assert count_entries(database_url) == before
    # Two bad lines of one dues group (one command) are two lines of the file in error.
    rows = (DATA / "dues_bad.csv").read_text("utf-8").splitlines()
    rows[3] = rows[3].replace("2025-03,,", "2025-03,1.000,")
    both = home.parent / "dues_both_bad.csv"
    both.write_text("\n".join(rows) + "\n", "utf-8")
    r = cli(home, database_url, "import --as kt.g1", str(both))
    assert r.exit_code == 1
    assert "dòng 4, trường amount: đoàn phí phải là 60.000 đ" in r.stderr
    assert "dòng 5, trường amount: đoàn phí phải là 80.000 đ" in r.stderr
    assert "Lô bị từ chối: 2 dòng lỗi" in r.stderr and "2 line(s) in error" in r.stderr
    assert count_entries(database_url) == before
    # a column given twice: neither cell is guessed at
    twice = home.parent / "twice.csv"
    twice.write_text(
        "type,unit,category,amount,description,amount\n"
        "expense.record,G1,administration,1000,Bút,5000\n",
        "utf-8",
    )
    r = cli(home, database_url, "import --as kt.g1", str(twice))
    assert r.exit_code == 1
    assert "dòng 1, trường amount: cột lặp lại trong tiêu đề" in r.stderr
    assert count_entries(database_url) == before


def test_pending_payout_then_chair_approves(world: Any, database_url: str, home: Path) -> None:
    keys_for_world(home, "kt.g1", "ct.g1")
    db = database_url
    ok(
        cli(
            home,
            db,
            "members add DV100 --unit G1 --name 'Lê Văn Tư' --citizen-id 079100000100"
            " --dob 1985-04-30 --salary 9000000 --as kt.g1",
        )
    )
    payout = (
        "record payout G1 --member DV100 --occasion 'Bão số 3' --reason 'nhà tốc mái' --as kt.g1"
    )
    repair = f"{payout} --kind housing_repair --amount 8.000.000"
    # above the 5.000.000 đ threshold: refused without the chair's second signature
    r = cli(home, db, repair)
    assert r.exit_code == 1 and "cần chữ ký thứ hai của Chủ tịch" in r.stderr
    assert "--cosign-as / --await-approval (cosignatures): " in r.stderr
    pending = as_json(cli(home, db, f"{repair} --await-approval --json"))
    assert pending["status"] == "pending"
    # the chair finds it on the command line (it took the API or the web page)
    waiting = as_json(cli(home, db, "record pending G1 --json"))
    assert [(w["event_id"], w["member"], w["kind"], w["amount"]) for w in waiting] == [
        (pending["event_id"], "DV100", "housing_repair", 8_000_000)
    ]
    shown = ok(cli(home, db, "record pending G1")).stdout
    assert pending["event_id"] in shown and "8.000.000 đ" in shown
    assert cli(home, db, "record pending G404").exit_code == 1
    approve = "record approve G1 --decision approve --as ct.g1 --json --target"
    decided = as_json(cli(home, db, approve, pending["event_id"]))
    assert decided["command_type"] == "approval.decide"
    member = as_json(cli(home, db, "members show DV100 --json"))
    assert [(p["status"], p["approver"]) for p in member["payouts"]] == [("paid", "ct.g1")]
    assert as_json(cli(home, db, "record pending G1 --json")) == []
    # or the chair cosigns at once (passphrase from PHUCLOI_COSIGN_PASSPHRASE)
    build_ = f"{payout} --kind housing_build --amount 6.000.000 --cosign-as ct.g1 --json"
    cosigned = as_json(cli(home, db, build_))
    assert cosigned["status"] == "paid"
    # dues of this month from a file, amounts computed from the policy (0,5% from 07/2025)
    # in Excel's Vietnamese form: semicolons, UTF-16 with a BOM ("Unicode Text"); a file in
    # an 8-bit encoding is refused naming its line
    lines = home.parent / "lines.csv"
    legacy = home.parent / "legacy.csv"
    legacy.write_bytes(b"member,salary_basis\nDV\xe3,1\n")
    month = member["joined_on"][:7]
    dues = f"record collection dues G1 --month {month} --as kt.g1"
    r = cli(home, db, dues, "--file", str(legacy))
    assert r.exit_code == 2 and "Tệp CSV phải mã hóa UTF-8 (dòng 2)" in r.stderr
    sheet = home.parent / "luong.xlsx"
    sheet.write_bytes(b"PK\x03\x04 a workbook")
    r = cli(home, db, dues, "--file", str(sheet))
    assert r.exit_code == 2 and "Không đọc được tệp XLSX / The XLSX file cannot be read" in r.stderr
    # 6,000,000 in a comma-separated file is three cells: read as 6 đ, it stored 0 đ dues
    before = count_entries(db)
    lines.write_text("member,salary_basis\nDV100,6,000,000\n", "utf-8")
    r = cli(home, db, dues, "--file", str(lines))
    assert r.exit_code == 1 and "dòng 2" in r.stderr and "4 ô, tiêu đề có 2" in r.stderr
    lines.write_text("member,salary_basis\nDV100,6000000.5\n", "utf-8")
    r = cli(home, db, dues, "--file", str(lines))
    assert r.exit_code == 1 and (
        "dòng 2: lương đóng BHXH phải là số nguyên đồng, ví dụ 6.000.000 / salary basis must "
        "be whole đồng" in r.stderr
    )
    lines.write_text("member,salary_basis\nDV100,6\n", "utf-8")  # a salary of 6 đ: 0 đ dues
    r = cli(home, db, dues, "--file", str(lines))
    assert r.exit_code == 1 and "dòng 2: đoàn phí tính ra 0 đ" in r.stderr
    # every line in error is listed in one run, the file's format errors and the ledger's
    # together: a missing member number no longer hid the unknown member and the repeat
    lines.write_text(
        "member,salary_basis\n,6000000\nDV999,6000000\nDV100,6000000\nDV100,6000000\n", "utf-8"
    )
    r = cli(home, db, dues, "--file", str(lines))
    assert r.exit_code == 1
    errors = [ln.strip() for ln in r.stderr.splitlines() if ln.strip().startswith("dòng")]
    assert errors == [
        "dòng 2: thiếu mã đoàn viên / the member number is missing",
        "dòng 3: không có đoàn viên DV999 / no member DV999",
        "dòng 5: DV100 xuất hiện hai lần / DV100 appears twice",
    ], r.stderr
    assert count_entries(db) == before
    lines.write_bytes("member;salary_basis;amount\nDV100;9.000.000;\n".encode("utf-16"))
    r = ok(cli(home, db, dues, "--file", str(lines)))
    assert "collection.dues" in r.stdout and "45.000 đ" in r.stdout


def test_dues_from_the_payroll_the_web_page_reads_csv_in_vietnamese_and_xlsx(
    world: Any, database_url: str, home: Path
) -> None:
    """`record collection dues --file` reads the payroll as the web dues page does
    (`ledger.payroll`): Vietnamese headers as Excel writes them in a Vietnamese locale, or an
    XLSX with the gross salary beside the insured one; every line or none is stored."""
    keys_for_world(home, "kt.g1")
    db = database_url
    for number, salary in (("DV100", 9_000_000), ("DV101", 8_000_000), ("DV102", 7_000_000)):
        ok(
            cli(
                home,
                db,
                f"members add {number} --unit G1 --name 'Lê Văn Tư' --dob 1985-04-30"
                f" --citizen-id 079100000{number[2:]} --salary {salary} --as kt.g1",
            )
        )
    month = as_json(cli(home, db, "members show DV100 --json"))["joined_on"][:7]
    dues = f"record collection dues G1 --month {month} --as kt.g1"
    before = count_entries(db)
    # payroll export, semicolons, headers in NFD and upper case: the third line is wrong, so
    # nothing is stored and the file's line is named
    bad = home.parent / "bang_luong_sai.csv"
    nfd = unicodedata.normalize("NFD", "STT;MÃ ĐOÀN VIÊN;Họ và tên;Lương đóng BHXH")
    bad.write_text(f"{nfd}\n1;DV100;Lê Văn Tư;9.000.000\n2;DV101;An;8.000.000,5\n", "utf-8")
    r = cli(home, db, dues, "--file", str(bad))
    assert r.exit_code == 1 and "dòng 3: lương đóng BHXH phải là số nguyên đồng" in r.stderr
    assert count_entries(db) == before
    payroll = home.parent / "bang_luong.csv"
    payroll.write_text(
        "STT;Mã đoàn viên;Họ và tên;Lương đóng BHXH\n1;DV100;Lê Văn Tư;9.000.000\n"
        "2;DV101;Lê Văn Tư;8000000\n",
        "utf-8-sig",
    )
    r = ok(cli(home, db, dues, "--file", str(payroll)))
    assert "2 đoàn viên, tổng 85.000 đ" in r.stdout  # 0,5% from 07/2025
    # XLSX: "Lương" (gross) beside "Mức lương đóng BHXH (đồng)", and the dues column
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["STT", "Mã đoàn viên", "Họ và tên", "Lương", "Mức lương đóng BHXH (đồng)"])
    sheet.append([1, "DV102", "Lê Văn Tư", 15_000_000, 7_000_000])
    xlsx = home.parent / "bang_luong.xlsx"
    book.save(xlsx)
    r = ok(cli(home, db, dues, "--file", str(xlsx)))
    assert "1 đoàn viên, tổng 35.000 đ" in r.stdout
    assert count_entries(db, "collection.dues") == 2
    paid: dict[str, list[tuple[str, int, int]]] = {}
    for number in ("DV100", "DV101", "DV102"):
        history = as_json(cli(home, db, f"history {number} --json"))
        paid[number] = [
            (e["month"], e["basis"], e["amount"])
            for e in history["lines"]
            if e["command_type"] == "collection.dues"
        ]
    assert paid == {
        "DV100": [(month, 9_000_000, 45_000)],
        "DV101": [(month, 8_000_000, 40_000)],
        "DV102": [(month, 7_000_000, 35_000)],  # the insured salary, not the gross
    }


def test_a_member_joining_on_a_later_date_is_not_shown_as_active(
    world: Any, database_url: str, home: Path
) -> None:
    keys_for_world(home, "kt.g1")
    db = database_url
    later = (clock.today_vn() + timedelta(days=40)).isoformat()
    # A join is recorded once it happened now; a ledger kept before that rule may hold one
    # dated ahead: recorded here on its day, and shown before it.
    with at(later):
        ok(
            cli(
                home,
                db,
                "members add DV300 --unit G1 --name 'Lý Văn Sáu' --citizen-id 079100000300"
                f" --dob 1985-01-01 --salary 5000000 --date {later} --as kt.g1",
            )
        )
    shown = ok(cli(home, db, "members show DV300")).stdout
    day = date.fromisoformat(later)
    assert f"kết nạp tại G1 từ {day:%d/%m/%Y}, chưa sinh hoạt" in shown
    assert "(active)" not in shown


def test_an_officer_is_linked_to_their_own_member_record_once(
    world: Any, database_url: str, home: Path
) -> None:
    keys_for_world(home, "admin")
    db = database_url
    world.join("DV001")
    world.join("DV002")

    def member_of(code: str) -> str | None:
        officers = as_json(cli(home, db, "officers list --json"))
        return next(o["member"] for o in officers if o["code"] == code)

    def row_of(code: str) -> list[str]:
        table = ok(cli(home, db, "officers list")).stdout
        line = next(ln for ln in table.splitlines() if f" {code} " in ln)
        return [cell.strip() for cell in line.strip("│┃ ").split("│")]

    assert "Đoàn viên (member)" in ok(cli(home, db, "officers list")).stdout
    assert member_of("kt.g1") is None and row_of("kt.g1")[2] == "—"
    before = count_entries(db)
    r = cli(home, db, "officers link kt.g1 --member DV999 --as admin")
    assert r.exit_code == 1 and "body.member" in r.stderr and "DV999" in r.stderr
    r = cli(home, db, "officers link kt.zz --member DV001 --as admin")
    assert r.exit_code == 1 and "body.officer" in r.stderr
    r = cli(home, db, "officers link kt.g1 --as admin")
    assert r.exit_code == 2 and "--member" in r.stderr
    assert count_entries(db) == before

    receipt = as_json(cli(home, db, "officers link kt.g1 --member DV001 --as admin --json"))
    assert receipt["command_type"] == "officer.link_member"
    assert member_of("kt.g1") == "DV001" and row_of("kt.g1")[:3] == [
        "kt.g1",
        "Nguyễn Thị Lan",
        "DV001",
    ]
    # Once linked, never silently changed: another member, or the same one again, is refused.
    r = cli(home, db, "officers link kt.g1 --member DV002 --as admin")
    assert r.exit_code == 1
    assert "body.member" in r.stderr and "cannot be changed" in r.stderr
    r = cli(home, db, "officers link kt.g1 --member DV001 --as admin")
    assert r.exit_code == 1 and "already linked to member DV001" in r.stderr
    # One person may hold two codes (an old one kept for its history): both link to them.
    ok(cli(home, db, "officers link ct.g1 --member DV001 --as admin"))
    assert member_of("kt.g1") == member_of("ct.g1") == "DV001"
    assert count_entries(db, "officer.link_member") == 2


def test_erase_makes_the_person_read_as_erased(world: Any, database_url: str, home: Path) -> None:
    keys_for_world(home, "kt.g1", "admin")
    db = database_url
    ok(
        cli(
            home,
            db,
            "members add DV200 --unit G1 --name 'Đỗ Thị Năm' --citizen-id 079100000200"
            " --dob 1980-01-01 --salary 5000000 --as kt.g1",
        )
    )
    assert "Đỗ Thị Năm" in ok(cli(home, db, "members show DV200")).stdout
    erase = "members erase DV200 --unit G1 --reason 'Yêu cầu theo NĐ 13/2023' --as admin"
    assert "đã xóa (erased)" in ok(cli(home, db, erase)).stdout
    shown = ok(cli(home, db, "members show DV200")).stdout
    assert "Đỗ Thị Năm" not in shown and "[đã xóa / erased]" in shown


def test_a_new_ledger_verifies_and_names_with_brackets_print_as_they_are(
    database_url: str, home: Path
) -> None:
    db = database_url
    ok(cli(home, db, "init"))
    fresh = as_json(cli(home, db, "audit verify --json"))
    assert fresh["ok"] is True and fresh["events"] == 0
    assert [f["check"] for f in fresh["findings"] if f["severity"] != "warning"] == []

    # Text is printed as it is, never read as rich markup: a bracket in a unit's name (or in
    # a finding's location) is shown, and a closing tag cannot break the output.
    name = "LĐLĐ [tỉnh] Bình Dương [/b]"
    ok(cli(home, db, "init --admin admin"))
    ok(cli(home, db, "units add P --level Tỉnh --as admin", "--name", name))
    assert name in ok(cli(home, db, "units list")).stdout
    assert name in ok(cli(home, db, "ratios P --period 2025")).stdout
    engine = create_engine(db)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE proj_units SET level = 'Huyện' WHERE code = 'P'")
    finally:
        engine.dispose()
    r = cli(home, db, "audit verify")
    assert r.exit_code == 1
    assert "proj_units[code=P]: level đang dùng 'Huyện' ≠ dựng lại 'Tỉnh'" in r.stdout


# --- usage problems exit 2 ------------------------------------------------------------------


def test_bad_database_url_exits_2_naming_it(home: Path) -> None:
    r = cli(home, "nosuch://db.example/ledger", "units list")
    assert r.exit_code == 2
    assert "--db" in r.stderr and "nosuch://db.example/ledger" in r.stderr
    r = cli(home, None, "units list", PHUCLOI_DATABASE_URL="sqlite://")
    assert r.exit_code == 2 and "PHUCLOI_DATABASE_URL" in r.stderr and "sqlite://" in r.stderr
    assert "Traceback" not in r.output
    # A URL that does not parse (a port that is not a number) is named without its password,
    # even one holding an "@".
    r = cli(home, "postgresql+psycopg://kt:S3cr@tPW@127.0.0.1:54x2/ledger", "units list")
    assert r.exit_code == 2 and "S3cr" not in r.output and "tPW" not in r.output
    assert "postgresql+psycopg://kt:***@127.0.0.1:54x2/ledger" in r.stderr


def test_only_init_and_demo_create_a_sqlite_file(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "mistyped" / "ledger.db"
    db = f"sqlite:///{path}"
    for command in ("ratios P --period 2025", "audit verify", "units list", "serve"):
        r = cli(home, db, command)
        assert r.exit_code == 2, command
        assert f"--db: chưa có cơ sở dữ liệu / no database at {path}" in r.stderr
        assert "`phucloi init`" in r.stderr and "Traceback" not in r.output
    assert not path.parent.exists()
    r = cli(home, None, "history DV001", PHUCLOI_DATABASE_URL=db)
    assert r.exit_code == 2 and "PHUCLOI_DATABASE_URL: chưa có cơ sở dữ liệu" in r.stderr
    ok(cli(home, db, "init"))
    assert path.is_file()
    assert ok(cli(home, db, "units list")).stdout.strip() == "Chưa có đơn vị nào / no units yet"


def test_init_refuses_a_bad_admin_passphrase_before_creating_the_database(
    tmp_path: Path, home: Path
) -> None:
    """A short passphrase was refused only after the new database was made and migrated
    (where `audit verify` then said OK on 0 events)."""
    path = tmp_path / "new.db"
    db = f"sqlite:///{path}"
    r = cli(home, db, "init --admin admin", PHUCLOI_PASSPHRASE="short")
    assert r.exit_code == 2, r.output
    assert "--admin admin: Mật khẩu khóa phải có ít nhất" in r.stderr
    assert not path.exists() and not (home / "keys" / "admin.pem").exists()
    r = cli(home, db, "init --admin 'bad name'")
    assert r.exit_code == 2 and "Tên khóa không hợp lệ" in r.stderr and not path.exists()
    keys_for_world(home, "admin")  # an existing key, unlocked with the wrong passphrase
    r = cli(home, db, "init --admin admin", PHUCLOI_PASSPHRASE="not-the-passphrase")
    assert r.exit_code == 2 and "Sai mật khẩu khóa" in r.stderr and not path.exists()
    ok(cli(home, db, "init --admin admin"))
    assert path.is_file()


def test_wrong_passphrase_or_unknown_key_exits_2(world: Any, database_url: str, home: Path) -> None:
    keys_for_world(home, "kt.g1")
    db = database_url
    before = count_entries(db)
    expense = "record expense G1 --category movement --description 'Văn nghệ'"
    r = cli(home, db, f"{expense} --amount 1.000.000 --as kt.g1", PHUCLOI_PASSPHRASE="sai-m-k-1")
    assert r.exit_code == 2
    assert "--as kt.g1" in r.stderr and "Sai mật khẩu khóa" in r.stderr
    r = cli(home, db, f"{expense} --amount 1.000.000 --as ct.g1")
    assert r.exit_code == 2 and "--as ct.g1" in r.stderr and "Không tìm thấy khóa" in r.stderr
    r = cli(home, db, f"{expense} --amount 1,5 --as kt.g1")
    assert r.exit_code == 2 and "--amount" in r.stderr
    # --json: a refusal is JSON on stdout too (it printed nothing there)
    r = cli(home, db, f"{expense} --amount 1.000.000 --date 2000-01-01 --as kt.g1 --json")
    assert r.exit_code == 1
    said = json.loads(r.stdout)
    assert (said["ok"], said["code"]) == (False, "invalid_command")
    assert [(p["field"], p["code"]) for p in said["problems"]] == [
        ("command.effective_date", "before_unit")
    ]
    r = cli(home, db, f"{expense} --amount 1,5 --as kt.g1 --json")
    assert r.exit_code == 2 and json.loads(r.stdout)["code"] == "usage"
    # a script without the variable and no terminal: a usage problem naming it, not "refused"
    r = cli(home, db, f"{expense} --amount 1.000.000 --as kt.g1", PHUCLOI_PASSPHRASE=None)
    assert r.exit_code == 2, r.output
    assert "no passphrase was given; set PHUCLOI_PASSPHRASE" in " ".join(r.stderr.split())
    # numbers beyond 10^13 đ, or beyond what signed JSON carries exactly: a message, no traceback
    r = cli(home, db, f"{expense} --amount 99999999999999999999 --as kt.g1")
    assert r.exit_code == 2 and "--amount: số tiền vượt 10.000.000.000.000 đ" in r.stderr
    loan = "record loan disburse G1 --member DV001 --loan L1 --amount 1.000.000 --fund tro_von"
    r = cli(home, db, f"{loan} --term 99999999999999999999 --as kt.g1")
    assert r.exit_code == 2 and "body.term_months" in r.stderr and "Traceback" not in r.output
    assert count_entries(db) == before
    r = ok(cli(home, db, f"{expense} --amount 1.000.000 --participants 40 --as kt.g1"))
    assert "expense.record" in r.stdout
    assert count_entries(db) == before + 1


def test_an_expense_above_the_threshold_needs_the_chairs_cosignature(
    world: Any, database_url: str, home: Path
) -> None:
    """120.000.000 đ of "Tết gifts" was booked as one welfare expense by the finance officer
    alone: no approval threshold applied to spending (report q3, finding 13)."""
    keys_for_world(home, "kt.g1", "ct.g1")
    db, before = database_url, count_entries(database_url)
    gifts = (
        "record expense G1 --category welfare --amount 120.000.000 --participants 6 "
        "--description 'Mua quà Tết cho đoàn viên (Cty Ánh Dương)' --as kt.g1"
    )
    r = cli(home, db, gifts)
    assert r.exit_code == 1, r.output
    assert "cosignatures" in r.stderr
    assert "khoản chi 120.000.000 đ vượt ngưỡng duyệt 5.000.000 đ" in r.stderr
    assert "it needs the chair's second signature" in r.stderr
    assert count_entries(db) == before  # nothing stored
    cosigned = as_json(cli(home, db, f"{gifts} --cosign-as ct.g1 --json"))
    assert cosigned["command_type"] == "expense.record"
    assert count_entries(db) == before + 1


def test_a_loan_is_disbursed_with_its_purpose_sealed(
    world: Any, database_url: str, home: Path
) -> None:
    keys_for_world(home, "kt.g1")
    world.join("DV001")
    db, before = database_url, count_entries(database_url)
    loan = "record loan disburse G1 --member DV001 --loan L1 --amount 2.000.000 --fund cep"
    r = cli(home, db, f"{loan} --term 12 --as kt.g1")
    assert r.exit_code == 1 and "--reason (body.personal.reason): cần ghi mục đích vay" in r.stderr
    assert count_entries(db) == before
    r = cli(home, db, f"{loan} --term 12 --reason '  ' --as kt.g1")
    assert r.exit_code == 2 and "--reason" in r.stderr
    receipt = as_json(cli(home, db, f"{loan} --term 12 --reason 'Mua bò giống' --as kt.g1 --json"))
    assert receipt["command_type"] == "loan.disburse"
    opened = world.ledger.reveal("DV001")["loans"][receipt["event_id"]]
    assert opened == {"reason": "Mua bò giống"}
    assert count_entries(db) == before + 1


def test_other_income_offers_only_the_sources_it_takes(
    world: Any, database_url: str, home: Path
) -> None:
    from ledger.domain.errors import InvalidCommand

    keys_for_world(home, "kt.g1")
    db, before = database_url, count_entries(database_url)
    other = "record collection other G1 --amount 100.000 --description 'Ủng hộ' --as kt.g1"
    r = cli(home, db, f"{other} --source dues")
    assert r.exit_code == 2 and "donation (Tài trợ, ủng hộ)" in r.stderr
    assert "dues (" not in r.stderr and "union_fee (" not in r.stderr
    with pytest.raises(InvalidCommand) as refused:  # signed elsewhere, as a program would
        world.submit(
            "collection.other",
            by=world.kt,
            unit="G1",
            body={"source": "dues", "amount": 100_000, "description": "Ủng hộ"},
        )
    [p] = refused.value.problems
    assert p.field == "body.source"
    assert p.vi == "đoàn phí và kinh phí 2% ghi bằng lệnh riêng"
    assert count_entries(db) == before


def test_after_a_key_rotation_the_officer_signs_with_the_new_key_kept_under_another_name(
    database_url: str, home: Path
) -> None:
    """`keys new kt` refuses an existing name, so the new key of a rotation is kept under
    another one (kt-2026); `--as kt` still loaded the file named kt, the retired key, and every
    command was refused "the key was replaced" until files were renamed by hand. `--as` now
    takes the key the ledger has in force for the officer."""
    db = database_url
    ok(cli(home, db, "init --admin admin --name 'Quản trị'"))
    ok(cli(home, db, "keys new kt"))
    ok(cli(home, db, "units add P --name 'LĐLĐ' --level Tỉnh --date 2024-01-01 --as admin"))
    ok(cli(home, db, "officers add kt --name 'Kế toán' --key kt --as admin"))
    ok(cli(home, db, "officers grant kt finance_officer --scope P --as admin"))
    ok(cli(home, db, "policy adopt P --default --as admin"))
    expense = "record expense P --category administration --amount 100.000 --description VPP"
    ok(cli(home, db, f"{expense} --as kt"))
    ok(cli(home, db, "keys new kt-2026"))
    ok(cli(home, db, "officers rotate-key kt --key kt-2026 --as admin"))
    ok(cli(home, db, f"{expense} --as kt"))
    assert count_entries(db, "expense.record") == 2


def test_a_database_that_refuses_the_write_gets_a_message_not_a_traceback(
    world: Any, database_url: str, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk or a read-only ledger file ended a 20,000-line import in a 90-line
    traceback: nothing said whether the month's dues were stored. The storage is faked to
    fail the way SQLite does when the disk is full (the boundary, not the ledger)."""
    from eventsourcing.persistence import OperationalError

    from ledger.store import PostgresLedgerRecorder, SQLiteLedgerRecorder

    def full(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("database or disk is full")

    keys_for_world(home, "kt.g1")
    db = database_url
    before = count_entries(db)
    monkeypatch.setattr(SQLiteLedgerRecorder, "_insert_events", full)
    monkeypatch.setattr(PostgresLedgerRecorder, "insert_events", full)
    expense = "record expense G1 --category movement --description 'Văn nghệ' --amount 100.000"
    r = cli(home, db, f"{expense} --as kt.g1")
    assert r.exit_code == 1 and "Traceback" not in r.output, r.output
    said = " ".join(r.stderr.split())
    assert "Lỗi / Error: cơ sở dữ liệu từ chối thao tác (database or disk is full)" in said
    assert "the batch being written was NOT stored" in said
    r = cli(home, db, f"{expense} --as kt.g1 --json")
    assert json.loads(r.stdout)["code"] == "storage"
    monkeypatch.undo()
    assert count_entries(db) == before


def test_an_inspector_with_read_only_access_reads_and_a_write_is_refused_plainly(
    world: Any, database_url: str, home: Path, backend: str
) -> None:
    """An inspection committee given a read-only PostgreSQL role (or a replica) could run only
    `audit verify` and `export`: every other command opened the ledger by running the event
    store's DDL, and exited 2 "cannot open the database: cannot execute CREATE TYPE"."""
    if backend != "postgresql":
        pytest.skip("a read-only role is PostgreSQL's (SQLite's side is file permissions)")
    from sqlalchemy import create_engine, text

    keys_for_world(home, "kt.g1")
    world.join("DV001")
    name = database_url.rsplit("/", 1)[1]
    admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    try:
        with admin.begin() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
        db = database_url
        shown = as_json(cli(home, db, "members show DV001 --json"))
        assert shown["member"] == "DV001"
        assert as_json(cli(home, db, "ratios G1 --period 2024 --json"))["unit"] == "G1"
        before = count_entries(db)
        expense = "record expense G1 --category movement --description x --amount 100.000"
        r = cli(home, db, f"{expense} --as kt.g1")
        assert r.exit_code == 1, r.output
        assert "(cannot execute INSERT in a read-only transaction)" in " ".join(r.stderr.split())
        assert count_entries(db) == before
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" RESET default_transaction_read_only'))
        admin.dispose()


def test_importing_a_file_again_records_nothing_twice(
    world: Any, database_url: str, home: Path
) -> None:
    """The same payouts file imported twice (the officer unsure the first run went through)
    recorded every payout twice, each with a new command id; a row repeated in one file
    recorded it twice too."""
    keys_for_world(home, "kt.g1")
    world.join("DV001")
    world.join("DV002")
    db = database_url
    payouts = home.parent / "payouts.csv"
    payouts.write_text(
        "type,unit,effective_date,member,kind,amount,occasion\r\n"
        "payout.record,G1,2024-09-02,DV001,gift,300.000,Quốc khánh 2/9\r\n"
        "payout.record,G1,2024-09-02,DV002,gift,300.000,Quốc khánh 2/9\r\n",
        "utf-8-sig",
    )
    with at("2024-09-05"):
        first = ok(cli(home, db, "import --as kt.g1 --json", str(payouts)))
        recorded = count_entries(db, "payout.record")
        assert recorded == 2
        [receipt, _] = json.loads(first.stdout)
        # the file's rows are looked up in the log together, not one query each
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        asked: list[str] = []

        def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
            looks_up = "event_id IN" in statement or "ledger_entries.event_id =" in statement
            if "FROM ledger_entries" in statement and looks_up:
                asked.append(statement)

        event.listen(Engine, "before_cursor_execute", count)
        try:
            again = cli(home, db, "import --as kt.g1", str(payouts))
        finally:
            event.remove(Engine, "before_cursor_execute", count)
        assert len(asked) == 1, asked
        assert again.exit_code == 1
        assert (
            f"dòng 2: dòng này đã được nhập, thành bút toán {receipt['event_id']}; không ghi "
            "lại lần nữa" in again.stderr
        )
        assert "/ this line was already imported, as entry" in again.stderr
        assert "dòng 3: dòng này đã được nhập" in again.stderr
        assert count_entries(db, "payout.record") == recorded
        # the same row twice in one file: the second is named with the first
        twice = home.parent / "twice.csv"
        twice.write_text(
            "type,unit,effective_date,member,kind,amount,occasion\n"
            "payout.record,G1,2024-09-03,DV001,gift,200000,Trung thu\n"
            "payout.record,G1,2024-09-03,DV001,gift,200000,Trung thu\n",
            "utf-8",
        )
        r = cli(home, db, "import --as kt.g1", str(twice))
        assert r.exit_code == 1
        assert "dòng 3: trùng dòng 2" in r.stderr
        assert count_entries(db, "payout.record") == recorded
