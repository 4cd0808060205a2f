"""The admin CLI end to end, on a real encrypted clinic."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from templates import Template, cli_commands, make_template

from receptionist.cli.main import main

INIT = ["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/Istanbul", "--region", "TR",
        "--admin-user", "admin"]  # fmt: skip
ADMIN = {"RECEPTIONIST_ADMIN_PASSWORD": "admin-password-1"}
# What only the network's commands need (tests/test_layers.py keeps them out of the core).
NETWORK_LIBRARIES = {"httpx", "httpcore", "googleapiclient", "google", "httplib2", "apscheduler",
                     "uvicorn", "fastapi", "starlette", "smtplib", "psycopg"}  # fmt: skip


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Template[None]:
    """The clinic of :func:`clinic`, made through the CLI once for the module."""
    root = tmp_path_factory.mktemp("flow") / "clinic"
    build = cli_commands(
        INIT,
        ["provider", "add", "Dr. Elif Aksoy", "--hours", "mon-fri 09:00-17:00"],
        ["service", "add", "Check-up", "--minutes", "30", "--price", "850.00"],
    )
    return make_template(root, build, env={"RECEPTIONIST_DATA_DIR": str(root), **ADMIN})


@pytest.fixture
def clinic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, made: Template[None]) -> Path:
    """This test's own copy of a clinic made by ``init`` (no passphrase: its key is in the
    keychain), with a provider and a service; the CLI is pointed at it."""
    root = tmp_path / "clinic"
    made.copy_to(root)
    monkeypatch.setenv("RECEPTIONIST_DATA_DIR", str(root))
    for name, value in ADMIN.items():
        monkeypatch.setenv(name, value)
    return root


def book_args(patient: str, service: str, start: str, provider: str = "aksoy") -> list[str]:
    return [
        *("appointment", "book", "--patient", patient, "--provider", provider),
        *("--service", service, "--start", start),
    ]


def run_json(capsys, *argv: str) -> object:
    assert main(["--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_book_find_cancel(clinic: Path, capsys) -> None:
    p = run_json(
        capsys,
        "patient",
        "add",
        "--given-name",
        "Ayşe",
        "--family-name",
        "Yılmaz",
        "--phone",
        "0532 123 45 67",
        "--consent",
        "sms",
    )
    assert isinstance(p, dict) and p["number"] == "A-1" and p["phone"] == "+905321234567"

    found = run_json(capsys, "patient", "search", "ayse yil")
    assert [r["number"] for r in found] == ["A-1"]  # type: ignore[union-attr]
    assert [r["number"] for r in run_json(capsys, "patient", "search", "532 123")] == ["A-1"]  # type: ignore[union-attr]

    slots = run_json(capsys, "slots", "--service", "check", "--from", "2030-03-04T08:00")
    assert slots[0]["start"] == "2030-03-04T09:00+03:00"  # type: ignore[index]

    booked = run_json(capsys, *book_args("a-1", "Check-up", "2030-03-04T09:00"))
    assert booked["status"] == "booked"  # type: ignore[index]

    # The same provider at an overlapping time: refused with the reason, exit 2.
    assert main(book_args("A-1", "Check-up", "2030-03-04T09:15")) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Not booked.")
    assert "The provider has another appointment" in err
    assert "Ayşe" not in err, "no patient data in error messages"

    listing = run_json(capsys, "appointment", "list", "--date", "2030-03-04")
    assert len(listing) == 1  # type: ignore[arg-type]
    appt = booked["id"][:8]  # type: ignore[index]
    assert run_json(capsys, "appointment", "status", appt, "confirmed")["status"] == "confirmed"  # type: ignore[index]
    assert main(["appointment", "status", appt, "completed"]) == 2, "confirmed -> completed skips"
    assert "error" in capsys.readouterr().err
    assert (
        run_json(capsys, "appointment", "cancel", appt, "--reason", "Patient called")["status"]
        == "cancelled"
    )  # type: ignore[index]
    assert run_json(capsys, "audit", "verify")["ok"] is True  # type: ignore[index]

    shown = run_json(capsys, "patient", "show", "A-1")
    assert shown["consents"]["reminder_sms"] is True  # type: ignore[index]
    assert len(shown["appointments"]) == 1  # type: ignore[index,arg-type]


@pytest.mark.parametrize(
    ("argv", "field_or_text"),
    [
        (["patient", "add", "--given-name", "A", "--family-name", "B", "--phone", "12"], "phone"),
        (["patient", "add", "--given-name", "A", "--family-name", "B", "--email", "a@"], "email"),
        (
            [
                "patient",
                "add",
                "--given-name",
                "A",
                "--family-name",
                "B",
                "--national-id",
                "12345678901",
            ],
            "national",
        ),
        (
            book_args("A-99", "check", "2030-03-04T09:00"),
            "A-99",
        ),
        (
            book_args("A-1", "check", "2030-03-04T09:00", provider="nobody"),
            "provider",
        ),
        (
            book_args("A-1", "check", "next tuesday"),
            "start",
        ),
        (["provider", "add", "Dr. X", "--hours", "mon-fri 9-5"], "hours"),
        (["service", "add", "X", "--minutes", "30", "--price", "abc"], "price"),
        (["service", "add", "X", "--minutes", "30", "--price", "NaN"], "(price)"),
        (["service", "add", "X", "--minutes", "30", "--price", "Infinity"], "(price)"),
        (["service", "add", "X", "--minutes", "30", "--price", "1e40"], "(price)"),
        (["service", "add", "X", "--minutes", "30", "--price", "1,500"], "thousands"),
        (["service", "add", "X", "--minutes", "30", "--price", "1.500"], "thousands"),
        (["service", "add", "X", "--minutes", "30", "--price", "1.500,00"], "thousands"),
        (
            [
                *("patient", "add", "--given-name", "A", "--family-name", "B"),
                *("--phone", "0532 ABC 45 67"),
            ],
            "contains letters",
        ),
        (["provider", "add", "Dr. \x1b[31mRed"], "control characters"),
        (["service", "add", "Svc\u202e", "--minutes", "10"], "direction marks"),
    ],
)
def test_bad_input_exit_2_names_it(
    clinic: Path, capsys, argv: list[str], field_or_text: str
) -> None:
    main(["patient", "add", "--given-name", "Can", "--family-name", "Öz"])
    capsys.readouterr()
    assert main(argv) == 2
    assert field_or_text.lower() in capsys.readouterr().err.lower()


def test_duplicate_warns_with_existing_number(clinic: Path, capsys) -> None:
    args = [
        "patient",
        "add",
        "--given-name",
        "Ali",
        "--family-name",
        "Kaya",
        "--phone",
        "05321112233",
    ]
    assert main(args) == 0
    capsys.readouterr()
    assert main(args) == 2
    assert "A-1" in capsys.readouterr().err
    assert main(["--json", *args]) == 2
    error = json.loads(capsys.readouterr().out)
    assert error["exit_code"] == 2 and "A-1" in error["error"]
    assert main(["--json", "patient", "show", error["matches"][0]]) == 0, "an id to act on"
    assert json.loads(capsys.readouterr().out)["number"] == "A-1"
    assert main([*args, "--allow-duplicate"]) == 0


def test_json_errors_are_data_on_stdout(clinic: Path, capsys) -> None:
    """With --json a script reads stdout: an error is there too, with its field and
    exit code (and still in words on stderr)."""
    assert main(["--json", "patient", "add", "--given-name", "A", "--family-name", "B",
                 "--phone", "123"]) == 2  # fmt: skip
    said = capsys.readouterr()
    error = json.loads(said.out)
    assert (error["field"], error["exit_code"]) == ("phone", 2)
    assert said.err.startswith("error (phone): ")
    assert main(["--json", "patient", "show", "A-99"]) == 2
    assert json.loads(capsys.readouterr().out)["error"] == "There is no patient number A-99."


def test_output_into_a_closed_pipe_is_not_a_failure_to_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`receptionist ... | head -1`: the reader stops early. No traceback, no
    'something unexpected went wrong' logged; exit 1 ("anything else"). The installed
    command (``sync.cli``) runs it, and imports none of the network's modules for it
    (issue #12): not sync's commands, nor httpx, the Google client, the scheduler."""

    monkeypatch.setenv("RECEPTIONIST_DATA_DIR", str(tmp_path / "clinic"))
    monkeypatch.setenv("RECEPTIONIST_ADMIN_PASSWORD", "admin-password-1")
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", "a long enough passphrase")
    assert main(["init", "--clinic-name", "Moda", "--timezone", "Europe/Istanbul",
                 "--region", "TR", "--admin-user", "admin"]) == 0  # fmt: skip

    read, write = os.pipe()
    os.close(read)  # a reader that has already gone
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sync.cli", "provider", "list"],
        stdout=write,
        stderr=subprocess.PIPE,
        text=True,
        env={  # buffered stdout, as in a terminal session: the failing flush comes last
            **{k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        },
        timeout=60,
    )
    os.close(write)
    timed = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert done.returncode == 1, done.stderr
    assert len(timed) > 100 and len(done.stderr.splitlines()) == len(timed), "nothing else said"
    imported = {line.rsplit("|", 1)[1].strip() for line in timed}
    assert {"sync", "receptionist.cli.main", "receptionist.cli.catalogcmds"} <= imported
    network = {m for m in imported if m.split(".")[0] in NETWORK_LIBRARIES}
    assert network | {m for m in imported if m.startswith("sync.")} == set()  # sync.cli: __main__


