"""The connected account: the status bar's brief reads no secret (the state row caches
"connected"), and connecting a different account lets go of the old account's
calendars and event map, leaving the appointments here as they were."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fakegoogle import ACCOUNT
from googlekit import CALENDAR, INFO, REFRESH, Clinic
from sqlalchemy import func, select

from receptionist.errors import ValidationError
from receptionist.google import account, calendars
from receptionist.google import status as google_status
from receptionist.models import Appointment, GoogleBlock, GoogleLink
from receptionist.ops import settings as settings_ops
from receptionist.settings import secretstore

MONDAY_10 = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
TUESDAY_8 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
OTHER = "other.clinic@example.com"


@pytest.fixture
def secrets_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The key of each secret read (the keychain, or the encrypted file)."""
    seen: list[str] = []
    real = secretstore.read

    def spy(*args: Any) -> str | None:
        seen.append(args[2].key)
        return real(*args)

    monkeypatch.setattr(secretstore, "read", spy)
    return seen


def test_the_brief_reads_no_secret(clinic: Clinic, secrets_read: list[str]) -> None:
    def brief() -> google_status.Brief:
        secrets_read.clear()
        found = google_status.brief(clinic.db)
        assert secrets_read == [], secrets_read  # the status bar's minute: no keychain
        return found

    assert not brief().connected  # credentials set by hand: not known yet
    assert clinic.round().status == "ok"  # the round sees them and caches it
    assert (brief().connected, brief().status) == (True, "ok")
    clinic.google.revoke(REFRESH)
    assert clinic.round().status == "needs_reconnect"
    assert (brief().connected, brief().status) == (True, "needs_reconnect")
    account.disconnect(clinic.db, clinic.ctx)
    assert not brief().connected
    account.connect(clinic.db, clinic.ctx, {**INFO, "refresh_token": "r2"})
    assert (brief().connected, brief().status) == (True, "connected")
    settings_ops.set_value(clinic.db, clinic.ctx, "google.credentials", "")  # by hand
    with pytest.raises(ValidationError, match="No Google account is connected"):
        clinic.round()
    assert not brief().connected  # the round corrected the cache


def count(clinic: Clinic, model: object) -> int:
    with clinic.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def test_another_account_lets_go_of_the_old_accounts_calendars(clinic: Clinic) -> None:
    first = account.connect(clinic.db, clinic.ctx, {**INFO, "account": ACCOUNT})
    assert (first.switched, first.unmapped) == (False, 0)
    appt = clinic.book(MONDAY_10)
    clinic.google.add_event(CALENDAR, "School run", TUESDAY_8, TUESDAY_8 + timedelta(hours=1))
    assert (clinic.round().counts.created, count(clinic, GoogleBlock)) == (1, 1)
    account.disconnect(clinic.db, clinic.ctx)  # the address outlives a disconnect
    done = account.connect(clinic.db, clinic.ctx, {**INFO, "refresh_token": "r2",
                                                   "account": OTHER})  # fmt: skip
    assert (done.switched, done.previous, done.account, done.unmapped) == (
        True, ACCOUNT, OTHER, 1,
    )  # fmt: skip
    assert google_status.status(clinic.db).calendars == []
    assert count(clinic, GoogleLink) == count(clinic, GoogleBlock) == 0
    with clinic.db.read() as s:
        kept = s.get(Appointment, appt)
        assert kept is not None and kept.status == "booked"  # untouched here
    assert google_status.status(clinic.db).account == OTHER
    calendars.map_provider(clinic.db, clinic.ctx, "Ayşe", "primary")
    again = account.connect(clinic.db, clinic.ctx, {**INFO, "account": OTHER.upper()})
    assert not again.switched and len(google_status.status(clinic.db).calendars) == 1
    unnamed = account.connect(clinic.db, clinic.ctx, INFO)  # Google not asked: kept as is
    assert not unnamed.switched and len(google_status.status(clinic.db).calendars) == 1


def test_the_job_corrects_a_link_cleared_by_hand(clinic: Clinic) -> None:
    """Credentials forgotten other than by disconnecting (by hand, or in an older
    version): the job runs no round, yet the status bar stops saying connected."""
    from sync.jobs import google_sync

    assert clinic.round().status == "ok"
    settings_ops.set_value(clinic.db, clinic.ctx, "google.credentials", "")
    assert google_status.brief(clinic.db).connected  # the cache, not yet corrected
    assert google_sync(clinic.db, clinic.clock) == {"station": 1, "connected": 0}
    assert not google_status.brief(clinic.db).connected


