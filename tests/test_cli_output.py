"""The CLI never prints a terminal escape or a direction override raw, even from text
saved before they were refused (#11, item 5). The old data is written straight into the
file here, past every check; text output shows it escaped, JSON reads back unchanged."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cliclinic import PASSPHRASE, shared_clinic, use_clinic
from sqlalchemy import select, update

from receptionist.cli.main import main
from receptionist.models import Appointment, Patient, Provider, Room, Service, StaffUser
from receptionist.store.vault import open_clinic

ESC_NAME = "Ayşe\x1b[2J"
OVERRIDDEN = "Yılmaz\u202eexe.gnp"
OSC_NOTE = "call back\x1b]0;you were hacked\x07\r\nsecond line\x9b31m"
ADDRESS = "Moda Cd. 5\u202e\nKadıköy"
RAW = ("\x1b", "\u202e", "\x9b", "\x07")


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with shared_clinic(tmp_path_factory.mktemp("output") / "clinic") as root:
        with pytest.MonkeyPatch.context() as mp:
            use_clinic(mp, root)
            booked = ["appointment", "book", "--patient", "A-1", "--provider", "aksoy",
                      "--service", "check", "--start"]  # fmt: skip
            assert main([*booked, "2030-03-04T09:00"]) == 0
            assert main([*booked, "2030-03-04T10:00", "--room", "Room 1"]) == 0
        _write_old_data(root)
        yield root


def _write_old_data(root: Path) -> None:
    """Text with escapes in every free-text column, written past the core's checks, as
    a clinic file from before the rule (or edited by other means) may hold it."""
    db = open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})
    try:
        with db.write() as s:
            s.execute(
                update(Patient).values(
                    given_name=ESC_NAME, family_name=OVERRIDDEN, notes=OSC_NOTE, address=ADDRESS
                )
            )
            s.execute(update(Provider).values(name="Dr. Elif Aksoy\x1b[31m"))
            s.execute(update(Service).values(name="Check-up\u202e", category="Gen\x1b]2;t\x07"))
            s.execute(update(Room).values(name="Room 1\x9b"))
            s.execute(update(StaffUser).values(full_name="Admin\x1b[2J"))
            first = s.scalars(select(Appointment).order_by(Appointment.start_utc)).first()
            assert first is not None
            first.notes, first.override_reason = OSC_NOTE, "late\u202e"
            first.updated_at = datetime.now(UTC)
    finally:
        db.close()


@pytest.fixture
def clinic(shared: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    use_clinic(monkeypatch, shared)
    return shared


def shown(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0, capsys.readouterr().err
    said = capsys.readouterr()
    for raw in RAW:
        assert raw not in said.out and raw not in said.err, (argv, raw)
    return said.out


COMMANDS = [
    ("patient", "show", "A-1"),
    ("patient", "search", "ayse"),
    ("appointment", "list", "--date", "2030-03-04", "--all"),
    ("provider", "list"),
    ("service", "list"),
    ("room", "list"),
    ("user", "list"),
    ("slots", "--service", "check", "--from", "2030-03-04T08:00"),
]


@pytest.mark.parametrize("argv", COMMANDS)
def test_text_output_escapes_old_data(
    clinic: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    out = shown(capsys, *argv)
    if argv != ("user", "list"):  # its text has no free text (the full name is in JSON)
        assert "\\x1b" in out or "\\u202e" in out or "\\x9b" in out, out


@pytest.mark.parametrize("argv", COMMANDS)
def test_json_output_escapes_old_data_and_reads_back_the_same(
    clinic: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    json.loads(shown(capsys, "--json", *argv))


def test_patient_show_in_detail(clinic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = shown(capsys, "patient", "show", "A-1")
    assert out.startswith("A-1  Ayşe\\x1b[2J Yılmaz\\u202eexe.gnp\n")
    assert "  address: Moda Cd. 5\\u202e\nKadıköy\n" in out, "the line break stays"
    assert "call back\\x1b]0;you were hacked\\x07\nsecond line\\x9b31m" in out
    data = json.loads(shown(capsys, "--json", "patient", "show", "A-1"))
    assert (data["given_name"], data["family_name"]) == (ESC_NAME, OVERRIDDEN)
    assert (data["notes"], data["address"]) == (OSC_NOTE, ADDRESS)
    assert data["appointments"][0]["override_reason"] == "late\u202e"
    assert data["appointments"][0]["provider"] == "Dr. Elif Aksoy\x1b[31m"


def test_the_output_of_a_change_escapes_too(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = json.loads(shown(capsys, "--json", "appointment", "list", "--date", "2030-03-04"))
    key = listing[-1]["id"][:8]
    assert "Ayşe\\x1b[2J" in shown(capsys, "appointment", "status", key, "confirmed")
    assert "\\u202e" in shown(capsys, "appointment", "cancel", key, "--reason", "Called")


def test_an_error_that_echoes_what_was_typed_escapes_it(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--user", "nobody\x1b[2J", "patient", "search", "a"]) == 2
    said = capsys.readouterr()
    assert "\x1b" not in said.err and "nobody\\x1b[2J" in said.err
    assert main(["--json", "--user", "x\udcff", "patient", "search", "a"]) == 2
    said = capsys.readouterr()
    assert json.loads(said.out)["exit_code"] == 2, "a lone surrogate still prints as JSON"
