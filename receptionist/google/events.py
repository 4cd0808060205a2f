"""What Google sync tells whoever listens (the app's status bar, the settings page):
published on the database's event hub after the change committed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GoogleChanged:
    """Google sync's state changed: ``what`` is round, connected, disconnected or mapped."""

    what: str
    status: str = ""
