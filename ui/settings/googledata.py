"""What Settings → Google shows and does, on the database worker (``DbOp``) or the
Google thread (``ui.googlework``); plain frozen rows back to the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from receptionist.context import Ctx
from receptionist.errors import ValidationError
from receptionist.google import account, calendars
from receptionist.google import status as google_status
from receptionist.ops import catalog
from receptionist.ops import settings as settings_ops
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text
from sync.google import account as google_account
from sync.google import service
from sync.google.calls import Failed, Stop
from sync.google.connect import SignIn

SUMMARY, STATION = "google.summary", "google.station"
NOT_CONNECTED = Text(
    QT_TRANSLATE_NOOP("core", "No Google account is connected; connect one first.")
)
CALLS_FAILED = {
    "needs_reconnect": QT_TRANSLATE_NOOP(
        "core", "Google refused the connected account (revoked or expired): connect again."
    ),
    "quota": QT_TRANSLATE_NOOP(
        "core", "Google's daily quota for this account is spent; try again tomorrow."
    ),
    "offline": QT_TRANSLATE_NOOP(
        "core", "Google cannot be reached; check the network and try again."
    ),
    "error": QT_TRANSLATE_NOOP("core", "Google refused the request ({detail}); try again later."),
}


@dataclass(frozen=True)
class PageData:
    status: google_status.GoogleStatus
    providers: tuple[tuple[str, str], ...]  # (id, name) of the active providers
    summary: str
    station: str
    zone: str  # the clinic's IANA zone: a calendar made for a provider uses it


def read(db: Database, ctx: Ctx) -> PageData:
    return PageData(
        status=google_status.status(db),
        providers=tuple((p.id, p.name) for p in catalog.providers(db, ctx)),
        summary=str(settings_ops.get(db, ctx, SUMMARY).value),
        station=str(settings_ops.get(db, ctx, STATION).value or ""),
        zone=settings_ops.clinic_info(db).timezone,
    )


def as_message(exc: BaseException) -> Text | None:
    """A Google call's failure as a message for the page (None: not Google's)."""
    if isinstance(exc, Stop):
        return Text(CALLS_FAILED.get(exc.status, CALLS_FAILED["error"]), detail=str(exc))
    if isinstance(exc, Failed):
        return Text(CALLS_FAILED["error"], detail=f"HTTP {exc.status} {exc.reason}".strip())
    return None


# -- on the Google thread ------------------------------------------------------------


def sign_in(signing: SignIn, client_secrets: Path) -> dict[str, str]:
    """The browser flow (on a thread of its own: ``worker.apart``; it may wait minutes)."""
    return signing.run(client_secrets)


def named(info: dict[str, str]) -> dict[str, str]:
    """``info`` with the account's address (its primary calendar's id), when read."""
    return google_account.named(info)


def from_file(path: Path) -> dict[str, str]:
    """An authorized-user JSON made elsewhere, checked, and its account's address."""
    text = service.read_file(path, "authorized-user-file")
    return google_account.named(service.checked_info(text))


def calendar_choices(credentials: str) -> list[google_account.CalendarChoice]:
    return google_account.calendars(credentials).choices


def new_calendar(credentials: str, provider: str, zone: str) -> str:
    return google_account.create_calendar(credentials, provider, zone)


# -- on the database worker -------------------------------------------------------------


def connect(db: Database, ctx: Ctx, info: dict[str, str]) -> tuple[account.Connected, PageData]:
    done = account.connect(db, ctx, info)
    return done, read(db, ctx)


def disconnect(db: Database, ctx: Ctx) -> PageData:
    account.disconnect(db, ctx)
    return read(db, ctx)


def save_setting(db: Database, ctx: Ctx, key: str, value: str) -> PageData:
    settings_ops.set_value(db, ctx, key, value)
    return read(db, ctx)


def save_mapping(db: Database, ctx: Ctx, wanted: dict[str, str]) -> PageData:
    """Map each provider id to its calendar id (unchanged ones write nothing)."""
    current = calendars.mapped(db)  # not the whole status: the mapping is enough
    changed = {p: c for p, c in wanted.items() if c and current.get(p) != c.strip()}
    if changed:
        calendars.map_many(db, ctx, changed)
    return read(db, ctx)


def unmap(db: Database, ctx: Ctx, provider_id: str) -> PageData:
    """Stop sending the provider's appointments to Google (the events sent stay)."""
    calendars.unmap(db, ctx, provider_id)
    return read(db, ctx)


def kept_credentials(db: Database) -> str:
    found = account.kept(db)
    if not found:
        raise ValidationError("google", NOT_CONNECTED)
    return found
