"""Rotating the clinic key through a real endpoint (SQLite and PostgreSQL): every PC not
revoked gets the new generation at its next round and reads what is written under it;
every record on the endpoint is sealed again under it; a revoked PC's token is refused,
and even holding the endpoint's rows it cannot open anything written after."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from pairkit import PASSPHRASE_C, PairTemplates, copy_empty_pc
from serverkit import Endpoint
from sqlalchemy import select
from test_two_pcs import Pc, admin, find, replica_of, settle

from receptionist.clock import FixedClock
from receptionist.errors import UnlockError
from receptionist.journal import audit
from receptionist.models import PatientDocument
from receptionist.ops import replica
from receptionist.ops.patients import NewPatient, add
from receptionist.patients import documents
from receptionist.replica.chunks import Chunk
from receptionist.replica.records import CHUNK_BYTES, Record, decode
from receptionist.replica.rotate import reseal_chunk, reseal_record
from receptionist.replica.seal import ClinicKey, Tampered
from sync import cloud
from sync.server.schema import chunk, record


@pytest.fixture
def pc_c(tmp_path: Path, clock: FixedClock, pair_templates: PairTemplates) -> Iterator[Pc]:
    """The third PC's empty file (conftest's ``pc_c``), copied from one made once a
    session by the same ``create`` (pairkit.copy_empty_pc); its join is the test's."""
    pc = copy_empty_pc(pair_templates, tmp_path / "c", clock, PASSPHRASE_C)
    yield pc
    pc.db.close()


# Two chunks, the second a short one (9 MB before: a third, the same paths at nearly
# twice the sealing, sending and storing; as test_chunk_versions).
SIZE = CHUNK_BYTES + 1024 * 1024


def server_records(endpoint: Endpoint) -> list[Record]:
    with endpoint.store.read() as conn:
        rows = conn.execute(select(record)).all()
    return [Record.from_json({**row._mapping, "clear": json.loads(row.clear)}) for row in rows]


def test_a_rotation_after_a_revocation_leaves_the_revoked_pc_out(
    endpoint: Endpoint, joined: tuple[Pc, Pc], pc_c: Pc
) -> None:
    a, b = joined
    cloud.join(pc_c.db, pc_c.ctx, endpoint.url, cloud.invite(a.db, a.ctx).code, "FRONT-3")
    cloud.sync_once(pc_c.db, pc_c.ctx.clock)
    c_device = replica.status(pc_c.db).device_code
    with cloud.client_for(a.db) as client:
        gone = [d for d in client.devices() if d["code"] == c_device]
        client.revoke(gone[0]["id"])
    done = cloud.rotate(a.db, a.ctx)
    assert (done.generation, done.devices) == (2, 2)
    assert done.resealed == len(server_records(endpoint)) and done.skipped == 0
    assert {r.key_gen for r in server_records(endpoint)} == {2}, "every record sealed again"

    add(a.db, a.ctx, NewPatient("Selin", "Yurt", "05551112233"))
    settle(a, b)
    assert [p.display_name for p in find(b.db, admin(b.ctx.clock), "selin")] == ["Selin Yurt"]
    assert replica_of(a.db) == replica_of(b.db)
    assert sorted(replica.keys_of(b.db)) == [1, 2], "B fetched the new generation"
    with a.db.read() as s:
        assert audit.verify(s).ok

    with pytest.raises(UnlockError, match="revoked"):
        cloud.sync_once(pc_c.db, pc_c.ctx.clock)
    c_keys = replica.keys_of(pc_c.db)
    assert sorted(c_keys) == [1]
    clinic = replica.clinic_of(a.db)
    b_keys = replica.keys_of(b.db)
    for rec in server_records(endpoint):  # even given the endpoint's rows, C reads none
        decode(rec, clinic, b_keys)
        with pytest.raises(Tampered, match="does not hold"):
            decode(rec, clinic, c_keys)
        with pytest.raises(Tampered, match="does not open"):  # nor with a key it guesses
            decode(replace(rec, key_gen=1), clinic, c_keys)


