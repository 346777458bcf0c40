"""The SPARQL query operation and the canned queries as bare WSGI, in front of the Flask application.

Why: a point query takes Oxigraph ~80 µs, and Flask's per-request machinery (request and response
objects, routing, context push, header parsing) cost as much again on every query; the issue's
floor is 0.3x the requests/s of ``oxigraph serve``. So ``GET /sparql?query=…`` and a ``POST
/sparql`` form or ``application/sparql-query`` body with a Content-Length are answered here, through
the same functions the Flask route calls (:func:`.sparql.parameters`, :func:`.sparql.answer`), with
the same headers. Everything else — another path or method, the service description, a chunked
or oversized body, a query string that is not ASCII — goes to Flask unchanged, and an error is
answered by the Flask app's own error response, so the JSON error shape is the same either way.

Likewise ``GET /api/v1/queries/NAME?…`` for a known canned query (:func:`.queries_api.answer`):
Flask cost 200–280 µs of each such request in a profile, a tenth of a 2 ms canned ``upstream``.
"""

from __future__ import annotations

import binascii
import functools
import re
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

from flask import Flask
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from .errors import ApiError, error_response
from . import queries_api
from .sparql import FORM, QUERY_TYPE, answer, parameters

PATHS = ("/sparql", "/sparql/")
CANNED = "/api/v1/queries/"
DEFAULT_PORTS = {"http": ":80", "https": ":443"}
_QP_UNSAFE = re.compile(r"[\x00-\x20\x7f]|%(?![0-9A-Fa-f]{2})")


class FastLane:
    """A WSGI application: the query operation of ``/sparql`` itself, the rest by ``flask_app``."""

    def __init__(self, flask_app: Flask):
        self.flask_app = flask_app
        self.wsgi_app = flask_app.wsgi_app
        self.engine = flask_app.config["ENGINE"]
        self.allow_service = flask_app.config["PROVGRAPH"].allow_service
        self.max_request_bytes = flask_app.config["PROVGRAPH"].max_request_bytes
        self.catalogue = flask_app.config["CATALOGUE"]

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path in PATHS and self._takes(environ):
            return self._respond(environ, start_response, self._query)
        if path.startswith(CANNED) and path[len(CANNED):] in self.catalogue and self._takes_canned(environ):
            return self._respond(environ, start_response, self._canned)
        return self.wsgi_app(environ, start_response)

    def _query(self, environ: dict[str, Any]) -> tuple[bytes, str, bool] | None:
        method = environ["REQUEST_METHOD"]
        mimetype, charset = _content_type(environ.get("CONTENT_TYPE", ""))
        args = query_arguments(environ.get("QUERY_STRING", ""))
        params = parameters(args, method, mimetype, charset, lambda: _body(environ))
        return answer(params, method, mimetype, _accept(environ.get("HTTP_ACCEPT", "")), _endpoint_url(environ),
                      self.engine, allow_service=self.allow_service)

    def _canned(self, environ: dict[str, Any]) -> tuple[bytes, str, bool]:
        # request.args.items() in the Flask route: the first value of each parameter
        params = {name: values[0] for name, values in query_arguments(environ.get("QUERY_STRING", "")).items()}
        return queries_api.answer(self.catalogue, self.engine, environ["PATH_INFO"][len(CANNED):], params,
                                  _accept(environ.get("HTTP_ACCEPT", "")))

    def _respond(self, environ: dict[str, Any], start_response: Callable,
                 operation: Callable[[dict[str, Any]], tuple[bytes, str, bool]]) -> Iterable[bytes]:
        try:
            answered = operation(environ)
        except ApiError as error:
            with self.flask_app.app_context():
                return error_response(error)(environ, start_response)
        except Exception as unexpected:  # as Flask's handler for unexpected errors answers it
            with self.flask_app.app_context():
                self.flask_app.logger.exception("unexpected error")
                error = ApiError(500, f"internal error: {type(unexpected).__name__}")
                return error_response(error)(environ, start_response)
        if answered is None:  # a GET without a query: the service description, which Flask answers
            return self.wsgi_app(environ, start_response)
        body, content_type, truncated = answered
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), ("Vary", "Accept")]
        if truncated:
            headers.append(("Provgraph-Truncated", "true"))
        start_response("200 OK", headers)
        return [body]

    @staticmethod
    def _takes_canned(environ: dict[str, Any]) -> bool:
        """Whether this request runs a canned query the way the Flask route would (a GET)."""
        return environ.get("REQUEST_METHOD") == "GET" and _plain(environ)

    def _takes(self, environ: dict[str, Any]) -> bool:
        """Whether this request is a query the lane answers the way Flask would."""
        if not _plain(environ):
            return False
        method = environ.get("REQUEST_METHOD")
        if method == "GET":
            return "query=" in environ.get("QUERY_STRING", "")
        if method != "POST" or "HTTP_TRANSFER_ENCODING" in environ:
            return False
        length = environ.get("CONTENT_LENGTH", "")
        return (length.isdigit() and int(length) <= self.max_request_bytes
                and _content_type(environ.get("CONTENT_TYPE", ""))[0] in (FORM, QUERY_TYPE))


def _plain(environ: dict[str, Any]) -> bool:
    """What every request the lane takes has: a Host header and an ASCII query string (anything
    else Flask decodes its own way)."""
    return "HTTP_HOST" in environ and environ.get("QUERY_STRING", "").isascii()


@functools.lru_cache(maxsize=256)
def query_arguments(query_string: str) -> dict[str, list[str]]:
    """``parse_qs(query_string, keep_blank_values=True)`` for an ASCII query string, decoded in C:
    ``urllib.parse.unquote`` took ~130 µs for a 1 KB query in a profile, a twentieth of that here.
    Percent escapes become quoted-printable escapes for :func:`binascii.a2b_qp`; whitespace or a
    ``%`` without two hex digits (which the two decoders treat differently) go to ``parse_qs``.
    Cached (callers must not change the lists): clients repeat the same query."""
    if _QP_UNSAFE.search(query_string):
        return parse_qs(query_string, keep_blank_values=True)
    arguments: dict[str, list[str]] = {}
    for field in query_string.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        arguments.setdefault(_unquote_plus(name), []).append(_unquote_plus(value))
    return arguments


def _unquote_plus(text: str) -> str:
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    return binascii.a2b_qp(text.replace("=", "=3D").replace("%", "=").encode("ascii")).decode("utf-8", "replace")


@functools.lru_cache(maxsize=256)
def _accept(header: str) -> MIMEAccept:
    return parse_accept_header(header or None, MIMEAccept)


@functools.lru_cache(maxsize=64)
def _content_type(header: str) -> tuple[str, str]:
    """(media type in lower case, charset parameter or utf-8) of a Content-Type header."""
    media_type, _, rest = header.partition(";")
    charset = "utf-8"
    for parameter in rest.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"')
    return media_type.strip().lower(), charset


def _body(environ: dict[str, Any]) -> bytes:
    length = int(environ["CONTENT_LENGTH"])
    return environ["wsgi.input"].read(length) if length else b""


def _endpoint_url(environ: dict[str, Any]) -> str:
    """The request URL without its query, as the Flask route computes it (werkzeug drops a default port)."""
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ["HTTP_HOST"]
    if host.endswith(DEFAULT_PORTS.get(scheme, "\0")):
        host = host[: -len(DEFAULT_PORTS[scheme])]
    return f"{scheme}://{host}{environ.get('SCRIPT_NAME', '').rstrip('/')}{environ['PATH_INFO']}"
