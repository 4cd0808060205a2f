"""Answers to requests the endpoint refuses: ``{"error": code, "message": sentence}``.

The code is what a PC acts on (and words in its own language); the sentence is for a
person reading a log. Neither carries anything a request sent (no record, no name):
a field is named by its place in the body. A refusal raised inside a transaction
rolls it back, so a refused request writes nothing.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from receptionist.errors import NotFound, UserError
from receptionist.safelog import describe
from receptionist.texts import QT_TRANSLATE_NOOP, Text

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A refusal: HTTP ``status``, a stable ``code``, a sentence, and extra fields."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def response(self) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if self.status == 401 else None
        body = {"error": self.code, "message": str(self.message), **self.extra}
        return JSONResponse(body, status_code=self.status, headers=headers)


def bad_request(where: str, problem: str) -> ApiError:
    return ApiError(
        400,
        "bad_request",
        Text(
            QT_TRANSLATE_NOOP("core", "The request's {where} is wrong: {problem}."),
            where=where,
            problem=problem.rstrip("."),
        ),
    )


def unknown_entity(where: str) -> ApiError:
    return ApiError(
        400,
        "unknown_entity",
        Text(
            QT_TRANSLATE_NOOP(
                "core", "The request's {where} names a kind of record the endpoint does not keep."
            ),
            where=where,
        ),
    )


def not_found(what: str) -> ApiError:
    return ApiError(
        404,
        "not_found",
        Text(
            QT_TRANSLATE_NOOP("core", "This clinic has no such {what} on the endpoint."),
            what=what,
        ),
    )


def unauthorized() -> ApiError:
    return ApiError(
        401,
        "unauthorized",
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The request carries no device token the endpoint knows; join this PC "
                "to the clinic again.",
            )
        ),
    )


def revoked() -> ApiError:
    return ApiError(
        401,
        "revoked",
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "This PC was removed from the clinic's endpoint; an admin can invite it again.",
            )
        ),
    )


def code_refused(code: str, what: str) -> ApiError:
    """A connect code or an invitation that is unknown, used or expired."""
    templates = {
        "unknown_code": QT_TRANSLATE_NOOP(
            "core", "The endpoint knows no such {what}; check it, or ask for a new one."
        ),
        "used": QT_TRANSLATE_NOOP("core", "This {what} was used already; ask for a new one."),
        "expired": QT_TRANSLATE_NOOP("core", "This {what} has expired; ask for a new one."),
    }
    return ApiError(401, code, Text(templates[code], what=what))


def install(app: FastAPI) -> None:
    """Every refusal, FastAPI's and Starlette's own included, in the one shape."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(UserError, _user_error)
    app.add_exception_handler(Exception, _bug)


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _invalid(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(error.get("type") == "json_invalid" or _not_json(error) for error in errors):
        return ApiError(
            400,
            "malformed_json",
            Text(QT_TRANSLATE_NOOP("core", "The request's body is not well-formed JSON.")),
        ).response()
    first = errors[0] if errors else {}
    place = [str(part) for part in first.get("loc", ()) if part != "body"]
    return bad_request(".".join(place) or "body", str(first.get("msg", "invalid"))).response()


def _not_json(error: Any) -> bool:
    """A body FastAPI did not parse (sent without a JSON content type) that is no JSON."""
    raw = error.get("input")
    if tuple(error.get("loc", ())) != ("body",) or not isinstance(raw, bytes | str):
        return False
    try:
        json.loads(raw)
    except ValueError:
        return True
    return False


async def _http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 413:
        return too_large().response()
    if exc.status_code == 405:
        sentence = QT_TRANSLATE_NOOP("core", "This address does not take that method.")
        return ApiError(405, "method_not_allowed", Text(sentence)).response()
    if exc.status_code == 404:
        sentence = QT_TRANSLATE_NOOP("core", "The endpoint has nothing at this address.")
        return ApiError(404, "not_found", Text(sentence)).response()
    sentence = QT_TRANSLATE_NOOP("core", "The endpoint refused the request.")
    return ApiError(exc.status_code, "refused", Text(sentence)).response()


def too_large() -> ApiError:
    return ApiError(
        413,
        "too_large",
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The request's body is larger than the endpoint takes; send fewer "
                "changes at a time.",
            )
        ),
    )


async def _user_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, UserError)
    if isinstance(exc, NotFound):
        return ApiError(404, "not_found", str(exc)).response()
    field = getattr(exc, "field", None) or "body"
    return ApiError(400, "bad_request", str(exc), field=field).response()


async def _bug(_request: Request, exc: Exception) -> JSONResponse:
    log.error("endpoint bug: %s", describe(exc))
    sentence = QT_TRANSLATE_NOOP(
        "core", "The endpoint failed to answer this request; try it again later."
    )
    return ApiError(500, "internal", Text(sentence)).response()
