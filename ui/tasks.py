"""One worker thread for all database work, with callbacks delivered on the GUI thread.

The pattern is Anki's ``taskman`` and ``CollectionOp``: widgets never touch the
database; they hand a function to the one worker and get its result (or its failure)
back as a call on the GUI thread::

    DbOp(tasks, lambda db: load_something(db)).success(show_it).run()

One worker means database work is serialised: a write queued after a read sees the
read finish first, and no two threads race on one SQLCipher connection. A failure
with no handler of its own goes to :func:`ui.messages.report_exception`.

Long work takes a :class:`Progress`: the task reports how far it got (delivered on
the GUI thread, at most once per percent) and calls ``check()`` between steps; the
GUI's ``cancel()`` makes the next check raise :class:`Cancelled`, which a write
transaction rolls back like any other exception. A cancelled task with no failure
handler of its own ends quietly::

    progress = Progress(tasks, dialog.show_progress, owner=dialog)
    DbOp(tasks, lambda db: import_file(db, progress)).cancellable(progress).run()
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot

from receptionist.store.storage import Database

from . import messages

T = TypeVar("T")
Success = Callable[[T], None]
Failure = Callable[[BaseException], None]


def on_gui_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


class TaskManager(QObject):
    """The database worker: one thread, results back on the GUI thread by a signal."""

    busyChanged = Signal(bool)
    # Emitted at the start of shutdown(), while work may still be queued: the last
    # chance to hand the worker clean-up (the clinic events' follower, for one).
    shuttingDown = Signal()
    _deliver = Signal(object)

    def __init__(self, parent: QObject | None = None, *, name: str = "receptionist-db") -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._pending = 0
        self._closed = False
        self.db: Database | None = None
        self._deliver.connect(self._on_deliver, Qt.ConnectionType.QueuedConnection)

    def run(
        self,
        fn: Callable[[], T],
        on_success: Success[T] | None = None,
        on_failure: Failure | None = None,
        owner: QObject | None = None,
    ) -> Future[T]:
        """Run ``fn`` on the worker; call back on the GUI thread (unless ``owner`` is gone)."""
        if self._closed:
            raise RuntimeError("the database worker has been shut down")
        self._count(+1)
        future = self._pool.submit(fn)
        future.add_done_callback(lambda f: self._post(f, on_success, on_failure, owner))
        return future

    def database(self) -> Database:
        """The open clinic database; call it from inside a task."""
        if on_gui_thread():
            raise RuntimeError("database work belongs on the worker, not the GUI thread")
        if self.db is None:
            raise RuntimeError("no clinic database is open")
        return self.db

    def post(self, fn: Callable[[], None], owner: QObject | None = None) -> None:
        """Call ``fn`` on the GUI thread soon (from any thread), unless ``owner`` is gone."""
        if shiboken6.isValid(self):
            self._deliver.emit(lambda: _call_if_alive(fn, owner))

    def pending(self) -> int:
        return self._pending

    def closed(self) -> bool:
        """Whether the worker was shut down (and takes no more work)."""
        return self._closed

    def shutdown(self) -> None:
        """Finish queued work, close the database (on the worker too); drop late callbacks."""
        if self._closed:
            return
        self.shuttingDown.emit()
        self._closed = True  # refuses new work; what is queued still runs with the database
        self._pool.submit(self._close_database)
        self._pool.shutdown(wait=True)

    def release(self) -> None:
        """Take no more work and let go of the thread without waiting: for a worker
        that holds no database of its own (its tasks open and close theirs), owned by
        a widget that is going away. Work already running finishes on its thread; its
        callbacks are dropped with the widget."""
        self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _close_database(self) -> None:
        """The last task on the worker: queued saves have run, now close the file."""
        db, self.db = self.db, None
        if db is not None:
            db.close()

    def _post(
        self,
        future: Future[Any],
        ok: Success[Any] | None,
        bad: Failure | None,
        owner: QObject | None,
    ) -> None:
        if shiboken6.isValid(self):  # runs on the worker; the emit queues to the GUI thread
            self._deliver.emit(lambda: self._finish(future, ok, bad, owner))

    @Slot(object)
    def _on_deliver(self, closure: Callable[[], None]) -> None:
        closure()

    def _finish(
        self,
        future: Future[Any],
        ok: Success[Any] | None,
        bad: Failure | None,
        owner: QObject | None,
    ) -> None:
        self._count(-1)
        if owner is not None and not shiboken6.isValid(owner):
            return
        exc = future.exception()
        if isinstance(exc, Cancelled) and bad is None:
            return  # the user asked for it; nothing to tell
        if exc is not None:
            (bad or messages.report_exception)(exc)
        elif ok is not None:
            ok(future.result())

    def _count(self, delta: int) -> None:
        was_busy = self._pending > 0
        self._pending += delta
        if (self._pending > 0) != was_busy:
            self.busyChanged.emit(self._pending > 0)


def _call_if_alive(fn: Callable[[], None], owner: QObject | None) -> None:
    if owner is None or shiboken6.isValid(owner):
        fn()


class Cancelled(Exception):
    """The user cancelled a task; whatever it had begun to write was rolled back."""


Report = Callable[[int, int], None]  # done, total (total 0: how much is not known)


class Progress:
    """A task's progress and cancel switch, shared by the worker and the GUI thread.

    The worker calls :meth:`report` and :meth:`check`; the GUI thread calls
    :meth:`cancel`. Reports reach ``on_report`` on the GUI thread, only when the whole
    percent changes (and for every change while the total is unknown).
    """

    def __init__(
        self, tasks: TaskManager, on_report: Report | None = None, owner: QObject | None = None
    ) -> None:
        self._tasks, self._on_report, self._owner = tasks, on_report, owner
        self._cancelled = threading.Event()
        self._last: tuple[int, int] | None = None

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if the user cancelled."""
        if self._cancelled.is_set():
            raise Cancelled("cancelled")

    def report(self, done: int, total: int = 0) -> None:
        step = (done * 100 // total, total) if total > 0 else (done, 0)
        if step == self._last or self._on_report is None:
            return
        self._last = step
        callback = self._on_report
        self._tasks.post(lambda: callback(done, total), self._owner)


class DbOp(Generic[T]):
    """A database operation: ``op(db)`` on the worker, typed callbacks on the GUI thread."""

    def __init__(
        self, tasks: TaskManager, op: Callable[[Database], T], owner: QObject | None = None
    ) -> None:
        self._tasks = tasks
        self._op = op
        self._owner = owner
        self._success: Success[T] | None = None
        self._failure: Failure | None = None
        self._progress: Progress | None = None

    def success(self, callback: Success[T]) -> DbOp[T]:
        self._success = callback
        return self

    def failure(self, callback: Failure) -> DbOp[T]:
        self._failure = callback
        return self

    def cancellable(self, progress: Progress) -> DbOp[T]:
        """Cancelled before the worker reaches it, the op does not start at all."""
        self._progress = progress
        return self

    def run(self) -> Future[T]:
        tasks, progress = self._tasks, self._progress

        def work() -> T:
            if progress is not None:
                progress.check()
            return self._op(tasks.database())

        return tasks.run(work, self._success, self._failure, self._owner)
