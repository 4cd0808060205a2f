"""Three PCs of one clinic, a real endpoint on loopback, and Hypothesis choosing what
the front desks do: book (on a small grid of times and two doctors, so clashes
happen), move, cancel, edit a patient, delete a patient, sync, lose the network; the
endpoint on SQLite and on PostgreSQL. Afterwards everyone syncs: every replica is
equal, the endpoint holds no two active bookings of one doctor at once, and every
write a PC acknowledged is there, or is in a conflict every PC sees (or its patient
was deleted: an erasure wins)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from faultkit import (
    PASSPHRASE,
    BlankPcs,
    Pc,
    audit_intact,
    catalogue,
    free_port,
    replica_of,
    tokens_in_files,
)
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test
from pairkit import PairTemplates, files_pair, owed
from serverkit import BACKENDS, PgCluster, endpoint_at
from sqlalchemy import create_engine, select, text

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.errors import ReceptionistError
from receptionist.models import Patient, Provider, SyncConflict
from receptionist.ops import replica
from receptionist.patients import record as patients
from receptionist.schedule import booking, catalog
from receptionist.store.vault import open_clinic
from sync import cloud
from sync import round as rounds
from sync.client import Client
from sync.round import RoundResult

pytestmark = pytest.mark.slow
PCS = 3
TUE = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)  # 10:00 in Istanbul
SLOTS = [TUE + timedelta(minutes=15 * n) for n in range(4)]  # 30-minute bookings overlap
PHONES = ["05320000001", "05320000002"]
NOTES = ["Prefers mornings", "Hard of hearing"]


@dataclass(frozen=True)
class Write:
    """A write a PC acknowledged: ``field`` of the row became ``value``."""

    entity: str
    row_id: str
    field: str
    value: object


class Clinic(RuleBasedStateMachine):
    template: ClassVar[Path]
    # This example's own copy of the endpoint's database (its data folder given), its URL.
    endpoint_copy: ClassVar[Callable[[Path], str]]

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="rcp-stateful-"))
        shutil.copytree(self.template, self.folder, dirs_exist_ok=True)
        self.clock = FixedClock(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
        self.stack = ExitStack()
        self.url = Clinic.endpoint_copy(self.folder)
        self.endpoint = self.stack.enter_context(endpoint_at(self.url, self.clock))
        self.pcs: list[Pc] = []
        for n in range(1, PCS + 1):
            root = self.folder / f"pc-{n}"
            db = open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})
            self.stack.callback(db.close)
            self.pcs.append(Pc(root, db, Ctx(Actor(None, "admin", "ui"), self.clock)))
        self.offline = [False] * PCS
        with self.pcs[0].db.read() as s:
            self.patients = sorted(s.scalars(select(Patient.id)))
            self.doctors = sorted(s.scalars(select(Provider.id)))
        self.service = catalogue(self.pcs[0])[1]
        self.booked: list[str] = []
        self.writes: list[Write] = []

    # -- what the front desks do ------------------------------------------------------

    def _write(self, n: int, work: Any) -> Any:
        """``work`` in one transaction on PC ``n``; None if the PC refused it (its own
        checks: a clash it can see, a row it does not have yet, a cancelled one)."""
        self.clock.advance(minutes=1)
        try:
            with self.pcs[n].db.write() as s:
                return work(s, self.pcs[n].ctx)
        except ReceptionistError:
            return None

    @rule(n=st.integers(0, PCS - 1), who=st.integers(0, 1), doctor=st.integers(0, 1),
          slot=st.integers(0, len(SLOTS) - 1))  # fmt: skip
    def book(self, n: int, who: int, doctor: int, slot: int) -> None:
        made = self._write(
            n,
            lambda s, ctx: (
                booking.book(
                    s,
                    ctx,
                    patient_id=self.patients[who],
                    provider_id=self.doctors[doctor],
                    service_id=self.service,
                    start=SLOTS[slot],
                ).id
            ),
        )
        if made is not None:
            self.booked.append(made)
            self.writes.append(Write("appointment", made, "start_utc", SLOTS[slot]))

    @precondition(lambda self: self.booked)
    @rule(n=st.integers(0, PCS - 1), data=st.data(), slot=st.integers(0, len(SLOTS) - 1))
    def move(self, n: int, data: st.DataObject, slot: int) -> None:
        which = data.draw(st.sampled_from(self.booked))
        if self._write(n, lambda s, ctx: booking.reschedule(s, ctx, which, start=SLOTS[slot])):
            self.writes.append(Write("appointment", which, "start_utc", SLOTS[slot]))

    @precondition(lambda self: self.booked)
    @rule(n=st.integers(0, PCS - 1), data=st.data())
    def cancel(self, n: int, data: st.DataObject) -> None:
        which = data.draw(st.sampled_from(self.booked))
        if self._write(n, lambda s, ctx: booking.cancel(s, ctx, which, "patient called")):
            self.writes.append(Write("appointment", which, "status", "cancelled"))

    @rule(n=st.integers(0, PCS - 1), who=st.integers(0, 1), phone=st.sampled_from(PHONES),
          note=st.sampled_from(NOTES), field=st.sampled_from(["phone", "notes"]))  # fmt: skip
    def edit_patient(self, n: int, who: int, phone: str, note: str, field: str) -> None:
        value = phone if field == "phone" else note
        done = self._write(
            n, lambda s, ctx: patients.update_patient(s, ctx, self.patients[who], **{field: value})
        )
        if done is not None:
            self.writes.append(Write("patient", self.patients[who], field, getattr(done, field)))

    @rule(n=st.integers(0, PCS - 1), who=st.integers(0, 1))
    def delete_patient(self, n: int, who: int) -> None:
        self._write(n, lambda s, ctx: patients.delete_patient(s, ctx, self.patients[who]))

    @rule(n=st.integers(0, PCS - 1))
    def sync(self, n: int) -> None:
        self._round(n)

    @rule(n=st.integers(0, PCS - 1))
    def network_down(self, n: int) -> None:
        self.offline[n] = True

    @rule(n=st.integers(0, PCS - 1))
    def network_back(self, n: int) -> None:
        self.offline[n] = False

    def _round(self, n: int) -> RoundResult | None:
        """PC ``n``'s round; None when it could not reach the endpoint (offline)."""
        pc = self.pcs[n]
        url = f"http://127.0.0.1:{free_port()}" if self.offline[n] else self.endpoint.url
        with Client(url, replica.token(pc.db)) as client:
            try:
                return rounds.run(pc.db, client, self.clock)
            except rounds.Unreachable:
                assert self.offline[n], "the endpoint is up: the round must complete"
                return None

    # -- afterwards -------------------------------------------------------------------

    def teardown(self) -> None:
        try:
            self.offline = [False] * PCS
            for _ in range(3):  # at most three times round, as settle (pairkit.owed)
                done = [self._round(n) for n in range(PCS)]
                if not owed([d for d in done if d is not None]):
                    break
            self._converged()
        finally:
            self.stack.close()
            shutil.rmtree(self.folder, ignore_errors=True)

    def _converged(self) -> None:
        first = replica_of(self.pcs[0].db)
        for pc in self.pcs[1:]:
            assert replica_of(pc.db) == first, "every replica equal"
        conflicts = [_conflicts(pc) for pc in self.pcs]
        assert conflicts[1:] == conflicts[:-1], "every PC sees every conflict"
        for pc in self.pcs:
            assert replica.status(pc.db).waiting == 0
        audit_intact(*self.pcs)
        assert _overlaps(self.url) == [], "the endpoint holds no double booking"
        self._acknowledged(first, {(e, r) for e, r, _ in conflicts[0]})

    def _acknowledged(
        self, rows: dict[str, list[dict[str, object]]], conflicted: set[tuple[str, str]]
    ) -> None:
        by_id = {(entity, str(v["id"])): v for entity, values in rows.items() for v in values}
        last: dict[tuple[str, str, str], Write] = {}
        for write in self.writes:
            assert (write.entity, write.row_id) in by_id, f"a {write.entity} written is gone"
            last[(write.entity, write.row_id, write.field)] = write
        for (entity, row_id, field), write in last.items():
            row = by_id[(entity, row_id)]
            erased = entity == "patient" and row["deleted_at"] is not None
            if row[field] != write.value and not erased:
                assert (entity, row_id) in conflicted, f"{entity}.{field}: the last write lost"


