"""Sync under faults, with real parts: the endpoint served on loopback (in a process of
its own where it is killed), each PC its own encrypted file, a proxy that loses
answers, answers 502/503, or is slow. After each fault, once every PC has synced:
every change a PC committed is on the endpoint and on the other PC, none was applied
twice (the endpoint handed out no extra server sequence), and both audit chains hold."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from faultkit import (
    PASSPHRASE,
    BlankPcs,
    Pc,
    audit_intact,
    bad_network,
    catalogue,
    child_env,
    free_port,
    kill_when_said,
    replica_of,
    server_process,
    server_sequences,
    settle,
    tokens_in_files,
    versions_of,
)
from pairkit import copy_first_pc, point_at
from serverkit import Endpoint, LosingProxy, serving
from sqlalchemy import select
from templates import Template

from receptionist.clock import FixedClock, SystemClock
from receptionist.models import Appointment, Patient
from receptionist.ops import replica
from receptionist.ops.patients import NewPatient, add, find
from receptionist.patients import record as patients
from receptionist.schedule import booking
from receptionist.store.vault import open_clinic
from sync import cloud
from sync import round as rounds
from sync.cli import main
from sync.client import Client
from sync.round import Gap, Unreachable
from sync.server.commands import add_clinic
from sync.server.store import open_store

pytestmark = pytest.mark.slow
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: the kill
TUE_10 = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)  # 10:00 in Istanbul


@pytest.fixture(autouse=True)
def no_keychain(memory_keyring: object) -> None:
    tokens_in_files()


@pytest.fixture
def pcs(two_pcs: list[Pc]) -> list[Pc]:
    """Two PCs joined through the endpoint (a copy: tests/sync/pairkit.py)."""
    return two_pcs


def offline_work(pc: Pc) -> dict[str, str]:
    """What a receptionist does on ``pc`` with the network down: a new patient, an edit,
    a booking. The ids, to look for afterwards."""
    ctx = pc.admin()
    layla = add(pc.db, ctx, NewPatient("Layla", "Haddad", "05551112233"))
    assert layla.id
    ayse = find(pc.db, ctx, "ayse")[0].id
    doctor, service = catalogue(pc)
    with pc.db.write() as s:
        patients.update_patient(s, ctx, ayse, notes="Prefers mornings")
        booked = booking.book(
            s, ctx, patient_id=layla.id, provider_id=doctor, service_id=service, start=TUE_10
        )
    return {"layla": layla.id, "ayse": ayse, "appointment": booked.id}


def arrived_once(pcs: list[Pc], database_url: str, ids: dict[str, str]) -> None:
    """After everyone synced twice: the work is on every PC and the endpoint, once."""
    settle(*pcs)
    first = replica_of(pcs[0].db)
    for pc in pcs:
        assert replica_of(pc.db) == first, "every replica equal"
        assert replica.status(pc.db).waiting == 0
        with pc.db.read() as s:
            layla, ayse = s.get(Patient, ids["layla"]), s.get(Patient, ids["ayse"])
            booked = s.get(Appointment, ids["appointment"])
            assert layla is not None and layla.phone == "+905551112233"
            assert ayse is not None and ayse.notes == "Prefers mornings"
            assert booked is not None and booked.start_utc == TUE_10
            assert s.scalars(select(Appointment)).all() == [booked], "booked once"
    from faultkit import server_versions

    assert server_versions(database_url) == versions_of(pcs[0].db), "the endpoint holds the same"
    audit_intact(*pcs)


# -- the endpoint killed mid-push -----------------------------------------------------------


def test_an_endpoint_killed_mid_push_loses_nothing_and_applies_nothing_twice(
    database_url: str, tmp_path: Path, clock: FixedClock,
    first_pc_template: Template[None], blank_pcs: BlankPcs,
) -> None:  # fmt: skip
    """Only the endpoint that is killed runs in a process of its own; the one the PCs
    join before it and the one started again after it on the same database and port
    are served in this process (each Python process started costs ~1.6 s of CPU)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    made = add_clinic(database_url, "Kadıköy Clinic", out=None)  # on the process's clock
    with served_here(database_url, port):
        a, b = join_copies(url, made.code, tmp_path, clock, first_pc_template, blank_pcs)
    try:
        before = server_sequences(database_url)
        ids = offline_work(a)
        with server_process(database_url, port, hold_push=True) as server:
            killer = kill_when_said(server, "holding")
            with pytest.raises(Unreachable):
                cloud.sync_once(a.db, clock)
            killer.join(30)
            assert server.wait(30) == -signal.SIGKILL
        assert server_sequences(database_url) == before, "the killed push committed nothing"
        assert replica.status(a.db).waiting > 0, "and the PC still has all of it"
        with served_here(database_url, port):  # started again on the same database
            arrived_once([a, b], database_url, ids)
    finally:
        a.db.close()
        b.db.close()


