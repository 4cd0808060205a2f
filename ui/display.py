"""Whether Qt can show a window here, checked before Qt is imported (no stack traces)."""

from __future__ import annotations

import sys
from collections.abc import Mapping

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
