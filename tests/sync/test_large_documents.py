"""Patient documents and the cloud's 16 MB push body. A record travels in one push, its
bytes base64 twice (about 16/9 of a document's size): a push carries what fits (a
batch is cut by weight). A document over 4 MB travels in sealed chunks beside its
record (`PUT /v1/chunks` before the push, `GET /v1/chunks` on pull), each bound to
the row, its version and its index: before, a syncing PC refused any document over
8 MB, and a first PC holding one could not connect. Now a 20 MB scan syncs, through
the upload of the first PC and through a push alike; a chunk moved or swapped on the
endpoint is refused by the PC that pulls it, which applies nothing of that page."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from faultkit import BlankPcs, tokens_in_files
from pairkit import copy_first_pc
from serverkit import Endpoint
from sqlalchemy import create_engine, func, select, text
from templates import Template
from test_two_pcs import Pc, _patient, settle

from receptionist.clock import FixedClock
from receptionist.errors import ValidationError
from receptionist.models import PatientDocument, SyncBase
from receptionist.ops import replica
from receptionist.patients import documents
from receptionist.replica.outbox import BUDGET
from receptionist.replica.records import CHUNK_BYTES
from receptionist.replica.seal import Tampered
from sync import cloud
from sync.server.commands import NewClinic

MB = 1024 * 1024
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _attach(pc: Pc, patient_id: str, size: int, name: str) -> str:
    with pc.db.write() as s:
        return documents.attach(s, pc.ctx, patient_id, name, os.urandom(size)).id


def _count(pc: Pc) -> int:
    with pc.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(PatientDocument)) or 0)


def _bytes(pc: Pc, document_id: str) -> bytes:
    with pc.db.read() as s:
        row = s.get(PatientDocument, document_id)
        assert row is not None
        return bytes(row.content)


def _chunks(database_url: str) -> list[tuple[str, int, int, str]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT row_id, version, idx, sealed FROM chunk ORDER BY idx"))
            return [(r.row_id, int(r.version), int(r.idx), str(r.sealed)) for r in rows]
    finally:
        engine.dispose()


@SQLITE
def test_documents_that_fit_one_push_each_reach_the_other_pc(joined: tuple[Pc, Pc]) -> None:
    a, b = joined
    ayse = _patient(a, "ayse")
    _attach(a, ayse, 7 * MB // 2, "scan-1.pdf")
    _attach(a, ayse, 7 * MB // 2, "scan-2.pdf")
    first = replica.batch(a.db)
    assert len(first) == 1, "two would not fit in one push"
    assert len(first[0].record.sealed) < 16 * MB - 64 * 1024, "one fits under the limit"
    settle(a, b)
    assert _count(b) == 2 and replica.status(a.db).waiting == 0


def test_a_20_mb_scan_pushed_in_chunks_reaches_the_other_pc(
    joined: tuple[Pc, Pc], database_url: str
) -> None:
    a, b = joined
    ayse = _patient(a, "ayse")
    scan = _attach(a, ayse, 20 * MB, "scan.pdf")
    batch = replica.batch(a.db)
    assert len(batch[0].record.sealed) < 64 * 1024, "the record goes without the bytes"
    settle(a, b)
    assert _bytes(b, scan) == _bytes(a, scan)
    with b.db.read() as s:
        row = s.get(PatientDocument, scan)
        assert row is not None and row.sha256 == hashlib.sha256(row.content).hexdigest()
    assert [c[2] for c in _chunks(database_url)] == [0, 1, 2, 3, 4], "five sealed chunks"
    assert replica.status(a.db).waiting == 0
    digest = f"sha256:{hashlib.sha256(_bytes(a, scan)).hexdigest()}:{20 * MB}"
    for pc in (a, b):  # the base keeps the bytes' digest: before, ~27 MB of base64
        with pc.db.read() as s:
            base = s.get(SyncBase, ("patient_document", scan))
            assert base is not None and json.loads(base.payload)["content"] == digest
            assert len(base.payload) < 1024


@SQLITE
def test_a_first_pc_holding_a_20_mb_scan_connects_and_uploads_it(
    endpoint: Endpoint, new_clinic: NewClinic, tmp_path: Path, clock: FixedClock,
    first_pc_template: Template[None], blank_pcs: BlankPcs,
) -> None:  # fmt: skip
    # The first PC (a clinic not connected) and the new one: copies of files made once
    # a session (pairkit.copy_first_pc, faultkit.BlankPcs); their tokens in the files.
    tokens_in_files()
    first = copy_first_pc(first_pc_template, tmp_path / "a", clock)
    blank = blank_pcs.copy(0, tmp_path / "b", clock)
    try:
        pc_a, pc_b = Pc(first.db, first.ctx), Pc(blank.db, blank.ctx)
        scan = _attach(pc_a, _patient(pc_a, "ayse"), 20 * MB, "mri.dcm")
        cloud.connect(pc_a.db, pc_a.ctx, endpoint.url, new_clinic.code, "FRONT-1")
        cloud.sync_once(pc_a.db, pc_a.ctx.clock)
        invitation = cloud.invite(pc_a.db, pc_a.ctx)
        cloud.join(pc_b.db, pc_b.ctx, endpoint.url, invitation.code, "FRONT-2")
        cloud.sync_once(pc_b.db, pc_b.ctx.clock)
        assert _bytes(pc_b, scan) == _bytes(pc_a, scan)
    finally:
        first.db.close()
        blank.db.close()


@SQLITE
def test_a_chunk_swapped_on_the_endpoint_is_refused(
    joined: tuple[Pc, Pc], database_url: str
) -> None:
    a, b = joined
    # Two chunks, the second short (9 MB before: a third chunk, never swapped).
    scan = _attach(a, _patient(a, "ayse"), CHUNK_BYTES + MB, "scan.pdf")
    cloud.sync_once(a.db, a.ctx.clock)
    first, second = _chunks(database_url)
    engine = create_engine(database_url)
    with engine.begin() as conn:  # the endpoint (or anyone there) swaps two chunks
        for idx, sealed in ((0, second[3]), (1, first[3])):
            conn.execute(
                text("UPDATE chunk SET sealed = :s WHERE idx = :i"), {"s": sealed, "i": idx}
            )
    engine.dispose()
    with pytest.raises(Tampered):
        cloud.sync_once(b.db, b.ctx.clock)
    with b.db.read() as s:
        assert s.get(PatientDocument, scan) is None, "nothing of it applied"


def test_a_document_over_the_limit_is_refused_naming_it(joined: tuple[Pc, Pc]) -> None:
    a, _ = joined
    ayse = _patient(a, "ayse")
    with pytest.raises(ValidationError, match="larger than 25 MB") as refused:
        _attach(a, ayse, documents.MAX_BYTES + 1, "x-ray.tiff")
    assert refused.value.field == "content"
    assert _count(a) == 0 and replica.status(a.db).waiting == 0, "nothing written"


@SQLITE
def test_a_batch_stages_about_a_budget_of_chunked_bytes(joined: tuple[Pc, Pc]) -> None:
    a, b = joined
    ayse = _patient(a, "ayse")
    # Each chunked (over 4 MB) and over half the budget: 13 MB of chunks would pass it
    # (9 MB each before: the same batch at half as much again sealed and sent).
    for n in range(2):
        _attach(a, ayse, BUDGET // 2 + MB // 2, f"scan-{n}.pdf")
    assert len(replica.batch(a.db)) == 1, "13 MB of chunks would pass the 12 MB budget"
    settle(a, b)
    assert _count(b) == 2
