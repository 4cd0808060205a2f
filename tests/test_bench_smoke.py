"""The benchmark scripts still run: both, end to end, on a tiny generated clinic.

Figures from a clinic this small mean nothing; the point is that the scripts cannot
rot while the core and the UI change under them. The real runs are
``python benchmarks/bench_core.py`` and ``python benchmarks/bench_ui.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
SCALE = "0.002"  # 400 patients, 4,000 appointments
# Not what these runs are for: real key derivation (a quarter of a second a time, a
# dozen times) and sixty runs of the machine-speed loop. Each line is still printed.
QUICK = ("--fast-keys", "--speed-runs", "3")


def _start(script: str, data: Path, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.update(
        RECEPTIONIST_BENCH_DIR=str(data),
        QT_QPA_PLATFORM="offscreen",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    env.pop("RECEPTIONIST_PASSPHRASE", None)
    env.pop("RECEPTIONIST_PASSPHRASE_FILE", None)
    return subprocess.Popen(
        [sys.executable, str(REPO / "benchmarks" / script), "--scale", SCALE, *QUICK, *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _output(proc: subprocess.Popen[str]) -> str:
    try:
        out, _ = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        pytest.fail("benchmark script timed out:\n" + out)
    assert proc.returncode == 0, out
    return out


def test_bench_scripts_run_on_a_tiny_clinic(tmp_path: Path) -> None:
    # Side by side, each with its own data folder (each builds its own tiny clinic).
    core = _start(
        "bench_core.py", tmp_path / "core", "--weeks", "4", "--bookings", "8",
        "--patients-typed", "3",
    )  # fmt: skip
    ui = _start(
        "bench_ui.py", tmp_path / "ui", "--weeks", "3", "--frames", "10", "--patients-typed", "2"
    )
    try:
        core_out, ui_out = _output(core), _output(ui)
    finally:  # one failed: the other is not left running into later tests
        for proc in (core, ui):
            if proc.poll() is None:
                proc.kill()
                proc.communicate()

    for name in ("search as you type", "week, 20 providers", "booking", "open + unlock"):
        assert name in core_out, core_out
    assert "[ratio SQLCipher / plain SQLite" in core_out
    for name in (
        "week shown: jump to a random week",
        "week shown: next week",
        "scroll + repaint: vertical",
        "scroll + repaint: horizontal",
        "typeahead: booking dialog",
        "typeahead: Patients window",
        "UI thread, all measured phases",
    ):
        assert name in ui_out, ui_out
    assert "140 columns" in ui_out, ui_out  # the week: 7 days x 20 providers


def test_the_reminders_benchmark_runs_on_a_few_appointments(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "benchmarks" / "bench_reminders.py"),
         "--appointments", "200", "--rounds", "1"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    out = _output(proc)
    assert "plan, nothing new" in out and "median" in out
