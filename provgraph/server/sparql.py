"""The SPARQL 1.1 Protocol endpoint at ``/sparql`` (W3C Recommendation, 21 March 2013), read-only.

- §2.1 query operation: ``GET ?query=``, ``POST`` form-encoded (``query=``) and ``POST
  application/sparql-query`` (UTF-8); ``default-graph-uri`` and ``named-graph-uri`` (repeatable)
  make the RDF dataset, which otherwise has the union of all graphs as its default graph.
- Results by content negotiation (see :mod:`provgraph.server.results`).
- ``GET /sparql`` with no query answers a SPARQL 1.1 Service Description.
- Refused: the update operation (§2.2; 403), ``SERVICE`` unless the ``allow_service`` setting is on
  (it lets a caller make the server fetch any URL; 403), a malformed query (400 with line and
  column), several ``query`` parameters or a wrong media type (400/415).

:func:`parameters` and :func:`answer` are the operation itself; the Flask route below and the
bare-WSGI :mod:`provgraph.server.fast_lane` (which takes most queries) both call them.
"""

from __future__ import annotations

import functools
import re
from typing import Callable
from urllib.parse import parse_qs

import pyoxigraph
from flask import Blueprint, Response, current_app, request
from pyoxigraph import Literal, NamedNode, Triple
from werkzeug.datastructures import MIMEAccept

from .engine import _OPAQUE, Engine, is_select
from .errors import ApiError
from .request_body import read_limited
from .results import GRAPH_TYPES, RESULT_TYPES, negotiate, negotiated, render, with_charset

blueprint = Blueprint("sparql", __name__)

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"

_SERVICE = re.compile(r"(?<![\w:?$])SERVICE(?![\w:-])", re.IGNORECASE)
_UPDATE = re.compile(r"^\s*(?:(?:PREFIX\s+[\w.-]*:\s*|BASE\s*)<>\s*)*(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
                     re.IGNORECASE)


@blueprint.route("/sparql", methods=["GET", "POST"])
@blueprint.route("/sparql/", methods=["GET", "POST"])
def sparql() -> Response:
    params = parameters({k: request.args.getlist(k) for k in request.args}, request.method, request.mimetype,
                        request.mimetype_params.get("charset", "utf-8"), read_limited)
    answered = answer(params, request.method, request.mimetype, request.accept_mimetypes, _endpoint_url(),
                      current_app.config["ENGINE"], allow_service=current_app.config["PROVGRAPH"].allow_service)
    if answered is None:
        return service_description()
    body, content_type, truncated = answered
    response = Response(body, content_type=content_type)
    response.vary.add("Accept")
    if truncated:
        response.headers["Provgraph-Truncated"] = "true"
    return response


def answer(params: dict[str, list[str]], method: str, mimetype: str, accept: MIMEAccept, endpoint_url: str,
           engine: Engine, *, allow_service: bool) -> tuple[bytes, str, bool] | None:
    """The query operation (§2.1) on protocol ``params``: ``(body, content type, truncated)``, or
    ``None`` for a GET without a query (answer the service description). Raises :class:`ApiError`
    for a refused, malformed, failed or timed-out query (403, 400, 408, 503)."""
    if "update" in params or mimetype == UPDATE_TYPE:
        raise ApiError(403, "this endpoint is read-only: SPARQL Update is refused", code="update-refused")
    queries = params.get("query", [])
    if not queries:
        if method == "GET":
            return None
        raise ApiError(400, "no query: send it as the 'query' parameter or as an application/sparql-query body")
    if len(queries) > 1:
        raise ApiError(400, f"{len(queries)} 'query' parameters; send exactly one")
    text = queries[0]
    check_read_only(text, allow_service=allow_service)
    dataset = {"default_graph": params.get("default-graph-uri"), "named_graphs": params.get("named-graph-uri"),
               "base_iri": endpoint_url}
    if is_select(text):
        fmt = RESULT_TYPES[negotiated(accept, "select")]
        native = engine.run_serialized(text, fmt, **dataset)
        if native is not None:
            return native[0], with_charset(fmt.media_type), native[1]
    result = engine.run(text, **dataset)
    body, content_type = render(result, accept)
    return body, content_type, result.truncated


