"""Lineage closures materialised on ingest, so that the canned queries look facts up instead of
walking the version history (MAPPING.md, "Materialised closures").

After :func:`provgraph.derive.rederive`, for every dataset the ingest touched and every dataset
downstream of one whose facts changed:

* ``E pg:upstreamDataset D`` for the dataset ``E``, and ``E pg:versionUpstreamDataset D`` for
  each of its versions ``E``: a chain of one or more ``prov:wasDerivedFrom`` (as the store states
  them: OpenLineage versions and datasets, DataHub lineage, whichever importer wrote them) leads
  from ``E`` to ``D`` or to a version of ``D`` (``prov:specializationOf``), ``D`` a
  ``dcat:Dataset``. Two properties, so that looking up what lies downstream of a dataset at
  table level does not list every version as well;
* ``D pg:qualifiedUpstream N``, ``N pg:upstreamDataset U ; pg:hops k`` for each upstream dataset
  ``U`` of a dataset ``D``: the fewest ``prov:wasDerivedFrom`` steps from ``D`` to ``U`` (or a
  version of it), for impact analysis;
* ``D pg:writingJob J``: a run of job ``J`` generated a version of ``D``
  (``^prov:specializationOf/prov:wasGeneratedBy/prov:qualifiedAssociation/prov:hadPlan``).

A dataset's facts and its versions' facts live in one named graph (:func:`closure_graph`), so
recomputing a dataset replaces exactly them; every fact is also in the default-graph view.
Datasets are recomputed upstream first where the stored facts allow; a dataset whose facts
came out unchanged does not make its downstream datasets recompute, so appending a run costs
its own dataset and its direct readers, not the whole downstream history. Dataset-to-dataset
closures are walked afresh each time (they are small, and a fresh walk is right on cycles too);
a version's closure is its direct derivations plus their closures.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict, deque

from pyoxigraph import DefaultGraph, Literal, NamedNode, Triple

from . import ids
from .store import LineageStore
from .vocab import DCAT, GRAPH_BASE, PG, PROV, RDF_TYPE, XSD

UPSTREAM = PG.upstreamDataset
QUALIFIED_UPSTREAM = PG.qualifiedUpstream
HOPS = PG.hops
VERSION_UPSTREAM = PG.versionUpstreamDataset
WRITER = PG.writingJob
GRAPH_PREFIX = GRAPH_BASE + "derived/closure/"
#: From this many runs or datasets in one ingest, the whole lineage is read in one pass and
#: every dataset recomputed (a large batch); below, only what changed, through the indexes.
BULK = 1_000
#: A dataset recomputed this many times in one update (lineage cycles) is left as it is then.
MAX_PASSES = 4

_VIEW = DefaultGraph()


def closure_graph(dataset: NamedNode) -> NamedNode:
    """The named graph holding the closure facts of one dataset and its versions."""
    return NamedNode(GRAPH_PREFIX + hashlib.sha256(dataset.value.encode("utf-8")).hexdigest()[:24])


def maintain(store: LineageStore, runs: set[NamedNode], datasets: set[NamedNode]) -> int:
    """Bring the closure facts up to date after ``runs`` and ``datasets`` were re-derived.
    Returns the number of closure triples written."""
    bulk = len(runs) >= BULK or len(datasets) >= BULK
    lineage = _BulkLineage(store) if bulk else _Lineage(store)
    # A dataset no longer in the store (its batch taken back) is recomputed too: to nothing.
    start = (lineage.all_datasets() if bulk else set()) | set(datasets)
    closures = _Closures(lineage, trust_stored=not bulk)
    if bulk:
        return store.replace_graphs(_recomputed_all(lineage, closures, start))
    new_facts: dict[NamedNode, set[Triple]] = {}
    passes: dict[NamedNode, int] = defaultdict(int)
    queue = deque(sorted(start, key=lambda d: (len(lineage.stored(d)), d.value)))
    queued = set(queue)
    while queue:
        dataset = queue.popleft()
        queued.discard(dataset)
        passes[dataset] += 1
        facts = closures.of_group(dataset)
        new_facts[dataset] = facts
        if passes[dataset] >= MAX_PASSES:
            continue
        if facts != lineage.stored_group(dataset):
            for reader in lineage.direct_readers(dataset):
                if reader not in queued and reader != dataset:
                    queue.append(reader)
                    queued.add(reader)
    writers = lineage.writers(new_facts)
    contents = []
    for dataset, facts in new_facts.items():
        triples = facts | {Triple(dataset, WRITER, job) for job in writers.get(dataset, ())}
        if triples != lineage.stored_graph(dataset):
            contents.append((closure_graph(dataset), sorted(triples, key=str)))
    return store.replace_graphs(contents)


def _recomputed_all(lineage: "_BulkLineage", closures: "_Closures", datasets: set[NamedNode]):
    """Every dataset's closure graph, made one at a time as the store takes them: a large
    ingest's facts are not all held at once (a 1 GB file must stream in bounded memory)."""
    writers = lineage.writers(datasets)
    for dataset in sorted(datasets, key=lambda d: d.value):
        facts = closures.of_group(dataset)
        facts.update(Triple(dataset, WRITER, job) for job in writers.get(dataset, ()))
        yield closure_graph(dataset), sorted(facts, key=str)


