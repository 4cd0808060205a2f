"""An erased patient's row is wiped at once on the PC that erases her, and on the
other PC after a sync round through a real endpoint on loopback: her bytes leave both
encrypted files (read raw, every page decrypted), her sealed tombstone on the
endpoint carries nothing of her, and search finds her nowhere (issue #13)."""

from __future__ import annotations

import plainpages
import pytest
from faultkit import PASSPHRASE, Pc
from sqlalchemy import create_engine, text

from receptionist.clock import FixedClock
from receptionist.models import Patient
from receptionist.ops import patients as patient_ops
from receptionist.patients import erasure
from receptionist.patients import record as patients
from receptionist.replica import state
from receptionist.replica.records import Record, decode
from receptionist.store.storage import Database
from receptionist.store.vault import unlock
from sync import cloud

NEEDLES = (b"Zebulonia", b"Quixoteson", b"zebulonia", b"905321112233", b"Morningsquux")


@pytest.fixture
def pcs(two_pcs: list[Pc]) -> list[Pc]:
    """Two PCs joined through the endpoint (a copy: tests/sync/pairkit.py)."""
    return two_pcs


def _in_file(pc: Pc) -> list[bytes]:
    key = unlock(pc.root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})
    return [n for n in NEEDLES if plainpages.holds(pc.db.path, key, n)]


def _sealed_on_endpoint(database_url: str, db: Database, row_id: str) -> dict[str, object]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT version, deleted, key_gen, sealed FROM record"
                     " WHERE entity = 'patient' AND id = :id"),
                {"id": row_id},
            ).one()  # fmt: skip
    finally:
        engine.dispose()
    record = Record("patient", row_id, row.version, bool(row.deleted), row.key_gen, {}, row.sealed)
    with db.read() as s:
        clinic, keys = state.required(s).clinic_id, dict(state.keys(s))
    _, values = decode(record, clinic, keys)
    return values


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_erased_patient_leaves_both_pcs_files_and_the_tombstone_carries_nothing(
    pcs: list[Pc], database_url: str, clock: FixedClock
) -> None:
    a, b = pcs
    with a.db.write() as s:
        zeb = patients.create_patient(
            s, a.admin(), given_name="Zebulonia", family_name="Quixoteson",
            phone="05321112233", notes="Morningsquux only",
        ).id  # fmt: skip
    cloud.sync_once(a.db, clock)
    cloud.sync_once(b.db, clock)
    assert patient_ops.find(b.db, b.admin(), "zebulonia"), "B holds her"
    assert _in_file(a) and _in_file(b), "the decryption finds what is there"

    patient_ops.delete(a.db, a.admin(), zeb)
    assert _in_file(a) == [], "gone from the erasing PC's file at once"
    cloud.sync_once(a.db, clock)
    sealed = _sealed_on_endpoint(database_url, a.db, zeb)
    assert sealed["deleted_at"] is not None and erasure.is_wiped(sealed)
    cloud.sync_once(b.db, clock)

    assert _in_file(b) == [], "gone from the other PC's file after its sync"
    assert patient_ops.find(b.db, b.admin(), "zebulonia") == []
    with b.db.read() as s:
        row = s.get(Patient, zeb)
        assert row is not None and row.deleted_at is not None
        assert (row.given_name, row.family_name, row.phone, row.notes) == ("", "", None, "")
