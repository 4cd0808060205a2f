"""Google → local: each mapped calendar read with its ``syncToken``, every page.

The query is the same on every read (single events, deleted ones shown), as Google
asks of incremental sync; ``nextSyncToken`` comes on the last page only and is kept
only then. A 410 (the token expired) drops the token and reads the calendar whole
again: the rules match what exists by event id, so nothing is duplicated, and a
whole read ends by letting go of what it did not see. Each page is applied in its own
transaction; a read cut short starts again from the token kept, harmlessly.
"""

from __future__ import annotations

from typing import Any

from receptionist.context import Ctx
from receptionist.google import inbound, steps
from receptionist.store.storage import Database

from .calls import Caller, Failed

PAGE_SIZE = 2500  # Google's largest


def pull(db: Database, api: Any, caller: Caller, ctx: Ctx, provider_id: str) -> inbound.Tally:
    """Read one provider's calendar (``api``: the service's ``events()``); Failed when
    Google refuses the calendar itself."""
    tally = inbound.Tally()
    try:
        _read(db, api, caller, ctx, provider_id, tally)
    except Failed as exc:
        if exc.status != 410:
            raise
        steps.drop_token(db, provider_id)  # the token expired: read it whole, once
        _read(db, api, caller, ctx, provider_id, tally)
    return tally


def _read(
    db: Database, api: Any, caller: Caller, ctx: Ctx, provider_id: str, tally: inbound.Tally
) -> None:
    found = steps.calendar(db, provider_id)
    if found is None:
        return
    calendar_id, token = found
    seen: set[str] = set()
    page: str | None = None
    while True:
        query: dict[str, Any] = {
            "calendarId": calendar_id,
            "singleEvents": True,
            "showDeleted": True,
            "maxResults": PAGE_SIZE,
        }
        if token:
            query["syncToken"] = token
        if page:
            query["pageToken"] = page
        answer = caller.run(api.list(**query))
        items = list(answer.get("items") or [])
        seen.update(str(e.get("id")) for e in items)
        page = answer.get("nextPageToken")
        applied = steps.apply_page(
            db,
            ctx,
            steps.Page(
                provider_id,
                calendar_id,
                items,
                last=not page,
                next_token=str(answer.get("nextSyncToken") or ""),
                seen=None if token or page else frozenset(seen),
            ),
        )
        if applied is None:
            return  # remapped meanwhile: the next round reads the new calendar
        tally.blocked += applied.blocked
        tally.conflicts += applied.conflicts
        if not page:
            return
