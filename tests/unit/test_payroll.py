"""The payroll file's header (`ledger.payroll`), read alike by the web dues page and the CLI."""

from __future__ import annotations

import io
from typing import Any

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


def _payroll_with(hide: Any) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Bảng lương"
    sheet.append(["Mã đoàn viên", "Lương đóng BHXH", "Đoàn phí"])
    for i in range(1, 7):
        sheet.append([f"DV00{i}", 6_000_000, None])
    hide(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_hidden_rows_of_the_payroll_are_refused_naming_them() -> None:
    """An officer checking the payroll in Excel never sees a hidden row (or one a filter
    hides): it was recorded all the same, dues and all."""

    def hide(sheet: Any) -> None:
        for row in (3, 6, 9):  # row 9 is empty: nothing of it would be recorded
            sheet.row_dimensions[row].hidden = True

    with pytest.raises(PayrollError) as exc:
        read_rows("bang_luong.xlsx", _payroll_with(hide))
    assert (exc.value.vi, exc.value.en) == (
        "Trang tính 'Bảng lương' có dòng bị ẩn chứa dữ liệu: dòng 3, 6. Hãy bỏ ẩn (hoặc xóa) "
        "chúng rồi xem lại: mọi dòng được ghi phải hiện trên bảng lương",
        "Sheet 'Bảng lương' has hidden rows holding data: rows 3, 6. Unhide (or delete) them "
        "and check again: every row recorded must show on the payroll",
    )


def test_a_hidden_column_holding_data_is_refused_an_empty_one_is_not() -> None:
    def hide_amounts(sheet: Any) -> None:
        sheet.column_dimensions["C"].hidden = True  # Đoàn phí: its header holds data
        sheet.column_dimensions["E"].hidden = True  # nothing in it

    with pytest.raises(PayrollError) as exc:
        read_rows("bang_luong.xlsx", _payroll_with(hide_amounts))
    assert (exc.value.vi, exc.value.en) == (
        "Trang tính 'Bảng lương' có cột bị ẩn chứa dữ liệu: cột C. Hãy bỏ ẩn (hoặc xóa) "
        "chúng rồi xem lại: mọi dòng được ghi phải hiện trên bảng lương",
        "Sheet 'Bảng lương' has hidden columns holding data: column C. Unhide (or delete) them "
        "and check again: every row recorded must show on the payroll",
    )

    def hide_empty(sheet: Any) -> None:
        sheet.column_dimensions["E"].hidden = True
        sheet.row_dimensions[20].hidden = True

    read = read_rows("bang_luong.xlsx", _payroll_with(hide_empty))
    assert [line.member for line in parse_lines(read)] == [f"DV00{i}" for i in range(1, 7)]


FORMULA_VI = (
    "ô {ref} (cột {head!r}) chứa công thức {formula} nhưng tệp không lưu giá trị đã tính của "
    "nó (tệp do một chương trình tạo ra, chưa mở bằng Excel): hãy mở tệp bằng Excel rồi lưu "
    "lại, hoặc thay công thức bằng con số"
)
FORMULA_EN = (
    "cell {ref} (column {head!r}) holds the formula {formula} but the file has no computed "
    "value saved for it (written by a program, never opened in Excel): open the file in Excel "
    "and save it again, or replace the formula by the number"
)


def _formula(ref: str, head: str, formula: str) -> tuple[str, str]:
    return (
        FORMULA_VI.format(ref=ref, head=head, formula=formula),
        FORMULA_EN.format(ref=ref, head=head, formula=formula),
    )


def test_a_formula_saved_without_its_value_is_named_not_read_as_a_missing_salary() -> None:
    """A payroll written by a script (openpyxl saves formulas without their computed value) once
    read "thiếu lương đóng BHXH" for a salary that is there as a formula, and an amount that is
    a formula as empty: dues computed from the policy instead of the amount the file meant."""
    data = _xlsx(
        ["Mã đoàn viên", "Lương", "Lương đóng BHXH", "Đoàn phí"],
        ["DV001", 15_000_000, "=B2*0.4", None],
        ["DV002", 15_000_000, 6_000_000, "=C3*1%"],
        ['="DV"&"003"', 15_000_000, 6_000_000, None],
        ["DV004", 15_000_000, 7_000_000, None],
    )
    lines = parse_lines(read_rows("bang_luong.xlsx", data))
    assert [(ln.row, ln.salary_basis, ln.amount, ln.errors) for ln in lines] == [
        (2, None, None, [_formula("C2", "Lương đóng BHXH", "=B2*0.4")]),
        (3, 6_000_000, None, [_formula("D3", "Đoàn phí", "=C3*1%")]),
        (4, 6_000_000, None, [_formula("A4", "Mã đoàn viên", '="DV"&"003"')]),
        (5, 7_000_000, None, []),  # an empty Đoàn phí is still computed from the policy
    ]


def test_a_title_row_above_the_header_says_only_row_one_is_read_and_where_the_header_is() -> None:
    data = _xlsx(
        ["BẢNG LƯƠNG THÁNG 3/2025"],
        [],
        ["STT", "Mã đoàn viên", "Lương đóng BHXH"],
        [1, "DV001", 6_000_000],
    )
    with pytest.raises(PayrollError) as refused:
        parse_lines(read_rows("bang_luong.xlsx", data))
    assert refused.value.vi == (
        "Thiếu cột: mã đoàn viên, lương đóng BHXH (tiêu đề như 'Mã đoàn viên', 'Lương đóng "
        "BHXH', 'Đoàn phí', hoặc member, salary_basis, amount). Chỉ dòng 1 của trang tính đầu "
        "tiên ('Sheet') được đọc làm tiêu đề; ở đó ô A1 là 'BẢNG LƯƠNG THÁNG 3/2025'. Tiêu đề "
        "nằm ở dòng 3 (ô B3 'Mã đoàn viên'): hãy xóa 2 dòng phía trên nó để tiêu đề là dòng 1"
    )
    assert refused.value.en == (
        "Missing column(s): member number, salary basis (headers such as 'Mã đoàn viên', "
        "'Lương đóng BHXH', 'Đoàn phí', or member, salary_basis, amount). Only row 1 of the "
        "first sheet ('Sheet') is read as the header; there cell A1 holds 'BẢNG LƯƠNG THÁNG "
        "3/2025'. The header is row 3 (cell B3 'Mã đoàn viên'): delete the 2 row(s) above it "
        "so that the header is row 1"
    )


def test_a_cover_sheet_first_says_which_sheet_holds_the_payroll() -> None:
    book = Workbook()
    cover = book.active
    assert cover is not None
    cover.title = "Bìa"
    cover.append(["CÔNG ĐOÀN CƠ SỞ CÔNG TY MAY SÔNG BÉ"])
    payroll = book.create_sheet("Bảng lương")
    payroll.append(["Danh sách đoàn viên"])
    payroll.append(["Mã đoàn viên", "Lương đóng BHXH"])
    payroll.append(["DV001", 6_000_000])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(PayrollError) as refused:
        parse_lines(read_rows("bang_luong.xlsx", buffer.getvalue()))
    assert refused.value.vi.endswith(
        "Chỉ dòng 1 của trang tính đầu tiên ('Bìa') được đọc làm tiêu đề; ở đó ô A1 là "
        "'CÔNG ĐOÀN CƠ SỞ CÔNG TY MAY SÔNG BÉ'. Bảng lương có vẻ ở trang tính 'Bảng lương' "
        "(tiêu đề ở ô A2): hãy kéo trang tính đó lên đầu, hoặc xóa trang tính 'Bìa', rồi xóa "
        "1 dòng phía trên tiêu đề"
    )
    assert refused.value.en.endswith(
        "Only row 1 of the first sheet ('Bìa') is read as the header; there cell A1 holds "
        "'CÔNG ĐOÀN CƠ SỞ CÔNG TY MAY SÔNG BÉ'. The payroll seems to be on sheet 'Bảng lương' "
        "(header at cell A2): move that sheet first, or delete sheet 'Bìa', then delete the 1 "
        "row(s) above the header"
    )


def test_a_csv_title_line_says_only_the_first_line_is_the_header() -> None:
    # Excel pads every line of a CSV to the width of the sheet: the title line too
    csv = "Bảng lương tháng 3;\nMã đoàn viên;Lương đóng BHXH\nDV001;6.000.000\n"
    with pytest.raises(PayrollError) as refused:
        parse_lines(read_rows("luong.csv", csv.encode()))
    assert refused.value.vi.endswith(
        "Chỉ dòng đầu tiên của tệp được đọc làm tiêu đề; ở đó cột 1 là 'Bảng lương tháng 3'. "
        "Tiêu đề nằm ở dòng 2 ('Mã đoàn viên'): hãy xóa 1 dòng phía trên nó để tiêu đề là dòng 1"
    )
    assert refused.value.en.endswith(
        "Only the file's first line is the header; there column 1 holds 'Bảng lương tháng 3'. "
        "The header is line 2 ('Mã đoàn viên'): delete the 1 line(s) above it so that the "
        "header is line 1"
    )
