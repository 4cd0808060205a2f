"""A lapsed patient anonymised, not deleted: for a clinic that keeps statistics
(``retention.lapsed_patients=anonymise``; docs/privacy.md, "Anonymisation").

Her row stays, as the one her appointments point at, but holds nothing that ties it
to her, even with other data: every field an erasure empties (:data:`erasure.WIPED`:
names, national ID, birth date, gender, phone, e-mail, address, languages and
channel, notes, alert, restriction) is emptied, her number (which a paper chart may
carry) becomes a neutral ``ANON-<random>``, and ``anonymised_at`` says so. Neither her
birth year nor her gender stays: in a clinic's few thousand patients, a year and a
gender with the days and services of her visits can single her out. What stays is
what statistics need: her appointments' provider, service, room, times and status,
their free text emptied (:data:`erasure.BLANKED`, one rule with an erasure). Her
consents, documents, communication log, waiting-list entries and lifted holds are
deleted as the deleting sweep deletes them. Each emptied value is emptied in the
row's base too (``sync_base``), and the row goes out of the search index.

Her row and her appointments are changed by an update with a new version, so the
change feed syncs them (sealed) and every PC applies the anonymised row
(``replica.apply``: it leaves the search index there too). Works in the caller's
transaction, on the sweep's chosen rows (``temp.sweep_chosen``).

A booking of hers the endpoint refused as a double booking (:func:`drop_refused`) is
not kept: the endpoint never took it, so a PC that did not pull its conflict, or
downloads the clinic anew, never has it, and statistics kept of it would differ from
PC to PC. It is deleted with her anonymisation, once the conflict that named it is
closed (``ops/conflicterasure``), here and on every PC that pulls her anonymised row.
"""

from __future__ import annotations

import base64
import secrets
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from receptionist.models import Appointment, to_micros
from receptionist.patients import blanking, erasure, numbering
from receptionist.retention import sweep as rules

# Her rows the anonymising sweep deletes (her appointments stay).
GONE = tuple(kind for kind in rules.CHILDREN if kind != "appointment")
PREFIX = numbering.ANONYMISED_PREFIX
# Whom a batch anonymises: not anonymised yet, and not erased (one erased since the
# sweep's list was made holds nothing of her: not renumbered, not counted).
LIVE = " AND anonymised_at IS NULL AND deleted_at IS NULL"
# What stays of her appointments: their free text emptied, as an erasure empties it.
APPOINTMENT_BLANK = erasure.BLANKED[Appointment]
# Her base keeps no number: the one she had names her, and the new one is not the
# endpoint's yet (a pulled edit of her number then conflicts, it does not come back).
BASE_BLANK = {**erasure.WIPED, "number": ""}


def neutral_number() -> str:
    """A patient number that ties to nobody: ``ANON-`` and 11 random base32 letters and
    digits (55 bits: two million of them are told apart; 16 characters, as numbers
    are)."""
    return PREFIX + base64.b32encode(secrets.token_bytes(7)).decode("ascii")[:11]


def anonymise(session: Session, ids: Sequence[str], now: datetime) -> Counter[str]:
    """Anonymise these patients (those live and not anonymised yet); rows per kind: the rows
    deleted by table and ``patient_anonymised``."""
    if not ids:
        return Counter()
    counts = rules.remove_children(session, ids, GONE, only=LIVE)
    rules.forget_chosen(session)
    _blank_appointments(session, now)
    counts["patient_anonymised"] = _blank_patients(session, now)
    return counts


# Her bookings the endpoint never took: refused as a double booking, each PC holds it
# from the conflict with its base at version 0 (``replica.apply``), or no base yet.
# Read from the patients given, in this order (SQLite keeps a CROSS JOIN's): each by
# key, her bookings by their patient's index, each one's base by key; never a pass over
# the bases (a pull runs it at each page that brings a patient).
REFUSED = (
    "SELECT a.id FROM json_each(:ids) j CROSS JOIN patient p CROSS JOIN appointment a"
    " CROSS JOIN sync_base b WHERE p.id = j.value AND p.anonymised_at IS NOT NULL"
    " AND a.patient_id = p.id AND b.entity = 'appointment' AND b.row_id = a.id"
    " AND b.version = 0"
)


# A page's pulled bookings that hold words, of a patient anonymised here: each booking
# by key, its words checked before its patient is (SQLite keeps a CROSS JOIN's order).
_WORDS = " OR ".join(f"a.{name} <> ''" for name in APPOINTMENT_BLANK)
WORDED = (
    "SELECT a.id FROM json_each(:ids) j CROSS JOIN appointment a CROSS JOIN patient p"
    f" WHERE a.id = j.value AND ({_WORDS}) AND p.id = a.patient_id"
    " AND p.anonymised_at IS NOT NULL"
)


