"""Local → Google: each thing the core's outbox lists, one request where possible.

Inserts name the event by the appointment's id, so an insert retried after a lost
answer meets 409 "duplicate" and becomes a get and a patch, never a second event.
Patches and deletes carry ``If-Match`` with the etag we hold; a 412 re-reads the
event, applies the rules (a deletion or a time change made in Google goes to the
desk) and tries once more with the new etag; a second 412 waits for the next round:
never a loop. What happened is written back in batches; a crash between a Google
write and ours is harmless (the ids and etags make the retry meet what it did).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from receptionist.clock import Clock
from receptionist.google import steps
from receptionist.google.outbox import Push
from receptionist.google.steps import Done
from receptionist.store.storage import Database

from .calls import Caller, Failed

BATCH = 100
GONE = (404, 410)


@dataclass
class Pushed:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    conflicts: int = 0
    errors: int = 0
    outcomes: list[Done] = field(default_factory=list)


def push(
    db: Database, api: Any, caller: Caller, clock: Clock, done: Pushed | None = None
) -> Pushed:
    """``api`` is the Calendar service's ``events()`` resource (built once: building
    it costs more than a request). ``done`` is counted into as it goes (a round
    stopped between two requests keeps its counts)."""
    done = done if done is not None else Pushed()
    try:
        for item in steps.work(db):
            try:
                _one(api, caller, item, done)
            except Failed:
                done.errors += 1
            if len(done.outcomes) >= BATCH:
                _write(db, clock, done)
    finally:
        _write(db, clock, done)
    return done


def _write(db: Database, clock: Clock, done: Pushed) -> None:
    if done.outcomes:
        done.conflicts += steps.record(db, clock, done.outcomes)
        done.outcomes.clear()


def _one(api: Any, caller: Caller, item: Push, done: Pushed) -> None:
    if item.action == "settle":
        done.outcomes.append(Done("settled", item))
    elif item.action == "delete":
        _delete(api, caller, item.calendar_id, item)
        done.deleted += 1
        done.outcomes.append(Done("removed", item))
    elif item.action == "relocate":
        _delete(api, caller, item.old_calendar, item)
        done.outcomes.append(Done("relocated", item))
        _insert(api, caller, item, done)
    elif item.action == "insert":
        _insert(api, caller, item, done)
    else:
        _patch(api, caller, item, done)


def _insert(api: Any, caller: Caller, item: Push, done: Pushed) -> None:
    events = api
    try:
        made = caller.run(events.insert(calendarId=item.calendar_id, body=item.body))
        done.created += 1
    except Failed as exc:
        if exc.status != 409:
            raise
        # Our id is there already (an answer lost, or an event we deleted): make it ours.
        found = caller.run(events.get(calendarId=item.calendar_id, eventId=item.event_id))
        made = caller.run(_patch_request(api, item), if_match=str(found.get("etag", "")))
        done.updated += 1
    done.outcomes.append(Done("sent", item, made))


def _patch_request(api: Any, item: Push) -> Any:
    return api.patch(calendarId=item.calendar_id, eventId=item.event_id, body=item.body)


def _patch(api: Any, caller: Caller, item: Push, done: Pushed) -> None:
    try:
        made = caller.run(_patch_request(api, item), if_match=item.etag)
    except Failed as exc:
        if exc.status in GONE:
            done.outcomes.append(Done("gone", item))
            return
        if exc.status != 412:
            raise
        found = caller.run(api.get(calendarId=item.calendar_id, eventId=item.event_id))
        if found.get("status") == "cancelled":
            done.outcomes.append(Done("gone", item))
            return
        done.outcomes.append(Done("seen", item, found))
        made = caller.run(_patch_request(api, item), if_match=str(found.get("etag", "")))
    done.updated += 1
    done.outcomes.append(Done("sent", item, made))


def _delete(api: Any, caller: Caller, calendar_id: str, item: Push) -> None:
    events = api
    try:
        caller.run(events.delete(calendarId=calendar_id, eventId=item.event_id), if_match=item.etag)
    except Failed as exc:
        if exc.status in GONE:
            return
        if exc.status != 412:
            raise
        # Changed in Google since: the appointment is cancelled here all the same.
        found = caller.run(events.get(calendarId=calendar_id, eventId=item.event_id))
        if found.get("status") == "cancelled":
            return
        request = events.delete(calendarId=calendar_id, eventId=item.event_id)
        try:
            caller.run(request, if_match=str(found.get("etag", "")))
        except Failed as again:
            if again.status not in GONE:
                raise
