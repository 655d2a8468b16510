"""One error body for the whole API: {"error": {"code", "message", "details"}}; never a stack trace."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.errors import UserError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, UserError):
        # A refusal from the services: its own status, under its own field, as a validation error would be.
        set_rollback()
        details: dict[str, Any] | None = {exc.field: [str(exc)]}
        return Response({"error": {"code": "invalid", "message": "The request is not valid.", "details": details}},
                        status=exc.status)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(detail, dict) and "detail" in detail:
        message, details = str(detail["detail"]), None
    elif isinstance(detail, dict):
        message, details = "The request is not valid.", detail
    else:
        message, details = str(detail), None
    code = getattr(exc, "default_code", "error")
    response.data = {"error": {"code": code, "message": message, "details": details}}
    return response