def _conflicts(pc: Pc) -> list[tuple[str, str, str]]:
    with pc.db.read() as s:
        return sorted((c.entity, c.row_id, c.id) for c in s.scalars(select(SyncConflict)))


def _overlaps(url: str) -> list[tuple[str, str]]:
    """Pairs of active, non-override appointments on the endpoint that share a doctor
    or a room at once."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT a.id, b.id FROM record a JOIN record b ON a.id < b.id"
                    " AND a.clinic_id = b.clinic_id AND a.entity = 'appointment'"
                    " AND b.entity = 'appointment' AND a.start_at < b.end_at"
                    " AND b.start_at < a.end_at AND (a.provider_id = b.provider_id"
                    " OR a.room_id = b.room_id)"
                    " WHERE NOT a.deleted AND NOT b.deleted AND NOT a.override"
                    " AND NOT b.override AND a.status NOT IN ('cancelled', 'no_show')"
                    " AND b.status NOT IN ('cancelled', 'no_show')"
                )
            )
            return [(str(r[0]), str(r[1])) for r in rows]
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_pcs_converge_whatever_they_do_offline(
    tmp_path: Path, clock: FixedClock, backend: str, request: pytest.FixtureRequest,
    pair_templates: PairTemplates, blank_pcs: BlankPcs,
) -> None:  # fmt: skip
    tokens_in_files()
    template = tmp_path / "template"
    template.mkdir()
    # The first two PCs and the endpoint's database: a copy of the session's pair as
    # faultkit.joined_pcs made it (pairkit.py); the others join here, as it joins them.
    pair = pair_templates.get(request, "files", backend)
    url = pair_templates.database_copy(request, "files", backend, template)
    if backend == "sqlite":
        Clinic.endpoint_copy = lambda folder: f"sqlite:///{folder / 'endpoint.db'}"
    else:  # each example gets a database made from this one (PostgreSQL's TEMPLATE)
        cluster: PgCluster = request.getfixturevalue("pg_cluster")
        Clinic.endpoint_copy = lambda _folder: cluster.copy_of(url)
    with endpoint_at(url, clock) as served:
        pcs = files_pair(pair, template, served.url, clock)
        for k, n in enumerate(range(len(pcs) + 1, PCS + 1)):
            pc = blank_pcs.copy(k, template / f"pc-{n}", clock)
            invitation = cloud.invite(pcs[0].db, pcs[0].ctx)
            cloud.join(pc.db, pc.ctx, served.url, invitation.code, f"FRONT-{n}")
            cloud.sync_once(pc.db, clock)
            pcs.append(pc)
        with pcs[0].db.write() as s:
            catalog.create_provider(s, pcs[0].ctx, name="Dr Kaya")
        for pc in pcs:
            with Client(served.url, replica.token(pc.db)) as client:
                rounds.run(pc.db, client, clock)
        for pc in pcs:
            pc.db.close()
    Clinic.template = template
    run_state_machine_as_test(
        Clinic,
        settings=settings(
            max_examples=8,
            stateful_step_count=14,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
