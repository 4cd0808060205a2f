"""A large document's next version, between its chunks and its push. A PC sends a
version's chunks before the push that carries its record; if it stops in between (a
crash, a lost answer, an outage), the endpoint still holds the older record, and a
PC that pulls it must find that version's chunks. Before, storing version N+1's
first chunk dropped version N's, and every PC pulling then failed to open the
document; now N's chunks go with the push that moves the record to N+1."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from test_two_pcs import Pc, _patient

from receptionist.models import PatientDocument
from receptionist.ops import replica
from receptionist.patients import documents
from receptionist.replica.records import CHUNK_BYTES
from sync import client, cloud
from sync.round import Unreachable

# Two chunks, the second a short one: as chunked as a document gets (9 MB before: three
# chunks, the same paths at nearly twice the sealing, sending and storing).
SIZE = CHUNK_BYTES + 1024 * 1024


def _versions(database_url: str) -> list[int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT DISTINCT version FROM chunk ORDER BY version"))
            return [int(r.version) for r in rows]
    finally:
        engine.dispose()


def _document(pc: Pc, document_id: str) -> tuple[int, str, bytes]:
    with pc.db.read() as s:
        row = s.get(PatientDocument, document_id)
        assert row is not None
        return row.version, row.note, bytes(row.content)


def test_a_pc_pulling_between_the_next_versions_chunks_and_its_push_opens_the_document(
    joined: tuple[Pc, Pc], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = joined
    with a.db.write() as s:
        scan = documents.attach(s, a.ctx, _patient(a, "ayse"), "scan.pdf", os.urandom(SIZE))
        scan_id = scan.id
    cloud.sync_once(a.db, a.ctx.clock)
    with a.db.write() as s:  # version 2: its bytes travel again, sealed for version 2
        row = s.get(PatientDocument, scan_id)
        assert row is not None
        row.note = "second look"
        row.touch(a.ctx.clock.now())

    def outage(self: client.Client, changes: object) -> object:
        raise Unreachable("the network went down after the chunks were sent")

    with monkeypatch.context() as patched:
        patched.setattr(client.Client, "push", outage)
        with pytest.raises(Unreachable):
            cloud.sync_once(a.db, a.ctx.clock)
    assert replica.status(a.db).waiting == 1, "version 2 still to push"

    cloud.sync_once(b.db, b.ctx.clock)  # pulls version 1, the one the endpoint holds
    assert _document(b, scan_id) == (1, "", _document(a, scan_id)[2])
    assert _versions(database_url) == [1, 2], "version 2's chunks sent, version 1's kept"

    cloud.sync_once(a.db, a.ctx.clock)  # the push: version 1's chunks go with it
    assert _versions(database_url) == [2]
    cloud.sync_once(b.db, b.ctx.clock)
    assert _document(b, scan_id) == _document(a, scan_id)
    assert _document(b, scan_id)[:2] == (2, "second look")
