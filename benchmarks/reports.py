"""Report benchmark: the annual Phụ lục 02 of a province, on PostgreSQL, against count(*).

    .venv/bin/python benchmarks/reports.py --url postgresql+psycopg://postgres@127.0.0.1/big
    .venv/bin/python benchmarks/reports.py --generate 1000000        # build its own ledger

Measures, in one run, on the same ledger:
  baseline: `SELECT count(*) FROM ledger_events` (a single count over the events table);
  (a) `build_report` of the annual form (Phụ lục 02) for a province: every computed row,
      rolled up over the province's subtree, as of the latest checkpoint;
  (b) the same report exported to XLSX (byte-identical export included);
  (c) the monthly form (Phụ lục 01) of the province, and the spending structure;
  (d) the annual form of the national root (every province rolled up);
  (e) `--explain` of one row of the province's annual form.
Each figure is the median of `--samples` runs in milliseconds (p95 beside it) and its ratio
to the baseline's median. Target: (a) and (d) under 1 s. No timing is asserted anywhere.

With `--generate N` (or an empty `--url`) the ledger is filled like `benchmarks/ingest.py`'s
big ledger: demo provinces (`T01.`, `T02.`, ...) under a national unit `VN`, until it holds N
events. A ledger without a checkpoint gets one signed first (the report needs it).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest import Databases, fill_big_ledger
from sqlalchemy import text

from audit.log import latest_checkpoint, make_checkpoint
from ledger.bootstrap import Context, open_ledger
from ledger.domain.periods import parse_period
from ledger.reports.compute import build_report, explain
from ledger.reports.export import to_xlsx
from ledger.reports.structure import spending_structure


def count_events(ctx: Context) -> int:
    with ctx.ledger.transaction() as tx:
        return int(tx.scalar("SELECT COUNT(*) FROM ledger_entries"))


def timed(fn: Callable[[], object], samples: int) -> tuple[float, float]:
    """Median and p95 in milliseconds (one warm-up call first)."""
    fn()
    times = []
    for _ in range(samples):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=None, help="PostgreSQL ledger to use (or fill)")
    parser.add_argument("--generate", type=int, default=0, help="fill up to N events first")
    parser.add_argument("--members", type=int, default=5000, help="members per province")
    parser.add_argument("--province", default="T01.P")
    parser.add_argument("--root", default="VN")
    parser.add_argument("--year", default="2025")
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep a generated database")
    args = parser.parse_args()
    print(
        f"phucloi report benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"python {sys.version.split()[0]}, cpus {os.cpu_count()}"
    )
    dbs = Databases("postgresql", keep=args.keep)
    url = args.url or dbs.url("reports")
    ctx = open_ledger(url)
    try:
        events = count_events(ctx)
        if args.generate > events:
            events = fill_big_ledger(ctx, args.generate, args.members)
        with ctx.engine.connect() as conn:
            indexed = conn.execute(
                text(
                    "SELECT count(*) FROM pg_indexes WHERE tablename = 'proj_money_lines' "
                    "AND indexname = 'ix_proj_money_lines_report'"
                )
            ).scalar_one()
        if not indexed:
            print(
                "  WARNING: ix_proj_money_lines_report is missing (a database stamped 0005 by "
                "the old placeholder): `alembic downgrade 0004` then `upgrade head` adds it"
            )
        checkpoint = latest_checkpoint(ctx.engine)
        if checkpoint is None:
            print("  no checkpoint yet: signing one (the report is computed as of it)")
            t = time.perf_counter()
            make_checkpoint(ctx.engine)
            print(f"  checkpoint signed in {time.perf_counter() - t:.1f} s")
            checkpoint = latest_checkpoint(ctx.engine)
        assert checkpoint is not None
        year = parse_period(args.year)
        month = parse_period(f"{args.year}-03")
        led = ctx.ledger
        with ctx.engine.connect() as conn:
            lines = conn.execute(text("SELECT COUNT(*) FROM proj_money_lines")).scalar_one()
        print(
            f"\nLedger of {events:,} events ({lines:,} money lines) on PostgreSQL, "
            f"checkpoint size {checkpoint[0]:,}; province {args.province}, year {args.year}:"
        )

        def baseline() -> None:
            with ctx.engine.connect() as conn:
                conn.execute(text("SELECT count(*) FROM ledger_events")).scalar_one()

        report = build_report(led, "annual", args.province, year)
        assert to_xlsx(report) == to_xlsx(build_report(led, "annual", args.province, year))
        explained = next(r.row.ref for r in report.rows if r.source == "computed")
        cases: list[tuple[str, Callable[[], object]]] = [
            ("baseline count(*) over ledger_events", baseline),
            (
                "(a) annual Phụ lục 02, province",
                lambda: build_report(led, "annual", args.province, year),
            ),
            (
                "(b) annual, province, to XLSX",
                lambda: to_xlsx(build_report(led, "annual", args.province, year)),
            ),
            (
                "(c) monthly Phụ lục 01, province",
                lambda: build_report(led, "monthly", args.province, month),
            ),
            (
                "(c) spending structure, province",
                lambda: spending_structure(led, args.province, year),
            ),
            (
                "(d) annual Phụ lục 02, national root",
                lambda: build_report(led, "annual", args.root, year),
            ),
            (
                f"(e) explain {explained}, province",
                lambda: explain(led, "annual", args.province, year, explained),
            ),
        ]
        medians = []
        for label, fn in cases:
            median, p95 = timed(fn, args.samples)
            medians.append(median)
            ratio = "" if fn is baseline else f"   {median / medians[0]:7.1f}x baseline"
            print(f"  {label:42s} median {median:8.1f} ms   p95 {p95:8.1f} ms{ratio}")
        verdict = "met" if medians[1] < 1000 else "NOT met"
        print(f"\n  target: the province's annual report under 1 s — {verdict}")
        verdict = "met" if medians[5] < 1000 else "NOT met"
        print(f"  target: the national root's annual report under 1 s — {verdict}")
    finally:
        ctx.close()
        if not args.url:
            dbs.close()


if __name__ == "__main__":
    main()
