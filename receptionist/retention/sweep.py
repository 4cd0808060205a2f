"""What the policy says must go, found and removed one bounded batch at a time.

Every function works inside the caller's transaction; the operation
(``ops/retention.py``) gives each batch its own short write, so the desk never waits
more than a moment. Rows are deleted, not hidden: the change feed's triggers log each
deletion as a ``purge`` (so the cloud and the other PCs drop the row too), the file's
connections run with ``secure_delete`` (the freed bytes are overwritten), and the
copies kept elsewhere in the file go with the row: the search index's entry, the
sync base (the row as the endpoint last had it) and the slots the patient's earlier
cancellations freed. A swept appointment's time is past, so its deletion frees none
(:func:`sweeping`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.orm import Session

from receptionist.models import to_micros
from receptionist.patients import erasure

T = TypeVar("T")
# What a patient's record holds besides the patient row, deleted in this order
# (the communication log may point at an appointment). A lapsed patient's holds are
# lifted ones (tombstones): they go with the record.
CHILDREN = (
    "communication_entry", "patient_document", "consent", "waitlist_entry", "patient_hold",
    "appointment",
)  # fmt: skip
NOT_HELD = (
    "NOT EXISTS (SELECT 1 FROM patient_hold h WHERE h.patient_id = {col} AND h.deleted_at IS NULL)"
)
# A patient's time ends ``appointment_months`` after the last appointment (or, with
# none, after the record was made), whatever the appointments' status or tombstones.
LAPSED = (
    "SELECT p.id FROM patient p WHERE p.id > :after"
    " AND NOT EXISTS (SELECT 1 FROM appointment a"
    "   WHERE a.patient_id = p.id AND a.start_utc >= :before)"
    " AND (p.created_at < :before"
    "   OR EXISTS (SELECT 1 FROM appointment a WHERE a.patient_id = p.id))"
    f" AND {NOT_HELD.format(col='p.id')}"
)


# Every patient past their time (by their last appointment or, with none, their
# record's making), in the search index's order: a batch of neighbours there shares
# the pages of the index's content, of the name key and of the search key, where
# patients in the order they lapsed touched a page of each for nearly every one
# (measured at 200,000 patients, a batch of 1,800: 3.9 -> 3.0 pages a patient; the
# table, in the order records were made, takes the random pages instead, and is the
# cheaper of the two). The appointments are gone by then (the sweep's first phase).
# Table (rowid) order, measured again in session 18 at 160,895 appointments swept:
# the patient batches 22,700-25,100 -> 29,000-32,300 pages with random ids (the index's
# content 1,554 -> 10,101, the name key 510 -> 3,882; the table 7,542 -> 1,663), and
# 20,000-22,700 -> 21,300 with week-ordered ones (``models.new_id``): not kept. The
# order is the sweep's alone: nothing a person sees follows it (the dry run lists by
# number, the records count).
# ``{only}``: :data:`NAMED`, :data:`ERASED` or nothing (every lapsed patient).
IN_ORDER = (
    "WITH last AS (SELECT patient_id, max(start_utc) AS at"
    "  FROM appointment GROUP BY patient_id)"
    " SELECT p.id FROM patient p LEFT JOIN last l ON l.patient_id = p.id"
    f" WHERE coalesce(l.at, p.created_at) < :before AND {NOT_HELD.format(col='p.id')}"
    "{only} ORDER BY p.search_rowid, p.id"
)


@dataclass(frozen=True)
class Lapsed:
    """A patient the sweep would remove (for the dry run: which patients)."""

    id: str
    number: str
    name: str


# The anonymising sweep (``retention.lapsed_patients=anonymise``) takes only live
# patients not anonymised yet (an erased patient's tombstone holds nothing of her: not
# renumbered, not counted); the deleting one takes every lapsed patient, anonymised,
# erased or not.
NAMED = " AND p.anonymised_at IS NULL AND p.deleted_at IS NULL"


# The erased patients' tombstones past their time: the anonymising sweep deletes them
# as the deleting one does (nothing of her is left to anonymise; nothing is kept).
ERASED = " AND p.deleted_at IS NOT NULL"


def lapsed_in_order(session: Session, before: datetime, *, only: str = "") -> list[str]:
    """Every patient past their time, in the search index's order (``only``:
    :data:`NAMED`, of those live and not anonymised; :data:`ERASED`, of the erased
    patients' tombstones)."""
    rows = session.execute(text(IN_ORDER.format(only=only)), {"before": to_micros(before)})
    return [r[0] for r in rows]


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for at in range(0, len(items), size):
        yield items[at : at + size]


