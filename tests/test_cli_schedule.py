"""The CLI's schedule commands the app already had (#12 item 2): `appointment move` with
the drag's conflict checks and override, `appointment show`, and `waitlist
add|list|remove`. Each with --json data, help lines and examples, and bad input
refused with exit 2 and nothing written."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import keyring
import pytest
from cliclinic import shared_clinic, use_clinic
from keyring.backends.null import Keyring as NoKeychain

from receptionist.cli import main as cli_main
from receptionist.cli.main import build_parser, main
from receptionist.clock import FixedClock

MON = "2030-03-04"  # a Monday


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The shared small clinic, plus a second provider and room, a second patient and
    a receptionist account ("desk", who may not override a clash)."""
    with shared_clinic(tmp_path_factory.mktemp("schedule") / "clinic") as root:
        previous = keyring.get_keyring()
        keyring.set_keyring(NoKeychain())
        try:
            with pytest.MonkeyPatch.context() as mp:
                use_clinic(mp, root)
                mp.setenv("RECEPTIONIST_USER_PASSWORD", "desk-password-1")
                for argv in (
                    ["provider", "add", "Dr. Can Demir", "--hours", "mon-fri 09:00-17:00"],
                    ["room", "add", "Room 2"],
                    ["patient", "add", "--given-name", "Mehmet", "--family-name", "Kaya"],
                    ["user", "add", "desk", "--role", "receptionist"],
                ):
                    assert main(argv) == 0, argv
        finally:
            keyring.set_keyring(previous)
        yield root


