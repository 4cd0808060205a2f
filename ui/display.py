"""Whether Qt can show a window here, checked before Qt is imported (no stack traces):
a display at all, the system libraries of Qt's X11 plugin, and a word when Qt will draw
offscreen (no window will appear)."""

from __future__ import annotations

import ctypes.util
import importlib.util
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

NO_DISPLAY = (
    "Receptionist needs a display, and none was found (DISPLAY and WAYLAND_DISPLAY are "
    "not set). Start it from a desktop session; or, to run it without a screen, set "
    "QT_QPA_PLATFORM=offscreen (for example for --screenshots), or run it under "
    "xvfb-run: xvfb-run python main.py --demo"
)


def display_problem(env: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """The message to print when no display can be used; None when all is well."""
    if not platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return None
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return NO_DISPLAY


# --- Qt's X11 plugin and the system libraries it needs (Debian / Ubuntu packages) ---------
# The plugin links these; Qt 6.5+ also needs libxcb-cursor0, which it opens itself (ldd
# does not list it) and names in its abort even when others are what is missing.
XCB_PACKAGES: dict[str, str] = {
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}
CURSOR_LIBRARY = "xcb-cursor"  # for ctypes.util.find_library
CURSOR_SONAME = "libxcb-cursor.so.0"


def will_use_xcb(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Qt will load its X11 plugin: Linux, an X display, no other platform asked for."""
    if not platform.startswith("linux"):
        return False
    asked = env.get("QT_QPA_PLATFORM", "")
    if asked:
        return asked.split(":", 1)[0].split(";", 1)[0] == "xcb"
    return bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY")


def xcb_plugin() -> Path | None:
    """PySide6's ``libqxcb.so``, found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        plugin = Path(folder) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def unresolved(ldd_output: str) -> list[str]:
    """The libraries ``ldd`` printed as "not found", once each, in its order."""
    found: list[str] = []
    for line in ldd_output.splitlines():
        name, _, where = line.strip().partition("=>")
        if where.strip() == "not found" and name.strip() not in found:
            found.append(name.strip())
    return found


def run_ldd(path: Path) -> str:
    """``ldd path``'s output; "" when there is no ldd or it fails."""
    try:
        done = subprocess.run(
            ["ldd", str(path)], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout


def xcb_missing(
    ldd: Callable[[Path], str] = run_ldd,
    find_library: Callable[[str], str | None] = ctypes.util.find_library,
    plugin: Path | None = None,
) -> list[str]:
    """The libraries Qt's X11 plugin needs that this system lacks (sonames)."""
    plugin = plugin or xcb_plugin()
    missing = unresolved(ldd(plugin)) if plugin is not None else []
    if CURSOR_SONAME not in missing and find_library(CURSOR_LIBRARY) is None:
        missing.append(CURSOR_SONAME)
    return missing


def xcb_problem(
    env: Mapping[str, str],
    platform: str = sys.platform,
    missing: Callable[[], list[str]] = xcb_missing,
) -> str | None:
    """What to install before the window can open, or None when nothing is missing."""
    if not will_use_xcb(env, platform):
        return None
    lacking = missing()
    if not lacking:
        return None
    packages = [XCB_PACKAGES[name] for name in lacking if name in XCB_PACKAGES]
    unknown = [name for name in lacking if name not in XCB_PACKAGES]
    install = f"sudo apt-get install {' '.join(packages)}" if packages else ""
    if unknown:
        install += (" and " if install else "") + "the packages that hold " + ", ".join(unknown)
    return (
        "Receptionist cannot open its window: Qt's X11 plugin needs system libraries "
        f"this machine lacks ({', '.join(lacking)}). On Debian or Ubuntu install them: "
        f"{install}. The README lists the whole set. To run without a window, set "
        "QT_QPA_PLATFORM=offscreen."
    )


def headless_note(env: Mapping[str, str]) -> str | None:
    """Said at start when Qt draws nowhere a person can see (offscreen, minimal)."""
    platform = env.get("QT_QPA_PLATFORM", "").split(":", 1)[0]
    if platform not in ("offscreen", "minimal"):
        return None
    return (
        f"QT_QPA_PLATFORM={platform}: Receptionist runs, but no window will appear on "
        "this platform. Press Ctrl+C here to quit. To see the window, start it in a "
        "desktop session without QT_QPA_PLATFORM."
    )
