"""Alembic owns the schema: the migrated database matches the SQLAlchemy tables exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ledger import schema
from ledger.tables import metadata


def test_migrations_create_exactly_the_tables_the_code_declares(ctx) -> None:  # type: ignore[no-untyped-def]
    def only_ours(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
        # eventsourcing's own events table and alembic's bookkeeping are not in our metadata.
        return not (type_ == "table" and name in ("ledger_events", "alembic_version"))

    with ctx.engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"include_object": only_ours})
        assert compare_metadata(mc, metadata) == []
    assert schema.current_revision(ctx.engine) == schema.head_revision()
