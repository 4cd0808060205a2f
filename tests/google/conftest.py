"""A clinic mapped to a loopback Google Calendar (``fakegoogle``), connected with an
authorized-user JSON, and a round run on the Google thread with no real sleeping.

The clinic of :func:`clinic` is made once a session (``mapped_template``: the same
rows, settings and keychain entries :func:`make` writes) and copied for each test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from factories import (
    CLOCK_START,
    actor_ctx,
    make_clinic,
    make_patient,
    make_provider,
    make_service,
)
from fakegoogle import FakeGoogle, serving
from templates import Template, cli_env_for, make_template

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.google import calendars
from receptionist.ops import settings as settings_ops
from receptionist.schedule import booking
from receptionist.store.storage import Database
from receptionist.store.vault import Created, open_clinic
from sync.cli import main as cli_main
from sync.google import round as google_round
from sync.google import service
from sync.google.pacing import unpaced
from sync.google.worker import on_google_thread

REFRESH = "refresh-1"
INFO = {
    "client_id": "cid.apps.googleusercontent.com",
    "client_secret": "shh",
    "refresh_token": REFRESH,
    "type": "authorized_user",
}
CALENDAR = "dr.ayse@group.calendar.google.com"
# The clinic of test_google_cli's clinic fixture, as these commands make it.
CLI_SETUP = (
    ["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/London", "--region", "GB",
     "--admin-user", "admin"],
    ["provider", "add", "Dr Ayşe Aksoy", "--hours", "mon-fri 09:00-17:00"],
    ["service", "add", "Check-up", "--minutes", "30"],
    ["patient", "add", "--given-name", "Zeynep", "--family-name", "Kaya"],
)  # fmt: skip


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with serving() as fake:
        yield fake


@dataclass
class Clinic:
    db: Database
    ctx: Ctx
    clock: FixedClock
    google: FakeGoogle
    ids: dict[str, str]
    sleeps: list[float] = field(default_factory=list)

    def round(self) -> google_round.Outcome:
        def connect(info: dict[str, str]) -> Any:
            return service.build(info, endpoint=self.google.api, token_at=self.google.token_uri)

        return on_google_thread(
            lambda: google_round.run(
                self.db, self.clock, connect=connect, sleep=self.sleeps.append, pacer=unpaced()
            )
        )

    def book(self, start: datetime, patient: str = "p1") -> str:
        with self.db.write() as s:
            appt = booking.book(
                s,
                self.ctx,
                patient_id=self.ids[patient],
                provider_id=self.ids["ayse"],
                service_id=self.ids["checkup"],
                start=start,
                override_reason="test",
            )
            return appt.id

    def event_of(self, appointment_id: str) -> dict[str, Any]:
        from receptionist.google.eventbody import event_id

        return self.google.event(CALENDAR, event_id(appointment_id))


def make(db: Database, ctx: Ctx, clock: FixedClock, google: FakeGoogle, tz: str) -> Clinic:
    return Clinic(db, ctx, clock, google, fill(db, ctx, clock, tz))


def fill(db: Database, ctx: Ctx, clock: FixedClock, tz: str) -> dict[str, str]:
    """A provider, a service and two patients; the account connected, the provider
    mapped to ``CALENDAR``. Returns their ids."""
    with db.write() as s:
        make_clinic(s, ctx, tz=tz)
        ayse = make_provider(s, ctx, "Dr Ayşe")
        checkup = make_service(s, ctx, "Check-up", 30)
        p1 = make_patient(s, clock.now(), 1, "Zeynep", "Kaya", phone="+905321234567")
        p2 = make_patient(s, clock.now(), 2, "Emre", "Demir")
        ids = {"ayse": ayse.id, "checkup": checkup.id, "p1": p1.id, "p2": p2.id}
    settings_ops.set_value(db, ctx, "google.credentials", json.dumps(INFO))
    calendars.map_provider(db, ctx, "Dr Ayşe", CALENDAR)
    return ids


@pytest.fixture(scope="session")
def mapped_template(
    tmp_path_factory: pytest.TempPathFactory, clinic_template: Template[Created]
) -> Template[dict[str, str]]:
    """The clinic of :func:`clinic`: a new clinic (``data_dir``'s) filled by :func:`fill`
    as the ``ctx`` and ``clock`` fixtures would, made once."""
    root = tmp_path_factory.mktemp("google-clinic") / "clinic"

    def build(folder: Path) -> dict[str, str]:
        clinic_template.copy_to(folder)
        db = open_clinic(folder)
        try:
            clock = FixedClock(CLOCK_START)
            return fill(db, actor_ctx("admin", clock, source="cli"), clock, "Europe/London")
        finally:
            db.close()

    return make_template(root, build)


@pytest.fixture
def clinic(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    ctx: Ctx,
    clock: FixedClock,
    google: FakeGoogle,
    mapped_template: Template[dict[str, str]],
) -> Iterator[Clinic]:
    """This test's own copy of the mapped clinic in Europe/London (made afresh for a
    clock set elsewhere before)."""
    if clock.now() != CLOCK_START:
        yield make(request.getfixturevalue("db"), ctx, clock, google, "Europe/London")
        return
    root = tmp_path / "clinic"
    ids = mapped_template.copy_to(root)
    db = open_clinic(root)
    try:
        yield Clinic(db, ctx, clock, google, ids)
    finally:
        db.close()


@pytest.fixture(scope="session")
def cli_made(tmp_path_factory: pytest.TempPathFactory) -> Template[None]:
    """The clinic of test_google_cli's ``clinic`` (which the calendar and OAuth tests
    take too), made by ``CLI_SETUP`` once a session (in the ``cli_env`` environment, as
    each test made it before; each of the three modules made its own)."""
    root = tmp_path_factory.mktemp("google-cli") / "clinic"

    def build(_root: Path) -> None:
        for argv in CLI_SETUP:
            assert cli_main(argv) == 0, argv

    return make_template(root, build, env=cli_env_for(root))
