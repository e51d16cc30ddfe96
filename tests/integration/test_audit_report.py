"""Inspectors judge findings (signed events), and the HTML report shows who judged and why."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from audit.detect import detect
from audit.report_html import build_report, render_html
from tests.integration.test_cli import cli, keys_for_world, ok
from tests.integration.test_detect_rules import register_officer
from tests.support import at


@pytest.fixture(autouse=True)
def _linked(world: Any) -> None:
    """The officers who handle money are linked to their member records: the findings here
    are the payouts' alone."""
    world.link_officers()


def _override(world: Any) -> Any:
    world.join("DV1")
    return world.payout(
        "DV1",
        "gift",
        800_000,
        on="2024-09-02",
        occasion="quà cưới",
        override={"justification": "đoàn viên tiêu biểu"},
        cosigner=world.chair,
    )


def _judge(world: Any, finding: Any, decision: str, note: str, day: str) -> Any:
    with at(day):
        return world.submit(
            "finding.resolve",
            by=world.inspector,
            unit=finding.unit,
            body={"finding": finding.id, "rule": finding.rule, "decision": decision, "note": note},
        )


def test_confirm_then_dismiss_keeps_both_judgments_and_the_latest_decides(world) -> None:  # type: ignore[no-untyped-def]
    payout = _override(world)
    [finding] = detect(world.ctx).findings
    assert finding.status == "open" and finding.event_ids == (payout.event_id,)
    _judge(world, finding, "confirm", "Vượt mức quy chế", "2024-10-01")
    _judge(world, finding, "dismiss", "Có quyết định của Ban chấp hành", "2024-10-05")

    [again] = detect(world.ctx).findings
    assert again.id == finding.id and again.status == "dismissed"
    assert [(j.decision, j.officer, j.note) for j in again.judgments] == [
        ("confirm", "ubkt", "Vượt mức quy chế"),
        ("dismiss", "ubkt", "Có quyết định của Ban chấp hành"),
    ]
    assert world.ledger.get_finding(finding.id).decision == "dismiss"


def test_the_html_report_is_self_contained_and_shows_evidence_and_judgments(world) -> None:  # type: ignore[no-untyped-def]
    payout = _override(world)
    world.join("DV2", unit="G2")
    world.payout("DV2", "gift", 300_000, on="2024-09-02", unit="G2", by=world.kt2, occasion="2/9")
    [finding] = detect(world.ctx).findings
    judgment = _judge(world, finding, "confirm", "Chi vượt mức <không có> chứng từ", "2024-10-01")

    html = render_html(build_report(world.ctx, verify=False))
    for section in ("tom-tat", "kiem-tra-chu-ky", "ty-le-phuc-loi", "phat-hien", "ket-luan"):
        assert f'id="{section}"' in html
    assert "Chưa chạy kiểm tra chữ ký" in html  # not verified: said so
    assert finding.id in html and payout.event_id in html and judgment.event_id in html
    assert "Xác nhận vi phạm" in html and "ubkt" in html
    assert "Chi vượt mức &lt;không có&gt; chứng từ" in html  # escaped, never raw markup
    assert "<svg" in html and "chỉ tiêu 60%" in html  # the chart, inline
    assert "G1" in html and "G2" in html
    for external in ("http://", "https://", "<script", " src=", "<link", "@import"):
        assert external not in html
    assert not re.search(r"url\((?!#)", html)  # only the chart's own clip paths
    assert "DV1" in html and "Đoàn viên DV1" not in html  # numbers only, no names


def test_the_report_names_people_only_when_asked_and_says_when_verified(world) -> None:  # type: ignore[no-untyped-def]
    _override(world)
    report = build_report(world.ctx, verify=True, names=True)
    html = render_html(report)
    assert report.verification is not None
    assert ("ĐẠT:" in html) == report.verification.ok
    assert "DV1 (Đoàn viên DV1)" in html
    assert "http://" not in html and "https://" not in html


def test_the_report_names_an_erased_person_in_one_pair_of_parentheses(world) -> None:  # type: ignore[no-untyped-def]
    _override(world)
    with at("2024-10-01"):
        world.submit(
            "member.erase",
            by=world.admin,
            unit="G1",
            body={"member": "DV1", "reason": "Theo đơn"},
        )
    html = render_html(build_report(world.ctx, verify=False, names=True))
    assert "DV1 (đã xóa / erased)" in html
    assert "((" not in html and "))" not in html


