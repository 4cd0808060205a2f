"""Whether a planned message may go now, to whom and saying what.

Checked again at the moment it would go, whatever planning said: the appointment is
still there, not cancelled (but for a cancellation message), not moved, not started;
the rules (the clinic's, or the appointment's service's own) still ask for the message
(``plan.RULE_OFF``: an offset removed or a kind switched off since it was planned);
the patient is on file, not restricted (``privacy.restriction``), consented to the
channel and can be reached by it; it is not quiet hours; it is not long past its time.

A message tried in vain (a transient failure: nothing reached the provider, or it
said "later": :func:`tried`) is tried again until it is too late to send
(:func:`too_late`): its late limit after its time, or the appointment's start,
whichever comes first; then, or when found past that (the station off, its channel
stopped and resumed meanwhile, its appointment begun), it fails (:func:`given_up`),
never sent late nor skipped unlogged. Quiet hours pause its tries: their end counts as
its time again (``dispatch``), as planning moves a message due in them to their end;
quiet hours it cannot wait out (they end after the start, or the clinic skips) give
it up.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.freetext import printable
from receptionist.models import Appointment, DeliveryLog, Patient, Provider, Reminder
from receptionist.privacy.consents import current_consents
from receptionist.privacy.restriction import REASON as RESTRICTED
from receptionist.privacy.restriction import is_restricted

from . import templates, watemplates
from .config import Config
from .plan import RULE_OFF
from .quiet import ends_after, inside

STARTED = ("arrived", "in_room", "completed", "no_show")
RETRY = "retry:"  # the reason of a message waiting to be tried again: retry:<code>
# A message given up after tries in vain, until: the appointment's start, or its late
# limit after its time (the reason: <this>:<the last try's code>).
UNTIL_START = "retried_until_start"
UNTIL_LATE = "retried_until_late"


@dataclass(frozen=True)
class Go:
    channel: str
    to: str
    subject: str
    body: str
    template: watemplates.Call | None = None


@dataclass(frozen=True)
class Stop:
    state: str  # skipped | withdrawn | failed (given up after tries in vain)
    reason: str


@dataclass(frozen=True)
class Wait:
    until: datetime


def decide(
    session: Session, r: Reminder, now: datetime, cfg: Config, ready: Collection[str]
) -> Go | Stop | Wait:
    """What to do with ``r`` now; ``ready`` names the channels that have a sender."""
    appt = session.get(Appointment, r.appointment_id)
    stop = appointment_stop(r, appt, now)
    retried = tried(r)
    # Tried in vain and now too late (the station was off meanwhile, its channel was
    # stopped and resumed): given up, even once the appointment began.
    if retried and (stop is None or stop.reason == "started") and now >= too_late(r, cfg)[0]:
        return given_up(r, cfg, last_try(session, r))
    if stop is not None or appt is None:
        return stop or Stop("withdrawn", "appointment_gone")
    if not cfg.rules_for(appt.service_id).asks(r.kind, r.rule):
        return Stop("withdrawn", RULE_OFF)
    if inside(now, cfg.quiet_start, cfg.quiet_end, cfg.tz) and cfg.quiet_end is not None:
        until = ends_after(now, cfg.quiet_end, cfg.tz)
        if cfg.quiet_mode == "shift" and until < appt.start_utc:
            return Wait(until)
        if retried:  # its next try could come only too late
            return given_up(r, cfg, last_try(session, r))
        return Stop("skipped", "quiet_hours")
    if not retried and now - max(r.send_at, r.next_try_at or r.send_at) > cfg.late_limit:
        return Stop("skipped", "late")
    patient = session.get(Patient, r.patient_id)
    if patient is None or patient.deleted_at is not None:
        return Stop("skipped", "patient_gone")
    if is_restricted(patient):
        return Stop("skipped", RESTRICTED)
    language = templates.language_for(patient.preferred_language, cfg.clinic_language)
    usable = set(ready)
    if "whatsapp" in usable and not _has_template(cfg, language, r.kind):
        usable.discard("whatsapp")  # Meta takes only an approved template from the clinic
    chosen = choose_channel(session, patient, cfg.channel_order, usable)
    if isinstance(chosen, Stop):
        if chosen.reason == "no_channel" and "whatsapp" in set(ready) - usable:
            return Stop("skipped", "no_whatsapp_template")
        return chosen
    channel, to = chosen
    return _go(session, r, appt, patient, channel, to, cfg)


def too_late(r: Reminder, cfg: Config) -> tuple[datetime, str]:
    """When a message not sent yet stops being worth sending, and the reason's word
    then: its late limit after its time (``send_at``: :data:`UNTIL_LATE`), or its
    appointment's start (:data:`UNTIL_START`), whichever comes first."""
    late = r.send_at + cfg.late_limit
    if r.appointment_start <= late:
        return r.appointment_start, UNTIL_START
    return late, UNTIL_LATE


