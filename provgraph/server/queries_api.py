"""The canned regulator queries over HTTP.

``GET /api/v1/queries`` lists them: name, title, question, typed parameters, columns.
``GET /api/v1/queries/NAME?param=value…`` or ``POST`` with a JSON object (or a form) of parameters
runs one; parameters are bound as typed terms (:meth:`provgraph.queries.CannedQuery.bind`), never
pasted into the text. The answer is SPARQL 1.1 Results JSON, or CSV when ``Accept: text/csv`` or
``format=csv`` (``format`` is not a parameter name of any query). Unknown query: 404; missing or
ill-typed parameter: 400; limits as for ``/sparql``.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, json, request, url_for

from ..errors import QueryError
from ..formatting import render
from ..graph import QueryResult
from ..queries import CannedQuery
from .engine import Engine
from .errors import ApiError

blueprint = Blueprint("queries", __name__)
FORMATS = {"json": "application/sparql-results+json", "csv": "text/csv"}


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
    if name not in catalogue:
        raise ApiError(404, f"no canned query {name!r}; known: {', '.join(catalogue)}")
    params = _parameters()
    fmt = params.pop("format", None) or ("csv" if request.accept_mimetypes.best_match(list(FORMATS.values())) == "text/csv" else "json")
    if fmt not in FORMATS:
        raise ApiError(400, f"format {fmt!r} is not offered; use json or csv")
    try:
        text = catalogue[name].bind(params)
    except QueryError as exc:
        raise ApiError(400, str(exc), code="bad-parameter") from None
    engine: Engine = current_app.config["ENGINE"]
    answer = engine.run(text)
    body = render(QueryResult(answer.columns, answer.rows, answer.truncated), fmt)
    response = Response(body, content_type=f"{FORMATS[fmt]}; charset=utf-8")
    response.vary.add("Accept")
    if answer.truncated:
        response.headers["Provgraph-Truncated"] = "true"
    return response


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
