"""The canned regulator queries over HTTP.

``GET /api/v1/queries`` lists them: name, title, question, typed parameters, columns.
``GET /api/v1/queries/NAME?param=value…`` or ``POST`` with a JSON object (or a form) of parameters
runs one; parameters are bound as typed terms (:meth:`provgraph.queries.CannedQuery.bind`), never
pasted into the text. The answer is SPARQL 1.1 Query Results JSON, or SPARQL 1.1 Query Results
CSV when ``Accept: text/csv`` or ``format=csv`` (``format`` is not a parameter name of any query),
written by Oxigraph (:meth:`.Engine.run_serialized`). Unknown query: 404; missing or ill-typed parameter: 400;
limits as for ``/sparql``. :func:`answer` is the operation; the Flask route calls it.
"""

from __future__ import annotations

import functools

from flask import Blueprint, Response, current_app, json, request, url_for
from pyoxigraph import QueryResultsFormat
from werkzeug.datastructures import MIMEAccept

from ..errors import QueryError
from ..queries import CannedQuery
from .engine import Engine
from .errors import ApiError
from .results import negotiate, render

blueprint = Blueprint("queries", __name__)
FORMATS = {"json": "application/sparql-results+json", "csv": "text/csv"}
_NATIVE = {"json": QueryResultsFormat.JSON, "csv": QueryResultsFormat.CSV}
_FORMAT_OF = {media_type: name for name, media_type in FORMATS.items()}


@blueprint.route("/api/v1/queries", methods=["GET"])
def list_queries() -> Response:
    catalogue: dict[str, CannedQuery] = current_app.config["CATALOGUE"]
    items = [{
        "name": q.name, "title": q.title, "question": q.question, "columns": list(q.columns),
        "parameters": [{"name": p.name, "type": p.type, "required": p.required, "default": p.default, "doc": p.doc}
                       for p in q.parameters],
        "url": url_for("queries.run_query", name=q.name, _external=True),
    } for q in catalogue.values()]
    return Response(json.dumps({"queries": items}, ensure_ascii=False), mimetype="application/json")


@blueprint.route("/api/v1/queries/<name>", methods=["GET", "POST"])
def run_query(name: str) -> Response:
    catalogue: dict[str, CannedQuery] = current_app.config["CATALOGUE"]
    if name not in catalogue:  # before the parameters are read: an unknown query is a 404 whatever the body
        raise _unknown(name, catalogue)
    body, content_type, truncated = answer(catalogue, current_app.config["ENGINE"], name, _parameters(),
                                           request.accept_mimetypes)
    response = Response(body, content_type=content_type)
    response.vary.add("Accept")
    if truncated:
        response.headers["Provgraph-Truncated"] = "true"
    return response


def answer(catalogue: dict[str, CannedQuery], engine: Engine, name: str, params: dict, accept: MIMEAccept) -> tuple[bytes, str, bool]:
    """Run canned query ``name`` with ``params`` (parameter name -> value; ``format`` picks json or
    csv, otherwise ``accept`` does): ``(body, content type, truncated)``. Raises :class:`ApiError`
    404 for an unknown query, 400 for a bad parameter or format, and as :meth:`Engine.run` does."""
    if name not in catalogue:
        raise _unknown(name, catalogue)
    params = dict(params)
    fmt = params.pop("format", None) or _format_accepted(accept)
    if fmt not in FORMATS:
        raise ApiError(400, f"format {fmt!r} is not offered; use json or csv")
    query = catalogue[name]
    try:
        text = query.bind(params)
    except QueryError as exc:
        raise ApiError(400, str(exc), code="bad-parameter") from None
    content_type = f"{FORMATS[fmt]}; charset=utf-8"
    native = engine.run_serialized(text, _NATIVE[fmt], known_as=name)
    if native is not None:
        return native[0], content_type, native[1]
    answered = engine.run(text)  # a query Oxigraph cannot cut at the row limit: rows collected in Python
    body, _ = render(answered, MIMEAccept([(FORMATS[fmt], 1)]))
    return body, content_type, answered.truncated


def _unknown(name: str, catalogue: dict[str, CannedQuery]) -> ApiError:
    return ApiError(404, f"no canned query {name!r}; known: {', '.join(catalogue)}")


@functools.lru_cache(maxsize=64)
def _format_accepted(accept: MIMEAccept) -> str:
    return _FORMAT_OF[negotiate(accept, _FORMAT_OF)]


def _parameters() -> dict:
    params = {k: v for k, v in request.args.items()}
    if request.method == "POST":
        if request.mimetype == "application/json":
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                raise ApiError(400, "POST the parameters as one JSON object, e.g. {\"namespace\": \"…\"}")
            params.update(body)
        else:
            params.update(request.form.to_dict())
    return params