def test_the_report_gives_verification_findings_in_vietnamese(world) -> None:  # type: ignore[no-untyped-def]
    from audit.findings import Finding

    _override(world)
    report = build_report(world.ctx, verify=True)
    assert report.verification is not None
    html = render_html(report)
    # the check's code with its name beside it, as `audit verify` prints it
    assert (
        "checkpoint.none (chưa có checkpoint nào được ký): chưa có checkpoint nào được ký: "
        "sổ cái chưa được bảo vệ"
    ) in html
    assert "no checkpoint has been signed" not in html
    revoked = Finding(
        "signature.revoked",
        "error",
        7,
        "e-1",
        None,
        None,
        "signed by kt.G01 with key k1 on 2025-03-01, on or after the key's revocation",
        "ký bởi kt.G01 bằng khóa k1 lúc 2025-03-01, vào hoặc sau ngày khóa bị thu hồi",
    )
    at_time = revoked._replace(
        seq=8,
        message_vi="ký bởi kt.G01 bằng khóa k1 lúc 2025-10-25T09:36:00+00:00, vào hoặc sau",
    )
    report.verification.findings.append(at_time)
    report.verification.findings.append(revoked)
    html = render_html(report)
    assert "<code>seq 7, bút toán e-1</code>" in html
    assert "<td>signature.revoked (ký bằng khóa đã bị thu hồi từ trước)</td>" in html
    # a date as dd/mm/yyyy, as everywhere people read one
    assert "ký bởi kt.G01 bằng khóa k1 lúc 01/03/2025, vào hoặc sau ngày khóa bị thu hồi" in html
    assert "on or after the key" not in html
    # an instant in Vietnam's time, as the inspectors' page gives it, not UTC in ISO form
    assert "ký bởi kt.G01 bằng khóa k1 lúc 25/10/2025 16:36, vào hoặc sau" in html
    assert "2025-10-25T09:36" not in html


def test_a_judged_finding_that_is_no_longer_detected_stays_in_the_report(world) -> None:  # type: ignore[no-untyped-def]
    payout = _override(world)
    [finding] = detect(world.ctx).findings
    _judge(world, finding, "confirm", "Đề nghị thu hồi", "2024-10-01")
    with at("2024-10-02"):
        world.submit(
            "reversal.record",
            by=world.kt,
            unit="G1",
            effective_date="2024-10-02",
            body={"target": payout.event_id, "reason": "thu hồi theo kết luận kiểm tra"},
        )
    report = detect(world.ctx)
    assert finding.id not in {f.id for f in report.findings}
    assert [j.note for j in report.stale_judgments[finding.id]] == ["Đề nghị thu hồi"]
    html = render_html(build_report(world.ctx, verify=False))
    assert "(không còn phát hiện)" in html and "Đề nghị thu hồi" in html


# --- the command line ---------------------------------------------------------------------------


def test_detect_resolve_and_report_from_the_command_line(
    world: Any, database_url: str, tmp_path: Path
) -> None:
    _override(world)
    home = tmp_path / "home"
    keys_for_world(home, "ubkt")
    listed = ok(cli(home, database_url, "audit detect --json"))
    [finding] = json.loads(listed.stdout)["findings"]
    assert finding["rule"] == "over_cap" and finding["status"] == "open"
    table = ok(cli(home, database_url, "audit detect --unit G1"))
    assert finding["id"] in table.stdout and "1 phát hiện" in table.stdout

    resolved = ok(
        cli(
            home,
            database_url,
            f"audit resolve {finding['id']} --confirm --as ubkt --json",
            "--note",
            "Chi vượt mức, đề nghị thu hồi",
        )
    )
    assert json.loads(resolved.stdout)["command_type"] == "finding.resolve"
    [judged] = world.ledger.get_finding(finding["id"]).judgments
    assert (judged["decision"], judged["officer"]) == ("confirm", "ubkt")

    out = tmp_path / "bao-cao.html"
    ok(cli(home, database_url, f"audit report --out {out} --no-verify"))
    html = out.read_text(encoding="utf-8")
    assert "Chi vượt mức, đề nghị thu hồi" in html and finding["id"] in html
    assert not re.search(r"https?://", html)


