"""The desk's answers to what Google sync could not decide alone.

- ``put_back``: an appointment whose event the provider deleted in Google keeps its
  place: the event is made again at the next round. (To drop the appointment
  instead, cancel it as usual: its link is then let go.)
- ``move``: the provider moved the event in Google; the appointment moves to that
  time, with the booking's conflict checks (and override, for roles that may).
- ``keep``: the appointment keeps its time; the next round puts it back in Google.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from receptionist.context import Ctx, require
from receptionist.errors import NotFound, ValidationError
from receptionist.models import Appointment, GoogleLink
from receptionist.ops import lookup
from receptionist.schedule import booking
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

CHOICES = {"deleted_in_google": ("put_back",), "moved_in_google": ("move", "keep")}
CANNOT = Text(QT_TRANSLATE_NOOP("core", "Your role cannot change appointments."))


def decide(
    db: Database, ctx: Ctx, appointment_key: str, choice: str, override_reason: str | None = None
) -> str:
    """Settle one appointment Google sync flagged; returns the appointment's id."""
    require(ctx, "appointment.book", CANNOT)
    with db.write() as s:
        link = _flagged(s, appointment_key)
        if choice not in CHOICES[link.state]:
            raise ValidationError(
                "choice",
                Text(
                    QT_TRANSLATE_NOOP(
                        "core",
                        "That appointment was {state}; answer it with one of: {choices}.",
                    ),
                    state=link.state.replace("_", " "),
                    choices=", ".join(CHOICES[link.state]),
                ),
            )
        if choice == "move":
            assert link.proposed_start is not None and link.proposed_end is not None
            booking.reschedule(s, ctx, link.appointment_id, start=link.proposed_start,
                               end=link.proposed_end, override_reason=override_reason)  # fmt: skip
        link.state = "pending" if choice == "put_back" else "synced"
        link.pushed_version = -1
        link.proposed_start = link.proposed_end = None
        link.updated_at = ctx.clock.now()
        return link.appointment_id


def _flagged(s: Session, key: str) -> GoogleLink:
    """The flagged link of the appointment ``key`` names (its id, or its first 6
    characters or more, found as everywhere else: ``ops.lookup``)."""
    appointment = lookup.by_id_or_prefix(s, Appointment, key, "appointment")
    link = s.get(GoogleLink, appointment.id)
    if link is None or link.state not in CHOICES:
        raise NotFound(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "No appointment waiting for a Google decision has that id; `google "
                    "status` lists them (give at least the first 6 characters).",
                )
            ),
            "appointment",
        )
    return link
