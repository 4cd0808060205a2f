"""The Google commands end to end against the loopback Google: connect with an
authorized-user file, map, a round by `sync --google` and `google sync`, status; bad
input exits 2 naming what was wrong; a revoked account exits 4 with the queue kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import keyring
import pytest
from fakegoogle import ACCOUNT, FakeGoogle
from googlekit import INFO, REFRESH
from keyring.backends.null import Keyring as NoKeychain
from templates import Template

from sync.cli import main

CAL = "ayse@group.calendar.google.com"


@pytest.fixture
def clinic(
    cli_env: Path, cli_made: Template[None], google: FakeGoogle, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> Path:  # fmt: skip
    """This test's own copy of a clinic with a provider, a service and a patient; the
    CLI is pointed at it and at the loopback Google. Returns an authorized-user file."""
    cli_made.copy_to(cli_env)
    monkeypatch.setenv("RECEPTIONIST_GOOGLE_API_ENDPOINT", google.api)
    monkeypatch.setenv("RECEPTIONIST_GOOGLE_TOKEN_URI", google.token_uri)
    (tmp_path / "authorized_user.json").write_text(json.dumps(INFO), "utf-8")
    capsys.readouterr()
    return tmp_path / "authorized_user.json"


def run(capsys: pytest.CaptureFixture[str], *argv: str, code: int = 0) -> Any:
    got = main(["--json", *argv])
    said = capsys.readouterr()
    assert got == code, said.err
    return json.loads(said.out) if said.out.strip() else None


def test_connect_map_book_and_a_round(
    clinic: Path, google: FakeGoogle, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "google", "connect", "--authorized-user-file", str(clinic)) == {
        "connected": True,
        "account": ACCOUNT,  # read from Google, kept as the app's connect keeps it
    }
    mapped = run(capsys, "google", "map", "aksoy", CAL)
    assert mapped["provider"] == "Dr Ayşe Aksoy" and mapped["calendar_id"] == CAL
    run(capsys, "appointment", "book", "--patient", "A-1", "--provider", "aksoy",
        "--service", "check", "--start", "2030-03-04T10:00")  # fmt: skip
    done = run(capsys, "sync", "--google")
    assert done["status"] == "ok" and done["created"] == 1 and done["errors"] == 0
    [event] = google.live(CAL)
    assert event["start"]["timeZone"] == "Europe/London" and "Kaya" not in json.dumps(event)
    assert run(capsys, "google", "sync")["created"] == 0
    shown = run(capsys, "google", "status")
    assert shown["connected"] and shown["status"] == "ok" and shown["waiting"] == 0
    assert shown["account"] == ACCOUNT
    assert shown["calendars"][0]["calendar_id"] == CAL and shown["calendars"][0]["synced_once"]


def test_the_account_is_kept_encrypted_not_in_a_plain_file(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keyring.set_keyring(NoKeychain())  # a headless PC: the encrypted file keeps it
    run(capsys, "google", "connect", "--authorized-user-file", str(clinic))
    entry = run(capsys, "settings", "get", "google.credentials")
    assert entry["set"] is True and entry["value"] is None
    clinic.unlink()
    files = [p for p in clinic.parent.rglob("*") if p.is_file()]
    assert any(p.name == "clinic.db" for p in files)
    for path in files:
        assert REFRESH.encode() not in path.read_bytes(), path


def test_a_revoked_account_exits_4_and_status_says_needs_reconnect(
    clinic: Path, google: FakeGoogle, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "google", "connect", "--authorized-user-file", str(clinic))
    run(capsys, "google", "map", "aksoy", CAL)
    run(capsys, "appointment", "book", "--patient", "A-1", "--provider", "aksoy",
        "--service", "check", "--start", "2030-03-04T10:00")  # fmt: skip
    google.revoke(REFRESH)
    assert main(["sync", "--google"]) == 4
    assert "google connect" in capsys.readouterr().err
    shown = run(capsys, "google", "status")
    assert shown["status"] == "needs_reconnect" and shown["waiting"] == 1


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["google", "map", "nobody", CAL], "provider"),
        (["google", "map", "aksoy", "has space"], "calendar"),
        (["google", "connect"], "--authorized-user-file"),
        (["google", "connect", "--authorized-user-file", "/nonexistent/x.json"], "read"),
        (["google", "sync"], "google connect"),
        (["google", "unmap", "nobody"], "provider"),
        (["google", "unmap", "aksoy"], "has no Google calendar"),
        (["google", "unmap"], "provider"),
        (["settings", "set", "google.shared", "{}"], "kept by Receptionist itself"),
    ],
)
def test_bad_input_exits_2_naming_what_was_wrong(
    clinic: Path, capsys: pytest.CaptureFixture[str], argv: list[str], names: str
) -> None:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert names in err


def test_a_bad_authorized_user_file_or_client_file_exits_2(
    clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"client_id": "x"}', "utf-8")
    assert main(["google", "connect", "--authorized-user-file", str(bad)]) == 2
    assert "refresh_token" in capsys.readouterr().err
    assert main(["google", "connect", "--client-secrets", str(bad)]) == 2
    assert "OAuth client file" in capsys.readouterr().err


def test_an_unreadable_file_is_named_by_its_own_option(
    clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "nowhere.json")
    for option in ("--client-secrets", "--authorized-user-file"):
        assert main(["google", "connect", option, missing]) == 2
        err = capsys.readouterr().err
        assert f"({option[2:]})" in err and "cannot be read" in err, err


def test_unmap_leaves_the_event_and_says_so(
    clinic: Path, google: FakeGoogle, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "google", "connect", "--authorized-user-file", str(clinic))
    run(capsys, "google", "map", "aksoy", CAL)
    run(capsys, "appointment", "book", "--patient", "A-1", "--provider", "aksoy",
        "--service", "check", "--start", "2030-03-04T10:00")  # fmt: skip
    run(capsys, "google", "sync")
    gone = run(capsys, "google", "unmap", "aksoy")
    assert gone["provider"] == "Dr Ayşe Aksoy" and gone["calendar_id"] == CAL
    assert (gone["events_left"], gone["blocks_removed"]) == (1, 0)
    assert run(capsys, "google", "status")["calendars"] == []
    assert run(capsys, "google", "sync")["deleted"] == 0 and len(google.live(CAL)) == 1


def test_connecting_another_account_lets_go_of_the_old_mapping(
    clinic: Path, google: FakeGoogle, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "google", "connect", "--authorized-user-file", str(clinic))
    run(capsys, "google", "map", "aksoy", CAL)
    other = "other.clinic@example.com"
    google.calendars = {other: {"id": other, "summary": other, "primary": True,
                                "accessRole": "owner"}}  # fmt: skip
    done = run(capsys, "google", "connect", "--authorized-user-file", str(clinic))
    assert done == {"connected": True, "account": other, "previous_account": ACCOUNT,
                    "unmapped": 1}  # fmt: skip
    assert run(capsys, "google", "status")["calendars"] == []
    assert main(["google", "connect", "--authorized-user-file", str(clinic)]) == 0
    said = capsys.readouterr().out
    assert f"Google account {other} connected" in said and "let go" not in said


def test_swap_two_providers_calendars_in_one_step(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["provider", "add", "Dr Omar Haddad", "--hours", "mon-fri 09:00-17:00"]) == 0
    capsys.readouterr()
    omar = "omar@group.calendar.google.com"
    run(capsys, "google", "map", "aksoy", CAL)
    run(capsys, "google", "map", "omar", omar)
    done = run(capsys, "google", "swap", "aksoy", "omar")
    assert [(m["provider"], m["calendar_id"]) for m in done] == [
        ("Dr Ayşe Aksoy", omar), ("Dr Omar Haddad", CAL),
    ]  # fmt: skip
    shown = {m["provider"]: m["calendar_id"] for m in run(capsys, "google", "status")["calendars"]}
    assert shown == {"Dr Ayşe Aksoy": omar, "Dr Omar Haddad": CAL}
    run(capsys, "google", "unmap", "omar")
    assert main(["google", "swap", "aksoy", "omar"]) == 2
    assert "error (provider): Dr Omar Haddad has no Google calendar" in capsys.readouterr().err
    assert main(["google", "swap", "aksoy", "ayşe"]) == 2
    assert "two different providers" in capsys.readouterr().err
    assert main(["google", "swap", "aksoy", "nobody"]) == 2
    shown = {m["provider"]: m["calendar_id"] for m in run(capsys, "google", "status")["calendars"]}
    assert shown == {"Dr Ayşe Aksoy": omar}  # nothing changed by the refusals
