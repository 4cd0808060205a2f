"""The encrypted database: one SQLCipher 4 file per clinic, opened with a raw key.

Every connection is made by :func:`raw_connect`, which keys it *first*, reads from it
at once (a wrong key only fails at the first read), then sets the pragmas. The engine
is told to use ``sqlcipher3``: SQLAlchemy would otherwise fall back to the standard
``sqlite3`` module, which ignores ``PRAGMA key`` and writes a plaintext file.

Damage (a page that fails its HMAC, "database disk image is malformed", an I/O error,
a folder where the file should be) becomes one :class:`Damaged` error with one
sentence, wherever it is met: at open (with the cheap look at the pages of
:mod:`receptionist.store.pages`), and on every read, write and raw use. After it, the
:class:`Database` writes nothing more.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, NoReturn

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from receptionist.errors import Busy, Damaged, DiskFull, NotOurFile, UnlockError
from receptionist.events import Hub
from receptionist.logs import FILE_ONLY
from receptionist.safelog import describe
from receptionist.store import pages
from receptionist.store.folder import RESTORED_COPY
from receptionist.store.lock import SharedUse
from receptionist.texts import QT_TRANSLATE_NOOP, Text

log = logging.getLogger(__name__)

PLAINTEXT_MAGIC = b"SQLite format 3\x00"
DEFAULT_CACHE_MB = 256
# The page cache of a connection that made an unfolded write (``Database.write``'s
# ``fold=False``: the retention sweep's batches), kept until the connection closes. A
# page read back from the file is decrypted and its HMAC checked again; at 2,000,000
# appointments the batches' indexes outgrow 256 MB: a sweep took 77.0 s of CPU with
# 256 MB, 61.5 with 512 and 63.2 with 1,024 (load 8-10). Memory is taken only as
# pages are read: a day's sweep reads few.
SWEEP_CACHE_MB = 512
BUSY_TIMEOUT_MS = 10_000


# What a key's fingerprint is derived with: a different purpose than the key's own.
KEY_ID_LABEL = b"receptionist key id v1"


def key_id(key: bytes) -> str:
    """A fingerprint of the data ``key``: HMAC-SHA256 under the key of a fixed label,
    its first 16 hex digits. It tells two keys apart (a backup's manifest keeps it, so
    a backup made before a rekey is known as such) and gives nothing of the key."""
    return hmac.new(key, KEY_ID_LABEL, hashlib.sha256).hexdigest()[:16]


def key_pragma_value(key: bytes) -> str:
    """A raw 256-bit key as SQLCipher wants it: ``"x'<64 hex>'"``.

    Bytes given to ``set_key`` or a bare string would be taken as a passphrase and
    run through SQLCipher's own KDF, which is slow and not what we wrap.
    """
    if len(key) != 32:
        raise ValueError("the data key must be 32 bytes")
    return f"\"x'{key.hex()}'\""


def raw_connect(path: Path, key: bytes, *, cache_mb: int = DEFAULT_CACHE_MB) -> Any:
    """Open, key and verify one DB-API connection; raise a clear error on a bad key."""
    if path.exists() and not path.is_file():
        raise damage_error(f"{path.name} is not a file")
    conn = sqlcipher3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = {key_pragma_value(key)}")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError as exc:
            raise _classify_open_failure(path, exc) from exc
        conn.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise NotOurFile(
                Text(
                    QT_TRANSLATE_NOOP(
                        "core", "The database at {path} could not switch to WAL mode ({mode})."
                    ),
                    path=str(path),
                    mode=str(mode),
                )
            )
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute(f"PRAGMA cache_size = {-cache_mb * 1024}")
        conn.execute("PRAGMA temp_store = MEMORY")
    except BaseException:
        conn.close()
        raise
    return conn


def _classify_open_failure(path: Path, exc: BaseException) -> Exception:
    """Tell a wrong key from a file that is not ours or is damaged.

    A wrong key fails page 1's HMAC ("file is not a database"), and so does a damaged
    page 1: the caller tells these apart with a secret it can verify. Any other damage
    met here means page 1 decrypted, so the key is right and the file is damaged."""
    if is_damage(exc) and not _not_a_database(exc):
        return damage_error("the schema could not be read", exc)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return NotOurFile(
            Text(
                QT_TRANSLATE_NOOP("core", "The database file {path} cannot be read."),
                path=str(path),
            )
        )
    if head == PLAINTEXT_MAGIC:
        return NotOurFile(
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "{path} is an unencrypted SQLite file, not a Receptionist database."
                ),
                path=str(path),
            )
        )
    if size < 4096 or size % 1024 != 0:
        return NotOurFile(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "{path} is not a Receptionist database or it is truncated; "
                    "restore it from a backup.",
                ),
                path=str(path),
            )
        )
    return UnlockError(
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The key does not open this clinic's database. "
                "Check the passphrase or recovery code.",
            )
        )
    )


DAMAGED = QT_TRANSLATE_NOOP(
    "core",
    "The clinic file is damaged: run `receptionist check`, then restore the last good backup.",
)
# ``check`` opens a damaged file on purpose, to say what is wrong with it.
_examining: ContextVar[bool] = ContextVar("receptionist_examining", default=False)


@contextmanager
def examining() -> Iterator[None]:
    """Opens in this block skip the look at the pages (``check`` reads them all)."""
    token = _examining.set(True)
    try:
        yield
    finally:
        _examining.reset(token)


def damage_error(why: str, exc: BaseException | None = None) -> Damaged:
    """The one error for damage. ``why`` (technical, no data) and where ``exc`` was
    raised go to the log only: the person is told the sentence."""
    where = f": {describe(exc)}" if exc is not None else ""
    log.error("the clinic file is damaged (%s)%s", why, where, extra=FILE_ONLY)
    return Damaged(Text(DAMAGED))


class Database:
    """An open, unlocked clinic database: an engine and the sessions made from it.

    ``damaged`` turns true at the first damage met (then every write is refused)."""

    dbapi: Any = sqlcipher3

    def __init__(self, path: Path, key: bytes, *, cache_mb: int = DEFAULT_CACHE_MB) -> None:
        self.path = Path(path)
        self._key = key
        self.cache_mb = cache_mb
        self.damaged = False
        self._spare: Any = None  # the connection ``_verify`` opened, till the pool takes it
        # Held while the spare changes hands: the pool calls ``connect`` from whichever
        # thread wants a connection (the app's database worker, a job), and two threads
        # that both read the spare before either cleared it were given one connection.
        self._spare_lock = threading.Lock()
        # Held first: a rewrite (``compact``) cannot swap the file while we look at it.
        self._use = SharedUse(self.path)
        self._use.acquire()
        try:
            self._verify()
        except BaseException:
            self._use.release()
            raise
        self.engine: Engine = create_engine(
            "sqlite://",
            module=self.dbapi,
            creator=self.connect,
            poolclass=QueuePool,
            hide_parameters=True,  # no patient data in exception texts or logs
            pool_size=4,
            max_overflow=4,
            # The connection used last goes out first: its page cache holds what the
            # work before it read. In turn (the default), a sweep's batches alternated
            # between two idle connections, each starting with a cold cache (at 600,000
            # appointments 14.1 s of CPU and 256,600 pages written, against 12.3 s and
            # 243,900 with one connection: benchmarks/bench_sweep.py's notes).
            pool_use_lifo=True,
        )
        event.listen(self.engine, "begin", _on_begin)
        event.listen(self.engine, "checkin", _on_checkin)
        event.listen(self.engine, "handle_error", self._on_error)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(
            self.engine.execution_options(begin_immediate=True), expire_on_commit=False
        )
        self._relaxed = sessionmaker(
            self.engine.execution_options(begin_immediate=True, relaxed=True),
            expire_on_commit=False,
        )
        self._unfolded = sessionmaker(
            self.engine.execution_options(begin_immediate=True, relaxed=True, unfolded=True),
            expire_on_commit=False,
        )
        self._unchecked = sessionmaker(
            self.engine.execution_options(
                begin_immediate=True, relaxed=True, unfolded=True, unchecked=True
            ),
            expire_on_commit=False,
        )
        # What the core tells listeners about this clinic (journal.feed publishes the
        # changes each commit made; reactions and the app's views listen).
        self.events = Hub()
        self._after_commit: list[Callable[[], object]] = []
        self._on_close: list[Callable[[], object]] = []

    def twin(self) -> Database:
        """Another Database on this file and key, with connections of its own: for
        work off the app's one database worker (the background jobs). Its commits
        reach this one's listeners as another process's would (``data_version``)."""
        return Database(self.path, self._key, cache_mb=self.cache_mb)

    def on_close(self, hook: Callable[[], object]) -> None:
        """Call ``hook`` when this database is closed (before its connections go)."""
        self._on_close.append(hook)

    def after_commit(self, hook: Callable[[], object]) -> Callable[[], None]:
        """Call ``hook`` after each write this object commits; returns the removal call."""
        self._after_commit.append(hook)
        return lambda: self._after_commit.remove(hook) if hook in self._after_commit else None

    def _verify(self) -> None:
        """Fail now, with a clear message, rather than at the first query: the key
        opens the file, and (unless ``check`` is examining it) its pages look whole.
        The connection that passed becomes the pool's first (``connect``): opening one
        reads and parses the whole schema, which a one-shot command would pay twice."""
        conn = self.connect()  # a subclass's own (a plain reference file's), or ours
        try:
            found = None if _examining.get() else pages.problem(conn, self.path, self._key)
        except sqlcipher3.DatabaseError as exc:
            conn.close()
            if not is_damage(exc):
                raise
            found = f"{type(exc).__name__} while looking at the pages"
        except BaseException:
            conn.close()
            raise
        if found is not None:
            conn.close()
            raise damage_error(found)
        self._spare = conn

    def file_problem(self) -> str | None:
        """What the look at the pages made at open finds now (for ``check``)."""
        with self.raw() as conn:
            return pages.problem(conn, self.path, self._key)

    def _on_error(self, context: ExceptionContext) -> None:
        """Damage met anywhere through the engine (sessions, migrations) is raised as
        :class:`Damaged`, and the database is marked so nothing more is written."""
        error = context.original_exception
        if is_damage(error):
            self.damaged = True
            raise damage_error("met through the engine", error) from error

    def _plainly(self, exc: BaseException, *, writing: bool) -> Exception | None:
        """``exc`` in one sentence the user can act on (damage anywhere; a busy file
        or a full disk in a write), marking damage; None for anything else."""
        if isinstance(exc, Damaged) or is_damage(exc):
            self.damaged = True
            return exc if isinstance(exc, Damaged) else damage_error("met on the file", exc)
        return _plainly(exc, self.path) if writing else None

    def _refuse_if_look_only(self) -> None:
        # One stat of the mark beside the file (every opening puts it there when only
        # the file held it, ``copymark.carry``); the sentence is lookcopy's.
        if (self.path.parent / RESTORED_COPY).exists():
            from receptionist.store import lookcopy  # imported here: it reads the store

            lookcopy.refuse(self.path.parent, lookcopy.NO_WRITES)

    def _refuse_if_damaged(self) -> None:
        if self.damaged:
            raise damage_error("a write was refused after damage was met")

    def key_pragma(self) -> str:
        """The key as SQLCipher's ``KEY`` clause wants it (for ATTACH of copies)."""
        return key_pragma_value(self._key)

    def key_id(self) -> str:
        """The key's fingerprint (:func:`key_id`): never the key."""
        return key_id(self._key)

    def another(self) -> Database:
        """A second :class:`Database` on the same file and key, with connections of its
        own: for a thread that must not share this one's (the app's sync loop). Call it
        on that thread, and close it there."""
        return Database(self.path, self._key, cache_mb=self.cache_mb)

    def connect(self) -> Any:
        """A new keyed, verified DB-API connection (the engine's pool calls this): the
        first is the one the look at open used, outside any transaction."""
        spare = self._take_spare()
        if spare is not None:
            return spare
        return raw_connect(self.path, self._key, cache_mb=self.cache_mb)

    def _take_spare(self) -> Any:
        """The spare connection, to one caller only (None once taken)."""
        with self._spare_lock:
            spare, self._spare = self._spare, None
        return spare

    def session(self) -> Session:
        """A session for reading (a deferred transaction)."""
        return self._sessions()

    @contextmanager
    def write(
        self,
        *,
        relaxed: bool = False,
        fold: bool = True,
        checked: bool = True,
        in_copy: bool = False,
    ) -> Iterator[Session]:
        """A write transaction: BEGIN IMMEDIATE, committed on success, rolled back on error.

        Taking the write lock up front means two processes (the app and the CLI) queue
        on the busy timeout instead of failing with "database is locked" mid-way.

        ``relaxed``: committed without waiting for the disk (``synchronous = NORMAL``
        in WAL mode, for this transaction only), and its pages left in the WAL until
        it holds :data:`RELAXED_CHECKPOINT` of them. A power cut (not a crash of the
        program) may then undo it, whole, with every relaxed one after it; never a
        part of one, and the file stays sound. The next ordinary commit makes it
        durable. Only for work that is simply done again when undone: a pulled page
        with its cursor (a first download commits hundreds), a batch of the retention
        sweep (the next sweep finds its rows again).

        ``fold=False`` (with ``relaxed``): its commit folds no pages into the file
        whatever the WAL holds; the caller folds them (:meth:`fold`) once it has let go
        of the write lock (the sweep, between its batches).

        ``checked=False`` (with ``relaxed`` and ``fold=False``): foreign keys are not
        enforced in it (``PRAGMA foreign_keys`` off, set back when the connection
        returns to the pool). Only for deletions that remove every referencing row
        first themselves, in the same write: the sweep's batches, whose list of those
        tables a test compares with the schema's foreign keys. Each deleted row's
        lookups of its referencing rows were a quarter of the statements' CPU there.

        In a copy restored to look at (``store/lookcopy.py``) every write is refused here,
        the one seam all the core's writes go through (``lookcopy.LookOnlyCopy``, with
        its sentence), except those that say ``in_copy=True``: what opening it needs
        (the mark carried, a restore into it, a sign-in) and adopting it.
        """
        self._refuse_if_damaged()
        if not in_copy:
            self._refuse_if_look_only()
        if not checked and (fold or not relaxed):
            raise ValueError("checked=False is for relaxed, unfolded writes only")
        maker = self._writer if not relaxed else self._relaxed if fold else self._unfolded
        maker = maker if checked else self._unchecked
        try:
            with maker() as session, session.begin():
                yield session
        except Exception as exc:
            self._raise_plainly(exc, writing=True)
        for hook in list(self._after_commit):
            try:
                hook()
            except Exception as exc:  # the write is committed: a listener's bug is not its failure
                log.error("an after-commit hook failed: %s", describe(exc))

    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with self._sessions() as session, session.begin():
                yield session
        except Exception as exc:
            self._raise_plainly(exc, writing=False)

    @contextmanager
    def raw(self) -> Iterator[Any]:
        """A pooled DB-API connection outside any transaction (for pragmas that need it)."""
        try:
            with self.engine.connect() as conn:
                driver = conn.connection.driver_connection
                assert driver is not None
                yield driver
        except Exception as exc:
            self._raise_plainly(exc, writing=False)

    def _raise_plainly(self, exc: Exception, *, writing: bool) -> NoReturn:
        clear = self._plainly(exc, writing=writing)
        if clear is None or clear is exc:
            raise exc
        raise clear from exc

    def fold(self) -> None:
        """Fold what the WAL holds into the main file as far as readers allow, waiting
        for no one and holding no write lock (a desk's write may commit meanwhile)."""
        self._refuse_if_damaged()
        with self.raw() as conn:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def checkpoint(self) -> None:
        """Fold the WAL into the main file and truncate it."""
        self._refuse_if_damaged()
        with self.raw() as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def close(self) -> None:
        for hook in self._on_close:
            hook()
        self._on_close.clear()
        # The error listener sits on the engine's dialect, which the mappers' caches of
        # compiled statements keep as a key: left there, it kept this closed database
        # (its engine, its statement cache) alive in a process that opens many.
        if event.contains(self.engine, "handle_error", self._on_error):
            event.remove(self.engine, "handle_error", self._on_error)
        spare = self._take_spare()
        if spare is not None:  # never taken: no query was made
            spare.close()
        self.engine.dispose()
        self._use.release()


