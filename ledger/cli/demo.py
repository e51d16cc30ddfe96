"""`phucloi demo`: build a realistic demo province ledger from a seed, then summarise it.

The ledger must be empty. Officers' keys are derived from the seed and written, encrypted
with the printed demo passphrase, to the keystore (`$PHUCLOI_HOME/keys`, with `--db` too) so
`--as` works afterwards; a keystore holding any other key is refused before the database is
created or anything is written. The same seed gives the same signed commands. It then signs
a checkpoint of the log (reports and members' inclusion proofs need one) and runs
profiteering detection (`audit.detect`), printing what it found per rule.

`--plant-fraud` also plants profiteering cases of every detection rule among the ordinary
activity (`ledger.demo.fraud`) and writes their answer key to a separate JSON file (`--key`,
default next to a SQLite ledger file, else in `$PHUCLOI_HOME`), and prints detection's
precision and recall per rule against it (`audit.quality`).
"""

from __future__ import annotations

import os
import shlex
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from audit.detect import RULES_BY_ID, DetectionReport, detect, money_at_stake
from audit.log import make_checkpoint
from audit.quality import AnswerKey, Quality, evaluate, quality_table
from ledger.cli.common import (
    JsonFlag,
    console,
    emit_json,
    fmt_bp,
    fmt_money,
    open_context,
    progress_bar,
    rows_table,
    safe_url,
    state,
    usage,
)
from ledger.demo import DEMO_PASSPHRASE, DemoConfig, build_demo, demo_keystore_problem, generate
from ledger.demo.fraud import default_key_path
from ledger.keystore import KeystoreError, default_keystore_dir
from ledger.projections.log import head


