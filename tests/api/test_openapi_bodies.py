"""The OpenAPI document describes what each signed write's `command.body` must hold.

For every command type a signed-write route accepts, `/openapi.json` has the command's own
schema, whose `body` is generated from the model the ledger validates that body with
(`ledger.domain.commands.COMMANDS`): the same fields, the same required ones. A sample of
every type fits the document (checked with a JSON Schema validator, formats included) and
is recorded by the ledger through its route; a body the document rules out is refused.
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs

from api.routes.records import WRITES
from ledger.domain.catalogue import WelfareKind
from ledger.domain.commands import COMMANDS
from ledger.domain.policy import DetectionRules, load_default_book
from ledger.signing import encode_b64
from tests.support import at, entries, officer_key

FINDINGS = "/findings/{finding}/resolution"
ROUTES = {w.path: w.types for w in WRITES} | {FINDINGS: ("finding.resolve",)}
ACCEPTED = {t for types in ROUTES.values() for t in types}


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _request_schema(doc: dict[str, Any], path: str) -> dict[str, Any]:
    return doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]


def _commands(doc: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    """The documented command of each type the route takes, by type."""
    item = _resolve(doc, _request_schema(doc, path))
    command = _resolve(doc, item["properties"]["command"])
    variants = [_resolve(doc, v) for v in command.get("oneOf", [command])]
    return {v["properties"]["type"]["const"]: v for v in variants}


def _public_key(signer: Any) -> str:
    return encode_b64(signer.signer.public_key)


def _validator(doc: dict[str, Any], path: str) -> Any:
    schema = {**_request_schema(doc, path), "components": doc["components"]}
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


def test_every_signed_write_documents_the_body_of_each_command_type(api) -> None:  # type: ignore[no-untyped-def]
    doc = api.client.get("/openapi.json").json()
    documented: set[str] = set()
    for path, types in ROUTES.items():
        commands = _commands(doc, path)
        assert sorted(commands) == sorted(types), path
        documented |= set(commands)
        for type_, command in commands.items():
            model = COMMANDS[type_].body
            body = _resolve(doc, command["properties"]["body"])
            assert body["type"] == "object" and body["additionalProperties"] is False, type_
            assert set(body["properties"]) == set(model.model_fields), type_
            required = {name for name, f in model.model_fields.items() if f.is_required()}
            assert set(body.get("required", [])) == required, type_
            envelope = command["properties"]
            assert envelope["effective_date"]["format"] == "date"
            assert envelope["signed_at"]["format"] == "date-time"
            assert ("unit" in command["required"]) is COMMANDS[type_].needs_unit, type_
    assert documented == ACCEPTED
    payout = _resolve(doc, _commands(doc, "/payouts")["payout.record"]["properties"]["body"])
    amount = payout["properties"]["amount"]
    assert (amount["type"], amount["exclusiveMinimum"], amount["maximum"]) == ("integer", 0, 10**13)
    assert "đồng" in amount["description"]
    assert payout["required"] == ["member", "kind", "amount", "occasion"]
    kinds = _resolve(doc, payout["properties"]["kind"])
    assert {"gift", "tet_support", "sickness_visit"} <= set(kinds["enum"])
    dues = _resolve(
        doc, _commands(doc, "/collections/dues")["collection.dues"]["properties"]["body"]
    )
    assert dues["properties"]["month"]["pattern"] == r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$"
    line = _resolve(doc, dues["properties"]["lines"]["items"])
    assert line["required"] == ["member", "salary_basis", "amount"]
    assert line["properties"]["amount"]["type"] == "integer"


def test_the_policy_of_policy_adopt_is_documented_from_the_policy_checks(api) -> None:  # type: ignore[no-untyped-def]
    doc = api.client.get("/openapi.json").json()
    adopt = _commands(doc, "/policies")["policy.adopt"]
    policy = _resolve(doc, adopt["properties"]["body"])["properties"]["policy"]
    version = load_default_book().to_dict()["versions"][0]
    assert set(policy["properties"]) == set(version)  # the fields Policy.to_dict writes
    optional = {"category_limits", "welfare", "backdate_days", "split_window_days", "detection"}
    assert set(policy["required"]) == set(version) - optional | {"welfare"}
    assert policy["additionalProperties"] is False
    assert policy["properties"]["effective_from"]["format"] == "date"
    assert policy["properties"]["base_salary"]["type"] == "integer"
    assert policy["properties"]["dues_rate_bp"]["maximum"] == 10_000
    rule = policy["properties"]["welfare"]["additionalProperties"]
    # the fields a rule's to_dict writes, and the optional one it leaves out when not set
    assert set(rule["properties"]) == set(version["welfare"]["gift"]) | {"max_per_occasion"}
    assert {"type": "integer", "minimum": 1} in rule["properties"]["max_per_occasion"]["anyOf"]
    assert set(policy["properties"]["welfare"]["propertyNames"]["enum"]) == {
        k.value for k in WelfareKind
    }
    detection = policy["properties"]["detection"]["properties"]
    assert {name: f["default"] for name, f in detection.items()} == DetectionRules().to_dict()
    fits = jsonschema_rs.Draft202012Validator(policy, validate_formats=True)
    assert all(fits.is_valid(v) for v in load_default_book().to_dict()["versions"])


def test_a_policy_the_document_rules_out_is_refused_by_the_ledger(api) -> None:  # type: ignore[no-untyped-def]
    doc = api.client.get("/openapi.json").json()
    validator = _validator(doc, "/policies")
    w, chair = api.world, api.officer("ct.g1")
    version = load_default_book().to_dict()["versions"][0] | {"effective_from": "2024-10-01"}
    wrong = [
        (version | {"dues_rate_bp": 20_000}, "body.policy.dues_rate_bp"),
        (version | {"welfare": {"lottery": {}}}, "body.policy.welfare.lottery"),
        ({k: v for k, v in version.items() if k != "welfare"}, "body.policy.welfare"),
        (
            version | {"detection": {"report_deadline_day": 31}},
            "body.policy.detection.report_deadline_day",
        ),
    ]
    before = entries(w)
    with at("2024-10-01"):
        for policy, field in wrong:
            item = w.item(
                "policy.adopt",
                by=w.chair,
                unit="G1",
                effective_date="2024-10-01",
                body={"policy": policy},
            )
            assert not validator.is_valid(item), field
            r = api.client.post("/policies", json=item, headers=chair)
            assert r.status_code == 422, r.text
            assert [p["field"] for p in r.json()["problems"]] == [field], r.json()
        good = w.item(
            "policy.adopt",
            by=w.chair,
            unit="G1",
            effective_date="2024-10-01",
            body={"policy": version},
        )
        assert validator.is_valid(good)
    assert entries(w) == before


def test_a_sample_of_every_command_type_fits_the_document_and_is_recorded(api) -> None:  # type: ignore[no-untyped-def]
    doc = api.client.get("/openapi.json").json()
    validators = {path: _validator(doc, path) for path in ROUTES}
    w = api.world
    logins = {
        w.admin: api.officer("admin"),
        w.kt: api.officer("kt.g1"),
        w.chair: api.officer("ct.g1"),
        w.inspector: api.officer("ubkt"),
    }
    recorded: dict[str, str] = {}

    def send(path: str, type_: str, by: Any, body: dict[str, Any], **kw: Any) -> str:
        item = w.item(type_, by=by, body=body, **kw)
        errors = [e.message for e in validators[path].iter_errors(item)]
        assert errors == [], (type_, errors)
        url = path.format(finding=body.get("finding"))
        r = api.client.post(url, json=item, headers=logins[by])
        assert r.status_code == 201, (type_, r.text)
        recorded[type_] = r.json()["event_id"]
        return str(r.json()["event_id"])

    new_key, newer_key = officer_key("kt.g3"), officer_key("kt.g3.b")
    officer = {"officer": "kt.g3"}
    with at("2024-10-01"):
        unit = {"code": "G3", "name": "CĐCS Điện tử", "level": "Cơ sở", "parent": "D"}
        send("/units", "unit.register", w.admin, unit)
        send("/units", "unit.rename", w.admin, {"name": "CĐCS Điện tử Bình Dương"}, unit="G3")
        send("/units", "unit.move", w.admin, {"parent": "P"}, unit="G3")
        send("/units", "unit.dissolve", w.admin, {"reason": "sáp nhập"}, unit="G3")
        register = officer | {"name": "Vũ Thị Hạnh", "public_key": _public_key(new_key)}
        send("/officers", "officer.register", w.admin, register)
        grant = officer | {"role": "finance_officer", "scope": "G2"}
        send("/officers", "officer.grant", w.admin, grant)
        send("/officers", "officer.revoke_role", w.admin, grant)
        send(
            "/officers",
            "officer.rotate_key",
            w.admin,
            officer | {"public_key": _public_key(newer_key)},
        )
        revoke = officer | {"key_id": newer_key.key_id, "reason": "mất máy"}
        send("/officers", "officer.revoke_key", w.admin, revoke)

        def join(number: str) -> None:
            personal = {"full_name": f"Đoàn viên {number}", "date_of_birth": "1990-01-01"}
            personal["citizen_id"] = f"07919000{number[-4:]}"
            body = {"member": number, "salary_basis": 6_000_000}
            send("/members", "member.join", w.kt, body, unit="G1", personal=personal)

        for number in ("DV0010", "DV0011", "DV0012", "DV0013", "DV0014"):
            join(number)
        link = officer | {"member": "DV0010"}  # kt.g3's own member record
        send("/officers", "officer.link_member", w.admin, link)
    with at("2024-10-02"):  # a member's changes come after their joining
        member = {"member": "DV0010"}
        send("/members", "member.salary", w.kt, member | {"salary_basis": 7_000_000}, unit="G1")
        household = {"household_status": "near_poor"}
        send("/members", "member.household", w.kt, member, unit="G1", personal=household)
        child = member | {"relative": "R1", "relation": "child"}
        personal = {"full_name": "Trần Bé", "date_of_birth": "2015-01-01"}
        send("/members", "member.relative", w.kt, child, unit="G1", personal=personal)
        gone = member | {"relative": "R1", "reason": "NĐ 13"}  # the grown child asked
        send("/members", "member.erase_relative", w.admin, gone, unit="G1")
        move = {"member": "DV0011", "to_unit": "G2"}
        send("/members", "member.transfer", w.kt, move, unit="G1")
        leave = {"member": "DV0012", "reason": "nghỉ việc"}
        send("/members", "member.leave", w.kt, leave, unit="G1")
        send("/members", "member.death", w.kt, {"member": "DV0013"}, unit="G1")
        erase = {"member": "DV0014", "reason": "NĐ 13"}
        send("/members", "member.erase", w.admin, erase, unit="G1")

        g1 = {"unit": "G1"}
        line = {"member": "DV001", "salary_basis": 6_000_000, "amount": 60_000}
        dues = {"month": "2024-09", "lines": [line]}
        send("/collections/dues", "collection.dues", w.kt, dues, **g1)
        fee = {"month": "2024-09", "payroll": 100_000_000, "amount": 2_000_000}
        fee["employer"] = "Công ty May Sông Bé"
        send("/collections/union-fee", "collection.union_fee", w.kt, fee, **g1)
        relief = {"employer": "Công ty Bao bì", "kind": "reduced", "from_month": "2024-10"}
        relief |= {"to_month": "2025-03", "rate_bp": 100, "decision_number": "45/QĐ-LĐLĐ"}
        relief["issuer"] = "LĐLĐ tỉnh Bình Dương"
        path = "/collections/union-fee-reliefs"
        send(path, "union_fee.relief", w.kt, relief, cosigner=w.chair, **g1)
        other = {"source": "donation", "amount": 5_000_000, "description": "Ủng hộ"}
        send("/collections/other", "collection.other", w.kt, other, **g1)
        remit = {"month": "2024-09", "kind": "union_fee", "amount": 500_000, "to_unit": "D"}
        send("/remittances", "remittance.record", w.kt, remit, **g1)
        spend = {"category": "administration", "amount": 1_000_000}
        spend["description"] = "Văn phòng phẩm"
        send("/expenses", "expense.record", w.kt, spend, **g1)
        gift = {"member": "DV001", "kind": "gift", "amount": 300_000, "occasion": "20/10"}
        gift_id = send("/payouts", "payout.record", w.kt, gift, **g1)
        repair = {"member": "DV002", "kind": "housing_repair", "amount": 20_000_000}
        repair |= {"occasion": "Sửa nhà sau bão", "await_approval": True}
        send("/payouts", "payout.record", w.kt, repair, personal={"reason": "bão"}, **g1)
        (queued,) = api.client.get("/approvals/pending?unit=G1", headers=logins[w.chair]).json()
        decision = {"target": queued["event_id"], "target_digest": queued["target_digest"]}
        send("/approvals", "approval.decide", w.chair, decision | {"decision": "approve"}, **g1)
        loan = {"member": "DV001", "loan": "L1", "fund": "cep", "amount": 3_000_000}
        loan["term_months"] = 12
        reason = {"reason": "chăn nuôi"}
        send("/loans/disbursements", "loan.disburse", w.kt, loan, personal=reason, **g1)
        part = {"member": "DV001", "loan": "L1", "amount": 1_000_000}
        send("/loans/repayments", "loan.repay", w.kt, part, **g1)
        forgive = part | {"reason": "khó khăn"}
        send("/loans/write-offs", "loan.write_off", w.kt, forgive, cosigner=w.chair, **g1)
        send("/reversals", "reversal.record", w.kt, {"target": gift_id, "reason": "ghi nhầm"}, **g1)
        version = load_default_book().to_dict()["versions"][0] | {"effective_from": "2024-10-02"}
        adopt = {"policy": version}
        send("/policies", "policy.adopt", w.chair, adopt, effective_date="2024-10-02", **g1)

        r = api.client.post(
            "/me/disputes",
            json={"entry": queued["event_id"], "reason": "not_received", "text": "Chưa nhận"},
            headers=api.member("DV002"),
        )
        assert r.status_code == 201, r.text
    report = api.client.get("/findings?unit=G1", headers=logins[w.inspector]).json()
    (finding,) = [f for f in report["findings"] if f["rule"] == "member_dispute"]
    with at("2024-10-05"):
        judgment = {"finding": finding["id"], "rule": "member_dispute", "decision": "dismiss"}
        judgment["note"] = "Đoàn viên đã nhận tiền sửa nhà"
        send(FINDINGS, "finding.resolve", w.inspector, judgment, **g1)
    assert set(recorded) == ACCEPTED


def test_a_body_the_document_rules_out_is_refused_and_nothing_is_stored(api) -> None:  # type: ignore[no-untyped-def]
    doc = api.client.get("/openapi.json").json()
    validator = _validator(doc, "/payouts")
    w, kt = api.world, api.officer("kt.g1")
    gift = {"member": "DV001", "kind": "gift", "amount": 300_000, "occasion": "20/10"}
    wrong = [
        (gift | {"amount": "300000"}, "body.amount"),  # money is an integer
        (gift | {"amount": 0}, "body.amount"),
        ({k: v for k, v in gift.items() if k != "occasion"}, "body.occasion"),
        (gift | {"colour": "red"}, "body.colour"),
    ]
    before = entries(w)
    # The route still passes the body through untouched: the ledger's own check refuses it,
    # naming the field inside the signed command (`body.…`), as before the document said more.
    with at("2024-10-01"):
        for body, field in wrong:
            item = w.item("payout.record", by=w.kt, unit="G1", body=body)
            assert not validator.is_valid(item), body
            r = api.client.post("/payouts", json=item, headers=kt)
            assert r.status_code == 422, r.text
            assert [p["field"] for p in r.json()["problems"]] == [field], r.json()
        late = w.item("payout.record", by=w.kt, unit="G1", body=gift, effective_date="2024-02-30")
        assert not validator.is_valid(late)
    assert entries(w) == before


def test_the_document_lists_the_refusals_the_server_gives(api) -> None:  # type: ignore[no-untyped-def]
    """A client generated from /openapi.json knows every refusal shape it can meet: each
    route taking a JSON body answers 413 (over 32 MiB) and 415 (no JSON Content-Type) in the
    one error shape, and a consistency proof 409 when the stored leaves no longer hash to a
    signed checkpoint, as an inclusion proof does."""
    doc = api.client.get("/openapi.json").json()
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
    with_body = [
        (path, method, op)
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if "requestBody" in op
    ]
    assert len(with_body) >= 20
    for path, method, op in with_body:
        for status in ("413", "415"):
            assert op["responses"].get(status, {}).get("content") == error["content"], (
                method,
                path,
                status,
            )
    for path in ("/audit/consistency", "/audit/inclusion/{event_id}"):
        assert doc["paths"][path]["get"]["responses"]["409"]["content"] == error["content"]
    # what the document says is what the server does
    r = api.client.post("/payouts", content=b"{}", headers=api.officer("kt.g1"))
    assert (r.status_code, r.json()["code"]) == (415, "unsupported_media_type")
