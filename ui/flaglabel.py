"""A flag: the coloured, word-wrapped label that says one thing about a record when it
holds (a front-desk alert, a restriction of processing, an anonymised record), and is
hidden while it does not. Each flag brings its own colours (its module's style) and
the name a screen reader says; what it says is set by its module's ``show_…``.
:data:`ATTENTION` is the colours of a note that asks a person to act on the clinic's
setup (Settings > Jobs' flags, This PC's backup folder on the clinic's disk)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

# Dark amber on pale amber (contrast 7:1), as the front-desk alert; sentences, not bold.
ATTENTION = (
    "QLabel { background: #fff4e5; color: #7a3e00; border: 1px solid #b45309;"
    " border-radius: 4px; padding: 4px 8px; }"
)


def flag_label(parent: QWidget, name: str, accessible_name: str, style: str) -> QLabel:
    """A hidden flag named ``name`` (its object name), read out as ``accessible_name``,
    drawn with the style sheet ``style``."""
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setAccessibleName(accessible_name)
    label.setStyleSheet(style)
    label.hide()
    return label
