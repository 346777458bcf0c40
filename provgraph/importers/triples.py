"""A small builder for the triples one record maps to, with typed-literal helpers."""

from __future__ import annotations

from datetime import datetime

from pyoxigraph import Literal, NamedNode, Triple

from ..vocab import RDF_TYPE, XSD
from .fields import xsd_datetime


class TripleSink:
    """Collects the triples of one record; kept apart until the record is known to be valid."""

    def __init__(self) -> None:
        self.triples: list[Triple] = []

    def add(self, subject: NamedNode, predicate: NamedNode, obj: NamedNode | Literal | None) -> None:
        if obj is not None:
            self.triples.append(Triple(subject, predicate, obj))

    def types(self, subject: NamedNode, *classes: NamedNode) -> None:
        for cls in classes:
            self.triples.append(Triple(subject, RDF_TYPE, cls))

    def text(self, subject: NamedNode, predicate: NamedNode, value: str | None) -> None:
        if value is not None and value != "":
            self.triples.append(Triple(subject, predicate, Literal(value)))

    def time(self, subject: NamedNode, predicate: NamedNode, value: datetime | None) -> None:
        if value is not None:
            self.triples.append(Triple(subject, predicate, Literal(xsd_datetime(value), datatype=XSD.dateTime)))

    def integer(self, subject: NamedNode, predicate: NamedNode, value: int | None) -> None:
        if value is not None:
            self.triples.append(Triple(subject, predicate, Literal(str(int(value)), datatype=XSD.integer)))

    def boolean(self, subject: NamedNode, predicate: NamedNode, value: bool | None) -> None:
        if value is not None:
            self.triples.append(Triple(subject, predicate, Literal("true" if value else "false", datatype=XSD.boolean)))


def datetime_literal(value: datetime) -> Literal:
    return Literal(xsd_datetime(value), datatype=XSD.dateTime)
