"""Serialising an :class:`~provgraph.server.engine.Answer` in the format a client asked for.

SELECT and ASK: SPARQL 1.1 Query Results JSON, XML, CSV and TSV (W3C Recommendations).
CONSTRUCT and DESCRIBE: Turtle, N-Triples, JSON-LD, RDF/XML, TriG. Content negotiation follows
the ``Accept`` header (RFC 9110 §12.5.1, quality values); with no acceptable type, JSON results and
Turtle graphs are sent.
"""

from __future__ import annotations

import functools
import json

import pyoxigraph
from pyoxigraph import QueryResultsFormat, RdfFormat
from werkzeug.datastructures import MIMEAccept

from .. import ids
from ..formatting import json_term
from ..vocab import PREFIXES
from .engine import Answer

RESULT_TYPES = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
    "application/json": QueryResultsFormat.JSON,
    "application/xml": QueryResultsFormat.XML,
}
BOOLEAN_TYPES = {k: v for k, v in RESULT_TYPES.items() if v in (QueryResultsFormat.JSON, QueryResultsFormat.XML)}
GRAPH_TYPES = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/trig": RdfFormat.TRIG,
    "text/plain": RdfFormat.N_TRIPLES,
}
_PREFIXES = {**PREFIXES, **ids.KIND_PREFIXES}
_OFFERED = {"select": RESULT_TYPES, "ask": BOOLEAN_TYPES, "graph": GRAPH_TYPES}


def negotiate(accept: MIMEAccept, offered: dict) -> str:
    """The offered media type the client prefers (ties go to the earlier offered one); the first
    offered one when none is acceptable. A browser's ``application/xml`` gets XML results."""
    return accept.best_match(offered, default=next(iter(offered)))


@functools.lru_cache(maxsize=512)
def negotiated(accept: MIMEAccept, kind: str) -> str:
    """:func:`negotiate` among the media types offered for ``kind`` (select, ask, graph); cached."""
    # werkzeug's best_match took ~80 µs a request in a profile; clients send few distinct Accept headers
    return negotiate(accept, _OFFERED[kind])


def render(answer: Answer, accept: MIMEAccept) -> tuple[bytes, str]:
    """The body and its ``Content-Type`` for ``answer``, negotiated from ``accept``."""
    if answer.kind == "graph":
        media_type = negotiated(accept, "graph")
        body = pyoxigraph.serialize(answer.triples, None, GRAPH_TYPES[media_type], prefixes=_PREFIXES) or b""
        return body, with_charset(GRAPH_TYPES[media_type].media_type)
    offered = _OFFERED[answer.kind]
    media_type = negotiated(accept, answer.kind)
    fmt = offered[media_type]
    if answer.kind == "ask":
        document = {"head": {}, "boolean": answer.boolean}
    else:
        document = {"head": {"vars": answer.columns},
                    "results": {"bindings": [{c: json_term(t) for c, t in zip(answer.columns, row) if t is not None}
                                             for row in answer.rows]}}
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    if fmt != QueryResultsFormat.JSON:
        body = pyoxigraph.parse_query_results(body, QueryResultsFormat.JSON).serialize(format=fmt)
    return body, with_charset(fmt.media_type)


def with_charset(media_type: str) -> str:
    return media_type if "charset" in media_type else f"{media_type}; charset=utf-8"
