"""The one thread every Google call runs on: httplib2 connections are not
thread-safe, so the app's timer, the CLI and the tests all hand their round here."""

from __future__ import annotations

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
