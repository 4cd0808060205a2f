"""The built-in demo clinic: no real data, so its secrets are public and prefilled."""

from __future__ import annotations

import shutil
from pathlib import Path

from . import staff
from .clock import Clock, SystemClock
from .context import Actor, Ctx
from .generate import Generated, Sizes, generate
from .setup import ClinicSpec, initialise
from .storage import Database
from .vault import DataDir, open_clinic

DEMO_PASSPHRASE = "demo clinic passphrase"
DEMO_USER = "demo"
DEMO_PASSWORD = "demo-password"
DEMO_DESK_USER = "desk"
DEMO_CLINIC = "Moda Family Clinic (demo)"


def open_demo(root: Path) -> Database:
    return open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": DEMO_PASSPHRASE})


def make_demo(
    root: Path,
    *,
    clock: Clock | None = None,
    sizes: Sizes | None = None,
    timezone: str = "Europe/Istanbul",
) -> Generated:
    """Create a demo clinic in an empty folder and fill it."""
    clock = clock or SystemClock()
    spec = ClinicSpec(DEMO_CLINIC, timezone, "TR", DEMO_USER, DEMO_PASSWORD)
    made_root = not Path(root).exists()
    initialise(root, spec, clock, passphrase=DEMO_PASSPHRASE)
    try:
        return _fill(root, clock, sizes or Sizes())
    except BaseException:
        # A half-filled demo would be taken as done by ensure_demo: remove it.
        if made_root:
            shutil.rmtree(root, ignore_errors=True)
        else:
            for path in Path(root).glob("clinic.*"):
                path.unlink(missing_ok=True)
        raise


def _fill(root: Path, clock: Clock, sizes: Sizes) -> Generated:
    db = open_demo(root)
    try:
        with db.write() as session:
            ctx = Ctx(Actor(None, "admin", "cli"), clock)
            staff.create_user(
                session,
                ctx,
                username=DEMO_DESK_USER,
                password=DEMO_PASSWORD,
                role="receptionist",
                full_name="Front desk",
                bootstrap=True,
            )
            return generate(session.connection(), sizes, clock.now())
    finally:
        db.close()


def ensure_demo(root: Path, *, clock: Clock | None = None) -> None:
    """Make the demo clinic in ``root`` unless one is there already."""
    if not DataDir(Path(root)).exists():
        make_demo(root, clock=clock)
