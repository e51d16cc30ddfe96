"""Bad input is refused naming the field (and the file's row), and NOTHING is stored: every
table of the ledger holds the same rows before and after, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from ledger.domain.errors import InvalidCommand
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
