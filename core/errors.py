"""Typed domain errors. Each has a stable code that the dialogs translate into words."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain said no. ``code`` is stable; ``details`` feed the translated text."""

    code = "domain_error"

    def __init__(self, code: str | None = None, **details: Any) -> None:
        self.code = code or type(self).code
        self.details = details
        super().__init__(self.code, details)


class NotFound(DomainError):
    code = "not_found"


class InvalidInput(DomainError):
    code = "invalid_input"


class Forbidden(DomainError):
    code = "forbidden"


class Conflict(DomainError):
    code = "conflict"


class FieldErrors(InvalidInput):
    """Several bad fields at once, each with its message (a form or an API body)."""

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        super().__init__("validation_failed", fields=fields)
