"""The endpoint's benchmark still runs, end to end, on a tiny load (its figures mean
nothing here; ``python benchmarks/bench_sync_server.py`` is the real run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def test_the_endpoint_benchmark_runs(tmp_path: Path) -> None:
    args = ["--changes", "300", "--batch", "100", "--pcs", "3", "--interval", "0.2",
            "--duration", "1", "--database", f"sqlite:///{tmp_path / 'bench.db'}"]  # fmt: skip
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_sync_server.py"), *args],
        cwd=REPO, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "push 300 changes in batches of 100" in done.stdout
    assert "3 PCs pulling every 0.2 s" in done.stdout
