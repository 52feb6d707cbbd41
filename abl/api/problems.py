"""Errors as RFC 9457 problem details (`application/problem+json`).

`{"type", "title", "status", "detail", "errors": [{"field", "message"}]}`: `detail` is the
message the page shows (a service's `Refused` carries it), `errors` names the field or row.
Every answer here is `Cache-Control: private, no-store`, like every signed-in page.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.cache import patch_cache_control
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from abl.services.errors import Refused

CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://abl-desk.invalid/problems/"  # documented in docs/api.md, "Errors"

TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    429: "Too many requests",
}
SLUGS = {
    400: "bad-request",
    401: "not-signed-in",
    403: "not-allowed",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    429: "throttled",
}


class Problem(exceptions.APIException):
    """A problem raised by the API itself (a missing Idempotency-Key, a key reused)."""

    def __init__(self, status_code: int, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.field = field


def problem_response(
    status_code: int,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    *,
    kind: str | None = None,
) -> Response:
    body = {
        "type": TYPE_BASE + (kind or SLUGS.get(status_code, "error")),
        "title": "Refused" if kind == "refused" else TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
        "errors": errors if errors is not None else [{"field": None, "message": detail}],
    }
    response = Response(body, status=status_code, headers=headers, content_type=CONTENT_TYPE)
    patch_cache_control(response, private=True, no_store=True)
    return response


def refused(error: Refused) -> Response:
    """A service's refusal: 400 as the page answers, its message word for word, its field."""
    message = str(error)
    return problem_response(
        status.HTTP_400_BAD_REQUEST,
        message,
        [{"field": error.field, "message": message}],
        kind="refused",
    )


def _field_errors(data: Any, prefix: str = "") -> list[dict[str, Any]]:
    """A serializer's errors, flattened: `{"field": "amount", "message": …}`, rows as `rows.3.x`."""
    if isinstance(data, dict):
        out = []
        for name, value in data.items():
            field = None if name == "non_field_errors" else f"{prefix}{name}"
            out += _field_errors(value, f"{field}." if field else prefix)
        return out
    if isinstance(data, list):
        if all(not isinstance(item, (dict, list)) for item in data):
            field = prefix.rstrip(".") or None
            return [{"field": field, "message": str(item)} for item in data]
        out = []
        for index, item in enumerate(data):
            out += _field_errors(item, f"{prefix}{index}.")
        return out
    return [{"field": prefix.rstrip(".") or None, "message": str(data)}]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Refused):
        return refused(exc)
    if isinstance(exc, Problem):
        return problem_response(
            exc.status_code, str(exc.detail), [{"field": exc.field, "message": str(exc.detail)}]
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    headers = {
        name: value
        for name, value in response.headers.items()
        if name in {"WWW-Authenticate", "Retry-After", "Allow"}
    }
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        detail = "; ".join(
            f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors
        )
        return problem_response(response.status_code, detail, errors, headers)
    detail = str(getattr(exc, "detail", "")) or TITLES.get(response.status_code, "Error")
    return problem_response(response.status_code, detail, None, headers)
