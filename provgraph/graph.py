"""LineageGraph: the one core behind the Python API, the CLI and the tests.

Ingest lineage files, run canned or ad-hoc SPARQL, export the graph, report statistics.
"""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import pyoxigraph
from pyoxigraph import DefaultGraph, BlankNode, Literal, NamedNode, QueryBoolean, QuerySolutions, QueryTriples, RdfFormat

from . import derive, governance, ids, importers, validation
from .errors import InputRejected, QueryError, RecordProblem, SparqlError
from .importers.lineage_facts import LineageFacts
from .importers.openlineage import MappedBatch
from .importers.triples import distinct_count, ntriples_of
from .queries import CannedQuery, load_catalogue
from .sources import Source, expand_paths, file_source
from .store import LineageStore, default_store_path, open_store
from .vocab import PREFIXES

EXPORT_FORMATS = {
    "turtle": RdfFormat.TURTLE,
    "trig": RdfFormat.TRIG,
    "nquads": RdfFormat.N_QUADS,
    "ntriples": RdfFormat.N_TRIPLES,
    "jsonld": RdfFormat.JSON_LD,
    "rdfxml": RdfFormat.RDF_XML,
}
#: Formats that keep the named graphs (one per batch); the others flatten the union.
DATASET_FORMATS = ("trig", "nquads")
DEFAULT_ROW_LIMIT = 100_000
#: Records per part when a large file is streamed (see :meth:`LineageGraph._stream`).
STREAM_RECORDS = 1_500


@dataclass
class SourceSummary:
    """The outcome for one source: its name, sha256, importer, counts, and whether it was new."""

    name: str
    sha256: str
    importer: str
    records: int
    accepted: int
    triples: int
    status: str  # "ingested" | "already ingested" | "rejected"
    rejected: list[RecordProblem] = field(default_factory=list)
    warnings: list[RecordProblem] = field(default_factory=list)
    unmapped_facets: Counter = field(default_factory=Counter)


@dataclass
class IngestSummary:
    """The outcome of one :meth:`LineageGraph.ingest` call."""

    sources: list[SourceSummary] = field(default_factory=list)
    derived_triples: int = 0

    @property
    def ingested(self) -> int:
        return sum(1 for s in self.sources if s.status == "ingested")

    @property
    def records(self) -> int:
        return sum(s.accepted for s in self.sources if s.status == "ingested")

    @property
    def triples(self) -> int:
        return sum(s.triples for s in self.sources if s.status == "ingested")

    @property
    def rejected(self) -> list[RecordProblem]:
        return [p for s in self.sources for p in s.rejected]

    @property
    def warnings(self) -> list[RecordProblem]:
        return [p for s in self.sources for p in s.warnings]

    @property
    def unmapped_facets(self) -> Counter:
        total: Counter = Counter()
        for s in self.sources:
            total.update(s.unmapped_facets)
        return total


@dataclass
class QueryResult:
    """Rows of a SELECT: ``columns`` in order, ``rows`` as lists of RDF terms (``None`` unbound)."""

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = False

    def records(self) -> list[dict[str, str | None]]:
        """Rows as ``{column: lexical value or None}`` dicts (IRIs and literals as plain strings)."""
        return [{c: (t.value if t is not None else None) for c, t in zip(self.columns, row)} for row in self.rows]

    def column(self, name: str) -> list[str | None]:
        i = self.columns.index(name)
        return [row[i].value if row[i] is not None else None for row in self.rows]


