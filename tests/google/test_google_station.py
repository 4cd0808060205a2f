"""The Google station: only the PC the clinic setting ``google.station`` names runs
Google sync (a lone PC with no cloud when it is empty); the scheduler's job does
nothing elsewhere, a round asked for elsewhere is refused, and the other PCs show
which PC runs it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from googlekit import CALENDAR, Clinic

from receptionist.errors import ValidationError
from receptionist.google import station
from receptionist.google import status as google_status
from receptionist.models import SyncState
from receptionist.ops import settings as settings_ops
from sync import jobs

MONDAY_10 = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


@pytest.fixture
def served(clinic: Clinic, monkeypatch: pytest.MonkeyPatch) -> Clinic:
    """The job builds its client as the app does: from the environment."""
    monkeypatch.setenv("RECEPTIONIST_GOOGLE_API_ENDPOINT", clinic.google.api)
    monkeypatch.setenv("RECEPTIONIST_GOOGLE_TOKEN_URI", clinic.google.token_uri)
    return clinic


def joined_cloud(clinic: Clinic, code: str) -> None:
    """This PC syncs with a cloud as device ``code`` (what joining writes)."""
    with clinic.db.write() as s:
        s.add(SyncState(id=1, server_url="https://example.invalid", clinic_id="c1",
                        device_id="d1", device_code=code, device_name="Desk",
                        private_key=b"k"))  # fmt: skip


def name_station(clinic: Clinic, code: str) -> None:
    settings_ops.set_value(clinic.db, clinic.ctx, "google.station", code)


def test_a_lone_pc_is_the_station_and_its_job_runs_the_round(served: Clinic) -> None:
    served.book(MONDAY_10)
    done = jobs.google_sync(served.db, served.clock)
    assert done["station"] == 1 and done["ok"] == 1 and done["created"] == 1
    assert len(served.google.live(CALENDAR)) == 1


def test_another_pc_named_runs_it_and_this_one_does_nothing(served: Clinic) -> None:
    served.book(MONDAY_10)
    name_station(served, "b")
    assert jobs.google_sync(served.db, served.clock) == {"station": 0}
    assert served.google.api_requests == 0 and served.google.requests["token"] == 0
    with pytest.raises(ValidationError, match="PC B runs Google sync"):
        served.round()  # asked for by hand (`google sync`): refused, naming the setting
    shown = google_status.status(served.db).station
    assert (shown.named, shown.here, shown.is_here, shown.elsewhere) == ("B", "A", False, "B")
    assert google_status.status(served.db).waiting == 0  # nothing was even queued here


def test_with_a_cloud_no_pc_runs_it_until_one_is_named(served: Clinic) -> None:
    served.book(MONDAY_10)
    joined_cloud(served, "C")
    assert jobs.google_sync(served.db, served.clock) == {"station": 0}
    with pytest.raises(ValidationError, match=r"google\.station C"):
        served.round()
    name_station(served, "C")
    assert station.station(served.db).is_here
    done = jobs.google_sync(served.db, served.clock)
    assert done["ok"] == 1 and done["created"] == 1


def test_the_station_with_no_account_connected_waits_quietly(served: Clinic) -> None:
    settings_ops.set_value(served.db, served.ctx, "google.credentials", "")
    assert jobs.google_sync(served.db, served.clock) == {"station": 1, "connected": 0}
    assert served.google.api_requests == 0


def test_the_job_is_among_the_network_jobs() -> None:
    assert jobs.GOOGLE_SYNC in jobs.NETWORK_JOBS and jobs.GOOGLE_SYNC.name == "google.sync"
