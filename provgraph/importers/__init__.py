"""Importers, one module per source, chosen by name (``--format``) or detected from the records.

An importer module has ``NAME``, ``looks_like(record) -> bool`` and
``import_source(Source) -> MappedBatch``. Adding a source is one module and one line here.
"""

from __future__ import annotations

from types import ModuleType

from ..errors import InputRejected, RecordProblem
from ..sources import Source, first_record
from . import datahub, governance, openlineage

IMPORTERS: dict[str, ModuleType] = {
    openlineage.NAME: openlineage,
    datahub.NAME: datahub,
    governance.NAME: governance,
}


def names() -> list[str]:
    return sorted(IMPORTERS)


def detect(source: Source) -> ModuleType:
    """The importer whose ``looks_like`` accepts the source's first record.

    Raises :class:`InputRejected` when no importer, or more than one, recognises it."""
    if source.name.lower().endswith(governance.SUFFIXES):
        return governance
    records, problems = first_record(source)
    if not records:
        raise InputRejected(problems or [RecordProblem(source.name, None, None, "no records")])
    first = records[0][1]
    matches = [m for m in IMPORTERS.values() if m.looks_like(first)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        keys = ", ".join(sorted(first)[:8]) if isinstance(first, dict) else type(first).__name__
        raise InputRejected([RecordProblem(source.name, records[0][0], None,
                                           f"not an OpenLineage event, nor a record of any other known format "
                                           f"(tried: {', '.join(names())}; its keys: {keys})")])
    raise InputRejected([RecordProblem(source.name, records[0][0], None,
                                       f"ambiguous format ({', '.join(m.NAME for m in matches)}); name it with --format")])


def get(name: str) -> ModuleType:
    """The importer called ``name``; raises :class:`InputRejected` for an unknown name."""
    try:
        return IMPORTERS[name]
    except KeyError:
        raise InputRejected([RecordProblem("<format>", None, None, f"unknown format {name!r}; known: {', '.join(names())}")]) from None