def test_resolve_refuses_what_it_cannot_judge(
    world: Any, database_url: str, tmp_path: Path
) -> None:
    _override(world)
    home = tmp_path / "home"
    keys_for_world(home, "ubkt")
    unknown = cli(
        home, database_url, "audit resolve F-0123456789abcdef --dismiss --note x --as ubkt"
    )
    assert unknown.exit_code == 2 and "không có trong các phát hiện hiện tại" in unknown.output
    malformed = cli(home, database_url, "audit resolve F-12 --dismiss --note x --as ubkt")
    assert malformed.exit_code == 2 and "F-<16 hex>" in malformed.output
    [finding] = detect(world.ctx).findings
    both = cli(
        home, database_url, f"audit resolve {finding.id} --confirm --dismiss --note x --as ubkt"
    )
    assert both.exit_code == 2 and "--confirm" in both.output
    no_note = cli(home, database_url, f"audit resolve {finding.id} --confirm --as ubkt")
    assert no_note.exit_code == 2 and "--note" in no_note.output
    bad_period = cli(home, database_url, "audit detect --period 2025-13")
    assert bad_period.exit_code == 2 and "--period" in bad_period.output
    elsewhere = cli(
        home, database_url, f"audit resolve {finding.id} --dismiss --note x --unit G2 --as ubkt"
    )
    assert elsewhere.exit_code == 2 and "--unit: G2" in elsewhere.output
    assert world.ledger.get_finding(finding.id) is None  # nothing was stored


def test_a_judgment_signed_for_another_union_does_not_judge_the_finding(world) -> None:  # type: ignore[no-untyped-def]
    """G2's inspector may sign judgments for G2 only: one of a G1 finding, signed 'for G2'
    (the role check passes over G2; an import or the API can send it), used to overturn the
    province inspector's verdict. It is now set aside, listed with the stale judgments."""
    _override(world)
    [finding] = detect(world.ctx).findings
    assert finding.unit == "G1"
    _judge(world, finding, "confirm", "Vượt mức quy chế", "2024-10-01")
    g2 = register_officer(world, "ubkt.g2", "inspector", "G2")
    with at("2024-10-02"):
        world.submit(
            "finding.resolve",
            by=g2,
            unit="G2",
            body={"finding": finding.id, "rule": finding.rule, "decision": "dismiss", "note": "x"},
        )
    report = detect(world.ctx)
    [again] = report.findings
    assert again.status == "confirmed"
    assert [(j.officer, j.decision) for j in again.judgments] == [("ubkt", "confirm")]
    assert [(j.officer, j.unit) for j in report.stale_judgments[finding.id]] == [("ubkt.g2", "G2")]


def test_a_finding_of_a_dissolved_union_is_judged_in_the_name_of_the_union_above(
    world: Any, database_url: str, tmp_path: Path
) -> None:
    _override(world)
    with at("2024-10-01"):  # G1 merges into G2: its members move, then it is dissolved
        world.ledger.submit_batch(
            [
                *(
                    world.item(
                        "member.transfer",
                        by=world.kt,
                        unit="G1",
                        body={"member": number, "to_unit": "G2"},
                    )
                    for number in ("DV1", "CB1", "CB2")
                ),
                world.item("unit.dissolve", by=world.admin, unit="G1", body={"reason": "sáp nhập"}),
            ]
        )
    [finding] = [f for f in detect(world.ctx).findings if f.rule == "over_cap"]
    assert finding.unit == "G1"
    home = tmp_path / "home"
    keys_for_world(home, "ubkt")
    resolved = ok(
        cli(
            home,
            database_url,
            f"audit resolve {finding.id} --confirm --as ubkt --json",
            "--note",
            "Vượt mức quy chế",
        )
    )
    assert world.ledger.entry(json.loads(resolved.stdout)["event_id"])["unit_code"] == "D"
    [again] = [f for f in detect(world.ctx).findings if f.id == finding.id]
    assert again.status == "confirmed"


