"""Connecting the clinic's Google account with the desktop OAuth flow of
google-auth-oauthlib: the clinic's own OAuth client file (a desktop app), the
browser's answer received on 127.0.0.1 at a free port, ``access_type=offline`` and
``prompt=consent`` so a refresh token always comes back, and only :data:`SCOPES`.

What comes back is the authorized-user JSON the core keeps encrypted
(``receptionist.google.account``); nothing is written to a file here.
"""

from __future__ import annotations

from pathlib import Path

from receptionist.errors import ValidationError
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .service import SCOPES, checked_info

WAIT_S = 300  # the Google thread is not held for ever by a sign-in left unfinished

NOT_A_CLIENT = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "That is not an OAuth client file for a desktop app; download it from the Google "
        "Cloud console (Credentials → OAuth client ID → Desktop app).",
    )
)
NO_ANSWER = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "No answer came from the browser within {minutes} minutes; connect again and "
        "finish signing in there.",
    ),
    minutes=WAIT_S // 60,
)
REFUSED = QT_TRANSLATE_NOOP(
    "core", "Google did not give access ({error}); connect again and allow the calendars."
)
NO_REFRESH = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "Google gave no lasting authorisation (no refresh token); connect again and allow "
        "access to the calendars.",
    )
)


def browser_flow(
    client_secrets: Path, *, open_browser: bool = True, prompt: str | None = None
) -> dict[str, str]:
    """Sign in in the browser; the authorized-user fields (ValidationError when the file
    is not a desktop client, or no refresh token came back). ``prompt`` is printed
    with the sign-in address (``{url}``) when no browser is opened."""
    from google_auth_oauthlib.flow import InstalledAppFlow, WSGITimeoutError
    from oauthlib.oauth2.rfc6749.errors import OAuth2Error  # type: ignore[import-untyped]

    try:
        flow = InstalledAppFlow.from_client_secrets_file(
            str(client_secrets.expanduser()), list(SCOPES)
        )
    except (ValueError, KeyError, OSError):
        raise ValidationError("client-secrets", NOT_A_CLIENT) from None
    extra = {} if prompt is None else {"authorization_prompt_message": prompt}
    try:
        creds = flow.run_local_server(
            host="127.0.0.1",
            bind_addr="127.0.0.1",
            port=0,
            open_browser=open_browser,
            timeout_seconds=WAIT_S,
            access_type="offline",
            prompt="consent",
            **extra,
        )
    except WSGITimeoutError:
        raise ValidationError("client-secrets", NO_ANSWER) from None
    except OAuth2Error as exc:  # refused at the consent screen, or the code was
        refused = Text(REFUSED, error=str(exc.error or "")[:80])
        raise ValidationError("client-secrets", refused) from None
    if not creds.refresh_token:
        raise ValidationError("client-secrets", NO_REFRESH)
    return checked_info(creds.to_json())
