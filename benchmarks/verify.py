"""Benchmark: `phucloi audit verify` against the bare Ed25519 verify rate, on one ledger.

    .venv/bin/python benchmarks/verify.py --events 500000 --db /tmp/phucloi-bench.db

Measures, in one run, on the same ledger:
1. the baseline: PyNaCl (libsodium) Ed25519 verification of every event's signed command,
   sequentially on ONE core, exactly the call the verifier makes (`crypto_sign_open`);
2. `audit verify` of the live database with every core (all checks: leaves, signatures and
   key registry, versions, checkpoint, read-model rebuild, sealed data);
3. `audit verify --bundle` of an export of the same ledger.
Target: rate >= 0.7 x baseline x cores. The ledger is built once through the real write path
(`Ledger.submit_batch`, signed commands in batches of 5,000) and reused when the file exists.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from nacl.bindings import crypto_sign_open

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audit.export import export  # noqa: E402
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
        day = f"2024-{8 + batch_no % 5:02d}-{1 + batch_no % 28:02d}"
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


def baseline(source: DatabaseSource) -> tuple[int, float]:
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
    started = time.perf_counter()
    for signed, public in work:
        crypto_sign_open(signed, public)
    return len(work), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--db", default=str(Path(tempfile.gettempdir()) / "phucloi-bench.db"))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    url = f"sqlite:///{args.db}"
    if not Path(args.db).exists():
        t = time.perf_counter()
        build_ledger(url, args.events)
        print(f"built the ledger in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    source = DatabaseSource(url)
    n, seconds = baseline(source)
    base_rate = n / seconds
    cores = args.workers
    live = verify(source, workers=cores)
    bundle_dir = Path(tempfile.mkdtemp(prefix="phucloi-bundle-"))
    shutil.rmtree(bundle_dir)
    export(source, bundle_dir)
    offline = verify(BundleSource(bundle_dir), workers=cores)
    shutil.rmtree(bundle_dir)
    target = 0.7 * base_rate * cores
    figures = {
        "events": n,
        "cores": cores,
        "baseline_verify_per_s_one_core": round(base_rate),
        "target_per_s": round(target),
        "audit_verify_db": {
            "seconds": round(live.seconds, 2),
            "per_s": round(live.events / live.seconds),
            "ok": live.ok,
            "phases": live.facts.get("phase_seconds"),
        },
        "audit_verify_bundle": {
            "seconds": round(offline.seconds, 2),
            "per_s": round(offline.events / offline.seconds),
            "ok": offline.ok,
        },
        "ratio_db": round(live.events / live.seconds / (base_rate * cores), 3),
        "ratio_bundle": round(offline.events / offline.seconds / (base_rate * cores), 3),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
