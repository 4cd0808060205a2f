"""Records sealed by a PC of an older version (before a migration added a synced
column): the endpoint keeps them as they were sealed, so a PC of this version pulls
them from its history (a first download) and from a PC not yet updated. They apply,
the column as an older PC's row stands for it; they do not stop the sync."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from factories import make_clinic, weekdays

from receptionist.context import Ctx
from receptionist.journal import changefeed
from receptionist.models import CommunicationEntry, Patient
from receptionist.patients import commlog
from receptionist.patients import record as patients
from receptionist.replica.records import Record, decode, encode
from receptionist.replica.seal import ClinicKey, Place, Tampered, open_sealed, seal
from receptionist.store.storage import Database

CLINIC = "clinic-1"
KEY = ClinicKey(1, bytes(range(32)))


def _older(record: Record, *dropped: str) -> Record:
    """``record`` as a PC without ``dropped`` columns sealed it."""
    place = Place(CLINIC, record.entity, record.id, record.version)
    values = json.loads(open_sealed(KEY, place, record.sealed))
    for name in dropped:
        del values[name]
    plain = json.dumps(values, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return Record(
        record.entity, record.id, record.version, record.deleted, record.key_gen,
        record.clear, seal(KEY, place, plain),
    )  # fmt: skip


def test_an_entry_sealed_before_migration_0028_opens_with_no_start_told(
    db: Database, ctx: Ctx
) -> None:
    with db.write() as s:
        make_clinic(s, ctx, hours=weekdays(("08:00", "18:00")))
        patient = patients.create_patient(s, ctx, given_name="Zeynep", family_name="Kılıç").id
        entry = commlog.add(
            s, ctx, patient, channel="phone", direction="in", summary="Asked about parking"
        ).id
    with db.read() as s:
        row = s.get(CommunicationEntry, entry)
        assert row is not None
        record = _older(encode(row, CLINIC, KEY), "appointment_start")
    model, values = decode(record, CLINIC, {1: KEY})
    assert model is CommunicationEntry
    assert values["appointment_start"] is None
    assert values["summary"] == "Asked about parking"
    with db.write() as s:  # it applies as any pulled row does
        assert changefeed.upsert(s, model, {**values, "version": record.version + 1})


def test_a_column_unknown_here_or_missing_from_an_edited_row_is_still_refused(
    db: Database, ctx: Ctx
) -> None:
    with db.write() as s:
        make_clinic(s, ctx, hours=weekdays(("08:00", "18:00")))
        patient = patients.create_patient(s, ctx, given_name="Zeynep", family_name="Kılıç").id
    with db.read() as s:
        row = s.get(Patient, patient)
        assert row is not None
        record = encode(row, CLINIC, KEY)
    place = Place(CLINIC, record.entity, record.id, record.version)
    values = {**json.loads(open_sealed(KEY, place, record.sealed)), "later": 1}
    newer = replace(record, sealed=seal(KEY, place, json.dumps(values).encode("utf-8")))
    with pytest.raises(Tampered):
        decode(newer, CLINIC, {1: KEY})
    # A patient's edit from a PC without 0024 would lift her restriction: still refused.
    with pytest.raises(Tampered):
        decode(_older(record, "restricted_at", "restriction_reason"), CLINIC, {1: KEY})
