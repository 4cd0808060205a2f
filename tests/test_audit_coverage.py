"""The audit log against the file's rows: it begins with the clinic's creation and
holds a creation event for every row, so an emptied, restarted or shortened log is
found even when its chain and head are whole (issue #11, item 7)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from factories import add_clinic, make_patient
from sqlalchemy import inspect, text
from tamper import add_and_open_patient, count, cut_end, genuine_template, rechain, seq_of
from templates import Template

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.journal import audit, coverage
from receptionist.models import AuditEvent, Base, Clinic, Synced
from receptionist.staff.accounts import create_user
from receptionist.store.storage import Database
from receptionist.store.vault import open_clinic


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Template[datetime]:
    """A genuine clinic (``tamper.genuine_clinic``), made once for the module; the time
    its making left the clock at."""
    return genuine_template(tmp_path_factory)


@pytest.fixture
def clinic(tmp_path: Path, clock: FixedClock, made: Template[datetime]) -> Iterator[Database]:
    """This test's own genuine clinic, open; ``clock`` is where the making left it."""
    clock.set(made.copy_to(tmp_path / "clinic"))
    db = open_clinic(tmp_path / "clinic")
    yield db
    db.close()


def verified(db: Database) -> audit.VerifyResult:
    with db.read() as s:
        return audit.verify(s)


def test_a_clinic_as_init_makes_it_verifies(clinic: Database) -> None:
    with clinic.read() as s:
        first = s.get(AuditEvent, 1)
        clinic_id = s.scalar(text("SELECT id FROM clinic"))
        events = count(s)
    assert first is not None
    assert (first.action, first.entity_type, first.entity_id) == ("create", "clinic", clinic_id)
    result = verified(clinic)
    assert (result.ok, result.events, result.problem) == (True, events, "")
    assert result.message == f"The audit log is intact ({events} events)."


def test_every_event_and_the_head_deleted_is_tampering(clinic: Database) -> None:
    """The issue's case: this said "The audit log is intact (0 events)"."""
    with clinic.write() as s:
        s.execute(text("DELETE FROM audit_event"))
        s.execute(text("DELETE FROM audit_head"))
    result = verified(clinic)
    assert (result.ok, result.events, result.first_bad_seq) == (False, 0, None)
    assert result.message == (
        "The audit log was tampered with: the log is empty, but the clinic holds data: "
        "its events were deleted."
    )


def test_a_bare_file_with_no_rows_and_no_events_is_intact(db: Database) -> None:
    assert verified(db).ok


def test_events_deleted_from_the_start_and_rechained_are_tampering(clinic: Database) -> None:
    """The clinic's and its administrator's creation removed, the rest renumbered and
    rehashed by a script: chain and head are whole, but the log starts too late."""
    with clinic.write() as s:
        s.execute(text("DELETE FROM audit_event WHERE seq <= 2"))
        rechain(s)
    result = verified(clinic)
    assert (result.ok, result.first_bad_seq) == (False, 1)
    assert result.problem == (
        "the log does not begin with the clinic's creation: its first events were "
        "removed or replaced"
    )


def test_events_deleted_from_the_start_are_found_by_the_chain(clinic: Database) -> None:
    with clinic.write() as s:
        s.execute(text("DELETE FROM audit_event WHERE seq <= 2"))
    result = verified(clinic)
    assert (result.ok, result.first_bad_seq, result.problem) == (False, 3, "event 1 is missing")


def test_a_log_cut_short_with_its_head_set_back_is_tampering(
    clinic: Database, clock: FixedClock
) -> None:
    """SQL only: the events from a patient's creation on deleted, the head set to the
    last event left. The patient's row has no creation event any more."""
    with clinic.write() as s:
        keep = seq_of(s, "create", "patient") - 1
        cut_end(s, keep=keep)
    result = verified(clinic)
    assert (result.ok, result.events, result.first_bad_seq) == (False, keep, None)
    assert result.message == (
        "The audit log was tampered with: 1 patient record(s) have no creation event in "
        "the log: events were removed, or records were written outside the app."
    )


def test_rows_written_outside_the_app_are_found(clinic: Database, clock: FixedClock) -> None:
    with clinic.write() as s:
        make_patient(s, clock.now(), 7)
    assert "1 patient record(s) have no creation event" in verified(clinic).problem


def test_a_clinic_made_before_its_row_was_audited_still_verifies(
    db: Database, clock: FixedClock
) -> None:
    """``init`` up to 2026-11-22 (commit 853b008) wrote the clinic row without an
    event; its log begins with the first administrator's creation, by no one."""
    at_init = Ctx(Actor(None, "admin", "cli"), clock)
    with db.write() as s:
        add_clinic(s, clock.now())
        create_user(s, at_init, username="boss", password="admin-password-1", role="admin",
                    bootstrap=True)  # fmt: skip
    with db.write() as s:
        add_and_open_patient(s, Ctx(Actor("desk-1", "receptionist", "ui"), clock))
    assert verified(db).ok


def test_a_log_begun_by_someone_else_is_not_a_clinic_start(db: Database, clock: FixedClock) -> None:
    """The older start is the administrator made by no one at init; a staff account
    made by a signed-in user first in the log is not a start."""
    with db.write() as s:
        add_clinic(s, clock.now())
        create_user(s, Ctx(Actor("u1", "admin", "ui"), clock), username="boss",
                    password="admin-password-1", role="admin")  # fmt: skip
    assert verified(db).first_bad_seq == 1


def test_generated_rows_need_no_event_of_their_own_but_later_ones_do(
    clinic: Database, clock: FixedClock
) -> None:
    """The demo writes its rows in bulk under one "generate" event per kind."""
    ctx = Ctx(Actor(None, "admin", "cli"), clock)
    with clinic.write() as s:
        make_patient(s, clock.now(), 7)
        audit.record(s, ctx, "generate", "patient", None)
    assert verified(clinic).ok
    clock.advance(seconds=1)
    with clinic.write() as s:
        make_patient(s, clock.now(), 8)
    assert "1 patient record(s)" in verified(clinic).problem


def test_only_an_older_clinic_may_begin_with_its_administrator(clinic: Database) -> None:
    """Cut from a newer log, the clinic's creation alone leaves a log that begins as
    an older clinic's does: for a clinic made since, that is tampering."""
    with clinic.write() as s:  # the clinic's creation and its settings' before the admin's
        s.execute(
            text("DELETE FROM audit_event WHERE seq < :n"), {"n": seq_of(s, "create", "staff_user")}
        )
        rechain(s)
    with clinic.read() as s:
        first = s.get(AuditEvent, 1)
        assert first is not None and (first.entity_type, first.actor_id) == ("staff_user", None)
    assert verified(clinic).first_bad_seq == 1


def test_every_kind_of_row_is_held_to_its_creation_event() -> None:
    """A new table of synced rows must say how its creation is audited."""
    synced = {
        mapper.local_table.name
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, Synced)
    }
    assert synced == set(coverage.CREATED_BY) | {Clinic.__tablename__, "clinic_setting"}
    for kind, (model, _, _) in coverage.CREATED_BY.items():
        assert inspect(model).local_table.name == kind
