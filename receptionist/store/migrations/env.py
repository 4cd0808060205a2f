"""Alembic environment: runs on the connection handed in by receptionist.store.migrate."""

from __future__ import annotations

from alembic import context

from receptionist.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only alembic's own CLI gets here
    raise RuntimeError("run migrations through receptionist.store.migrate, which unlocks the file")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
