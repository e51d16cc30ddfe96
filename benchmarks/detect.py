"""Detection benchmark: `audit.detect` against a plain scan of the same log, in one run.

    .venv/bin/python benchmarks/detect.py                                # quick: ~20,000 events
    .venv/bin/python benchmarks/detect.py --url postgresql+psycopg://postgres@127.0.0.1/phucloi_big
    .venv/bin/python benchmarks/detect.py --backend postgresql --events 1000000

Measures, on one ledger:
1. the baseline: a plain scan that reads every stored event (`ledger_events`) and decodes it
   once (`json.loads` of its stored state), nothing else;
2. detection: every rule of `audit.detect.RULES` over the whole ledger, as
   `phucloi audit detect` runs it (facts loaded from the log and the read models).
Each runs in a fresh child process, interleaved for `--rounds` rounds, so that each sees a
warm database and the machine's load alike; printed: events per second, the peak resident
memory of the child (VmHWM, the interpreter and its imports included) and, with
`--tracemalloc`, the peak of Python allocations (tracing slows both: read the rates of a
run without it); the ratio detection/baseline (median over rounds). Target: ≥ 0.3×. No
timing is asserted anywhere.

Without `--url` the script builds its own ledger of `--events` events (demo provinces under
one national unit, the big-ledger generator of `benchmarks/ingest.py`) in a temporary SQLite
file or PostgreSQL database, dropped at the end unless `--keep`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import multiprocessing
import os
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# The repository root, not this folder, is on the path: a benchmark script named like a
# package of the project (benchmarks/api.py) must not shadow it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

BATCH = 5000


@dataclass(frozen=True)
class Run:
    label: str
    events: int
    seconds: float
    peak_rss_mb: float
    peak_python_mb: float | None
    findings: int = 0

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def _peak_rss_mb() -> float:
    """This process's peak resident memory: VmHWM on Linux (getrusage's ru_maxrss there
    carries over the parent's peak across fork and exec), ru_maxrss elsewhere."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def plain_scan(url: str, trace: bool) -> Run:
    """The baseline: every stored event read and decoded once."""
    from sqlalchemy import text

    from ledger.bootstrap import make_engine
    from ledger.config import parse_database_url

    engine = make_engine(parse_database_url(url))
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    n = 0
    with engine.connect() as conn:
        rows = conn.execution_options(stream_results=True, yield_per=BATCH).execute(
            text("SELECT state FROM ledger_events")
        )
        for (state,) in rows:
            json.loads(bytes(state))
            n += 1
    seconds = time.perf_counter() - started
    python = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    engine.dispose()
    return Run("baseline", n, seconds, _peak_rss_mb(), python)


def detection(url: str, trace: bool) -> Run:
    """Every detection rule over the whole ledger."""
    from audit.detect import detect
    from ledger.bootstrap import open_ledger

    ctx = open_ledger(url)
    try:
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        report = detect(ctx)
        seconds = time.perf_counter() - started
        python = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
        if report.rule_errors:
            print(f"  rule errors: {report.rule_errors}", flush=True)
        return Run("detect", report.events, seconds, _peak_rss_mb(), python, len(report.findings))
    finally:
        ctx.close()


def in_child(fn: Callable[[str, bool], Run], url: str, trace: bool) -> Run:
    """Run one measurement in a fresh process: its peak memory is its own."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(fn, url, trace).result()


def _ingest() -> Any:
    """benchmarks/ingest.py, whose big-ledger generator builds the ledger measured here."""
    spec = importlib.util.spec_from_file_location("phucloi_bench_ingest", HERE / "ingest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def own_ledger(args: argparse.Namespace) -> tuple[str, Any]:
    """A fresh ledger of about `--events` events; returns its URL and what to drop."""
    from ledger.bootstrap import open_ledger

    ingest = _ingest()
    Databases, fill_big_ledger = ingest.Databases, ingest.fill_big_ledger

    dbs = Databases(args.backend, keep=args.keep)
    url = dbs.url("detect")
    print(f"Building a ledger of {args.events:,} events ({args.backend}) at {url}", flush=True)
    ctx = open_ledger(url)
    try:
        started = time.perf_counter()
        events = fill_big_ledger(ctx, args.events, args.members)
        print(f"  {events:,} events in {time.perf_counter() - started:,.0f} s", flush=True)
    finally:
        ctx.close()
    return url, dbs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=None, help="measure this ledger (read only)")
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--events", type=int, default=20_000, help="size of a ledger built here")
    parser.add_argument("--members", type=int, default=2000, help="members per demo province")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved baseline/detect rounds")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations")
    parser.add_argument("--keep", action="store_true", help="keep a ledger built here")
    args = parser.parse_args()
    print(
        f"phucloi detection benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"python {sys.version.split()[0]}, cpus {os.cpu_count()}",
        flush=True,
    )
    dbs = None
    url = args.url
    if url is None:
        url, dbs = own_ledger(args)
    try:
        runs: list[tuple[Run, Run]] = []
        for r in range(args.rounds):
            base = in_child(plain_scan, url, args.tracemalloc)
            det = in_child(detection, url, args.tracemalloc)
            runs.append((base, det))
            print(
                f"  round {r + 1}: baseline {base.rate:9,.0f} events/s, "
                f"detect {det.rate:9,.0f} events/s, ratio {det.rate / base.rate:.2f}",
                flush=True,
            )
        report(runs, args.tracemalloc)
    finally:
        if dbs is not None:
            dbs.close()


def report(runs: list[tuple[Run, Run]], trace: bool) -> None:
    base, det = runs[-1]
    ratios = [d.rate / b.rate for b, d in runs]
    print(f"\nLedger of {base.events:,} events ({det.findings:,} findings):")
    for run in (base, det):
        what = "plain scan, decode once" if run.label == "baseline" else "audit.detect, all rules"
        rates = [x.rate for pair in runs for x in pair if x.label == run.label]
        line = (
            f"  {what:26s} {statistics.median(rates):10,.0f} events/s"
            f"   peak RSS {max(x.peak_rss_mb for p in runs for x in p if x.label == run.label):7,.0f} MB"
        )
        if trace:
            peak = max(x.peak_python_mb or 0 for p in runs for x in p if x.label == run.label)
            line += f"   peak Python {peak:7,.1f} MB"
        print(line)
    ratio = statistics.median(ratios)
    verdict = "ĐẠT / meets" if ratio >= 0.3 else "CHƯA ĐẠT / misses"
    print(f"  detect / baseline = {ratio:.2f}x (median of {len(runs)}; target ≥ 0.3x: {verdict})")


if __name__ == "__main__":
    main()
