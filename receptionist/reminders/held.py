"""Messages held back by a round, not sent: those waiting on a stopped channel
(``halt``) and those waiting for the endpoint's answer to a push after a takeover
(``handover.unanswered``); what each round tells of them, and how they end once their
appointment began (or went) before they could go. ``dispatch`` runs both, once a round,
and ends each message as it ends any (``end``: its state and reason set, a failed one
logged in the patient's communication log, the round's item).

A message waiting on a stopped channel is this PC's alone (no other PC sends while it
holds the sending): once its appointment began it is skipped ("started"), or, tried in
vain before the stop (``compose.tried``), fails as given up
(``retried_until_start:<its last try's code>``, logged), as ``compose.decide`` fails one
found retrying after the start.

A message held for a push's answer may be the previous sender's: that PC may have seen
the booking and sent it. Once its appointment began with no answer (a batch the endpoint
refuses every round), one never tried here is skipped (:data:`AWAITING_PUSH`, as the
previous sender's messages are at a takeover, ``other_station``); one tried in vain here
is "unknown", for a person (:data:`PUSH_UNANSWERED`): whether the patient got it is what
nobody here can tell, and "failed" in the patient's log would say nobody sent it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.models import Appointment, Reminder
from receptionist.store.storage import Database

from . import config, halt
from .compose import RETRY, Stop, appointment_stop, given_up, last_try, tried

# A message held back after a takeover until the endpoint answers a push of its booking
# (``handover.unanswered``): the previous sender may have seen it. Skipped so at the start.
AWAITING_PUSH = "awaiting_push"
# ... one tried in vain here before: at the start, "unknown" (the previous sender may
# have sent it), never "failed" as if nobody had.
PUSH_UNANSWERED = "push_unanswered"

T = TypeVar("T")
# How a message ends (``dispatch``): given the session, the row, how it ends and this
# PC's time, it writes the end (and the patient's log entry of a failed one) and says
# what the round did.
End = Callable[[Session, Reminder, Stop, datetime], T]


def awaiting_push(
    db: Database, times: tuple[datetime, datetime], waits: Any, end: End[T]
) -> list[T]:
    """The messages due that wait for the endpoint's answer to a push (``waits``:
    ``handover.unanswered``) say so (:data:`AWAITING_PUSH`), and are done with once their
    appointment began: never held for ever by a batch the endpoint refuses every round.
    One waiting to be tried again keeps its ``retry:`` reason (with no try counted, one
    that waited behind another's, ``dispatch._wait_behind``, it would no longer be one
    tried in vain, ``compose.tried``, nor one the network's return sends,
    ``dispatch.network_back``). At the start one never tried is skipped, one tried in
    vain here is unknown (:data:`PUSH_UNANSWERED`: see the module's note); once the
    answer came, they go as any (one too late fails as given up, ``compose.decide``).
    ``times``: the round's now (deciding) and this PC's (what it writes)."""
    r, (now, at) = Reminder, times
    pending = (r.state == "pending", r.reason.not_in(halt.REASONS))
    retrying = r.reason.startswith(RETRY, autoescape=True)
    marked = (r.reason == AWAITING_PUSH) | (retrying & waits)
    due = select(r.id).where(*pending, r.send_at <= now, r.reason != AWAITING_PUSH, ~retrying)
    began = select(r.id).where(*pending, halt.HAS_REASON, marked, r.appointment_start <= now)
    with db.read() as s:  # one read a round while nothing waits so
        found, ended = list(s.scalars(due.where(waits))), list(s.scalars(began))
    if not found and not ended:
        return []
    items = []
    with db.write() as s:
        for row in s.scalars(select(r).where(r.id.in_(found + ended), r.state == "pending")):
            if row.appointment_start > now:
                row.reason, row.updated_at = AWAITING_PUSH, at
                continue
            if tried(row):
                items.append(end(s, row, Stop("unknown", PUSH_UNANSWERED), at))
            else:
                items.append(end(s, row, Stop("skipped", AWAITING_PUSH), at))
    return items


def past_held(
    s: Session, times: tuple[datetime, datetime], end: End[T], cfg: config.Config
) -> list[T]:
    """Messages waiting on a stopped channel whose appointment began (or went): they
    are skipped now, not left "waiting" for credentials, to go never (or late); one
    tried in vain before its channel stopped fails as given up (the module's note).
    Their appointments are read with them, in one query. ``times``: the round's
    (deciding) and this PC's (what it writes), as ``dispatch._one``'s."""
    now, at = times
    items = []
    query = (
        select(Reminder, Appointment)
        .outerjoin(Appointment, Appointment.id == Reminder.appointment_id)
        .where(*halt.WAITING)
    )
    for r, appt in s.execute(query).all():
        stop = appointment_stop(r, appt, now)
        if stop is None:
            continue
        if stop.reason == "started" and tried(r):
            stop = given_up(r, cfg, last_try(s, r))
        items.append(end(s, r, stop, at))
    return items
