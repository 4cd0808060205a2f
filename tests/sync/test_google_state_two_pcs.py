"""The Google station's state reaches the clinic's other PCs through cloud sync: two PCs
on a real loopback endpoint, the station's round against the loopback Google, a sync,
and the other PC's status says how the round went ("needs reconnect" too)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from serverkit import Endpoint, new_database
from sqlalchemy import select

from receptionist.clock import FixedClock
from receptionist.context import SYSTEM, Actor, Ctx
from receptionist.google import calendars
from receptionist.google import status as google_status
from receptionist.models import Provider, Service, SyncState
from receptionist.ops import settings as settings_ops
from receptionist.ops.patients import NewPatient, add
from receptionist.ops.setup import ClinicSpec, initialise
from receptionist.schedule import booking, catalog
from receptionist.store.storage import Database
from receptionist.store.vault import create, open_clinic
from sync import cloud
from sync.google import round as google_round
from sync.google import service
from sync.google.pacing import unpaced
from sync.google.worker import on_google_thread
from sync.server.commands import NewClinic

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "google"))
from fakegoogle import FakeGoogle, serving

REFRESH = "refresh-1"
INFO = {"client_id": "cid.apps.googleusercontent.com", "client_secret": "shh",
        "refresh_token": REFRESH, "type": "authorized_user"}  # fmt: skip
CALENDAR = "dr.aydin@group.calendar.google.com"
TUE_10 = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)


@dataclass
class Pc:
    db: Database
    ctx: Ctx

    @property
    def code(self) -> str:
        with self.db.read() as s:
            return str(s.scalar(select(SyncState.device_code)))


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The endpoint over SQLite only: what is under test is the Google state it carries."""
    return new_database(request, "sqlite", tmp_path)


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with serving() as fake:
        yield fake


@pytest.fixture
def pcs(
    tmp_path: Path, clock: FixedClock, endpoint: Endpoint, new_clinic: NewClinic
) -> Iterator[tuple[Pc, Pc]]:
    spec = ClinicSpec("Moda Dental", "Europe/Istanbul", "TR", "boss", "admin-password-1")
    initialise(tmp_path / "a", spec, clock, passphrase="a long enough passphrase")
    a = Pc(open_clinic(tmp_path / "a", env={"RECEPTIONIST_PASSPHRASE": "a long enough passphrase"}),
           Ctx(Actor(None, "admin", "ui"), clock))  # fmt: skip
    create(tmp_path / "b", passphrase="another long passphrase")
    b = Pc(open_clinic(tmp_path / "b", env={"RECEPTIONIST_PASSPHRASE": "another long passphrase"}),
           Ctx(SYSTEM, clock))  # fmt: skip
    try:
        with a.db.write() as s:
            catalog.create_provider(s, a.ctx, name="Dr Aydın")
            catalog.create_service(s, a.ctx, name="Check-up", duration_minutes=30)
        cloud.connect(a.db, a.ctx, endpoint.url, new_clinic.code, "FRONT-1")
        cloud.sync_once(a.db, clock)
        cloud.join(b.db, b.ctx, endpoint.url, cloud.invite(a.db, a.ctx).code, "FRONT-2")
        cloud.sync_once(b.db, clock)
        yield a, b
    finally:
        a.db.close()
        b.db.close()


def make_station(a: Pc) -> None:
    """PC A: the Google station, connected, its provider mapped, one appointment."""
    settings_ops.set_value(a.db, a.ctx, "google.station", a.code)
    settings_ops.set_value(a.db, a.ctx, "google.credentials", json.dumps(INFO))
    calendars.map_provider(a.db, a.ctx, "Dr Aydın", CALENDAR)
    patient = add(a.db, a.ctx, NewPatient("Ayşe", "Yılmaz", "05321234567"))
    with a.db.write() as s:
        booking.book(
            s, a.ctx, patient_id=patient.id, provider_id=catalog.find(s, Provider, "Aydın").id,
            service_id=catalog.find(s, Service, "Check-up").id, start=TUE_10,
            override_reason="test",
        )  # fmt: skip


def google_round_on(pc: Pc, google: FakeGoogle) -> str:
    def connect(info: dict[str, str]) -> Any:
        return service.build(info, endpoint=google.api, token_at=google.token_uri)

    done = on_google_thread(
        lambda: google_round.run(
            pc.db, pc.ctx.clock, connect=connect, sleep=lambda _s: None, pacer=unpaced()
        )
    )
    return done.status


def settle(*pcs: Pc) -> None:
    for _ in range(2):
        for pc in pcs:
            cloud.sync_once(pc.db, pc.ctx.clock)


def test_the_other_pc_shows_the_station_round_and_its_needs_reconnect(
    pcs: tuple[Pc, Pc], google: FakeGoogle
) -> None:
    a, b = pcs
    make_station(a)
    settle(a, b)
    seen = google_status.brief(b.db)
    assert seen.station.elsewhere == a.code and seen.shared is None  # no round yet
    assert google_round_on(a, google) == "ok" and len(google.live(CALENDAR)) == 1
    assert google_status.brief(b.db).shared is None  # not before cloud sync brings it
    settle(a, b)
    found = google_status.brief(b.db).shared
    assert found is not None
    assert (found.station, found.connected, found.status) == (a.code, True, "ok")
    assert found.last_round_at == a.ctx.clock.now() and found.changes == 1
    assert found.counts["created"] == 1 and found.errors == 0
    assert google_status.status(b.db).shared == found

    google.revoke(REFRESH)
    a.ctx.clock.advance(minutes=5)
    assert google_round_on(a, google) == "needs_reconnect"
    settle(a, b)
    found = google_status.brief(b.db).shared
    assert found is not None and found.status == "needs_reconnect"
    assert found.last_round_at == a.ctx.clock.now()
