"""Events: what the core tells whoever listens, after the fact. No Qt here.

A :class:`Hub` delivers each published event to the listeners of its type, in the
thread that publishes it; a listener that fails is logged (as a bug, without its
message) and the others still hear the event. The app bridges a hub to Qt signals
(``ui/events.py``); the core's own reactions (``schedule/reactions.py``) listen too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from .safelog import describe

log = logging.getLogger(__name__)
E = TypeVar("E")


class Hub:
    """Listeners by event type; publish calls each listener of that type (or a base)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[tuple[type[Any], Callable[[Any], None]]] = []

    def subscribe(self, kind: type[E], listener: Callable[[E], None]) -> Callable[[], None]:
        """Call ``listener`` with every event of ``kind``; returns the unsubscribe call."""
        entry = (kind, listener)
        with self._lock:
            self._listeners.append(entry)

        def unsubscribe() -> None:
            with self._lock:
                if entry in self._listeners:
                    self._listeners.remove(entry)

        return unsubscribe

    def publish(self, event: object) -> None:
        with self._lock:
            chosen = [fn for kind, fn in self._listeners if isinstance(event, kind)]
        for listener in chosen:
            try:
                listener(event)
            except Exception as exc:
                log.error("a listener of %s failed: %s", type(event).__name__, describe(exc))
