"""The payroll file's header (`ledger.payroll`), read alike by the web dues page and the CLI."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from ledger.payroll import PayrollError, parse_lines, read_rows


def _xlsx(*rows: list[object]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _read(name: str, data: bytes) -> list[tuple[int, str, int | None, int | None]]:
    return [
        (ln.row, ln.member, ln.salary_basis, ln.amount) for ln in parse_lines(read_rows(name, data))
    ]


def test_the_insured_salary_wins_over_the_gross_salary_beside_it() -> None:
    data = _xlsx(
        ["STT", "Mã đoàn viên", "Họ và tên", "Lương", "Lương đóng BHXH", "Đoàn phí"],
        [1, "DV001", "Nguyễn Văn An", 15_000_000, 6_000_000, 60_000],
        [2, "DV002", "Trần Thị Bình", 12_000_000, 7_000_000, None],
    )
    assert _read("bang_luong.xlsx", data) == [
        (2, "DV001", 6_000_000, 60_000),
        (3, "DV002", 7_000_000, None),
    ]


def test_a_header_with_its_unit_in_brackets_is_recognised() -> None:
    csv = "Mã đoàn viên;Mức lương đóng BHXH (đồng);Đoàn phí (đ)\nDV001;6.000.000;60.000\n"
    assert _read("luong.csv", csv.encode()) == [(2, "DV001", 6_000_000, 60_000)]


def test_a_generic_salary_header_alone_is_still_the_salary_basis() -> None:
    csv = "MÃ ĐOÀN VIÊN,LƯƠNG\nDV001,6000000\n"
    assert _read("luong.csv", csv.encode()) == [(2, "DV001", 6_000_000, None)]


def test_two_headers_that_could_both_be_the_salary_basis_are_named() -> None:
    csv = "Mã đoàn viên;Lương;Tiền lương\nDV001;6.000.000;7.000.000\n"
    with pytest.raises(PayrollError) as refused:
        parse_lines(read_rows("luong.csv", csv.encode()))
    assert refused.value.vi == (
        "Không rõ cột nào là lương đóng BHXH: cột 2 'Lương' và cột 3 'Tiền lương'; "
        "hãy đổi tên hoặc xóa bớt một cột"
    )
    assert refused.value.en == (
        "Which column holds the salary basis is unclear: column 2 'Lương' and column 3 "
        "'Tiền lương'; rename or remove one"
    )
    csv = "Mã đoàn viên;Lương đóng BHXH;Mức lương đóng BHXH (đồng)\nDV001;6.000.000;7.000.000\n"
    with pytest.raises(PayrollError) as refused:
        parse_lines(read_rows("luong.csv", csv.encode()))
    assert "cột 2 'Lương đóng BHXH' và cột 3 'Mức lương đóng BHXH (đồng)'" in refused.value.vi


def test_a_filled_cell_past_the_header_is_an_error_of_its_line_in_csv() -> None:
    lines = parse_lines(read_rows("luong.csv", b"member,salary_basis\nDV001,6,000,000\n"))
    assert [(ln.row, ln.salary_basis, ln.errors[0][1][:24]) for ln in lines] == [
        (2, None, "4 cells for 2 columns: a")
    ]


def test_a_stray_cell_far_away_does_not_widen_every_row() -> None:
    """A cell typed at column XFD (16,384) once made every row of the sheet 16,384 cells, and
    one at XFD1048576 a million such rows: gigabytes from a 5 KB upload. Rows are read as
    stored, without their trailing empty cells, and the stray cell is an error of its row."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã đoàn viên", "Lương đóng BHXH"])
    sheet.append(["DV001", 6_000_000])
    sheet["XFD5"] = "x"
    buffer = io.BytesIO()
    book.save(buffer)
    read = read_rows("bang_luong.xlsx", buffer.getvalue())
    assert [len(row) for row in read.rows] == [2, 2, 0, 0, 16_384]
    assert [(line.row, line.member, line.errors) for line in parse_lines(read)] == [
        (2, "DV001", []),
        (
            5,
            "",
            [
                ("thiếu mã đoàn viên", "the member number is missing"),
                ("thiếu lương đóng BHXH", "salary basis is missing"),
            ],
        ),
    ]


def test_a_workbook_whose_first_sheet_is_hidden_is_refused() -> None:
    """Excel opens on the visible payroll; a hidden first sheet with other amounts would be
    what is recorded."""
    book = Workbook()
    hidden = book.active
    hidden.title = "Nháp"
    hidden.append(["Mã đoàn viên", "Lương đóng BHXH"])
    hidden.append(["DV001", 60_000_000])
    hidden.sheet_state = "hidden"
    shown = book.create_sheet("Bảng lương")
    shown.append(["Mã đoàn viên", "Lương đóng BHXH"])
    shown.append(["DV001", 6_000_000])
    book.active = 1
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(PayrollError) as exc:
        read_rows("bang_luong.xlsx", buffer.getvalue())
    assert exc.value.vi == (
        "Trang tính đầu tiên ('Nháp') đang bị ẩn: hãy bỏ ẩn hoặc xóa nó, "
        "để bảng lương là trang tính đầu tiên"
    )
