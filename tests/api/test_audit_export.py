"""`GET /audit/export`: the whole ledger's bundle, only for a scope over the whole ledger."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from tests.support import at


def _export(api: Any, code: str) -> Any:
    return api.client.get("/audit/export", headers=api.officer(code))


def test_only_a_scope_over_the_whole_ledger_downloads_the_bundle(api) -> None:  # type: ignore[no-untyped-def]
    # ubkt.g2 is an inspector over G2 only: the bundle holds every union's salaries.
    refused = _export(api, "ubkt.g2")
    assert refused.status_code == 403
    body = refused.json()
    assert body["code"] == "out_of_scope"
    assert "toàn bộ sổ cái" in body["message_vi"] and "P" in body["message_vi"]
    assert "whole ledger" in body["message_en"] and "top-level unit: P" in body["message_en"]
    assert "DV00" not in refused.text
    # ubkt is an inspector over P, the only top-level unit: the whole ledger.
    served = _export(api, "ubkt")
    assert served.status_code == 200, served.text
    assert served.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(served.content)).namelist()
    assert "MANIFEST.json" in names and "read_models/proj_member_salaries.jsonl" in names
    assert _export(api, "admin").status_code == 200


def test_a_second_top_level_unit_takes_the_whole_ledger_from_an_inspector_over_one(api) -> None:  # type: ignore[no-untyped-def]
    with at("2024-06-21"):
        api.world.submit(
            "unit.register",
            by=api.world.admin,
            body={"code": "Q", "name": "LĐLĐ tỉnh Bình Phước", "level": "Tỉnh", "parent": None},
        )
    refused = _export(api, "ubkt")  # over P, no longer every top-level unit
    assert refused.status_code == 403
    assert "top-level unit: P, Q" in refused.json()["message_en"]
    assert _export(api, "admin").status_code == 200  # scope "*"
