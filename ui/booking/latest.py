"""A query that is asked again and again (typeahead, free times): only the newest answer counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtCore import QObject

from receptionist.store.storage import Database

from ..tasks import DbOp, TaskManager

T = TypeVar("T")


class Latest(Generic[T]):
    """Runs on the database worker; an answer overtaken by a newer question is dropped."""

    def __init__(
        self,
        tasks: TaskManager,
        owner: QObject,
        on_result: Callable[[T], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        self._tasks = tasks
        self._owner = owner
        self._on_result = on_result
        self._on_error = on_error
        self._asked = 0
        self._answered = 0

    def ask(self, op: Callable[[Database], T]) -> None:
        self._asked += 1
        number = self._asked
        run = DbOp(self._tasks, op, self._owner)
        run.success(lambda r: self._answer(number, r)).failure(lambda e: self._fail(number, e))
        run.run()

    def forget(self) -> None:
        """Drop whatever is still in flight."""
        self._asked += 1
        self._answered = self._asked

    def busy(self) -> bool:
        return self._answered < self._asked

    def _answer(self, number: int, result: T) -> None:
        if number == self._asked:
            self._answered = number
            self._on_result(result)

    def _fail(self, number: int, exc: BaseException) -> None:
        if number == self._asked:
            self._answered = number
            self._on_error(exc)