def test_resolve_gives_a_disputing_member_a_reply_apart_from_the_note(
    world: Any, database_url: str, tmp_path: Path
) -> None:
    payout = _override(world)
    portal = register_officer(world, "portal", "portal", "*")
    with at("2024-10-01"):
        world.submit(
            "member.dispute",
            by=portal,
            unit="G1",
            body={"member": "DV1", "entry": payout.event_id, "reason": "amount_differs"},
            personal={"text": "Tôi nhận ít hơn"},
        )
    findings = {f.rule: f for f in detect(world.ctx).findings}
    home = tmp_path / "home"
    keys_for_world(home, "ubkt")
    resolve = f"audit resolve {findings['member_dispute'].id} --dismiss --as ubkt"
    ok(
        cli(
            home,
            database_url,
            resolve,
            "--note",
            "Có chữ ký nhận đủ",
            "--reply",
            "Bạn đã ký nhận đủ",
        )
    )
    [judged] = world.ledger.get_finding(findings["member_dispute"].id).judgments
    assert (judged["note"], judged["reply"]) == ("Có chữ ký nhận đủ", "Bạn đã ký nhận đủ")
    # the report shows what the member was told beside the committee's reason
    html = render_html(build_report(world.ctx, verify=False))
    conclusions = html[html.index('id="ket-luan"') :]
    assert "<td>Có chữ ký nhận đủ</td><td>Bạn đã ký nhận đủ</td>" in conclusions
    assert "Trả lời đoàn viên: «Bạn đã ký nhận đủ»" in html
    other = cli(
        home,
        database_url,
        f"audit resolve {findings['over_cap'].id} --confirm --as ubkt",
        "--note",
        "Vượt mức",
        "--reply",
        "x",
    )
    assert other.exit_code == 2 and "--reply: chỉ dùng cho phản ánh của đoàn viên" in other.output
    assert world.ledger.get_finding(findings["over_cap"].id) is None


def test_the_money_at_stake_counts_a_payout_two_rules_flag_once(world) -> None:  # type: ignore[no-untyped-def]
    """A second Tết support paid by override is both a repeated benefit and an override: the
    headline total counted its 1,200,000 twice."""
    from ledger.cli.demo import _findings_table

    for number in ("DV1", "DV2", "DV3"):
        world.join(number)
    world.payout("DV1", "tet_support", 1_000_000, on="2024-12-28", occasion="Tết Ất Tỵ")
    world.payout(
        "DV1",
        "tet_support",
        1_200_000,
        on="2025-01-27",
        occasion="Tết Sum vầy",
        override={"justification": "hoàn cảnh khó"},
        cosigner=world.chair,
    )
    for day in ("2025-01-30", "2025-02-03"):  # one hospital stay paid twice
        world.payout(
            "DV2",
            "sickness_visit",
            1_000_000,
            on=day,
            occasion="nằm viện 28/01",
            personal={"reason": "viêm phổi"},
        )
    world.payout("DV3", "gift", 400_000, on="2025-01-05", occasion="quà đầu năm")
    with at("2025-02-10"):
        world.submit(
            "member.leave",
            by=world.kt,
            unit="G1",
            effective_date="2024-12-31",
            body={"member": "DV3", "reason": "nghỉ việc"},
        )

    report = detect(world.ctx)
    assert sorted((f.rule, f.amount) for f in report.findings) == [
        ("inactive_beneficiary", 400_000),
        ("over_cap", 1_200_000),
        ("repeated_benefit", 1_000_000),
        ("repeated_benefit", 1_200_000),
    ]
    # 3,800,000 over the findings; 2,600,000 of distinct money: the second Tết once.
    html = render_html(build_report(world.ctx, verify=False))
    [headline] = re.findall(r"Số tiền liên quan.*?<td[^>]*>([^<]+)</td>", html, re.S)
    assert headline == "2.600.000 đ"
    # the rules' column adds up to 3,800,000: the table's total row and a note say why the
    # total is less (the per-rule amounts were left for the reader to add, and did not add up)
    total = re.search(r'<tr id="tong">(.*?)</tr>', html, re.S).group(1)  # type: ignore[union-attr]
    assert re.findall(r'<td class="num">([^<]+)</td>', total) == ["4", "4", "0", "0", "2.600.000 đ"]
    assert (
        "Cộng cột «Số tiền» của từng quy tắc được 3.800.000 đ: 1.200.000 đ\nlà tiền của những "
        "bút toán mà nhiều quy tắc cùng nêu, trong tổng chỉ tính một lần."
    ) in html
    table = _findings_table(report)
    assert list(table.columns[2].cells)[-1] == "2.600.000 đ"  # the demo's overall row
    assert report.as_dict()["amount_at_stake"] == 2_600_000


def test_the_report_says_in_vietnamese_which_officer_rule_6_cannot_see(world) -> None:  # type: ignore[no-untyped-def]
    register_officer(world, "kt.b", "finance_officer", "G1")
    [finding] = detect(world.ctx).findings
    assert (finding.rule, finding.people) == ("unlinked_officer", ("kt.b",))
    html = render_html(build_report(world.ctx, verify=False))
    assert "Cán bộ giữ tiền chưa gắn hồ sơ đoàn viên" in html
    assert "Đăng ký cán bộ" in html and "Giao vai trò" in html
    assert "officer.register" not in html and "officer.grant" not in html


