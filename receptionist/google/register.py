"""The disclosure register (``google_disclosure``): what of a patient went to Google,
and when it was withdrawn (docs/privacy.md, "Google Calendar").

A row is written for each sending of a patient's initials or name (``outbox.sent``).
It is withdrawn (``withdrawn_at``) when that data leaves Google: her event deleted
(cancelled, a no-show, deleted, her erasure), moved to another calendar, deleted there
by the provider, or sent again with a title showing less. A withdrawn row of a patient
erased or swept (her id already emptied: ``patients.erasure.forget_disclosed``, or her
row gone) keeps no id of her appointment either. The sweep deletes those anonymous
rows with the destruction records they stand beside (``retention/disclosures.py``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, or_, update
from sqlalchemy.orm import Session

from receptionist.models import GoogleDisclosure, Patient

# What each title shows no more of: a sending of these is withdrawn by one showing it.
_GONE_WITH = {None: ("initials", "full_name"), "initials": ("full_name",), "full_name": ()}


def withdraw(
    session: Session,
    appointment_id: str,
    now: datetime,
    *,
    shown: str | None = None,
    calendar: str | None = None,
) -> int:
    """The sendings for ``appointment_id`` (to ``calendar`` only, if given) whose data
    Google no longer shows, now that its event shows ``shown`` (None: nothing of her,
    or no event), withdrawn at ``now``; then those of an erased patient made anonymous.
    How many were withdrawn."""
    gone = _GONE_WITH.get(shown, ())
    if not gone:
        return 0
    mine = GoogleDisclosure.appointment_id == appointment_id
    where = [mine, GoogleDisclosure.withdrawn_at.is_(None), GoogleDisclosure.what.in_(gone)]
    if calendar is not None:
        where.append(GoogleDisclosure.recipient == recipient(calendar))
    done = session.execute(update(GoogleDisclosure).where(*where).values(withdrawn_at=now))
    named = exists().where(Patient.id == GoogleDisclosure.patient_id, Patient.deleted_at.is_(None))
    session.execute(
        update(GoogleDisclosure)
        .where(
            mine,
            GoogleDisclosure.withdrawn_at.is_not(None),
            or_(GoogleDisclosure.patient_id == "", ~named),
        )
        .values(patient_id="", appointment_id="")
    )
    return int(done.rowcount)  # type: ignore[attr-defined]


def recipient(calendar: str) -> str:
    """How the register names the calendar a sending went to."""
    return f"Google Calendar {calendar}"
