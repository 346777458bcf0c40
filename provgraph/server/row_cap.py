"""SELECT answers serialised by Oxigraph itself, cut at the row limit
(:meth:`.engine.Engine.run_serialized` evaluates; this module counts and converts).

Why: building a Python object per RDF term and a JSON document from them held the GIL for about
a millisecond per canned ``upstream`` answer (13 rows, pretty-printed JSON) and tens of
milliseconds for a large one, and every row read from Python is one more GIL release and
re-acquisition; pyoxigraph's ``QuerySolutions.serialize`` writes SPARQL 1.1 Query Results JSON,
XML, CSV or TSV in Rust with the GIL released (a point query through the lane: 77 µs in-process
against 96 µs with its rows read in Python). What it cannot do is stop at a row limit or say how
many rows it wrote. So the query itself carries the limit — ``LIMIT n + 1``
appended at its end, where it can only be the outermost solution modifier — and the answer is
first written as TSV, where every row is one line (literals escape their line breaks, SPARQL 1.1
Query Results CSV and TSV Formats §3): the rows are counted and cut there, then converted to the
format asked for, again in Rust. The conversion is lossless (TSV writes terms in Turtle syntax)
and costs about 1 % of a query's time (0.08 ms for 13 rows, 19 ms for 716 rows / 575 KB). An
answer too short to hold more rows than the cap needs no count: it is sent as Oxigraph wrote it.
"""

from __future__ import annotations

import pyoxigraph
from pyoxigraph import QueryResultsFormat


#: At most the fewest bytes a row can take in each format (an empty row: ``{}`` and a comma, ``<result/>``,
#: a line break): an answer shorter than ``MIN_ROW_BYTES * n - 1`` bytes has fewer than ``n`` rows.
MIN_ROW_BYTES = {QueryResultsFormat.JSON: 3, QueryResultsFormat.XML: 9, QueryResultsFormat.CSV: 2, QueryResultsFormat.TSV: 1}


def serialized_within(solutions, fmt: QueryResultsFormat, limit: int, cap: int) -> tuple[bytes, bool] | None:
    """``(body in fmt, truncated)`` for pyoxigraph ``solutions`` of a query that carries
    ``LIMIT cap + 1`` (``cap <= limit``): at most ``limit`` rows, ``truncated`` when there were
    more; ``None`` when ``cap < limit`` and the cap was passed (the rows beyond it are unknown).

    An answer too short to hold ``cap + 1`` rows is sent as Oxigraph wrote it. A longer one is
    counted on its TSV form, which CSV (it drops datatypes) cannot be read back from, so a CSV
    answer is always written as TSV first."""
    if fmt == QueryResultsFormat.CSV:
        body, tsv = None, solutions.serialize(format=QueryResultsFormat.TSV)
    else:
        body = solutions.serialize(format=fmt)
        if len(body) < MIN_ROW_BYTES[fmt] * (cap + 1) - 1:
            return body, False
        tsv = body if fmt == QueryResultsFormat.TSV else \
            pyoxigraph.parse_query_results(body, fmt).serialize(format=QueryResultsFormat.TSV)
    rows = rows_in(tsv)
    if cap < limit and rows > cap:
        return None
    if rows <= limit and body is not None:
        return body, False
    return within_row_limit(tsv, fmt, limit)


def rows_in(tsv: bytes) -> int:
    """The number of rows of SPARQL 1.1 TSV results (one header line, then a line per row)."""
    return tsv.count(b"\n") - 1


def within_row_limit(tsv: bytes, fmt: QueryResultsFormat, limit: int) -> tuple[bytes, bool]:
    """``(body in fmt, truncated)`` from SPARQL 1.1 TSV results ``tsv`` (a header line, then one
    line per row): at most ``limit`` rows, ``truncated`` when there were more."""
    truncated = rows_in(tsv) > limit
    if truncated:
        tsv = b"\n".join(tsv.split(b"\n", limit + 1)[: limit + 1]) + b"\n"
    if fmt == QueryResultsFormat.TSV:
        return tsv, truncated
    return pyoxigraph.parse_query_results(tsv, QueryResultsFormat.TSV).serialize(format=fmt), truncated