def test_a_report_of_one_union_lists_no_other_unions_stale_judgments(world) -> None:  # type: ignore[no-untyped-def]
    """A judgment whose finding is no longer detected was listed in every report, whatever
    unit it was asked for: G1's inspectors read the note on G2's officer. It is now listed
    only for a unit covering the one it was signed for."""
    register_officer(world, "kt2.g2", "finance_officer", "G2")  # no member link: a finding
    [finding] = detect(world.ctx).findings
    assert (finding.rule, finding.unit) == ("unlinked_officer", "G2")
    _judge(world, finding, "confirm", "kt2.g2 chưa khai hồ sơ đoàn viên", "2024-10-01")
    world.join("CB4", unit="G2")
    with at("2024-10-02"):
        world.submit(
            "officer.link_member", by=world.admin, body={"officer": "kt2.g2", "member": "CB4"}
        )
    assert detect(world.ctx).findings == []
    assert list(detect(world.ctx).stale_judgments) == [finding.id]
    assert list(detect(world.ctx, unit="G2").stale_judgments) == [finding.id]
    assert list(detect(world.ctx, unit="D").stale_judgments) == [finding.id]
    assert detect(world.ctx, unit="G1").stale_judgments == {}
    html = render_html(build_report(world.ctx, unit="G1", verify=False))
    assert "kt2.g2 chưa khai" not in html and finding.id not in html
    html = render_html(build_report(world.ctx, unit="G2", verify=False))
    assert "kt2.g2 chưa khai" in html and "(không còn phát hiện)" in html


def test_audit_detect_names_the_judgments_whose_finding_is_gone(
    world: Any, database_url: str, tmp_path: Path
) -> None:
    """The command line said nothing of a judged finding no longer detected: only `--json`
    and the report listed it."""
    register_officer(world, "kt2.g2", "finance_officer", "G2")
    [finding] = detect(world.ctx).findings
    _judge(world, finding, "confirm", "chưa khai hồ sơ", "2024-10-01")
    world.join("CB4", unit="G2")
    with at("2024-10-02"):
        world.submit(
            "officer.link_member", by=world.admin, body={"officer": "kt2.g2", "member": "CB4"}
        )
    home = tmp_path / "home"
    keys_for_world(home, "ubkt")
    out = ok(cli(home, database_url, "audit detect")).stdout
    assert (
        f"Kết luận không còn áp dụng / judgments set aside or of findings no longer detected (1): {finding.id}"
        in out
    )
    assert finding.id not in ok(cli(home, database_url, "audit detect --unit G1")).stdout


def test_a_judgment_set_aside_is_listed_only_where_its_finding_is(world) -> None:  # type: ignore[no-untyped-def]
    _override(world)
    [finding] = detect(world.ctx).findings
    g2 = register_officer(world, "ubkt.g2", "inspector", "G2")
    with at("2024-10-02"):
        world.submit(
            "finding.resolve",
            by=g2,
            unit="G2",
            body={"finding": finding.id, "rule": finding.rule, "decision": "dismiss", "note": "x"},
        )
    assert list(detect(world.ctx, unit="G1").stale_judgments) == [finding.id]
    assert detect(world.ctx, unit="G2").stale_judgments == {}


def test_the_report_names_each_rule_in_vietnamese_where_it_gives_a_judgment(world) -> None:  # type: ignore[no-untyped-def]
    """The conclusions gave a judged finding's rule as its code (`over_cap`), and a rule
    without a number was headed "–. Đoàn viên khiếu nại"."""
    _override(world)
    [finding] = detect(world.ctx).findings
    _judge(world, finding, "confirm", "Vượt mức quy chế", "2024-10-01")
    html = render_html(build_report(world.ctx, verify=False))
    conclusions = html[html.index('id="ket-luan"') :]
    assert "<td>4. Vượt mức chi, vượt quy chế</td>" in conclusions
    assert "<td>over_cap</td>" not in conclusions
    assert '<h3 id="rule-member_dispute">Đoàn viên khiếu nại' in html
    assert "–." not in html


def test_audit_detect_names_a_rule_without_a_number_without_a_stray_dash(
    world: Any, database_url: str, tmp_path: Path
) -> None:
    register_officer(world, "kt.b", "finance_officer", "G1")
    home = tmp_path / "home"
    keys_for_world(home, "ubkt")
    table = ok(cli(home, database_url, "audit detect")).stdout
    assert "Cán bộ giữ tiền" in table and "–." not in table


