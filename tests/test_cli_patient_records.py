"""The CLI's patient commands beside the app's patient window (#12, item 2): patient
show and update, document add|list|get|remove, commlog add|list. Each with --json data,
and each bad input ending in exit 2, naming the option, with nothing written."""

from __future__ import annotations

import argparse
import io
import json
import os
import stat
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from cliclinic import PASSPHRASE, shared_clinic, use_clinic
from sqlalchemy import func, select

from receptionist.cli.main import build_parser, main
from receptionist.models import (
    AuditEvent,
    CommunicationEntry,
    Consent,
    Patient,
    PatientDocument,
)
from receptionist.store.vault import open_clinic


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with shared_clinic(tmp_path_factory.mktemp("records") / "clinic") as root:
        yield root


@pytest.fixture
def clinic(shared: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    use_clinic(monkeypatch, shared)
    return shared


NAMES = count(1)


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code = main(["--json", *argv])
    said = capsys.readouterr()
    assert code == 0, said.err
    return json.loads(said.out)


def new_patient(capsys: pytest.CaptureFixture[str]) -> str:
    """A patient of this test's own (names no other test uses); their number."""
    n = next(NAMES)
    added = run_json(capsys, "patient", "add", "--given-name", f"Deniz{'a' * n}",
                     "--family-name", f"Kaya{'b' * n}")  # fmt: skip
    return str(added["number"])


def written(root: Path) -> tuple[int, ...]:
    """What the file holds that a refused command must leave alone."""
    db = open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})
    try:
        with db.read() as s:
            counts = tuple(
                int(s.scalar(select(func.count()).select_from(m)) or 0)
                for m in (AuditEvent, Consent, PatientDocument, CommunicationEntry)
            )
            return (*counts, int(s.scalar(select(func.sum(Patient.version))) or 0))
    finally:
        db.close()


def refused(capsys: pytest.CaptureFixture[str], root: Path, argv: list[str]) -> str:
    """``argv`` ends in exit 2 with one sentence, and nothing in the file changed."""
    before = written(root)
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "unexpected" not in err
    assert written(root) == before, "a refused command wrote something"
    return err


