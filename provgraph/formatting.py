"""Rendering query results: a text table for people, CSV and SPARQL 1.1 Results JSON for tools."""

from __future__ import annotations

import csv
import io
import json

from pyoxigraph import BlankNode, Literal, NamedNode
from tabulate import tabulate

from . import ids
from .graph import QueryResult
from .vocab import PREFIXES, XSD

RESULT_FORMATS = ("table", "csv", "json")
_COMPACT = sorted({**PREFIXES, **ids.KIND_PREFIXES}.items(), key=lambda kv: -len(kv[1]))


def compact(term) -> str:
    """An IRI as ``prefix:local`` when a known prefix covers it; literals as their value."""
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        for prefix, base in _COMPACT:
            if term.value.startswith(base):
                return f"{prefix}:{term.value[len(base):]}"
        return term.value
    return term.value


def render(result: QueryResult, fmt: str) -> str:
    """``result`` as ``table`` (IRIs compacted), ``csv`` (full IRIs, RFC 4180) or ``json``
    (SPARQL 1.1 Query Results JSON Format)."""
    if fmt == "table":
        text = tabulate([[compact(t) for t in row] for row in result.rows], headers=result.columns, tablefmt="simple")
        note = f"\n({len(result.rows)} row{'s' if len(result.rows) != 1 else ''}{', truncated' if result.truncated else ''})"
        return text + note
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(result.columns)
        for row in result.rows:
            writer.writerow([t.value if t is not None else "" for t in row])
        return buffer.getvalue().rstrip("\n")
    if fmt == "json":
        bindings = [{c: json_term(t) for c, t in zip(result.columns, row) if t is not None} for row in result.rows]
        return json.dumps({"head": {"vars": result.columns}, "results": {"bindings": bindings}}, indent=1, ensure_ascii=False)
    raise ValueError(f"unknown result format {fmt!r}; known: {', '.join(RESULT_FORMATS)}")


def json_term(term) -> dict:
    """One RDF term in the SPARQL 1.1 Query Results JSON Format (§3.2.2); plain strings carry no datatype."""
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        if term.language:
            return {"type": "literal", "value": term.value, "xml:lang": term.language}
        if term.datatype == XSD.string:
            return {"type": "literal", "value": term.value}
        return {"type": "literal", "value": term.value, "datatype": term.datatype.value}
    return {"type": "triple", "value": str(term)}
