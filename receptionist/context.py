"""Who is acting, from where, and on which clock: handed to every service call."""

from __future__ import annotations

from dataclasses import dataclass, field

from receptionist.clock import Clock, SystemClock
from receptionist.errors import PermissionDenied
from receptionist.roles import Role, can


@dataclass(frozen=True)
class Actor:
    """The signed-in staff user (or the system) on whose behalf a change is made."""

    user_id: str | None
    role: Role
    source: str = "ui"  # ui | cli | sync | scheduler

    def may(self, permission: str) -> bool:
        return can(self.role, permission)


SYSTEM = Actor(user_id=None, role="admin", source="scheduler")


@dataclass
class Ctx:
    actor: Actor
    clock: Clock = field(default_factory=SystemClock)


def require(ctx: Ctx, permission: str, message: str) -> None:
    """Refuse with PermissionDenied(``message``) unless the actor may ``permission``.

    ``message`` is passed on unchanged, so a ``receptionist.texts.Text`` stays one (and
    the app can show it translated).
    """
    if not ctx.actor.may(permission):
        raise PermissionDenied(message)
