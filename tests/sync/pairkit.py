"""Two PCs of one clinic, joined through the endpoint: made once a session and copied for
each test that takes them (as tests/templates.py does for a clinic).

Joining costs a test about a second of CPU: two encrypted files made with every
migration, the clinic's catalogue and patients, the first PC's connect and upload, the
invitation, the second PC's join and download. A test whose subject is what happens
after the join takes a copy instead: the PCs' files, the keychain entries and the
endpoint's database exactly as the product's connect, upload, join and download left
them (run once per session, on the clock a test starts with), in the folders the test
would have made them in. The one thing a copy changes is the endpoint's address each
PC keeps (``sync_state.server_url``): this test's endpoint listens elsewhere.

Tests of connecting and joining themselves keep doing it for real (the first test of
test_two_pcs, test_cloud_cli, and the pull-order, resume, progress and sealed-pull
tests whose pages or order during the download are their point).

The shapes, as the tests made them:

- ``joined`` (test_two_pcs): folders ``a`` and ``b``, each PC its own passphrase, the
  device tokens in the keychain; a tuple of :class:`Pc`.
- ``two_pcs`` (faultkit): folders ``pc-1`` and ``pc-2``, one passphrase, the device
  tokens in the files (no keychain); a list of ``faultkit.Pc``.
- ``station_pair`` (test_reminder_lease's ``pcs``): folders ``a`` (the reminder station,
  device code A) and ``b`` (its stand-by, B), as ``joined`` but with the reminder
  settings set before the connect; the folders' paths.
- ``synced_pc`` (test_checkpoint_signature's ``synced``): folder ``a``, a clinic opened
  twelve years before the clock with patients on hold, connected and synced once; the
  folder's path.

A third PC's empty encrypted file (``create``, every migration), which a test then joins
itself, is copied too (:func:`copy_empty_pc`, ``PairTemplates.empty_pc``).

A test that takes any of these fixtures gets the pair's endpoint database as its
``database_url`` and the pair's clinic as its ``new_clinic`` (tests/sync/conftest.py).

Connecting writes the device token book (``settings.tokenbook``) in this PC's config
folder: the making keeps it in a folder of its own (never the home folder, nor the
config folder of the test that happened to ask first), and a copy writes the same
entries for its own folders into the test's config folder, as the connect would have.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import faultkit
import keyring
import pytest
from factories import CLOCK_START
from keyring.errors import KeyringError
from serverkit import PgCluster, endpoint_at
from sqlalchemy import update
from templates import Template, make_template

from receptionist.clock import FixedClock
from receptionist.context import SYSTEM, Actor, Ctx
from receptionist.models import SyncState
from receptionist.ops import retention, settings
from receptionist.ops.patients import NewPatient, add
from receptionist.ops.setup import ClinicSpec, initialise
from receptionist.schedule import catalog
from receptionist.settings import tokenbook
from receptionist.store.storage import Database
from receptionist.store.vault import Created, create, open_clinic
from sync import cloud, reminderlease
from sync.round import RoundResult
from sync.server.commands import NewClinic, add_clinic

PASSPHRASE_A = "a long enough passphrase"
PASSPHRASE_B = "another long passphrase"
PASSPHRASE_C = "a third long passphrase"
CLINIC = "Kadıköy Clinic"
# The fixtures that give a test a copied pair, and which pair each gives.
PAIRS = {"joined": "keychain", "two_pcs": "files", "station_pair": "station",
         "synced_pc": "synced"}  # fmt: skip
FOLDERS = {"keychain": ("a", "b"), "files": ("pc-1", "pc-2"), "station": ("a", "b"),
           "synced": ("a",)}  # fmt: skip
YEAR = timedelta(days=365)


# -- the keychain pair's PCs (test_two_pcs) ----------------------------------------------


@dataclass
class Pc:
    db: Database
    ctx: Ctx


def admin(clock: FixedClock) -> Ctx:
    return Ctx(Actor(None, "admin", "ui"), clock)


def make_pc_a(root: Path, clock: FixedClock) -> Pc:
    """The clinic's first PC: a doctor, a service and two patients; not connected yet."""
    spec = ClinicSpec("Moda Dental", "Europe/Istanbul", "TR", "boss", "admin-password-1")
    initialise(root, spec, clock, passphrase=PASSPHRASE_A)
    db = open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE_A})
    ctx = admin(clock)
    with db.write() as s:
        doctor = catalog.create_provider(s, ctx, name="Dr Aydın")
        catalog.create_service(s, ctx, name="Check-up", duration_minutes=30)
        assert doctor.id
    add(db, ctx, NewPatient("Ayşe", "Yılmaz", "05321234567"))
    add(db, ctx, NewPatient("Omar", "Haddad"))
    return Pc(db, ctx)


