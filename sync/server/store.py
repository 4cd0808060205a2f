"""The endpoint's database: which URLs it takes, its engine, and its transactions.

A write holds its clinic's lock (:func:`lock_clinic`), so one clinic's writes are
serialised and its server sequence is commit order: on PostgreSQL the clinic's row
``SELECT ... FOR UPDATE``; on SQLite every write transaction begins IMMEDIATE (one
writer at a time for the whole file). A read sees one snapshot: REPEATABLE READ on
PostgreSQL, a deferred transaction (WAL) on SQLite.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Row, create_engine, event, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from receptionist.errors import NotFound, ReceptionistError, ValidationError
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import migrate
from .schema import clinic

SQLITE_BUSY_MS = 30_000


class Unreachable(ReceptionistError):
    """The endpoint's database cannot be reached or opened."""

    exit_code = 3


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: committed at the end, rolled back on any error."""
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One read-only snapshot."""
        with self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin():
                yield conn

    def close(self) -> None:
        self.engine.dispose()


def lock_clinic(conn: Connection, clinic_id: str) -> Row[Any]:
    """The clinic's row, locked until the transaction ends."""
    row = conn.execute(select(clinic).where(clinic.c.id == clinic_id).with_for_update()).first()
    if row is None:
        raise NotFound(Text(QT_TRANSLATE_NOOP("core", "The endpoint has no such clinic.")))
    return row


def open_store(database_url: str) -> Store:
    """The endpoint's database at ``database_url``, its schema brought up to date."""
    url = parse_url(database_url)
    engine = _sqlite_engine(url) if url.get_backend_name() == "sqlite" else _pg_engine(url)
    try:
        migrate.upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        raise Unreachable(_unreachable(url)) from exc
    except BaseException:
        engine.dispose()
        raise
    return Store(engine)


def _unreachable(url: URL) -> Text:
    return Text(
        QT_TRANSLATE_NOOP(
            "core",
            "The endpoint's database {database} cannot be reached or opened; check the "
            "--database value, and that its server runs and lets this user in.",
        ),
        database=url.render_as_string(hide_password=True),
    )


def parse_url(database_url: str) -> URL:
    """``sqlite:///PATH`` or ``postgresql+psycopg://...`` (``postgresql://`` and
    ``postgres://`` mean psycopg too); ValidationError naming ``--database`` if not."""
    try:
        url = make_url(database_url.replace("postgres://", "postgresql://", 1))
    except ArgumentError:
        raise ValidationError("database", _bad_url()) from None
    # psycopg2 is not installed: "postgresql://" means psycopg (3) here.
    if url.get_backend_name() == "postgresql" and url.get_driver_name() in ("psycopg", "psycopg2"):
        return url.set(drivername="postgresql+psycopg")
    sqlite = url.drivername in ("sqlite", "sqlite+pysqlite")
    if sqlite and url.database and url.database != ":memory:" and not url.query:
        path = Path(url.database)
        if not path.parent.is_dir():
            raise ValidationError("database", _no_folder(str(path.parent)))
        return url.set(drivername="sqlite+pysqlite", database=str(path))
    raise ValidationError("database", _bad_url())


def _bad_url() -> Text:
    return Text(
        QT_TRANSLATE_NOOP(
            "core",
            "The --database value is not a database the endpoint can use: give "
            "sqlite:///PATH (a file) or postgresql+psycopg://USER@HOST/DATABASE.",
        )
    )


def _no_folder(folder: str) -> Text:
    return Text(
        QT_TRANSLATE_NOOP(
            "core",
            "The folder {folder} of the --database file does not exist; create it or "
            "give another path.",
        ),
        folder=folder,
    )


def _sqlite_engine(url: URL) -> Engine:
    path = Path(str(url.database))
    if not path.exists():  # only its operator reads it: tokens' hashes are in it
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    engine = create_engine(url, pool_size=8, max_overflow=24, pool_timeout=60)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # BEGIN is ours (below), not the driver's
        cursor = dbapi_conn.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=FULL",
            "foreign_keys=ON",
            f"busy_timeout={SQLITE_BUSY_MS}",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _pg_engine(url: URL) -> Engine:
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
