"""Booking over a conflict: who may, the reason they give, the marks that are saved.

An override needs "booking.override" and a reason. It is used only when something
clashes: then the appointment keeps ``override_by`` and ``override_reason`` and gets an
"override" audit event. ``override_reason`` is non-empty exactly when the appointment
breaks a rule.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from receptionist.context import Ctx, require
from receptionist.errors import ConflictError, ValidationError
from receptionist.freetext import clean_text
from receptionist.journal import audit
from receptionist.models import Appointment
from receptionist.schedule.conflicts import Conflict
from receptionist.schedule.drafts import MAX_REASON_CHARS
from receptionist.texts import QT_TRANSLATE_NOOP, Text


def is_overridden(appointment: Appointment) -> bool:
    return bool(appointment.override_reason)


def reason(ctx: Ctx, given: str | None) -> str | None:
    """The override reason given, checked, or None when none was given."""
    if given is None:
        return None
    message = Text(
        QT_TRANSLATE_NOOP(
            "core",
            "Only a manager or an administrator can book over a conflict; pick a free time.",
        )
    )
    require(ctx, "booking.override", message)
    text = clean_text(given, "override_reason", MAX_REASON_CHARS)
    if not text:
        raise ValidationError(
            "override_reason",
            Text(QT_TRANSLATE_NOOP("core", "Say why the conflict is being overridden.")),
        )
    return text


def settle(ctx: Ctx, found: list[Conflict], override: str | None) -> tuple[str | None, str]:
    """The override marks to save, or ConflictError when the clash is not overridden."""
    if not found:
        return None, ""
    if override is None:
        may = ctx.actor.may("booking.override")
        others = len(found) - 1
        if others == 0:
            text = Text(_ONE_CLASH[may], problem=found[0].reason)
        elif others == 1:
            text = Text(_TWO_CLASHES[may], problem=found[0].reason)
        else:
            text = Text(_MORE_CLASHES[may], problem=found[0].reason, count=others)
        raise ConflictError(text, found)
    return ctx.actor.user_id, override


# What a clash that is not overridden says, by whether the actor may override it. The
# first clash's reason is a whole sentence of its own (a Text, translated as it is).
_ONE_CLASH = {
    True: QT_TRANSLATE_NOOP(
        "core", "{problem} Pick another time or book it with an override reason."
    ),
    False: QT_TRANSLATE_NOOP("core", "{problem} Pick another time or ask a manager to override."),
}
_TWO_CLASHES = {
    True: QT_TRANSLATE_NOOP(
        "core",
        "{problem} There is one more problem; "
        "pick another time or book it with an override reason.",
    ),
    False: QT_TRANSLATE_NOOP(
        "core",
        "{problem} There is one more problem; pick another time or ask a manager to override.",
    ),
}
_MORE_CLASHES = {
    True: QT_TRANSLATE_NOOP(
        "core",
        "{problem} There are {count} more problems; "
        "pick another time or book it with an override reason.",
    ),
    False: QT_TRANSLATE_NOOP(
        "core",
        "{problem} There are {count} more problems; "
        "pick another time or ask a manager to override.",
    ),
}


def record(session: Session, ctx: Ctx, appointment: Appointment) -> None:
    """Audit an "override" event when the saved appointment breaks a rule."""
    if appointment.override_reason:
        audit.record(session, ctx, "override", "appointment", appointment.id)
