"""The error the fake answers with, in Google's JSON shape."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
}


class ApiError(Exception):
    """A failed call, carried up to the HTTP layer and sent as JSON."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        status: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = (
            status
            if status is not None
            else _STATUS_NAMES.get(code, HTTPStatus(code).name)
        )
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        """Return the response body Google would send for this error."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.status:
            error["status"] = self.status
        error.update(self.extra)
        return {"error": error}


def bad_request(message: str) -> ApiError:
    """Build the 400 INVALID_ARGUMENT error most validation failures use."""
    return ApiError(400, message)


def not_found() -> ApiError:
    """Build the 404 the Sheets API gives for an unknown spreadsheet."""
    return ApiError(404, "Requested entity was not found.")


def permission_denied() -> ApiError:
    """Build the 403 for a spreadsheet not shared with the caller."""
    return ApiError(403, "The caller does not have permission")


def drive_not_found(file_id: str) -> ApiError:
    """Build Drive's 404, which has an ``errors`` list instead of a status."""
    message = f"File not found: {file_id}."
    detail = {
        "message": message,
        "domain": "global",
        "reason": "notFound",
        "location": "fileId",
        "locationType": "parameter",
    }
    return ApiError(404, message, status="", extra={"errors": [detail]})
