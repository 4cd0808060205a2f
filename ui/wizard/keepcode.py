"""Keeping the recovery code: the text of the sheet, saving it to a file, printing it.

The code is a secret: it is never logged, and the file is written with owner-only
permissions (0600) through a temporary file in the same folder, so a reader never
sees half a file and nobody else ever sees it at all.
"""

from __future__ import annotations

import contextlib
import html
import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QTextDocument
from PySide6.QtPrintSupport import QPrinter


def _tr(text: str) -> str:
    return QCoreApplication.translate("recovery", text)


def sheet_lines(clinic_name: str, clinic_id: str, code: str) -> list[str]:
    return [
        _tr("Receptionist recovery code"),
        _tr("Clinic: {0}").format(clinic_name),
        _tr("Clinic ID: {0}").format(clinic_id),
        "",
        code,
        "",
        _tr(
            "This code unlocks the clinic's data when the computer's keychain and the "
            "admin passphrase cannot. Keep it somewhere safe, away from the computer."
        ),
    ]


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable by its owner only."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".recovery-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            if os.name == "posix":
                os.fchmod(handle.fileno(), 0o600)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if os.name == "posix":
        with contextlib.suppress(OSError):
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


def print_sheet(printer: QPrinter, clinic_name: str, clinic_id: str, code: str) -> None:
    """One page: the heading, the clinic, the code in large monospace, what it is for."""
    title, clinic, ident, _, _, _, note = sheet_lines(clinic_name, clinic_id, code)
    body = (
        f"<h2>{html.escape(title)}</h2>"
        f"<p>{html.escape(clinic)}<br>{html.escape(ident)}</p>"
        f"<p style='font-family: monospace; font-size: 22pt; font-weight: bold;'>"
        f"{html.escape(code)}</p>"
        f"<p>{html.escape(note)}</p>"
    )
    document = QTextDocument()
    document.setHtml(body)
    document.print_(printer)
