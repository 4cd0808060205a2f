"""Planner statistics across an index rebuilt by a revision."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def analyze_if_kept(table: str, index: str) -> None:
    """DROP INDEX takes the index's statistics with it. A file the planner has
    statistics for (ANALYZE ran on it) gets the new index's too; one that never had
    any keeps having none, rather than statistics for this index alone."""
    bind = op.get_bind()
    has_stats = bind.execute(
        sa.text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
    ).scalar()
    if (
        has_stats
        and bind.execute(
            sa.text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = :t"), {"t": table}
        ).scalar()
    ):
        op.execute(f"ANALYZE {index}")
