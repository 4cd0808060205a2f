"""Receptionist, the desktop app.

    python main.py --demo                 the built-in demo clinic (no real data)
    python main.py --data-dir DIR         a clinic's data folder
    python main.py --demo --screenshots DIR   each main screen as a PNG, then exit
    python main.py --verbose ...          the log's lines on stderr too (see receptionist.logs)

With no display on Linux, or without the system libraries of Qt's X11 plugin, it says
so plainly (naming the Debian packages) and exits 2; with QT_QPA_PLATFORM=offscreen it
says that no window will appear and that Ctrl+C quits (see ``ui.display``).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    shots = "--screenshots" in args or any(a.startswith("--screenshots=") for a in args)
    if shots:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ui.display import display_problem, headless_note, xcb_problem

    if "-h" not in args and "--help" not in args:
        problem = display_problem(os.environ) or xcb_problem(os.environ)
        if problem is not None:
            print(problem, file=sys.stderr)
            return 2
        note = headless_note(os.environ) if not shots else None
        if note is not None:
            print(note, file=sys.stderr, flush=True)
    try:
        from sync.jobs import NETWORK_JOBS
        from ui.launch import run
    except ImportError as exc:  # a missing Qt library: say which, plainly
        return cannot_load(exc)
    try:
        return run(args, NETWORK_JOBS)
    except ImportError as exc:  # the window's modules load once the folder's lock is held
        return cannot_load(exc)


def cannot_load(exc: ImportError) -> int:
    print(
        f"Receptionist could not load its user interface ({exc}). Reinstall it, or "
        "on Linux install the system libraries Qt needs (libEGL, libxkbcommon).",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