# --- patient show and update ------------------------------------------------------------
def test_show_prints_the_record_and_gives_it_as_data(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    number = new_patient(capsys)
    data = run_json(capsys, "patient", "show", number.lower())
    assert data["number"] == number and data["appointments"] == []
    assert data["consents"]["reminder_sms"] is False
    assert main(["patient", "show", data["id"][:8]]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{number}  {data['given_name']} {data['family_name']}\n")
    assert "consents: none" in out


def test_update_changes_only_what_is_given(
    clinic: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    number = new_patient(capsys)
    data = run_json(capsys, "patient", "update", number, "--phone", "0532 765 43 21",
                    "--email", "deniz@example.com", "--notes", "Prefers mornings",
                    "--consent", "sms", "--consent", "optional-data",
                    "--birth-date", "1990-05-17", "--gender", "female")  # fmt: skip
    assert (data["phone"], data["email"]) == ("+905327654321", "deniz@example.com")
    assert (data["birth_date"], data["gender"]) == ("1990-05-17", "female")
    assert data["consents"]["reminder_sms"] and data["consents"]["optional_data"]
    assert data["notes"] == "Prefers mornings" and data["given_name"].startswith("Deniz")

    source = tmp_path / "changes.json"
    source.write_text(json.dumps({"email": "", "address": "Moda Cd. 5\nKadıköy",
                                  "notes": "from the file", "withdraw": ["optional-data"]}),
                      encoding="utf-8")  # fmt: skip
    data = run_json(capsys, "patient", "update", number, "--from-json", str(source),
                    "--notes", "from the line")  # fmt: skip
    assert data["email"] is None and data["address"] == "Moda Cd. 5\nKadıköy"
    assert data["notes"] == "from the line", "an option on the line wins over the file"
    assert data["birth_date"] is None and data["gender"] is None, "withdrawn: erased"
    assert data["phone"] == "+905327654321" and data["consents"]["reminder_sms"]
    assert main(["patient", "update", number, "--withdraw", "sms"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Updated patient {number}.\n") and "consents: none" in out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--phone", "12"], "error (phone): "),
        (["--phone", "0532 111 22 33", "--email", "a@"], "error (email): "),
        (["--birth-date", "1990-01-01"], "error (birth-date): "),
        (["--consent", "optional-data", "--gender", "robot"], "error (gender): "),
        (["--channel", "fax"], "error (channel): "),
        (["--language", "Turkish please"], "error (language): "),
        (["--given-name", "  "], "error (given-name): "),
        (["--family-name", "Kaya\x1b[2J"], "error (family-name): "),
        (["--notes", "x" * (1024 * 1024 + 1)], "error (notes): "),
        (["--consent", "sms", "--withdraw", "sms"], "error (withdraw): "),
        (["--consent", "pigeon"], "--consent: invalid choice"),
        (["--withdraw", "pigeon"], "--withdraw: invalid choice"),
        (["--phnoe", "0532 111 22 33"], "unknown option --phnoe; did you mean --phone?"),
        ([], "error: Nothing to change"),
    ],
)
def test_bad_update_input_is_refused_with_nothing_written(
    clinic: Path, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    err = refused(capsys, clinic, ["patient", "update", "A-1", *argv])
    assert says in err


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ({"withdraw": "sms"}, "error (withdraw): "),
        ({"consents": ["pigeon"]}, "error (consents): "),
        ({"phone": 5321234567}, "error (phone): "),
        ({"nickname": "Dee"}, "error (from-json): "),
        ([], "error (from-json): "),
        ("{", "error (from-json): The JSON input cannot be read"),
    ],
)
def test_bad_json_for_an_update_is_refused_with_nothing_written(
    clinic: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, content: object, says: str
) -> None:
    source = tmp_path / "changes.json"
    source.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    err = refused(capsys, clinic, ["patient", "update", "A-1", "--from-json", str(source)])
    assert says in err


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_json_for_an_update_is_read_no_further_than_the_cap(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(capsys, clinic, ["patient", "update", "A-1", "--from-json", "/dev/zero"])
    assert "error (from-json): The JSON input is larger than 2 MB" in err


def test_an_unknown_patient_is_named(clinic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["patient", "update", "A-999", "--notes", "x"], ["patient", "show", "A-999"],
                 ["document", "list", "A-999"], ["commlog", "list", "A-999"]):  # fmt: skip
        assert refused(capsys, clinic, argv).startswith("error (patient): There is no patient")


def test_an_update_that_looks_like_another_patient_says_who(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = run_json(capsys, "patient", "add", "--given-name", "Zerrin", "--family-name",
                     "Tunç", "--phone", "0505 999 88 77")  # fmt: skip
    second = new_patient(capsys)
    same = ["patient", "update", second, "--given-name", "Zerrin", "--family-name", "Tunç",
            "--phone", "0505 999 88 77"]  # fmt: skip
    err = refused(capsys, clinic, same)
    assert first["number"] in err and "--allow-duplicate to save anyway" in err
    assert main(["--json", *same]) == 2
    assert json.loads(capsys.readouterr().out)["matches"] == [first["id"]]
    assert run_json(capsys, *same, "--allow-duplicate")["given_name"] == "Zerrin"


# --- documents -------------------------------------------------------------------------
def test_attach_list_get_and_remove_a_document(
    clinic: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    number = new_patient(capsys)
    source = tmp_path / "referral.pdf"
    source.write_bytes(b"%PDF-1.7 a referral")
    added = run_json(capsys, "document", "add", number, str(source), "--note", "From Dr. K")
    assert (added["file_name"], added["media_type"], added["size_bytes"]) == (
        "referral.pdf", "application/pdf", 19)  # fmt: skip
    assert added["note"] == "From Dr. K" and added["added_at"].endswith("+03:00")
    listed = run_json(capsys, "document", "list", number)
    assert [d["id"] for d in listed] == [added["id"]]
    assert main(["document", "list", number]) == 0
    assert capsys.readouterr().out.startswith(added["id"][:8])

    target = tmp_path / "copy.pdf"
    got = run_json(capsys, "document", "get", added["id"][:8], "--to", str(target))
    assert got["path"] == str(target) and target.read_bytes() == b"%PDF-1.7 a referral"
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    target.write_bytes(b"changed since")
    err = refused(capsys, clinic, ["document", "get", added["id"], "--to", str(target)])
    assert "error (to): " in err and "--force" in err
    assert target.read_bytes() == b"changed since"
    assert main(["document", "get", added["id"], "--to", str(target), "--force"]) == 0
    assert "not encrypted" in capsys.readouterr().out
    assert target.read_bytes() == b"%PDF-1.7 a referral"

    assert run_json(capsys, "document", "remove", added["id"][:8])["removed"] is True
    assert run_json(capsys, "document", "list", number) == []
    assert main(["document", "list", number]) == 0
    assert capsys.readouterr().out == "No documents.\n"


def test_bad_document_input_is_refused_with_nothing_written(
    clinic: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    fine = tmp_path / "fine.txt"
    fine.write_bytes(b"fine")
    for argv, says in (
        (["document", "add", "A-1", str(tmp_path / "missing.pdf")], "error (file): "),
        (["document", "add", "A-1", str(tmp_path)], "error (file): "),
        (["document", "add", "A-1", str(empty)], "error (file): The file is empty"),
        (["document", "add", "A-1", str(fine), "--note", "n" * 1001], "error (note): "),
        (["document", "add", "A-1", str(fine), "--note", "a\x1b[2J"], "error (note): "),
        (["document", "add", "A-1"], "required: file"),
        (["document", "get", "zz", "--to", str(tmp_path / "x")], "error (document): "),
        (["document", "get", "0" * 8, "--to", str(tmp_path / "x")], "error (document): "),
        (["document", "get", "00000000"], "required: --to"),
        (["document", "remove", "ffffffff"], "error (document): "),
    ):
        assert says in refused(capsys, clinic, argv), argv


def test_a_copy_is_not_read_when_it_could_not_be_written(
    clinic: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Reading a document's bytes is audited: a refused `get` reads nothing."""
    source = tmp_path / "a.txt"
    source.write_bytes(b"a")
    doc = run_json(capsys, "document", "add", "A-1", str(source))
    for to in (tmp_path / "no" / "such" / "folder.txt", tmp_path, source):
        assert "error (to): " in refused(capsys, clinic, ["document", "get", doc["id"],
                                                          "--to", str(to)])  # fmt: skip


# --- the communication log ---------------------------------------------------------------
def test_log_and_list_calls(clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    number = new_patient(capsys)
    first = run_json(capsys, "commlog", "add", number, "--channel", "phone",
                     "--direction", "in", "--summary", "Asked to move Friday",
                     "--at", "2026-03-02T09:30")  # fmt: skip
    assert first["occurred_at"] == "2026-03-02T09:30+03:00" and first["by"] == "admin"
    booked = run_json(capsys, "appointment", "book", "--patient", number, "--provider",
                      "aksoy", "--service", "check", "--start", "2030-03-04T09:00")  # fmt: skip
    piped = io.TextIOWrapper(io.BytesIO(b"Sent the new time\nand the map"))
    monkeypatch.setattr("sys.stdin", piped)
    second = run_json(capsys, "commlog", "add", number, "--channel", "sms", "--direction",
                      "out", "--summary", "-", "--appointment", booked["id"][:8],
                      "--at", "2026-03-03T10:00")  # fmt: skip
    assert second["summary"] == "Sent the new time\nand the map"
    assert second["appointment_id"] == booked["id"]
    listed = run_json(capsys, "commlog", "list", number)
    assert [e["id"] for e in listed] == [second["id"], first["id"]]
    assert [e["id"] for e in run_json(capsys, "commlog", "list", number, "--limit", "1")] == [
        second["id"]
    ]
    assert main(["commlog", "list", number]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("2026-03-03 10:00  sms") and lines[0].endswith("Sent the new time …")
    assert lines[1].endswith("Asked to move Friday")


def test_bad_log_input_is_refused_with_nothing_written(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = new_patient(capsys)
    booked = run_json(capsys, "appointment", "book", "--patient", other, "--provider",
                      "aksoy", "--service", "check", "--start", "2030-03-05T09:00")  # fmt: skip
    base = ["commlog", "add", "A-1", "--channel", "phone", "--direction", "in"]
    for extra, says in (
        (["--summary", "x", "--at", "tomorrow"], "error (at): "),
        (["--summary", "x", "--at", "2099-01-01T10:00"], "error (at): A call or message cannot"),
        (["--summary", "x", "--at", "1850-01-01T10:00"], "error (at): The year must be"),
        (["--summary", "  "], "error (summary): "),
        (["--summary", "x" * 2001], "error (summary): "),
        (["--summary", "a\x1b]0;t\x07"], "error (summary): "),
        (["--summary", "x", "--appointment", booked["id"]], "error (appointment): "),
        (["--summary", "x", "--appointment", "abcdef12"], "error (appointment): "),
        ([], "required: --summary"),
        (["--summary", "x", "--chanel", "sms"], "did you mean --channel?"),
    ):
        assert says in refused(capsys, clinic, [*base, *extra]), extra
    for argv, says in (
        (["commlog", "add", "A-1", "--channel", "fax", "--direction", "in", "--summary", "x"],
         "--channel: invalid choice"),
        (["commlog", "add", "A-1", "--channel", "sms", "--direction", "up", "--summary", "x"],
         "--direction: invalid choice"),
        (["commlog", "list", "A-1", "--limit", "0"], "--limit: must be a whole number"),
    ):  # fmt: skip
        assert says in refused(capsys, clinic, argv), argv


# --- help ------------------------------------------------------------------------------------
def _leaves(parser: argparse.ArgumentParser, command: str) -> dict[str, argparse.ArgumentParser]:
    top = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    group = top.choices[command]
    inner = next(a for a in group._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help for c in inner._choices_actions}
    assert all(helps.values()), f"{command}: every subcommand says what it does"
    return dict(inner.choices)


@pytest.mark.parametrize("command", ["patient", "document", "commlog"])
def test_every_subcommand_and_option_has_help_and_examples(command: str) -> None:
    for name, leaf in _leaves(build_parser(), command).items():
        assert leaf.epilog and leaf.epilog.startswith("examples:\n  receptionist "), name
        for action in leaf._actions:
            assert action.help, f"{command} {name}: {action.dest} needs a help line"
        assert "--json" in leaf.format_help(), name


def test_an_alert_is_set_shown_and_cleared(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    number = new_patient(capsys)
    data = run_json(capsys, "patient", "update", number, "--alert", "Needs wheelchair access")
    assert data["alert"] == "Needs wheelchair access"
    assert run_json(capsys, "patient", "show", number)["alert"] == "Needs wheelchair access"
    assert main(["patient", "show", number]) == 0
    assert "  front-desk alert: Needs wheelchair access" in capsys.readouterr().out
    assert run_json(capsys, "patient", "update", number, "--clear-alert")["alert"] == ""
    assert main(["patient", "show", number]) == 0
    assert "front-desk alert" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--alert", "x" * 201], "error (alert): "),
        (["--alert", "Ramp\x1b[2J"], "error (alert): "),
        (["--alert", "Ramp", "--clear-alert"], "error (clear-alert): "),
    ],
)
def test_a_bad_alert_is_refused_with_nothing_written(
    clinic: Path, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    assert says in refused(capsys, clinic, ["patient", "update", "A-1", *argv])


def test_a_failed_message_s_line_ends_with_its_code() -> None:
    """The summary no longer holds the code (session 17): the sentence is followed by
    it, as the operators' guide lists codes; an entry with no code says none."""
    from receptionist.cli.commlogcmds import _line

    entry = {
        "occurred_at": "2026-03-02T10:00+03:00", "channel": "sms", "direction": "out", "by": "",
        "summary": "Booking confirmation for Thu 05 Mar 10:00 not sent by SMS.",
        "explained": "Failed: the patient's number has opted out.",
        "reason": "permanent:opted_out",
    }  # fmt: skip
    lines = _line(entry).splitlines()
    assert lines[0].endswith("not sent by SMS.")
    assert lines[1] == "    Failed: the patient's number has opted out. (permanent:opted_out)"
    assert _line({**entry, "reason": None}).endswith("has opted out.")
