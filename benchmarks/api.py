"""HTTP API load benchmark: signed payout POSTs over loopback against PostgreSQL.

    .venv/bin/python benchmarks/api.py [--payouts 3000] [--clients 2] [--rounds 6]

In one run, on two fresh PostgreSQL ledgers prepared identically (the small union of
benchmarks/ingest.py and `--payouts` members):
  (b) in-process: `Ledger.submit` of pre-signed single payouts, exactly benchmark (b) of
      benchmarks/ingest.py (the baseline);
  (h) HTTP: the SAME pre-signed payouts POSTed to `/payouts` of a `phucloi serve` started in a
      subprocess on 127.0.0.1, by `--clients` client processes (http.client, keep-alive, one
      request in flight each, the JSON bodies encoded beforehand), logged in as the finance officer.
The two run interleaved in `--rounds` rounds so both see the same machine load. Printed:
throughput of each, h/b (median of the rounds' ratios), and the p50 / p99 latency of the HTTP
requests (client side, whole request). The issue's target: h/b ≥ 0.5 with p99 < 100 ms.
No timing is asserted anywhere; figures are printed.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "benchmark-password"


def _client(base: str, token: str, bodies: list[bytes], start: Any, out: Any) -> None:
    """One client process: POST each body in turn, report (latencies ms, failures).

    The standard library's `http.client` on one keep-alive connection: the clients share
    the machine with the server, so they should cost it as little CPU as a client can.
    """
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(base)
    headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
    latencies, failures = [], []
    http_ = http.client.HTTPConnection(where.hostname, where.port, timeout=60)
    http_.request("GET", "/health")  # open the connection before the clock starts
    http_.getresponse().read()
    start.wait()
    for body in bodies:
        t = time.perf_counter()
        http_.request("POST", "/payouts", body=body, headers=headers)
        r = http_.getresponse()
        text = r.read()
        latencies.append((time.perf_counter() - t) * 1000)
        if r.status != 201:
            failures.append(f"{r.status} {text[:200]!r}")
    http_.close()
    out.put((latencies, failures))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def _start_server(url: str, home: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PHUCLOI_HOME": str(home)}
    env.pop("PHUCLOI_DATABASE_URL", None)
    env.pop("PHUCLOI_PORTAL_PASSPHRASE", None)
    phucloi = Path(sys.executable).with_name("phucloi")
    command = [str(phucloi), "--db", url, "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", str(workers), "--log-level", "warning"],
        env=env,
        stdin=subprocess.DEVNULL,
    )
    import httpx

    for _ in range(600):
        if server.poll() is not None:
            raise SystemExit(f"phucloi serve exited with {server.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("phucloi serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payouts", type=int, default=3000, help="signed payouts per side")
    parser.add_argument("--clients", type=int, default=2, help="HTTP client processes")
    parser.add_argument("--rounds", type=int, default=6, help="interleaved rounds")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL databases")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from ingest import Databases, Union  # the baseline's own union and payouts

    from api.auth import Account, set_credential
    from ledger import clock
    from ledger.bootstrap import open_ledger

    print(
        f"phucloi HTTP API benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"python {sys.version.split()[0]}, cpus {os.cpu_count()}, "
        f"{args.clients} client processes, {args.workers} server worker(s)"
    )
    dbs = Databases("postgresql", keep=args.keep)
    home = Path(tempfile.mkdtemp(prefix="phucloi-bench-api-"))
    server = None
    try:
        numbers = [f"M{i:06d}" for i in range(args.payouts)]
        urls, contexts = {}, {}
        for side in ("inproc", "http"):
            urls[side] = dbs.url(f"api_{side}")
            contexts[side] = open_ledger(urls[side])
            union = Union.build(contexts[side])
            union.join(numbers)
        with clock.frozen(datetime(2025, 3, 7, 3, tzinfo=UTC)):
            items = [union.payout(n) for n in numbers]  # the same signed commands for both
        bodies = [json.dumps(item, ensure_ascii=False).encode() for item in items]
        set_credential(contexts["http"].engine, Account("officer", "kt.g1"), PASSWORD)
        contexts["http"].close()
        # Both sides start from a freshly opened ledger: the server is a new process, so the
        # in-process side is reopened too (its cache would otherwise hold every member).
        contexts["inproc"].close()
        contexts["inproc"] = open_ledger(urls["inproc"])
        inproc = contexts["inproc"].ledger
        for item in items[:20]:  # warm up the in-process side as the server warms up below
            inproc.submit(item)

        port = _free_port()
        server = _start_server(urls["http"], home, port, args.workers)
        base = f"http://127.0.0.1:{port}"
        import httpx

        login = httpx.post(
            f"{base}/auth/login",
            json={"kind": "officer", "username": "kt.g1", "secret": PASSWORD},
            timeout=30,
        )
        token = login.json()["access_token"]
        with httpx.Client(base_url=base, timeout=30) as warm:  # the same 20 as in-process
            for body in bodies[:20]:
                warm.post(
                    "/payouts",
                    content=body,
                    headers={
                        "content-type": "application/json",
                        "authorization": f"Bearer {token}",
                    },
                )

        spawn = mp.get_context("spawn")
        rest = list(range(20, len(items)))
        size = math.ceil(len(rest) / args.rounds)
        ratios, latencies, failures = [], [], []
        b_n = b_t = h_n = h_t = 0.0
        for r in range(args.rounds):
            part = rest[r * size : (r + 1) * size]
            if not part:
                break
            t = time.perf_counter()
            for i in part:
                inproc.submit(items[i])
            tb = time.perf_counter() - t
            start, out = spawn.Event(), spawn.Queue()
            shares = [part[c :: args.clients] for c in range(args.clients)]
            procs = [
                spawn.Process(
                    target=_client, args=(base, token, [bodies[i] for i in share], start, out)
                )
                for share in shares
                if share
            ]
            for p in procs:
                p.start()
            time.sleep(1.0)  # every client connected and waiting
            t = time.perf_counter()
            start.set()
            results = [out.get() for _ in procs]
            th = time.perf_counter() - t
            for p in procs:
                p.join()
            for lat, fail in results:
                latencies += lat
                failures += fail
            ratios.append((len(part) / th) / (len(part) / tb))
            b_n, b_t, h_n, h_t = b_n + len(part), b_t + tb, h_n + len(part), h_t + th
            print(
                f"  round {r + 1}: in-process {len(part) / tb:7.0f}/s   "
                f"HTTP {len(part) / th:7.0f}/s   h/b {ratios[-1]:.2f}",
                flush=True,
            )
        print("\npostgresql:")
        print(f"  (b) in-process Ledger.submit, signed payouts  {b_n / b_t:8,.0f} /s")
        print(
            f"  (h) HTTP POST /payouts over loopback          {h_n / h_t:8,.0f} /s"
            f"   h/b = {statistics.median(ratios):.2f} (median of {len(ratios)} rounds)"
        )
        print(
            f"      latency p50 {_percentile(latencies, 0.50):6.1f} ms   "
            f"p99 {_percentile(latencies, 0.99):6.1f} ms   ({len(latencies)} requests)"
        )
        print(f"      refused or failed requests: {len(failures)}")
        for text in failures[:5]:
            print(f"        {text}")
        contexts["inproc"].close()
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        dbs.close()
        import shutil

        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
