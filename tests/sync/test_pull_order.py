"""A row's newest record takes a new server sequence, so a pull can bring a row
before the row it points at (an appointment booked on Monday for a patient whose
phone changed on Tuesday). The PC applies it all the same, whatever the pages: a
new PC joins such a clinic, and a PC that was away catches up."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from faultkit import (
    BlankPcs,
    audit_intact,
    catalogue,
    replica_of,
    settle,
    tokens_in_files,
)
from pairkit import copy_first_pc
from serverkit import Endpoint
from templates import Template

from receptionist.clock import FixedClock
from receptionist.ops import replica
from receptionist.ops.patients import NewPatient, add, find
from receptionist.patients import record as patients
from receptionist.schedule import booking
from sync import client, cloud
from sync.server.commands import NewClinic

TUE_10 = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize("page", [500, 1])
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_row_pulled_before_the_row_it_points_at_is_applied_once_that_arrives(
    endpoint: Endpoint, new_clinic: NewClinic, tmp_path: Path, clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch, page: int,
    first_pc_template: Template[None], blank_pcs: BlankPcs,
) -> None:  # fmt: skip
    tokens_in_files()
    monkeypatch.setattr(client, "PULL_LIMIT", page)
    a = copy_first_pc(first_pc_template, tmp_path / "a", clock)
    cloud.connect(a.db, a.ctx, endpoint.url, new_clinic.code, "FRONT-1")
    cloud.sync_once(a.db, clock)
    b = blank_pcs.copy(0, tmp_path / "b", clock)
    cloud.join(b.db, b.ctx, endpoint.url, cloud.invite(a.db, a.ctx).code, "FRONT-2")
    cloud.sync_once(b.db, clock)
    try:
        doctor, service = catalogue(a)
        layla = add(a.db, a.admin(), NewPatient("Layla", "Haddad")).id
        assert layla
        with a.db.write() as s:  # booked, then her phone noted: she travels after it
            booking.book(s, a.admin(), patient_id=layla, provider_id=doctor,
                         service_id=service, start=TUE_10)  # fmt: skip
            patients.update_patient(s, a.admin(), layla, phone="05551112233")
        cloud.sync_once(a.db, clock)

        got = cloud.sync_once(b.db, clock)  # a PC that was away catches up

        assert got.pulled >= 2
        c = blank_pcs.copy(1, tmp_path / "c", clock)  # and a new PC joins
        cloud.join(c.db, c.ctx, endpoint.url, cloud.invite(a.db, a.ctx).code, "FRONT-3")
        cloud.sync_once(c.db, clock)
        settle(a, b, c)
        assert replica_of(b.db) == replica_of(a.db) == replica_of(c.db)
        assert replica.cursor(c.db) == replica.cursor(a.db)
        for pc in (a, b, c):
            assert replica.status(pc.db).waiting == 0
        audit_intact(a, b, c)
    finally:
        for pc in (a, b):
            pc.db.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_row_whose_parent_the_endpoint_no_longer_holds_does_not_stall_the_cursor(
    endpoint: Endpoint,
    new_clinic: NewClinic,
    tmp_path: Path,
    clock: FixedClock,
    first_pc_template: Template[None],
    blank_pcs: BlankPcs,
) -> None:
    """A deleted patient's tombstone is purged after the horizon, her booking stays:
    a PC joining later cannot apply the booking, and its pull still ends past it
    (rather than downloading everything after it again in every round)."""
    tokens_in_files()
    a = copy_first_pc(first_pc_template, tmp_path / "a", clock)
    cloud.connect(a.db, a.ctx, endpoint.url, new_clinic.code, "FRONT-1")
    try:
        doctor, service = catalogue(a)
        layla = add(a.db, a.admin(), NewPatient("Layla", "Haddad")).id
        assert layla
        with a.db.write() as s:
            booking.book(s, a.admin(), patient_id=layla, provider_id=doctor,
                         service_id=service, start=TUE_10)  # fmt: skip
            patients.delete_patient(s, a.admin(), layla)
        cloud.sync_once(a.db, clock)
        clock.advance(days=91)  # past the horizon: the next push purges her tombstone
        with a.db.write() as s:
            patients.update_patient(s, a.admin(), find(a.db, a.admin(), "omar")[0].id,
                                    notes="Seen in June")  # fmt: skip
        cloud.sync_once(a.db, clock)

        c = blank_pcs.copy(0, tmp_path / "c", clock)
        cloud.join(c.db, c.ctx, endpoint.url, cloud.invite(a.db, a.ctx).code, "FRONT-3")
        cloud.sync_once(c.db, clock)
        assert replica.cursor(c.db) == replica.cursor(a.db)
        assert cloud.sync_once(c.db, clock).pulled == 0, "nothing downloaded twice"
        c.db.close()
    finally:
        a.db.close()
