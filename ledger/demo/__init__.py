"""`phucloi demo`: a realistic province ledger built from a seed.

Layout: `plan` (the demo as data), `names`, `organisation` and `year` (the generator),
`keys` (officers' keys from the seed), `record` (signing and recording in batches),
`summary` (what is printed at the end). `build_demo` ties them together. `fraud`,
`fraud_people` and `fraud_money` plant profiteering cases and write their answer key
(`phucloi demo --plant-fraud`).

Invariant: the same seed gives the same signed commands (see `ledger.demo.plan`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ledger.application import Ledger
from ledger.demo.generate import generate
from ledger.demo.keys import keystore_problem, write_keystore
from ledger.demo.plan import DEMO_PASSPHRASE, DemoConfig, Plan
from ledger.demo.record import Progress, RecordReport, record
from ledger.demo.summary import DemoSummary, summarise


@dataclass(frozen=True)
class DemoResult:
    plan: Plan
    report: RecordReport
    summary: DemoSummary
    keys_written: int


def build_demo(
    ledger: Ledger,
    cfg: DemoConfig,
    *,
    keystore: Path | None = None,
    progress: Progress | None = None,
    plant_fraud: bool = False,
    plan: Plan | None = None,
) -> DemoResult:
    """Generate (unless given the `plan` of `cfg`), record and summarise; write officers'
    keys to `keystore` when given.

    With `plant_fraud`, the plan carries planted cases and `plan.key` their answer key.
    """
    plan = plan or generate(cfg, plant_fraud=plant_fraud)
    written = 0
    if keystore is not None:
        codes = [o.code for o in plan.officers]
        written = write_keystore(cfg, codes, keystore, plan.current_keys)
    report = record(ledger, plan, progress=progress)
    summary = summarise(ledger, plan.units[0].code, cfg.year)
    return DemoResult(plan, report, summary, written)


def demo_keystore_problem(cfg: DemoConfig, plan: Plan, keystore: Path) -> str | None:
    """Why `build_demo(…, keystore=keystore, plan=plan)` must not write its keys there."""
    return keystore_problem(cfg, [o.code for o in plan.officers], keystore, plan.current_keys)


__all__ = [
    "DEMO_PASSPHRASE",
    "DemoConfig",
    "DemoResult",
    "build_demo",
    "demo_keystore_problem",
    "generate",
]
