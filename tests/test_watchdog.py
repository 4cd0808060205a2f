"""A test stuck in C code, holding the GIL, is ended instead of hanging the run
(tests/watchdog.py): pytest-timeout's signal never reaches it; the watchdog does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

STUCK = """
import ctypes
import time


def test_stuck_in_python():
    time.sleep(60)


def test_stuck_in_c_holding_the_gil():
    libc = ctypes.PyDLL(None)  # PyDLL: the GIL stays held through the call
    mutex = ctypes.create_string_buffer(64)  # zeros: a fresh mutex on glibc
    libc.pthread_mutex_lock(mutex)
    libc.pthread_mutex_lock(mutex)  # never returns
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mutex")
def test_a_stuck_test_fails_at_the_limit_and_one_stuck_in_c_is_ended(tmp_path: Path) -> None:
    (tmp_path / "test_stuck.py").write_text(STUCK, encoding="utf-8")
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    env["PYTHONPATH"] = str(Path(__file__).parent)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "pytest_timeout", "-p", "watchdog", "-v",
         "-p", "no:cacheprovider", "--rootdir", str(tmp_path), "-c", os.devnull,
         "--timeout", "0.5", "-o", "hard_stop_after=0.5", "test_stuck.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "test_stuck_in_python FAILED" in done.stdout, done.stdout
    # The first test's watchdog was stopped after it; the second's ended the process.
    assert done.stderr.count("Timeout (0:00:01)!") == 1, done.stderr
    assert "test_stuck_in_c_holding_the_gil" in done.stderr, "the stuck test's stack"
    assert done.returncode != 0