class _Closures:
    """Upstream datasets of datasets and versions, computed once per update (memoised)."""

    def __init__(self, lineage: "_Lineage", trust_stored: bool):
        self.lineage = lineage
        self.trust_stored = trust_stored
        self.recomputing: set[NamedNode] = set()
        self.memo: dict[NamedNode, frozenset] = {}
        #: Nodes that are neither a dataset nor a version (walked through), per dataset recomputed.
        self.through: dict[NamedNode, frozenset] = {}
        self.distances: dict[NamedNode, dict[NamedNode, int]] = {}

    def of_group(self, dataset: NamedNode) -> set[Triple]:
        self.recomputing.add(dataset)
        versions = self.lineage.versions(dataset)
        for node in (dataset, *versions):
            self.memo.pop(node, None)
        self.through.clear()
        facts: set[Triple] = set()
        if not self.lineage.is_dataset(dataset):
            return facts
        for up, hops in self.hops(dataset).items():
            step = ids.qualified("upstream", dataset.value, up.value)
            facts.update((Triple(dataset, UPSTREAM, up), Triple(dataset, QUALIFIED_UPSTREAM, step),
                          Triple(step, UPSTREAM, up), Triple(step, HOPS, _integer(hops))))
        for version in versions:
            facts.update(Triple(version, VERSION_UPSTREAM, up) for up in self._of(version))
        return facts

    def _of(self, node: NamedNode) -> frozenset:
        known = self.memo.get(node, self.through.get(node))
        if known is not None:
            return known
        owners = self.lineage.datasets_of(node)
        if self.trust_stored and owners and not owners & self.recomputing:
            return self.lineage.stored(node)
        if self.lineage.is_dataset(node):
            result = self.memo[node] = frozenset(self.hops(node))
            return result
        memo = self.memo if owners else self.through
        memo[node] = frozenset()  # a cycle through versions stops here
        found: set[NamedNode] = set()
        for target in self.lineage.derived_from(node):
            found |= self.lineage.datasets_of(target)
            found |= self._of(target)
        result = memo[node] = frozenset(found)
        return result

    def hops(self, start: NamedNode) -> dict[NamedNode, int]:
        """The datasets upstream of a dataset with the fewest prov:wasDerivedFrom steps to each: a
        fresh breadth-first walk over the current edges (right on cycles too)."""
        known = self.distances.get(start)
        if known is not None:
            return known
        found: dict[NamedNode, int] = {}
        seen, layer, depth = {start}, [start], 0
        while layer:
            depth += 1
            following = []
            for node in layer:
                for target in self.lineage.derived_from(node):
                    for up in self.lineage.datasets_of(target):
                        found.setdefault(up, depth)
                    if target not in seen:
                        seen.add(target)
                        following.append(target)
            layer = following
        self.distances[start] = found
        return found