# A patient of the sweep's list is still to go at the moment of the batch: no
# appointment from the cut-off on (a booking made since keeps them), and not on hold.
STILL = (
    "NOT EXISTS (SELECT 1 FROM appointment b WHERE b.patient_id = {col}"
    " AND b.start_utc >= :before)"
    f" AND {NOT_HELD}"
)


def still_lapsed(session: Session, before: datetime, ids: Sequence[str]) -> list[str]:
    """Those of ``ids`` (a list made at the sweep's start) still to go now, inside
    the batch's write: a booking or a hold since keeps the patient."""
    if not ids:
        return []
    rows = session.execute(
        text(f"SELECT p.id FROM patient p WHERE p.id IN {_EACH} AND {STILL.format(col='p.id')}"),
        {"before": to_micros(before), **_each(ids)},
    )
    return [r[0] for r in rows]


# The appointments of every patient past their time, by rowid: the order they were
# written in, about the order of their times. The sweep deletes them first, in runs
# of neighbouring rows (the table and its time indexes change a page for many rows,
# not one for each), then the patients with the rest of their record.
LAPSED_APPOINTMENTS = (
    "WITH last AS (SELECT patient_id, max(start_utc) AS at FROM appointment"
    "  GROUP BY patient_id)"
    " SELECT a.rowid FROM last l JOIN appointment a ON a.patient_id = l.patient_id"
    f" WHERE l.at < :before AND {NOT_HELD.format(col='l.patient_id')} ORDER BY a.rowid"
)
_RUN = "a.rowid IN (SELECT value FROM json_each(:rowids))"
# The rows a batch removes, chosen once (the checks run once a row) and read by each
# of the batch's deletions; a table of this connection's memory, emptied each batch.
_CHOSEN = "CREATE TEMP TABLE IF NOT EXISTS sweep_chosen (rid INTEGER PRIMARY KEY, id TEXT)"


def lapsed_appointments(session: Session, before: datetime) -> list[int]:
    """The rowids of every appointment of a patient past their time, in order."""
    rows = session.execute(text(LAPSED_APPOINTMENTS), {"before": to_micros(before)})
    return [int(r[0]) for r in rows]


def _choose(session: Session, sql: str, params: Mapping[str, object]) -> None:
    """Fill ``temp.sweep_chosen`` with the (rowid, id) pairs ``sql`` selects."""
    session.execute(text(_CHOSEN))
    session.execute(text("DELETE FROM temp.sweep_chosen"))
    session.execute(text(f"INSERT INTO temp.sweep_chosen (rid, id) {sql}"), params)


CHOSEN_IDS = "SELECT id FROM temp.sweep_chosen"
_CHOSEN_TABLE = sa.table("sweep_chosen", sa.column("id"), schema="temp")


# Every (table, column) whose foreign key refers to an appointment. The batches
# delete those rows first, then the appointments with foreign keys unchecked
# (``Database.write``'s ``checked``); a test compares this with the schema.
REFERRING = (("communication_entry", "appointment_id"),)


def remove_appointments(session: Session, rowids: Sequence[int], before: datetime) -> Counter[str]:
    """Delete these appointments (and the rows that refer to them, :data:`REFERRING`:
    the log entries about them) of patients still to go; rows per table."""
    counts: Counter[str] = Counter()
    given = {"rowids": json.dumps(list(rowids)), "before": to_micros(before)}
    still = STILL.format(col="a.patient_id")
    _choose(session, f"SELECT a.rowid, a.id FROM appointment a WHERE {_RUN} AND {still}", given)
    _unbase(session, "appointment", CHOSEN_IDS)
    for table, column in REFERRING:
        _unbase(session, table, f"SELECT id FROM {table} WHERE {column} IN ({CHOSEN_IDS})")
        counts[table] = _run(session, f"DELETE FROM {table} WHERE {column} IN ({CHOSEN_IDS})", {})
    with sweeping(session):
        chosen = "rowid IN (SELECT rid FROM temp.sweep_chosen)"
        counts["appointment"] = _run(session, f"DELETE FROM appointment WHERE {chosen}", {})
    return counts


@contextmanager
def sweeping(session: Session) -> Iterator[None]:
    """Mark this write as the sweep's while the block runs: the appointment delete
    trigger then offers no freed time to the waitlist (migration 0027); the times a
    sweep frees are past. The mark is gone before the commit, whatever happens."""
    session.execute(text("INSERT OR REPLACE INTO sweep_mark (id) VALUES (1)"))
    try:
        yield
    finally:
        session.execute(text("DELETE FROM sweep_mark"))