@pytest.fixture
def clinic(shared: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Path:
    use_clinic(monkeypatch, shared)
    capsys.readouterr()
    return shared


def run_json(capsys: Any, *argv: str) -> Any:
    code = main(["--json", *argv])
    said = capsys.readouterr()
    assert code == 0, said.err
    return json.loads(said.out)


def refused(capsys: Any, argv: list[str]) -> str:
    """The error ``argv`` ends in: exit 2, a sentence on stderr."""
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "unexpected" not in err
    return err


def book(capsys: Any, start: str, patient: str = "A-1", *more: str) -> dict[str, Any]:
    argv = ["appointment", "book", "--patient", patient, "--provider", "aksoy"]
    return run_json(capsys, *argv, "--service", "check", "--start", start, *more)  # type: ignore[no-any-return]


def show(capsys: Any, key: str) -> dict[str, Any]:
    return run_json(capsys, "appointment", "show", key)  # type: ignore[no-any-return]


# -- appointment move ----------------------------------------------------------------------


def test_move_to_another_time_provider_and_room(clinic: Path, capsys: Any) -> None:
    booked = book(capsys, f"{MON}T09:00", "A-1", "--room", "Room 1")
    key = booked["id"][:8]
    moved = run_json(capsys, "appointment", "move", key, "--start", f"{MON}T10:00")
    assert (moved["start"], moved["end"]) == (f"{MON}T10:00+03:00", f"{MON}T10:30+03:00")
    assert (moved["provider"], moved["room"]) == ("Dr. Elif Aksoy", "Room 1"), "kept"
    moved = run_json(capsys, "appointment", "move", key, "--provider", "demir", "--no-room")
    assert (moved["provider"], moved["room"]) == ("Dr. Can Demir", None)
    moved = run_json(
        capsys, "appointment", "move", key, "--room", "room 2", "--end", f"{MON}T11:00"
    )
    assert (moved["room"], moved["end"]) == ("Room 2", f"{MON}T11:00+03:00")
    assert main(["appointment", "move", key, "--start", f"{MON}T14:00"]) == 0
    assert capsys.readouterr().out.startswith("Moved: ")
    assert show(capsys, key)["start"] == f"{MON}T14:00+03:00"


def test_a_clash_is_refused_unless_overridden(clinic: Path, capsys: Any) -> None:
    day = "2030-03-05"
    book(capsys, f"{day}T09:00", "A-1")
    second = book(capsys, f"{day}T10:00", "A-2")["id"]
    onto = ["appointment", "move", second, "--start", f"{day}T09:15"]
    err = refused(capsys, onto)
    assert err.startswith("error: Not moved.") and "The provider has another appointment" in err
    assert "--override REASON" in err and "Mehmet" not in err
    assert refused(capsys, [*onto, "--user", "desk", "--override", "Asked"])
    assert show(capsys, second)["start"] == f"{day}T10:00+03:00", "nothing was written"
    moved = run_json(capsys, *onto, "--override", "Agreed with Dr Aksoy")
    assert moved["start"] == f"{day}T09:15+03:00"
    assert moved["override_reason"] == "Agreed with Dr Aksoy"


@pytest.mark.parametrize(
    ("more", "said"),
    [
        ([], "Say what to change"),
        (["--start", "next tuesday"], "error (start)"),
        (["--start", "2030-03-06T10:00:30"], "error (start): The start is in whole minutes"),
        (["--end", "2030-03-06T08:00"], "error (end)"),
        (["--provider", "nobody"], "provider"),
        (["--room", "Room 1", "--no-room"], "not allowed with argument"),
        (["--room", "nowhere"], "room"),
        (["--start", "2030-03-06T10:15", "--override", " "], "error (override)"),
        (["--provder", "demir"], "did you mean --provider?"),
    ],
)
def test_bad_move_input_exit_2_and_nothing_written(
    clinic: Path, capsys: Any, more: list[str], said: str
) -> None:
    booked = book(capsys, "2030-03-06T09:00", "A-1")
    before = show(capsys, booked["id"])
    assert said in refused(capsys, ["appointment", "move", booked["id"], *more])
    assert show(capsys, booked["id"]) == before
    run_json(capsys, "appointment", "cancel", booked["id"], "--reason", "Test over")


@pytest.mark.parametrize(
    ("key", "said"),
    [("zz", "error (appointment)"), ("abcdef01", "no appointment whose id starts with")],
)
def test_a_move_or_show_of_no_appointment_is_bad_input(
    clinic: Path, capsys: Any, key: str, said: str
) -> None:
    assert said in refused(capsys, ["appointment", "move", key, "--start", f"{MON}T12:00"])
    assert said in refused(capsys, ["appointment", "show", key])


def test_a_cancelled_appointment_cannot_be_moved(clinic: Path, capsys: Any) -> None:
    booked = book(capsys, "2030-03-07T09:00", "A-1")
    run_json(capsys, "appointment", "cancel", booked["id"], "--reason", "Called")
    err = refused(capsys, ["appointment", "move", booked["id"], "--start", "2030-03-07T11:00"])
    assert "cannot be moved" in err


# -- appointment show ----------------------------------------------------------------------


def test_show_gives_everything_of_one_appointment(clinic: Path, capsys: Any) -> None:
    booked = book(capsys, "2030-03-08T09:00", "A-2", "--notes", "Bring the X-ray")
    shown = show(capsys, booked["id"][:10])
    assert {k: shown[k] for k in booked} == booked
    assert shown["notes"] == "Bring the X-ray" and shown["patient_number"] == "A-2"
    assert shown["cancellation_reason"] is None and shown["room_id"] is None
    run_json(capsys, "appointment", "cancel", booked["id"], "--reason", "Patient called")
    assert main(["appointment", "show", booked["id"]]) == 0
    text = capsys.readouterr().out
    assert "Bring the X-ray" in text and "cancelled because: Patient called" in text
    assert "status:" in text and "cancelled" in text


# -- waitlist ------------------------------------------------------------------------------


def waiting(capsys: Any) -> list[dict[str, Any]]:
    return run_json(capsys, "waitlist", "list", "--all")  # type: ignore[no-any-return]


def test_waitlist_add_list_remove(clinic: Path, capsys: Any) -> None:
    added = run_json(
        capsys, "waitlist", "add", "--patient", "A-2", "--service", "check-up",
        "--provider", "aksoy", "--earliest", "2030-03-10", "--latest", "2030-03-20",
        "--times", "morning, afternoon", "--days", "mon,FRI", "--priority", "urgent",
        "--note", "Any cancellation",
    )  # fmt: skip
    assert added["patient"] == "Mehmet Kaya" and added["provider"] == "Dr. Elif Aksoy"
    assert (added["earliest"], added["latest"]) == ("2030-03-10", "2030-03-20")
    assert (added["times"], added["days"]) == (["morning", "afternoon"], ["mon", "fri"])
    assert (added["priority"], added["status"]) == ("urgent", "active")
    plain = run_json(capsys, "waitlist", "add", "--patient", "A-1", "--service", "check")
    assert (plain["provider"], plain["times"], plain["priority"]) == (None, [], "normal")
    listed = run_json(capsys, "waitlist", "list")
    assert [e["id"] for e in listed][:2] == [added["id"], plain["id"]], "most urgent first"
    assert main(["waitlist", "list"]) == 0
    assert "Mehmet Kaya" in capsys.readouterr().out
    gone = run_json(capsys, "waitlist", "remove", added["id"][:8], "--booked")
    assert gone["status"] == "booked"
    assert run_json(capsys, "waitlist", "remove", plain["id"])["status"] == "removed"
    assert {added["id"], plain["id"]}.isdisjoint(
        e["id"] for e in run_json(capsys, "waitlist", "list")
    )
    statuses = {e["id"]: e["status"] for e in waiting(capsys)}
    assert (statuses[added["id"]], statuses[plain["id"]]) == ("booked", "removed")


ADD = ["waitlist", "add", "--patient", "A-1", "--service", "check"]


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        ([*ADD, "--times", "morning,noon"], "times"),
        ([*ADD, "--days", "mon,someday"], "days"),
        ([*ADD, "--priority", "high"], "priority"),
        ([*ADD, "--earliest", "2030-13-01"], "earliest"),
        ([*ADD, "--earliest", "2030-03-10", "--latest", "2030-03-09"], "latest"),
        ([*ADD, "--note", "a\x1b[2Jb"], "note"),
        (["waitlist", "add", "--patient", "A-99", "--service", "check"], "patient"),
        (["waitlist", "add", "--patient", "A-1", "--service", "nothing"], "service"),
        ([*ADD, "--provider", "nobody"], "provider"),
        (["waitlist", "add", "--patient", "A-1"], "service"),
        (["waitlist", "remove", "abcdef01"], "entry"),
        (["waitlist", "remove", "x"], "entry"),
    ],
)
def test_bad_waitlist_input_exit_2_names_it_and_writes_nothing(
    clinic: Path, capsys: Any, argv: list[str], field: str
) -> None:
    before = waiting(capsys)
    assert main(["--json", *argv]) == 2
    said = capsys.readouterr()
    assert json.loads(said.out)["field"] == field, said.err
    assert "unexpected" not in said.err
    assert waiting(capsys) == before


