"""Where `phucloi import` says a refusal lies in the file."""

from __future__ import annotations

from ledger.cli.importer import Entry, locate
from ledger.domain.errors import conflict


def test_a_busy_ledger_is_said_of_the_whole_batch_not_of_its_first_line() -> None:
    """Other writers kept the batch from being saved: no line of the file is at fault, yet
    the refusal was printed as "dòng 2: …", sending the officer to a row that is fine."""
    entries = [Entry(line=2, csv=True, line_map=[2, 3, 4]), Entry(line=5)]
    busy = conflict("concurrent_write", "Sổ cái đang bận", "The ledger is busy")
    assert locate(busy, entries) == []
    reused = conflict("command_id_reused", "Mã lệnh đã dùng", "This command id was used")
    [where] = locate(reused, entries)
    assert (where.line, where.vi) == (2, "Mã lệnh đã dùng")