def _on_begin(conn: Any) -> None:
    options = conn.get_execution_options()
    if options.get("relaxed"):  # set outside a transaction: SQLite refuses it inside
        conn.exec_driver_sql("PRAGMA synchronous = NORMAL")
        folded = 0 if options.get("unfolded") else RELAXED_CHECKPOINT  # 0: never at commit
        conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint = {folded}")
        if options.get("unfolded"):
            _widen_cache(conn, SWEEP_CACHE_MB)
        conn.connection.info[_RELAXED] = True
    if options.get("unchecked"):  # as ``synchronous``: not inside a transaction
        conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
    if options.get("begin_immediate"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def _widen_cache(conn: Any, mb: int) -> None:
    """The connection's page cache made at least ``mb`` (never smaller)."""
    size = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    if (-size if size < 0 else size * 4096 // 1024) < mb * 1024:
        conn.exec_driver_sql(f"PRAGMA cache_size = {-mb * 1024}")


_RELAXED = "relaxed"
# WAL pages a relaxed write may leave before its commit folds them into the file (64 MB;
# SQLite's default, kept otherwise, is 1,000): a download's pages, each thousands of
# pages, were folded in at every commit, the same pages again and again.
RELAXED_CHECKPOINT = 16_384
CHECKPOINT = 1_000


def _on_checkin(dbapi_connection: Any, record: Any) -> None:
    """A connection that committed a relaxed write goes back to the pool durable, and
    checking foreign keys (``Database.write``'s ``checked``)."""
    if record.info.pop(_RELAXED, False) and dbapi_connection is not None:
        dbapi_connection.execute("PRAGMA synchronous = FULL")
        dbapi_connection.execute(f"PRAGMA wal_autocheckpoint = {CHECKPOINT}")
        dbapi_connection.execute("PRAGMA foreign_keys = ON")


def db_files(path: Path) -> list[Path]:
    """The database and its WAL side files that exist now."""
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]


SQLITE_BUSY, SQLITE_LOCKED, SQLITE_FULL = 5, 6, 13
SQLITE_ERROR, SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_NOTADB = 1, 10, 11, 26
# The I/O errors that say the file cannot be read or written (SQLITE_IOERR itself and
# its READ, SHORT_READ, WRITE, FSYNC, TRUNCATE, FSTAT, SEEK, DATA and CORRUPTFS), not
# those of locks, the -shm file, memory or paths, which say nothing of the file.
_IOERR_OF_THE_FILE = {SQLITE_IOERR} | {
    SQLITE_IOERR | (n << 8) for n in (1, 2, 3, 4, 6, 7, 22, 32, 33)
}
# What SQLite says of damage when a wrapped error has lost its code.
_DAMAGE_WORDS = ("database disk image is malformed", "file is not a database", "disk I/O error")
SPACE_MARGIN = 64 * 1024 * 1024  # beyond the copy: journals, the file system's own needs


def files_size(path: Path) -> int:
    """The bytes of the database and its WAL side files."""
    return sum(p.stat().st_size for p in db_files(path))


def space_short(path: Path, needed: int) -> tuple[str, str] | None:
    """``(needed, free)`` as people read sizes, if the disk holding ``path`` lacks
    ``needed`` bytes and a margin; ``None`` when there is room."""
    free = shutil.disk_usage(path.parent).free
    if free >= needed + SPACE_MARGIN:
        return None
    return human_size(needed + SPACE_MARGIN), human_size(free)


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or the driver error SQLAlchemy wrapped in it) says the disk
    is full: SQLite's SQLITE_FULL, or ENOSPC from the operating system. Inside
    ``sqlcipher_export`` the code is lost (the function fails with SQLITE_ERROR) and
    only SQLite's message for SQLITE_FULL says it."""
    for error in (exc, getattr(exc, "orig", None)):
        if getattr(error, "sqlite_errorcode", None) == SQLITE_FULL:
            return True
        if isinstance(error, sqlcipher3.Error) and "database or disk is full" in str(error):
            return True
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            return True
    return False


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` (or the driver error in it) is SQLite's "database is locked":
    another connection kept the write lock past the busy timeout."""
    for error in (exc, getattr(exc, "orig", None)):
        if getattr(error, "sqlite_errorcode", None) in (SQLITE_BUSY, SQLITE_LOCKED):
            return True
        if isinstance(error, sqlcipher3.OperationalError) and "database is locked" in str(error):
            return True
    return False


def _extended_code(exc: BaseException) -> int | None:
    """SQLite's (extended) result code in ``exc`` or the driver error wrapped in it;
    the primary code is its low byte."""
    for error in (exc, getattr(exc, "orig", None)):
        code = getattr(error, "sqlite_errorcode", None)
        if isinstance(code, int):
            return code
    return None


def _not_a_database(exc: BaseException) -> bool:
    """SQLITE_NOTADB: page 1 fails its HMAC (a wrong key, or page 1 damaged)."""
    code = _extended_code(exc)
    if code is not None and code & 0xFF == SQLITE_NOTADB:
        return True
    return "file is not a database" in str(exc)


def is_damage(exc: BaseException) -> bool:
    """Whether ``exc`` (or the driver error in it) says the file is damaged: a page
    that fails its HMAC or its structure (SQLITE_CORRUPT, SQLITE_NOTADB) or cannot be
    read or written (the I/O errors of the file, not those of locks or memory)."""
    if isinstance(exc, Damaged):
        return True
    code = _extended_code(exc)
    if code is not None and code & 0xFF != SQLITE_ERROR:
        return code & 0xFF in (SQLITE_CORRUPT, SQLITE_NOTADB) or code in _IOERR_OF_THE_FILE
    # No code, or the generic one of a function that failed (``sqlcipher_export``):
    # only SQLite's own words say what happened.
    return any(
        isinstance(error, sqlcipher3.DatabaseError) and any(w in str(error) for w in _DAMAGE_WORDS)
        for error in (exc, getattr(exc, "orig", None))
    )


def _plainly(exc: BaseException, path: Path) -> Exception | None:
    """A write that failed for a reason of the file, not of the data, in one sentence
    the user can act on; None for anything else."""
    if is_busy(exc):
        return Busy(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The clinic's data is busy: another program kept it locked for more "
                    "than {seconds} seconds. Nothing was changed; try again in a moment.",
                ),
                seconds=str(BUSY_TIMEOUT_MS // 1000),
            )
        )
    if is_disk_full(exc):
        return DiskFull(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The disk holding {path} is full. Nothing was changed; free some "
                    "space and try again.",
                ),
                path=str(path.parent),
            )
        )
    return None


def human_size(n: int) -> str:
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def create_private(path: Path) -> None:
    """An empty file only its owner may read or write, for SQLite to fill.

    SQLite creates a missing file with the process's umask (often world-readable) and
    gives its journals the same mode, so a copy, a rekeyed file or a new database is
    created here first. Encrypted or not, clinic files are nobody else's to read.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    if os.name == "posix":
        os.chmod(path, 0o600)  # the file may have existed with another mode


def fsync_dir(directory: Path) -> None:
    if os.name == "posix":
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
