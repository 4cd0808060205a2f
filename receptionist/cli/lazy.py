"""Command modules named, not imported: a front end's commands (``sync/``'s, whose
modules pull in httpx, the Google client, the scheduler) are imported only when a
command line needs their parsers or their jobs (issue #12).

The core cannot import ``sync/``: the front end names its modules, the core imports
them by that name when asked.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Commands:
    """A module of commands by its dotted name (``sync.cloudcmds``), and what it adds:
    the commands it registers (``adds``), the others' commands it adds to
    (``extends``: their owners register them before it), and whether it carries
    ``JOBS``, background jobs the core's ``jobs list|run`` add to their own."""

    module: str
    adds: tuple[str, ...]
    extends: tuple[str, ...] = ()
    jobs: bool = False

    def register(self, sub: Any) -> None:  # an argparse._SubParsersAction
        self.load().register(sub)

    def load(self) -> Any:
        return importlib.import_module(self.module)

    def needed_by(self, command: str) -> bool:
        """Whether ``command``'s parsers are (partly) built by this module."""
        return command in self.adds or command in self.extends

    def carried_jobs(self) -> tuple[Any, ...]:
        """Its ``JOBS`` (imported now), or none without importing it."""
        return tuple(getattr(self.load(), "JOBS", ())) if self.jobs else ()
