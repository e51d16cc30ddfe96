"""Text files people bring (import rows, manual report rows, policy files, payroll uploads).

Finance offices save them from Excel: UTF-8 ("CSV UTF-8"), with or without a BOM, or UTF-16
with its BOM ("Unicode Text"). An old 8-bit export (Windows-1258, TCVN3, VNI) cannot be told
apart from garbled text, so it is refused, naming the line of its first byte that is not
UTF-8, rather than decoded as something it is not.
"""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class NotUtf8(ValueError):
    """Bytes that are neither UTF-8 nor UTF-16 after a BOM; `line` holds the first bad byte."""

    def __init__(self, line: int) -> None:
        super().__init__(f"not UTF-8 text (line {line})")
        self.line = line


def decode_text(raw: bytes) -> str:
    """The text of `raw`: UTF-16 after its BOM, else UTF-8 (a BOM dropped), else `NotUtf8`."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw.decode(encoding)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotUtf8(raw.count(b"\n", 0, exc.start) + 1) from None


def read_text(path: Path) -> str:
    """The text of the file at `path` (see `decode_text`)."""
    return decode_text(path.read_bytes())


def csv_delimiter(line: str) -> str:
    """The separator of a CSV header line: the most frequent of comma, semicolon (what Excel
    writes where the decimal mark is a comma, as in Vietnamese) and tab; a comma on a tie."""
    return max(",;\t", key=line.count)


def fold(text: str) -> str:
    """Case- and accent-insensitive form for matching names and headers: `Nguyễn Đức` →
    `nguyen duc` (NFC or NFD input alike)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


# The line breaks and tab a multi-line text (a reason, a description, a member's words) may
# hold: what a textarea or a pasted paragraph gives.
LINE_BREAKS = "\t\n\r"


_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp"})


def hidden_characters(text: str, allowed: str = "") -> list[str]:
    """The control (Cc), invisible format (Cf) and Unicode line/paragraph separator (Zl, Zp)
    characters of `text` other than `allowed`, as sorted `U+XXXX` labels: a zero-width space,
    a right-to-left override, a BOM or an escape make two texts that read the same differ, or
    show a text otherwise than signed."""
    return sorted(
        {f"U+{ord(c):04X}" for c in text if c not in allowed and unicodedata.category(c) in _HIDDEN}
    )
