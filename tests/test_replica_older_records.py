"""Records sealed by a PC of an older version (before a migration added a synced
column): the endpoint keeps them as they were sealed, so a PC of this version pulls
them from its history (a first download) and from a PC not yet updated. They apply,
and the columns their sender did not know are not theirs to say: an edited row keeps
this PC's (a restriction, an alert), a row new here takes the migration's value. A
record with a column this version does not know is refused: update this PC."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from factories import downgrade, make_clinic, weekdays
from handpulled import CLINIC, KEY, joined_pc
from sqlalchemy import select, text
from templates import Template

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.journal import changefeed
from receptionist.models import CommunicationEntry, Patient, RetentionHold, Synced
from receptionist.ops import conflicts, replica
from receptionist.ops.conflicts import Resolution
from receptionist.patients import commlog
from receptionist.patients import record as patients
from receptionist.privacy import restriction
from receptionist.replica import records
from receptionist.replica.apply import Pulled, PulledConflict
from receptionist.replica.records import ADDED, Record, encode
from receptionist.replica.seal import Place, Tampered, open_sealed, seal
from receptionist.retention import holds
from receptionist.store import migrate
from receptionist.store.storage import Database
from receptionist.store.vault import Created

PATIENT_ADDED = tuple(ADDED["patient"])  # alert (0017), restricted_at, restriction_reason (0024)


def admin(clock: FixedClock) -> Ctx:
    return Ctx(Actor(None, "admin", "ui"), clock)


@pytest.fixture
def pcs(
    tmp_path: Path, clock: FixedClock, pc_installs: dict[str, Template[Created]]
) -> Iterator[tuple[Database, Database]]:
    """A: where the rows an older PC edits are made; B: this PC (this version)."""
    a, b = (
        joined_pc(tmp_path / "a", clock, "A", pc_installs, first=True),
        joined_pc(tmp_path / "b", clock, "B", pc_installs, first=False),
    )
    yield a, b
    a.close()
    b.close()


def _older(record: Record, *dropped: str, **changed: object) -> Record:
    """``record`` as a PC without the ``dropped`` columns sealed it, with ``changed``
    values (as JSON holds them; a ``version`` moves the record's too)."""
    place = Place(CLINIC, record.entity, record.id, record.version)
    values = {**json.loads(open_sealed(KEY, place, record.sealed)), **changed}
    for name in dropped:
        del values[name]
    version = int(values["version"])
    plain = json.dumps(values, ensure_ascii=False, sort_keys=True).encode("utf-8")
    sealed = seal(KEY, Place(CLINIC, record.entity, record.id, version), plain)
    return Record(
        record.entity, record.id, version, record.deleted, record.key_gen, record.clear, sealed
    )


def _record(db: Database, model: type[Synced], row_id: str) -> Record:
    with db.read() as s:
        row = s.get(model, row_id)
        assert row is not None
        return encode(row, CLINIC, KEY)


def _everything(db: Database) -> list[Pulled]:
    with db.read() as s:
        return [
            Pulled(encode(row, CLINIC, KEY), "device-A")
            for model in changefeed.synced_tables().values()
            for row in s.scalars(select(model))
        ]


def _edit(db: Database, row_id: str, **changed: object) -> Record:
    """An older PC's edit of the patient as ``db`` has her: its next version."""
    record = _record(db, Patient, row_id)
    return _older(record, *PATIENT_ADDED, version=record.version + 1, **changed)


def test_an_older_pcs_edits_keep_what_it_did_not_know_and_new_rows_take_the_defaults(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    a, b = pcs
    ctx = admin(clock)
    with a.write() as s:
        make_clinic(s, ctx, hours=weekdays(("08:00", "18:00")))
        new = patients.create_patient
        zeynep = new(s, ctx, given_name="Zeynep", family_name="Kaya").id
        omar = new(s, ctx, given_name="Omar", family_name="Haddad", alert="Wheelchair").id
        deniz = new(s, ctx, given_name="Deniz", family_name="Ak", notes="Call first").id
    replica.apply_pull(b, ctx, _everything(a), [], 1)  # B has them as A made them (bases)
    with b.write() as s:  # restricted on B, not pushed yet
        restriction.restrict(s, ctx, zeynep, "Disputes her address")
        restriction.restrict(s, ctx, deniz, "Objects to reminders")
        patients.update_patient(s, ctx, deniz, notes="Call after 5")
        since = s.get(Patient, zeynep).restricted_at  # type: ignore[union-attr]
    with a.write() as s:  # made on A, pulled by B as an older PC sealed them
        leyla = new(s, ctx, given_name="Leyla", family_name="Su", alert="Interpreter")
        can = new(s, ctx, given_name="Can", family_name="Er", alert="Deaf: write").id
        restriction.restrict(s, ctx, leyla.id, "Objects")
        entry = commlog.add(s, ctx, zeynep, channel="phone", direction="in", summary="Parking?")
    older_deniz = _edit(a, deniz, notes="Call before 9")
    mine_deniz = _record(b, Patient, deniz)
    page = [
        Pulled(_edit(a, zeynep, family_name="Kaya-Demir"), "device-O"),
        Pulled(_edit(a, omar, phone="+905321110000"), "device-O"),
        Pulled(older_deniz, "device-O"),
        Pulled(_older(_record(a, Patient, leyla.id), *PATIENT_ADDED), "device-O"),
        Pulled(_record(a, Patient, can), "device-O"),  # sealed after O was updated
        Pulled(_older(_record(a, CommunicationEntry, entry.id), "appointment_start"), "device-O"),
    ]
    clash = PulledConflict(  # the endpoint took the older PC's edit of Deniz, not B's
        "c-1", "edit", "patient", deniz, [older_deniz, mine_deniz], clock.now(),
        devices=("device-O", "device-B"),
    )  # fmt: skip
    applied = replica.apply_pull(b, ctx, page, [clash], 2)
    assert applied.clashes == [("patient", deniz)] and applied.merged_rows == [("patient", zeynep)]
    with b.read() as s:
        z, o, d = (s.get(Patient, i) for i in (zeynep, omar, deniz))
        assert z is not None and o is not None and d is not None
        # Merged: the older PC's name, B's restriction (pushed next, on top of it).
        assert (z.family_name, z.restricted_at, z.restriction_reason) == (
            "Kaya-Demir", since, "Disputes her address",
        )  # fmt: skip
        assert (o.phone, o.alert) == ("+905321110000", "Wheelchair"), "untouched: theirs"
        # A clash the endpoint holds: the row takes theirs, but not in what they did
        # not know: B's restriction stays, and goes out on top of theirs.
        assert (d.notes, d.restriction_reason) == ("Call before 9", "Objects to reminders")
        new_here = s.get(Patient, leyla.id)
        assert new_here is not None
        assert (new_here.alert, new_here.restricted_at, new_here.restriction_reason) == (
            "", None, "",
        ), "new here: as the migrations made them"  # fmt: skip
        assert s.get(Patient, can).alert == "Deaf: write"  # type: ignore[union-attr]
        told = s.get(CommunicationEntry, entry.id)
        assert told is not None and (told.summary, told.appointment_start) == ("Parking?", None)
    pushed = {c.record.id: (c.base_version, c.record.version) for c in replica.batch(b)}
    assert pushed == {  # each a new version on top of the older PC's
        zeynep: (page[0].record.version, page[0].record.version + 1),
        deniz: (older_deniz.version, older_deniz.version + 1),
    }

    # The conflict: the older side has no say on the restriction, so only the notes
    # differ, and choosing its side leaves her restricted.
    found = conflicts.show(b, ctx, "c-1")
    assert [f.field for f in found.fields] == ["notes"]
    conflicts.resolve(b, ctx, "c-1", Resolution("choose", choose="A"))
    with b.read() as s:
        d = s.get(Patient, deniz)
        assert d is not None and d.notes == "Call before 9" and d.restricted_at is not None

    # A column this version does not know: refused, nothing of the page applied.
    newer = _older(_record(a, Patient, omar), later=1)
    with pytest.raises(Tampered, match=r"newer version of Receptionist.*update Receptionist"):
        replica.apply_pull(b, ctx, [Pulled(newer, "device-N")], [], 3)
    assert replica.cursor(b) == 2


def test_added_names_every_synced_column_added_after_its_table_began_to_sync(
    db: Database,
) -> None:
    """Records began to travel at 0013 (sync's state), each table's once its change
    feed's triggers were made (with it, or later: holds at 0020). Every synced column a
    migration added after that, to any synced table (one made after 0013 too), is in
    ``ADDED`` with that migration: the file is taken down one migration at a time to
    0013, and what each synced table's columns were at each revision is read."""
    script = ScriptDirectory.from_config(migrate._config())
    revisions = [r.revision for r in script.walk_revisions(base="0013", head="heads")]
    assert revisions[0] == migrate.head_revision() and revisions[-1] == "0013"
    seen: dict[str, dict[str, set[str]]] = {}  # revision -> synced table -> its columns
    for at, below in zip(revisions, [*revisions[1:], None], strict=True):
        seen[at] = _syncing(db)
        if below is not None:
            downgrade(db, below)
    added: dict[str, dict[str, str]] = {}
    for entity, model in changefeed.synced_tables().items():
        for column in changefeed.synced_columns(model):
            lacked = [r for r in revisions if entity in seen[r] and column not in seen[r][entity]]
            if lacked:  # the revision above the newest that lacked it added it
                added.setdefault(entity, {})[column] = revisions[revisions.index(lacked[0]) - 1]
    assert added == {e: {c: a.migration for c, a in cols.items()} for e, cols in ADDED.items()}
    assert added["patient"] == {
        "alert": "0017", "restricted_at": "0024", "restriction_reason": "0024",
        "anonymised_at": "0035",
    }  # fmt: skip
    assert added["communication_entry"] == {"appointment_start": "0028", "reason": "0036"}


def test_a_pc_older_than_a_kind_of_record_stops_at_it_and_takes_it_once_updated(
    pcs: tuple[Database, Database], clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #14: ``patient_hold`` (0020) is a kind of record a PC older than 0020 does
    not know. B plays such a PC (this version's decoding, without the table: the path
    an older PC's decoding takes for it is the same, its words aside). A page with A's
    hold is refused whole, with words saying to update this PC, not tampering; the
    cursor stays, so each round stops there again and nothing after it arrives (a
    booking made after the hold). Updated, B pulls the same page: the hold, and
    everything with it, applies; nothing was lost. A record of an unknown kind that
    does not open with the clinic key is still told as tampering."""
    a, b = pcs
    ctx = admin(clock)
    with a.write() as s:
        make_clinic(s, ctx, hours=weekdays(("08:00", "18:00")))
        zeynep = patients.create_patient(s, ctx, given_name="Zeynep", family_name="Kaya").id
    replica.apply_pull(b, ctx, _everything(a), [], 1)
    with a.write() as s:
        hold = holds.place(s, ctx, zeynep, "Court case 2026/114")
        omar = patients.create_patient(s, ctx, given_name="Omar", family_name="Haddad").id
    with a.read() as s:
        row = s.scalars(select(RetentionHold)).one()
        page = [Pulled(encode(row, CLINIC, KEY), "device-A")]
    page.append(Pulled(_record(a, Patient, omar), "device-A"))
    assert hold.patient_id == zeynep
    known = records._models()
    monkeypatch.setattr(records, "_models", lambda: {
        e: m for e, m in known.items() if e != RetentionHold.__tablename__})  # fmt: skip
    for _ in range(2):  # every round, the same
        with pytest.raises(Tampered) as told:
            replica.apply_pull(b, ctx, page, [], 2)
        words = str(told.value)
        assert "patient_hold record" in words and "update Receptionist on this PC" in words
        assert "operator" not in words and "changed, moved" not in words
        assert replica.cursor(b) == 1
    with b.read() as s:
        assert s.get(Patient, omar) is None, "nothing of the page"
    forged = Record("visit_note", omar, 1, False, KEY.generation, {}, page[1].record.sealed)
    with pytest.raises(Tampered, match="does not open with the clinic key"):
        replica.apply_pull(b, ctx, [Pulled(forged, "device-A")], [], 2)

    monkeypatch.undo()  # B updated
    replica.apply_pull(b, ctx, page, [], 2)
    assert replica.cursor(b) == 2
    with b.read() as s:
        assert s.get(Patient, omar) is not None
        kept = s.scalars(select(RetentionHold)).one()
        assert (kept.patient_id, kept.reason) == (zeynep, "Court case 2026/114")


FEEDS = "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'tr_feed_%_insert'"


def _syncing(db: Database) -> dict[str, set[str]]:
    """Each table whose changes the feed logs now (its triggers made), and its columns."""
    with db.read() as s:
        tables = s.execute(text(FEEDS)).scalars()
        return {t: {row[1] for row in s.execute(text(f"PRAGMA table_info({t})"))} for t in tables}
