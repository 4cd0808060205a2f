"""Whether the network is up for the background jobs, as the headless service looks at
it at each wake-up (``sync/service.py``): a route out of this PC, no packet sent.

A route to the documentation addresses (:data:`PROBE_TARGETS`) is a default route,
the usual sign. A clinic's LAN may have none and still reach all the jobs need: only a
proxy, or routes to the endpoint's subnet alone. So :class:`Routes` also asks for a
route to where the jobs' requests go first: the endpoint this PC syncs with and, once
an account is linked here, Google's API (:func:`destinations`), each through the
proxy the environment names for it (``urllib.request.getproxies``, as httpx and
httplib2 read it, and its ``no_proxy`` hosts and domains). A name is looked up off the
scheduler's thread and waited for at most ``LOOKUP_S`` (a resolver on a dead network
may take its seconds); its addresses are kept for the next looks, and looked up again
after ``AGAIN_S``.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from receptionist.google.status import linked
from receptionist.models import GoogleState
from receptionist.replica import state
from receptionist.safelog import describe
from receptionist.store.storage import Database

log = logging.getLogger("receptionist.sync")

# Documentation addresses (RFC 5737, RFC 3849): a datagram socket's connect only looks
# the route up; nothing is sent, and nothing could answer.
PROBE_TARGETS = (("192.0.2.1", 9), ("2001:db8::1", 9))
LOOKUP_S = 0.5  # seconds a look waits for a name's addresses
AGAIN_S = 300.0  # seconds a name's addresses are kept before it is looked up again

Target = tuple[str, int]


def routed(targets: Iterable[Target] = PROBE_TARGETS) -> bool:
    """Whether this PC has a route to any of ``targets`` (addresses, not names): cheap,
    no packet sent, no name looked up."""
    for host, port in targets:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as probe:
                probe.connect((host, port))
                return True
        except OSError:  # no route (the network is down), or no IPv6 here
            continue
    return False


def first_hop(url: str, proxies: Mapping[str, str]) -> Target | None:
    """The host and port a request to ``url`` connects to first: the proxy ``proxies``
    names for its scheme (``getproxies``' keys, "no" the hosts that bypass it), else
    its own; None for a URL with no host."""
    parts = urlsplit(url)
    if not parts.hostname:
        return None
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if proxy and not bypasses(proxies.get("no", ""), parts.hostname):
        via = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        if via.hostname:
            return via.hostname, via.port or 80
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def bypasses(no_proxy: str, host: str) -> bool:
    """Whether ``no_proxy`` (its comma-separated hosts and domains, "*" every one) sends
    requests to ``host`` past the proxy."""
    host = host.lower().rstrip(".")
    for entry in no_proxy.lower().split(","):
        name = entry.strip().lstrip(".").split(":")[0]  # ".clinic.lan:443" is the domain
        if name == "*" or (name and (host == name or host.endswith("." + name))):
            return True
    return False


def destinations(db: Database) -> tuple[str, ...]:
    """Where the network's jobs go from this PC: its endpoint, and Google's API once an
    account is linked here (nothing when neither)."""
    with db.read() as s:
        sync = state.state(s)
        google = linked(s.get(GoogleState, 1))
    found = [sync.server_url] if sync is not None else []
    if google:
        from .google.service import api_endpoint  # the Google client: only when linked

        found.append(api_endpoint())
    return tuple(found)


Lookup = Callable[..., list[Any]]


class Routes:
    """The service's look at the network (an argument-free probe): a default route, or a
    route to the first hop of any of ``where()``'s URLs."""

    def __init__(
        self,
        where: Callable[[], Iterable[str]],
        *,
        route: Callable[[Iterable[Target]], bool] = routed,
        defaults: Iterable[Target] = PROBE_TARGETS,
        proxies: Callable[[], Mapping[str, str]] = urllib.request.getproxies,
        lookup: Lookup = socket.getaddrinfo,
        wait: float = LOOKUP_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.where, self.route, self.defaults = where, route, tuple(defaults)
        self.proxies, self.lookup, self.wait, self.monotonic = proxies, lookup, wait, monotonic
        self._known: dict[Target, tuple[float, tuple[Target, ...]]] = {}
        self._asking: dict[Target, threading.Thread] = {}
        self._lock = threading.Lock()

    def __call__(self) -> bool:
        if self.route(self.defaults):
            return True
        try:
            urls = tuple(self.where())
        except Exception as exc:  # the file unreadable now: the next look asks again
            log.warning("where the jobs connect could not be read: %s", describe(exc))
            return False
        proxies = self.proxies()
        hops = [hop for url in urls if (hop := first_hop(url, proxies)) is not None]
        return any(self.route(self.addresses(hop)) for hop in hops)

    def addresses(self, hop: Target) -> tuple[Target, ...]:
        """``hop``'s addresses: itself when it is one; else as last looked up (looked up
        again, waited for at most ``wait`` seconds, when not known or older than
        ``AGAIN_S``); () while none is known."""
        try:
            ipaddress.ip_address(hop[0])
            return (hop,)
        except ValueError:
            pass
        with self._lock:
            known = self._known.get(hop)
            stale = known is None or self.monotonic() - known[0] >= AGAIN_S
            asking = self._asking.get(hop)
            if stale and asking is None:
                asking = threading.Thread(target=self._look_up, args=(hop,), daemon=True)
                self._asking[hop] = asking
                asking.start()
        if stale and asking is not None:
            asking.join(self.wait)
        with self._lock:
            found = self._known.get(hop)
        return found[1] if found else ()

    def _look_up(self, hop: Target) -> None:
        host, port = hop
        try:
            answers = self.lookup(host, port, type=socket.SOCK_DGRAM)
            found = tuple((str(a[4][0]), port) for a in answers)
        except OSError:  # no answer (the network, or its resolver, is down)
            found = ()
        with self._lock:
            del self._asking[hop]
            if found:
                self._known[hop] = (self.monotonic(), found)
