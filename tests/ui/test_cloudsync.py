"""Sync in the app, against a real endpoint on loopback: the loop runs rounds off the
GUI thread, "Sync now" runs one at once, a booking made on a second PC appears in the
open schedule, and the status bar says offline while the endpoint is down and online
(with the last sync) once it is back."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from factories import CLOCK_START
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select, text, update
from templates import Template, make_template
from uiseed import Seeded, at

from receptionist.clock import FixedClock
from receptionist.context import SYSTEM, Actor, Ctx
from receptionist.models import Patient, Service, SyncState
from receptionist.ops import replica
from receptionist.schedule import booking
from receptionist.settings import pcstore, tokenbook
from receptionist.settings.cloud import INTERVAL_SECONDS
from receptionist.store.storage import Database
from receptionist.store.vault import create, open_clinic
from sync import cloud
from sync.server.commands import add_clinic
from sync.server.store import Store, open_store
from ui.app import stylesheet
from ui.cloudsync import CloudSync
from ui.desk import Desk
from ui.mainwindow import MainWindow

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))
serverkit: Any = importlib.import_module("serverkit")  # the endpoint's test harness

T = TypeVar("T")
B_PASSPHRASE = "another long passphrase"


def on_desk(desk: Desk, work: Callable[[Database], T]) -> T:
    """``work`` on the desk's own database worker (where its connections live)."""
    return desk.tasks.run(lambda: work(desk.tasks.database())).result(timeout=60)


def admin(clock: FixedClock) -> Ctx:
    return Ctx(Actor(None, "admin", "ui"), clock)


@dataclass
class Cloud:
    store: Store
    url: str
    port: int
    clock: FixedClock
    served: AbstractContextManager[Any] | None = None

    def up(self) -> None:
        self.served = serverkit.serving(self.store, self.clock, port=self.port)
        self.served.__enter__()

    def down(self) -> None:
        if self.served is not None:
            self.served.__exit__(None, None, None)
            self.served = None


@pytest.fixture(scope="module")
def uploaded(
    tmp_path_factory: pytest.TempPathFactory, seeded_template: Template[dict[str, str]]
) -> Template[dict[str, str]]:
    """The seeded clinic as :func:`connected` leaves it (connected as FRONT-1 and
    uploaded, on the clock's first moment), made once for the module; its endpoint's
    database is ``endpoint.db`` beside it, and the token book the connect wrote is in
    ``config`` beside it."""
    folder = tmp_path_factory.mktemp("uploaded")
    config = folder / "config"

    def build(root: Path) -> dict[str, str]:
        ids = seeded_template.copy_to(root)
        clock = FixedClock(CLOCK_START)
        url = f"sqlite:///{folder / 'endpoint.db'}"
        store = open_store(url)
        db = open_clinic(root)
        try:
            with serverkit.serving(store, clock) as served:
                code = add_clinic(url, "Şifa", clock=clock, out=None)
                cloud.connect(db, admin(clock), served.url, code.code, "FRONT-1")
                cloud.sync_once(db, clock)
        finally:
            db.close()
            store.close()
        return ids

    return make_template(folder / "clinic", build, env={"RECEPTIONIST_CONFIG_DIR": str(config)})


@pytest.fixture
def seeded_source(
    request: pytest.FixtureRequest, seeded_template: Template[dict[str, str]]
) -> Template[dict[str, str]]:
    """For a test that takes :func:`connected`, the seeded clinic already connected."""
    if "connected" in request.fixturenames:
        return request.getfixturevalue("uploaded")  # type: ignore[no-any-return]
    return seeded_template


