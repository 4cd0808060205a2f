"""The one thread every Google call runs on: httplib2 connections are not
thread-safe, so the app's timer, the CLI and the tests all hand their round here."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="google")


def on_google_thread(work: Callable[[], T]) -> T:
    """Run ``work`` on the Google thread and wait for it (its errors come back)."""
    return _THREAD.submit(work).result()


def submit(work: Callable[[], T]) -> Future[T]:
    """Queue ``work`` on the Google thread without waiting (the app's page uses it)."""
    return _THREAD.submit(work)


def apart(work: Callable[[], T], name: str = "google-sign-in") -> Future[T]:
    """Run ``work`` on a thread of its own (a browser sign-in: it makes no httplib2
    call, and may wait minutes for the person, so it never holds the Google thread)."""
    future: Future[T] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(work())
        except BaseException as exc:  # handed to whoever waits on the future
            future.set_exception(exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future
