"""provgraph's exception family: one root, each message naming file, record and field."""

from __future__ import annotations

from dataclasses import dataclass


class ProvgraphError(Exception):
    """Root of every error provgraph raises for a user mistake (CLI exit status 1)."""


@dataclass(frozen=True)
class RecordProblem:
    """One problem with one input record.

    ``source`` is the file name (or ``<stdin>``/``<http>``), ``record`` the 0-based index of the
    record within the source (``None`` for file-level problems), ``field`` a dotted JSON path
    inside the record such as ``run.runId`` or ``outputs[0].facets.ownership.owners[1].name``.
    """

    source: str
    record: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.source
        if self.record is not None:
            where += f": record {self.record}"
        if self.field:
            where += f": {self.field}"
        return f"{where}: {self.message}"


class InputRejected(ProvgraphError):
    """A batch was refused because of bad records; the store was left unchanged.

    ``problems`` lists every :class:`RecordProblem` found, not only the first.
    """

    def __init__(self, problems: list[RecordProblem]):
        self.problems = list(problems)
        shown = "\n  ".join(str(p) for p in self.problems[:20])
        more = f"\n  … and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(f"input rejected, nothing was stored ({len(self.problems)} problem(s)):\n  {shown}{more}")

    def __reduce__(self):
        return type(self), (self.problems,)  # pickled whole: the server's query processes hand it on


class QueryError(ProvgraphError):
    """A canned query is unknown, or a parameter is missing or ill-typed."""


class SparqlError(ProvgraphError):
    """An ad-hoc SPARQL text did not parse or failed to evaluate."""


class StoreError(ProvgraphError):
    """The store could not be opened (bad path, locked by another process)."""
