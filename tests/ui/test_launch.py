"""Starting the app: no display, arguments, one instance per clinic, screenshots."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from receptionist.context import Actor, Ctx
from receptionist.errors import InstanceLocked
from receptionist.patients import record as patients
from receptionist.patients.search import rebuild_search_index, search_patients
from receptionist.store.storage import Database
from ui.display import display_problem
from ui.launch import lock_after_seconds, parse_args
from ui.mainwindow import MainWindow
from ui.screenshots import Screenshots
from ui.single import SingleInstance, knock

REPO = Path(__file__).resolve().parents[2]


def run_main(
    args: list[str], env: dict[str, str], *, python: Sequence[str] = (), timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``python [python] main.py [args]`` from the repository, as a person starts the app,
    with ``env``; its exit code and output, whatever they are."""
    return subprocess.run(
        [sys.executable, *python, str(REPO / "main.py"), *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def test_display_problem_only_on_a_linux_without_one() -> None:
    assert display_problem({}, "linux") is not None
    assert "QT_QPA_PLATFORM=offscreen" in (display_problem({}, "linux") or "")
    assert display_problem({"DISPLAY": ":0"}, "linux") is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "win32") is None


@pytest.mark.slow
def test_main_without_a_display_says_so_plainly(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["RECEPTIONIST_DATA_DIR"] = str(tmp_path)
    done = run_main(["--demo"], env)
    if not sys.platform.startswith("linux"):
        pytest.skip("the no-display check is for Linux")
    assert done.returncode == 2
    assert "xvfb-run" in done.stderr and "Traceback" not in done.stderr + done.stdout


def test_the_lock_time_is_this_pcs_setting_unless_the_flag_says_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECEPTIONIST_CONFIG_DIR", str(tmp_path))
    assert lock_after_seconds(parse_args([])) == 5 * 60  # the setting's default
    (tmp_path / "preferences.json").write_text('{"desk.lock_after_minutes": 12}', "utf-8")
    assert lock_after_seconds(parse_args([])) == 12 * 60
    assert lock_after_seconds(parse_args(["--lock-after", "0.5"])) == 30
    (tmp_path / "preferences.json").write_text('{"desk.lock_after_minutes": 0}', "utf-8")
    assert lock_after_seconds(parse_args([])) == 5 * 60  # out of range: the default


def test_the_flag_may_lock_sooner_never_later_than_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The idle lock is a manager's or an administrator's setting (``registry.may_change``):
    the flag, given by whoever starts the app before anyone signs in, only shortens it."""
    monkeypatch.setenv("RECEPTIONIST_CONFIG_DIR", str(tmp_path))
    assert lock_after_seconds(parse_args(["--lock-after", "480"])) == 5 * 60
    assert lock_after_seconds(parse_args(["--lock-after", "2"])) == 2 * 60
    (tmp_path / "preferences.json").write_text('{"desk.lock_after_minutes": 12}', "utf-8")
    assert lock_after_seconds(parse_args(["--lock-after", "30"])) == 12 * 60
    assert lock_after_seconds(parse_args(["--lock-after", "12"])) == 12 * 60


def test_arguments() -> None:
    assert parse_args([]).lock_after is None
    shots = parse_args(["--screenshots", "out"])
    assert shots.demo and shots.screenshots == Path("out")
    with pytest.raises(SystemExit):
        parse_args(["--screenshots", "out", "--data-dir", "x"])
    with pytest.raises(SystemExit):
        parse_args(["--lock-after", "0"])


def test_second_start_knocks_and_the_first_comes_forward(qtbot: QtBot, tmp_path: Path) -> None:
    first = SingleInstance(tmp_path)
    first.acquire()
    try:
        second = SingleInstance(tmp_path)
        with pytest.raises(InstanceLocked):
            second.acquire()
        with qtbot.waitSignal(first.raiseRequested, timeout=5000):
            assert knock(tmp_path)
    finally:
        first.release()
    assert not knock(tmp_path, timeout_ms=200)


@pytest.mark.slow
def test_a_folder_holding_others_files_is_refused_before_the_lock_goes_in(
    tmp_path: Path,
) -> None:
    """``--data-dir`` naming a shared folder with no clinic in it: the app says why and
    ends before putting its lock file there or offering to set a clinic up in it, and
    before loading its window (``-X importtime`` names each module loaded)."""
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "notes.txt").write_text("someone else's", encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = run_main(["--data-dir", str(shared)], env, python=["-X", "importtime"])
    assert done.returncode == 2, done.stderr
    assert "not Receptionist's" in done.stderr and "Traceback" not in done.stderr
    assert [p.name for p in shared.iterdir()] == ["notes.txt"]
    loaded = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "ui.launch" in loaded and "ui.mainwindow" not in loaded


@pytest.mark.slow
def test_a_window_module_that_cannot_load_is_said_plainly(tmp_path: Path) -> None:
    """The window's modules load only once the folder's lock is held (``ui.launch``):
    one that cannot load there (a PySide6 without QtPrintSupport, which Debian ships
    as a package of its own) is said as a Qt module missing at start is, not as a
    traceback."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(
        "import sys\nsys.modules['PySide6.QtPrintSupport'] = None\n", encoding="utf-8"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(hooks))
    done = run_main(["--data-dir", str(tmp_path / "clinic")], env)
    assert done.returncode == 2, done.stderr
    assert "could not load its user interface" in done.stderr, done.stderr
    assert "QtPrintSupport" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_the_folder_and_lock_the_app_makes_are_owner_only(qtbot: QtBot, tmp_path: Path) -> None:
    import stat

    previous = os.umask(0o022)
    try:
        root = tmp_path / "new" / "clinic"
        single = SingleInstance(root)
        single.acquire()
        single.release()
    finally:
        os.umask(previous)
    assert stat.S_IMODE(root.stat().st_mode) == stat.S_IMODE(root.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "app.lock").stat().st_mode) == 0o600