def join_copies(
    url: str, code: str, folder: Path, clock: FixedClock, first: Template[None], blanks: BlankPcs
) -> list[Pc]:
    """The two PCs ``faultkit.joined_pcs(url, code, folder, clock)`` makes, their files
    copied from ones made once a session (pairkit.copy_first_pc, faultkit.BlankPcs); the
    connect, upload, invitation, join and download made here, as it makes them."""
    a = copy_first_pc(first, folder / "pc-1", clock)
    cloud.connect(a.db, a.ctx, url, code, "FRONT-1")
    cloud.sync_once(a.db, clock)
    b = blanks.copy(0, folder / "pc-2", clock)
    cloud.join(b.db, b.ctx, url, cloud.invite(a.db, a.ctx).code, "FRONT-2")
    cloud.sync_once(b.db, clock)
    return [a, b]


@contextmanager
def served_here(database_url: str, port: int) -> Iterator[None]:
    """The endpoint over ``database_url`` on ``port``, in this process, on the real
    clock (as the endpoint process has)."""
    store = open_store(database_url)
    try:
        with serving(store, SystemClock(), port=port):  # type: ignore[arg-type]
            yield
    finally:
        store.close()


# -- the answer lost after the endpoint committed -----------------------------------------


def test_a_push_whose_answer_was_lost_is_resent_and_applied_once(
    endpoint: Endpoint, database_url: str, pcs: list[Pc]
) -> None:
    a, _ = pcs
    ids = offline_work(a)
    proxy = LosingProxy(endpoint.url)
    try:
        with Client(proxy.url, replica.token(a.db)) as lossy, pytest.raises(Unreachable):
            rounds.run(a.db, lossy, a.ctx.clock)
    finally:
        proxy.close()
    assert proxy.lost and proxy.lost[0].startswith(b"HTTP/1.1 200"), "it had committed"
    committed = server_sequences(database_url)
    assert replica.status(a.db).waiting > 0, "the PC did not hear, so it sends again"

    again = cloud.sync_once(a.db, a.ctx.clock)

    assert again.pushed + again.uploaded == 3  # a batch left waiting goes first
    assert server_sequences(database_url) == committed, "the resend applied nothing twice"
    arrived_once(pcs, database_url, ids)


# -- duplicate and reordered pushes ---------------------------------------------------------


@SQLITE
def test_duplicate_and_reordered_pushes_apply_each_change_once(
    endpoint: Endpoint, database_url: str, pcs: list[Pc]
) -> None:
    a, _ = pcs
    ids = offline_work(a)
    with Client(endpoint.url, replica.token(a.db)) as client:
        older = replica.batch(a.db)
        first = client.push(older)
        committed = server_sequences(database_url)
        again = client.push(older)  # a repeat: the same answer, and when it first applied
        assert first.applied_at is None and again.applied_at is not None
        assert not first.repeated and again.repeated  # every change a repeat
        assert replace(again, applied_at=None, repeated=False) == first, "a repeat"
        assert server_sequences(database_url) == committed
        replica.answered(a.db, first.last_seq)

        with a.db.write() as s:
            patients.update_patient(s, a.admin(), ids["layla"], email="layla@example.org")
        newer = replica.batch(a.db)
        ahead = [replace(c, seq=c.seq + 3) for c in newer]
        with pytest.raises(Gap) as gap:  # overtook a push that never arrived
            client.push(ahead)
        assert gap.value.last_seq == first.last_seq
        assert server_sequences(database_url) == committed, "a push after a gap: nothing"

        answer = client.push(newer)
        replica.answered(a.db, answer.last_seq)
        done = server_sequences(database_url)
        assert client.push(older).last_seq == answer.last_seq, "an older push, late: a repeat"
        assert server_sequences(database_url) == done, "and applied nothing"
    arrived_once(pcs, database_url, ids)
    with pcs[1].db.read() as s:
        layla = s.get(Patient, ids["layla"])
        assert layla is not None and layla.email == "layla@example.org"


# -- a load balancer answering 502/503 ----------------------------------------------------


