"""A hard stop for a test stuck in C code (a plugin: ``pytest_plugins`` in conftest.py).

pytest-timeout (``timeout`` in pyproject.toml) fails a test stuck in Python code once
its limit has passed: its signal handler runs between two Python instructions. A test
stuck in C code never gets there: a Qt call deadlocked on a lock that the DB worker
holds, maybe while that worker waits for the GIL, once hung CI for 90 minutes.
faulthandler's watchdog is a C thread that needs no GIL: ``hard_stop_after`` seconds
past the limit it prints every thread's stack and ends the process. Under xdist the
test is then reported as failed ("worker crashed") and a new worker runs the rest.
"""

from __future__ import annotations

import faulthandler
import os
from collections.abc import Generator

import pytest

_STDERR: list[int] = []  # the terminal's stderr, kept before capturing swaps fd 2


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "hard_stop_after",
        "seconds past pytest-timeout's limit after which a stuck test's process ends",
        default="30",
    )


def pytest_configure(config: pytest.Config) -> None:
    _STDERR.append(os.dup(2))


def limit_of(item: pytest.Item) -> float:
    """pytest-timeout's limit for ``item`` in seconds (0: none)."""
    marker = item.get_closest_marker("timeout")
    if marker is not None and (marker.args or "timeout" in marker.kwargs):
        return float(marker.args[0] if marker.args else marker.kwargs["timeout"])
    given = item.config.getoption("timeout", None)
    return float(given if given is not None else item.config.getini("timeout") or 0)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    limit = limit_of(item)
    if limit > 0 and _STDERR:
        after = float(item.config.getini("hard_stop_after"))
        faulthandler.dump_traceback_later(limit + after, exit=True, file=_STDERR[-1])
    try:
        yield
    finally:
        if limit > 0:
            faulthandler.cancel_dump_traceback_later()
