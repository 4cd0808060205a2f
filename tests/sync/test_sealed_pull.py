"""What the endpoint keeps is sealed, end to end: a record changed or two records
swapped in the endpoint's own database are refused by the PC pulling them, with a
clear message, and nothing of that pull is applied; and a dump of the endpoint's
PostgreSQL database holds no patient's name, phone or note."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest
from faultkit import PASSPHRASE, BlankPcs, replica_of, tokens_in_files
from pairkit import copy_first_pc
from serverkit import Endpoint, PgCluster
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from templates import Template

from receptionist.clock import FixedClock
from receptionist.models import Patient
from receptionist.ops import replica
from receptionist.patients import record as patients
from sync import cloud
from sync.cli import main
from sync.server.commands import NewClinic

pytestmark = pytest.mark.slow


def _patients_on_server(conn: object) -> list[tuple[str, str]]:
    rows = conn.execute(  # type: ignore[attr-defined]
        text("SELECT id, sealed FROM record WHERE entity = 'patient' ORDER BY id")
    )
    return [(str(r.id), str(r.sealed)) for r in rows]


def tamper(database_url: str, how: str) -> None:
    """Change the endpoint's records behind its back, as a server (or a thief with
    write access to its database) could."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            (one, sealed_one), (two, sealed_two) = _patients_on_server(conn)[:2]
            if how == "changed":
                raw = bytearray(base64.b64decode(sealed_one))
                raw[-1] ^= 1
                changed = {one: base64.b64encode(bytes(raw)).decode("ascii")}
            else:
                changed = {one: sealed_two, two: sealed_one}
            for row_id, sealed in changed.items():
                conn.execute(
                    text("UPDATE record SET sealed = :s WHERE entity = 'patient' AND id = :i"),
                    {"s": sealed, "i": row_id},
                )
    finally:
        engine.dispose()


@pytest.mark.parametrize("how", ["changed", "swapped"])
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_record_changed_or_swapped_on_the_endpoint_is_refused_and_nothing_applied(
    endpoint: Endpoint, new_clinic: NewClinic, database_url: str, tmp_path: Path,
    clock: FixedClock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    how: str,
    first_pc_template: Template[None], blank_pcs: BlankPcs,
) -> None:  # fmt: skip
    tokens_in_files()
    a = copy_first_pc(first_pc_template, tmp_path / "a", clock)
    b = blank_pcs.copy(0, tmp_path / "b", clock)
    try:
        cloud.connect(a.db, a.ctx, endpoint.url, new_clinic.code, "FRONT-1")
        cloud.sync_once(a.db, clock)
        cloud.join(b.db, b.ctx, endpoint.url, cloud.invite(a.db, a.ctx).code, "FRONT-2")
        tamper(database_url, how)
        before = replica_of(b.db)

        monkeypatch.setenv("RECEPTIONIST_DATA_DIR", str(b.root))
        monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", PASSPHRASE)
        assert main(["--json", "sync"]) == 3
        said = json.loads(capsys.readouterr().out)["error"]
        assert "patient record from the cloud endpoint does not open" in said
        assert "Nothing of it was applied" in said and "operator" in said

        assert replica_of(b.db) == before, "nothing of the pull applied"
        assert replica.cursor(b.db) == 0
        with b.db.read() as s:
            assert s.scalars(select(Patient)).all() == []
        with a.db.write() as s:  # the first PC writes them again: sealed afresh
            for row in s.scalars(select(Patient)):
                patients.update_patient(s, a.admin(), row.id, notes="Seen again")
        cloud.sync_once(a.db, clock)
        cloud.sync_once(b.db, clock)
        assert replica_of(b.db) == replica_of(a.db), "once the endpoint holds true records"
    finally:
        a.db.close()
        b.db.close()


MARKERS = [
    "Zebulonia", "Quillfeatherby", "9876543", "Allergic to marker-penicillin",
    "Wheelchair-marker-ramp",
]  # fmt: skip


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_dump_of_the_endpoints_postgresql_holds_no_patient_data(
    endpoint: Endpoint, new_clinic: NewClinic, database_url: str, tmp_path: Path,
    clock: FixedClock, request: pytest.FixtureRequest,
    first_pc_template: Template[None],
) -> None:  # fmt: skip
    tokens_in_files()
    a = copy_first_pc(first_pc_template, tmp_path / "a", clock)
    try:
        with a.db.write() as s:
            patients.create_patient(
                s, a.admin(), given_name=MARKERS[0], family_name=MARKERS[1],
                phone="0532 987 65 43", notes=MARKERS[3], alert=MARKERS[4],
            )  # fmt: skip
        cloud.connect(a.db, a.ctx, endpoint.url, new_clinic.code, "FRONT-1")
        assert cloud.sync_once(a.db, clock).uploaded > 5
    finally:
        a.db.close()
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    name = str(make_url(database_url).database)
    dumped = subprocess.run(
        [str(cluster.bin_dir / "pg_dump"), "-h", str(cluster.root), "-p", str(cluster.port),
         "-U", "postgres", name],
        capture_output=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    assert b"COPY public.record" in dumped  # the dump holds the records
    for marker in MARKERS:
        for form in {marker, marker.lower(), marker.upper()}:
            assert form.encode("utf-8") not in dumped, "patient data readable in the dump"
