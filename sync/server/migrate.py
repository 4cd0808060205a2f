"""The endpoint's schema upgrades: Alembic revisions shipped in the package, run at start.

On PostgreSQL several workers may start at once: an advisory lock lets one of them
migrate while the others wait, then find the schema current.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from receptionist.errors import NotOurFile
from receptionist.texts import QT_TRANSLATE_NOOP, Text

SCRIPTS = Path(__file__).parent / "migrations"
VERSION_TABLE = "server_alembic_version"
# pg_advisory_lock's key for "the endpoint's schema is being migrated".
LOCK_KEY = 0x52_65_63_53_79_6E_63  # "RecSync"

log = logging.getLogger(__name__)
logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the endpoint's schema to the newest revision (a new database gets it all)."""
    with _exclusive(engine):
        with engine.connect() as conn:
            current = current_revision(conn)
        if current == head_revision():
            return
        known = {rev.revision for rev in ScriptDirectory.from_config(_config()).walk_revisions()}
        if current is not None and current not in known:
            raise NotOurFile(
                Text(
                    QT_TRANSLATE_NOOP(
                        "core",
                        "The endpoint's database was written by a newer version of "
                        "Receptionist; run that version or newer.",
                    )
                )
            )
        cfg = _config()
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            conn.commit()
        log.info("endpoint schema upgraded from %s to %s", current or "empty", head_revision())


@contextmanager
def _exclusive(engine: Engine) -> Iterator[None]:
    if engine.dialect.name != "postgresql":
        yield  # SQLite: the first write of the upgrade waits for any other writer
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
