"""The log file for the IT person (issue #12, item 8): what ran, what failed, timings;
never patient data."""

from __future__ import annotations

import logging
import os
import stat
import sys
from pathlib import Path

import platformdirs
import pytest

from receptionist import logs
from receptionist.cli.main import main
from receptionist.patients import search
from receptionist.store.vault import DataDir

# Every value below is typed about a patient; none may reach a log file.
MARKERS = ("Zeynepmarker", "Kayamarker", "5321239876", "Bağdat Caddesi 77", "allergicmarker")


@pytest.fixture
def log_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    folder = tmp_path / "logs"
    monkeypatch.setenv(logs.ENV, str(folder))
    return folder


@pytest.fixture
def clinic(cli_env: Path, log_dir: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert main(["init", "--clinic-name", "Moda", "--timezone", "Europe/Istanbul",
                 "--region", "TR", "--admin-user", "admin"]) == 0  # fmt: skip
    capsys.readouterr()
    return cli_env


def logged(folder: Path) -> str:
    return "".join(p.read_text("utf-8") for p in sorted(folder.iterdir()))


def test_commands_are_logged_without_patient_data(
    clinic: Path, log_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    person = ["--given-name", "Zeynepmarker", "--family-name", "Kayamarker"]
    assert main(["patient", "add", *person, "--phone", "0532 123 98 76",
                 "--address", "Bağdat Caddesi 77", "--notes", "allergicmarker"]) == 0  # fmt: skip
    assert main(["--verbose", "patient", "search", "Zeynepmarker kayamarker"]) == 0
    assert main(["patient", "show", "A-1", "--json"]) == 0
    assert main(["patient", "add", *person, "--birth-date", "Zeynepmarker"]) == 2
    assert main(["patient", "add", *person, "--phone", "0532 123 98 76"]) == 2  # a duplicate
    assert main(["patient", "show", "Zeynepmarker"]) == 2
    assert main(["patient", "add", "--given-name"]) == 2  # does not parse

    def broken(*_args: object, **_kwargs: object) -> None:
        raise ValueError("a driver quoting a row: Zeynepmarker Kayamarker 5321239876")

    monkeypatch.setattr(search, "search_patients", broken)  # below the operation
    assert main(["patient", "search", "Zeynepmarker"]) == 1
    said = capsys.readouterr()

    text = logged(log_dir)
    for marker in MARKERS:
        assert marker not in text, f"{marker!r} reached the log"
    assert "patient add: exit 0 (done) in " in text
    assert "patient search: exit 0 (done) in " in text
    assert "patient show: exit 0 (done) in " in text
    assert "patient add: exit 2 (ValidationError, --birth-date) in " in text
    assert "patient add: exit 2 (DuplicatePatient) in " in text
    assert "patient add: exit 2 (bad arguments) in " in text
    assert "unexpected failure in patient search: ValueError at " in text
    assert "patient search: exit 1 (unexpected failure) in " in text
    assert " cli[" in text, "each line names the program and its process"
    # The bug's details are in the file; the terminal has one calm sentence.
    assert "ValueError" not in said.err and "something unexpected went wrong" in said.err


def test_the_log_is_private_and_rotates(log_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "MAX_BYTES", 400)
    with logs.logging_for("cli") as path:
        for n in range(40):
            logging.getLogger("receptionist.cli").info("line %d of the test", n)
    assert path == log_dir / "cli.log"
    made = sorted(p.name for p in log_dir.iterdir())
    assert made == ["cli.log", *(f"cli.log.{n}" for n in range(1, logs.BACKUPS + 1))]
    if os.name == "posix":
        assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700
        for p in log_dir.iterdir():
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, p.name
    assert "line 39 of the test" in (log_dir / "cli.log").read_text("utf-8")


def test_a_log_made_readable_by_others_is_made_private_again(log_dir: Path) -> None:
    log_dir.mkdir()
    (log_dir / "cli.log").write_text("old\n")
    os.chmod(log_dir / "cli.log", 0o644)
    with logs.logging_for("cli"):
        logging.getLogger("receptionist").info("new")
    if os.name == "posix":
        assert stat.S_IMODE((log_dir / "cli.log").stat().st_mode) == 0o600


@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_before_or_after_the_command_prints_the_log_on_stderr(
    where: str, clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = (
        ["--verbose", "provider", "list"]
        if where == "before"
        else ["provider", "list", "--verbose"]
    )
    assert main(line) == 0
    assert "INFO receptionist.cli: provider list: exit 0 (done) in " in capsys.readouterr().err
    assert main(["provider", "list"]) == 0
    assert capsys.readouterr().err == "", "without --verbose: warnings and errors only"


def test_damage_is_one_sentence_on_stderr_and_its_details_are_in_the_log(
    clinic: Path, log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = DataDir(clinic).db
    db.write_bytes(db.read_bytes()[:-1000])
    assert main(["provider", "list"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: The clinic file is damaged") and err.count("\n") == 1
    text = logged(log_dir)
    assert "the clinic file is damaged (" in text
    assert "provider list met a damaged file: Damaged" in text
    assert "provider list: exit 3 (Damaged) in " in text
    assert main(["--verbose", "provider", "list"]) == 3
    assert "met a damaged file" in capsys.readouterr().err, "--verbose shows the details"


def test_without_a_log_folder_the_commands_still_run(
    clinic: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    monkeypatch.setenv(logs.ENV, str(blocked / "logs"))
    assert main(["provider", "list"]) == 0
    assert capsys.readouterr().err == ""


def test_the_log_folder_is_the_platforms_unless_told_otherwise() -> None:
    assert logs.log_dir({logs.ENV: "~/it-logs"}) == Path("~/it-logs").expanduser()
    if sys.platform.startswith("linux"):
        expected = platformdirs.user_log_dir("receptionist", False)
        assert logs.log_dir({}) == Path(expected)
        assert str(logs.log_dir({})).endswith("receptionist/log")


def test_the_front_ends_loggers_hang_from_the_logged_one() -> None:
    """The log file takes the "receptionist" logger's lines: a front end's logger named
    by its module (``sync.service``) lost its lines (a failed jobs' tick, a Google
    refusal) to no file at all. (The endpoint, ``sync/server``, logs on its own.)"""
    root = Path(__file__).resolve().parent.parent
    stray = [
        str(path.relative_to(root))
        for folder in ("sync", "ui")
        for path in sorted((root / folder).rglob("*.py"))
        if "server" not in path.relative_to(root).parts
        and "getLogger(__name__)" in path.read_text("utf-8")
    ]
    assert stray == []
