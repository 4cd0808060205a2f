"""A first download builds the secondary indexes of its big tables once, at its end
(receptionist/replica/deferred.py); one cut short (a SIGKILL of the PC's sync
process mid-download) gets them at the next pull, which resumes after its last page,
and the file ends with the schema it began with."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from faultkit import (
    PASSPHRASE,
    BlankPcs,
    child_env,
    kill_when_said,
    replica_of,
    tokens_in_files,
)
from pairkit import copy_first_pc
from serverkit import Endpoint
from templates import Template

from receptionist.clock import FixedClock
from receptionist.models import SyncState
from receptionist.ops.patients import NewPatient, add
from receptionist.replica import deferred
from receptionist.store.storage import Database
from sync import client as http
from sync import cloud
from sync.round import Unreachable
from sync.server.commands import NewClinic

# The PC's own `receptionist sync` in pages of 3, killed after the first page of
# patients it applied (not the pull's last).
KILLED = """
import sys, time
from receptionist.ops import replica
from sync import client
from sync.cli import main

client.PULL_LIMIT = 3
real = replica.apply_pull

def apply_pull(db, ctx, records, *args, last=False, **kwargs):
    applied = real(db, ctx, records, *args, last=last, **kwargs)
    if not last and any(p.record.entity == "patient" for p in records):
        print("cut", flush=True)
        time.sleep(600)  # killed here
    return applied

replica.apply_pull = apply_pull
sys.exit(main(["sync"]))
"""


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens_in_files()
    monkeypatch.setattr(http, "PULL_LIMIT", 3)


def schema(db: Database) -> list[tuple[str, str, str]]:
    with db.raw() as conn:
        return sorted(conn.execute("SELECT type, name, sql FROM sqlite_master"))


def missing(db: Database) -> list[str]:
    with db.raw() as conn:
        return [str(ix.name) for ix in deferred.missing(conn)]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_first_download_killed_midway_gets_its_indexes_and_resumes(
    endpoint: Endpoint,
    new_clinic: NewClinic,
    tmp_path: Path,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    first_pc_template: Template[None],
    blank_pcs: BlankPcs,
) -> None:
    a = copy_first_pc(first_pc_template, tmp_path / "a", clock)
    b = blank_pcs.copy(0, tmp_path / "b", clock)
    try:
        cloud.connect(a.db, a.ctx, endpoint.url, new_clinic.code, "FRONT-1")
        for n in range(12):
            add(a.db, a.admin(), NewPatient(f"Patient{n}", "Demir", f"053212345{n:02d}"))
        cloud.sync_once(a.db, clock)
        before = schema(b.db)
        cloud.join(b.db, b.ctx, endpoint.url, cloud.invite(a.db, a.ctx).code, "FRONT-2")
        env = child_env(RECEPTIONIST_DATA_DIR=str(b.root), RECEPTIONIST_PASSPHRASE=PASSPHRASE)
        proc = subprocess.Popen(
            [sys.executable, "-c", KILLED], env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        kill_when_said(proc, "cut").join(60)
        assert proc.wait(60) == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
        for pipe in (proc.stdout, proc.stderr):
            assert pipe is not None
            pipe.close()
        with b.db.read() as s:
            sync = s.get(SyncState, 1)
            assert sync is not None and sync.pull_cursor > 0
        assert "ix_patient_sort_key" in missing(b.db), "left for the download's end"

        def lost(*_: object) -> None:
            raise Unreachable("the network is gone")

        with monkeypatch.context() as patch:
            patch.setattr(http.Client, "pull", lost)
            with pytest.raises(Unreachable):
                cloud.sync_once(b.db, clock)
        assert missing(b.db) == [], "built as the next pull began, though it went no further"

        cloud.sync_once(b.db, clock)

        assert missing(b.db) == []
        assert schema(b.db) == before, "the schema the file began with"
        assert replica_of(b.db) == replica_of(a.db)
        with b.db.read() as s:
            assert s.get(SyncState, 1).pull_cursor > 0  # type: ignore[union-attr]
    finally:
        a.db.close()
        b.db.close()
