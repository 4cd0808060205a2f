"""The patient search index: what it holds, and rowids that follow the alphabet.

``patient_search`` is an FTS5 trigram table with one column, ``terms``::

    " <family words> \\x1f <given words> \\x1f <phone digits> <id> <e-mail words>
      \\x1f <initials> "

all folded (receptionist.folding), every word with a space on each side, so a
phrase with a leading space matches the start of a word and one with spaces on both
sides a whole word. ``<initials>`` holds "\\x1e\\x1e" + the first letter of each
name word: three characters, so even a one-letter search is a trigram lookup. No
query contains U+001E or U+001F (folding turns control characters into spaces).

Its rowid is Patient.search_rowid, a local number (never synced) kept in the order
of Patient.sort_key (folded family name, then given name). FTS5 returns matches in
rowid order, so "the first 50 matches by name" stops after 50 rows however many
match: that is what makes a one-letter search fast at 200,000 patients. Rowids are
spaced ``GAP`` apart; a new or renamed patient takes the midpoint between its
neighbours, and when a gap runs out the rows around it are re-spaced.

For bulk loads: give each patient its ``sort_key`` and ``search_terms``, rowids from
``bulk_rowids`` (into an empty index), or insert patients with any distinct positive
rowids and call ``rebuild_search_index`` once.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, select, text, update
from sqlalchemy.orm import Session

from receptionist.folding import fold, tokens
from receptionist.models import Patient
from receptionist.patients.phones import search_forms

SEP = "\x1f"
INITIAL = "\x1e\x1e"
GAP = 1 << 32
FIRST_ROWID = 1 << 40
MAX_ROWID = 1 << 62
_PARKED = -(1 << 63)  # rowids moved out of the way while a window is re-spaced
_MIN_SPACING = 1 << 12
_INSERT = text("INSERT INTO patient_search(rowid, terms) VALUES (:rowid, :terms)")
_UPDATE = text("UPDATE patient_search SET terms = :terms WHERE rowid = :rowid")
_MOVE = text("UPDATE patient_search SET rowid = :new WHERE rowid = :old")
_DELETE = text("DELETE FROM patient_search WHERE rowid = :rowid")


def search_terms(
    given: str, family: str, phone: str | None, national_id: str | None, email: str | None
) -> str:
    """The ``terms`` of a patient's index row (``phone`` in E.164, as stored)."""
    contact: list[str] = []
    if phone:
        contact += search_forms(phone)
    if national_id:
        contact += tokens(national_id)
    if email:
        contact += tokens(email)
    names = tokens(family) + tokens(given)
    parts = [fold(family), SEP, fold(given), SEP, *contact, SEP, *(INITIAL + w[0] for w in names)]
    return " " + " ".join(part for part in parts if part) + " "


def sort_key(given: str, family: str) -> str:
    """Patient.sort_key for these names: folded family name, U+001F, folded given name."""
    return f"{fold(family)}{SEP}{fold(given)}"


def bulk_rowids(sort_keys: Sequence[str]) -> list[int]:
    """Rowids for rows loaded into an empty index, in the order of ``sort_keys``."""
    order = sorted(range(len(sort_keys)), key=sort_keys.__getitem__)
    rowids = [0] * len(sort_keys)
    for position, i in enumerate(order):
        rowids[i] = FIRST_ROWID + position * GAP
    return rowids


def _neighbours(session: Session, key: str) -> tuple[int | None, int | None]:
    before = session.scalar(
        select(Patient.search_rowid)
        .where(Patient.sort_key <= key, Patient.search_rowid > 0)
        .order_by(Patient.sort_key.desc(), Patient.search_rowid.desc())
        .limit(1)
    )
    after = session.scalar(
        select(Patient.search_rowid)
        .where(Patient.sort_key > key, Patient.search_rowid > 0)
        .order_by(Patient.sort_key, Patient.search_rowid)
        .limit(1)
    )
    return before, after


def _between(before: int | None, after: int | None) -> int | None:
    """A free rowid strictly between the neighbours, or None if the gap is used up."""
    low = before if before is not None else 0
    high = after if after is not None else MAX_ROWID
    if before is None and after is None:
        return FIRST_ROWID
    if after is None:
        candidate = low + GAP
    elif before is None:
        candidate = high - GAP if high > GAP else high // 2
    else:
        candidate = (low + high) // 2
    return candidate if low < candidate < high else None


def _move(session: Session, old: int, new: int) -> None:
    session.execute(
        update(Patient).where(Patient.search_rowid == old).values(search_rowid=new),
        execution_options={"synchronize_session": "fetch"},
    )
    session.execute(_MOVE, {"old": old, "new": new})