def _unbase(
    session: Session, table: str, owned: str, params: Mapping[str, object] | None = None
) -> None:
    """Drop the sync base (the row as the endpoint last had it) of ``owned`` rows of
    ``table``; nothing to do in a clinic that does not sync."""
    if session.execute(text("SELECT EXISTS (SELECT 1 FROM sync_base)")).scalar_one():
        sql = f"DELETE FROM sync_base WHERE entity = '{table}' AND row_id IN ({owned})"
        _run(session, sql, params or {})


def lapsed_patients(session: Session, before: datetime, *, only: str = "") -> list[Lapsed]:
    rows = session.execute(
        text(
            "SELECT id, number, given_name || ' ' || family_name FROM patient"
            f" WHERE id IN ({LAPSED}{only}) ORDER BY number"
        ),
        {"before": to_micros(before), "after": ""},
    )
    return [Lapsed(*r) for r in rows]


def held_lapsed(session: Session, before: datetime) -> int:
    """How many live patients past their time a hold keeps (the dry run says it)."""
    kept = LAPSED.replace(f" AND {NOT_HELD.format(col='p.id')}", "")
    held = "SELECT 1 FROM patient_hold h WHERE h.patient_id = p.id AND h.deleted_at IS NULL"
    sql = f"SELECT count(*) FROM patient p WHERE p.id IN ({kept}){NAMED} AND EXISTS ({held})"
    found = session.execute(text(sql), {"before": to_micros(before), "after": ""})
    return int(found.scalar_one())


def lapsed_counts(session: Session, before: datetime, *, only: str = "") -> Counter[str]:
    """How many rows of each kind removing every lapsed patient (``only``: :data:`NAMED`,
    live and not anonymised; :data:`ERASED`, erased patients' tombstones) would delete."""
    params = {"before": to_micros(before), "after": ""}
    counts: Counter[str] = Counter()
    for table in (*CHILDREN, "patient"):
        column = "id" if table == "patient" else "patient_id"
        found = session.execute(
            text(f"SELECT count(*) FROM {table} WHERE {column} IN ({LAPSED}{only})"),
            params,
        ).scalar_one()
        counts[table] = int(found)
    return counts


def remove_patients(session: Session, ids: Sequence[str]) -> Counter[str]:
    """Delete these patients and everything their record holds; rows per table."""
    if not ids:
        return Counter()
    counts = remove_children(session, ids, CHILDREN)
    forget_chosen(session)
    _unbase(session, "patient", CHOSEN_IDS)
    chosen = "rowid IN (SELECT rid FROM temp.sweep_chosen)"
    rowids = session.execute(text(f"SELECT search_rowid FROM patient WHERE {chosen}"))
    found = [int(r[0]) for r in rowids]
    counts["patient"] = _run(session, f"DELETE FROM patient WHERE {chosen}", {})
    unindex(session, found)
    return counts


def remove_children(
    session: Session, ids: Sequence[str], tables: Sequence[str], only: str = ""
) -> Counter[str]:
    """Choose these patients (``temp.sweep_chosen``; ``only``: a further condition on
    the ``patient`` row) and delete their rows of ``tables`` (of
    :data:`CHILDREN`, in its order) with those rows' sync bases; rows per table."""
    counts: Counter[str] = Counter()
    _choose(session, f"SELECT rowid, id FROM patient WHERE id IN {_EACH}{only}", _each(ids))
    with sweeping(session):
        for table in tables:
            _unbase(session, table, f"SELECT id FROM {table} WHERE patient_id IN ({CHOSEN_IDS})")
            counts[table] = _run(
                session, f"DELETE FROM {table} WHERE patient_id IN ({CHOSEN_IDS})", {}
            )
    return counts


def forget_chosen(session: Session) -> None:
    """What names the chosen patients (``temp.sweep_chosen``) outside their record."""
    # Times the patient's appointments freed before (a cancellation): they name her.
    _run(session, f"DELETE FROM freed_slot WHERE patient_id IN ({CHOSEN_IDS})", {})
    # Her finished reminders go by the delivery log's own time; the addresses they went
    # to go with her now, and the Google disclosure register names her no more: one
    # statement each over the chosen patients (their ids as parameters, thousands a
    # batch, were a quarter of a patient batch's time).
    erasure.forget_sent(session, sa.select(_CHOSEN_TABLE.c.id))


# A list of ids given as one JSON parameter: one statement whatever its length, where
# an expanded IN list is compiled anew for each length.
_EACH = "(SELECT value FROM json_each(:ids))"


def _each(ids: Sequence[str]) -> dict[str, object]:
    return {"ids": json.dumps(list(ids))}


