"""Alembic environment: phucloi passes an open SQLAlchemy connection (see ledger.schema)."""

from __future__ import annotations

from alembic import context

import audit.tables  # noqa: F401
from ledger.projections.tables import metadata as projection_metadata  # noqa: F401
from ledger.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via `alembic` on the command line
    from sqlalchemy import create_engine

    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