def _respace(session: Session, before: int | None, after: int | None) -> int:
    """Spread the rows around a used-up gap evenly; return the rowid freed inside it."""
    width = 16
    while True:
        low_rows = list(session.scalars(
            select(Patient.search_rowid).where(Patient.search_rowid > 0,
                Patient.search_rowid <= (before or 0)).order_by(Patient.search_rowid.desc())
            .limit(width + 1)
        ))[::-1]  # fmt: skip
        high_rows = list(session.scalars(
            select(Patient.search_rowid).where(Patient.search_rowid >= (after or MAX_ROWID))
            .order_by(Patient.search_rowid).limit(width + 1)
        ))  # fmt: skip
        floor = low_rows.pop(0) if len(low_rows) > width else 0
        ceiling = high_rows.pop() if len(high_rows) > width else MAX_ROWID
        window = len(low_rows) + 1 + len(high_rows)  # with a slot for the new row
        spacing = (ceiling - floor) // (window + 1)
        if spacing >= _MIN_SPACING:
            break
        width *= 4
    targets = [floor + spacing * (i + 1) for i in range(window)]
    slot = targets.pop(len(low_rows))
    moving = [*low_rows, *high_rows]
    for i, old in enumerate(moving):  # park first: the new places may hold old rowids
        _move(session, old, _PARKED + i)
    for i, new in enumerate(targets):
        _move(session, _PARKED + i, new)
    return slot


def reserve_rowid(session: Session, key: str) -> int:
    """A free rowid in alphabetical place for a patient with this sort ``key``."""
    with session.no_autoflush:
        before, after = _neighbours(session, key)
        found = _between(before, after)
        return found if found is not None else _respace(session, before, after)


def index_patient(session: Session, patient: Patient) -> None:
    """Write or refresh the patient's index row and name keys, in the caller's transaction.

    Works for a patient not yet added to the session too (it is added): give it
    names and contact fields, call this, and it is placed and searchable.
    """
    key = sort_key(patient.given_name, patient.family_name)
    current = patient.search_rowid
    if current is not None and current > 0 and patient.sort_key == key:
        _write_terms(session, patient)
        return
    if current is not None and current > 0:
        session.execute(_DELETE, {"rowid": current})
        patient.search_rowid = -current  # out of the way while a new place is found
        session.flush()
    patient.sort_key = key
    patient.search_rowid = reserve_rowid(session, key)
    session.add(patient)
    session.flush()
    _write_terms(session, patient)


def _write_terms(session: Session, patient: Patient) -> None:
    params = {
        "rowid": patient.search_rowid,
        "terms": search_terms(
            patient.given_name, patient.family_name, patient.phone, patient.national_id,
            patient.email,
        ),
    }  # fmt: skip
    if session.execute(_UPDATE, params).rowcount == 0:  # type: ignore[attr-defined]
        session.execute(_INSERT, params)


def unindex_patient(session: Session, patient: Patient) -> None:
    """Remove the patient's index row (on deletion or erasure)."""
    session.execute(_DELETE, {"rowid": patient.search_rowid})


def rebuild_search_index(bind: Session | Connection) -> int:
    """Recompute every live patient's sort key, rowid and index row; returns how many.

    For after a bulk load (which may then number rows 1, 2, 3...), or a change to
    folding. Deleted patients leave the index. Takes a Session or a Connection.
    """
    conn = bind.connection() if isinstance(bind, Session) else bind
    rows = conn.execute(
        select(Patient.id, Patient.given_name, Patient.family_name, Patient.phone,
               Patient.national_id, Patient.email, Patient.deleted_at)
    ).all()  # fmt: skip
    keys = [sort_key(r.given_name, r.family_name) for r in rows]
    rowids = bulk_rowids(keys)
    conn.execute(text("DELETE FROM patient_search"))
    # Distinct values out of every range in use, so the renumbering below never clashes.
    conn.execute(text(f"UPDATE patient SET search_rowid = -rowid - {MAX_ROWID}"))
    conn.execute(
        update(Patient).where(Patient.id == bindparam("pid")).values(
            search_rowid=bindparam("rowid"), sort_key=bindparam("sk")),
        [{"pid": r.id, "rowid": rowid, "sk": k}
         for r, rowid, k in zip(rows, rowids, keys, strict=True)],
    )  # fmt: skip
    live = [(r, rowid) for r, rowid in zip(rows, rowids, strict=True) if r.deleted_at is None]
    if live:
        conn.execute(_INSERT, [
            {"rowid": rowid, "terms": search_terms(r.given_name, r.family_name, r.phone,
                                                   r.national_id, r.email)}
            for r, rowid in live
        ])  # fmt: skip
    if isinstance(bind, Session):
        bind.expire_all()
    return len(live)
