"""The connected account: a refresh at the (loopback) token endpoint, and a revoked
refresh token turning the link to "needs reconnect" with the queue kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from googlekit import CALENDAR, INFO, REFRESH, Clinic

from receptionist.errors import ValidationError
from receptionist.google import status as google_status
from receptionist.models import Appointment
from receptionist.ops import settings as settings_ops
from sync.google import service

MONDAY_10 = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


def test_the_round_refreshes_at_the_token_endpoint_it_was_given(clinic: Clinic) -> None:
    clinic.book(MONDAY_10)
    assert clinic.round().status == "ok"
    assert clinic.google.requests["token"] == 1


def test_a_revoked_refresh_token_asks_for_a_reconnect_and_keeps_the_queue(clinic: Clinic) -> None:
    first = clinic.book(MONDAY_10)
    clinic.round()
    clinic.google.revoke(REFRESH)
    waiting = clinic.book(MONDAY_10 + timedelta(hours=1))
    with clinic.db.read() as s:
        before = {a.id: (a.version, a.status, a.start_utc) for a in s.query(Appointment)}
    done = clinic.round()
    assert done.status == "needs_reconnect"
    shown = google_status.status(clinic.db)
    assert shown.status == "needs_reconnect" and shown.waiting == 1 and shown.connected
    with clinic.db.read() as s:
        after = {a.id: (a.version, a.status, a.start_utc) for a in s.query(Appointment)}
    assert after == before, "local data untouched"
    assert [e["id"] for e in clinic.google.live(CALENDAR)] == [first.replace("-", "")]
    # Reconnected with a new refresh token: the queue goes out.
    settings_ops.set_value(
        clinic.db,
        clinic.ctx,
        "google.credentials",
        json.dumps({**INFO, "refresh_token": "refresh-2"}),
    )
    again = clinic.round()
    assert again.status == "ok" and again.counts.created == 1
    assert waiting.replace("-", "") in {e["id"] for e in clinic.google.live(CALENDAR)}


def test_no_account_connected_is_said_plainly(clinic: Clinic) -> None:
    settings_ops.set_value(clinic.db, clinic.ctx, "google.credentials", "")
    with pytest.raises(ValidationError, match="google connect"):
        clinic.round()


@pytest.mark.parametrize("text", ["not json", "[]", '{"client_id": "x"}'])
def test_an_authorized_user_file_needs_its_three_fields(text: str) -> None:
    with pytest.raises(ValidationError, match="authorized-user JSON"):
        service.checked_info(text)


def test_offline_stops_the_round_keeps_the_queue_and_the_next_round_catches_up(
    clinic: Clinic,
) -> None:
    """No answer at all (nothing listens at the API nor the token endpoint): the round
    ends "offline" after its retries (slept on the clock injected), nothing local moves,
    and once Google answers again the queue goes out whole."""
    import socket

    from sync.google import round as google_round
    from sync.google.pacing import unpaced
    from sync.google.worker import on_google_thread

    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}"

    def unreachable(info: dict[str, str]) -> object:
        return service.build(info, endpoint=f"{dead}/calendar/v3/", token_at=f"{dead}/token")

    first = clinic.book(MONDAY_10)
    clinic.book(MONDAY_10 + timedelta(hours=1))
    with clinic.db.read() as s:
        before = {a.id: (a.version, a.status, a.start_utc) for a in s.query(Appointment)}
    done = on_google_thread(
        lambda: google_round.run(
            clinic.db, clinic.clock, connect=unreachable, sleep=clinic.sleeps.append,
            pacer=unpaced(),
        )
    )  # fmt: skip
    assert (done.status, done.counts.created, done.counts.retries > 0) == ("offline", 0, True)
    assert clinic.sleeps, "the backoff slept on the clock given, not for real"
    shown = google_status.status(clinic.db)
    assert (shown.status, shown.waiting, shown.connected) == ("offline", 2, True)
    assert google_status.brief(clinic.db).status == "offline"
    with clinic.db.read() as s:
        assert {a.id: (a.version, a.status, a.start_utc) for a in s.query(Appointment)} == before
    assert clinic.google.live(CALENDAR) == []
    again = clinic.round()
    assert (again.status, again.counts.created) == ("ok", 2)
    assert first.replace("-", "") in {e["id"] for e in clinic.google.live(CALENDAR)}
    assert google_status.status(clinic.db).waiting == 0
