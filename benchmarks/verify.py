"""Benchmark: `phucloi audit verify` against the bare Ed25519 verify rate, on one ledger.

    .venv/bin/python benchmarks/verify.py --events 500000 --db "$TMPDIR/phucloi-bench.db"

Measures, in one run, on the same ledger:
1. the baseline: PyNaCl (libsodium) Ed25519 verification of every event's signed command,
   sequentially on ONE core, exactly the call the verifier makes (`crypto_sign_open`);
2. `audit verify` of the live database with every core (all checks: leaves, signatures and
   key registry, versions, checkpoint, read-model rebuild, sealed data);
3. `audit verify --bundle` of an export of the same ledger.
Target: rate >= 0.7 x baseline x cores. The ledger is built once through the real write path
(`Ledger.submit_batch`, signed commands in batches of 5,000) and reused when the file exists.

Besides the ratios it prints, per run, where the time went in microseconds per event: the
main process's stages (wall and CPU) and the CPU the signature workers spent, and the load
average before and after: on a machine shared with other work, wall-clock rates (and so the
ratios) move with the load, CPU microseconds much less.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from nacl.bindings import crypto_sign_open

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audit.export import export  # noqa: E402
from audit.findings import Report  # noqa: E402
from audit.log import make_checkpoint  # noqa: E402
from audit.source import BundleSource, DatabaseSource, iter_log  # noqa: E402
from audit.verify import verify  # noqa: E402
from ledger import clock  # noqa: E402
from ledger.bootstrap import open_ledger  # noqa: E402
from ledger.client import OfficerSigner, build  # noqa: E402
from ledger.domain.policy import load_default_book  # noqa: E402
from ledger.keystore import signer_from_raw  # noqa: E402
from ledger.signing import encode_b64  # noqa: E402

UNITS = 50
MEMBERS = 2_000
BATCH = 5_000


def key(name: str) -> OfficerSigner:
    return OfficerSigner(name, signer_from_raw(hashlib.sha256(f"bench:{name}".encode()).digest()))


def build_ledger(url: str, events: int) -> None:
    ctx = open_ledger(url)
    ledger = ctx.ledger
    admin, kt = key("admin"), key("kt")
    t0 = datetime(2024, 7, 1, 2, 0, tzinfo=UTC)

    def submit(items: list[dict]) -> None:
        ledger.submit_batch(items)

    with clock.frozen(t0):
        setup = [
            build(
                "ledger.genesis",
                by=admin,
                body={
                    "officer": "admin",
                    "name": "Quản trị",
                    "public_key": encode_b64(admin.signer.public_key),
                },
            ),
            build(
                "unit.register", by=admin, body={"code": "P", "name": "LĐLĐ tỉnh", "level": "Tỉnh"}
            ),
        ]
        setup += [
            build(
                "policy.adopt",
                by=admin,
                unit="P",
                effective_date=v["effective_from"],
                body={"policy": v},
            )
            for v in load_default_book().to_dict()["versions"]
        ]
        setup += [
            build(
                "unit.register",
                by=admin,
                body={"code": f"G{u}", "name": f"CĐCS số {u}", "level": "Cơ sở", "parent": "P"},
            )
            for u in range(UNITS)
        ]
        setup += [
            build(
                "officer.register",
                by=admin,
                body={
                    "officer": "kt",
                    "name": "Kế toán",
                    "public_key": encode_b64(kt.signer.public_key),
                },
            ),
            build(
                "officer.grant",
                by=admin,
                body={"officer": "kt", "role": "finance_officer", "scope": "P"},
            ),
        ]
        submit(setup)
        done = len(setup)
        joins = [
            build(
                "member.join",
                by=kt,
                unit=f"G{m % UNITS}",
                effective_date="2024-07-01",
                body={"member": f"DV{m:05d}", "salary_basis": 6_000_000},
                personal={
                    "full_name": f"Đoàn viên {m}",
                    "date_of_birth": "1990-01-01",
                    "citizen_id": f"079{m:09d}",
                },
            )
            for m in range(MEMBERS)
        ]
        submit(joins)
        done += len(joins)
    batch_no = 0
    while done < events:
        n = min(BATCH, events - done)
        unit = f"G{batch_no % UNITS}"
        # One day per batch, in order: recorded times never go back (no spurious warnings).
        day = (date(2024, 8, 1) + timedelta(days=batch_no)).isoformat()
        with clock.frozen(datetime.fromisoformat(f"{day}T03:00:00+00:00")):
            items = [
                build(
                    "expense.record",
                    by=kt,
                    unit=unit,
                    effective_date=day,
                    body={
                        "category": "administration",
                        "amount": 100_000 + i,
                        "description": f"văn phòng phẩm lô {batch_no} dòng {i}",
                    },
                )
                for i in range(n)
            ]
            submit(items)
        done += n
        batch_no += 1
        print(f"  built {done:,} events", file=sys.stderr, flush=True)
    make_checkpoint(ctx.engine)
    ctx.close()


def baseline(source: DatabaseSource) -> tuple[int, float, float]:
    """Bare verification of every event's signature on one core (messages decoded first)."""
    keys: dict[str, bytes] = {kid: base64.b64decode(pk) for kid, pk in source.key_hint().items()}
    work = []
    for row in iter_log(source):
        env = json.loads(row.event.state)["envelope"]  # type: ignore[union-attr]
        cmd = json.loads(env["command"])
        work.append(
            (
                base64.b64decode(env["signature"]) + env["command"].encode(),
                keys[cmd["signer"]["key_id"]],
            )
        )
    started, cpu = time.perf_counter(), time.process_time()
    for signed, public in work:
        crypto_sign_open(signed, public)
    return len(work), time.perf_counter() - started, time.process_time() - cpu


