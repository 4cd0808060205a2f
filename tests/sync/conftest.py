"""The endpoint under test: served on loopback over SQLite and over a throw-away
PostgreSQL cluster of this test session (skipped only where no PostgreSQL is
installed), with a clinic and its first PC connected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from serverkit import (
    BACKENDS,
    Endpoint,
    Joined,
    PgCluster,
    connect,
    endpoint_at,
    join,
    new_database,
    pg_bin_dir,
    sqlite_template,
)

from receptionist.clock import FixedClock
from sync.server.commands import NewClinic, add_clinic


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL is not installed (no initdb or pg_ctl on PATH or in "
            "/usr/lib/postgresql/*/bin): install the postgresql package to run these tests"
        )
    cluster = PgCluster(bin_dir)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_endpoint_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SQLite endpoint database each test copies (serverkit.new_database)."""
    return sqlite_template(tmp_path_factory.mktemp("endpoint-template"))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return new_database(request, request.param, tmp_path)


@pytest.fixture
def endpoint(database_url: str, clock: FixedClock) -> Iterator[Endpoint]:
    with endpoint_at(database_url, clock) as served:
        yield served


@pytest.fixture
def new_clinic(database_url: str, clock: FixedClock) -> NewClinic:
    return add_clinic(database_url, "Kadıköy Clinic", clock=clock, out=None)


@pytest.fixture
def first_pc(endpoint: Endpoint, new_clinic: NewClinic) -> Iterator[Joined]:
    joined = connect(endpoint, new_clinic.code, "FRONT-1")
    with joined.http:
        yield joined


@pytest.fixture
def second_pc(endpoint: Endpoint, first_pc: Joined) -> Iterator[Joined]:
    joined = join(endpoint, first_pc, "FRONT-2")
    with joined.http:
        yield joined