def unindex(session: Session, rowids: Sequence[int]) -> None:
    """Take these rows out of the search index, leaving FTS5's delete markers.

    The index keeps FTS5's ``secure-delete`` on (migration 0001), which rewrites the
    index's pages at each deletion: some 30 ms a patient in a large clinic, hours for
    a sweep. Here it is off for this transaction only (the option is set back before
    the commit, so no crash leaves it off); :func:`purge_index` then rewrites the
    index without the deleted entries, and ``secure_delete`` zeroes the pages it
    frees.

    FTS5's ``automerge`` is off for the transaction too (set back as ``secure-delete``
    is): the deletions are flushed as one new segment, where with it on the flush
    went on to merge older segments, some pages for each page of deletions and more
    the larger the index, work :func:`purge_index` does again, once, at the end
    (measured at 160,895 appointments: the patient batches 31,229 -> 22,521 pages).
    Its ``crisismerge`` stays: a level of many segments is still merged."""
    if not rowids:
        return
    merge = _automerge(session)
    session.execute(text(f"{_FTS_OPTION} ('automerge', 0)"))
    session.execute(text(f"{_FTS_OPTION} ('secure-delete', 0)"))
    # In the index's order: its content table's rows, found by rowid, are then read
    # page after page (the rowids follow the names, not the order the patients are
    # swept in; measured: 1.75 -> 0.51 s CPU in a 160,895-appointment sweep).
    session.execute(
        text("DELETE FROM patient_search WHERE rowid = :r"), [{"r": r} for r in sorted(rowids)]
    )
    # Setting an option first flushes the deletions (FTS5), here with neither option.
    session.execute(text(f"{_FTS_OPTION} ('secure-delete', 1)"))
    session.execute(text(f"{_FTS_OPTION} ('automerge', :n)"), {"n": merge})


# FTS5's ``automerge`` where the index's config table holds none.
AUTOMERGE_DEFAULT = 4


def _automerge(session: Session) -> int:
    """The search index's ``automerge`` option as it is now."""
    found = session.execute(
        text("SELECT v FROM patient_search_config WHERE k = 'automerge'")
    ).scalar_one_or_none()
    return int(found) if found is not None else AUTOMERGE_DEFAULT


# The pages of the search index one step of :func:`purge_index` writes at most: some
# 0.2 s of CPU a step at 200,000 patients.
PURGE_PAGES = 2000


def purge_index(session: Session, pages: int) -> bool:
    """One step of rewriting the search index without the entries :func:`unindex`
    marked deleted: FTS5's ``merge`` of all its segments, about ``pages`` pages of
    it; whether there was work to do (call it, each time in a write of its own, until
    there is none: the index is then one segment, as ``optimize`` leaves it, in steps
    the desk waits for a moment each instead of one write of seconds)."""
    changes = text("SELECT total_changes()")
    before = int(session.execute(changes).scalar_one())
    session.execute(text(f"{_FTS_OPTION} ('merge', :pages)"), {"pages": -pages})
    # FTS5 counts two changes or more when a merge wrote something.
    return int(session.execute(changes).scalar_one()) - before >= 2


_FTS_OPTION = "INSERT INTO patient_search(patient_search, rank) VALUES"


def old_commlog_ids(session: Session, before: datetime, limit: int = 1000) -> list[str]:
    """Communication-log entries older than ``before`` of patients not on hold."""
    rows = session.execute(
        text(
            "SELECT c.id FROM communication_entry c WHERE c.occurred_at < :before"
            f" AND {NOT_HELD.format(col='c.patient_id')} LIMIT :limit"
        ),
        {"before": to_micros(before), "limit": limit},
    )
    return [r[0] for r in rows]


def count_old_commlog(session: Session, before: datetime, patients_before: datetime) -> int:
    """How many entries :func:`old_commlog_ids` will find once the patients lapsed at
    ``patients_before`` are gone (the dry run's count: theirs are counted with them)."""
    return int(
        session.execute(
            text(
                "SELECT count(*) FROM communication_entry c WHERE c.occurred_at < :cut"
                f" AND {NOT_HELD.format(col='c.patient_id')}"
                f" AND c.patient_id NOT IN ({LAPSED})"
            ),
            {"cut": to_micros(before), "before": to_micros(patients_before), "after": ""},
        ).scalar_one()
    )


def remove_commlog(session: Session, ids: Sequence[str]) -> int:
    _unbase(session, "communication_entry", "SELECT value FROM json_each(:ids)", _each(ids))
    return _run(session, f"DELETE FROM communication_entry WHERE id IN {_EACH}", _each(ids))


def _run(session: Session, sql: str, params: Mapping[str, object]) -> int:
    result = session.execute(text(sql), params)
    return int(result.rowcount)  # type: ignore[attr-defined]
