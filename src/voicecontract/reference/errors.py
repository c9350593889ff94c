"""The reference server's error answers: a status, a sentence, and the offending fields as issues."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from voicecontract.errors import Issue
from voicecontract.spec import pointer


class ApiError(Exception):
    """An error answer: status, a sentence, and the offending fields."""

    def __init__(self, status: int, message: str, issues: list[Issue] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.issues = issues or []

    def body(self) -> dict[str, Any]:
        """The spec's error body: ``statusCode``, ``message``, ``error`` and the issues (``path, code, message``)."""
        try:
            reason = HTTPStatus(self.status).phrase
        except ValueError:
            reason = "Error"
        return {
            "statusCode": self.status,
            "message": self.message,
            "error": reason,
            "issues": [{"path": i.path, "code": i.code, "message": i.message} for i in self.issues],
        }


Where = tuple[str | int, ...]


def bad_request(issues: list[Issue]) -> ApiError:
    """400 listing every offending field."""
    return ApiError(400, "The request is invalid.", issues)


def not_found(what: str, where: Where) -> ApiError:
    """404 for an unknown (or another tenant's) resource, naming the request field."""
    return ApiError(404, f"{what} not found.", [Issue(pointer(*where), "not_found", f"no {what.lower()} with this id")])


def conflict(message: str, code: str, where: Where) -> ApiError:
    """409 for a valid request that conflicts with the current state."""
    return ApiError(409, message, [Issue(pointer(*where), code, message)])
