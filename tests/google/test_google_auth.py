"""The connected account: a refresh at the (loopback) token endpoint, and a revoked
refresh token turning the link to "needs reconnect" with the queue kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from conftest import CALENDAR, INFO, REFRESH, Clinic

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