def blank_pulled(session: Session, booking_ids: Sequence[str], now: datetime) -> int:
    """The pulled bookings of ``booking_ids`` that hold words (:data:`APPOINTMENT_BLANK`)
    though their patient was anonymised here (an edit the endpoint took before her
    anonymisation; a booking made for her elsewhere before that PC heard of it): the
    anonymisation wins, as over an edit of her row. Their words are emptied, in the row
    and its base, and each is a change of this PC's (a new version), so its next push
    goes over the edit and every PC takes it. How many."""
    if not booking_ids:
        return 0
    ids = [str(r[0]) for r in session.execute(text(WORDED), rules._each(booking_ids))]
    for row in session.scalars(select(Appointment).where(Appointment.id.in_(ids))):
        blanking.blank(session, row, APPOINTMENT_BLANK)
        row.touch(now)
    return len(ids)


def count_refused(session: Session, before: datetime) -> int:
    """How many bookings the endpoint refused of the patients an anonymising sweep would
    anonymise now (lapsed at ``before``): the dry run's count of those :func:`drop_refused`
    will delete."""
    found = session.execute(
        text(
            "SELECT count(*) FROM appointment a JOIN sync_base b ON b.entity = 'appointment'"
            f" AND b.row_id = a.id WHERE b.version = 0 AND a.patient_id IN ({rules.LAPSED}"
            f"{rules.NAMED})"
        ),
        {"before": to_micros(before), "after": ""},
    )
    return int(found.scalar_one())


def drop_refused(session: Session, patient_ids: Sequence[str]) -> int:
    """The bookings of those of ``patient_ids`` who are anonymised that the endpoint
    refused as a double booking (:data:`REFUSED`), deleted with their bases and the log
    entries about them; how many. Run once the conflicts that name them are closed
    (``close_erased`` finds a booking's patient by its row): by the sweep's batch, and
    by each page of a pull that brings an anonymised row or a refused booking."""
    if not patient_ids:
        return 0
    ids = [str(r[0]) for r in session.execute(text(REFUSED), rules._each(patient_ids))]
    if not ids:
        return 0
    each = rules._each(ids)
    for table, column in rules.REFERRING:
        session.execute(text(f"DELETE FROM {table} WHERE {column} IN {rules._EACH}"), each)
    with rules.sweeping(session):  # a past time: no slot offered to the waitlist
        gone = session.execute(text(f"DELETE FROM appointment WHERE id IN {rules._EACH}"), each)
    session.execute(
        text(f"DELETE FROM sync_base WHERE entity = 'appointment' AND row_id IN {rules._EACH}"),
        each,
    )
    return int(gone.rowcount)  # type: ignore[attr-defined]


def _blank_appointments(session: Session, now: datetime) -> None:
    """Her appointments' free text emptied, in the rows (a new version: it syncs) and
    their bases; not those the endpoint refused, which :func:`drop_refused` deletes in
    the same write, as the endpoint's doing (an update of them would be pushed)."""
    said = " OR ".join(f"{name} <> ''" for name in APPOINTMENT_BLANK)
    refused = (
        "SELECT 1 FROM sync_base b WHERE b.entity = 'appointment' AND b.row_id = appointment.id"
        " AND b.version = 0"
    )
    owned = f"patient_id IN ({rules.CHOSEN_IDS}) AND ({said}) AND NOT EXISTS ({refused})"
    ids = [str(r[0]) for r in session.execute(text(f"SELECT id FROM appointment WHERE {owned}"))]
    if not ids:
        return
    emptied = ", ".join(f"{name} = ''" for name in APPOINTMENT_BLANK)
    session.execute(
        text(
            f"UPDATE appointment SET {emptied}, version = version + 1, updated_at = :now"
            f" WHERE id IN {rules._EACH}"
        ),
        {"now": to_micros(now), **rules._each(ids)},
    )
    for row_id in ids:
        blanking.wipe_base(session, "appointment", row_id, APPOINTMENT_BLANK)


def _blank_patients(session: Session, now: datetime) -> int:
    """The chosen patients' rows emptied, renumbered, marked anonymised (a new version:
    it syncs), their bases emptied, and their search index entries taken out."""
    rows = session.execute(text("SELECT p.id, p.search_rowid FROM patient p"
                                " JOIN temp.sweep_chosen c ON c.rid = p.rowid")).all()  # fmt: skip
    if not rows:
        return 0
    wiped = {**erasure.WIPED, **erasure.LOCAL_WIPED}
    fields = ", ".join(f"{name} = :w_{name}" for name in wiped)
    params = {f"w_{name}": value for name, value in wiped.items()}
    session.execute(
        text(
            f"UPDATE patient SET {fields}, number = :number, anonymised_at = :now,"
            " version = version + 1, updated_at = :now WHERE id = :id"
        ),
        [{**params, "now": to_micros(now), "number": neutral_number(), "id": r[0]} for r in rows],
    )
    for row_id, _ in rows:
        blanking.wipe_base(session, "patient", str(row_id), BASE_BLANK)
    rules.unindex(session, [int(r[1]) for r in rows])
    return len(rows)
