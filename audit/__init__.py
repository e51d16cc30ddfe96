"""The audit trail (#4): Merkle log, signed checkpoints, witnesses, proofs, verification.

Importing the package registers its tables on `ledger.tables.metadata`.
"""

from __future__ import annotations

import audit.tables  # noqa: F401
