"""The Google station shares its state with the other PCs through the clinic setting
``google.shared`` (synced like every clinic setting): after a round and when the link
changes, only on a station that syncs with a cloud, never patient data or tokens; a
quiet round is shared at most every half hour; the setting is not set by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from googlekit import CALENDAR, REFRESH, Clinic
from sqlalchemy import select

from receptionist.errors import ValidationError
from receptionist.google import account, shared
from receptionist.google import status as google_status
from receptionist.models import ClinicSetting, SyncState
from receptionist.ops import settings as settings_ops
from receptionist.settings import clinicstore
from receptionist.settings.google import SHARED
from sync import googlecmds

MONDAY_10 = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


def on_cloud_as(clinic: Clinic, code: str) -> None:
    """This PC syncs with a cloud as device ``code`` (what joining writes)."""
    with clinic.db.write() as s:
        s.add(SyncState(id=1, server_url="https://example.invalid", clinic_id="c1",
                        device_id="d1", device_code=code, device_name="Desk",
                        private_key=b"k"))  # fmt: skip


def shared_row(clinic: Clinic) -> tuple[int, dict[str, object]] | None:
    with clinic.db.read() as s:
        row = s.scalar(select(ClinicSetting).where(ClinicSetting.key == "google.shared"))
        return (row.version, json.loads(row.value)) if row is not None else None


@pytest.fixture
def station(clinic: Clinic) -> Clinic:
    on_cloud_as(clinic, "A")
    settings_ops.set_value(clinic.db, clinic.ctx, "google.station", "A")
    return clinic


def test_the_station_shares_each_round_with_no_patient_data_or_tokens(station: Clinic) -> None:
    station.book(MONDAY_10)
    assert station.round().status == "ok"
    found = shared_row(station)
    assert found is not None
    _version, value = found
    assert value == {
        "station": "A",
        "connected": True,
        "status": "ok",
        "at": station.clock.now().isoformat(),
        "counts": {"created": 1, "updated": 0, "deleted": 0, "blocked": 0, "conflicts": 0,
                   "errors": 0},
    }  # fmt: skip
    text = json.dumps(value)
    for secret in (REFRESH, "shh", "Zeynep", "Kaya", CALENDAR, "Check-up"):
        assert secret not in text


def test_a_needs_reconnect_and_a_disconnect_are_shared(station: Clinic) -> None:
    station.book(MONDAY_10)
    station.google.revoke(REFRESH)
    assert station.round().status == "needs_reconnect"
    found = shared_row(station)
    assert found is not None and found[1]["status"] == "needs_reconnect"
    account.disconnect(station.db, station.ctx)
    found = shared_row(station)
    assert found is not None and found[1]["connected"] is False


def test_a_quiet_round_is_shared_at_most_every_half_hour(station: Clinic) -> None:
    station.round()
    first = shared_row(station)
    station.clock.advance(minutes=5)
    station.round()  # nothing new: the same state as shared
    assert shared_row(station) == first
    station.book(MONDAY_10)
    station.clock.advance(minutes=5)
    station.round()  # something happened: shared at once
    after = shared_row(station)
    assert first is not None and after is not None and after[0] == first[0] + 1
    station.clock.advance(minutes=5)
    station.round()
    station.clock.advance(minutes=shared.QUIET_MINUTES)
    station.round()  # quiet, but the last share is half an hour old
    latest = shared_row(station)
    assert latest is not None and latest[1]["at"] == station.clock.now().isoformat()


def test_a_lone_pc_with_no_cloud_shares_nothing(clinic: Clinic) -> None:
    clinic.book(MONDAY_10)
    assert clinic.round().status == "ok"
    assert shared_row(clinic) is None


def test_another_pc_reads_the_station_state_and_ignores_a_former_station(
    clinic: Clinic,
) -> None:
    on_cloud_as(clinic, "A")
    settings_ops.set_value(clinic.db, clinic.ctx, "google.station", "B")
    value = {"station": "B", "connected": True, "status": "ok",
             "at": "2026-03-09T10:42:00+00:00", "counts": {"created": 2, "blocked": 1}}  # fmt: skip
    with clinic.db.write() as s:  # as cloud sync brings it from PC B
        clinicstore.write(s, clinic.ctx, SHARED, value)
    found = google_status.brief(clinic.db).shared
    assert found is not None
    assert (found.station, found.status, found.changes) == ("B", "ok", 3)
    assert found.last_round_at == datetime(2026, 3, 9, 10, 42, tzinfo=UTC)
    assert google_status.status(clinic.db).shared == found
    listed = googlecmds._status_data(google_status.status(clinic.db))["station"]["shared"]
    assert listed["status"] == "ok" and listed["counts"] == {"created": 2, "blocked": 1}
    settings_ops.set_value(clinic.db, clinic.ctx, "google.station", "C")
    assert google_status.brief(clinic.db).shared is None  # B's state is not C's


def test_the_shared_state_is_not_set_by_hand_nor_on_the_settings_page(clinic: Clinic) -> None:
    with pytest.raises(ValidationError, match="kept by Receptionist itself") as refused:
        settings_ops.set_text(clinic.db, clinic.ctx, "google.shared", "{}")
    assert refused.value.field == "google.shared"
    assert "google.shared" not in {s.key for s in settings_ops.declared("clinic")}
    assert not settings_ops.get(clinic.db, clinic.ctx, "google.shared").editable
