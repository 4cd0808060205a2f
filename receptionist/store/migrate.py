"""Schema upgrades: Alembic revisions shipped in the package, run on open.

Before an existing file is migrated, an encrypted copy of it is written beside it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from receptionist.errors import DiskFull, NotOurFile
from receptionist.store.storage import (
    Database,
    create_private,
    files_size,
    fsync_dir,
    is_disk_full,
    space_short,
)
from receptionist.texts import QT_TRANSLATE_NOOP, Text

SCRIPTS = Path(__file__).parent / "migrations"

log = logging.getLogger(__name__)
# Alembic says twice per revision which dialect it uses; upgrade() logs one line instead.
logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    return cfg


def head_revision() -> str:
    return _head(ScriptDirectory.from_config(_config()))


def _head(script: ScriptDirectory) -> str:
    head = script.get_current_head()
    assert head is not None
    return head


def known(revision: str) -> bool:
    """Whether ``revision`` is one of this version's schema revisions (else a newer
    version of Receptionist wrote it)."""
    script = ScriptDirectory.from_config(_config())
    return revision in {rev.revision for rev in script.walk_revisions()}


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


# done, total, what: "copy" (the encrypted copy of the old file), a revision id, "done".
# It may raise (the desk's Cancel): the upgrade stops before the next step, every step
# already taken is complete, and the next open carries on from there.
Step = Callable[[int, int, str], None]


def upgrade(
    db: Database,
    target: str | None = None,
    *,
    allow_new: bool = True,
    on_step: Step | None = None,
) -> Path | None:
    """Bring the schema to ``target`` (default: head). Returns the pre-upgrade copy,
    if one was made (not for a brand-new, empty file).

    ``allow_new=False`` (every open but the first) refuses a file with no schema: an
    emptied or replaced file must not silently become a new, empty clinic. Revisions
    run one at a time, each in its own transaction, with ``on_step`` told before each.
    """
    current = current_revision(db)
    if current is None and not allow_new:
        raise NotOurFile(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "{path} holds no clinic data (it was emptied or replaced); "
                    "restore it from a backup.",
                ),
                path=str(db.path),
            )
        )
    # Read once for the whole upgrade: reading the folder loads and runs every script.
    script = ScriptDirectory.from_config(_config())
    head = target or _head(script)
    if current == head:
        return None
    known = {rev.revision for rev in script.walk_revisions()}
    if current is not None and current not in known:
        raise NotOurFile(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "This clinic's database was written by a newer version of Receptionist; "
                    "install that version or newer.",
                )
            )
        )
    steps = [rev.revision for rev in script.iterate_revisions(head, current or "base")][::-1]
    total = len(steps) + (1 if current is not None else 0)
    tell = on_step or (lambda done, total, what: None)
    copy = None
    if current is not None:
        _require_room(db)
        tell(0, total, "copy")
        copy = backup_before_upgrade(db, current)
    cfg = _config()
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        for i, revision in enumerate(steps):
            tell(total - len(steps) + i, total, revision)
            try:
                _step(cfg, script, revision)
            except Exception as exc:
                if is_disk_full(exc):  # the step's transaction is rolled back
                    raise _full_during_upgrade(db, copy, first_step=i == 0) from exc
                raise
            conn.commit()
    log.info(
        "schema upgraded from %s to %s in %d step%s%s",
        current or "empty",
        head,
        len(steps),
        "" if len(steps) == 1 else "s",
        f"; the copy from before is {copy}" if copy is not None else "",
    )
    tell(total, total, "done")
    return copy


def _step(cfg: Config, script: ScriptDirectory, revision: str) -> None:
    """One step, as ``alembic.command.upgrade(cfg, revision)`` takes it, on the scripts
    already read: the command reads the folder afresh each time (a new clinic's 28 steps
    loaded every script 28 times: an eighth of `init`'s CPU in a process of its own)."""

    def revisions(current: Any, context: Any) -> Any:
        return script._upgrade_revs(revision, current)

    with EnvironmentContext(
        cfg, script, fn=revisions, as_sql=False, starting_rev=None, destination_rev=revision
    ):
        script.run_env()


def _full_during_upgrade(db: Database, copy: Path | None, *, first_step: bool) -> DiskFull:
    """The error for a disk that filled up during a step (which was rolled back). If
    no step was kept, the file is as it was and the copy made for this upgrade only
    takes the space the next try needs: it goes."""
    if first_step and copy is not None:
        copy.unlink(missing_ok=True)
    return DiskFull(
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The disk holding {path} filled up during the upgrade; the unfinished "
                "step was undone and the clinic's data is safe. Free some space and open "
                "the clinic again.",
            ),
            path=str(db.path.parent),
        )
    )


def _require_room(db: Database) -> None:
    """Refuse, before anything is written, an upgrade the disk cannot hold: the copy
    is as large as the file, and a step's own writes may take as much again (0008
    rewrites every appointment in one transaction: its WAL peaked at 0.65x the file)."""
    size = files_size(db.path)
    short = space_short(db.path, 2 * size)
    if short is not None:
        raise DiskFull(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "Upgrading this clinic writes a copy of it in {path} first, and needs "
                    "{needed} free in all; the disk has {free}. Free some space (older "
                    "clinic.db.before-* copies can go once the clinic works) and open it "
                    "again; nothing was changed.",
                ),
                path=str(db.path.parent),
                needed=short[0],
                free=short[1],
            )
        )


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
    create_private(partial)
    try:
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
    except BaseException as exc:
        partial.unlink(missing_ok=True)  # a half-written copy is no copy
        if is_disk_full(exc):
            raise DiskFull(
                Text(
                    QT_TRANSLATE_NOOP(
                        "core",
                        "The disk holding {path} filled up while the copy was written; "
                        "nothing was changed. Free some space and try again.",
                    ),
                    path=str(target.parent),
                )
            ) from exc
        raise
    os.replace(partial, target)
    fsync_dir(target.parent)
