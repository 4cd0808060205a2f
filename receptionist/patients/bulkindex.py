"""Patients written in bulk (a first download) are placed in the search index once,
set-based, at the end: not one at a time as they arrive.

Placing each page of a download as it came made the download slow down as it grew:
patients of one name always fall in the same gap of the index (after the last of that
name), so each page halved it, and after some thirty pages every new one had to
re-space its neighbours one at a time (a 200,000-patient download spent most of its
time there). Now a patient written in bulk is **parked**: its sort key is set, its
``search_rowid`` is a distinct number below :data:`UNPLACED` and it has no index row
yet. :func:`place_parked`, at the end of a pull, places all parked patients in one
pass: each gap between patients already placed is shared evenly by the parked
patients that fall in it, so however many share a name they take one pass. Patients
of a gap too narrow to share are placed one at a time (``reserve_rowid``), or, when
there are many, the whole index is renumbered (``rebuild_search_index``).

A parked patient is not found by search until it is placed; anything that indexes it
(an edit, a pulled change: ``index_patient``) places it at once.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.orm import Session

from receptionist.models import Patient
from receptionist.patients import searchindex

# A search_rowid below this is a parked patient's (no index row). Clear of the numbers
# searchindex moves rows to for a moment: -rowid (index_patient), -rowid - 2**62
# (rebuild_search_index) and -2**63 + i (re-spacing).
UNPLACED = -(3 << 61)
_FEW = 500  # up to this many to place: each asks for its neighbours; more: one read of all
_CRAMMED = 64  # left without room: up to this many placed one at a time; more: renumber all
_INSERT = text("INSERT INTO patient_search(rowid, terms) VALUES (:rowid, :terms)")
_SET = (
    update(Patient)
    .where(Patient.id == bindparam("pid"))
    .values(search_rowid=bindparam("rowid"))
    .execution_options(synchronize_session=False)
)
_BEFORE = (
    "SELECT search_rowid FROM patient WHERE sort_key <= ? AND search_rowid > 0"
    " ORDER BY sort_key DESC, search_rowid DESC LIMIT 1"
)
_AFTER = (
    "SELECT search_rowid FROM patient WHERE sort_key > ? AND search_rowid > 0"
    " ORDER BY sort_key, search_rowid LIMIT 1"
)
Gap = tuple[int | None, int | None]


def park(session: Session, rows: Sequence[dict[str, object]]) -> None:
    """Give each patient row about to be inserted its sort key and a parked rowid."""
    lowest = session.scalar(select(func.min(Patient.search_rowid)))
    start = min(lowest if lowest is not None else 0, UNPLACED) - 1
    for i, row in enumerate(rows):
        row["sort_key"] = searchindex.sort_key(str(row["given_name"]), str(row["family_name"]))
        row["search_rowid"] = start - i


def place_parked(session: Session) -> int:
    """Place every parked patient in alphabetical order among those placed, and index
    the live ones; how many were placed."""
    session.flush()
    conn = session.connection()
    parked = conn.execute(
        select(Patient.id, Patient.sort_key, Patient.given_name, Patient.family_name,
               Patient.phone, Patient.national_id, Patient.email, Patient.deleted_at)
        .where(Patient.search_rowid < UNPLACED)
        .order_by(Patient.sort_key, Patient.search_rowid.desc())
    ).all()  # fmt: skip
    if not parked:
        return 0
    places = _gaps(session, [r.sort_key for r in parked])
    rowids, crowded = _share(parked, places)
    if len(crowded) > _CRAMMED:
        searchindex.rebuild_search_index(session)
        return len(parked)
    if rowids:
        conn.execute(_SET, [{"pid": r.id, "rowid": rowids[r.id]} for r in parked if r.id in rowids])
    for row in crowded:
        rowids[row.id] = searchindex.reserve_rowid(session, row.sort_key)
        conn.execute(_SET, [{"pid": row.id, "rowid": rowids[row.id]}])
    live = [r for r in parked if r.deleted_at is None]
    if live:
        conn.execute(_INSERT, [{"rowid": rowids[r.id], "terms": _terms(r)} for r in live])
    session.expire_all()  # rows the session holds may carry their parked rowid
    return len(parked)


def _gaps(session: Session, keys: list[str]) -> list[Gap]:
    """For each sort key, the placed neighbours it falls between (rowids: the last
    patient whose key is at or before it, the first after), as ``index_patient``
    would find them."""
    raw = session.connection().connection.driver_connection
    assert raw is not None
    if len(keys) <= _FEW:
        found: list[Gap] = []
        for key in keys:
            before = raw.execute(_BEFORE, (key,)).fetchone()
            after = raw.execute(_AFTER, (key,)).fetchone()
            found.append((before[0] if before else None, after[0] if after else None))
        return found
    placed = raw.execute(
        "SELECT sort_key, search_rowid FROM patient WHERE search_rowid > 0"
        " ORDER BY sort_key, search_rowid"
    ).fetchall()
    sorted_keys = [k for k, _ in placed]
    rowids = [r for _, r in placed]
    out: list[Gap] = []
    for key in keys:
        at = bisect_right(sorted_keys, key)
        out.append((rowids[at - 1] if at else None, rowids[at] if at < len(rowids) else None))
    return out


def _share(parked: Sequence[Any], places: list[Gap]) -> tuple[dict[str, int], list[Any]]:
    """Rowids for the parked patients (in sort order), each gap shared evenly by those
    that fall in it; and those of gaps too narrow to share."""
    members: dict[Gap, list[Any]] = {}
    for row, place in zip(parked, places, strict=True):
        members.setdefault(place, []).append(row)
    rowids: dict[str, int] = {}
    crowded: list[Any] = []
    for (before, after), rows in members.items():
        low = before if before is not None else 0
        high = after if after is not None else searchindex.MAX_ROWID
        spacing = (high - low) // (len(rows) + 1)
        if before is None and after is None:
            low, spacing = searchindex.FIRST_ROWID - searchindex.GAP, searchindex.GAP
        elif after is None:
            spacing = min(spacing, searchindex.GAP)
        if spacing < 2:
            crowded += rows
            continue
        for i, row in enumerate(rows, start=1):
            rowids[row.id] = low + spacing * i
    return rowids, crowded


def _terms(row: Any) -> str:
    return searchindex.search_terms(
        row.given_name, row.family_name, row.phone, row.national_id, row.email
    )
