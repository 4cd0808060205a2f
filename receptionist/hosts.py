"""Whether a host names this PC: the one rule for "plain HTTP only to this PC" (the
endpoint's client and server, the reminder providers' base URLs)."""

from __future__ import annotations

import ipaddress


def loopback(authority: str) -> bool:
    """Whether a URL's host (``host``, ``user@host:port``, ``[::1]:80``, ``::1``) is
    this PC: ``localhost`` or a loopback address; never a name that only starts so."""
    host = authority.rpartition("@")[2]
    if host.startswith("["):
        host = host[1 : host.find("]")]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
