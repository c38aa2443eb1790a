"""Domain errors: raised by services, turned into one error shape by the API and the sockets."""

from typing import Any

INVALID_FIELDS = "Please correct the highlighted fields."


class ApplicationError(Exception):
    """A refusal the caller can act on: a stable code, a message for people, optional field errors."""

    code = "invalid"
    status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.fields = fields or {}
        self.extra = extra or {}


class NotFound(ApplicationError):
    code = "not_found"
    status = 404


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    status = 403


class Conflict(ApplicationError):
    code = "conflict"
    status = 409


class RateLimited(ApplicationError):
    """Too many attempts: the answer carries the whole seconds to wait (body and Retry-After)."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, extra={"retry_after": retry_after})
        self.retry_after = retry_after
