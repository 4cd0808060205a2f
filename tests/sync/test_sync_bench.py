"""The end-to-end sync benchmark still runs, on a tiny clinic (its figures mean nothing
here; ``python benchmarks/bench_sync.py`` is the real run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def test_the_sync_benchmark_runs(tmp_path: Path) -> None:
    args = ["--scale", "0.0002", "--runs", "1", "--fast-keys",
            "--database", f"sqlite:///{tmp_path / 'e.db'}"]  # fmt: skip
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_sync.py"), *args],
        cwd=REPO, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(a) push of" in done.stdout
    assert "(b) first download of 40 patients and 100 appointments" in done.stdout
    assert "PCs pulling every" in done.stdout
