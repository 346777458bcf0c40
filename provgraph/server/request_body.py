"""Reading a request body within ``max_request_bytes``, also when it comes chunked."""

from __future__ import annotations

from flask import current_app, request

from .errors import ApiError


def read_limited() -> bytes:
    """The raw request body; 413 when it is longer than ``max_request_bytes``.

    Flask refuses a declared ``Content-Length`` over the limit itself. A chunked body has none,
    and werkzeug then stops reading at the limit *without* an error (a silently cut body); so
    when exactly the limit was read, one more byte from the server's stream decides."""
    limit = current_app.config["PROVGRAPH"].max_request_bytes
    raw = request.get_data(cache=False)
    if request.content_length is None and len(raw) >= limit and request.environ["wsgi.input"].read(1):
        raise ApiError(413, too_large_message(limit))
    return raw


def too_large_message(limit: int) -> str:
    return f"request body larger than the limit of {limit} bytes"