def demo(
    db: Annotated[
        str | None,
        typer.Option(
            "--db", metavar="URL", help="URL cơ sở dữ liệu, như `phucloi --db` (database URL)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Hạt giống ngẫu nhiên (random seed).")] = 2025,
    members: Annotated[
        int, typer.Option("--members", min=60, max=1_000_000, help="Số đoàn viên (members).")
    ] = 5000,
    plant_fraud: Annotated[
        bool,
        typer.Option(
            "--plant-fraud",
            help="Cài các vụ trục lợi (kèm tệp đáp án) / plant profiteering cases with a key.",
        ),
    ] = False,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            metavar="PATH",
            help="Tệp đáp án JSON (mặc định cạnh sổ cái) / answer key file (with --plant-fraud).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Dựng sổ cái mẫu một tỉnh: 3 cấp, 30 CĐCS, 5.000 đoàn viên, một năm thu chi (build a demo
    province ledger: 3 levels, 30 grassroots unions, 5,000 members, a year of money)."""
    if key is not None and not plant_fraud:
        usage("--key: chỉ dùng cùng --plant-fraud / --key needs --plant-fraud")
    if key is not None and key.is_dir():
        usage(f"--key: {key} là một thư mục, cần đường dẫn tệp / is a directory, not a file")
    if db:
        state().db = db
    state().target(create=True)  # a bad URL is a usage error before the plan is made
    cfg = DemoConfig(seed=seed, members=members)
    plan = generate(cfg, plant_fraud=plant_fraud)
    problem = demo_keystore_problem(cfg, plan, default_keystore_dir())
    if problem is not None:  # before the database is created: nothing is left behind
        usage(problem)
    ctx = open_context(create=True)
    with ctx.ledger.transaction() as tx:
        events = head(tx) + 1
    if events:
        usage(
            f"sổ cái đã có {events} bút toán; demo cần sổ cái trống (dùng --db sqlite:///demo.db) "
            f"/ the ledger already has {events} events: the demo needs an empty one"
        )
    key_path = key or default_key_path(ctx.target, default_keystore_dir().parent)
    started = time.perf_counter()
    try:
        if as_json:
            result = build_demo(
                ctx.ledger, cfg, keystore=default_keystore_dir(), plant_fraud=plant_fraud, plan=plan
            )
        else:
            with progress_bar("Ghi sổ (recording)") as progress:
                result = build_demo(
                    ctx.ledger,
                    cfg,
                    keystore=default_keystore_dir(),
                    progress=progress,
                    plant_fraud=plant_fraud,
                    plan=plan,
                )
    except KeystoreError as exc:
        usage(str(exc))
    seconds = time.perf_counter() - started
    s = result.summary
    # Sign a checkpoint of the new log, so reports (computed as of a checkpoint) and members'
    # inclusion proofs work at once.
    size, root, _note, _created = make_checkpoint(ctx.engine)
    found = _detect(ctx, quiet=as_json)
    planted: dict[str, Any] = {}
    quality: Quality | None = None
    if result.plan.key is not None:
        result.plan.key.write(key_path)
        planted = {"fraud_key": str(key_path), "planted_cases": len(result.plan.key.cases)}
        quality = evaluate(found.findings, AnswerKey.load(key_path))
        planted["quality"] = quality.as_dict()
    if as_json:
        emit_json(
            s.as_dict()
            | {"seed": seed, "seconds": round(seconds, 1), "passphrase": DEMO_PASSPHRASE}
            | {"checkpoint": {"size": size, "root": root}, "findings": found.counts()}
            | planted
        )
        return
    out = console()
    n = lambda v: f"{v:,}".replace(",", ".")  # noqa: E731
    out.print(f"Sổ cái mẫu / demo ledger (seed {seed}) — {s.province.name}, năm {s.period}")
    out.print(
        rows_table(
            "Tổng quan (summary)",
            ["Chỉ tiêu", "Giá trị"],
            [
                ("Đơn vị công đoàn", n(len(result.plan.units))),
                ("Đoàn viên (đang sinh hoạt)", f"{n(s.members)} ({n(s.active_members)})"),
                ("Bút toán đã ký (events)", n(s.events)),
                ("Tổng thu (money in)", fmt_money(s.money_in)),
                ("Tổng chi (money out)", fmt_money(s.money_out)),
                ("  trong đó chi phúc lợi", fmt_money(s.welfare)),
                ("Tỷ lệ chi phúc lợi toàn tỉnh", fmt_bp(s.province.welfare_share_bp or 0)),
                ("Nộp cấp trên trong tỉnh (remitted within)", fmt_money(s.remitted_within)),
                ("Nộp ra ngoài tỉnh (remitted beyond)", fmt_money(s.remitted)),
                ("Giải ngân cho vay", fmt_money(s.loans_out)),
                ("Thời gian (seconds)", f"{seconds:.1f}"),
            ],
        )
    )
    out.print(
        rows_table(
            "Tỷ lệ chi phúc lợi / tổng chi theo CĐCS, thấp nhất trước (mục tiêu ≥ 60%)",
            ["Đơn vị", "Tên", "Tổng chi", "Phúc lợi", "Tỷ lệ", ""],
            [
                (
                    f.unit,
                    f.name,
                    fmt_money(f.spending),
                    fmt_money(f.welfare),
                    fmt_bp(f.welfare_share_bp) if f.welfare_share_bp is not None else "—",
                    "ĐẠT" if f.meets_target else "CHƯA ĐẠT",
                )
                for f in s.unions
            ],
        )
    )
    first = result.plan.units[-1].code
    member = next((p.number for p in plan.people if p.unit == first), plan.people[0].number)
    out.print(
        f"Khóa cán bộ đã lưu trong {default_keystore_dir()} ({result.keys_written} mới), "
        f"mật khẩu / passphrase: {DEMO_PASSPHRASE}"
    )
    run = _command_line()
    out.print(
        f"Ví dụ / try: PHUCLOI_PASSPHRASE={DEMO_PASSPHRASE} {run} ratios P --period 2025; "
        f"{run} compliance {first} --period 2025-Q3; "
        f"{run} history {member}; ký với --as kt.{first} hoặc --as ct.{first}",
        soft_wrap=True,
    )
    out.print(f"Checkpoint đã ký / signed checkpoint: {n(size)} bút toán, root {root}")
    out.print(_findings_table(found))
    out.print(
        f"Chi tiết / details: {run} audit detect; báo cáo kiểm tra / inspection report: "
        f"{run} audit report --out report.html",
        soft_wrap=True,
    )
    if result.plan.key is not None and quality is not None:
        out.print(
            f"Đã cài {len(result.plan.key.cases)} vụ trục lợi; đáp án / answer key: {key_path}"
        )
        out.print(quality_table(quality))


def _command_line() -> str:
    """`phucloi` with the PHUCLOI_HOME and database this demo used, to paste as printed."""
    url, source = state().url()
    words = ["phucloi"]
    if source == "--db":
        words[1:] = ["--db", shlex.quote(safe_url(url))]
    elif source == "PHUCLOI_DATABASE_URL":
        words.insert(0, f"PHUCLOI_DATABASE_URL={shlex.quote(safe_url(url))}")
    if os.environ.get("PHUCLOI_HOME"):
        words.insert(0, f"PHUCLOI_HOME={shlex.quote(os.environ['PHUCLOI_HOME'])}")
    return " ".join(words)


def _findings_table(found: DetectionReport) -> Any:
    """What detection found, per rule: how many findings and the money at stake; the total
    counts each event's money once (a payout two rules flag is one payout)."""
    rows = []
    for rule_id, findings in found.by_rule().items():
        if not findings:
            continue
        rule = RULES_BY_ID.get(rule_id)
        rows.append(
            (
                rule.label_vi if rule else rule_id,
                f"{len(findings):,}".replace(",", "."),
                fmt_money(money_at_stake(findings)),
            )
        )
    rows.append(
        (
            "Tổng, mỗi bút toán tính một lần (overall)",
            f"{len(found.findings):,}".replace(",", "."),
            fmt_money(found.money_at_stake()),
        )
    )
    return rows_table(
        f"Dấu hiệu trục lợi phát hiện được (findings): {len(found.findings)}",
        ["Quy tắc (rule)", "Số phát hiện", "Số tiền liên quan"],
        rows,
    )


def _detect(ctx: Any, *, quiet: bool) -> DetectionReport:
    """Run profiteering detection over the new ledger, with a progress bar unless quiet."""
    if quiet:
        return detect(ctx)
    with progress_bar("Phát hiện trục lợi (detection)") as progress:
        return detect(ctx, progress=progress)