def make_pc_b(root: Path, clock: FixedClock, passphrase: str = PASSPHRASE_B) -> Pc:
    """A new PC's empty encrypted file, to join with."""
    create(root, passphrase=passphrase)
    db = open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": passphrase})
    return Pc(db, Ctx(SYSTEM, clock))


def join_pair(url: str, code: str, a: Pc, b: Pc) -> None:
    """A connects with ``code`` and uploads the clinic; B joins and downloads it."""
    cloud.connect(a.db, a.ctx, url, code, "FRONT-1")
    first = cloud.sync_once(a.db, a.ctx.clock)
    assert first.uploaded > 10 and first.pushed == 0
    invitation = cloud.invite(a.db, a.ctx)
    cloud.join(b.db, b.ctx, url, invitation.code, "FRONT-2")
    got = cloud.sync_once(b.db, b.ctx.clock)
    assert got.pulled >= first.uploaded


# -- the reminder station and its stand-by (test_reminder_lease) ---------------------------


def make_station_pair(root: Path, url: str, code: str, clock: FixedClock) -> None:
    """A (``root``/a: the clinic's first PC, the station) connected with ``code`` and
    uploaded, and B (``root``/b: joined, the stand-by) downloaded; both closed."""
    reminderlease.forget()
    spec = ClinicSpec("Moda Dental", "Europe/Istanbul", "TR", "boss", "admin-password-1")
    initialise(root / "a", spec, clock, passphrase=PASSPHRASE_A)
    a = Pc(open_clinic(root / "a", env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE_A}), admin(clock))
    create(root / "b", passphrase=PASSPHRASE_B)
    b = Pc(open_clinic(root / "b", env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE_B}),
           Ctx(SYSTEM, clock))  # fmt: skip
    try:
        with a.db.write() as s:
            catalog.create_provider(s, a.ctx, name="Dr Aydın")
            catalog.create_service(s, a.ctx, name="Check-up", duration_minutes=30)
        settings.set_many(a.db, a.ctx, {
            "reminders.enabled": True, "reminders.station": "A", "reminders.standby": "B",
            "reminders.quiet_start": "",
        })  # fmt: skip
        cloud.connect(a.db, a.ctx, url, code, "FRONT-1")
        cloud.sync_once(a.db, clock)
        cloud.join(b.db, b.ctx, url, cloud.invite(a.db, a.ctx).code, "FRONT-2")
        cloud.sync_once(b.db, clock)
    finally:
        a.db.close()
        b.db.close()
        reminderlease.forget()


# -- a clinic twelve years old, connected (test_checkpoint_signature) ----------------------


def make_old_pc(root: Path, now: datetime) -> Database:
    """A clinic opened twelve years before ``now``, with patients (on hold) added over
    the years: its oldest audit events are past their time. Open; not connected."""
    spec = ClinicSpec("Moda Dental", "Europe/Istanbul", "TR", "boss", "admin-password-1")
    initialise(root, spec, FixedClock(now - 12 * YEAR), passphrase=PASSPHRASE_A)
    db = open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE_A})
    for years in (11.5, 11, 10.5, 3, 1):
        when = FixedClock(now - years * YEAR)
        made = add(db, admin(when), NewPatient("Old", f"Timer{years}"))
        retention.hold(db, admin(when), made.number, "kept")  # type: ignore[union-attr]
    return db


def make_synced_pc(root: Path, url: str, code: str, clock: FixedClock) -> None:
    """:func:`make_old_pc` in ``root``/a, connected with ``code`` and synced once (the
    endpoint holds an anchor); closed."""
    db = make_old_pc(root / "a", clock.now())
    try:
        cloud.connect(db, admin(clock), url, code, "FRONT-1")
        cloud.sync_once(db, clock)
    finally:
        db.close()


