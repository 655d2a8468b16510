"""One error body for the whole API: {"error": {"code", "message", "details"}}; never a stack trace."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
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
