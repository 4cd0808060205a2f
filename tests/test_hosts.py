"""The one rule for "this PC" that plain HTTP is allowed to (the endpoint's client and
server, the reminder providers)."""

from __future__ import annotations

import pytest

from receptionist.hosts import loopback


@pytest.mark.parametrize(
    "host",
    ["localhost", "LOCALHOST", "127.0.0.1", "127.8.9.10", "::1", "[::1]", "[::1]:8080",
     "127.0.0.1:8080", "localhost:25", "user@127.0.0.1:80", "user:pw@[::1]:1"],
)  # fmt: skip
def test_this_pc_is_loopback(host: str) -> None:
    assert loopback(host)


@pytest.mark.parametrize(
    "host",
    ["example.com", "127.0.0.1.evil.com", "localhost.evil.com", "10.0.0.1", "0.0.0.0",
     "127.0.0.1@evil.com", "evil.com:127", "[::2]", "::ffff:8.8.8.8", ""],
)  # fmt: skip
def test_any_other_host_is_not(host: str) -> None:
    assert not loopback(host)
