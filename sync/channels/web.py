"""What the two HTTP senders share: the base URL's rule (HTTPS, or plain HTTP only to
this PC), the client, and sorting a failure that is not the provider's answer.

A 401 or 407 whose body is not the provider's documented error (a captive portal's
sign-in page, a corporate proxy's "authentication required", any HTML) says nothing
about the clinic's credentials: it is a transient failure (tried again with backoff),
coded ``not_provider_401`` / ``not_provider_407`` so the Reminders view, the delivery
log and the operator's log say what was seen, never the channel stopped for it. Over
HTTPS a proxy's 407 answers the CONNECT before any request goes: ``proxy_refused``,
transient too (``transport_failure``)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import httpx

from receptionist.hosts import loopback
from receptionist.reminders.channels import Outcome

TIMEOUT = httpx.Timeout(20.0, connect=10.0)
NOT_PROVIDER = (401, 407)  # statuses a proxy or a portal answers with its own page
log = logging.getLogger("receptionist.sync.channels")  # under the logged one (cli.log, app.log)


def usable(base_url: str) -> bool:
    """HTTPS anywhere, plain HTTP only to this PC (a test server, a local relay)."""
    parts = urlsplit(base_url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and bool(parts.hostname) and loopback(parts.hostname or "")


def transport_failure(exc: httpx.HTTPError) -> Outcome:
    """A request that got no answer: never left (try again), or may have reached the
    provider (never resend blindly). A proxy that refuses the tunnel (its 407 or 5xx to
    CONNECT, over HTTPS: ``ProxyError``) answered before any request went."""
    if isinstance(exc, httpx.ProxyError):
        return Outcome("transient", code="proxy_refused")
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return Outcome("transient", code="unreachable")
    return Outcome("unknown", code="no_answer")


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, min(float(value), 3600.0))
    except ValueError:
        return None


def json_of(response: httpx.Response) -> dict[str, object]:
    try:
        found = response.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def not_provider(channel: str, response: httpx.Response) -> Outcome:
    """A 401/407 that is not the provider's error body: something between this PC and
    the provider answered (a proxy, a captive portal). Transient, and said so."""
    kind = response.headers.get("Content-Type", "").split(";")[0].strip() or "no type"
    log.warning(
        "%s: HTTP %s with a body that is not the provider's (%s): a proxy or a sign-in "
        "page between this PC and the provider? Trying again later.",
        channel, response.status_code, kind[:40],
    )  # fmt: skip
    status = response.status_code
    return Outcome("transient", code=f"not_provider_{status}", http_status=status)
