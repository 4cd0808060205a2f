"""Patient documents and the cloud's 16 MB push body. A record travels whole in one
push, its bytes base64 twice (about 16/9 of a document's size): before, two 7 MB
documents went in one push the endpoint refused (413), resent as it was every round,
so the PC never synced again; one of 10 MB could never be pushed at all. Now a push
carries what fits (a batch is cut by weight), a PC that syncs refuses at add time a
document over 8 MB, naming the limit and what to do, and a first PC holding one
cannot connect until it is replaced."""

# ruff: noqa: F811  (the fixtures of test_two_pcs, taken as arguments)
from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select
from test_two_pcs import Pc, _patient, joined, pc_a, pc_b, settle  # noqa: F401  (fixtures)

from receptionist.errors import UserError, ValidationError
from receptionist.models import PatientDocument
from receptionist.ops import replica
from receptionist.patients import documents
from sync import cloud

MB = 1024 * 1024
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _attach(pc: Pc, patient_id: str, size: int, name: str) -> None:
    with pc.db.write() as s:
        documents.attach(s, pc.ctx, patient_id, name, os.urandom(size))


def _count(pc: Pc) -> int:
    with pc.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(PatientDocument)) or 0)


@SQLITE
def test_documents_that_fit_one_push_each_reach_the_other_pc(joined: tuple[Pc, Pc]) -> None:
    a, b = joined
    ayse = _patient(a, "ayse")
    _attach(a, ayse, 7 * MB, "scan-1.pdf")
    _attach(a, ayse, 7 * MB, "scan-2.pdf")
    first = replica.batch(a.db)
    assert len(first) == 1, "two would not fit in one push"
    assert len(first[0].record.sealed) < 16 * MB - 64 * 1024, "one fits under the limit"
    settle(a, b)
    assert _count(b) == 2 and replica.status(a.db).waiting == 0


@SQLITE
def test_a_pc_that_syncs_refuses_a_document_too_large_to_push(joined: tuple[Pc, Pc]) -> None:
    a, _ = joined
    ayse = _patient(a, "ayse")
    with pytest.raises(ValidationError, match="up to 8 MB") as refused:
        _attach(a, ayse, documents.SYNC_MAX_BYTES + 1, "x-ray.tiff")
    assert refused.value.field == "content"
    assert _count(a) == 0 and replica.status(a.db).waiting == 0, "nothing written"
    _attach(a, ayse, documents.SYNC_MAX_BYTES, "x-ray.jpg")  # the limit itself is taken
    assert len(replica.batch(a.db)) == 1


def test_a_first_pc_holding_a_document_too_large_cannot_connect(pc_a: Pc) -> None:
    ayse = _patient(pc_a, "ayse")
    _attach(pc_a, ayse, 10 * MB, "mri.dcm")  # a PC alone takes it (up to 25 MB)
    with pytest.raises(UserError, match="over 8 MB"):
        cloud.connect(pc_a.db, pc_a.ctx, "http://127.0.0.1:9", "ABCDE-FGHJK-MNPQR-STVWX", "A")
    assert not replica.status(pc_a.db).connected
