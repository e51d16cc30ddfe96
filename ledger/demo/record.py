"""Sign the plan's ops as its officers and record them through `Ledger.submit_batch`.

Invariants:
- Each op is signed with the ledger clock frozen at its planned instant (`signed_at`); each
  day's ops are recorded in large batches (one transaction each) with the clock frozen at
  the latest planned instant of the batch, so no event is recorded before it was signed.
- Personal-data commitments use salts derived from the seed and the command id (HMAC), so
  the signed commands are byte-for-byte reproducible; the sealed values are encrypted
  under fresh per-person keys, as always.
- Any refused batch stops the demo with the ledger's problems: the generator is meant to
  produce only valid commands.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from ledger import clock
from ledger.application import BatchRefused, Ledger
from ledger.canonical import canonical_bytes, sha256_hex
from ledger.client import OfficerSigner, build, cosign, normalise_personal
from ledger.demo.keys import officer_signer
from ledger.demo.plan import Op, Plan
from ledger.privacy import commit
from ledger.signing import encode_b64

Progress = Callable[[int, int], None]
BATCH = 1000  # items per transaction: large, and under the size that stalls psycopg pipelines


class DemoRefused(RuntimeError):
    """The ledger refused a generated batch (a bug in the generator)."""


@dataclass(frozen=True)
class RecordReport:
    events: int
    batches: int
    seconds: float


class Signing:
    def __init__(self, plan: Plan) -> None:
        self.cfg = plan.config
        self.signers: dict[str, OfficerSigner] = {}
        self.salt_key = hashlib.sha256(f"phucloi-demo-salt:{self.cfg.seed}".encode()).digest()
        self.targets = {id(o.target) for o in plan.ops if o.target is not None}
        self.digests: dict[int, str] = {}

    def signer(self, code: str, key_name: str | None = None) -> OfficerSigner:
        name = key_name or code
        if name not in self.signers:
            self.signers[name] = officer_signer(self.cfg, code, name)
        return self.signers[name]

    def item(self, op: Op) -> dict[str, Any]:
        body = dict(op.body)
        if op.target is not None:
            body["target"] = op.target.command_id
            if op.type == "approval.decide":
                body["target_digest"] = self.digests[id(op.target)]
        openings: dict[str, dict[str, str]] = {}
        if op.personal:
            commitments = {}
            for name, value in op.personal.items():
                normal = normalise_personal(name, value)
                salt = hmac.new(
                    self.salt_key, f"{op.command_id}:{name}".encode(), hashlib.sha256
                ).digest()[:16]
                commitments[name] = commit(normal, salt)
                openings[name] = {"value": normal, "salt": encode_b64(salt)}
            body["personal"] = {**body.get("personal", {}), **commitments}
        with clock.frozen(op.at):
            item = build(
                op.type,
                by=self.signer(op.by, op.key),
                body=body,
                unit=op.unit,
                effective_date=op.effective or clock.local_date(op.at),
                command_id=op.command_id,
            )
        if openings:
            item["openings"] = openings
        if op.cosign is not None:
            item = cosign(item, by=self.signer(op.cosign))
        if id(op) in self.targets:
            self.digests[id(op)] = sha256_hex(canonical_bytes(item["command"]))
        return item


def batches(plan: Plan, size: int = BATCH) -> Iterator[list[Op]]:
    for _day, day_ops in groupby(plan.ordered(), key=lambda o: clock.local_date(o.at)):
        ops = list(day_ops)
        for start in range(0, len(ops), size):
            yield ops[start : start + size]


def record(
    ledger: Ledger, plan: Plan, *, progress: Progress | None = None, size: int = BATCH
) -> RecordReport:
    signing = Signing(plan)
    total, done, count = len(plan.ops), 0, 0
    started = time.perf_counter()
    for ops in batches(plan, size):
        items = [signing.item(op) for op in ops]
        with clock.frozen(max(op.at for op in ops)):
            try:
                ledger.submit_batch(items)
            except BatchRefused as exc:
                tags = sorted({op.tag or op.type for op in ops})
                raise DemoRefused(f"{exc}\n(batch of {ops[0].at:%Y-%m-%d}: {tags})") from exc
        done += len(ops)
        count += 1
        if progress is not None:
            progress(done, total)
    return RecordReport(done, count, time.perf_counter() - started)
