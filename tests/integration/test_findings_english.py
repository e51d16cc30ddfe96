"""Detection's English: every rule's findings on a planted demo ledger (every rule has cases)
read in English as the English pages write, and every evidence note has an English version.

- An English explanation or note writes amounts as the Vietnamese does and the English pages
  show them (`480.000 đ`, never `480000 đồng`) and dates as `dd/mm/yyyy` (never
  `2026-01-10`).
- Neither language, in an explanation or an evidence note, outside what was typed into the
  records (quoted «…»), shows a catalogue key (`hardship_sudden`, `approval_threshold`), a
  policy field path or a command type (`collection.union_fee`): their words instead; nor a
  month or a quarter as stored (`2025-01`, `2025-Q1`, `lunar-2025`): `01/2025`, `Quý I/2025`,
  `Q1 2025` as the pages write them (a policy version, `quy chế 2025-07`, is its name).
- Every evidence note (`note`, Vietnamese, as older exports know it) has its English
  (`note_en`) beside it, in the finding's JSON too: with what was typed into the records
  (quoted «…»), the currency and the word Tết taken out, no Vietnamese letter is left, nor a
  catalogue key where its label belongs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from audit.rules.base import DetectedFinding
from ledger.demo import DemoConfig, build_demo
from ledger.demo.fraud import RULES

PLANTED = DemoConfig(seed=11, members=600, grassroots=10, uppers=3)

# An amount of 4 digits or more written without the thousands dot: not a year (2025), nor
# part of a code (G09-0001, TV2025-G09-CB, a policy version 2025-07), nor an event id's first
# digits (43174231…).
RAW_AMOUNT = re.compile(r"(?<![\w/-])(?!(?:19|20)\d\d\b)\d{4,}(?![\w/…-])")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
VIETNAMESE = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.IGNORECASE
)
QUOTED = re.compile(r"«[^»]*»")
RAW_KEY = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
DOTTED = re.compile(r"\b[a-z]{2,}(?:_[a-z]+)*\.[a-z]{2,}(?:_[a-z]+)*\b")
STORED_PERIOD = re.compile(
    r"(?<![\w/-])(?<!quy chế )(?<!policy )\d{4}-(?:0[1-9]|1[0-2]|Q[1-4])(?![\w-])|\blunar-\d{4}\b"
)


def _written_as_stored(text: str) -> list[str]:
    """Keys, field paths, command types and stored periods outside the quoted «…»."""
    rest = QUOTED.sub(" ", text)
    return RAW_KEY.findall(rest) + DOTTED.findall(rest) + STORED_PERIOD.findall(rest)


def _written_raw(text: str) -> list[str]:
    return RAW_AMOUNT.findall(text) + ISO_DATE.findall(text)


def _planted_findings(ctx: Any, tmp_path: Path) -> list[DetectedFinding]:
    from audit.detect import detect

    build_demo(ctx.ledger, PLANTED, keystore=tmp_path / "keys", plant_fraud=True)
    report = detect(ctx)
    assert report.rule_errors == {}
    assert set(RULES) <= {f.rule for f in report.findings}
    return report.findings


def test_the_patterns_catch_raw_amounts_and_iso_dates_only() -> None:
    said = (
        "G01 owed 480000 đồng (union fee 8454200, dues 5000), due on 2026-01-10; G09-0001 of "
        "G09 in 2025 under policy 2025-07, loan TV2025-G09-CB, entry 43174231…, key "
        "29faaae398791ccf, 480.000 đ on 10/01/2026, 38,06%."
    )
    assert _written_raw(said) == ["480000", "8454200", "5000", "2026-01-10"]


def test_the_patterns_catch_keys_command_types_and_stored_periods_only() -> None:
    said = (
        "ct.G08 paid hardship_sudden in 2025-Q1 and lunar-2025 for 2025-01; a collection.dues "
        "under welfare.gift.per_year_cap; quy chế 2025-07, policy G08-2025-08, «tet_support "
        "2025-02», 01/2025, Quý I/2025, Q1 2025, e.g. Tết Ất Tỵ 2025."
    )
    assert _written_as_stored(said) == [
        "hardship_sudden",
        "per_year_cap",
        "collection.dues",
        "welfare.gift",
        "2025-Q1",
        "lunar-2025",
        "2025-01",
    ]


def test_every_rule_writes_words_not_keys_and_periods_as_the_pages_do(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    findings = _planted_findings(ctx, tmp_path)
    raw = {}
    for f in findings:
        texts = [f.explanation_vi, f.explanation_en]
        texts += [t for e in f.evidence for t in (e.note, e.note_en) if t]
        for text in texts:
            if found := _written_as_stored(text):
                raw[f"{f.rule}: {text}"] = found
    assert not raw, "\n".join(f"{k}\n  -> {v}" for k, v in raw.items())


def test_every_rule_says_amounts_and_dates_in_english_as_the_pages_do(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    findings = _planted_findings(ctx, tmp_path)
    raw = {
        f"{f.rule}: {f.explanation_en}": found
        for f in findings
        if (found := _written_raw(f.explanation_en))
    }
    assert not raw, "\n".join(f"{k}\n  -> {v}" for k, v in raw.items())
    # the Vietnamese says the same amount the same way
    shortfall = next(f for f in findings if f.rule == "remittance_shortfall")
    amounts = re.findall(r"\d{1,3}(?:\.\d{3})+ đ", shortfall.explanation_en)
    assert amounts and set(amounts) <= set(
        re.findall(r"\d{1,3}(?:\.\d{3})+ đ", shortfall.explanation_vi)
    )


def test_every_evidence_note_has_its_english_beside_it(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    findings = _planted_findings(ctx, tmp_path)
    untranslated, vietnamese, raw = [], [], []
    notes = 0
    for f in findings:
        for e, shown in zip(f.evidence, f.as_dict()["evidence"], strict=True):
            assert (shown["note"], shown["note_en"]) == (e.note, e.note_en)
            if not e.note:
                continue
            notes += 1
            if not e.note_en:
                untranslated.append(f"{f.rule}: {e.note}")
                continue
            rest = QUOTED.sub(" ", e.note_en)
            rest = re.sub(r"\d đ\b|\bđồng\b|\bTết\b", " ", rest)
            if VIETNAMESE.search(rest) or RAW_KEY.search(rest):
                vietnamese.append(f"{f.rule}: {e.note_en}")
            if _written_raw(e.note_en):
                raw.append(f"{f.rule}: {e.note_en}")
    assert notes > 100
    assert not untranslated, "\n".join(sorted(set(untranslated)))
    assert not vietnamese, "\n".join(sorted(set(vietnamese)))
    assert not raw, "\n".join(sorted(set(raw)))
