"""The change feed's triggers, as SQL: one set per synced table.

A migration that adds, removes or renames a column of a synced table must drop and
re-create that table's triggers with :func:`install` and the new column list (a
frozen copy in the migration); ``tests/test_change_feed.py`` fails if the triggers of
the newest schema miss a column of the models. The appointment's update trigger also
writes ``change_log.moved`` (0032): re-create it with the migration's frozen ``moved``
expression, or the reminders' takeover takes every change for a move again.
"""

from __future__ import annotations

from collections.abc import Iterable

from alembic import op

# Where a change comes from: NULL for this PC, else the device sync is applying.
ORIGIN = "(SELECT device_id FROM change_origin WHERE id = 1)"
KIND = (
    "CASE WHEN NEW.deleted_at IS NOT NULL AND OLD.deleted_at IS NULL"
    " THEN 'delete' ELSE 'update' END"
)
SYNCED = ("id", "created_at", "updated_at", "version", "deleted_at")


def trigger_sql(table: str, columns: Iterable[str], moved: str | None = None) -> list[str]:
    """The three triggers that log ``table``'s inserts, updates and deletes.

    An update is logged only when one of ``columns`` (its synced columns; local ones
    such as a search key are left out) changed, so the triggers that keep local copies
    up to date add nothing to the feed. ``moved``: an SQL condition on NEW and OLD whose
    value an update's entry keeps in ``change_log.moved`` (else NULL: not said).
    """
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in (*SYNCED, *columns))
    insert = "INSERT INTO change_log (entity, row_id, version, kind, origin, at) VALUES"
    update, flag = insert, ""
    if moved is not None:
        update = "INSERT INTO change_log (entity, row_id, version, kind, origin, at, moved) VALUES"
        flag = f", ({moved})"
    return [
        f"CREATE TRIGGER tr_feed_{table}_insert AFTER INSERT ON {table} BEGIN"
        f" {insert} ('{table}', NEW.id, NEW.version, 'insert', {ORIGIN}, NEW.updated_at); END",
        f"CREATE TRIGGER tr_feed_{table}_update AFTER UPDATE ON {table} WHEN {changed} BEGIN"
        f" {update} ('{table}', NEW.id, NEW.version, {KIND}, {ORIGIN}, NEW.updated_at{flag});"
        " END",
        f"CREATE TRIGGER tr_feed_{table}_delete AFTER DELETE ON {table} BEGIN"
        f" {insert} ('{table}', OLD.id, OLD.version, 'purge', {ORIGIN},"
        " coalesce(OLD.deleted_at, OLD.updated_at)); END",
    ]


def install(table: str, columns: Iterable[str], moved: str | None = None) -> None:
    drop(table)
    for sql in trigger_sql(table, columns, moved):
        op.execute(sql)


def drop(table: str) -> None:
    for what in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS tr_feed_{table}_{what}")
