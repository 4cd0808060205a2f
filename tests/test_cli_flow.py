"""The admin CLI end to end, on a real encrypted clinic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from receptionist.cli.main import main


@pytest.fixture
def clinic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> Path:
    root = tmp_path / "clinic"
    monkeypatch.setenv("RECEPTIONIST_DATA_DIR", str(root))
    monkeypatch.setenv("RECEPTIONIST_ADMIN_PASSWORD", "admin-password-1")
    assert (
        main(
            [
                "init",
                "--clinic-name",
                "Moda Dental",
                "--timezone",
                "Europe/Istanbul",
                "--region",
                "TR",
                "--admin-user",
                "admin",
            ]
        )
        == 0
    )
    assert main(["provider", "add", "Dr. Elif Aksoy", "--hours", "mon-fri 09:00-17:00"]) == 0
    assert main(["service", "add", "Check-up", "--minutes", "30", "--price", "850.00"]) == 0
    capsys.readouterr()
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
    'something unexpected went wrong' logged; exit 1 ("anything else")."""
    import os
    import subprocess
    import sys

    monkeypatch.setenv("RECEPTIONIST_DATA_DIR", str(tmp_path / "clinic"))
    monkeypatch.setenv("RECEPTIONIST_ADMIN_PASSWORD", "admin-password-1")
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", "a long enough passphrase")
    assert main(["init", "--clinic-name", "Moda", "--timezone", "Europe/Istanbul",
                 "--region", "TR", "--admin-user", "admin"]) == 0  # fmt: skip

    read, write = os.pipe()
    os.close(read)  # a reader that has already gone
    done = subprocess.run(
        [sys.executable, "-m", "receptionist.cli.main", "provider", "list"],
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
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""


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
