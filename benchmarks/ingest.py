"""Ingest benchmark: phucloi against the bare eventsourcing library, in one run, per backend.

    .venv/bin/python benchmarks/ingest.py                       # SQLite and PostgreSQL
    .venv/bin/python benchmarks/ingest.py --backends sqlite --big-events 0

Prints, for each backend:
  (a) the bare `eventsourcing` library saving equivalent unsigned one-event aggregates
      (the baseline: the same envelope without the signature, one `save()` each);
  (b) phucloi recording signed single payouts through `Ledger.submit` (signature
      verification, policy checks, ledger entry and every read model included), and b/a;
  (c) bulk dues import in member-lines per second (one signed batch per month);
  (d) `projections rebuild` in events per second, against eventsourcing's own per-event
      `ProjectionRunner` applying the same projections with tracking, on the same log;
  (e) the members' register imported as batches of 1,000 signed joins (personal data
      sealed, citizen IDs blind-indexed), in members per second, and e/a.
(a) and (b) run interleaved in rounds so that both see the same machine load; the ratio is
the median of the rounds' ratios. On SQLite phucloi's connections run with synchronous=NORMAL
(ledger.store.SQLITE_PRAGMAS) while the bare library keeps SQLite's default (FULL: an fsync
per commit), so a third series (a') runs the same bare library on connections tuned like
phucloi's, and b/a' is printed beside b/a: the like-for-like figure. With `--big-events N` (PostgreSQL, default 1,000,000) it
also generates a ledger of N events (demo provinces under one national unit) and times the
work of `phucloi history` and `phucloi ratios` (query, decryption of names, rendering):
median and p99 in milliseconds. No timing is asserted anywhere; figures are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import InfrastructureFactory, Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore, SQLiteTrackingRecorder
from eventsourcing.utils import Environment

from ledger import clock, schema
from ledger.bootstrap import Context, make_engine, open_ledger
from ledger.client import OfficerSigner, build
from ledger.config import parse_database_url
from ledger.domain.policy import expected_dues, load_default_book
from ledger.keystore import signer_from_raw
from ledger.projections.log import meta_from
from ledger.projections.rebuild import rebuild
from ledger.projections.registry import PROJECTIONS
from ledger.signing import encode_b64
from ledger.store import Tx, tune_sqlite

PG_ADMIN = os.environ.get("PHUCLOI_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SETUP_AT = datetime(2024, 6, 1, 2, 0, tzinfo=UTC)


# --- databases ----------------------------------------------------------------------------------


class Databases:
    """Fresh databases for one backend; PostgreSQL ones are dropped at the end."""

    def __init__(self, backend: str, *, keep: bool = False) -> None:
        self.backend, self.keep = backend, keep
        self.dir = Path(tempfile.mkdtemp(prefix="phucloi-bench-"))
        self.pg: list[str] = []

    def url(self, name: str) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.dir / name}.db"
        db = f"phucloi_bench_{name}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db}"')
        self.pg.append(db)
        admin = psycopg.conninfo.conninfo_to_dict(PG_ADMIN)
        return (
            f"postgresql+psycopg://{admin.get('user', 'postgres')}@{admin.get('host', '127.0.0.1')}"
            f":{admin.get('port', 5432)}/{db}"
        )

    def eventsourcing_env(self, url: str) -> dict[str, str]:
        env = parse_database_url(url).eventsourcing_env()
        env.pop("APPLICATION_RECORDER_TOPIC", None)
        return env

    def close(self) -> None:
        if self.keep:
            return
        shutil.rmtree(self.dir, ignore_errors=True)
        if not self.pg:
            return
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            for db in self.pg:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


# --- a small union to record into -----------------------------------------------------------------


def officer(name: str) -> OfficerSigner:
    return OfficerSigner(name, signer_from_raw(hashlib.sha256(f"bench:{name}".encode()).digest()))


@dataclass
class Union:
    ctx: Context
    admin: OfficerSigner
    kt: OfficerSigner

    @classmethod
    def build(cls, ctx: Context) -> Union:
        u = cls(ctx, officer("admin"), officer("kt.g1"))
        with clock.frozen(SETUP_AT):
            items = [
                build(
                    "ledger.genesis",
                    by=u.admin,
                    body={
                        "officer": "admin",
                        "name": "Quản trị viên",
                        "public_key": encode_b64(u.admin.signer.public_key),
                    },
                )
            ]
            for code, parent in (("P", None), ("G1", "P")):
                items.append(
                    build(
                        "unit.register",
                        by=u.admin,
                        body={
                            "code": code,
                            "name": f"Đơn vị {code}",
                            "level": "x",
                            "parent": parent,
                        },
                    )
                )
            for version in load_default_book().to_dict()["versions"]:
                items.append(
                    build(
                        "policy.adopt",
                        by=u.admin,
                        unit="P",
                        effective_date=version["effective_from"],
                        body={"policy": version},
                    )
                )
            items.append(
                build(
                    "officer.register",
                    by=u.admin,
                    body={
                        "officer": "kt.g1",
                        "name": "Kế toán",
                        "public_key": encode_b64(u.kt.signer.public_key),
                    },
                )
            )
            items.append(
                build(
                    "officer.grant",
                    by=u.admin,
                    body={"officer": "kt.g1", "role": "finance_officer", "scope": "G1"},
                )
            )
            ctx.ledger.submit_batch(items)
        return u

    def join(self, numbers: list[str]) -> None:
        with clock.frozen(datetime(2024, 7, 1, 3, tzinfo=UTC)):
            items = [
                build(
                    "member.join",
                    by=self.kt,
                    unit="G1",
                    effective_date="2024-07-01",
                    body={"member": n, "salary_basis": salary(n)},
                    personal={
                        "full_name": f"Nguyễn Văn {n}",
                        "citizen_id": f"0790{int(n[1:]):08d}",
                        "date_of_birth": "1990-01-01",
                    },
                )
                for n in numbers
            ]
            for start in range(0, len(items), 1000):  # see ledger.demo.record.BATCH
                self.ctx.ledger.submit_batch(items[start : start + 1000])

    def payout(self, number: str) -> dict[str, Any]:
        return build(
            "payout.record",
            by=self.kt,
            unit="G1",
            effective_date="2025-03-07",
            body={"member": number, "kind": "gift", "amount": 300_000, "occasion": "8/3"},
        )

    def dues(self, month: str, numbers: list[str]) -> dict[str, Any]:
        policy = load_default_book().in_force(date.fromisoformat(f"{month}-01"))
        assert policy is not None
        lines = [
            {"member": n, "salary_basis": salary(n), "amount": expected_dues(policy, salary(n))}
            for n in numbers
        ]
        return build(
            "collection.dues",
            by=self.kt,
            unit="G1",
            effective_date=f"{month}-28",
            body={"month": month, "lines": lines},
        )


def salary(number: str) -> int:
    return 5_000_000 + (int(number[1:]) % 200) * 100_000


# --- (a) the bare library ---------------------------------------------------------------------------


class Recorded(Aggregate):
    @event("Recorded")
    def __init__(self, envelope: dict[str, Any]) -> None:
        self.envelope = envelope


class TunedBaselineRecorder(SQLiteApplicationRecorder):
    """eventsourcing's own SQLite recorder on connections tuned like the ledger's (a')."""

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        tune_sqlite(datastore)
        super().__init__(datastore, events_table_name)


def baseline_app(dbs: Databases, *, tuned: bool = False) -> Application[Any]:
    env = dbs.eventsourcing_env(dbs.url("baseline_tuned" if tuned else "baseline"))
    if tuned:
        env["APPLICATION_RECORDER_TOPIC"] = f"{__name__}:TunedBaselineRecorder"
    return Application(env)


# --- (d) eventsourcing's ProjectionRunner over the same log ------------------------------------------

ENTRIES: dict[tuple[str, int], dict[str, Any]] = {}


class _View:
    dialect = "sqlite"

    def project(self, metas: list[Any], tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
            tx = Tx(cursor, dialect=self.dialect)
            for p in PROJECTIONS:
                p.apply(tx, metas)
            self._insert_tracking(cursor, tracking)  # type: ignore[attr-defined]


class SQLiteView(_View, SQLiteTrackingRecorder):
    dialect = "sqlite"


class PostgresView(_View, PostgresTrackingRecorder):
    dialect = "postgresql"


class LedgerProjection(Projection[Any]):
    name = "phucloi_bench"

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:  # type: ignore[override]
        row = ENTRIES[(str(domain_event.originator_id), domain_event.originator_version)]
        self.view.project([meta_from(row, domain_event.envelope)], tracking)


class LogReader(Application[Any]):
    name = "Ledger"


def runner_rate(ctx: Context, dbs: Databases, ledger_url: str) -> float:
    """Events per second of eventsourcing's ProjectionRunner applying our projections."""
    with ctx.ledger.transaction() as tx:
        rows = tx.fetchall(
            "SELECT seq, event_id, command_type, unit_code, signer, originator_id, "
            "originator_version, notification_id, recorded_at, command_digest, leaf_hash "
            "FROM ledger_entries ORDER BY seq"
        )
    ENTRIES.clear()
    for r in rows:
        ENTRIES[(str(r["originator_id"]), int(r["originator_version"]))] = r
    last_nid = max(int(r["notification_id"]) for r in rows)
    view_url = dbs.url("view")
    schema.upgrade(make_engine(parse_database_url(view_url)))  # the projection tables, empty
    env = parse_database_url(ledger_url).eventsourcing_env()
    view_env = parse_database_url(view_url).eventsourcing_env()
    for key in ("SQLITE_DBNAME", "POSTGRES_DBNAME"):
        if key in view_env:
            env[f"PHUCLOI_BENCH_{key}"] = view_env[key]
    view_class = SQLiteView if dbs.backend == "sqlite" else PostgresView
    started = time.perf_counter()
    if dbs.backend == "postgresql":
        with ProjectionRunner(
            application_class=LogReader,
            projection_class=LedgerProjection,
            view_class=view_class,
            env=env,
        ) as runner:
            runner.wait(last_nid, timeout=float(os.environ.get("BENCH_RUNNER_TIMEOUT", "3600")))
    else:
        # eventsourcing's SQLite recorder has no subscriptions: pull the notifications and
        # hand each one to the same Projection, one transaction with tracking per event,
        # exactly what the runner's processing thread does.
        reader = LogReader(env)
        view = InfrastructureFactory.construct(
            env=Environment(LedgerProjection.name, env)
        ).tracking_recorder(view_class)
        projection = LedgerProjection(view=view)
        position = 0
        while position < last_nid:
            batch = reader.recorder.select_notifications(position + 1, 500)
            for n in batch:
                projection.process_event(
                    reader.mapper.to_domain_event(n), Tracking(reader.name, n.id)
                )
                position = n.id
        reader.close()
    return len(rows) / (time.perf_counter() - started)


# --- the measurements ------------------------------------------------------------------------------


@dataclass
class Figures:
    backend: str
    baseline: float = 0.0
    payouts: float = 0.0
    ratio: float = 0.0
    baseline_tuned: float = 0.0  # (a'), SQLite only
    ratio_tuned: float = 0.0
    dues_lines: float = 0.0
    rebuild: float = 0.0
    runner: float = 0.0
    joins: float = 0.0
    events: int = 0


def rounds(total: int, parts: int) -> Iterator[range]:
    size = math.ceil(total / parts)
    for start in range(0, total, size):
        yield range(start, min(start + size, total))


def measure(backend: str, args: argparse.Namespace) -> Figures:
    fig = Figures(backend)
    dbs = Databases(backend, keep=args.keep)
    try:
        url = dbs.url("ledger")
        ctx = open_ledger(url)
        union = Union.build(ctx)
        numbers = [f"M{i:06d}" for i in range(max(args.payouts, args.dues_members))]
        t = time.perf_counter()
        union.join(numbers)
        fig.joins = len(numbers) / (time.perf_counter() - t)
        # (a) and (b), interleaved
        with clock.frozen(datetime(2025, 3, 7, 3, tzinfo=UTC)):
            items = [union.payout(n) for n in numbers[: args.payouts]]
        envelope = {
            "command": __import__("json").dumps(items[0]["command"], ensure_ascii=False),
            "digest": "0" * 64,
            "recorded_at": "2025-03-07T03:00:00+00:00",
            "ledger": {"status": "paid"},
        }
        app = baseline_app(dbs)
        tuned = baseline_app(dbs, tuned=True) if backend == "sqlite" else None
        for _ in range(20):  # warm both up
            app.save(Recorded(envelope=envelope))
            if tuned is not None:
                tuned.save(Recorded(envelope=envelope))
        ratios, ratios_tuned = [], []
        a_time, a2_time, b_time, n = 0.0, 0.0, 0.0, 0
        with clock.frozen(datetime(2025, 3, 7, 4, tzinfo=UTC)):
            for part in rounds(len(items), args.rounds):
                t = time.perf_counter()
                for _ in part:
                    app.save(Recorded(envelope=envelope))
                ta = time.perf_counter() - t
                ta2 = 0.0
                if tuned is not None:
                    t = time.perf_counter()
                    for _ in part:
                        tuned.save(Recorded(envelope=envelope))
                    ta2 = time.perf_counter() - t
                t = time.perf_counter()
                for i in part:
                    ctx.ledger.submit(items[i])
                tb = time.perf_counter() - t
                ratios.append(ta / tb)
                ratios_tuned.append(ta2 / tb)
                a_time, a2_time, b_time = a_time + ta, a2_time + ta2, b_time + tb
                n += len(part)
        app.close()
        fig.baseline, fig.payouts = n / a_time, n / b_time
        fig.ratio = statistics.median(ratios)
        if tuned is not None:
            tuned.close()
            fig.baseline_tuned, fig.ratio_tuned = n / a2_time, statistics.median(ratios_tuned)
        # (c) bulk dues import
        rates = []
        members = numbers[: args.dues_members]
        for m in range(1, 4):
            month = f"2024-{6 + m:02d}"
            with clock.frozen(datetime(2024, 6 + m, 28, 9, tzinfo=UTC)):
                item = union.dues(month, members)
                t = time.perf_counter()
                ctx.ledger.submit_batch([item])
                rates.append(len(members) / (time.perf_counter() - t))
        fig.dues_lines = statistics.median(rates)
        # (d) rebuild against the ProjectionRunner
        report = rebuild(ctx.ledger)
        fig.rebuild, fig.events = report.events_per_second, report.events
        fig.runner = runner_rate(ctx, dbs, url)
        ctx.close()
    finally:
        dbs.close()
    return fig


# --- 1M-event ledger: history and ratios ---------------------------------------------------------


def fill_big_ledger(ctx: Context, target: int, members: int) -> int:
    """Record demo provinces under one national unit until the ledger holds `target` events.

    An empty ledger gets its genesis and the national unit "VN" first. A partly filled ledger
    is resumed: provinces already in it are skipped. Returns the number of events stored.
    """
    from ledger.demo import DemoConfig, generate
    from ledger.demo.keys import officer_signer
    from ledger.demo.record import DemoRefused, record

    def stored() -> int:
        with ctx.ledger.transaction() as tx:
            return int(tx.scalar("SELECT COUNT(*) FROM ledger_entries"))

    events = stored()
    if events == 0:
        admin = officer_signer(DemoConfig(seed=1, admin_seed=1), "admin")
        with clock.frozen(datetime(2024, 12, 1, 1, tzinfo=UTC)):
            ctx.ledger.submit_batch(
                [
                    build(
                        "ledger.genesis",
                        by=admin,
                        body={
                            "officer": "admin",
                            "name": "Quản trị viên",
                            "public_key": encode_b64(admin.signer.public_key),
                        },
                    ),
                    build(
                        "unit.register",
                        by=admin,
                        body={"code": "VN", "name": "Tổng Liên đoàn", "level": "TLĐ"},
                    ),
                ]
            )
        events = stored()
    k, started = 0, time.perf_counter()
    while events < target:
        k += 1
        if ctx.ledger.get_unit(f"T{k:02d}.P") is not None:
            continue  # this province is already in the ledger
        cfg = DemoConfig(
            seed=1000 + k,
            admin_seed=1,
            members=members,
            prefix=f"T{k:02d}.",
            parent="VN",
            genesis=False,
        )
        try:
            record(ctx.ledger, generate(cfg))
        except DemoRefused as exc:  # keep what was recorded, go on with the next one
            print(f"  province {k}: a batch was refused, skipped: {exc}", flush=True)
        events = stored()
        rate = events / (time.perf_counter() - started)
        print(f"  province {k}: {events:,} events ({rate:,.0f}/s)", flush=True)
    return events


def big_ledger(args: argparse.Namespace) -> None:
    from ledger.cli import reports_cli
    from ledger.projections.queries.history import member_history, with_names
    from ledger.projections.queries.ratios import unit_figures

    dbs = Databases("postgresql", keep=args.keep)
    url = args.big_url or dbs.url("big")
    ctx = open_ledger(url)
    try:
        events = fill_big_ledger(ctx, args.big_events, args.big_members)
        with ctx.engine.connect() as conn:
            from sqlalchemy import text

            members = [r[0] for r in conn.execute(text("SELECT member_number FROM member_index"))]
            units = [r[0] for r in conn.execute(text("SELECT code FROM proj_units"))]
        rng = random.Random(5)
        periods = ["2025", "2025-03", "2025-Q2", "lunar-2025"]

        def history_once() -> None:
            number = rng.choice(members)
            h = with_names(member_history(ctx.engine, number), ctx.ledger.reveal(number))
            with contextlib.redirect_stdout(io.StringIO()):
                reports_cli.print_history(h)

        def ratios_once() -> None:
            unit = rng.choice(units) if rng.random() < 0.8 else rng.choice(["VN", "T01.P"])
            f = unit_figures(ctx.ledger, unit, rng.choice(periods))
            with contextlib.redirect_stdout(io.StringIO()):
                reports_cli.print_figures(f)

        print(f"\nLedger of {events:,} events on PostgreSQL ({len(members):,} members):")
        for label, fn in (("history", history_once), ("ratios", ratios_once)):
            times = []
            for _ in range(args.samples):
                t = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            p99 = times[min(len(times) - 1, math.ceil(0.99 * len(times)) - 1)]
            print(
                f"  phucloi {label:8s} median {statistics.median(times):7.1f} ms   p99 {p99:7.1f} ms"
            )
        print("  (root VN rolls up every province; in-process, ledger open, output rendered)")
    finally:
        ctx.close()
        if not args.big_url:
            dbs.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--payouts", type=int, default=2000, help="signed single payouts (b)")
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds of (a), (b)")
    parser.add_argument("--dues-members", type=int, default=20_000, help="lines per dues batch")
    parser.add_argument("--big-events", type=int, default=1_000_000, help="0 skips it")
    parser.add_argument("--big-members", type=int, default=5000, help="members per province")
    parser.add_argument("--big-url", default=None, help="reuse (or fill) this PostgreSQL ledger")
    parser.add_argument("--samples", type=int, default=500, help="timed history/ratios calls")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL databases")
    args = parser.parse_args()
    print(
        f"phucloi ingest benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"python {sys.version.split()[0]}, cpus {os.cpu_count()}"
    )
    for backend in [b for b in args.backends.split(",") if b in ("sqlite", "postgresql")]:
        f = measure(backend, args)
        print(f"\n{backend}:")
        print(f"  (a) eventsourcing, unsigned one-event saves  {f.baseline:9,.0f} /s")
        if f.baseline_tuned:
            print(f"  (a') the same on SQLite tuned like phucloi   {f.baseline_tuned:9,.0f} /s")
        print(
            f"  (b) phucloi signed single payouts           {f.payouts:9,.0f} /s"
            f"   b/a = {f.ratio:.2f} (median of {args.rounds} rounds)"
        )
        if f.baseline_tuned:
            print(f"{'':59}b/a' = {f.ratio_tuned:.2f} (like for like)")
        print(f"  (c) bulk dues import                        {f.dues_lines:9,.0f} member-lines/s")
        print(
            f"  (e) member register import (signed joins)   {f.joins:9,.0f} members/s"
            f"   e/a = {f.joins / f.baseline:.2f}"
        )
        print(
            f"  (d) projections rebuild                     {f.rebuild:9,.0f} events/s"
            f"   ({f.events:,} events)"
        )
        print(
            f"      eventsourcing ProjectionRunner          {f.runner:9,.0f} events/s"
            f"   d/runner = {f.rebuild / f.runner:.1f}x"
        )
    if args.big_events > 0:
        big_ledger(args)


if __name__ == "__main__":
    main()
