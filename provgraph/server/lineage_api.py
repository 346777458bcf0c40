"""OpenLineage ingest over HTTP, as the OpenLineage HTTP transport and Marquez speak it.

``POST /api/v1/lineage`` takes one event (RunEvent, DatasetEvent or JobEvent) and answers 201;
``POST /api/v1/lineage/batch`` takes a JSON array of events and answers 200 with the summary of
``OpenLineage.yml`` (``postEventBatch``). Bodies may be ``Content-Encoding: gzip``. Each request
is one batch through the same importer and rules as file ingest: validated, whole or not at all
(400 listing every problem with its record index and field), idempotent (the same bytes twice
store nothing new); events of one run sent in several requests merge as they do from files.

Authentication: ``Authorization: Bearer <token>`` with a token from the ``api_tokens`` setting
(``PROVGRAPH_API_TOKENS``) or the ``token_file``; none → 401, a wrong one → 403. With no token
configured, ingest is refused (403) unless the server was started for a local trial with
``allow_unauthenticated_ingest``, which it announces at start-up.
"""

from __future__ import annotations

import hmac
import zlib

from flask import Blueprint, Response, current_app, json, request

from ..errors import InputRejected
from ..sources import Source
from .engine import Engine
from .errors import ApiError, rejected
from .request_body import read_limited

blueprint = Blueprint("lineage", __name__)
SOURCE_NAME = "<http>"


@blueprint.route("/api/v1/lineage", methods=["POST"])
def post_event() -> Response:
    require_token()
    body = read_body()
    if not body.lstrip().startswith(b"{"):
        raise ApiError(400, "expected one OpenLineage event as a JSON object; send arrays to /api/v1/lineage/batch")
    summary = _ingest(body)
    source = summary.sources[0]
    return _json({"status": source.status, "records": source.accepted, "triples": source.triples}, 201)


@blueprint.route("/api/v1/lineage/batch", methods=["POST"])
def post_batch() -> Response:
    require_token()
    body = read_body()
    if not body.lstrip().startswith(b"["):
        raise ApiError(400, "expected a JSON array of OpenLineage events")
    if body.strip(b" \t\r\n[]") == b"":
        return _json({"status": "success", "summary": {"received": 0, "successful": 0, "failed": 0}}, 200)
    summary = _ingest(body)
    source = summary.sources[0]
    received = source.records if source.status == "ingested" else len(json.loads(body))  # already ingested: not re-read
    return _json({"status": "success", "summary": {"received": received, "successful": received, "failed": 0}}, 200)


def _ingest(body: bytes):
    engine: Engine = current_app.config["ENGINE"]
    try:
        return engine.ingest([Source(SOURCE_NAME, body)], format="openlineage")
    except InputRejected as exc:
        raise rejected(exc) from None


def require_token() -> None:
    """Let the request through, or raise 401 (no Bearer token) / 403 (wrong token, or ingest off)."""
    tokens: frozenset[str] = current_app.config["TOKENS"]
    if not tokens:
        if current_app.config["PROVGRAPH"].allow_unauthenticated_ingest:
            return
        raise ApiError(403, "ingest is off: no API token is configured (set PROVGRAPH_API_TOKENS or token_file)",
                       code="ingest-disabled")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "ingest needs 'Authorization: Bearer <token>'", headers={"WWW-Authenticate": 'Bearer realm="provgraph"'})
    given = token.encode()
    if not any(hmac.compare_digest(given, known.encode()) for known in tokens):
        raise ApiError(403, "the Bearer token is not accepted", code="invalid-token")


def read_body() -> bytes:
    """The request body, gunzipped when ``Content-Encoding: gzip``; 413 when it (or what it
    inflates to) exceeds ``max_request_bytes``, 415 for another encoding."""
    limit = current_app.config["PROVGRAPH"].max_request_bytes
    raw = read_limited()
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding in ("identity", ""):
        return raw
    if encoding not in ("gzip", "x-gzip"):
        raise ApiError(415, f"Content-Encoding {encoding!r} is not supported; use gzip or none")
    inflater = zlib.decompressobj(wbits=31)
    try:
        data = inflater.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise ApiError(400, f"the gzip body is corrupt: {exc}") from None
    if len(data) > limit or inflater.unconsumed_tail:
        raise ApiError(413, f"the body inflates to more than the limit of {limit} bytes")
    return data


def _json(document: dict, status: int) -> Response:
    return Response(json.dumps(document), status=status, mimetype="application/json")