def _ghost_payout(world: Any) -> tuple[Any, Any]:
    """A gift paid on 10/09, then the member's leave recorded on 20/09 dated 05/09: rule 1."""
    world.join("DV1")
    payout = world.payout("DV1", "gift", 300_000, on="2024-09-10", occasion="quà 2/9")
    with at("2024-09-20", 15):
        leave = world.submit(
            "member.leave",
            by=world.kt,
            unit="G1",
            effective_date="2024-09-05",
            body={"member": "DV1", "reason": "nghỉ việc"},
        )
    return payout, leave


def test_the_evidence_says_when_each_event_was_recorded(world) -> None:  # type: ignore[no-untyped-def]
    """Rule 1 reports a payout to someone who had left, which the ledger only accepts when the
    leave is recorded later and back-dated; the evidence showed effective dates alone, so it
    did not show that. Each evidence row now says when it was recorded."""
    payout, leave = _ghost_payout(world)
    [finding] = [f for f in detect(world.ctx).findings if f.rule == "inactive_beneficiary"]
    assert {e.event_id for e in finding.evidence} == {payout.event_id, leave.event_id}
    html = render_html(build_report(world.ctx, verify=False))
    rows = dict(re.findall(r"<tr><td><code>([0-9a-f-]{36})</code></td>(.*?)</tr>", html, re.S))
    cells = {k: re.findall(r"<td[^>]*>(.*?)</td>", v, re.S) for k, v in rows.items()}
    assert "<th>Ghi vào sổ lúc</th>" in html
    assert cells[leave.event_id][:3] == ["Ra khỏi tổ chức", "05/09/2024", "20/09/2024 15:00"]
    assert cells[payout.event_id][:3] == ["Chi phúc lợi", "10/09/2024", "10/09/2024 10:00"]
    # the leave's unit, which the rule's evidence leaves out, from the entry it was recorded in
    assert [e.unit for e in finding.evidence if e.event_id == leave.event_id] == [None]
    assert cells[leave.event_id][3] == "G1"


def test_audit_detect_shows_one_finding_with_its_evidence_and_judgments(
    world: Any, database_url: str, tmp_path: Path
) -> None:
    """The command line listed findings without their evidence (only `--json` had it), so an
    inspector could not see from it what proves a finding. `--finding F-…` shows one in full."""
    payout, leave = _ghost_payout(world)
    [finding] = [f for f in detect(world.ctx).findings if f.rule == "inactive_beneficiary"]
    _judge(world, finding, "confirm", "Chi sau khi đã nghỉ việc", "2024-10-01")
    home = tmp_path / "home"
    keys_for_world(home, "ubkt")
    listed = ok(cli(home, database_url, "audit detect")).stdout
    assert "phucloi audit detect --finding F-" in listed
    # the severity as the report and the inspectors' page say it, not "CAO" or "TB"
    row = next(line for line in listed.splitlines() if finding.id in line)
    assert row.split("│")[2].strip() == "cao" and "CAO" not in listed
    shown = ok(cli(home, database_url, f"audit detect --finding {finding.id}")).stdout
    assert "1. Chi cho người không còn là đoàn viên (inactive_beneficiary)" in shown
    assert "đã xác nhận vi phạm (confirmed)" in shown and "Chi sau khi đã nghỉ việc" in shown
    lines = {line.split("│")[1].strip(): line for line in shown.splitlines() if "│" in line}
    leave_row = [c.strip() for c in lines[leave.event_id].split("│")[1:-1]]
    assert leave_row[:5] == [
        leave.event_id,
        "Ra khỏi tổ chức",
        "05/09/2024",
        "20/09/2024 15:00",
        "G1",
    ]
    payout_row = [c.strip() for c in lines[payout.event_id].split("│")[1:-1]]
    assert payout_row[2:4] == ["10/09/2024", "10/09/2024 10:00"]
    as_json = json.loads(
        ok(cli(home, database_url, f"audit detect --finding {finding.id} --json")).stdout
    )
    assert as_json["id"] == finding.id and len(as_json["evidence"]) == 2
    elsewhere = cli(home, database_url, f"audit detect --finding {finding.id} --unit G2")
    assert elsewhere.exit_code == 2 and "không có trong các phát hiện hiện tại của G2" in (
        elsewhere.output
    )
    bad = cli(home, database_url, "audit detect --finding F-12")
    assert bad.exit_code == 2 and "--finding: mã phát hiện phải có dạng F-" in bad.output