def _endpoint_url() -> str:
    # request.base_url converts the whole URL to an IRI: a tenth of a millisecond per request in a profile
    return f"{request.scheme}://{request.host}{request.script_root}{request.path}"


def parameters(args: dict[str, list[str]], method: str, mimetype: str, charset: str,
               read_body: Callable[[], bytes]) -> dict[str, list[str]]:
    """Protocol parameters from the URL (``args``) and, for POST, the body (§2.1.2, §2.1.3).
    Raises :class:`ApiError` 400/415 for a body that is not UTF-8 or of another media type."""
    params = {name: list(values) for name, values in args.items()}
    if method == "GET":
        return params
    raw = read_body()
    if mimetype == FORM:
        try:
            form = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise ApiError(400, "the form body is not UTF-8") from None
        for key, values in form.items():
            params.setdefault(key, []).extend(values)
        return params
    if mimetype == QUERY_TYPE:
        if charset.lower() not in ("utf-8", "utf8"):
            raise ApiError(415, f"an application/sparql-query body must be UTF-8, not {charset}")
        try:
            params.setdefault("query", []).append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ApiError(400, f"the query body is not UTF-8 (byte {exc.start})") from None
        return params
    if mimetype == UPDATE_TYPE:
        return params
    shown = mimetype or "none"
    raise ApiError(415, f"POST a query as {FORM} or {QUERY_TYPE}, not {shown}", code="unsupported-media-type")


def check_read_only(text: str, *, allow_service: bool) -> None:
    """Refuse an update and (unless allowed) ``SERVICE``, with 403. The check blanks strings,
    IRIs and comments first, so a literal or IRI containing the word does not trigger it."""
    update, service = _operations(text)
    if update:
        raise ApiError(403, "this endpoint is read-only: SPARQL Update is refused", code="update-refused")
    if not allow_service and service:
        raise ApiError(403, "SERVICE (federated query) is off on this server: it would let a caller make the server "
                            "fetch any URL; an operator can allow it with the allow_service setting", code="service-refused")


@functools.lru_cache(maxsize=1024)
def _operations(text: str) -> tuple[bool, bool]:
    """(is an update, uses SERVICE); cached: clients repeat the same query text."""
    bare = _OPAQUE.sub(lambda m: "<>" if m.group(0).startswith("<") else " ", text)
    return bool(_UPDATE.match(bare)), bool(_SERVICE.search(bare))


def service_description() -> Response:
    """A SPARQL 1.1 Service Description (W3C Recommendation) of this endpoint, negotiated."""
    endpoint = NamedNode(_endpoint_url())
    service = pyoxigraph.BlankNode()
    dataset = pyoxigraph.BlankNode()

    def sd(term: str) -> NamedNode:
        return NamedNode(SD + term)

    triples = [
        Triple(service, RDF_TYPE, sd("Service")),
        Triple(service, sd("endpoint"), endpoint),
        Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        Triple(service, sd("feature"), sd("BasicFederatedQuery")) if current_app.config["PROVGRAPH"].allow_service else None,
        Triple(service, sd("defaultDataset"), dataset),
        Triple(dataset, RDF_TYPE, sd("Dataset")),
        Triple(service, NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
               Literal("provgraph: lineage as a W3C PROV-O graph; read-only; the default graph is the union of all graphs")),
    ]
    for media in ("http://www.w3.org/ns/formats/SPARQL_Results_JSON", "http://www.w3.org/ns/formats/SPARQL_Results_XML",
                  "http://www.w3.org/ns/formats/SPARQL_Results_CSV", "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
                  "http://www.w3.org/ns/formats/Turtle", "http://www.w3.org/ns/formats/N-Triples",
                  "http://www.w3.org/ns/formats/JSON-LD", "http://www.w3.org/ns/formats/RDF_XML",
                  "http://www.w3.org/ns/formats/TriG"):
        triples.append(Triple(service, sd("resultFormat"), NamedNode(media)))
    media_type = negotiate(request.accept_mimetypes, GRAPH_TYPES)
    body = pyoxigraph.serialize([t for t in triples if t is not None], None, GRAPH_TYPES[media_type], prefixes={"sd": SD})
    response = Response(body, content_type=f"{GRAPH_TYPES[media_type].media_type}; charset=utf-8")
    response.vary.add("Accept")
    return response