def tried(r: Reminder) -> bool:
    """Whether ``r`` was tried in vain: its tries are counted (``attempts``: kept while
    its channel is stopped and once resumed, when its reason no longer says ``retry:``),
    or it waits with the rest of its channel for the next try of a message that reached
    no provider this round (``dispatch``: its reason ``retry:``, its try not counted).
    Such a message goes until :func:`too_late`, then fails (:func:`given_up`); one never
    tried is skipped once its late limit after its time passed."""
    return r.attempts > 0 or r.reason.startswith(RETRY)


def last_try(session: Session, r: Reminder) -> str:
    """The code of the last try ``r`` met in vain: its ``retry:`` reason's, or, once
    its channel was stopped (the reason then says why), the delivery log's."""
    if r.reason.startswith(RETRY):
        return r.reason.removeprefix(RETRY)
    query = (
        select(DeliveryLog.code)
        .where(DeliveryLog.reminder_id == r.id, DeliveryLog.action == "send")
        .where(DeliveryLog.status == "transient")
        .order_by(DeliveryLog.at.desc())
        .limit(1)
    )
    return session.scalar(query) or ""


def given_up(r: Reminder, cfg: Config, code: str) -> Stop:
    """``r``, tried in vain (``code``: its last try's) until :func:`too_late`: failed."""
    why = too_late(r, cfg)[1]
    return Stop("failed", f"{why}:{code}"[:64] if code else why)


def appointment_stop(r: Reminder, appt: Appointment | None, now: datetime) -> Stop | None:
    """Why ``r`` may no longer go, whatever its channel: its appointment (None: it may)."""
    if appt is None or appt.deleted_at is not None:
        return Stop("withdrawn", "appointment_gone")
    if appt.status == "cancelled" and r.kind != "cancellation":
        return Stop("withdrawn", "cancelled")
    if appt.start_utc != r.appointment_start:
        return Stop("withdrawn", "moved")
    if appt.status in STARTED or now >= appt.start_utc:
        return Stop("skipped", "started")
    return None


def choose_channel(
    session: Session, patient: Patient, order: tuple[str, ...], ready: Collection[str]
) -> tuple[str, str] | Stop:
    """The first channel the patient consented to, has an address for, and that has a
    sender: their own preferred one first, then the clinic's order."""
    consents = current_consents(session, patient.id)
    wanted = [patient.preferred_channel or "", *order]
    consented = [c for c in dict.fromkeys(wanted) if consents.get(f"reminder_{c}", False)]
    if not consented:
        return Stop("skipped", "no_consent")
    reachable = [(c, _address(patient, c)) for c in consented if _address(patient, c)]
    if not reachable:
        return Stop("skipped", "no_address")
    for channel, to in reachable:
        if channel in ready:
            return channel, to
    return Stop("skipped", "no_channel")


def _address(patient: Patient, channel: str) -> str:
    if channel == "email":
        return patient.email or ""
    return patient.phone or ""


def _go(
    session: Session,
    r: Reminder,
    appt: Appointment,
    patient: Patient,
    channel: str,
    to: str,
    cfg: Config,
) -> Go:
    language = templates.language_for(patient.preferred_language, cfg.clinic_language)
    provider = session.get(Provider, appt.provider_id)
    local = appt.start_utc.astimezone(cfg.tz)
    values = {
        "first_name": patient.given_name,
        "date": templates.date_text(local, language),
        "time": local.strftime("%H:%M"),
        "provider": provider.name if provider else "",
        "clinic": cfg.clinic_name,
        "address": cfg.address,
    }
    filled = templates.render(cfg.template(language, channel, r.kind), values)
    call = None
    if channel == "whatsapp":
        given = {k: printable(values[k], lines=False) for k in templates.PLACEHOLDERS}
        call = watemplates.call(cfg.whatsapp_templates.get(language, ""), language, r.kind, given)
    return Go(channel, to, filled.subject, filled.body, call)


def _has_template(cfg: Config, language: str, kind: str) -> bool:
    dummy = dict.fromkeys(templates.PLACEHOLDERS, "")
    return (
        watemplates.call(cfg.whatsapp_templates.get(language, ""), language, kind, dummy)
        is not None
    )
