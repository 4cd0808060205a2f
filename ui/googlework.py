"""Google calls from the app: every one on the one Google thread
(``sync.google.worker``; httplib2 is not thread-safe), the answer back on the GUI
thread through the database worker's delivery (``TaskManager.post``), never while
the owner is gone."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from PySide6.QtCore import QObject

from sync.google import worker

from .tasks import TaskManager

T = TypeVar("T")


def on_google(
    tasks: TaskManager,
    work: Callable[[], T],
    ok: Callable[[T], None],
    bad: Callable[[BaseException], None],
    owner: QObject,
    run_on: Callable[[Callable[[], T]], Future[T]] = worker.submit,
) -> Future[T]:
    """Run ``work`` on the Google thread (or ``run_on``: ``worker.apart`` for a browser
    sign-in); ``ok(result)`` or ``bad(error)`` on the GUI thread afterwards."""
    future = run_on(work)

    def deliver(done: Future[T]) -> None:
        error = done.exception()
        tasks.post(
            (lambda: bad(error)) if error is not None else (lambda: ok(done.result())), owner
        )

    future.add_done_callback(deliver)
    return future