class _Lineage:
    """What the closures read from the store, through its indexes (small updates)."""

    def __init__(self, store: LineageStore):
        self.store = store
        self.oxigraph = store.oxigraph
        self._datasets_of: dict[NamedNode, frozenset] = {}
        self._stored: dict[NamedNode, frozenset] = {}
        self._graphs: dict[NamedNode, set[Triple]] = {}

    def _objects(self, subject, predicate) -> list:
        return [q.object for q in self.oxigraph.quads_for_pattern(subject, predicate, None, _VIEW)]

    def is_dataset(self, node) -> bool:
        return isinstance(node, NamedNode) and next(iter(self.oxigraph.quads_for_pattern(node, RDF_TYPE, DCAT.Dataset, _VIEW)), None) is not None

    def all_datasets(self) -> set[NamedNode]:
        return {q.subject for q in self.oxigraph.quads_for_pattern(None, RDF_TYPE, DCAT.Dataset, _VIEW) if isinstance(q.subject, NamedNode)}

    def datasets_of(self, node) -> frozenset:
        """The node itself when it is a dataset, and the datasets it is a version of."""
        found = self._datasets_of.get(node)
        if found is None:
            found = frozenset(([node] if self.is_dataset(node) else [])
                              + [d for d in self._objects(node, PROV.specializationOf) if self.is_dataset(d)])
            self._datasets_of[node] = found
        return found

    def derived_from(self, node) -> list:
        return self._objects(node, PROV.wasDerivedFrom)

    def versions(self, dataset) -> list:
        return [q.subject for q in self.oxigraph.quads_for_pattern(None, PROV.specializationOf, dataset, _VIEW)]

    def stored(self, node) -> frozenset:
        found = self._stored.get(node)
        if found is None:
            found = self._stored[node] = frozenset(self._objects(node, UPSTREAM if self.is_dataset(node) else VERSION_UPSTREAM))
        return found

    def stored_graph(self, dataset) -> set[Triple]:
        found = self._graphs.get(dataset)
        if found is None:
            found = self._graphs[dataset] = {q.triple for q in self.oxigraph.quads_for_pattern(None, None, None, closure_graph(dataset))}
        return found

    def stored_group(self, dataset) -> set[Triple]:
        return {t for t in self.stored_graph(dataset) if t.predicate != WRITER}

    def direct_readers(self, dataset) -> set[NamedNode]:
        """Datasets with a node (the dataset or a version) derived directly from this dataset or
        one of its versions; through nodes that are neither, further on."""
        found: set[NamedNode] = set()
        seen = {dataset, *self.versions(dataset)}
        todo = list(seen)
        while todo:
            node = todo.pop()
            for quad in self.oxigraph.quads_for_pattern(None, PROV.wasDerivedFrom, node, _VIEW):
                owners = self.datasets_of(quad.subject)
                found |= owners
                if not owners and quad.subject not in seen:
                    seen.add(quad.subject)
                    todo.append(quad.subject)
        return found

    def writers(self, datasets) -> dict[NamedNode, set[NamedNode]]:
        found: dict[NamedNode, set[NamedNode]] = defaultdict(set)
        if not datasets:
            return found
        values = " ".join(str(d) for d in datasets)
        for row in self.store.select(f"""SELECT DISTINCT ?d ?job WHERE {{ VALUES ?d {{ {values} }}
                ?version prov:specializationOf ?d ; prov:wasGeneratedBy ?run .
                ?run prov:qualifiedAssociation ?association . ?association prov:hadPlan ?job }}"""):
            found[row["d"]].add(row["job"])
        return found


class _BulkLineage(_Lineage):
    """The same, read from the whole store in one pass (large ingests)."""

    def __init__(self, store: LineageStore):
        super().__init__(store)
        self._datasets = super().all_datasets()
        self._derived: dict[NamedNode, list] = defaultdict(list)
        for quad in self.oxigraph.quads_for_pattern(None, PROV.wasDerivedFrom, None, _VIEW):
            self._derived[quad.subject].append(quad.object)
        self._versions: dict[NamedNode, list] = defaultdict(list)
        self._specialises: dict[NamedNode, list] = defaultdict(list)
        for quad in self.oxigraph.quads_for_pattern(None, PROV.specializationOf, None, _VIEW):
            if quad.object in self._datasets:
                self._versions[quad.object].append(quad.subject)
                self._specialises[quad.subject].append(quad.object)

    def is_dataset(self, node) -> bool:
        return node in self._datasets

    def all_datasets(self) -> set[NamedNode]:
        return set(self._datasets)

    def datasets_of(self, node) -> frozenset:
        found = self._datasets_of.get(node)
        if found is None:
            found = self._datasets_of[node] = frozenset(([node] if node in self._datasets else []) + self._specialises.get(node, []))
        return found

    def derived_from(self, node) -> list:
        return self._derived.get(node, [])

    def versions(self, dataset) -> list:
        return self._versions.get(dataset, [])

    def stored(self, node) -> frozenset:
        return frozenset()

    def writers(self, datasets) -> dict[NamedNode, set[NamedNode]]:
        # Three index scans joined here cost a quarter of the same join in SPARQL.
        def links(predicate) -> dict[NamedNode, list]:
            found: dict[NamedNode, list] = defaultdict(list)
            for quad in self.oxigraph.quads_for_pattern(None, predicate, None, _VIEW):
                found[quad.subject].append(quad.object)
            return found
        runs_of, associations_of, plans_of = links(PROV.wasGeneratedBy), links(PROV.qualifiedAssociation), links(PROV.hadPlan)
        found: dict[NamedNode, set[NamedNode]] = defaultdict(set)
        for dataset in datasets:
            for version in self._versions.get(dataset, ()):
                for run in runs_of.get(version, ()):
                    for association in associations_of.get(run, ()):
                        found[dataset].update(plans_of.get(association, ()))
        return found


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=XSD.integer)


__all__ = ["maintain", "closure_graph", "UPSTREAM", "VERSION_UPSTREAM", "WRITER"]
