"""Errors a person caused and can fix: each carries the sentence to show, its HTTP status and the form field
(or API key) it belongs to, so a page and the API report it the same way without inspecting it."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a rule that refuses the request; nothing was stored."""

    status: int = 400
    field: str = "detail"

    def __init__(self, message: str, *, field: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return self.message
