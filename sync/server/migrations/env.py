"""Alembic environment: runs on the connection handed in by sync.server.migrate."""

from __future__ import annotations

from alembic import context

from sync.server.migrate import VERSION_TABLE
from sync.server.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only alembic's own CLI gets here
    raise RuntimeError("run the server's migrations through sync.server.migrate")

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
