"""The Oxigraph store: one named graph per ingested batch, a catalog graph describing every
batch as a prov:Bundle, derived graphs, and bulk writes.

Every batch, derived, catalog and vocabulary triple is also written, once, into the store's default graph: the
deduplicated view that queries read (:func:`view_graphs`). Oxigraph's union of named
graphs keeps a triple once per graph holding it, so a fact restated by many batches (every event
re-declares its datasets) would multiply every join; the default graph is a set, and stays one.
Named graphs keep the provenance: which batch said what, and what was derived.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Store, Triple



from . import __version__, ids
from .errors import StoreError
from .importers.fields import xsd_datetime
from .importers.triples import distinct_count, ntriples_of
from .vocab import DCTERMS, PG, PREFIXES, PROV, RDF_TYPE, XSD

DEFAULT_STORE_PATH = "./provgraph-data"
STORE_ENV = "PROVGRAPH_STORE"
#: Derived triples per bulk load of :meth:`LineageStore.write_derived` (each gives two lines,
#: graph and view): a few tens of MB of text at a time, as Oxigraph's bulk loader holds several
#: times its input in memory.
DERIVED_CHUNK = 50_000
#: Texts up to this many bytes are written in one transaction (``Store.load``); bigger ones with
#: the bulk loader, which builds and ingests sorted files: fast for millions of quads, but with
#: a fixed cost of tenths of a second per call that made a one-event ingest take seconds.
TRANSACTION_BYTES = 2 * 2**20


def view_graphs() -> list:
    """The graphs a query's default graph is made of: the deduplicated view, i.e. the store's
    default graph, into which the triples of batch, derived, catalog and vocabulary graphs are
    mirrored once (a stored validation report is not: ``GRAPH`` reaches it). One graph, because a
    pattern over several graphs costs Oxigraph one index scan per graph: most of a point query."""
    return [DefaultGraph()]


def view_options() -> dict:
    """Keyword arguments for :meth:`pyoxigraph.Store.query` that make the view its default graph:
    none when the view is the store's own default graph, which Oxigraph reads when no dataset is
    named (naming it costs an explicit-dataset evaluation, ~12 µs of a 90 µs point query)."""
    view = view_graphs()
    return {} if view == [DefaultGraph()] else {"default_graph": view}


def default_store_path() -> str:
    """``$PROVGRAPH_STORE`` when set, else ``./provgraph-data``."""
    return os.environ.get(STORE_ENV) or DEFAULT_STORE_PATH


def open_store(path: str | os.PathLike | None) -> Store:
    """An on-disk Oxigraph store at ``path`` (created if missing), or in memory for ``None``.

    Raises :class:`StoreError` when the folder cannot be opened (for instance when another
    process holds it)."""
    if path is None:
        return Store()
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
        return Store(str(path))
    except OSError as exc:
        raise StoreError(f"cannot open the store at {path}: {exc}") from exc


class LineageStore:
    """Batches, catalog and derived graphs over one :class:`pyoxigraph.Store`."""

    def __init__(self, store: Store, path: str | None = None):
        self.oxigraph = store
        self.path = path

    # --- batches --------------------------------------------------------------------------
    def has_batch(self, sha256: str) -> bool:
        return self.oxigraph.contains_named_graph(ids.batch_graph(sha256))

    def write_batch(self, triples: "Iterable[Triple | str]", *, sha256: str, source_name: str, importer: str,
                    records: int, accepted: int, rejected: int, ingested_at: datetime | None = None) -> NamedNode:
        """Write one batch into its own named graph and describe it in the catalog graph as a
        ``prov:Bundle`` (source name, sha256 of its bytes, ingest time in UTC, importer and its
        version, record/triple counts). ``triples`` is a :class:`~provgraph.importers.triples.TripleBuffer`
        or a list of :class:`pyoxigraph.Triple` (or N-Triples lines). If writing fails, the batch
        graph is removed again."""
        graph = self.begin_batch(sha256)
        try:
            self.load_lines(ntriples_of(triples), graph)
            self.finish_batch(sha256, source_name=source_name, importer=importer, records=records, accepted=accepted,
                              rejected=rejected, triples=distinct_count(triples), ingested_at=ingested_at)
        except Exception:
            self.remove_batch(sha256)
            raise
        return graph

    def begin_batch(self, sha256: str) -> NamedNode:
        """Create the named graph of a batch whose triples are then loaded in parts
        (:meth:`load_lines`) and which :meth:`finish_batch` enters in the catalog."""
        graph = ids.batch_graph(sha256)
        self.oxigraph.add_graph(graph)
        return graph

    def finish_batch(self, sha256: str, *, source_name: str, importer: str, records: int, accepted: int, rejected: int,
                     triples: int | None = None, ingested_at: datetime | None = None) -> None:
        """Describe a written batch in the catalog graph; ``triples`` None counts the batch graph."""
        graph = ids.batch_graph(sha256)
        if triples is None:
            triples = self.graph_size(graph)
        moment = ingested_at or datetime.now(timezone.utc)
        self.add_mirrored([
            Quad(graph, RDF_TYPE, PROV.Bundle, ids.CATALOG_GRAPH),
            Quad(graph, RDF_TYPE, PROV.Entity, ids.CATALOG_GRAPH),
            Quad(graph, DCTERMS.source, Literal(source_name), ids.CATALOG_GRAPH),
            Quad(graph, PG.sha256, Literal(sha256), ids.CATALOG_GRAPH),
            Quad(graph, PROV.generatedAtTime, Literal(xsd_datetime(moment), datatype=XSD.dateTime), ids.CATALOG_GRAPH),
            Quad(graph, PG.importer, Literal(importer), ids.CATALOG_GRAPH),
            Quad(graph, PG.importerVersion, Literal(__version__), ids.CATALOG_GRAPH),
            Quad(graph, PG.recordCount, _int(records), ids.CATALOG_GRAPH),
            Quad(graph, PG.acceptedCount, _int(accepted), ids.CATALOG_GRAPH),
            Quad(graph, PG.rejectedCount, _int(rejected), ids.CATALOG_GRAPH),
            Quad(graph, PG.tripleCount, _int(triples), ids.CATALOG_GRAPH),
        ])

    def graph_size(self, graph: NamedNode) -> int:
        """How many triples a named graph holds."""
        result = self.oxigraph.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
        return int(next(iter(result))["n"].value)

    def remove_batch(self, sha256: str) -> None:
        """Remove a batch's graph and its catalog entry (used to undo a half-written ingest)."""
        graph = ids.batch_graph(sha256)
        if self.oxigraph.contains_named_graph(graph):
            self._unview([q.triple for q in self.oxigraph.quads_for_pattern(None, None, None, graph)], graph)
            self.oxigraph.remove_graph(graph)
        entry = list(self.oxigraph.quads_for_pattern(graph, None, None, ids.CATALOG_GRAPH))
        self._unview([q.triple for q in entry], ids.CATALOG_GRAPH)
        for quad in entry:
            self.oxigraph.remove(quad)

    def add_mirrored(self, quads: "Iterable[Quad]") -> None:
        """Add quads to their named graphs and their triples to the default-graph view."""
        quads = list(quads)
        self.oxigraph.extend(quads)
        self.oxigraph.extend(Quad(q.subject, q.predicate, q.object, DefaultGraph()) for q in quads)

    # --- derived graphs -------------------------------------------------------------------
    def replace_graphs(self, contents: "dict[NamedNode, list[Triple]] | Iterable[tuple[NamedNode, list[Triple]]]") -> int:
        """Replace the content of derived graphs (a dict, or ``(graph, triples)`` pairs, each graph
        once): :meth:`write_derived` with every graph taken to exist already. Returns the number
        of triples written."""
        pairs = contents.items() if isinstance(contents, dict) else contents
        return self.write_derived((graph, True, [f"{s.subject} {s.predicate} {s.object}" for s in triples])
                                  for graph, triples in pairs)

    def write_derived(self, contents: "Iterable[tuple[NamedNode, bool, list[str]]]") -> int:
        """Write derived graphs from ``(graph, may exist, statements)`` triples, each graph once;
        statements are N-Triples lines without their final `` .``, each written into the graph and
        into the view. A graph that may exist is replaced (what left it leaves the view unless
        another graph states it, and only the difference is written when most of it stays); the
        others are taken to be new. Loaded in large texts (:meth:`_write`). Returns the number of
        triples derived."""
        lines: list[str] = []
        written = 0
        for graph, may_exist, statements in contents:
            new = dict.fromkeys(statements)
            if may_exist and self.oxigraph.contains_named_graph(graph):
                old = {f"{q.subject} {q.predicate} {q.object}": q.triple for q in self.oxigraph.quads_for_pattern(None, None, None, graph)}
                gone = [t for line, t in old.items() if line not in new]
                if len(gone) * 2 > len(old):
                    self.oxigraph.remove_graph(graph)
                else:
                    # Re-deriving mostly restates what is there: only the difference is written.
                    for t in gone:
                        self.oxigraph.remove(Quad(t.subject, t.predicate, t.object, graph))
                    new = {line: None for line in new if line not in old}
                self._unview(gone, graph)
            if new:
                name = str(graph)
                lines.extend(f"{t} {name} .\n{t} ." for t in new)
                written += len(statements)
                if len(lines) >= DERIVED_CHUNK:
                    self._load_quads(lines)
                    lines = []
        self._load_quads(lines)
        return written

    def patch_derived(self, graph: NamedNode, gone: "list[Triple]", added: list[str]) -> None:
        """Change a derived graph by a difference: ``gone`` triples leave it (and the view unless
        another graph states them); ``added`` statements (N-Triples lines without their final
        `` .``) join it and the view."""
        for t in gone:
            self.oxigraph.remove(Quad(t.subject, t.predicate, t.object, graph))
        self._unview(gone, graph)
        name = str(graph)
        self._load_quads([f"{t} {name} .\n{t} ." for t in added])

    def _load_quads(self, lines: list[str]) -> None:
        if lines:
            self._write(("\n".join(lines) + "\n").encode("utf-8"), RdfFormat.N_QUADS)

    def load_lines(self, text: str, graph: NamedNode) -> None:
        """Load N-Triples ``text`` (made by provgraph from checked terms, so the parser may
        skip re-validating IRIs) into ``graph`` and the view."""
        if text:
            data = text.encode("utf-8")
            self._write(data, RdfFormat.N_TRIPLES, graph)
            self._write(data, RdfFormat.N_TRIPLES, DefaultGraph())

    def _write(self, data: bytes, format: RdfFormat, graph: "NamedNode | DefaultGraph | None" = None) -> None:
        """Small texts in one transaction, large ones through the bulk loader (see TRANSACTION_BYTES)."""
        if len(data) <= TRANSACTION_BYTES:
            self.oxigraph.load(data, format, to_graph=graph, lenient=True)
        else:
            self.oxigraph.bulk_load(data, format, to_graph=graph, lenient=True)

    def _unview(self, triples, leaving: NamedNode) -> None:
        """Take ``triples`` out of the default-graph view unless a named graph other than
        ``leaving`` still states them (the view holds what some batch or derivation says)."""
        for t in triples:
            holders = {q.graph_name for q in self.oxigraph.quads_for_pattern(t.subject, t.predicate, t.object, None)}
            if not any(isinstance(g, NamedNode) and g != leaving for g in holders):
                self.oxigraph.remove(Quad(t.subject, t.predicate, t.object, DefaultGraph()))

    # --- reading --------------------------------------------------------------------------
    def select(self, text: str, **kwargs):
        """Run a SPARQL query whose default graph is the deduplicated view (every batch, derived,
        catalog and vocabulary fact once); ``GRAPH`` reaches every named graph.
        The project prefixes are declared."""
        return self.oxigraph.query(text, prefixes=PREFIXES, **{**view_options(), **kwargs})

    def flush(self) -> None:
        if self.path is not None:
            self.oxigraph.flush()


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=XSD.integer)


__all__ = ["LineageStore", "open_store", "default_store_path", "DefaultGraph"]
