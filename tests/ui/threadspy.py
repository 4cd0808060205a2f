"""Which thread did the database work: the GUI tests' witness for the one-worker rule."""

from __future__ import annotations

import threading


class ThreadSpy:
    """Records the thread of every SQL statement, connection and key derivation."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def note(self, what: str) -> None:
        self.calls.append((what, threading.current_thread().name))

    def on_gui_thread(self) -> list[tuple[str, str]]:
        main = threading.main_thread().name
        return [call for call in self.calls if call[1] == main]