def test_resolve_refuses_a_note_too_long_naming_the_option(
    world: Any, database_url: str, tmp_path: Path
) -> None:
    """A note over 500 characters was refused by the ledger as `body.note`, exit 1: the
    inspector typed `--note`, and nothing they did was a refusal of the ledger."""
    _override(world)
    [finding] = detect(world.ctx).findings
    home = tmp_path / "home"
    keys_for_world(home, "ubkt")
    long_note = "Đã đối chiếu chứng từ gốc của khoản chi. " * 13  # 533 characters
    r = cli(
        home,
        database_url,
        f"audit resolve {finding.id} --confirm --as ubkt",
        "--note",
        long_note,
    )
    assert r.exit_code == 2, r.output
    assert f"--note: quá dài, {len(long_note.strip())} ký tự (tối đa 500)" in r.output
    assert "body.note" not in r.output
    assert world.ledger.get_finding(finding.id) is None  # nothing was stored
    r = cli(
        home,
        database_url,
        f"audit resolve {finding.id} --confirm --as ubkt",
        "--note",
        long_note[:500],
    )
    assert r.exit_code == 0, r.output  # 500 characters, Vietnamese ones included, are taken
    [judged] = world.ledger.get_finding(finding.id).judgments
    assert judged["note"] == long_note[:500].strip()


def test_the_report_says_when_it_lists_only_the_first_verification_errors(world) -> None:  # type: ignore[no-untyped-def]
    """53 errors were announced and 50 listed, without a word about the other three."""
    from audit.findings import finding

    _override(world)
    report = build_report(world.ctx, verify=True)
    assert report.verification is not None
    report.verification.findings.extend(
        finding("signature.invalid", f"bad signature {i}", message_vi=f"chữ ký sai {i}", seq=i)
        for i in range(53)
    )
    html = render_html(report)
    assert "KHÔNG ĐẠT: 53 lỗi" in html and "chữ ký sai 49" in html and "chữ ký sai 50" not in html
    assert "Liệt kê 50 lỗi đầu tiên trong 53;" in html
    del report.verification.findings[-3:]  # 50 errors: all listed
    assert "Liệt kê" not in render_html(report)


def test_the_report_states_the_welfare_targets_the_unions_are_judged_by(world) -> None:  # type: ignore[no-untyped-def]
    """The chart's caption said "ít nhất 60% tổng chi" whatever the targets: G2's own 70%
    was drawn as a second line and named nowhere in the text."""
    for unit, number in (("G1", "DV1"), ("G2", "DV2")):
        world.join(number, unit=unit)
        world.payout(
            number,
            "gift",
            300_000,
            on="2024-09-02",
            unit=unit,
            by=world.kt if unit == "G1" else world.kt2,
            occasion="2/9",
        )
    html = render_html(build_report(world.ctx, verify=False, period="2024"))
    assert "(ít nhất 60% tổng chi)." in html
    world.adopt(
        "G2", "2024-06-15", effective_from="2024-07-01", version="G2-70", welfare_target_bp=7000
    )
    html = render_html(build_report(world.ctx, verify=False, period="2024"))
    assert "(ít nhất 60% hoặc 70% tổng chi, tùy công đoàn: cột «Chỉ tiêu»)." in html


def test_a_report_of_a_month_says_its_welfare_shares_are_indicative(world) -> None:  # type: ignore[no-untyped-def]
    """Section 3 of a report for a month or a quarter drew the month's shares against the
    60% target as if judged: the target is yearly and rule 12 judges the year. It now says
    so; a report for a year does not."""
    world.join("DV1")
    world.payout("DV1", "gift", 300_000, on="2024-09-02", occasion="2/9")
    note = (
        "Chỉ tiêu và giới hạn của quy chế là của cả năm, mà chi tiêu từng tháng không đều: "
        "tỷ lệ của {p} chỉ để tham khảo. Quy tắc 12 xét theo năm ({y}, mục 4)."
    )
    html = render_html(build_report(world.ctx, verify=False, period="2024-09"))
    assert note.format(p="Tháng 09/2024", y="Năm 2024") in html
    html = render_html(build_report(world.ctx, verify=False, period="2024-Q3"))
    assert note.format(p="Quý III/2024", y="Năm 2024") in html
    html = render_html(build_report(world.ctx, verify=False, period="2024"))
    assert "chỉ để tham khảo" not in html


def test_the_reports_heading_names_its_period_and_scope_in_words(world) -> None:  # type: ignore[no-untyped-def]
    """The heading gave the period as typed (`2024-Q3`) while section 3 said "Quý III/2024"."""
    _override(world)
    html = render_html(build_report(world.ctx, unit="G1", period="2024-Q3", verify=False))
    assert "Phạm vi: <strong>G1</strong>" in html
    assert "Kỳ: <strong>Quý III/2024</strong>" in html


