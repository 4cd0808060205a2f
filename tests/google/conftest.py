"""A clinic mapped to a loopback Google Calendar (``fakegoogle``), connected with an
authorized-user JSON, and a round run on the Google thread with no real sleeping.

The clinic of :func:`clinic` is made once a session (``mapped_template``: the same
rows, settings and keychain entries ``googlekit.make`` writes) and copied for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import CLOCK_START, actor_ctx
from fakegoogle import FakeGoogle, serving
from googlekit import CLI_SETUP, Clinic, fill, make
from templates import Template, cli_env_for, make_template

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.store.vault import Created, open_clinic
from sync.cli import main as cli_main


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with serving() as fake:
        yield fake


@pytest.fixture(scope="session")
def mapped_template(
    tmp_path_factory: pytest.TempPathFactory, clinic_template: Template[Created]
) -> Template[dict[str, str]]:
    """The clinic of :func:`clinic`: a new clinic (``data_dir``'s) filled by :func:`fill`
    as the ``ctx`` and ``clock`` fixtures would, made once."""
    root = tmp_path_factory.mktemp("google-clinic") / "clinic"

    def build(folder: Path) -> dict[str, str]:
        clinic_template.copy_to(folder)
        db = open_clinic(folder)
        try:
            clock = FixedClock(CLOCK_START)
            return fill(db, actor_ctx("admin", clock, source="cli"), clock, "Europe/London")
        finally:
            db.close()

    return make_template(root, build)


@pytest.fixture
def clinic(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    ctx: Ctx,
    clock: FixedClock,
    google: FakeGoogle,
    mapped_template: Template[dict[str, str]],
) -> Iterator[Clinic]:
    """This test's own copy of the mapped clinic in Europe/London (made afresh for a
    clock set elsewhere before)."""
    if clock.now() != CLOCK_START:
        yield make(request.getfixturevalue("db"), ctx, clock, google, "Europe/London")
        return
    root = tmp_path / "clinic"
    ids = mapped_template.copy_to(root)
    db = open_clinic(root)
    try:
        yield Clinic(db, ctx, clock, google, ids)
    finally:
        db.close()


@pytest.fixture(scope="session")
def cli_made(tmp_path_factory: pytest.TempPathFactory) -> Template[None]:
    """The clinic of test_google_cli's ``clinic`` (which the calendar and OAuth tests
    take too), made by ``CLI_SETUP`` once a session (in the ``cli_env`` environment, as
    each test made it before; each of the three modules made its own)."""
    root = tmp_path_factory.mktemp("google-cli") / "clinic"

    def build(_root: Path) -> None:
        for argv in CLI_SETUP:
            assert cli_main(argv) == 0, argv

    return make_template(root, build, env=cli_env_for(root))