class LineageGraph:
    """A PROV-O lineage graph in an Oxigraph store.

    ``LineageGraph(path)`` opens (or creates) an on-disk store at ``path``; ``LineageGraph(None)``
    is in memory. Use :func:`provgraph.open` to honour ``PROVGRAPH_STORE``.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, query_dir: Path | None = None):
        self.path = str(path) if path is not None else None
        self.store = LineageStore(open_store(path), self.path)
        self._query_dir = query_dir

    # --- ingest ---------------------------------------------------------------------------
    def ingest(self, inputs: Iterable[str | os.PathLike | Source], *, format: str | None = None,
               skip_invalid: bool = False, progress: Callable[[str, int, int], None] | None = None) -> IngestSummary:
        """Ingest lineage files or folders (recursively), or :class:`Source` objects.

        ``format`` names the importer (``openlineage``); ``None`` detects it per source.
        Every source is parsed and checked before anything is written: if any record has a
        problem, :class:`InputRejected` is raised listing all problems (file, record index, field)
        and the store is unchanged — unless ``skip_invalid``, which stores the valid records and
        lists the rejected ones in the summary. A source whose bytes were ingested before (same
        sha256) is skipped. ``progress(name, done, total)`` is called after each source is read.
        Returns an :class:`IngestSummary`.
        """
        sources = self._sources(inputs)
        summary = IngestSummary()
        known = derive.KnownBefore(self.store)
        mapped: list[MappedBatch] = []
        problems: list[RecordProblem] = []
        for done, source in enumerate(sources, 1):
            if self.store.has_batch(source.sha256):
                summary.sources.append(SourceSummary(source.name, source.sha256, format or "-", 0, 0, 0, "already ingested"))
            else:
                try:
                    importer = importers.get(format) if format else importers.detect(source)
                    if source.streamed and not hasattr(importer, "import_stream"):
                        source = source.loaded()
                    if source.streamed:
                        batch = self._stream(source, importer, skip_invalid, known)
                    else:
                        batch = importer.import_source(source)
                        _check_known(known, batch)
                except InputRejected as exc:
                    problems.extend(exc.problems)
                    summary.sources.append(SourceSummary(source.name, source.sha256, format or "-", 0, 0, 0, "rejected", exc.problems))
                else:
                    problems.extend(batch.rejected)
                    mapped.append(batch)
            if progress:
                progress(source.name, done, len(sources))
        if problems and not skip_invalid:
            for batch in mapped:
                if batch.source.streamed:
                    self.store.remove_batch(batch.source.sha256)
            raise InputRejected(problems)
        runs, datasets = set(), set()
        facts = [batch.facts for batch in mapped if batch.accepted and batch.facts is not None]
        for batch in mapped:
            status = "ingested" if batch.accepted else "rejected"
            counts = dict(sha256=batch.source.sha256, source_name=batch.source.name, importer=batch.importer,
                          records=batch.records, accepted=batch.accepted, rejected=len({p.record for p in batch.rejected}))
            triples = distinct_count(batch.triples)
            if batch.accepted and batch.source.streamed:
                triples = self.store.graph_size(ids.batch_graph(batch.source.sha256))
                self.store.finish_batch(**counts, triples=triples)
            elif batch.accepted:
                self.store.write_batch(batch.triples, **counts)
            elif batch.source.streamed:
                self.store.remove_batch(batch.source.sha256)
            if batch.accepted and batch.facts is None:
                runs |= batch.runs
                datasets |= batch.datasets
            summary.sources.append(SourceSummary(batch.source.name, batch.source.sha256, batch.importer, batch.records,
                                                 batch.accepted, triples, status, batch.rejected,
                                                 batch.warnings, batch.unmapped_facets))
        if facts:
            # What derive reads from the store: the runs and datasets an earlier ingest knew.
            runs |= {NamedNode(iri[1:-1]) for iri in known.runs}
            datasets |= {NamedNode(iri[1:-1]) for iri in known.datasets}
        if runs or datasets or facts:
            merged = facts[0] if len(facts) == 1 else _merged(facts)
            only_events = all(batch.facts is not None for batch in mapped if batch.accepted)
            summary.derived_triples = derive.rederive(self.store, runs, datasets, merged, only_events=only_events)
        if summary.ingested:
            summary.derived_triples += governance.rederive(self.store)
        self.store.flush()
        return summary

    def _stream(self, source: Source, importer, skip_invalid: bool, known: derive.KnownBefore | None = None) -> MappedBatch:
        """Map a large NDJSON file part by part, loading each part's triples into the batch graph
        at once, so memory stays flat. Returns the batch's counts and problems (its ``triples``
        empty: they are in the store). The graph is removed again when the batch is refused —
        here for a file-level problem, or by :meth:`ingest` when any source has problems."""
        total = MappedBatch(source=source, importer=importer.NAME)
        known = known or derive.KnownBefore(self.store)
        graph = self.store.begin_batch(source.sha256)
        writing = True
        # One part is loaded (in Rust, without the GIL) while the next one is mapped in Python.
        loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="provgraph-load")
        loading = None
        try:
            for part in importer.import_stream(source, STREAM_RECORDS):
                total.records += part.records
                total.accepted += part.accepted
                total.rejected.extend(part.rejected)
                total.warnings.extend(part.warnings)
                total.unmapped_facets.update(part.unmapped_facets)
                if part.facts is not None:
                    # Before this part is written, while the store still shows what earlier ingests knew.
                    # Its runs are in its facts: derive needs no set of them.
                    _check_known(known, part)
                    if total.facts is None:
                        total.facts = part.facts
                    else:
                        total.facts.update(part.facts)
                else:
                    total.runs |= part.runs
                    total.datasets |= part.datasets
                if part.rejected and (not skip_invalid or any(p.record is None for p in part.rejected)):
                    writing = False  # keep reading, to list every problem
                if loading is not None:
                    loading.result()
                    loading = None
                if writing:
                    loading = loader.submit(self.store.load_lines, ntriples_of(part.triples), graph)
            if loading is not None:
                loading.result()
        except BaseException:
            loader.shutdown(wait=True)
            self.store.remove_batch(source.sha256)
            raise
        loader.shutdown(wait=True)
        if any(p.record is None for p in total.rejected):
            # Like an unreadable whole file: nothing of it is stored, even with skip_invalid.
            total.accepted, total.runs, total.datasets, total.facts = 0, set(), set(), None
        if not writing or not total.accepted:
            self.store.remove_batch(source.sha256)
        return total

    @staticmethod
    def _sources(inputs) -> list[Source]:
        items = [inputs] if isinstance(inputs, (str, os.PathLike, Source)) else list(inputs)
        sources = [i for i in items if isinstance(i, Source)]
        paths = [i for i in items if not isinstance(i, Source)]
        return sources + [file_source(p) for p in expand_paths(paths)]

    # --- queries --------------------------------------------------------------------------
    def catalogue(self) -> dict[str, CannedQuery]:
        """The canned queries by name (from ``queries/*.rq``)."""
        return load_catalogue(self._query_dir) if self._query_dir else load_catalogue()

    def query(self, query_name: str, /, *, limit: int = DEFAULT_ROW_LIMIT, **params: Any) -> QueryResult:
        """Run the canned query ``query_name`` (``queries/<query_name>.rq``) with ``params`` bound
        as typed terms (see :meth:`CannedQuery.bind`). Returns a :class:`QueryResult`.

        Raises :class:`QueryError` for an unknown query or a missing/ill-typed parameter."""
        catalogue = self.catalogue()
        if query_name not in catalogue:
            raise QueryError(f"no canned query {query_name!r}; known: {', '.join(catalogue)}")
        return self.sparql(catalogue[query_name].bind(params), limit=limit)

    def sparql(self, text: str, *, limit: int = DEFAULT_ROW_LIMIT) -> QueryResult | bool | list:
        """Run a read-only SPARQL 1.1 query over the union of all graphs.

        SELECT gives a :class:`QueryResult` (at most ``limit`` rows; ``truncated`` says when more
        existed), ASK a ``bool``, CONSTRUCT/DESCRIBE a list of :class:`pyoxigraph.Triple`.
        Raises :class:`SparqlError` when the text does not parse or evaluate."""
        try:
            result = self.store.select(text)
            if isinstance(result, QueryBoolean):
                return bool(result)
            if isinstance(result, QueryTriples):
                return list(result)
            columns = [v.value for v in result.variables]
            rows, truncated = [], False
            for solution in result:
                if len(rows) >= limit:
                    truncated = True
                    break
                rows.append([solution[c] for c in columns])
            return QueryResult(columns, rows, truncated)
        except SyntaxError as exc:
            raise SparqlError(f"SPARQL syntax error: {exc}") from None
        except (OSError, RuntimeError, ValueError) as exc:
            raise SparqlError(f"SPARQL evaluation failed: {exc}") from None

    # --- export and stats -----------------------------------------------------------------
    def export(self, format: str = "trig", output=None) -> bytes | None:
        """Serialize the graph as ``turtle``, ``trig``, ``nquads``, ``ntriples``, ``jsonld`` or
        ``rdfxml``. TriG and N-Quads keep one named graph per batch (plus catalog and derived
        graphs); the others write the union, each triple once. Every IRI provgraph mints has a
        declared prefix. Writes to ``output`` (path or binary file) or returns bytes."""
        if format not in EXPORT_FORMATS:
            raise QueryError(f"unknown export format {format!r}; known: {', '.join(EXPORT_FORMATS)}")
        prefixes = {**PREFIXES, **ids.KIND_PREFIXES}
        if format in DATASET_FORMATS:
            quads = (q for q in self.store.oxigraph.quads_for_pattern(None, None, None, None) if not isinstance(q.graph_name, DefaultGraph))
            return pyoxigraph.serialize(quads, output, EXPORT_FORMATS[format], prefixes=prefixes)
        triples = {q.triple for q in self.store.oxigraph.quads_for_pattern(None, None, None, None)}
        ordered = sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
        return pyoxigraph.serialize(ordered, output, EXPORT_FORMATS[format], prefixes=prefixes)

    def stats(self) -> dict[str, int]:
        """Counts: quads, batches, runs, jobs, datasets, dataset versions, models, fields, agents."""
        counts = {"quads": len(self.store.oxigraph)}
        queries = {
            "batches": "?x a prov:Bundle",
            "runs": "?x a pg:Run",
            "jobs": "?x a pg:Job",
            "datasets": "?x a dcat:Dataset",
            "dataset_versions": "?x a pg:DatasetVersion",
            "models": "?x a mls:Model FILTER NOT EXISTS { ?x a pg:DatasetVersion }",
            "fields": "?x a pg:Field",
            "agents": "?x a prov:Agent",
        }
        for key, pattern in queries.items():
            result = self.sparql(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {pattern} }}")
            counts[key] = int(result.rows[0][0].value)
        return counts

    def batches(self) -> QueryResult:
        """The catalog: each batch with its source name, sha256, ingest time, importer, counts."""
        return self.sparql("""SELECT ?batch ?source ?sha256 ?ingestedAt ?importer ?importerVersion ?records ?triples WHERE {
            GRAPH <%s> { ?batch a prov:Bundle ; dcterms:source ?source ; pg:sha256 ?sha256 ; prov:generatedAtTime ?ingestedAt ;
                         pg:importer ?importer ; pg:importerVersion ?importerVersion ; pg:acceptedCount ?records ; pg:tripleCount ?triples } }
            ORDER BY ?ingestedAt ?source""" % ids.CATALOG_GRAPH.value)

    # --- evidence packs (issue 5) ---------------------------------------------------------
    def report(self, query_name: str, out, /, **params: Any):
        """Run the canned query ``query_name`` with ``params`` and write its evidence pack into the
        folder ``out``: the answer (CSV, JSON), the exact query and when it ran, the batches behind
        it, the supporting subgraph (TriG, JSON-LD, RDFC-1.0 canonical hash), report.html and a
        manifest of sha256 sums (see :mod:`provgraph.evidence`). Returns an
        :class:`~provgraph.evidence.EvidencePack`; raises :class:`QueryError` as :meth:`query` does."""
        from .evidence import write_pack
        return write_pack(self, query_name, params, out)

    def close(self) -> None:
        self.store.flush()
        del self.store

    def __enter__(self) -> "LineageGraph":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


    # --- governance and validation (MAPPING.md, "Governance") -------------------------------
    def load_vocabulary(self, paths: list[str | os.PathLike]) -> int:
        """Add vocabulary files (e.g. the full DPV ``dpv.ttl``, ``dpv-pd.ttl``) to the vocabulary
        graph, then re-derive the governance graph. Returns the number of triples read."""
        count = governance.load_vocabulary(self.store, [governance.DPV_TERMS, *paths]) if not self.store.oxigraph.contains_named_graph(
            governance.VOCABULARY_GRAPH) else governance.load_vocabulary(self.store, list(paths))
        governance.rederive(self.store)
        self.store.flush()
        return count

    def validate(self, *, shapes: list[str | os.PathLike] | None = None, replace_shapes: bool = False,
                 store_report: bool = False, focus_nodes: list[NamedNode] | None = None) -> "validation.ValidationReport":
        """Check the graph (or only ``focus_nodes``, against the whole graph) with the SHACL shapes
        of ``shapes/`` plus ``shapes`` files (instead of them with ``replace_shapes``). With
        ``store_report`` the ``sh:ValidationReport`` replaces the report graph. Returns a
        :class:`validation.ValidationReport`; raises :class:`validation.ValidationError`."""
        governance.ensure_vocabulary(self.store)
        report = validation.validate(self.store, validation.load_shapes(shapes, replace_shapes), focus_nodes)
        if store_report:
            validation.store_report(self.store, report)
            self.store.flush()
        return report

    def ingest_validated(self, inputs, *, validate: str = "warn", shapes: list[str | os.PathLike] | None = None,
                         **kwargs) -> tuple[IngestSummary, "validation.ValidationReport | None"]:
        """:meth:`ingest`, then validate what the new batches describe (their subjects and the
        datasets their governance declarations match), checked against the whole graph, so the
        cost follows the batch, not the store. ``validate`` is ``off``, ``warn`` (report only) or
        ``reject``: a violation on those nodes removes the new batches again (their derived facts
        are re-derived) and raises :class:`InputRejected` whose problems quote the report."""
        if validate not in ("off", "warn", "reject"):
            raise QueryError(f"--validate must be off, warn or reject, not {validate!r}")
        summary = self.ingest(inputs, **kwargs)
        if validate == "off":
            return summary, None
        new = [s for s in summary.sources if s.status == "ingested"]
        focus, runs, datasets = validation.batch_focus(self.store, [ids.batch_graph(s.sha256) for s in new])
        shapes_graph = validation.load_shapes(shapes)
        report = validation.validate(self.store, shapes_graph, sorted(focus, key=lambda n: n.value))
        if validate == "reject" and not report.conforms:
            for source in new:
                self.store.remove_batch(source.sha256)
            derive.rederive(self.store, runs, datasets)
            governance.rederive(self.store)
            self.store.flush()
            raise InputRejected([RecordProblem(", ".join(s.name for s in new), None, f.name,
                                               f"{f.shape}: {f.message}") for f in report.violations])
        return summary, report

def _check_known(known: derive.KnownBefore, batch: MappedBatch) -> None:
    """Note which runs and datasets of a mapped (not yet written) batch the store knew already."""
    if known.empty or batch.facts is None:
        return
    known.check(batch.facts.runs() | {str(r) for r in batch.runs if r is not None},
                batch.facts.datasets() | {str(d) for d in batch.datasets if d is not None})


def _merged(facts: list) -> "LineageFacts":
    merged = LineageFacts()
    for part in facts:
        merged.update(part)
    return merged


def open(path: str | os.PathLike | None = ..., **kwargs) -> LineageGraph:  # noqa: A001 - the API's name
    """Open the lineage graph at ``path``; with no argument, ``$PROVGRAPH_STORE`` or
    ``./provgraph-data``; ``None`` for an in-memory graph."""
    return LineageGraph(default_store_path() if path is ... else path, **kwargs)


__all__ = ["LineageGraph", "open", "QueryResult", "IngestSummary", "SourceSummary", "BlankNode", "Literal", "NamedNode", "QuerySolutions"]
