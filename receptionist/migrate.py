"""Schema upgrades: Alembic revisions shipped in the package, run on open.

Before an existing file is migrated, an encrypted copy of it is written beside it.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from .errors import NotOurFile
from .storage import Database, fsync_dir

SCRIPTS = Path(__file__).parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database) -> Path | None:
    """Bring the schema to head. Returns the pre-upgrade copy, if one was made."""
    current = current_revision(db)
    head = head_revision()
    if current == head:
        return None
    known = {rev.revision for rev in ScriptDirectory.from_config(_config()).walk_revisions()}
    if current is not None and current not in known:
        raise NotOurFile(
            "This clinic's database was written by a newer version of Receptionist; "
            "install that version or newer."
        )
    copy = backup_before_upgrade(db, current) if current is not None else None
    cfg = _config()
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        conn.commit()
    return copy


def backup_before_upgrade(db: Database, revision: str) -> Path:
    """Copy the (encrypted) database file beside itself, WAL folded in first."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = db.path.with_name(f"{db.path.name}.before-{revision}-{stamp}")
    db.checkpoint()
    with db.write():  # hold the write lock so no commit lands while we copy
        shutil.copyfile(db.path, target)
    fsync_dir(target.parent)
    return target
