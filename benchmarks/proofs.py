"""Proof benchmark: inclusion proofs from kept subtree roots against proofs from every leaf.

    .venv/bin/python benchmarks/proofs.py --db sqlite:///LEDGER.db [--samples 50]

On an existing ledger (e.g. the one `benchmarks/verify.py --db FILE` builds: pass
`sqlite:///FILE`), for `--samples` events drawn at random, measures in one run:
1. the baseline: what `audit prove` and `/me/history` did before `audit.log.StoredTree`,
   every leaf hash read (`leaf_hashes`), then `inclusion_proof` over them;
2. `prove_inclusion` (StoredTree) in a fresh process state: the first request, which reads
   every leaf once to compute the subtree roots it keeps;
3. `prove_inclusion` for the other samples, with those roots kept (later requests).
Each proof is checked equal to the baseline's. Printed: milliseconds per proof (median) and
the ratios baseline/StoredTree. No timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit.log import leaf_hashes, prove_inclusion
from audit.merkle import inclusion_proof
from ledger.tables import ledger_entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of an existing ledger")
    parser.add_argument("--samples", type=int, default=50, help="events to prove")
    args = parser.parse_args()
    engine = create_engine(args.db)
    with engine.connect() as conn:
        events = conn.execute(select(ledger_entries.c.seq, ledger_entries.c.event_id)).all()
    picks = random.Random(7).sample(events, min(args.samples, len(events)))
    size = len(events)

    baseline = []
    for seq, _ in picks[: max(1, len(picks) // 5)]:  # every proof reads the whole log
        t = time.perf_counter()
        hashes = leaf_hashes(engine)
        inclusion_proof(hashes, seq, size)
        baseline.append(time.perf_counter() - t)

    first, later = [], []
    for i, (seq, event_id) in enumerate(picks):
        t = time.perf_counter()
        proof = prove_inclusion(engine, event_id, size=size)
        (first if i == 0 else later).append(time.perf_counter() - t)
        assert proof.path == inclusion_proof(hashes, seq, size), event_id

    base = statistics.median(baseline)
    print(f"ledger of {size:,} leaves, {len(picks)} proofs")
    print(f"  baseline, every leaf read per proof   {base * 1000:9.2f} ms")
    print(
        f"  StoredTree, first request             {first[0] * 1000:9.2f} ms   "
        f"baseline/this = {base / first[0]:.2f}"
    )
    if later:
        med = statistics.median(later)
        print(
            f"  StoredTree, later requests (median)   {med * 1000:9.2f} ms   "
            f"baseline/this = {base / med:,.0f}"
        )


if __name__ == "__main__":
    main()