def test_no_plaintext_anywhere(clinic: Path, capsys) -> None:
    """A distinctive name is written; no file of the data folder contains it in clear."""
    marker = "Zzyzxquorble"
    assert (
        main(
            [
                "patient",
                "add",
                "--given-name",
                marker,
                "--family-name",
                "Przybylskiewicz",
                "--phone",
                "0532 999 88 77",
                "--notes",
                marker * 50,
            ]
        )
        == 0
    )
    files = [p for p in clinic.iterdir() if p.is_file()]
    names = {p.name for p in files}
    assert {"clinic.db", "clinic.keys"} <= names
    for path in files:
        data = path.read_bytes()
        assert not data.startswith(b"SQLite format 3"), path.name
        for needle in (marker, "Przybylskiewicz", "905329998877"):
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                assert needle.encode(encoding) not in data, (path.name, needle, encoding)


def test_demo_command(tmp_path: Path, capsys) -> None:
    out = run_json(
        capsys,
        "--data-dir",
        str(tmp_path / "d"),
        "demo",
        "--patients",
        "50",
        "--appointments",
        "100",
        "--providers",
        "2",
    )
    assert out["patients"] == 50  # type: ignore[index]
    assert main(["--data-dir", str(tmp_path / "d"), "check"]) == 0


def test_review_fixes_exit_codes(clinic: Path, capsys, monkeypatch, tmp_path: Path) -> None:
    assert main(["provider", "list", "--json"]) == 0, "--json after the command works"
    assert json.loads(capsys.readouterr().out)[0]["name"] == "Dr. Elif Aksoy"
    monkeypatch.setenv("RECEPTIONIST_USER_PASSWORD", "desk-password-1")
    assert main(["user", "add", "desk"]) == 0
    capsys.readouterr()
    assert main(["--user", "desk", "audit", "verify"]) == 2
    assert main(["--user", "desk", "user", "list"]) == 2
    assert main(["appointment", "list", "--days", "100000000"]) == 2
    main(["patient", "add", "--given-name", "Can", "--family-name", "Öz"])
    assert (
        main(
            [
                "appointment",
                "book",
                "--patient",
                "A-1",
                "--provider",
                "aksoy",
                "--service",
                "check",
                "--start",
                "9999-12-31T23:55",
            ]
        )
        == 2
    )
    assert "year" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path / "nowhere"), "check"]) == 2
    assert main(["provider", "add", "dr. elif aksoy"]) == 2, "a taken name"
    provider_id = run_json(capsys, "provider", "list")[0]["id"]  # type: ignore[index]
    assert main(["slots", "--service", "check", "--provider", provider_id[:8]]) == 0


