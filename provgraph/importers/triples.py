"""A small builder for the triples one record maps to, with typed-literal helpers.

Triples are kept as canonical N-Triples lines (the form ``str(pyoxigraph.Triple) + " ."``)
rather than as pyoxigraph objects: the store then parses them in Rust in one bulk load, and
equal triples are equal strings, so a batch removes its duplicates with a set. Iterating a
:class:`TripleBuffer` still yields :class:`pyoxigraph.Triple` objects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Iterator

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, parse

from ..vocab import RDF_TYPE, XSD
from .fields import xsd_datetime
from .lineage_facts import RecordFacts

_TYPE = str(RDF_TYPE)
_DATETIME = f"^^{XSD.dateTime}"
_INTEGER = f"^^{XSD.integer}"
_TRUE = f'"true"^^{XSD.boolean}'
_FALSE = f'"false"^^{XSD.boolean}'


def line_of(triple: Triple) -> str:
    """The canonical N-Triples line of a pyoxigraph triple."""
    return f"{triple} ."


class TripleBuffer:
    """Triples as N-Triples lines, in order, duplicates allowed.

    Behaves like a list of :class:`pyoxigraph.Triple` for ``len``, iteration, ``append``,
    ``extend`` and ``in``; :meth:`ntriples` gives the text for a bulk load and :meth:`distinct`
    the number of different triples."""

    __slots__ = ("lines",)

    def __init__(self, items: Iterable[Triple | str] = ()) -> None:
        self.lines: list[str] = []
        self.extend(items)

    def append(self, item: Triple | str) -> None:
        self.lines.append(item if isinstance(item, str) else line_of(item))

    def extend(self, items: Iterable[Triple | str]) -> None:
        if isinstance(items, TripleBuffer):
            self.lines.extend(items.lines)
        else:
            self.lines.extend(i if isinstance(i, str) else line_of(i) for i in items)

    def __iadd__(self, items: Iterable[Triple | str]) -> "TripleBuffer":
        self.extend(items)
        return self

    def __len__(self) -> int:
        return len(self.lines)

    def __iter__(self) -> Iterator[Triple]:
        if not self.lines:
            return iter(())
        return (q.triple for q in parse(self.ntriples().encode("utf-8"), RdfFormat.N_TRIPLES))

    def __contains__(self, item: Triple | str) -> bool:
        return (item if isinstance(item, str) else line_of(item)) in set(self.lines)

    def clear(self) -> None:
        self.lines.clear()

    def distinct(self) -> int:
        return len(set(self.lines))

    def ntriples(self) -> str:
        """The distinct triples as N-Triples text, in first-seen order."""
        return "\n".join(dict.fromkeys(self.lines)) + "\n" if self.lines else ""


def distinct_count(triples: Iterable[Triple | str]) -> int:
    """How many different triples a :class:`TripleBuffer` or a list of triples holds."""
    if isinstance(triples, TripleBuffer):
        return triples.distinct()
    return len({t if isinstance(t, str) else line_of(t) for t in triples})


def ntriples_of(triples: Iterable[Triple | str]) -> str:
    """N-Triples text of a :class:`TripleBuffer` or a list of triples (or lines)."""
    if isinstance(triples, TripleBuffer):
        return triples.ntriples()
    return "".join(line + "\n" for line in dict.fromkeys(t if isinstance(t, str) else line_of(t) for t in triples))


class TripleSink:
    """Collects the triples of one record; kept apart until the record is known to be valid."""

    def __init__(self) -> None:
        self.triples = TripleBuffer()
        self._lines = self.triples.lines
        #: What derive needs from this record (see :mod:`.lineage_facts`), kept with its triples.
        self.facts = RecordFacts()

    def add(self, subject: NamedNode, predicate: NamedNode, obj: NamedNode | Literal | None) -> None:
        if obj is not None:
            self._lines.append(f"{subject} {predicate} {obj} .")

    def types(self, subject: NamedNode, *classes: NamedNode) -> None:
        for cls in classes:
            self._lines.append(f"{subject} {_TYPE} {cls} .")

    def text(self, subject: NamedNode, predicate: NamedNode, value: str | None) -> None:
        if value is not None and value != "":
            self._lines.append(f"{subject} {predicate} {Literal(value)} .")

    def time(self, subject: NamedNode, predicate: NamedNode, value: datetime | None) -> None:
        if value is not None:
            self._lines.append(f'{subject} {predicate} "{xsd_datetime(value)}"{_DATETIME} .')

    def integer(self, subject: NamedNode, predicate: NamedNode, value: int | None) -> None:
        if value is not None:
            self._lines.append(f'{subject} {predicate} "{int(value)}"{_INTEGER} .')

    def boolean(self, subject: NamedNode, predicate: NamedNode, value: bool | None) -> None:
        if value is not None:
            self._lines.append(f"{subject} {predicate} {_TRUE if value else _FALSE} .")

    def lines(self, lines: Iterable[str]) -> None:
        """Append ready-made N-Triples lines (a replay of lines made earlier by this class)."""
        self._lines.extend(lines)


def datetime_literal(value: datetime) -> Literal:
    return Literal(xsd_datetime(value), datatype=XSD.dateTime)
