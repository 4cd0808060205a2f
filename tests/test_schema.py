"""The models and the migrations describe the same schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from receptionist.models import Base


def test_migrations_match_models(db) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # The FTS5 index and its shadow tables live outside the ORM on purpose.
    diff = [
        d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("patient_search"))
    ]
    assert diff == []


def test_no_plaintext_fallback_module(db) -> None:
    assert db.engine.dialect.dbapi.__name__.startswith("sqlcipher3")
