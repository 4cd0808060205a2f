"""The log file for the IT person: what ran, what failed, and how long it took.

The CLI and the desktop app each write a rotating log (``cli.log``, ``app.log``; 1 MB,
five old files kept, readable by the owner only) in the platform's log folder, or in
``RECEPTIONIST_LOG_DIR``. ``--verbose`` sends the same lines to stderr too; without it
stderr shows warnings and errors only, and not the records marked :data:`FILE_ONLY`
(the technical details behind a sentence the person has already been told).

What is logged follows the safe-log rules (:mod:`receptionist.safelog`): command names,
outcomes, exception types and where they were raised, timings, counts. Never argument
values, exception messages of unknown origin, or anything typed about a patient.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path

import platformdirs

ENV = "RECEPTIONIST_LOG_DIR"
MAX_BYTES = 1_000_000
BACKUPS = 5
LOGGER = "receptionist"  # the core's and the app's loggers are all below it
# ``log.error(..., extra=FILE_ONLY)``: in the file (and on stderr with --verbose) only.
FILE_ONLY: Mapping[str, object] = {"file_only": True}
FILE_FORMAT = "%(asctime)s {program}[%(process)d] %(levelname)s %(name)s: %(message)s"
STDERR_FORMAT = "%(levelname)s %(name)s: %(message)s"


def log_dir(env: Mapping[str, str] | None = None) -> Path:
    """``RECEPTIONIST_LOG_DIR``, or the platform's log folder for the current user."""
    env = os.environ if env is None else env
    if env.get(ENV):
        return Path(env[ENV]).expanduser()
    linux = os.name != "nt" and sys.platform != "darwin"  # named as the data folder is
    return Path(platformdirs.user_log_dir("receptionist" if linux else "Receptionist", False))


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A rotating file made (and remade at each rotation) readable by its owner only;
    a log that cannot be written is dropped quietly rather than disturb the work."""

    def _open(self) -> TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        if os.name == "posix":
            os.fchmod(fd, 0o600)  # the file may have existed with another mode
        return open(fd, "a", encoding=self.encoding, errors=self.errors)

    def handleError(self, record: logging.LogRecord) -> None:
        pass


class _NotFileOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "file_only", False)


def _file_handler(program: str, env: Mapping[str, str] | None) -> logging.Handler | None:
    folder = log_dir(env)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handler = PrivateRotatingFileHandler(
            folder / f"{program}.log", maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError:
        return None  # a read-only or full disk: work on without a log file
    handler.setFormatter(logging.Formatter(FILE_FORMAT.format(program=program)))
    return handler


@contextmanager
def logging_for(
    program: str, *, verbose: bool = False, env: Mapping[str, str] | None = None
) -> Iterator[Path | None]:
    """Log ``program``'s run (``"cli"`` or ``"app"``) to its file and to stderr, for
    the length of the block; yields the file, or None when it cannot be written."""
    logger = logging.getLogger(LOGGER)
    file = _file_handler(program, env)
    handlers: list[logging.Handler] = [] if file is None else [file]
    if sys.stderr is not None:  # None in a windowed app started without a console
        stderr = logging.StreamHandler(sys.stderr)
        stderr.setFormatter(logging.Formatter(STDERR_FORMAT))
        stderr.setLevel(logging.DEBUG if verbose else logging.WARNING)
        if file is not None and not verbose:
            stderr.addFilter(_NotFileOnly())
        handlers.append(stderr)
    level = logger.level
    logger.setLevel(logging.INFO)
    for handler in handlers:
        logger.addHandler(handler)
    try:
        yield Path(file.baseFilename) if isinstance(file, RotatingFileHandler) else None
    finally:
        for handler in handlers:
            logger.removeHandler(handler)
            handler.close()
        logger.setLevel(level)
