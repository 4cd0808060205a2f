"""What waits to be pushed to Google, found from the change feed.

:func:`queue` reads the change feed after the cursor kept in ``google_state`` (every
appointment change, this PC's or applied from another PC) and gives each appointment
of a mapped provider a link (``pending`` until its event exists); a patient's change
re-pushes their events when the title shows their name. A newly mapped provider's
appointments from :data:`HORIZON` ago on are queued whole. The cursor moves in the
same transaction, so nothing is read twice or lost.

:func:`work` then lists what to do now, from the links: the appointments whose version
differs from the one their event shows, those cancelled, no-shows or erased, and
those whose provider's calendar changed. A failed push leaves its link as it was, so
it is in the next round's work: the queue survives any failure.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from receptionist import zones
from receptionist.journal import changefeed
from receptionist.models import (
    Appointment,
    GoogleCalendar,
    GoogleDisclosure,
    GoogleLink,
    Patient,
    Service,
)
from receptionist.models.setting import setting_id
from receptionist.privacy import restriction
from receptionist.schedule.clinic import get_clinic
from receptionist.settings import clinicstore
from receptionist.settings.google import SUMMARY

from . import calendars, eventbody, register

# A provider's appointments that ended longer ago than this are not pushed when the
# provider is first mapped (their day is over); any later change still is.
HORIZON = timedelta(days=30)
NOT_SHOWN = ("cancelled", "no_show")  # statuses whose event is removed from Google


@dataclass(frozen=True)
class Push:
    """One thing to do in Google. ``action``: insert, patch, delete, relocate (delete
    from ``old_calendar``, then insert), or settle (nothing to send: the link only
    catches up with the appointment's version)."""

    action: str
    appointment_id: str
    calendar_id: str
    event_id: str
    etag: str
    version: int
    body: dict[str, Any] | None = None
    disclosed: str | None = None  # initials | full_name: what of the patient it sends
    patient_id: str | None = None
    old_calendar: str = ""


def queue(session: Session, now: datetime) -> int:
    """Read the change feed after the cursor; returns how many links were made."""
    row = calendars.state(session)
    shows_names = clinicstore.value(session, SUMMARY) != "service"
    mapped = calendars.calendar_of(session)
    made = 0
    cursor = row.cursor
    for page in changefeed.pages(session, cursor):
        appts = {c.row_id for c in page if c.entity == "appointment"}
        made += _link(session, appts, mapped, now)
        renamed = {c.row_id for c in page if c.entity == "service"}
        people = {c.row_id for c in page if c.entity == "patient"}
        _repush(session, people if shows_names else _erased(session, people), renamed)
        if any(c.entity == "clinic_setting" and c.row_id == _SUMMARY_ID for c in page):
            _retitle(session, str(clinicstore.value(session, SUMMARY)))
        cursor = page[-1].seq
    made += _first_push(session, mapped, now)
    row.cursor = cursor
    session.flush()
    return made


def _link(session: Session, ids: set[str], mapped: dict[str, str], now: datetime) -> int:
    if not ids:
        return 0
    linked = set(
        session.scalars(select(GoogleLink.appointment_id).where(GoogleLink.appointment_id.in_(ids)))
    )
    rows = session.scalars(select(Appointment).where(Appointment.id.in_(ids - linked)))
    made = 0
    for appt in rows:
        calendar = mapped.get(appt.provider_id)
        if calendar and appt.deleted_at is None and appt.status not in NOT_SHOWN:
            session.add(_pending(appt, calendar, now))
            made += 1
    return made


def _pending(appt: Appointment, calendar: str, now: datetime) -> GoogleLink:
    return GoogleLink(
        appointment_id=appt.id,
        calendar_id=calendar,
        event_id=eventbody.event_id(appt.id),
        etag="",
        pushed_version=0,
        state="pending",
        updated_at=now,
    )


def _erased(session: Session, patients: set[str]) -> set[str]:
    """The deleted ones among ``patients``: their events leave Google."""
    if not patients:
        return set()
    query = select(Patient.id).where(Patient.id.in_(patients), Patient.deleted_at.is_not(None))
    return set(session.scalars(query))


def _repush(session: Session, patients: set[str], services: set[str]) -> None:
    """Events whose title shows a changed name are pushed again."""
    touched = (
        select(Appointment.id)
        .where(or_(Appointment.patient_id.in_(patients), Appointment.service_id.in_(services)))
        .scalar_subquery()
    )
    if patients or services:
        session.execute(
            update(GoogleLink)
            .where(GoogleLink.appointment_id.in_(touched), GoogleLink.state != "removed")
            .values(pushed_version=-1)
        )


_SUMMARY_ID = setting_id(SUMMARY.key)
# What each title setting no longer shows: events sent under a setting that showed more
# are sent again, so a clinic that turns names off takes them out of Google too.
_SHOWS_LESS = {"service": ("initials", "full_name"), "initials": ("full_name",)}


def _retitle(session: Session, summary: str) -> None:
    """The events whose title shows more of the patient than ``summary`` now allows
    (as the disclosure register recorded them) are pushed again."""
    more = _SHOWS_LESS.get(summary, ())
    if more:
        told = select(GoogleDisclosure.appointment_id).where(GoogleDisclosure.what.in_(more))
        session.execute(
            update(GoogleLink)
            .where(GoogleLink.appointment_id.in_(told), GoogleLink.state != "removed")
            .values(pushed_version=-1)
        )


def _first_push(session: Session, mapped: dict[str, str], now: datetime) -> int:
    """A newly mapped provider's appointments, from HORIZON ago on."""
    made = 0
    fresh = session.scalars(select(GoogleCalendar).where(GoogleCalendar.full_push.is_(True)))
    for cal in list(fresh):
        linked = select(GoogleLink.appointment_id)
        rows = session.scalars(
            select(Appointment).where(
                Appointment.provider_id == cal.provider_id,
                Appointment.end_utc >= now - HORIZON,
                Appointment.deleted_at.is_(None),
                Appointment.status.not_in(NOT_SHOWN),
                Appointment.id.not_in(linked),
            )
        )
        for appt in rows:
            session.add(_pending(appt, mapped[cal.provider_id], now))
            made += 1
        cal.full_push = False
    session.flush()
    return made


def work(session: Session) -> list[Push]:
    """What to send now, oldest appointment first."""
    mapped = calendars.calendar_of(session)
    tz = zones.zone(get_clinic(session).timezone)
    mode = str(clinicstore.value(session, SUMMARY))
    query = (
        select(GoogleLink, Appointment)
        .outerjoin(Appointment, Appointment.id == GoogleLink.appointment_id)
        .outerjoin(GoogleCalendar, GoogleCalendar.provider_id == Appointment.provider_id)
        .where(
            or_(
                # a removed event comes back only if the appointment changed since
                and_(
                    GoogleLink.state == "removed",
                    Appointment.version != GoogleLink.pushed_version,
                ),
                # one the provider deleted: let go once the desk cancels the appointment
                and_(
                    GoogleLink.state == "deleted_in_google",
                    or_(
                        Appointment.id.is_(None),
                        Appointment.deleted_at.is_not(None),
                        Appointment.status.in_(NOT_SHOWN),
                    ),
                ),
                and_(
                    GoogleLink.state.not_in(("removed", "deleted_in_google")),
                    or_(
                        Appointment.id.is_(None),
                        Appointment.version != GoogleLink.pushed_version,
                        GoogleLink.state == "pending",
                        GoogleCalendar.calendar_id.is_(None),
                        GoogleCalendar.calendar_id != GoogleLink.calendar_id,
                    ),
                ),
            )
        )
        .order_by(GoogleLink.appointment_id)
    )
    found = []
    for link, appt in session.execute(query):
        push = _decide(session, link, appt, mapped, tz, mode)
        if push is not None:
            found.append(push)
    return found


def _decide(
    session: Session,
    link: GoogleLink,
    appt: Appointment | None,
    mapped: dict[str, str],
    tz: ZoneInfo,
    mode: str,
) -> Push | None:
    calendar = mapped.get(appt.provider_id) if appt is not None else None
    patient = session.get(Patient, appt.patient_id) if appt is not None else None
    wanted = (
        appt is not None
        and calendar is not None
        and appt.deleted_at is None
        and appt.status not in NOT_SHOWN
        and (patient is None or patient.deleted_at is None)  # a deleted patient's go too
    )
    version = appt.version if appt is not None else 0
    if not wanted:
        if link.state in ("removed", "deleted_in_google"):
            return None if link.pushed_version == version else _settle(link, version)
        return Push(
            "delete", link.appointment_id, link.calendar_id, link.event_id, link.etag, version
        )
    assert appt is not None and calendar is not None
    body, disclosed = eventbody.body(_shown(session, appt), mode, tz)
    push = Push(
        "patch",
        appt.id,
        calendar,
        link.event_id,
        link.etag,
        appt.version,
        body,
        disclosed,
        appt.patient_id,
    )
    if link.calendar_id != calendar and link.state != "removed":
        return replace(push, action="relocate", old_calendar=link.calendar_id)
    if link.state in ("pending", "removed"):
        return replace(push, action="insert", etag="")
    return push


def _settle(link: GoogleLink, version: int) -> Push:
    return Push("settle", link.appointment_id, link.calendar_id, link.event_id, "", version)


def _shown(session: Session, appt: Appointment) -> eventbody.Shown:
    service = session.get(Service, appt.service_id)
    found = session.get(Patient, appt.patient_id)
    patient = found if restriction.shows_name(found) else None  # restricted: no name
    return eventbody.Shown(
        appointment_id=appt.id,
        version=appt.version,
        provider_id=appt.provider_id,
        service=service.name if service else "",
        given_name=patient.given_name if patient else "",
        family_name=patient.family_name if patient else "",
        start_utc=appt.start_utc,
        end_utc=appt.end_utc,
    )


# -- what came of a push -----------------------------------------------------------------


def sent(session: Session, push: Push, event: dict[str, Any], now: datetime, tz: ZoneInfo) -> None:
    """An insert or patch went through: the link shows ``event`` (its etag, our
    version and times); a patient's data sent goes into the disclosure register."""
    link = _link_of(session, push)
    times = eventbody.event_times(event, tz)
    link.calendar_id, link.etag = push.calendar_id, str(event.get("etag", ""))
    link.pushed_version = push.version
    settled_move = times is not None and times == (link.proposed_start, link.proposed_end)
    if link.state != "moved_in_google" or settled_move:  # the desk moved it there itself
        link.state, link.proposed_start, link.proposed_end = "synced", None, None
    link.pushed_start, link.pushed_end = times if times else (None, None)
    link.updated_at = now
    # What it showed before and shows no more (names turned off, a restriction) left.
    register.withdraw(session, push.appointment_id, now, shown=push.disclosed)
    if push.disclosed and push.patient_id:
        session.add(
            GoogleDisclosure(
                patient_id=push.patient_id,
                appointment_id=push.appointment_id,
                what=push.disclosed,
                recipient=register.recipient(push.calendar_id),
                at=now,
            )
        )
    session.flush()


def removed(session: Session, push: Push, now: datetime) -> None:
    """The event is gone from Google (deleted by us, or never made)."""
    link = _link_of(session, push)
    link.state, link.etag, link.pushed_version, link.updated_at = "removed", "", push.version, now
    link.proposed_start = link.proposed_end = None
    register.withdraw(session, push.appointment_id, now)
    session.flush()


def settled(session: Session, push: Push, now: datetime) -> None:
    """Nothing to send; a link the provider deleted is let go (the desk cancelled).
    The event is not in Google: what the register says went with it is withdrawn (an
    erased patient's rows made anonymous)."""
    link = _link_of(session, push)
    link.pushed_version = push.version
    if link.state == "deleted_in_google":
        link.state = "removed"
    register.withdraw(session, push.appointment_id, now)
    session.flush()


def relocated(session: Session, push: Push, now: datetime) -> None:
    """The event left its old calendar; it is inserted into the new one next."""
    link = _link_of(session, push)
    link.calendar_id, link.state, link.etag, link.updated_at = push.calendar_id, "pending", "", now
    register.withdraw(session, push.appointment_id, now, calendar=push.old_calendar)
    session.flush()


def _link_of(session: Session, push: Push) -> GoogleLink:
    link = session.get(GoogleLink, push.appointment_id)
    assert link is not None, "a push is made from its link"
    return link
