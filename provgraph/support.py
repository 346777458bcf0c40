"""The subgraph that supports an answer: what the answer names, and its provenance.

An evidence pack (evidence.py) files, next to the answer, the statements the answer rests on.
They are found by a walk over the store, not by the query itself, so that every canned query
gets one without writing a second query:

* **seeds**: every IRI provgraph minted that appears in the answer (as a term, or inside a
  text cell listing IRIs), plus the dataset (and column) the parameters ``namespace``, ``name``
  (and ``field``) name;
* **provenance**: from the seeds, upstream along ``prov:wasDerivedFrom``,
  ``prov:wasGeneratedBy``, ``prov:used``, ``prov:specializationOf`` and the column lineage
  (``prov:qualifiedDerivation`` → ``prov:entity``, a column → its dataset) — PROV-O's
  provenance of an entity (PROV-O §3.1, §3.3);
* **descriptions**: one step to what describes a node without being lineage — the job a run
  followed (``prov:qualifiedAssociation`` / ``prov:hadPlan``), owners
  (``prov:wasAttributedTo``, ``prov:qualifiedAttribution``), agents, tags (``dcat:theme``).

Every quad whose subject is such a node is kept, with its named graph (the batch or derived
graph that holds it), when its object is a literal, a class, or another kept node. The
catalog entries (``prov:Bundle``) of the batch graphs involved are added, so the subgraph also
says which records, ingested when, it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

from . import ids
from .vocab import DCAT, ID_BASE, PG, PROV, RDF_TYPE

#: Followed upstream, transitively.
WALK = (PROV.wasDerivedFrom, PROV.wasGeneratedBy, PROV.used, PROV.specializationOf, PROV.qualifiedDerivation, PROV.entity)
#: Followed one step, and from the node reached one more step (association → job → its owners).
DESCRIBE = (PROV.qualifiedAssociation, PROV.hadPlan, PROV.agent, PROV.wasAttributedTo, PROV.qualifiedAttribution,
            PROV.hadRole, PROV.wasAssociatedWith, DCAT.theme)
#: Upper bound on the nodes walked, so that a broad answer cannot exhaust memory.
MAX_NODES = 20_000


@dataclass
class Support:
    """The supporting subgraph: ``quads`` (with their named graphs, sorted), the ``seeds`` the
    walk started from, every ``node`` kept, the ``batches`` (graph IRIs) the quads come from,
    and ``truncated`` when the walk stopped at :data:`MAX_NODES`."""

    quads: list[Quad]
    seeds: set[NamedNode]
    nodes: set[NamedNode]
    batches: list[NamedNode]
    truncated: bool = False
    lineage: set[NamedNode] = field(default_factory=set)


def seeds_of(columns: list[str], rows: list[list], params: dict) -> set[NamedNode]:
    """The minted IRIs an answer names, and the dataset/column its parameters name."""
    seeds: set[NamedNode] = set()
    for row in rows:
        for term in row:
            if isinstance(term, NamedNode) and term.value.startswith(ID_BASE):
                seeds.add(term)
            elif isinstance(term, Literal):
                seeds.update(NamedNode(word) for word in term.value.split() if word.startswith(ID_BASE))
    namespace, name = params.get("namespace"), params.get("name")
    if namespace and name:
        seeds.add(ids.dataset(str(namespace), str(name)))
        if params.get("field"):
            seeds.add(ids.field(str(namespace), str(name), str(params["field"])))
    return seeds


def supporting_subgraph(store, seeds: set[NamedNode], *, max_nodes: int = MAX_NODES) -> Support:
    """Walk ``store`` (a :class:`pyoxigraph.Store`) from ``seeds`` as the module describes."""
    lineage: set[NamedNode] = set()
    frontier = [s for s in seeds if _exists(store, s)]
    truncated = False
    while frontier:
        node = frontier.pop()
        if node in lineage:
            continue
        if len(lineage) >= max_nodes:
            truncated = True
            break
        lineage.add(node)
        for predicate in WALK:
            for quad in store.quads_for_pattern(node, predicate, None, None):
                if isinstance(quad.object, NamedNode) and quad.object not in lineage:
                    frontier.append(quad.object)
        if _has(store, node, PG.fieldPath):
            for quad in store.quads_for_pattern(None, PG.field, node, None):
                if quad.subject not in lineage:
                    frontier.append(quad.subject)
    described = set()
    for step in range(2):
        sources = lineage if step == 0 else described.copy()
        for node in sources:
            for predicate in DESCRIBE:
                for quad in store.quads_for_pattern(node, predicate, None, None):
                    if isinstance(quad.object, NamedNode):
                        described.add(quad.object)
    nodes = lineage | described
    kept = {q for node in lineage for q in _statements(store, node, nodes)}
    batches = sorted({q.graph_name for q in kept if ids.is_batch_graph(q.graph_name)}, key=lambda g: g.value)
    # What describes a job or an owner may also be stated in batches that have nothing to do
    # with this answer (a shared producer or team); only the batches behind the lineage count.
    behind = set(batches)
    for node in described - lineage:
        kept.update(q for q in _statements(store, node, nodes) if not ids.is_batch_graph(q.graph_name) or q.graph_name in behind)
    for batch in batches:
        kept.update(store.quads_for_pattern(batch, None, None, ids.CATALOG_GRAPH))
    ordered = sorted(kept, key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))
    return Support(ordered, set(seeds), nodes, batches, truncated, lineage)


def _statements(store, node: NamedNode, nodes: set[NamedNode]):
    for quad in store.quads_for_pattern(node, None, None, None):
        if isinstance(quad.graph_name, DefaultGraph):  # the deduplicated view repeats what named graphs state
            continue
        if isinstance(quad.object, Literal) or quad.predicate == RDF_TYPE or quad.object in nodes:
            yield quad


def _exists(store, node: NamedNode) -> bool:
    return _has(store, node, None)


def _has(store, node: NamedNode, predicate: NamedNode | None) -> bool:
    return next(iter(store.quads_for_pattern(node, predicate, None, None)), None) is not None


__all__ = ["Support", "seeds_of", "supporting_subgraph", "MAX_NODES"]
