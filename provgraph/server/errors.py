"""The one JSON error shape of the HTTP service, for every 4xx and 5xx it answers::

    {"error": {"status": 400, "code": "malformed-query", "message": "…", "details": [ … ]}}

``status`` repeats the HTTP status; ``code`` is a stable machine-readable word (listed in
:data:`CODES`); ``message`` is for people; ``details`` is a list, empty or holding objects such
as ``{"line": 1, "column": 25}`` for a SPARQL syntax error or ``{"source", "record", "field",
"message"}`` for each rejected OpenLineage record. ``tests/test_server_errors.py`` pins it.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException

from ..errors import InputRejected, RecordProblem

CODES = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    408: "query-timeout",
    413: "too-large",
    415: "unsupported-media-type",
    500: "internal-error",
    503: "unavailable",
}


class ApiError(Exception):
    """An HTTP error answered in the JSON error shape; ``code`` defaults from the status."""

    def __init__(self, status: int, message: str, *, code: str | None = None, details: list[dict] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message
        self.details = details or []
        self.headers = headers or {}


def problems_as_details(problems: list[RecordProblem]) -> list[dict[str, Any]]:
    return [{"source": p.source, "record": p.record, "field": p.field, "message": p.message} for p in problems]


def rejected(exc: InputRejected) -> ApiError:
    return ApiError(400, f"input rejected, nothing was stored ({len(exc.problems)} problem(s))", code="input-rejected",
                    details=problems_as_details(exc.problems))


def error_response(error: ApiError) -> Response:
    body = {"error": {"status": error.status, "code": error.code, "message": error.message, "details": error.details}}
    response = Response(json.dumps(body, ensure_ascii=False), status=error.status, mimetype="application/json")
    response.headers.update(error.headers)
    return response


def install(app: Flask) -> None:
    """Answer every error of ``app`` — ours, werkzeug's (404, 405, 413 …) and unexpected ones — in the shape."""

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        message = error.description or error.name
        if status == 413:
            message = f"request body larger than the limit of {app.config['PROVGRAPH'].max_request_bytes} bytes"  # as request_body
        valid = getattr(error, "valid_methods", None)
        headers = {"Allow": ", ".join(valid)} if valid else {}
        return error_response(ApiError(status, message, headers=headers))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        app.logger.exception("unexpected error")
        return error_response(ApiError(500, f"internal error: {type(error).__name__}"))