def test_a_rotation_again_reseals_only_what_is_older_and_reports_a_changed_row(
    endpoint: Endpoint, joined: tuple[Pc, Pc]
) -> None:
    a, b = joined
    first = cloud.rotate(a.db, a.ctx)
    with cloud.client_for(a.db) as client:
        stored = server_records(endpoint)
        keys = replica.keys_of(a.db)
        newer = ClinicKey(9, bytes(32))
        keys[9] = newer
        clinic = replica.clinic_of(a.db)
        again = [reseal_record(r, clinic, keys, newer) for r in stored[:2]]
        moved = [replace(r, version=r.version + 1) for r in again[:1]]
        older = [replace(r, key_gen=1) for r in stored[:1]]
        gone = [Record("patient", "no-such-row", 1, False, 9, {}, again[0].sealed)]
        assert client.reseal(moved + older + gone) == ["stale", "unchanged", "missing"]
    assert server_records(endpoint) == stored, "nothing written"
    second = cloud.rotate(a.db, a.ctx)
    assert second.generation == first.generation + 1 == 3
    assert second.resealed == first.resealed
    cloud.sync_once(b.db, b.ctx.clock)
    assert sorted(replica.keys_of(b.db)) == [1, 2, 3]


def _chunk_rows(endpoint: Endpoint) -> list[tuple[str, int, int, int, int, str]]:
    with endpoint.store.read() as conn:
        rows = conn.execute(select(chunk).order_by(chunk.c.idx)).all()
    return [(r.row_id, r.version, r.idx, r._mapping["count"], r.key_gen, r.sealed) for r in rows]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_rotation_seals_a_large_documents_chunks_again(
    endpoint: Endpoint, joined: tuple[Pc, Pc], pc_c: Pc
) -> None:
    """Before, a rotation re-sealed the records, not the chunks: a large scan's bytes
    stayed under the old generation, which a revoked PC holds; and a PC that joined
    after the rotation (given the newest generation only) could not open them."""
    a, _ = joined
    ayse = add(a.db, a.ctx, NewPatient("Ayşe", "Yılmaz", "05551112233")).id
    with a.db.write() as s:
        scan = documents.attach(s, a.ctx, ayse, "scan.pdf", os.urandom(SIZE)).id
    cloud.sync_once(a.db, a.ctx.clock)
    before = _chunk_rows(endpoint)
    assert [c[4] for c in before] == [1, 1]

    done = cloud.rotate(a.db, a.ctx)

    after = _chunk_rows(endpoint)
    assert done.chunks == 2 and [c[4] for c in after] == [2, 2]
    assert [c[:4] for c in after] == [c[:4] for c in before], "the same places"
    clinic = replica.clinic_of(a.db)
    old = {1: replica.keys_of(a.db)[1]}
    for row_id, version, idx, count, gen, sealed in after:
        stored = Chunk("patient_document", row_id, version, idx, count, gen, sealed)
        with pytest.raises(Tampered):  # the revoked generation opens none of them
            reseal_chunk(stored, clinic, {**old, 2: old[1]}, ClinicKey(3, bytes(32)))
    assert cloud.rotate(a.db, a.ctx).chunks == 2, "again: each under the newest"

    cloud.join(pc_c.db, pc_c.ctx, endpoint.url, cloud.invite(a.db, a.ctx).code, "FRONT-3")
    cloud.sync_once(pc_c.db, pc_c.ctx.clock)
    assert sorted(replica.keys_of(pc_c.db)) == [3], "a PC joined after holds the newest only"
    with pc_c.db.read() as s, a.db.read() as t:
        got, mine = s.get(PatientDocument, scan), t.get(PatientDocument, scan)
        assert got is not None and mine is not None and got.content == mine.content