def test_patient_from_json_keeps_data_off_the_command_line(
    clinic: Path, capsys, monkeypatch
) -> None:
    import io

    monkeypatch.setattr(
        "sys.stdin",
        io.StringIO(
            json.dumps(
                {
                    "given_name": "Ayşe",
                    "family_name": "Kaya",
                    "phone": "0532 765 43 21",
                    "consents": ["sms"],
                }
            )
        ),
    )
    out = run_json(capsys, "patient", "add", "--from-json", "-")
    assert out["phone"] == "+905327654321"  # type: ignore[index]
    monkeypatch.setattr("sys.stdin", io.StringIO('{"surname": "x"}'))
    assert main(["patient", "add", "--from-json", "-"]) == 2
    assert "from-json" in capsys.readouterr().err
    assert main(["patient", "add", "--family-name", "Kaya"]) == 2


def test_times_in_the_repeated_hour_carry_their_offset() -> None:
    """When the clocks go back, 02:30 happens twice: the text says which (the stored
    instants were always right; only the text was ambiguous)."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from receptionist.cli.appointmentcmds import span_text

    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2030, 10, 27, 0, 30, tzinfo=UTC)  # 02:30 summer time
    end = datetime(2030, 10, 27, 1, 30, tzinfo=UTC)  # 02:30 winter time
    assert span_text(start, end, berlin) == "2030-10-27 02:30 (UTC+02:00)-02:30 (UTC+01:00)"
    ordinary = datetime(2030, 10, 28, 9, 0, tzinfo=UTC)
    assert span_text(ordinary, ordinary.replace(hour=9, minute=30), berlin) == (
        "2030-10-28 10:00-10:30"
    )


def test_a_day_whose_midnight_never_happens_still_lists(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    """Cairo's clocks jump from 00:00 to 01:00 on 30 April 2027: that day starts at
    01:00. Listing it (or a range ending on it), or searching slots from its missing
    midnight, used to be refused as a time that does not exist."""
    monkeypatch.setenv("RECEPTIONIST_DATA_DIR", str(tmp_path / "cairo"))
    monkeypatch.setenv("RECEPTIONIST_ADMIN_PASSWORD", "admin-password-1")
    assert main(["init", "--clinic-name", "Nile Clinic", "--timezone", "Africa/Cairo",
                 "--region", "EG", "--admin-user", "admin"]) == 0  # fmt: skip
    assert main(["provider", "add", "Dr. Hana Said"]) == 0
    assert main(["service", "add", "Check-up", "--minutes", "30"]) == 0
    assert main(["patient", "add", "--given-name", "Omar", "--family-name", "Farouk"]) == 0
    capsys.readouterr()
    booked = run_json(capsys, *book_args("A-1", "check", "2027-04-30T09:00", provider="said"))
    assert booked["when"].startswith("2027-04-30 09:00")  # type: ignore[index]
    night = ["--override", "night shift"]  # the clinic is closed then: an admin overrides
    first_hour = run_json(capsys, *book_args("A-1", "check", "2027-04-30T01:00", "said"), *night)
    last_hour = run_json(capsys, *book_args("A-1", "check", "2027-04-29T23:30", "said"), *night)
    on_the_day = run_json(capsys, "appointment", "list", "--date", "2027-04-30")
    assert [a["id"] for a in on_the_day] == [first_hour["id"], booked["id"]]  # type: ignore[index,union-attr]
    before = run_json(capsys, "appointment", "list", "--date", "2027-04-29")
    assert [a["id"] for a in before] == [last_hour["id"]], "the day ending at the jump"  # type: ignore[index,union-attr]
    both = run_json(capsys, "appointment", "list", "--date", "2027-04-29", "--days", "2")
    assert len(both) == 3  # type: ignore[arg-type]
    found = run_json(capsys, "slots", "--service", "check", "--from", "2027-04-30T00:00")
    assert found[0]["start"] == "2027-04-30T09:30+03:00"  # type: ignore[index]
    assert main(["appointment", "list", "--date", "9999-12-31"]) == 2
    assert "year must be between" in capsys.readouterr().err
    assert main(["appointment", "list", "--date", "2200-12-30", "--days", "5"]) == 2
    assert capsys.readouterr().err.startswith("error (days): The days listed must end before")


# The CLI with the tests' cheap key derivation and password hashing (templates.py), for
# an init whose subject is what it does when its output fails, not what Argon2id costs.
CHEAP_KEYS = """
import sys
from argon2 import PasswordHasher
from receptionist.staff import accounts
from receptionist.store import keys

