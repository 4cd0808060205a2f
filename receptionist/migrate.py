"""Schema upgrades: Alembic revisions shipped in the package, run on open.

Before an existing file is migrated, an encrypted copy of it is written beside it.
"""

from __future__ import annotations

import os
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


def upgrade(db: Database, target: str | None = None, *, allow_new: bool = True) -> Path | None:
    """Bring the schema to ``target`` (default: head). Returns the pre-upgrade copy,
    if one was made (not for a brand-new, empty file).

    ``allow_new=False`` (every open but the first) refuses a file with no schema: an
    emptied or replaced file must not silently become a new, empty clinic.
    """
    current = current_revision(db)
    if current is None and not allow_new:
        raise NotOurFile(
            f"{db.path} holds no clinic data (it was emptied or replaced); "
            "restore it from a backup."
        )
    head = target or head_revision()
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
        command.upgrade(cfg, head)
        conn.commit()
    return copy


def backup_before_upgrade(db: Database, revision: str) -> Path:
    """An encrypted copy of the database, beside it, from one consistent snapshot.

    ``sqlcipher_export`` reads through SQLite, so rows still in the WAL (which a
    checkpoint cannot fold in while another process reads) are in the copy too.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = db.path.with_name(f"{db.path.name}.before-{revision}-{stamp}")
    export_copy(db, target)
    return target


def export_copy(db: Database, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with db.raw() as conn:
        conn.execute(f"ATTACH DATABASE ? AS copy KEY {db.key_pragma()}", (str(partial),))
        try:
            conn.execute("SELECT sqlcipher_export('copy')").fetchall()
            version = conn.execute("PRAGMA main.user_version").fetchone()[0]
            conn.execute(f"PRAGMA copy.user_version = {int(version)}")
        finally:
            conn.execute("DETACH DATABASE copy")
    with partial.open("rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(partial, target)
    fsync_dir(target.parent)
