"""Tables of the audit trail, kept beside the event log (migration 0003).

Invariants:
- `checkpoints` holds every checkpoint the ledger signed, one row per tree size: the size,
  the root hash (hex) and the C2SP signed note exactly as signed. Rows are never updated or
  deleted (append-only triggers): an older checkpoint stays provable after newer ones.
- `checkpoint_cosignatures` holds the witnesses' cosignature lines, one per (size, witness
  key); the witness's verifier key is stored beside it so a bundle is self-describing, but
  an inspector trusts a witness only by the key it pins itself. Append-only as well.
- `verification_runs` records each full `audit verify` an inspector chose to record (the web
  page's runs, `phucloi audit verify --record`): when, at which tree size and root, the
  verdict and its counts. It is a note of what was checked, not evidence: anyone can re-run
  the verification, which is the point.
- The ledger's checkpoint signing key and its random id live in `ledger_secrets`, created
  on first use (audit.log): nothing here is secret.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Integer, String, Table, Text

from ledger.tables import metadata

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root_hash", String(64), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
)

checkpoint_cosignatures = Table(
    "checkpoint_cosignatures",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("witness", String(200), primary_key=True),
    Column("key_id", String(8), primary_key=True),
    Column("vkey", Text, nullable=False),
    Column("line", Text, nullable=False),
    Column("cosigned_at", BigInteger, nullable=False),
)

verification_runs = Table(
    "verification_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("finished_at", String(32), nullable=False),
    Column("origin", String(16), nullable=False),  # "cli" | "web"
    Column("tree_size", BigInteger, nullable=False),
    Column("root_hash", String(64), nullable=True),
    Column("ok", Boolean, nullable=False),
    Column("events", BigInteger, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
    Column("summary", Text, nullable=False),  # JSON: counts per check, the first errors
)

APPEND_ONLY = ("checkpoints", "checkpoint_cosignatures")