def test_an_entry_already_off_the_list_cannot_be_removed_again(clinic: Path, capsys: Any) -> None:
    added = run_json(capsys, *ADD)
    run_json(capsys, "waitlist", "remove", added["id"], "--booked")
    assert "no longer on the waitlist" in refused(capsys, ["waitlist", "remove", added["id"]])


# -- help ----------------------------------------------------------------------------------


def leaf(parser: argparse.ArgumentParser, *path: str) -> argparse.ArgumentParser:
    for name in path:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return parser


@pytest.mark.parametrize(
    "path",
    [
        ("appointment", "book"),
        ("appointment", "move"),
        ("appointment", "show"),
        ("appointment", "list"),
        ("appointment", "cancel"),
        ("appointment", "status"),
        ("slots",),
        ("waitlist", "add"),
        ("waitlist", "list"),
        ("waitlist", "remove"),
    ],
)
def test_every_option_has_a_help_line_and_the_command_examples(path: tuple[str, ...]) -> None:
    command = leaf(build_parser(), *path)
    unhelped = [a.dest for a in command._actions if not a.help]
    assert unhelped == []
    assert command.epilog and command.epilog.startswith("examples:\n  receptionist ")
    assert "--json" in command.format_help()


# -- appointment status: taking a no-show back (issue #16) ----------------------------------


def test_a_no_show_is_taken_back_the_same_day_only(
    clinic: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = "2030-03-11"  # a Monday; the clock stands at 10:00 there
    clock = FixedClock(datetime(2030, 3, 11, 7, 0, tzinfo=UTC))
    monkeypatch.setattr(cli_main, "default_clock", lambda: clock)
    late = book(capsys, f"{day}T09:00", "A-1")["id"]
    assert run_json(capsys, "appointment", "status", late, "no_show")["status"] == "no_show"
    assert run_json(capsys, "appointment", "status", late, "booked")["status"] == "booked"
    run_json(capsys, "appointment", "status", late, "no_show")
    clock.advance(days=1)
    err = refused(capsys, ["appointment", "status", late, "booked"])
    assert "only on its own day (2030-03-11)" in err
    assert show(capsys, late)["status"] == "no_show"
