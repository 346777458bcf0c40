"""The canned-query catalogue: ``queries/*.rq`` files, their headers, typed parameters, and results.

A canned query opens with a comment header::

    # title: Runs of a job
    # question: Which runs did this job have, in what state, reading and writing which versions?
    # param: namespace (string, required): the job's OpenLineage namespace
    # param: since (dateTime, default 1970-01-01T00:00:00Z): window start, UTC
    # columns: run, state, started, ended

and marks with ``#@parameters`` each place (inside a group) where the parameter bindings go.
Parameters are bound as a ``VALUES`` block built from typed RDF terms — never pasted into the
query text — with ``UNDEF`` for an optional parameter left out. Parameter types: ``string``,
``iri``, ``dateTime`` (ISO 8601; no offset means UTC), ``date``, ``integer``, ``boolean``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode

from .errors import QueryError
from .importers.fields import xsd_datetime
from .vocab import XSD

QUERY_DIR = Path(__file__).resolve().parent.parent / "queries"
PLACEHOLDER = "#@parameters"
_HEADER = re.compile(r"^#\s*(title|question|param|columns|example)\s*:\s*(.*)$")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\((?P<type>\w+)\s*(?:,\s*(?P<mode>required|optional|default\s+(?P<default>[^)]*)))?\)\s*(?::\s*(?P<doc>.*))?$")
TYPES = ("string", "iri", "dateTime", "date", "integer", "boolean")


@dataclass(frozen=True)
class Parameter:
    """One declared parameter: its SPARQL variable is ``?<name>``."""

    name: str
    type: str
    required: bool
    default: str | None
    doc: str

    def term(self, value: Any) -> NamedNode | Literal:
        """The typed RDF term for ``value``; raises :class:`QueryError` when it does not fit."""
        try:
            return _to_term(self.type, value)
        except (ValueError, TypeError) as exc:
            raise QueryError(f"parameter {self.name!r} expects {self.type}: {exc}") from None


@dataclass(frozen=True)
class CannedQuery:
    """A named query of the catalogue, as read from ``queries/<name>.rq``."""

    name: str
    title: str
    question: str
    parameters: tuple[Parameter, ...]
    columns: tuple[str, ...]
    text: str
    path: Path
    examples: tuple[str, ...] = field(default=())

    def bind(self, params: dict[str, Any]) -> str:
        """The query text with its ``VALUES`` block(s) in place.

        ``params`` maps parameter names to Python values (``str``, ``datetime``, ``bool``…) or
        strings to parse. Raises :class:`QueryError` for an unknown, missing or ill-typed one."""
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise QueryError(f"query {self.name!r} has no parameter {', '.join(unknown)}; it takes: {', '.join(known) or 'none'}")
        terms = []
        for p in self.parameters:
            value = params.get(p.name)
            if value is None or value == "":
                if p.required:
                    raise QueryError(f"query {self.name!r} needs parameter {p.name!r} ({p.type}): {p.doc}")
                value = p.default
            terms.append("UNDEF" if value in (None, "") else str(p.term(value)))
        if not self.parameters:
            return self.text
        block = f"VALUES ({' '.join('?' + p.name for p in self.parameters)}) {{ ({' '.join(terms)}) }}"
        return self.text.replace(PLACEHOLDER, block)


def _to_term(kind: str, value: Any) -> NamedNode | Literal:
    if kind == "string":
        return Literal(str(value))
    if kind == "iri":
        return NamedNode(str(value))
    if kind == "integer":
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not an integer")
        return Literal(str(int(value)), datatype=XSD.integer)
    if kind == "boolean":
        if isinstance(value, bool):
            return Literal("true" if value else "false", datatype=XSD.boolean)
        text = str(value).strip().lower()
        if text not in ("true", "false", "1", "0", "yes", "no"):
            raise ValueError(f"{value!r} is not true or false")
        return Literal("true" if text in ("true", "1", "yes") else "false", datatype=XSD.boolean)
    if kind == "date":
        moment = value if isinstance(value, date) else date.fromisoformat(str(value))
        return Literal(moment.isoformat(), datatype=XSD.date)
    if kind == "dateTime":
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, date):
            moment = datetime(value.year, value.month, value.day)
        else:
            moment = datetime.fromisoformat(str(value).strip().replace("z", "Z"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return Literal(xsd_datetime(moment), datatype=XSD.dateTime)
    raise ValueError(f"unknown parameter type {kind!r}")


def parse_query_file(path: Path) -> CannedQuery:
    """Read one ``.rq`` file and its header. Raises :class:`QueryError` for a malformed header."""
    text = path.read_text(encoding="utf-8")
    meta: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match:
            meta.setdefault(match.group(1), []).append(match.group(2).strip())
    params = []
    for spec in meta.get("param", []):
        m = _PARAM.match(spec)
        if not m or m.group("type") not in TYPES:
            raise QueryError(f"{path}: malformed parameter line {spec!r}; expected 'name (type, required|optional|default V): doc' with type one of {', '.join(TYPES)}")
        mode = m.group("mode") or "optional"
        params.append(Parameter(m.group("name"), m.group("type"), mode == "required",
                                m.group("default").strip() if m.group("default") else None, (m.group("doc") or "").strip()))
    if params and PLACEHOLDER not in text:
        raise QueryError(f"{path}: declares parameters but has no {PLACEHOLDER} line")
    if "title" not in meta:
        raise QueryError(f"{path}: header has no '# title:' line")
    columns = tuple(c.strip() for c in ",".join(meta.get("columns", [])).split(",") if c.strip())
    return CannedQuery(path.stem, meta["title"][0], " ".join(meta.get("question", [])), tuple(params), columns, text, path,
                       tuple(meta.get("example", [])))


def load_catalogue(directory: Path = QUERY_DIR) -> dict[str, CannedQuery]:
    """Every ``*.rq`` file of ``directory`` by name (file stem), sorted. Parsed again only when
    a file was added, removed or changed (by name, size and modification time) since the last
    call for ``directory``: a canned query from the Python API no longer re-reads them all."""
    files = sorted(directory.glob("*.rq"))
    signature = tuple((p.name, st.st_mtime_ns, st.st_size) for p in files for st in (p.stat(),))
    cached = _CATALOGUES.get(directory)
    if cached is None or cached[0] != signature:
        cached = (signature, {q.name: q for q in (parse_query_file(p) for p in files)})
        _CATALOGUES[directory] = cached
    return dict(cached[1])


_CATALOGUES: dict[Path, tuple[tuple, dict[str, CannedQuery]]] = {}
