"""The Google benchmark still runs, end to end, at a tiny size (its own assertions:
every appointment pushed once, at most one request per changed event)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent.parent


def test_bench_google_runs_small() -> None:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_google.py"), "--appointments", "40",
         "--changes", "10"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "10 requests for 10 changed events" in done.stdout