@pytest.fixture
def endpoint(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> Iterator[Cloud]:
    if "connected" in request.fixturenames and clock.now() == CLOCK_START:
        made: Template[dict[str, str]] = request.getfixturevalue("uploaded")
        shutil.copy(made.root.parent / "endpoint.db", tmp_path / "endpoint.db")
    url = f"sqlite:///{tmp_path / 'endpoint.db'}"
    store = open_store(url)
    served = serverkit.serving(store, clock)
    first = served.__enter__()
    port = int(first.url.rsplit(":", 1)[1])
    found = Cloud(store, first.url, port, clock, served)
    try:
        yield found
    finally:
        found.down()
        store.close()


@pytest.fixture
def connected(
    request: pytest.FixtureRequest,
    desk: Desk,
    seeded: Seeded,
    endpoint: Cloud,
    clock: FixedClock,
    tmp_path: Path,
) -> Cloud:
    """The app's clinic, the first PC, connected and uploaded (before its window opens):
    a copy of :func:`uploaded`, pointed at this test's endpoint, its device token
    written in the token book as the connect wrote it (or connected here, for a test
    whose clock was set elsewhere before)."""
    if clock.now() != CLOCK_START:
        code = add_clinic(f"sqlite:///{tmp_path / 'endpoint.db'}", "Şifa", clock=clock, out=None)

        def connect(db: Database) -> None:
            cloud.connect(db, admin(clock), endpoint.url, code.code, "FRONT-1")
            cloud.sync_once(db, clock)

        on_desk(desk, connect)
        return endpoint
    made: Template[dict[str, str]] = request.getfixturevalue("uploaded")

    def point_at(db: Database) -> None:
        with db.write() as s:
            s.execute(update(SyncState).values(server_url=endpoint.url))

    on_desk(desk, point_at)
    book = json.loads((made.root.parent / "config" / tokenbook.FILE_NAME).read_text("utf-8"))
    (name,) = book["in_use"].values()
    tokenbook.kept(seeded.root, name)
    return endpoint


@pytest.fixture
def second_pc(
    desk: Desk, connected: Cloud, clock: FixedClock, tmp_path: Path
) -> Iterator[Database]:
    """Another PC of the clinic, joined with an invitation and downloaded."""
    invitation = on_desk(desk, lambda db: cloud.invite(db, admin(clock)))
    create(tmp_path / "b", passphrase=B_PASSPHRASE)
    db = open_clinic(tmp_path / "b", env={"RECEPTIONIST_PASSPHRASE": B_PASSPHRASE})
    cloud.join(db, Ctx(SYSTEM, clock), connected.url, invitation.code, "FRONT-2")
    cloud.sync_once(db, clock)
    yield db
    db.close()


def loop_of(window: MainWindow) -> CloudSync:
    return window.cloud_sync


def settled(loop: CloudSync) -> bool:
    """Connected, no round under way, the next one planned."""
    return loop.connected and not loop.running and loop.timer.isActive()


def book_on(db: Database, clock: FixedClock, provider: str, hhmm: str) -> str:
    with db.read() as s:
        patient = s.scalars(select(Patient).order_by(Patient.number)).first()
        service = s.scalars(select(Service).where(Service.name == "Check-up")).one()
        assert patient is not None
        patient_id, service_id = patient.id, service.id
    with db.write() as s:
        made = booking.book(
            s, admin(clock), patient_id=patient_id, provider_id=provider,
            service_id=service_id, start=at(hhmm),
        )  # fmt: skip
        return made.id


def test_a_booking_made_on_another_pc_appears_after_sync_now(
    qtbot: QtBot,
    second_pc: Database,
    window: MainWindow,
    seeded: Any,
    clock: FixedClock,
    thread_spy: Any,
) -> None:
    loop = loop_of(window)
    qtbot.waitUntil(lambda: settled(loop), timeout=20_000)
    assert loop.timer.remainingTime() > 20_000, "the next round waits the interval (30 s)"
    assert window.desk.sync.snapshot.online is True
    assert window.sync_status.network.text() == "Online"
    made = book_on(second_pc, clock, seeded.ids["ayse"], "11:30")
    cloud.sync_once(second_pc, clock)
    assert made not in {p.item.id for p in window.model.items()}

    action = window.named_action("syncNow")
    assert action is not None and action.shortcut().toString() == "F9"
    thread_spy.calls.clear()
    with qtbot.waitSignal(loop.roundFinished, timeout=20_000) as done:
        qtbot.keyClick(window, Qt.Key.Key_F9)
    assert done.args[0].ok and done.args[0].pulled >= 1
    qtbot.waitUntil(lambda: made in {p.item.id for p in window.model.items()}, timeout=5000)
    assert thread_spy.on_gui_thread() == [], "the round and the redraw's SQL stay off the GUI"
    threads = {thread for _what, thread in thread_spy.calls}
    assert any(t.startswith("receptionist-sync") for t in threads), "the round: its own thread"
    assert window.sync_status.last_sync.text() != "Last sync: never"
    assert window.sync_status.pending.text() == "Waiting: 0"
    # The seeded Monday holds two of Dr Haddad's bookings that overlap: the endpoint
    # refused one at the upload, and every PC sees that conflict.
    status = on_desk(window.desk, replica.status)
    assert status.open_conflicts == 1
    assert window.sync_status.conflicts.text() == "Conflicts: 1"

    # A booking made here waits to be sent, and the status bar says so before any round.
    def book_here(db: Database) -> str:
        return book_on(db, clock, seeded.ids["omar"], "16:00")

    on_desk(window.desk, book_here)
    qtbot.waitUntil(lambda: window.sync_status.pending.text() == "Waiting: 1", timeout=5000)
    with qtbot.waitSignal(loop.roundFinished, timeout=20_000) as done:
        action.trigger()
    assert done.args[0].pushed == 1 and window.sync_status.pending.text() == "Waiting: 0"


def test_offline_while_the_endpoint_is_down_online_when_it_is_back(
    qtbot: QtBot,
    connected: Cloud,
    window: MainWindow,
    tmp_path: Path,
) -> None:
    loop = loop_of(window)
    qtbot.waitUntil(lambda: settled(loop), timeout=20_000)
    connected.down()
    with qtbot.waitSignal(loop.roundFinished, timeout=20_000) as done:
        window.named_action("syncNow").trigger()  # type: ignore[union-attr]
    assert not done.args[0].ok
    assert window.desk.sync.snapshot.online is False
    assert window.sync_status.network.text() == "Offline"
    assert loop.schedule.failures == 1
    # The step the timer was started with (its time left runs down in real time: on a
    # loaded machine it passed under 2 s before this line ran).
    assert 2_000 <= loop.timer.interval() <= 5_000, "backoff, not the 30 s interval"
    window.statusBar().grab().save(str(tmp_path / "status-offline.png"))

    connected.up()
    loop.schedule.base = 0.2  # the next retry comes in a fraction of a second
    loop.schedule.failed()  # planned again with the short step
    loop.timer.start(int(loop.schedule.seconds_left() * 1000))
    qtbot.waitUntil(lambda: window.desk.sync.snapshot.online is True, timeout=20_000)
    assert loop.schedule.failures == 0, "the loop retried on its own, and reached it"
    assert window.desk.sync.snapshot.last_sync is not None
    assert window.sync_status.network.text() == "Online"
    window.statusBar().grab().save(str(tmp_path / "status-online.png"))


def test_the_network_coming_back_syncs_at_once(
    qtbot: QtBot, connected: Cloud, window: MainWindow
) -> None:
    loop = loop_of(window)
    qtbot.waitUntil(lambda: settled(loop), timeout=20_000)
    loop.network_back()
    assert not loop.running, "nothing failed: the interval holds"
    connected.down()
    with qtbot.waitSignal(loop.roundFinished, timeout=20_000):
        loop.sync_now()
    connected.up()
    with qtbot.waitSignal(loop.roundFinished, timeout=20_000) as done:
        loop.network_back()
    assert done.args[0].ok and window.desk.sync.snapshot.online is True


def test_a_clinic_not_connected_shows_sync_not_set_up(
    qtbot: QtBot, window: MainWindow, told: list[Any]
) -> None:
    loop = loop_of(window)
    qtbot.waitUntil(lambda: loop.timer.isActive(), timeout=10_000)
    assert not loop.connected and loop.worker.db is None, "no second database opened"
    assert window.sync_status.network.text() == "Sync: not set up"
    window.named_action("syncNow").trigger()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: bool(told), timeout=10_000)
    assert "not connected to a cloud endpoint" in told[0].text


