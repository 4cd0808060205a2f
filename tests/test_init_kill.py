"""``init`` and ``demo`` killed with SIGKILL at every step: all or nothing.

Until the recovery code has been shown (for the demo: until it is filled), a killed
set-up leaves no clinic: every command says the set-up never finished, and the next
``init`` (or ``demo``) into the folder starts over and makes a clinic that works.
Once it finished, the clinic is whole and ``init`` refuses the folder.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from receptionist.cli.main import main
from receptionist.demo.clinic import open_demo

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX"),
]

# Runs the CLI with one function stopped before or after its call (argv[1] is
# "module:function:before|after"), and says so on stderr: the test kills it there.
# Its key derivation and password hashing are the tests' cheap ones (templates.py), as
# in the test's own process, which opens what the child left: the same steps run and
# are killed; a quarter of a second of Argon2id per key slot and password is not what
# these tests are about (test_cli_flow.py runs a real-cost init in a process of its own).
DRIVER = textwrap.dedent(
    """
    import importlib, os, signal, sys
    from argon2 import PasswordHasher
    from receptionist.staff import accounts
    from receptionist.store import keys

    keys.DEFAULT_KDF = keys.KdfParams(time_cost=1, memory_kib=1024, parallelism=1)
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    accounts._DUMMY_HASH = accounts._hasher.hash("timing-equaliser")

    from receptionist.cli.main import main

    module, name, when = sys.argv[1].split(":")
    target = importlib.import_module(module)
    real = getattr(target, name)

    def stop():
        os.write(2, b"STOPPED HERE\\n")
        while True:
            signal.pause()

    def stopped(*args, **kwargs):
        if when == "before":
            stop()
        result = real(*args, **kwargs)
        if when == "after":
            stop()
        return result

    setattr(target, name, stopped)
    sys.exit(main(sys.argv[2:]))
    """
)
INIT = ["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/Istanbul",
        "--region", "TR", "--admin-user", "admin"]  # fmt: skip
DEMO = ["demo", "--patients", "20", "--appointments", "30", "--providers", "2"]

# Every step of a set-up, in order; the last is after it finished.
INIT_STEPS = [
    "receptionist.ops.setup:create:before",  # the marker only
    "receptionist.store.vault:create_private:before",  # + the key file
    "receptionist.store.migrate:upgrade:before",  # + an encrypted database, no tables
    "receptionist.ops.setup:_first_rows:before",  # + the tables, no administrator
    "receptionist.ops.setup:_first_rows:after",  # + the administrator, no code shown
    "receptionist.ops.setup:finish_setup:before",  # + the code shown
]
FINISHED = "receptionist.ops.setup:finish_setup:after"


@contextmanager
def _stopped_at(step: str, argv: list[str]) -> Iterator[list[str]]:
    """The CLI in a process of its own (no keychain), stopped at ``step`` while the
    block runs, then killed with SIGKILL; the list it yields gets what it printed."""
    env = dict(os.environ)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER, step, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    printed: list[str] = []
    try:
        assert proc.stderr is not None
        said = proc.stderr.readline()
        assert said == "STOPPED HERE\n", said + proc.stderr.read()
        yield printed
    finally:
        proc.send_signal(signal.SIGKILL)
        printed.append(proc.communicate(timeout=60)[0])
    assert proc.returncode == -signal.SIGKILL


def _killed_at(step: str, argv: list[str]) -> str:
    """Run the CLI, kill it at ``step``; what it printed on stdout by then."""
    with _stopped_at(step, argv) as printed:
        pass
    return printed[0]


def _files_are_ours_and_private(root: Path) -> None:
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    for path in root.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


@pytest.mark.parametrize("step", INIT_STEPS)
def test_init_killed_before_it_finished_leaves_no_clinic_and_init_starts_over(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    printed = _killed_at(step, ["--json", *INIT])
    if step.endswith("finish_setup:before"):
        assert "recovery_code" in printed, "killed just after the code was shown"
    for command in (["check"], ["user", "list"], ["audit", "verify"]):
        assert main(command) == 2, command
        err = capsys.readouterr().err
        assert "was never finished" in err and "receptionist init" in err, command
    _files_are_ours_and_private(cli_env)

    assert main(["--json", *INIT]) == 0, "init starts over"
    code = json.loads(capsys.readouterr().out)["recovery_code"]
    assert not list(cli_env.glob(".clinic.keys.*")), "no temp key file left over"
    _files_are_ours_and_private(cli_env)
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", code)  # the new clinic's, not the old
    assert main(["check"]) == 0
    assert main(["--json", "user", "list"]) == 0
    out = capsys.readouterr().out
    assert [u["username"] for u in json.loads(out[out.index("[") :])] == ["admin"]


def test_init_killed_once_finished_leaves_a_whole_clinic(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code = json.loads(_killed_at(FINISHED, ["--json", *INIT]))["recovery_code"]
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", code)
    assert main(["check"]) == 0
    assert main(["user", "list"]) == 0
    assert main(INIT) == 2, "a finished clinic is never started over"
    assert "already holds a clinic" in capsys.readouterr().err


def test_demo_killed_half_filled_is_made_again(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A half-filled demo used to count as made: the app's next start opened it."""
    _killed_at("receptionist.demo.clinic:_todays_desk:before", DEMO)  # generated, not done
    assert main(["--json", "check"]) == 2
    assert "was never finished" in capsys.readouterr().err
    assert main(["--json", *DEMO]) == 0, "demo starts over"
    assert json.loads(capsys.readouterr().out)["patients"] == 20
    db = open_demo(cli_env)
    db.close()
    _files_are_ours_and_private(cli_env)


def test_a_second_init_never_starts_over_a_set_up_still_under_way(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only a stopped set-up is started over: one still running holds the folder's lock."""
    with _stopped_at("receptionist.ops.setup:_first_rows:after", INIT):
        before = sorted(p.name for p in cli_env.iterdir())
        assert main(INIT) == 3
        assert "already running on this clinic's data" in capsys.readouterr().err
        assert sorted(p.name for p in cli_env.iterdir()) == before, "nothing of it removed"
    assert main(INIT) == 0, "once it is gone, init starts over"
