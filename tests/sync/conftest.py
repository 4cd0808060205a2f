"""The endpoint under test: served on loopback over SQLite and over a throw-away
PostgreSQL cluster of this test session (skipped only where no PostgreSQL is
installed), with a clinic and its first PC connected; and two PCs of a clinic joined
through it, copied from a pair made once a session (pairkit.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import faultkit
import pytest
from pairkit import (
    PASSPHRASE_C,
    PairTemplates,
    Pc,
    backend_of,
    copy_pcs,
    files_pair,
    keychain_pair,
    make_first_pc,
    make_pc_b,
    pair_of,
)
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
from templates import Template, cli_commands, cli_env_for, make_template

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


@pytest.fixture(scope="session")
def pair_templates(tmp_path_factory: pytest.TempPathFactory) -> PairTemplates:
    return PairTemplates(tmp_path_factory)


# A clinic's first PC as the CLI makes it: ``init`` and one patient (test_cloud_cli,
# test_cloud_anchor); its connect and join stay in the tests.
INIT = ["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/Istanbul",
        "--region", "TR", "--admin-user", "admin"]  # fmt: skip
FIRST_PATIENT = ["patient", "add", "--given-name", "Ayşe", "--family-name", "Yılmaz"]


@pytest.fixture(scope="session")
def cli_first_template(tmp_path_factory: pytest.TempPathFactory) -> Template[None]:
    """The clinic of :func:`cli_first`, made through the CLI once a session."""
    root = tmp_path_factory.mktemp("cli-first") / "clinic"
    return make_template(root, cli_commands(INIT, FIRST_PATIENT), env=cli_env_for(root))


@pytest.fixture
def cli_first(cli_env: Path, cli_first_template: Template[None]) -> Path:
    """A copy of a clinic made by ``init`` and ``patient add`` (Ayşe Yılmaz) in the
    ``cli_env`` folder, the CLI pointed at it; not connected."""
    cli_first_template.copy_to(cli_env)
    return cli_env


@pytest.fixture(scope="session")
def first_pc_template(tmp_path_factory: pytest.TempPathFactory) -> Template[None]:
    """faultkit.first_pc's PC, not connected, made once a session (pairkit.copy_first_pc
    copies it for a test)."""
    return make_template(tmp_path_factory.mktemp("first-pc") / "pc", make_first_pc)


@pytest.fixture(scope="session")
def blank_pcs(tmp_path_factory: pytest.TempPathFactory) -> faultkit.BlankPcs:
    """New PCs' empty files, made once a session, copied (faultkit.BlankPcs)."""
    return faultkit.BlankPcs(tmp_path_factory)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The endpoint's database: a copy of the pair's, for a test that takes a pair."""
    kind = pair_of(request)
    if kind is not None:
        pairs: PairTemplates = request.getfixturevalue("pair_templates")
        return pairs.endpoint_copy(request, kind, tmp_path)
    return new_database(request, request.param, tmp_path)


@pytest.fixture
def endpoint(database_url: str, clock: FixedClock) -> Iterator[Endpoint]:
    with endpoint_at(database_url, clock) as served:
        yield served


@pytest.fixture
def new_clinic(request: pytest.FixtureRequest, database_url: str, clock: FixedClock) -> NewClinic:
    """A new clinic; for a test that takes a pair, the pair's (its code spent)."""
    kind = pair_of(request)
    if kind is not None:
        pairs: PairTemplates = request.getfixturevalue("pair_templates")
        return pairs.get(request, kind, backend_of(database_url)).made.clinic
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


@pytest.fixture
def joined(
    request: pytest.FixtureRequest, endpoint: Endpoint, database_url: str,
    pair_templates: PairTemplates, tmp_path: Path, clock: FixedClock,
) -> Iterator[tuple[Pc, Pc]]:  # fmt: skip
    """A (tmp_path/a, the first PC, uploaded) and B (tmp_path/b, joined, downloaded),
    device tokens in the keychain: test_two_pcs's pair, copied (pairkit.py)."""
    template = pair_templates.get(request, "keychain", backend_of(database_url))
    a, b = keychain_pair(template, tmp_path, endpoint.url, clock)
    yield a, b
    a.db.close()
    b.db.close()


@pytest.fixture
def two_pcs(
    request: pytest.FixtureRequest, endpoint: Endpoint, database_url: str,
    pair_templates: PairTemplates, tmp_path: Path, clock: FixedClock,
) -> Iterator[list[faultkit.Pc]]:  # fmt: skip
    """faultkit.joined_pcs's two PCs (tmp_path/pc-1, tmp_path/pc-2), device tokens in
    their files, no keychain: copied (pairkit.py)."""
    template = pair_templates.get(request, "files", backend_of(database_url))
    pcs = files_pair(template, tmp_path, endpoint.url, clock)
    yield pcs
    for pc in pcs:
        pc.db.close()


@pytest.fixture
def station_pair(
    request: pytest.FixtureRequest, endpoint: Endpoint, database_url: str,
    pair_templates: PairTemplates, tmp_path: Path,
) -> list[Path]:  # fmt: skip
    """test_reminder_lease's A (tmp_path/a: the reminder station, connected and uploaded)
    and B (tmp_path/b: its stand-by, joined and downloaded), copied (pairkit.py): their
    folders, to open with pairkit.open_at."""
    template = pair_templates.get(request, "station", backend_of(database_url))
    return copy_pcs(template, "station", tmp_path)


@pytest.fixture
def synced_pc(
    request: pytest.FixtureRequest, endpoint: Endpoint, database_url: str,
    pair_templates: PairTemplates, tmp_path: Path,
) -> Path:  # fmt: skip
    """test_checkpoint_signature's twelve-year-old clinic (tmp_path/a), connected and
    synced once, copied (pairkit.py): its folder, to open with pairkit.open_at."""
    template = pair_templates.get(request, "synced", backend_of(database_url))
    return copy_pcs(template, "synced", tmp_path)[0]


@pytest.fixture
def pc_c(tmp_path: Path, clock: FixedClock) -> Iterator[Pc]:
    """A third PC's empty encrypted file (tmp_path/c), to join ``joined``'s clinic with."""
    pc = make_pc_b(tmp_path / "c", clock, PASSPHRASE_C)
    yield pc
    pc.db.close()