keys.DEFAULT_KDF = keys.KdfParams(time_cost=1, memory_kib=1024, parallelism=1)
accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
accounts._DUMMY_HASH = accounts._hasher.hash("timing-equaliser")

from receptionist.cli.main import main

sys.exit(main(sys.argv[1:]))
"""


def _init(root: Path, stdout: Any, *, real_keys: bool = True) -> subprocess.CompletedProcess[str]:
    """``receptionist --data-dir ROOT init ...`` in a process of its own, no keychain;
    with the real cost of its keys and password, unless ``real_keys`` is false."""
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "RECEPTIONIST_ADMIN_PASSWORD": "admin-password-1",
        "RECEPTIONIST_PASSPHRASE": "a long enough passphrase",
    }
    program = ["-m", "receptionist.cli.main"] if real_keys else ["-c", CHEAP_KEYS]
    argv = [sys.executable, *program, "--data-dir", str(root), "init",
            "--clinic-name", "Moda", "--timezone", "UTC", "--region", "GB",
            "--admin-user", "admin"]  # fmt: skip
    return subprocess.run(
        argv, stdout=stdout, stderr=subprocess.PIPE, text=True, env=env, timeout=120
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_init_whose_code_cannot_be_shown_sets_nothing_up(tmp_path: Path) -> None:
    """The recovery code is the one way back into a clinic whose keychain is lost:
    if it cannot be written out, no clinic is left behind."""
    root = tmp_path / "clinic"
    with open("/dev/full", "w") as full:
        done = _init(root, full, real_keys=False)
    assert done.returncode == 1, done.stderr
    assert "could not be written out (No space left on device), so nothing was set up" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr and "unexpected" not in done.stderr
    assert not root.exists()
    again = _init(root, subprocess.PIPE)
    assert again.returncode == 0 and "RECOVERY CODE" in again.stdout.upper(), again.stderr


def test_catalogue_names_match_as_patient_search_does(clinic: Path, capsys) -> None:
    """Turkish İ/ı and accents, any case, words in any order: as a desk types them."""
    assert main(["provider", "add", "Dr. İlker Işık", "--hours", "mon-fri 09:00-17:00"]) == 0
    assert main(["service", "add", "İmplant muayenesi", "--minutes", "30"]) == 0
    main(["patient", "add", "--given-name", "Can", "--family-name", "Öz"])
    capsys.readouterr()
    for service, provider in [("implant", "ilker"), ("IMPLANT", "IŞIK"), ("muayene", "isik ilker")]:
        found = run_json(capsys, "slots", "--service", service, "--provider", provider)
        assert found and found[0]["provider"] == "Dr. İlker Işık"  # type: ignore[index]
    assert main(["slots", "--service", "check", "--provider", "dr"]) == 2, "two doctors"
    assert "matches 2 providers" in capsys.readouterr().err
    assert run_json(capsys, "slots", "--service", "checkup", "--provider", "aksoy")


def test_a_looser_match_never_makes_a_name_ambiguous(clinic: Path, capsys) -> None:
    """The first way of matching that finds a name decides: "ella" is in "Dr. Ella
    Stone", and only with the spaces left out in "Dr. Bell Adams"."""
    for name in ("Dr. Ella Stone", "Dr. Bell Adams", "Dr. Ana Lee", "Dr. Lee Anand"):
        assert main(["provider", "add", name]) == 0
    capsys.readouterr()
    for typed in ("ella", "ana lee", "bella", "lee an"):
        assert main(["appointment", "list", "--provider", typed]) == 0, typed
        capsys.readouterr()
    from receptionist.models import Provider
    from receptionist.schedule import catalog
    from receptionist.store.vault import open_clinic

    db = open_clinic(clinic)
    try:
        with db.read() as s:
            for typed, meant in [("ella", "Dr. Ella Stone"), ("ana lee", "Dr. Ana Lee"),
                                 ("bella", "Dr. Bell Adams"), ("lee an", "Dr. Lee Anand"),
                                 ("ANAND", "Dr. Lee Anand")]:  # fmt: skip
                assert catalog.find(s, Provider, typed).name == meant, typed
    finally:
        db.close()