def sent(done: RoundResult) -> bool:
    """Whether a sync round gave the endpoint anything for the other PCs: an upload, a
    push (what merging pulled rows changed goes in the round's own push after its
    pull), a resolution. A round that only got, swept, erased what pointed at an
    erased patient or kept a clash for a person gave nothing."""
    return bool(done.uploaded or done.pushed or done.resolved)


def owed(rounds: list[RoundResult]) -> bool:
    """Whether, after a time round of every PC (``rounds``, in the order they ran), a PC
    has yet to get what another sent: only what a PC after the first sent can be
    owed, to the PCs whose round came before (each round pulls after its own push, and
    every later round after all of it). A time round after which nothing is owed is
    the last a settle needs: another would move nothing (every PC has sent all it
    holds and holds all the endpoint holds)."""
    return any(sent(done) for done in rounds[1:])


# -- the templates -------------------------------------------------------------------------


@dataclass(frozen=True)
class Made:
    """What a pair's making left besides its folder's files."""

    clinic: NewClinic
    database: str  # the endpoint's database: a PostgreSQL template, or endpoint.db's URL


def backend_of(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


def pair_of(request: pytest.FixtureRequest) -> str | None:
    """The pair the test takes (through any fixture), if it takes one."""
    kinds = {PAIRS[name] for name in request.node.fixturenames if name in PAIRS}
    assert len(kinds) <= 1, f"a test takes one pair of PCs, not {sorted(kinds)}"
    return kinds.pop() if kinds else None


class PairTemplates:
    """The session's pairs, each made the first time a test asks for it."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.made: dict[tuple[str, str], Template[Made]] = {}
        self.empty: dict[tuple[str, str], Template[Created]] = {}

    def get(self, request: pytest.FixtureRequest, kind: str, backend: str) -> Template[Made]:
        if (kind, backend) not in self.made:
            root = self.factory.mktemp(f"pair-{kind}-{backend}")
            url = self._database(request, backend, root)
            env = {"RECEPTIONIST_CONFIG_DIR": str(config_of(root))}
            self.made[(kind, backend)] = make_template(root, lambda r: _make(kind, url, r), env=env)
        return self.made[(kind, backend)]

    def empty_pc(self, passphrase: str, name: str = "pc") -> Template[Created]:
        """A new PC's empty encrypted file (:func:`make_pc_b`'s ``create``), made the
        first time a test asks for one with ``passphrase``; a test that makes two new
        files asks for the second under another ``name`` (a clinic id and key of its
        own, as two files ``create`` made would have)."""
        if (passphrase, name) not in self.empty:
            root = self.factory.mktemp(f"empty-{name}") / "pc"
            made = make_template(root, lambda r: create(r, passphrase=passphrase))
            self.empty[(passphrase, name)] = made
        return self.empty[(passphrase, name)]

    def endpoint_copy(self, request: pytest.FixtureRequest, kind: str, folder: Path) -> str:
        """A copy of the pair's endpoint database for this test (in ``folder``), on the
        backend its ``database_url`` was given (``request`` is that fixture's)."""
        return self.database_copy(request, kind, request.param, folder)

    def database_copy(
        self, request: pytest.FixtureRequest, kind: str, backend: str, folder: Path
    ) -> str:
        """A copy of the pair's endpoint database (SQLite: ``folder``/endpoint.db)."""
        made = self.get(request, kind, backend)
        if backend == "sqlite":
            shutil.copy(made.root / "endpoint.db", folder / "endpoint.db")  # its mode too
            return f"sqlite:///{folder / 'endpoint.db'}"
        cluster: PgCluster = request.getfixturevalue("pg_cluster")
        return cluster.copy_of(made.made.database)

    def _database(self, request: pytest.FixtureRequest, backend: str, root: Path) -> str:
        if backend == "sqlite":
            shutil.copy(request.getfixturevalue("sqlite_endpoint_template"), root / "endpoint.db")
            return f"sqlite:///{root / 'endpoint.db'}"
        cluster: PgCluster = request.getfixturevalue("pg_cluster")
        return cluster.new_database()


def _make(kind: str, database_url: str, root: Path) -> Made:
    clock = FixedClock(CLOCK_START)  # a test's clock, as it starts
    clinic = add_clinic(database_url, CLINIC, clock=clock, out=None)
    with endpoint_at(database_url, clock) as served:
        if kind == "keychain":
            a, b = make_pc_a(root / "a", clock), make_pc_b(root / "b", clock)
            try:
                join_pair(served.url, clinic.code, a, b)
            finally:
                a.db.close()
                b.db.close()
        elif kind == "station":
            make_station_pair(root, served.url, clinic.code, clock)
        elif kind == "synced":
            make_synced_pc(root, served.url, clinic.code, clock)
        else:
            faultkit.tokens_in_files()
            for pc in faultkit.joined_pcs(served.url, clinic.code, root, clock):
                pc.db.close()
    return Made(clinic, database_url)


def config_of(root: Path) -> Path:
    """The config folder a template in ``root`` was made with (beside it, not in it)."""
    return root.parent / f"{root.name}-config"


def make_first_pc(root: Path) -> None:
    """faultkit.first_pc's clinic (not connected), its tokens and keys in no keychain."""
    faultkit.tokens_in_files()
    faultkit.first_pc(root, FixedClock(CLOCK_START)).db.close()


# -- a test's copy ---------------------------------------------------------------------------


def copy_first_pc(template: Template[None], root: Path, clock: FixedClock) -> faultkit.Pc:
    """What ``faultkit.first_pc(root, clock)`` makes, copied from ``template`` (for a
    test that has called ``faultkit.tokens_in_files``)."""
    template.copy_to(root)
    db = open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": faultkit.PASSPHRASE})
    return faultkit.Pc(root, db, admin(clock))


def copy_empty_pc(templates: PairTemplates, root: Path, clock: FixedClock, passphrase: str) -> Pc:
    """What ``make_pc_b(root, clock, passphrase)`` makes (a new PC's empty encrypted
    file, open, to join with), copied from one made once a session: a third PC of a
    test that joins it costs the join, not a file made with every migration."""
    templates.empty_pc(passphrase).copy_to(root)
    db = open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": passphrase})
    return Pc(db, Ctx(SYSTEM, clock))


def copy_pcs(template: Template[Made], kind: str, folder: Path) -> list[Path]:
    """The pair's PC folders copied into ``folder`` and their keychain entries written to
    the current keychain (Template.copy_to, for the PCs' folders only)."""
    roots = []
    for name in FOLDERS[kind]:
        shutil.copytree(template.root / name, folder / name, copy_function=shutil.copy)
        roots.append(folder / name)
    for (service, username), secret in template.keychain.items():
        with contextlib.suppress(KeyringError, RuntimeError, OSError):
            keyring.set_password(service, username, secret)
    book = tokens_in_use(template.root)
    for name in FOLDERS[kind]:
        if name in book:
            tokenbook.kept(folder / name, book[name])  # as the connect or join wrote it
    return roots


def tokens_in_use(root: Path) -> dict[str, str]:
    """The device token each of the template's PC folders uses, by folder name, as the
    token book its making wrote says."""
    book = config_of(root) / tokenbook.FILE_NAME
    in_use = json.loads(book.read_text("utf-8"))["in_use"] if book.exists() else {}
    return {Path(f).name: n for f, n in in_use.items() if Path(f).parent == root.resolve()}


def open_at(root: Path, passphrase: str, endpoint_url: str) -> Database:
    """A copied PC's file, opened, its endpoint's address now this test's endpoint."""
    db = open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": passphrase})
    point_at(db, endpoint_url)
    return db


def point_at(db: Database, endpoint_url: str) -> None:
    """The PC syncs with the endpoint at ``endpoint_url`` from now on (the address it
    was joined at is the template's, or a proxy stands between them)."""
    with db.write() as s:
        s.execute(update(SyncState).values(server_url=endpoint_url))


def keychain_pair(template: Template[Made], folder: Path, url: str, clock: FixedClock) -> list[Pc]:
    a, b = copy_pcs(template, "keychain", folder)
    return [
        Pc(open_at(a, PASSPHRASE_A, url), admin(clock)),
        Pc(open_at(b, PASSPHRASE_B, url), Ctx(SYSTEM, clock)),
    ]


def files_pair(
    template: Template[Made], folder: Path, url: str, clock: FixedClock
) -> list[faultkit.Pc]:
    faultkit.tokens_in_files()
    a, b = copy_pcs(template, "files", folder)
    return [
        faultkit.Pc(
            a, open_at(a, faultkit.PASSPHRASE, url), Ctx(Actor(None, "admin", "ui"), clock)
        ),
        faultkit.Pc(b, open_at(b, faultkit.PASSPHRASE, url), Ctx(SYSTEM, clock)),
    ]
