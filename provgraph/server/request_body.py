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
    stream = request.environ["wsgi.input"]
    if request.content_length is None and len(raw) >= limit and stream.read(1):
        _drain(stream, DRAIN_BYTES)
        raise ApiError(413, too_large_message(limit))
    return raw


#: How much of an oversized chunked body is still read (and dropped) before the 413 is sent.
DRAIN_BYTES = 1024 * 1024


def _drain(stream, most: int) -> None:
    # Closing with the client's bytes unread resets the connection, and a client still sending
    # then gets a broken pipe instead of the 413; a modest overrun is read to the end (as web
    # servers' lingering close does), a huge one is not.
    while most > 0:
        block = stream.read(min(65536, most))
        if not block:
            return
        most -= len(block)


def too_large_message(limit: int) -> str:
    return f"request body larger than the limit of {limit} bytes"