def test_the_interval_is_this_pcs_setting(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECEPTIONIST_CONFIG_DIR", str(tmp_path / "config"))
    assert CloudSync(desk).schedule.interval == 30.0, "the default"
    pcstore.write(INTERVAL_SECONDS, 45)
    assert CloudSync(desk).schedule.interval == 45.0


def test_a_revoked_pc_is_told_once_and_shows_offline(
    qtbot: QtBot, second_pc: Database, window: MainWindow, told: list[Any]
) -> None:
    loop = loop_of(window)
    qtbot.waitUntil(lambda: settled(loop), timeout=20_000)
    with cloud.client_for(second_pc) as client:
        first = next(d for d in client.devices() if d["code"] == "A")
        client.revoke(first["id"])
    for _ in range(2):
        with qtbot.waitSignal(loop.roundFailed, timeout=20_000):
            loop.sync_now()
    assert [m.text for m in told if "revoked this PC" in m.text] == [
        "Sync stopped: The cloud endpoint has revoked this PC; it keeps working alone. "
        "Ask an administrator to invite it again."
    ], "said once, not at every retry"
    assert window.sync_status.network.text() == "Offline"


def test_the_endpoint_signing_with_another_key_is_shown_with_what_to_do(
    qtbot: QtBot, connected: Cloud, window: MainWindow, told: list[Any], tmp_path: Path
) -> None:
    """The endpoint's signing key was replaced (its operator lost it): the status bar
    says so, from the log, until a round sees the pinned key again; a click tells what
    to do. Nothing of it shows while the key is the pinned one."""
    loop = loop_of(window)
    qtbot.waitUntil(lambda: settled(loop), timeout=20_000)
    label = window.sync_status.endpoint_key
    assert label.isHidden() and window.desk.sync.snapshot.endpoint_warning == ""
    with connected.store.write() as conn:
        old = tuple(conn.execute(text("SELECT * FROM signing_key")).one())
        conn.execute(text("DELETE FROM signing_key"))  # a new key is made at the next ask
    with qtbot.waitSignal(loop.roundFinished, timeout=20_000) as done:
        loop.sync_now()
    assert done.args[0].ok and done.args[0].status.endpoint_key_changed
    assert not label.isHidden() and label.text() == "Endpoint key changed: tell its operator"
    assert label.property("state") == "alert"
    assert "another key than the one this PC pinned" in label.toolTip()
    assert "tell the endpoint's operator" in label.toolTip()
    assert window.sync_status.network.text() == "Online", "the data still syncs"
    window.resize(1366, 768)
    window.setStyleSheet(stylesheet())
    QApplication.processEvents()  # laid out again in the style's bold alert font
    picture = window.statusBar().grab()
    window.setStyleSheet("")
    assert picture.save(str(tmp_path / "status-endpoint-key.png"))
    folder = os.environ.get("SYNC_SHOTS")
    if folder:
        picture.save(str(Path(folder) / "status-endpoint-key.png"))
    told.clear()
    qtbot.mouseClick(label, Qt.MouseButton.LeftButton)
    assert [m.text for m in told] == [label.toolTip()]

    # Kept in the log, so any reading of the state says it (the app started again too).
    assert on_desk(window.desk, replica.status).endpoint_key_changed

    with connected.store.write() as conn:  # the operator puts the key back
        conn.execute(text("DELETE FROM signing_key"))
        conn.execute(text("INSERT INTO signing_key VALUES (:i, :p, :k, :a)"),
                     dict(zip(("i", "p", "k", "a"), old, strict=True)))  # fmt: skip
    with qtbot.waitSignal(loop.roundFinished, timeout=20_000) as done:
        loop.sync_now()
    assert not done.args[0].status.endpoint_key_changed
    assert label.isHidden() and window.desk.sync.snapshot.endpoint_warning == ""