@SQLITE
def test_a_burst_of_502_and_503_is_offline_exit_4_then_a_round_completes(
    endpoint: Endpoint, pcs: list[Pc], database_url: str,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    a, b = pcs
    with bad_network(endpoint.url) as balancer:
        for pc in pcs:  # the PCs reach the endpoint through the load balancer
            point_at(pc.db, balancer.url)
        ids = offline_work(a)
        waiting = replica.status(a.db).waiting
        balancer.answered, balancer.statuses = [], [502, 503, 503]
        monkeypatch.setenv("RECEPTIONIST_DATA_DIR", str(a.root))
        monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", PASSPHRASE)
        for status in (502, 503, 503):
            assert main(["--json", "sync"]) == 4
            said = json.loads(capsys.readouterr().out)
            assert "cannot be reached" in said["error"] and str(status) in said["error"]
            assert replica.status(a.db).waiting == waiting, "nothing lost, nothing sent"
        assert main(["--json", "sync", "status"]) == 0
        status = json.loads(capsys.readouterr().out)
        assert status["online"] is False and status["waiting"] == waiting
        assert main(["--json", "sync"]) == 0, "the endpoint is back"
        done = json.loads(capsys.readouterr().out)
        assert done["pushed"] + done["uploaded"] == waiting
        assert balancer.answered[:3] == [502, 503, 503]
        arrived_once([a, b], database_url, ids)


# -- a slow link ---------------------------------------------------------------------------


@SQLITE
def test_a_slow_link_still_completes_a_round(
    endpoint: Endpoint, database_url: str, pcs: list[Pc]
) -> None:
    a, _ = pcs
    ids = offline_work(a)
    with (
        bad_network(endpoint.url, delay=0.2) as slow,
        Client(slow.url, replica.token(a.db)) as client,
    ):
        done = rounds.run(a.db, client, a.ctx.clock)
    assert done.pushed == 3
    arrived_once(pcs, database_url, ids)


@SQLITE
def test_a_link_that_trickles_ends_the_round_at_its_deadline_losing_nothing(
    endpoint: Endpoint, database_url: str, pcs: list[Pc]
) -> None:
    """An answer that keeps coming a byte at a time never trips a read timeout; the
    round still ends, at the client's deadline, as "unreachable"."""
    a, _ = pcs
    ids = offline_work(a)
    timeout = httpx.Timeout(2.0)
    with bad_network(endpoint.url, delay=0.05, trickle=True) as trickle:
        client = Client(trickle.url, replica.token(a.db), timeout=timeout, deadline=1.0)
        started = time.monotonic()
        with client, pytest.raises(Unreachable, match="took longer"):
            rounds.run(a.db, client, a.ctx.clock)
        assert time.monotonic() - started < 10
    arrived_once(pcs, database_url, ids)


# -- the PC killed between its local commit and the push ------------------------------------

ROUND = """
import sys, time
from sync import client
from sync.cli import main

real = client.Client.push

def push(self, changes):
    if sys.argv[1] == "before":
        print("staged", flush=True)  # the batch is in sync_pending, not yet sent
        time.sleep(600)  # killed here
    answer = real(self, changes)
    print("pushed", flush=True)  # the endpoint committed; the PC has not noted it
    time.sleep(600)  # killed here
    return answer

client.Client.push = push
sys.exit(main(["sync"]))
"""


@SQLITE
@pytest.mark.parametrize("moment", ["before", "after"])
def test_a_pc_killed_between_its_commit_and_the_push_sends_it_once(
    endpoint: Endpoint, database_url: str, pcs: list[Pc], moment: str
) -> None:
    a, _ = pcs
    ids = offline_work(a)
    before = server_sequences(database_url)
    env = child_env(RECEPTIONIST_DATA_DIR=str(a.root), RECEPTIONIST_PASSPHRASE=PASSPHRASE)
    proc = subprocess.Popen(
        [sys.executable, "-c", ROUND, moment], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    killer = kill_when_said(proc, "staged" if moment == "before" else "pushed")
    killer.join(60)
    assert proc.wait(60) == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    for pipe in (proc.stdout, proc.stderr):
        assert pipe is not None
        pipe.close()
    pushed = server_sequences(database_url) > before
    assert pushed == (moment == "after")
    committed = server_sequences(database_url)

    cloud.sync_once(a.db, a.ctx.clock)

    if moment == "after":
        assert server_sequences(database_url) == committed, "the resend applied nothing twice"
    arrived_once(pcs, database_url, ids)


# -- the PC's file restored from a backup ------------------------------------------------


@SQLITE
def test_a_pc_restored_from_a_backup_still_pushes_what_it_does_next(
    endpoint: Endpoint, database_url: str, pcs: list[Pc], tmp_path: Path
) -> None:
    """The endpoint has changes numbered past what the restored file remembers: the
    PC's next changes, numbered as before the restore, are not repeats of those."""
    a, b = pcs
    backup = tmp_path / "backup"
    a.db.close()
    shutil.copytree(a.root, backup)
    a.db = open_clinic(a.root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})
    ids = offline_work(a)
    cloud.sync_once(a.db, a.ctx.clock)  # after the backup: lost with the restore
    a.db.close()
    shutil.rmtree(a.root)
    shutil.copytree(backup, a.root)
    a.db = open_clinic(a.root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})
    omar = find(a.db, a.admin(), "omar")[0].id
    with a.db.write() as s:
        patients.update_patient(s, a.admin(), omar, notes="Called after the restore")

    arrived_once(pcs, database_url, ids)
    with b.db.read() as s:
        row = s.get(Patient, omar)
        assert row is not None and row.notes == "Called after the restore"
