"""The PC's client verifies the endpoint with a TLS context made once per process for
each set of authorities (sync/client.py ``tls_context``), not once per round."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx._transports.default as transports
import pytest
from serverkit import self_signed, serving

from receptionist.clock import FixedClock
from sync import client as client_module
from sync.client import Client, tls_context
from sync.round import Unreachable
from sync.server.store import open_store


def _context_of(client: Client) -> ssl.SSLContext:
    pool = client.http._transport._pool  # type: ignore[attr-defined]
    context: ssl.SSLContext = pool._ssl_context
    return context


def test_every_client_shares_one_context_for_the_default_authorities() -> None:
    with Client("http://127.0.0.1:9") as one, Client("http://127.0.0.1:9", "token") as two:
        assert _context_of(one) is _context_of(two) is tls_context()
    default = tls_context()
    assert default.verify_mode == ssl.CERT_REQUIRED and default.check_hostname
    assert default.get_ca_certs() or default.cert_store_stats()["x509_ca"] > 0


def test_the_default_authorities_follow_ssl_cert_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, _ = self_signed(tmp_path)
    default = tls_context()
    with monkeypatch.context() as patch:
        patch.setenv("SSL_CERT_FILE", str(cert))
        own = tls_context()
        assert own is not default and [c["subject"] for c in own.get_ca_certs()] == [
            ((("commonName", "endpoint test"),),)
        ]
    assert tls_context() is default, "the variable as it was: the context made before"


def test_a_ca_file_verifies_the_endpoint_and_a_replaced_one_is_read_again(
    tmp_path: Path, clock: FixedClock
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    cert, key = self_signed(first)
    other_cert, _ = self_signed(second)
    store = open_store(f"sqlite:///{tmp_path / 'e.db'}")
    try:
        with serving(store, clock, certfile=str(cert), keyfile=str(key)) as served:
            ca = tmp_path / "ca.pem"
            ca.write_bytes(cert.read_bytes())
            with Client(served.url, ca_file=ca) as trusting:
                assert trusting._call("GET", "/health") == {"ok": True}
                kept = _context_of(trusting)
            with Client(served.url, ca_file=ca) as again:
                assert _context_of(again) is kept, "the same file: the same context"
            with Client(served.url) as system, pytest.raises(Unreachable):
                system._call("GET", "/health")  # not an authority the system trusts
            ca.write_bytes(other_cert.read_bytes() + b"\n")  # the clinic's CA replaced
            with Client(served.url, ca_file=ca) as replaced:
                assert _context_of(replaced) is not kept
                with pytest.raises(Unreachable):
                    replaced._call("GET", "/health")
    finally:
        store.close()


def test_a_missing_ca_file_is_refused_when_the_client_is_made(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Client("https://cloud.example.com", ca_file=tmp_path / "gone.pem")
    assert all(tmp_path.as_posix() not in str(key) for key in client_module._CONTEXTS)


def test_httpx_loads_no_authorities_for_a_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each client hands httpx the kept context, which httpx uses as it is."""
    real = transports.create_ssl_context
    asked: list[object] = []

    def watched(verify: object = True, **kwargs: object) -> ssl.SSLContext:
        asked.append(verify)
        return real(verify=verify, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(transports, "create_ssl_context", watched)
    for _ in range(3):
        with Client("http://127.0.0.1:9"):
            pass
    assert len(asked) == 3 and all(verify is tls_context() for verify in asked)