def test_detect_and_report_for_one_union_show_another_unions_evidence_only_redacted(
    world: Any, database_url: str, tmp_path: Path
) -> None:
    world.join("DV101", cid="079199000888")
    world.join("DV301", unit="G2", cid="079199000888")
    mine = world.payout("DV101", "tet_support", 1_000_000, on="2025-01-20", occasion="Tết")
    theirs = world.payout(
        "DV301", "tet_support", 900_000, on="2025-01-21", unit="G2", by=world.kt2, occasion="Tết"
    )
    home = tmp_path / "home"
    keys_for_world(home, "ubkt")
    listed = ok(cli(home, database_url, "audit detect --unit G1 --period 2025 --json"))
    [finding] = json.loads(listed.stdout)["findings"]
    assert theirs.event_id not in listed.stdout and "DV301" not in listed.stdout
    assert finding["rule"] == "duplicate_citizen_id" and finding["outside_scope"] == ["G2"]
    assert "900.000" not in listed.stdout and "kt.g2" not in listed.stdout
    assert mine.event_id in finding["event_ids"] and finding["people"] == ["DV101"]
    assert json.loads(listed.stdout)["amount_at_stake"] == 0  # G2's payout is not G1's money
    shown = ok(cli(home, database_url, f"audit detect --unit G1 --finding {finding['id']}"))
    assert mine.event_id in shown.stdout and "1.000.000 đ" in shown.stdout
    assert theirs.event_id not in shown.stdout and "DV301" not in shown.stdout
    assert "900.000" not in shown.stdout
    assert shown.stdout.count("— (ngoài phạm vi / outside this view)") == 2  # join, payout
    assert "Kỳ (period):                  Tháng 01/2025 (Month 01/2025)" in shown.stdout
    # the whole ledger, as before
    whole = ok(cli(home, database_url, f"audit detect --finding {finding['id']}"))
    assert theirs.event_id in whole.stdout and "DV301" in whole.stdout

    out = tmp_path / "g1.html"
    ok(cli(home, database_url, f"audit report --out {out} --unit G1 --no-verify --names"))
    html = out.read_text(encoding="utf-8")
    assert finding["id"] in html and mine.event_id in html
    assert theirs.event_id not in html and "DV301" not in html and "900.000" not in html
    assert html.count("<td>bút toán của G2, ngoài phạm vi xem</td>") == 2
    assert html.count("<td>ngoài phạm vi báo cáo</td>") == 2
    assert "· Kỳ Tháng 01/2025</p>" in html and "Kỳ 2025-01" not in html


def test_a_report_of_one_union_lists_only_its_own_verification_errors(world: Any) -> None:
    """The verdict is the whole ledger's; the errors about another union's entries are counted
    with their union named, not listed with their event ids, officers and times."""
    from audit.findings import Finding, Report

    world.join("DV101")
    world.join("DV301", unit="G2")
    mine = world.payout("DV101", "gift", 300_000, on="2025-03-03", occasion="8/3")
    theirs = world.payout("DV301", "gift", 400_000, on="2025-03-04", unit="G2", by=world.kt2)

    def revoked(paid: Any, officer: str) -> Finding:
        text = f"ký bởi {officer} bằng khóa k1 lúc 2025-03-04T03:00:00+00:00"
        return Finding("signature.revoked", "error", 9, paid.event_id, None, None, text, text)

    verification = Report(source="test", events=10)
    verification.add([revoked(mine, "kt.g1"), revoked(theirs, "kt.g2")])
    verification.add(
        [Finding("checkpoint.none", "error", None, None, None, None, "no checkpoint", "chưa có")]
    )
    html = render_html(build_report(world.ctx, unit="G1", verification=verification))
    assert "KHÔNG ĐẠT: 3 lỗi" in html  # the whole ledger's verdict
    assert mine.event_id in html and "ký bởi kt.g1 bằng khóa k1 lúc 04/03/2025 10:00" in html
    assert theirs.event_id not in html and "kt.g2" not in html
    assert '<p id="errors-outside">1 lỗi, lưu ý về bút toán của G2,' in html
    assert "checkpoint.none" in html  # an error of no entry concerns every union
    whole = render_html(build_report(world.ctx, verification=verification))
    assert theirs.event_id in whole and 'id="errors-outside"' not in whole