def _give_an_alert(window: MainWindow) -> None:
    """Zeynep Kaya (on the day's schedule) gets a front-desk alert, for its two screens."""
    desk = window.desk
    admin = Ctx(Actor(user_id=None, role="admin", source="cli"), desk.clock)

    def write(db: Database) -> None:
        with db.write() as s:
            rebuild_search_index(s)
            (zeynep,) = [r for r in search_patients(s, admin, "zeynep kaya")]
            patients.update_patient(s, admin, zeynep.id, alert="Needs wheelchair access")

    desk.tasks.run(lambda: write(desk.tasks.database())).result(timeout=30)


def test_screenshots_of_every_screen(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    _give_an_alert(window)
    with qtbot.waitSignal(window.model.loaded, timeout=10_000):
        window.model.reload()
    # The window's child: if the walk fails, it goes with the window, and its timer no
    # longer polls in the tests after this one. main.py's run looks every 25 ms.
    shots = Screenshots(tmp_path / "shots", window, poll_ms=5)
    points = window.font().pointSizeF()
    with qtbot.waitSignal(shots.done, timeout=90_000) as done:
        shots.run(window)
    assert done.args == [0]
    names = sorted(p.name for p in shots.saved)
    assert names == [
        "01-schedule-day.png",
        "02-schedule-week.png",
        "03-schedule-rooms-with-no-room-column.png",
        "04-card-menu-completed-visit.png",
        "04b-card-menu-booked-visit.png",
        "05-cancel-dialog.png",
        "06-error-message.png",
        "07-locked-sign-in.png",
        "08-unlock-dialog.png",
        "09-booking-dialog-with-date.png",
        "10-patient-search.png",
        "11-patient-window.png",
        "12-quick-find.png",
        "13-today-panel-beside-schedule.png",
        "13b-undo-in-status-bar.png",
        "14-waitlist.png",
        "15-settings-providers.png",
        "15b-settings-google.png",
        "15c-message-templates.png",
        "15d-message-templates-read-only.png",
        "15e-message-templates-whatsapp.png",
        "16-pinboard.png",
        "17-patient-communication.png",
        "18-patient-documents.png",
        "19-schedule-closed-day.png",
        "20-keyboard-shortcuts.png",
        "21-larger-text.png",
        "22-larger-text-settings.png",
        "23-patient-window-with-book-and-alert.png",
        "24-booking-with-patient-alert.png",
        "25-wizard-join-downloading.png",
    ]
    day = QImage(str(tmp_path / "shots" / "01-schedule-day.png"))
    assert (day.width(), day.height()) == (1366, 768)
    assert not window.is_locked()
    assert not window.unsaved_windows()  # nothing left open that would hold up quitting
    assert window.booking.dialog is None
    booking = QImage(str(tmp_path / "shots" / "09-booking-dialog-with-date.png"))
    assert (booking.width(), booking.height()) == (1366, 768)
    assert window.font().pointSizeF() == points  # the larger text was for one picture


@pytest.mark.slow
def test_main_demo_screenshots_end_to_end(tmp_path: Path) -> None:
    pytest.importorskip("receptionist.demo.clinic")
    env = dict(os.environ, RECEPTIONIST_DATA_DIR=str(tmp_path / "data"))
    env.pop("QT_QPA_PLATFORM", None)  # --screenshots goes offscreen by itself
    done = run_main(["--demo", "--screenshots", str(tmp_path / "out")], env, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(list((tmp_path / "out").glob("*.png"))) == 31  # 15d, 15e: templates read, WhatsApp
