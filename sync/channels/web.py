"""What the two HTTP senders share: the base URL's rule (HTTPS, or plain HTTP only to
this PC), the client, and sorting a failure that is not the provider's answer."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from receptionist.hosts import loopback
from receptionist.reminders.channels import Outcome

TIMEOUT = httpx.Timeout(20.0, connect=10.0)


def usable(base_url: str) -> bool:
    """HTTPS anywhere, plain HTTP only to this PC (a test server, a local relay)."""
    parts = urlsplit(base_url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and bool(parts.hostname) and loopback(parts.hostname or "")


def transport_failure(exc: httpx.HTTPError) -> Outcome:
    """A request that got no answer: never left (try again), or may have reached the
    provider (never resend blindly)."""
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