def test_global_options_also_follow_the_command(clinic: Path, tmp_path: Path, capsys) -> None:
    other = tmp_path / "elsewhere"
    assert main(["init", "--clinic-name", "Second", "--timezone", "UTC", "--region", "GB",
                 "--admin-user", "admin", "--data-dir", str(other)]) == 0  # fmt: skip
    assert (other / "clinic.db").exists()
    capsys.readouterr()
    listed = run_json(capsys, "provider", "list", "--data-dir", str(other))
    assert listed == []  # the second clinic's, not the first's Dr. Elif Aksoy
    assert run_json(capsys, "provider", "list")[0]["name"] == "Dr. Elif Aksoy"  # type: ignore[index]


def test_json_gets_argument_errors_as_data_too(clinic: Path, capsys) -> None:
    assert main(["--json", "appointment", "book", "--patient", "A-1", "--provider", "aksoy",
                 "--service", "check"]) == 2  # fmt: skip
    said = capsys.readouterr()
    assert json.loads(said.out) == {
        "error": "the following arguments are required: --start",
        "field": "start",
        "exit_code": 2,
    }
    assert "usage:" in said.err
    assert main(["service", "add", "X", "--minutes", "abc", "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["field"] == "minutes"


def test_a_start_with_seconds_is_refused(clinic: Path, capsys) -> None:
    """Listings and conflict messages show minutes: 13:00:30 would read as 13:00, and the
    next booking at 13:20 would be refused for a clash the desk cannot see."""
    main(["patient", "add", "--given-name", "Can", "--family-name", "Öz"])
    capsys.readouterr()
    assert main(book_args("A-1", "check", "2030-03-04T13:00:30")) == 2
    assert capsys.readouterr().err.startswith("error (start): The start is in whole minutes")
    assert run_json(capsys, "appointment", "list", "--date", "2030-03-04") == []


def test_arabic_indic_digits_make_a_national_id(clinic: Path, capsys) -> None:
    person = run_json(capsys, "patient", "add", "--given-name", "Ahmet", "--family-name",
                      "Kaya", "--national-id", "١٠٠٠٠٠٠٠١٤٦")  # fmt: skip
    assert person["national_id"] == "10000000146"  # type: ignore[index]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_failed_init_in_a_folder_in_use_takes_only_its_own_files(tmp_path: Path) -> None:
    """The folder was there before (a clinic goes only into one that holds nothing of
    anyone else's): a failed init removes what it made, the app lock file included,
    and leaves the folder and its permissions alone."""
    import stat

    root = tmp_path / "Clinic"
    root.mkdir()
    root.chmod(0o755)
    with open("/dev/full", "w") as full:
        done = _init(root, full, real_keys=False)
    assert done.returncode == 1, done.stderr
    assert sorted(p.name for p in root.iterdir()) == []
    assert stat.S_IMODE(root.stat().st_mode) == 0o755
