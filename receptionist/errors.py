"""Exceptions whose message is meant for a person, versus bugs.

Every message here is one plain sentence that says what was wrong and what to do.
Messages never carry patient data: they name fields and entity kinds, not values.
A message may be a :class:`receptionist.texts.Text` (its ``str`` is the English
sentence), so the desktop app can show it in the user's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class ReceptionistError(Exception):
    """Base of errors whose ``str()`` is safe and useful to show a user."""

    exit_code = 1


class UserError(ReceptionistError):
    """The input was wrong; nothing was changed."""

    exit_code = 2


class ValidationError(UserError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFound(UserError):
    """``field``, when given, is the input that named the missing thing."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Ambiguous(UserError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PermissionDenied(UserError):
    pass


class IllegalTransition(UserError):
    pass


class ConflictError(UserError):
    """A booking clashes with the schedule; ``conflicts`` lists the reasons."""

    def __init__(self, message: str, conflicts: Sequence[Any]) -> None:
        super().__init__(message)
        self.conflicts = list(conflicts)


class DuplicatePatient(UserError):
    """A likely duplicate exists; ``matches`` holds the existing patient ids."""

    def __init__(self, message: str, matches: Sequence[str]) -> None:
        super().__init__(message)
        self.matches = list(matches)


class UnlockError(ReceptionistError):
    """Wrong key, passphrase or recovery code, or no way to get the key."""

    exit_code = 3


class NotOurFile(ReceptionistError):
    """The file is not a Receptionist database or key file, or it is damaged."""

    exit_code = 3


class Damaged(NotOurFile):
    """The clinic file is damaged (a page fails its check, the file is truncated or is
    not a file); nothing more is written to it. ``receptionist.store.storage`` raises it
    with the one sentence people are told."""


class DiskFull(ReceptionistError):
    """The disk cannot hold what a step has to write; nothing was changed."""


class Busy(ReceptionistError):
    """Another program held the database's write lock past the busy timeout."""

    exit_code = 3


class InstanceLocked(ReceptionistError):
    """Another copy of the app already runs on this clinic's data."""

    exit_code = 3
