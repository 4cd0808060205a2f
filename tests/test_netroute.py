"""The service's look at the network (``sync/netroute.py``) on a PC with no default
route: a clinic LAN with only a proxy, or routes to the endpoint's subnet alone. The
route table and the resolver are injected (this machine's own are not ours to change);
loopback stands for a route the real socket finds."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterable
from typing import Any

from receptionist.models import GoogleState, SyncState
from receptionist.store.storage import Database
from sync.google.service import api_endpoint
from sync.netroute import Routes, bypasses, destinations, first_hop, routed

ENDPOINT = "https://sync.clinic.lan:8443"
NAMES = {"sync.clinic.lan": "10.20.0.5", "www.googleapis.com": "142.250.1.95",
         "proxy.clinic.lan": "192.168.1.2"}  # fmt: skip


def table(*networks: str) -> Callable[[Iterable[tuple[str, int]]], bool]:
    """A route table holding routes to ``networks`` only (no default route)."""
    nets = [ipaddress.ip_network(n) for n in networks]

    def route(targets: Iterable[tuple[str, int]]) -> bool:
        return any(ipaddress.ip_address(host) in net for host, _ in targets for net in nets)

    return route


def resolver(names: dict[str, str]) -> Callable[..., list[Any]]:
    def lookup(host: str, port: int, **_: object) -> list[Any]:
        if host not in names:
            raise socket.gaierror(socket.EAI_NONAME, "unknown")
        return [(socket.AF_INET, socket.SOCK_DGRAM, 17, "", (names[host], port))]

    return lookup


def routes(urls: list[str], route: Callable[..., bool], **kw: Any) -> Routes:
    kw.setdefault("proxies", dict)
    return Routes(lambda: urls, route=route, lookup=resolver(NAMES), **kw)


def test_no_default_route_but_one_to_the_endpoints_subnet_is_the_network_up() -> None:
    """The old look asked for a default route only: on this LAN it never saw the
    network, so it never saw it return."""
    lan = table("10.20.0.0/16")
    assert not lan([("192.0.2.1", 9), ("2001:db8::1", 9)]), "no default route here"
    assert routes([ENDPOINT], lan)()
    assert not routes([ENDPOINT], table())(), "the link down: no route at all"
    assert not routes([], lan)(), "no endpoint, no Google: only a default route counts"
    assert not routes(["https://elsewhere.example"], lan)(), "a name no one answers for"


def test_behind_a_proxy_the_route_asked_for_is_the_proxys() -> None:
    """With only a proxy on the LAN, requests go to it (httpx and httplib2 read the
    same environment), so its route is what says the network is up."""
    lan = table("192.168.1.0/24")
    google = "https://www.googleapis.com/calendar/v3/"
    proxies = {"https": "http://proxy.clinic.lan:3128", "no": "localhost,.clinic.lan"}
    assert first_hop(google, proxies) == ("proxy.clinic.lan", 3128)
    assert routes([google], lan, proxies=lambda: proxies)()
    assert not routes([google], lan)(), "no proxy set: Google's own address, not routed"
    # The endpoint on the clinic's domain bypasses the proxy: its own route counts.
    assert first_hop(ENDPOINT, proxies) == ("sync.clinic.lan", 8443)
    assert not routes([ENDPOINT], lan, proxies=lambda: proxies)()
    assert first_hop("http://10.20.0.5/", {}) == ("10.20.0.5", 80)
    assert first_hop("https://cloud.example.com/", {"all": "socks5://10.1.1.1:1080"}) == (
        "10.1.1.1", 1080)  # fmt: skip
    assert bypasses("*", "anything.example") and not bypasses("", "sync.clinic.lan")
    assert bypasses("clinic.lan:443", "sync.clinic.lan") and not bypasses("lan.x", "a.lan")


def test_a_default_route_is_enough_and_asks_no_name() -> None:
    asked: list[str] = []

    def lookup(host: str, port: int, **_: object) -> list[Any]:
        asked.append(host)
        return resolver(NAMES)(host, port)

    look = Routes(lambda: [ENDPOINT], route=table("0.0.0.0/0"), lookup=lookup, proxies=dict)
    assert look() and asked == []


def test_the_real_socket_finds_the_route_to_a_loopback_endpoint_by_address_and_name() -> None:
    """No default route asked for (``defaults=()``): only the endpoint's."""
    assert Routes(lambda: ["http://127.0.0.1:8765"], defaults=(), proxies=dict)()
    assert Routes(lambda: ["http://localhost:8765"], defaults=(), proxies=dict)()
    assert not Routes(lambda: [], defaults=(), proxies=dict)()
    assert routed([("127.0.0.1", 9)]) and not routed([])


def test_a_slow_resolver_holds_the_look_up_at_most_its_wait_and_is_heard_later() -> None:
    """A resolver on a dead network may take seconds: the look goes on without its
    answer (not routed), and the answer serves the next look."""
    gate = threading.Event()

    def slow(host: str, port: int, **_: object) -> list[Any]:
        gate.wait(30)
        return resolver(NAMES)(host, port)

    look = Routes(
        lambda: [ENDPOINT], route=table("10.20.0.0/16"), lookup=slow, proxies=dict, wait=0.0
    )
    assert not look(), "no answer yet"
    gate.set()
    look.wait = 30.0  # the next look waits for the lookup still under way
    assert look()
    assert look.addresses(("sync.clinic.lan", 8443)) == (("10.20.0.5", 8443),)


def test_where_the_jobs_go_is_read_from_the_file(db: Database) -> None:
    assert destinations(db) == ()
    with db.write() as s:
        s.add(SyncState(id=1, server_url=ENDPOINT, clinic_id="c1", device_id="d1",
                        device_code="A", device_name="Desk", private_key=b"k"))  # fmt: skip
        s.add(GoogleState(id=1))  # the row as it is before any account is connected
    assert destinations(db) == (ENDPOINT,)
    with db.write() as s:
        row = s.get(GoogleState, 1)
        assert row is not None
        row.status = "ok"
    assert destinations(db) == (ENDPOINT, api_endpoint())
