"""Errors the user can cause (shown as a message) versus bugs (crash dialog + log)."""

from __future__ import annotations


class TipdeskError(Exception):
    """Base class of every tipdesk error."""


class UserError(TipdeskError):
    """Bad input or a known condition: shown to the user as a translated one-line message.

    ``code`` is a stable, language-independent identifier (for the CLI's --json and tests).
    """

    def __init__(self, message: str, code: str = "user_error") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


class PermissionDenied(UserError):
    def __init__(self, message: str, code: str = "permission_denied") -> None:
        super().__init__(message, code)


class NotFound(UserError):
    def __init__(self, message: str, code: str = "not_found") -> None:
        super().__init__(message, code)


class ValidationError(UserError):
    """One or more fields are invalid; ``fields`` maps field name to message."""

    def __init__(self, message: str, fields: dict[str, str] | None = None, code: str = "invalid") -> None:
        super().__init__(message, code)
        self.fields = dict(fields or {})


class StorageError(UserError):
    """Known storage conditions: wrong key, not a database, corrupt, read-only, disk full, locked."""

    def __init__(self, message: str, code: str = "storage") -> None:
        super().__init__(message, code)


class BugError(TipdeskError):
    """Something that should never happen: goes to the crash dialog and the log."""
