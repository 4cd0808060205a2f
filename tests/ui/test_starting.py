"""Starting the app where no window can show: it says so, names what to install, and
Ctrl+C ends it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ui.display import (
    CURSOR_SONAME,
    XCB_PACKAGES,
    headless_note,
    unresolved,
    will_use_xcb,
    xcb_missing,
    xcb_plugin,
    xcb_problem,
)

REPO = Path(__file__).resolve().parents[2]
LDD = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)
"""


def test_the_missing_libraries_are_read_from_ldd_once_each() -> None:
    assert unresolved(LDD) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]


def test_the_cursor_library_qt_opens_itself_is_looked_for_too() -> None:
    plugin = Path("/x/libqxcb.so")
    lacking = xcb_missing(lambda _p: LDD, lambda _name: None, plugin)
    assert lacking == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", CURSOR_SONAME]
    assert xcb_missing(lambda _p: "", lambda name: f"lib{name}.so.0", plugin) == []


def test_the_message_names_the_exact_debian_packages() -> None:
    env = {"DISPLAY": ":99"}
    lacking = ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", CURSOR_SONAME]
    text = xcb_problem(env, "linux", lambda: lacking) or ""
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0." in text
    assert "README" in text and "QT_QPA_PLATFORM=offscreen" in text
    odd = xcb_problem(env, "linux", lambda: ["libodd.so.3"]) or ""
    assert "the packages that hold libodd.so.3" in odd
    assert xcb_problem(env, "linux", lambda: []) is None


def test_only_the_x11_plugin_is_checked() -> None:
    assert will_use_xcb({"DISPLAY": ":0"}, "linux")
    assert will_use_xcb({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert not will_use_xcb({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not will_use_xcb({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, "linux")
    assert not will_use_xcb({"DISPLAY": ":0"}, "win32")
    assert xcb_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", lambda: ["x"]) is None


def test_this_machines_plugin_is_found_and_checked() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("the X11 plugin is Linux's")
    plugin = xcb_plugin()
    assert plugin is not None and plugin.name == "libqxcb.so"
    for name in xcb_missing(plugin=plugin):  # whatever lacks here has a package named
        assert name in XCB_PACKAGES


def test_the_ci_script_and_the_readme_install_the_whole_set() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    xcb = {p for p in XCB_PACKAGES.values() if "xcb" in p or "xkb" in p}
    assert {p for p in xcb if not re.search(rf"\b{re.escape(p)}\b", ci)} == set()
    assert {p for p in xcb if not re.search(rf"\b{re.escape(p)}\b", readme)} == set()


def test_offscreen_says_no_window_will_appear_and_how_to_quit() -> None:
    note = headless_note({"QT_QPA_PLATFORM": "offscreen"}) or ""
    assert "no window will appear" in note and "Ctrl+C" in note
    assert headless_note({"QT_QPA_PLATFORM": "xcb"}) is None
    assert headless_note({}) is None


@pytest.mark.slow
def test_make_run_offscreen_says_so_then_ctrl_c_ends_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        RECEPTIONIST_DATA_DIR=str(tmp_path / "data"),
        RECEPTIONIST_CONFIG_DIR=str(tmp_path / "config"),
    )
    with subprocess.Popen(
        [sys.executable, str(REPO / "main.py"), "--demo", "--verbose"],
        cwd=REPO, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    ) as app:  # fmt: skip
        _said_then_interrupted(app)


def _said_then_interrupted(app: subprocess.Popen[str]) -> None:
    try:
        assert app.stderr is not None
        said: list[str] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # the window is up once someone signed in
            line = app.stderr.readline()
            said.append(line)
            if not line or "signed in" in line:
                break
        assert "no window will appear" in said[0] and "Ctrl+C" in said[0]
        assert any("signed in" in line for line in said), "".join(said)
        app.send_signal(signal.SIGINT)
        assert app.wait(timeout=60) == 0
        rest = app.stderr.read()
        assert "Traceback" not in "".join(said) + rest
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