def measured(run: Callable[[], Report]) -> tuple[Report, float, float]:
    """A verification, with the CPU seconds of this process and of its (joined) workers."""
    own, children = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    report = run()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    return report, time.process_time() - own, workers


def summary(
    report: Report, main_cpu: float, workers_cpu: float, *, cores: int, base_cpu_us: float
) -> dict[str, Any]:
    """Rate, CPU and the per-stage breakdown of one verification, in microseconds per event.

    `ratio_on_idle_cores_estimate` is what the ratio would be if the cores did nothing else:
    the run cannot take less than its busiest process's CPU time, nor less than all its CPU
    time spread over the cores; the baseline is its CPU time per verification. An estimate
    from CPU time, printed beside the measured ratio, never instead of it.
    """
    n = max(report.events, 1)
    phases = report.facts.get("phase_seconds", {})
    idle_wall = max(main_cpu, (main_cpu + workers_cpu) / cores)
    return {
        "seconds": round(report.seconds, 2),
        "per_s": round(report.events / report.seconds),
        "ok": report.ok,
        "workers": report.facts.get("workers"),
        "cpu_us_per_event": {
            "main_process": round(main_cpu / n * 1e6, 2),
            "worker_processes": round(workers_cpu / n * 1e6, 2),
        },
        "ratio_on_idle_cores_estimate": round(base_cpu_us * n / 1e6 / (cores * idle_wall), 3),
        "us_per_event": {
            kind: {stage: round(v / n * 1e6, 2) for stage, v in stages.items()}
            for kind, stages in phases.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument(
        "--db",
        default=str(Path(tempfile.gettempdir()) / "phucloi-bench.db"),
        help="SQLite file of the benchmark ledger (built when missing, reused otherwise)",
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    url = f"sqlite:///{args.db}"
    if not Path(args.db).exists():
        t = time.perf_counter()
        build_ledger(url, args.events)
        print(f"built the ledger in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    load_before = os.getloadavg()
    source = DatabaseSource(url)
    n, seconds, base_cpu = baseline(source)
    base_rate = n / seconds
    cores = args.workers
    print(f"baseline: {base_rate:,.0f} verifications/s on one core", file=sys.stderr)
    per_verify = base_cpu / n * 1e6
    live = summary(
        *measured(lambda: verify(source, workers=cores)), cores=cores, base_cpu_us=per_verify
    )
    print(f"database: {json.dumps(live)}", file=sys.stderr, flush=True)
    bundle_dir = Path(tempfile.mkdtemp(prefix="phucloi-bundle-"))
    shutil.rmtree(bundle_dir)
    export(source, bundle_dir)
    offline = summary(
        *measured(lambda: verify(BundleSource(bundle_dir), workers=cores)),
        cores=cores,
        base_cpu_us=per_verify,
    )
    shutil.rmtree(bundle_dir)
    target = 0.7 * base_rate * cores
    figures = {
        "events": n,
        "cores": cores,
        "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "baseline_verify_per_s_one_core": round(base_rate),
        "baseline_us_per_verify": {
            "wall": round(seconds / n * 1e6, 2),
            "cpu": round(base_cpu / n * 1e6, 2),
        },
        "target_per_s": round(target),
        "audit_verify_db": live,
        "audit_verify_bundle": offline,
        "ratio_db": round(live["per_s"] / (base_rate * cores), 3),
        "ratio_bundle": round(offline["per_s"] / (base_rate * cores), 3),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
