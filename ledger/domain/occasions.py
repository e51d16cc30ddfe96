"""How an occasion text (the "dịp chi" of a payout) is compared: one occasion, or a kind's
generic label that names none. Shared by the write-time checks (`ledger.domain.rules`: the
instalments a policy allows for one occasion) and detection (`audit.rules.benefits`, rule
2), so that both see one occasion alike.

Invariants:
- `occasion_key` folds only what does not change the text as read: Unicode form, invisible
  format characters, case and spacing. Signed texts are stored as typed.
- `generic_occasion` is true for a kind's catalogue label (Vietnamese or English) or a usual
  voucher text that names only the kind of help ("Thăm ốm", "Trợ cấp khó khăn"), compared
  without tone marks or punctuation: two payouts carrying it are not one occasion.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ledger.domain.catalogue import WelfareKind
from ledger.textfiles import fold

_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65_536)
def occasion_key(text: str) -> str:
    """The occasion (or item) as compared: texts that read the same are one occasion.

    NFKC (a Vietnamese letter typed or pasted decomposed, as macOS and PDFs give it, is the
    same letter), invisible format characters (zero-width space, joiner...) dropped, case
    folded, spaces collapsed. Signed texts are stored as typed; only the comparison folds.
    """
    folded = unicodedata.normalize("NFKC", text)
    folded = "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")
    return _SPACES.sub(" ", folded.casefold().strip())


# What vouchers usually carry as the "occasion" when they name no occasion at all, only the
# kind of help (besides every kind's own catalogue label, Vietnamese and English).
USUAL_GENERIC = (
    "thăm ốm",
    "thăm hỏi",
    "thăm hỏi ốm",
    "thăm bệnh",
    "ốm đau",
    "ốm",
    "trợ cấp khó khăn",
    "hỗ trợ khó khăn",
    "khó khăn",
    "khó khăn đột xuất",
    "trợ cấp đột xuất",
    "hỗ trợ đột xuất",
    "bệnh hiểm nghèo",
    "tai nạn lao động",
    "tặng quà",
    "quà",
    "trợ cấp",
    "hỗ trợ",
    "hỗ trợ khác",
)


def plain_occasion(text: str) -> str:
    """`occasion_key` without tone marks, đ as d, punctuation as spaces: how a generic label
    is recognised however it was typed ("Thăm ốm.", "THAM OM")."""
    return " ".join(re.sub(r"[^\w]+", " ", fold(occasion_key(text))).split())


_GENERIC = frozenset(
    {plain_occasion(k.label_vi) for k in WelfareKind}
    | {plain_occasion(k.label_en) for k in WelfareKind}
    | {plain_occasion(t) for t in USUAL_GENERIC}
)


def generic_occasion(text: str) -> bool:
    """Whether an occasion text is only a kind's generic label ("Thăm ốm", "Trợ cấp khó
    khăn"): it names no occasion, so two payouts carrying it are not one occasion."""
    return plain_occasion(text) in _GENERIC