def test_the_job_waits_for_a_reconnect_after_google_refused_the_token(clinic: Clinic) -> None:
    """invalid_grant pauses Google sync: the scheduled rounds stop asking Google with
    the refused token (one refused refresh every few minutes) until a person connects
    again; a round asked for by hand still tries."""
    from sync.jobs import google_sync

    clinic.google.revoke(REFRESH)
    assert clinic.round().status == "needs_reconnect"
    ran = google_sync(clinic.db, clinic.clock)
    assert ran == {"station": 1, "connected": 1, "needs_reconnect": 1}  # no round ran
    assert clinic.round().status == "needs_reconnect"  # by hand: tried again
    account.connect(clinic.db, clinic.ctx, {**INFO, "refresh_token": "r2"})
    assert not account.paused(clinic.db)


def round_meanwhile(clinic: Clinic, meanwhile: Any) -> str:
    """A round during which ``meanwhile`` runs (as the desk may, on the database
    worker, while the Google thread's round is under way); the round's status."""
    from sync.google import round as google_round
    from sync.google import service
    from sync.google.pacing import unpaced
    from sync.google.worker import on_google_thread

    def connect(info: dict[str, str]) -> Any:
        meanwhile()  # after the round has read the credentials, before its requests
        return service.build(info, endpoint=clinic.google.api, token_at=clinic.google.token_uri)

    return on_google_thread(
        lambda: google_round.run(clinic.db, clinic.clock, connect=connect, pacer=unpaced())
    ).status


def test_a_round_ending_after_a_disconnect_does_not_say_connected(clinic: Clinic) -> None:
    assert round_meanwhile(clinic, lambda: account.disconnect(clinic.db, clinic.ctx)) == "ok"
    shown = google_status.brief(clinic.db)
    assert not shown.connected, shown.status  # the status bar: no account, as the secret says
    assert google_status.status(clinic.db).status == "never"


def test_a_round_of_the_old_token_does_not_mark_the_new_one_refused(clinic: Clinic) -> None:
    """Reconnected while a round with the revoked token was under way: "needs reconnect"
    was the old token's; the new one is connected, not refused."""
    clinic.google.revoke(REFRESH)
    again = {**INFO, "refresh_token": "r2"}
    done = round_meanwhile(clinic, lambda: account.connect(clinic.db, clinic.ctx, again))
    assert done == "needs_reconnect"
    assert (google_status.brief(clinic.db).connected, google_status.brief(clinic.db).status) == (
        True, "connected",
    )  # fmt: skip
    assert google_status.status(clinic.db).last_error == ""


def test_connecting_again_clears_what_the_last_round_said_of_the_old_link(clinic: Clinic) -> None:
    """A round stopped by the old link (the quota, no network): the status bar does not
    go on saying so of the account just connected, until a round of its own says."""
    clinic.book(MONDAY_10)
    clinic.google.fail_next(403, "quotaExceeded")
    assert clinic.round().status == "quota"
    account.connect(clinic.db, clinic.ctx, {**INFO, "refresh_token": "r2", "account": OTHER})
    shown = google_status.status(clinic.db)
    assert (shown.status, shown.last_error) == ("connected", "")
    assert google_status.brief(clinic.db).status == "connected"


def test_a_connect_that_fails_half_way_keeps_the_old_account_whole(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another account's connect failing while it lets go of the old mapping writes
    nothing: the old credentials stay with their mapping (never the new account's
    credentials over the old account's calendars, for a round to push to)."""
    account.connect(clinic.db, clinic.ctx, {**INFO, "account": ACCOUNT})

    def fails(*_args: object) -> int:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(calendars, "forget_all", fails)
    with pytest.raises(RuntimeError):
        account.connect(clinic.db, clinic.ctx, {**INFO, "refresh_token": "r2",
                                                "account": OTHER})  # fmt: skip
    kept = json.loads(account.kept(clinic.db) or "{}")
    assert (kept["refresh_token"], kept["account"]) == (REFRESH, ACCOUNT)
    assert len(google_status.status(clinic.db).calendars) == 1
