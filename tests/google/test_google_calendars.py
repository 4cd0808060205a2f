"""The account's calendars: read (the writable ones, primary first, every page), and
a "Receptionist – Dr X" calendar made on request and mapped, by
`receptionist google map PROVIDER --create`; a refusal by Google maps nothing."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fakegoogle import ACCOUNT, FakeGoogle
from googlekit import INFO
from test_google_cli import clinic, run  # noqa: F401  (the CLI clinic fixtures)

from sync.cli import main
from sync.google import account, service


def connect(google: FakeGoogle) -> Any:
    def build(info: dict[str, str]) -> Any:
        return service.build(info, endpoint=google.api, token_at=google.token_uri)

    return build


def test_the_writable_calendars_primary_first_over_pages(google: FakeGoogle) -> None:
    for n in range(300):
        google.add_calendar(f"Room {n:03d}")
    google.add_calendar("Holidays", role="reader")
    found = account.calendars(json.dumps(INFO), connect=connect(google), sleep=lambda _s: None)
    assert found.account == ACCOUNT
    assert found.choices[0].calendar_id == ACCOUNT and found.choices[0].primary
    assert [c.summary for c in found.choices[1:4]] == ["Room 000", "Room 001", "Room 002"]
    assert len(found.choices) == 301 and "Holidays" not in {c.summary for c in found.choices}
    assert google.requests["calendarList"] == found.requests == 2  # 250 a page: two pages


def test_map_create_makes_the_calendar_and_maps_the_provider(
    clinic: Path,  # noqa: F811
    google: FakeGoogle,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run(capsys, "google", "connect", "--authorized-user-file", str(clinic))
    mapped = run(capsys, "google", "map", "aksoy", "--create")
    assert mapped["provider"] == "Dr Ayşe Aksoy"
    calendar = google.calendars[mapped["calendar_id"]]
    assert calendar["summary"] == "Receptionist – Dr Ayşe Aksoy"
    assert calendar["timeZone"] == "Europe/London"
    assert google.requests["calendars.insert"] == 1
    run(capsys, "appointment", "book", "--patient", "A-1", "--provider", "aksoy",
        "--service", "check", "--start", "2030-03-04T10:00")  # fmt: skip
    assert run(capsys, "google", "sync")["created"] == 1
    assert len(google.live(mapped["calendar_id"])) == 1
    shown = run(capsys, "google", "status")
    assert shown["calendars"][0]["calendar_id"] == mapped["calendar_id"]


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["google", "map", "aksoy"], "--create"),
        (["google", "map", "aksoy", "primary", "--create"], "--create"),
        (["google", "map", "nobody", "--create"], "provider"),
    ],
)
def test_map_needs_one_calendar_or_create(
    clinic: Path,  # noqa: F811
    google: FakeGoogle,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    names: str,
) -> None:
    run(capsys, "google", "connect", "--authorized-user-file", str(clinic))
    assert main(argv) == 2
    assert names in capsys.readouterr().err
    assert google.requests["calendars.insert"] == 0  # nothing made for a refused command


def test_create_before_connecting_says_so(
    clinic: Path,  # noqa: F811
    google: FakeGoogle,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["google", "map", "aksoy", "--create"]) == 2
    assert "connect" in capsys.readouterr().err
    assert google.requests["calendars.insert"] == 0


@pytest.mark.parametrize(
    ("failure", "code", "says"),
    [
        ((403, "quotaExceeded", 1), 3, "Google's daily quota for this account is spent. Try"),
        ((503, "backendError", 6), 3, "Google was busy (HTTP 503 backendError)"),
        ((403, "forbidden", 1), 1, "Google refused to make it (HTTP 403 forbidden). Check"),
        (None, 3, "Google refused the connected account (revoked or expired). Run"),
    ],
    ids=["quota", "busy", "refused", "revoked"],
)
def test_a_failed_creation_maps_nothing_and_says_what_to_do(
    clinic: Path,  # noqa: F811
    google: FakeGoogle,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    failure: tuple[int, str, int] | None,
    code: int,
    says: str,
) -> None:
    """Exit 3 when Google cannot do it now (the account, the quota, busy), 1 when it
    refuses the request itself; never the round's exit 4 and words."""
    slept: list[float] = []
    monkeypatch.setattr(account, "time", SimpleNamespace(sleep=slept.append))  # no waiting
    run(capsys, "google", "connect", "--authorized-user-file", str(clinic))
    if failure is None:
        google.revoke(INFO["refresh_token"])
    else:
        status, reason, times = failure
        google.fail_next(status, reason, times=times, method="calendars.insert")
    assert main(["google", "map", "aksoy", "--create"]) == code
    err = capsys.readouterr().err
    assert "No calendar was made for Dr Ayşe Aksoy: " + says in err, err
    assert "round" not in err
    backoff = [s for s in slept if s >= 1]  # the pacing's own waits are shorter
    assert len(backoff) == (5 if failure and failure[0] == 503 else 0)  # busy: retried
    assert run(capsys, "google", "status")["calendars"] == []


def test_a_refused_creation_is_logged_in_the_file_not_printed_raw(
    clinic: Path,  # noqa: F811
    google: FakeGoogle,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Exit 1 is a bug's exit: its details go to cli.log (without patient data), and
    stderr says only the sentence for the person."""
    monkeypatch.setenv("RECEPTIONIST_LOG_DIR", str(tmp_path / "logs"))
    run(capsys, "google", "connect", "--authorized-user-file", str(clinic))
    google.fail_next(403, "forbidden", method="calendars.insert")
    assert main(["google", "map", "aksoy", "--create"]) == 1
    err = capsys.readouterr().err
    assert "--create refused" not in err and "Failed" not in err, err
    logged = (tmp_path / "logs" / "cli.log").read_text("utf-8")
    assert "ERROR receptionist.sync.google: google map --create refused: Failed" in logged
    assert "Ayşe" not in logged
