"""The Calendar API client: credentials from an authorized-user JSON, the bundled
discovery document, and the base URL (``RECEPTIONIST_GOOGLE_API_ENDPOINT`` for a proxy
or a test server).

google-auth's ``Credentials.from_authorized_user_info`` refreshes against Google's own
token endpoint whatever the file says, so the credentials are built here, in code,
with Google's token endpoint unless ``RECEPTIONIST_GOOGLE_TOKEN_URI`` (or the caller)
names another: a test server's, or a proxy's.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import google_auth_httplib2
import httplib2
from google.oauth2.credentials import Credentials
from googleapiclient import discovery
from googleapiclient.discovery_cache import get_static_doc

from receptionist.errors import ValidationError
from receptionist.texts import QT_TRANSLATE_NOOP, Text

# As narrow as the work allows: events on the calendars (push and pull), the list of
# the account's calendars (to map a provider to one), and calendars this app makes
# ("Receptionist – Dr X"); not the whole calendar scope (sharing, settings, ACLs).
SCOPES = (
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
    "https://www.googleapis.com/auth/calendar.app.created",
)
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
GOOGLE_API = "https://www.googleapis.com/calendar/v3/"
TIMEOUT_S = 30
FIELDS = ("client_id", "client_secret", "refresh_token")

BAD_FILE = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "That is not an authorized-user JSON file: it needs client_id, client_secret and "
        "refresh_token (as `gcloud auth application-default login` or the browser flow "
        "writes them).",
    )
)


def checked_info(text: str) -> dict[str, str]:
    """The authorized-user JSON's fields we keep, checked; ValidationError else."""
    try:
        found = json.loads(text)
    except ValueError:
        raise ValidationError("authorized-user-file", BAD_FILE) from None
    if not isinstance(found, dict) or not all(
        isinstance(found.get(k), str) and found[k] for k in FIELDS
    ):
        raise ValidationError("authorized-user-file", BAD_FILE)
    kept = {key: found[key] for key in FIELDS}
    if isinstance(found.get("account"), str) and found["account"]:
        kept["account"] = found["account"]
    return kept


def read_file(path: Path, option: str) -> str:
    """The text of a file the user named with ``option`` (an authorized-user file, an
    OAuth client file), or ValidationError naming that option."""
    try:
        return path.expanduser().read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        raise ValidationError(
            option,
            Text(
                QT_TRANSLATE_NOOP("core", "{path} cannot be read; check the path."), path=str(path)
            ),
        ) from None


def api_endpoint() -> str:
    return os.environ.get("RECEPTIONIST_GOOGLE_API_ENDPOINT") or GOOGLE_API


def token_uri() -> str:
    return os.environ.get("RECEPTIONIST_GOOGLE_TOKEN_URI") or GOOGLE_TOKEN_URI


def credentials(info: dict[str, str], token_at: str | None = None) -> Credentials:
    """Credentials that refresh at ``token_at`` (default: :func:`token_uri`)."""
    return Credentials(  # type: ignore[no-untyped-call]
        token=None,
        refresh_token=info["refresh_token"],
        client_id=info["client_id"],
        client_secret=info["client_secret"],
        token_uri=token_at or token_uri(),
        scopes=list(SCOPES),
    )


def build(info: dict[str, str], *, endpoint: str | None = None, token_at: str | None = None) -> Any:
    """The Calendar v3 service over an authorised httplib2 connection."""
    http = google_auth_httplib2.AuthorizedHttp(
        credentials(info, token_at), http=httplib2.Http(timeout=TIMEOUT_S)
    )
    document = get_static_doc("calendar", "v3")
    return discovery.build_from_document(
        document, http=http, client_options={"api_endpoint": endpoint or api_endpoint()}
    )
