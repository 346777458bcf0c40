"""Facts that depend on more than one event, recomputed over the whole store after each ingest.

OpenLineage events for one run, and for the runs upstream of it, may arrive in any order and in
separate files. So the importer writes only what each event says, and this module derives —
for every run and dataset a batch touched — the facts that need them all (MAPPING.md,
"Derived facts"):

* per run: ``prov:startedAtTime`` (earliest START), ``prov:endedAtTime`` (latest COMPLETE, FAIL
  or ABORT) and ``pg:runState`` (the state of its latest event);
* per dataset: each version's ``prov:generatedAtTime`` (its run's end, else its latest event),
  the ``prov:wasRevisionOf`` chain in generation order, ``prov:invalidatedAtTime`` /
  ``prov:wasInvalidatedBy`` for versions replaced by an OVERWRITE or TRUNCATE or ended by a
  DROP; for each run that read the dataset, the version it read — the newest generated at or
  before the run started (its START, else its earliest event) — as ``prov:used``; and for each
  version that run generated, ``prov:wasDerivedFrom`` that version (or the dataset itself when
  no earlier version is known), plus the table-level ``prov:wasDerivedFrom`` between datasets.

Each entity's derived facts live in a named graph of their own (``ids.derived_graph``), so
re-deriving an entity replaces exactly its facts. Re-deriving is idempotent.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from pyoxigraph import Literal, NamedNode, Triple

from . import closure, ids
from .importers.triples import datetime_literal
from .store import LineageStore
from .vocab import DCAT, PG, PROV, RDF_TYPE, TERMINAL_STATES

_BATCH_PREFIX = ids.KIND_PREFIXES["batch"]
#: From this many runs or datasets on, a lookup reads the whole store in one query and keeps the
#: rows it needs (a single large ingest); below, it looks each one up in the store's indexes.
MASS_LOOKUP = 1_000


@dataclass
class RunTimes:
    """What the events of one run say about its times (all UTC)."""

    starts: list[datetime] = field(default_factory=list)
    ends: list[datetime] = field(default_factory=list)
    events: list[tuple[datetime, str]] = field(default_factory=list)

    @property
    def started(self) -> datetime | None:
        return min(self.starts) if self.starts else None

    @property
    def ended(self) -> datetime | None:
        return max(self.ends) if self.ends else None

    @property
    def effective_start(self) -> datetime | None:
        """When the run began reading: its START, else its earliest event."""
        return self.started or (min(t for t, _ in self.events) if self.events else None)

    @property
    def generation_time(self) -> datetime | None:
        """When its outputs were generated: its end, else its latest event."""
        return self.ended or (max(t for t, _ in self.events) if self.events else None)

    @property
    def state(self) -> str | None:
        if not self.events:
            return None
        # On a tie a terminal state is the final one; between two terminal states, the name
        # decides, so that the answer never depends on the order the store returns rows.
        return max(self.events, key=lambda e: (e[0], e[1] in TERMINAL_STATES, e[1]))[1]


def rederive(store: LineageStore, runs: set[NamedNode], datasets: set[NamedNode]) -> int:
    """Re-derive the facts of the given runs and datasets, and of every dataset those runs read
    or wrote. Returns the number of derived triples written."""
    datasets = set(datasets) | _datasets_of_runs(store, runs)
    versions = _versions(store, datasets)
    readers = _readers(store, datasets)
    involved_runs = set(runs) | {v.run for vs in versions.values() for v in vs} | {r for rs in readers.values() for r, _ in rs}
    times = _run_times(store, involved_runs)
    outputs = _outputs(store, {r for rs in readers.values() for r, _ in rs})
    drops = _drops(store, datasets)
    # Made one entity at a time as the store takes them, so that memory does not grow with the batch.
    contents = itertools.chain(
        ((ids.derived_graph(run), _run_facts(run, times.get(run))) for run in runs),
        ((ids.derived_graph(dataset), _dataset_facts(dataset, versions.get(dataset, []), readers.get(dataset, []),
                                                     outputs, times, drops.get(dataset, []))) for dataset in datasets))
    written = store.replace_graphs(contents)
    return written + closure.maintain(store, runs, datasets)


def _run_facts(run: NamedNode, times: RunTimes | None) -> list[Triple]:
    if times is None:
        return []
    triples = []
    if times.started:
        triples.append(Triple(run, PROV.startedAtTime, datetime_literal(times.started)))
    if times.ended:
        triples.append(Triple(run, PROV.endedAtTime, datetime_literal(times.ended)))
    if times.state:
        triples.append(Triple(run, PG.runState, PG[times.state]))
    return triples


@dataclass(frozen=True)
class _Version:
    iri: NamedNode
    run: NamedNode
    change: str | None


def _dataset_facts(dataset, versions: list[_Version], readers, outputs, times, drops) -> list[Triple]:
    triples: list[Triple] = []
    generated: dict[NamedNode, tuple[datetime, NamedNode, str | None]] = {}
    for v in versions:
        moment = times.get(v.run, RunTimes()).generation_time
        if moment is None:
            continue
        known = generated.get(v.iri)
        if known is None or moment < known[0]:
            generated[v.iri] = (moment, v.run, v.change)
    ordered = sorted(generated.items(), key=lambda item: (item[1][0], item[0].value))
    previous = None
    for version, (moment, run, change) in ordered:
        triples.append(Triple(version, PROV.generatedAtTime, datetime_literal(moment)))
        if previous is not None:
            triples.append(Triple(version, PROV.wasRevisionOf, previous))
            if change in ("OVERWRITE", "TRUNCATE"):
                triples += _invalidation(previous, run, moment)
        previous = version
    for run in drops:
        moment = times.get(run, RunTimes()).generation_time
        before = [v for v, (t, r, _) in ordered if moment is not None and t <= moment and r != run]
        if before:
            triples += _invalidation(before[-1], run, moment)

    for run, pinned in readers:
        if pinned is not None:
            read = pinned
        else:
            start = times.get(run, RunTimes()).effective_start
            candidates = [v for v, (t, r, _) in ordered if start is not None and t <= start and r != run]
            read = candidates[-1] if candidates else dataset
            if read != dataset:
                triples.append(Triple(run, PROV.used, read))
        for output_version, output_dataset in outputs.get(run, ()):
            if output_version != read:
                triples.append(Triple(output_version, PROV.wasDerivedFrom, read))
            if output_dataset != dataset:
                triples.append(Triple(output_dataset, PROV.wasDerivedFrom, dataset))
    return triples


def _invalidation(version: NamedNode, run: NamedNode, moment: datetime) -> list[Triple]:
    return [Triple(version, PROV.invalidatedAtTime, datetime_literal(moment)),
            Triple(version, PROV.wasInvalidatedBy, run)]


# --- reading the store -----------------------------------------------------------------------

def _objects(store: LineageStore, subject, predicate) -> list:
    return [q.object for q in store.oxigraph.quads_for_pattern(subject, predicate, None, None)]


def _subjects(store: LineageStore, predicate, obj) -> list:
    return [q.subject for q in store.oxigraph.quads_for_pattern(None, predicate, obj, None)]


# These lookups read the union of all graphs, like the canned queries, but through the store's
# indexes directly: one SPARQL query per chunk of runs cost more than the ingest itself.

def _is_dataset(store: LineageStore, node) -> bool:
    return next(iter(store.oxigraph.quads_for_pattern(node, RDF_TYPE, DCAT.Dataset, None)), None) is not None


def _mass(store: LineageStore, text: str, key: str, wanted) -> "Iterator":
    """Rows of ``text`` (run over the whole store) whose ``key`` is one of ``wanted``."""
    wanted = wanted if isinstance(wanted, (set, frozenset)) else set(wanted)
    return (row for row in store.select(text) if row[key] in wanted)


def _datasets_of_runs(store: LineageStore, runs) -> set[NamedNode]:
    if len(runs) >= MASS_LOOKUP:
        return {row["d"] for row in _mass(store, """SELECT DISTINCT ?run ?d WHERE {
              { ?run prov:used ?d . ?d a dcat:Dataset } UNION { ?v prov:wasGeneratedBy ?run ; prov:specializationOf ?d }
              UNION { ?d pg:droppedBy ?run } }""", "run", runs)}
    found = set()
    for run in runs:
        found.update(d for d in _objects(store, run, PROV.used) if _is_dataset(store, d))
        for version in _subjects(store, PROV.wasGeneratedBy, run):
            found.update(_objects(store, version, PROV.specializationOf))
        found.update(_subjects(store, PG.droppedBy, run))
    return found


def _versions(store: LineageStore, datasets) -> dict[NamedNode, list[_Version]]:
    found: dict[NamedNode, list[_Version]] = defaultdict(list)
    if len(datasets) >= MASS_LOOKUP:
        grouped: dict[NamedNode, set] = defaultdict(set)
        for row in _mass(store, """SELECT DISTINCT ?d ?v ?run ?change WHERE { ?v prov:specializationOf ?d ; prov:wasGeneratedBy ?run .
                                   OPTIONAL { ?v pg:lifecycleStateChange ?change } }""", "d", datasets):
            change = row["change"].value if row["change"] is not None else None
            grouped[row["d"]].add(_Version(row["v"], row["run"], change))
        for dataset, rows in grouped.items():
            found[dataset] = sorted(rows, key=lambda v: (v.iri.value, v.run.value, v.change or ""))
        return found
    for dataset in datasets:
        rows = set()
        for version in set(_subjects(store, PROV.specializationOf, dataset)):
            changes = {c.value for c in _objects(store, version, PG.lifecycleStateChange)} or {None}
            for run in set(_objects(store, version, PROV.wasGeneratedBy)):
                rows.update(_Version(version, run, change) for change in changes)
        if rows:
            found[dataset] = sorted(rows, key=lambda v: (v.iri.value, v.run.value, v.change or ""))
    return found


def _readers(store: LineageStore, datasets) -> dict[NamedNode, list[tuple[NamedNode, NamedNode | None]]]:
    """For each dataset, ``(run, pinned version or None)`` for every run whose events say it read it."""
    found: dict[NamedNode, set] = defaultdict(set)
    if len(datasets) >= MASS_LOOKUP:
        for row in _mass(store, "SELECT DISTINCT ?d ?run WHERE { ?run prov:used ?d }", "d", datasets):
            found[row["d"]].add((row["run"], None))
        for row in _mass(store, f"""SELECT DISTINCT ?d ?run ?v WHERE {{ ?v prov:specializationOf ?d .
                                    GRAPH ?g {{ ?run prov:used ?v }} FILTER(STRSTARTS(STR(?g), "{_BATCH_PREFIX}")) }}""", "d", datasets):
            found[row["d"]].discard((row["run"], None))
            found[row["d"]].add((row["run"], row["v"]))
        datasets = ()
    for dataset in datasets:
        readers = found[dataset]
        readers.update((run, None) for run in _subjects(store, PROV.used, dataset))
        for version in set(_subjects(store, PROV.specializationOf, dataset)):
            for quad in store.oxigraph.quads_for_pattern(None, PROV.used, version, None):
                if isinstance(quad.graph_name, NamedNode) and quad.graph_name.value.startswith(_BATCH_PREFIX):
                    readers.discard((quad.subject, None))
                    readers.add((quad.subject, version))
    return {d: sorted(rs, key=lambda x: (x[0].value, x[1].value if x[1] else "")) for d, rs in found.items() if rs}


def _outputs(store: LineageStore, runs) -> dict[NamedNode, list[tuple[NamedNode, NamedNode]]]:
    found: dict[NamedNode, list] = defaultdict(list)
    if len(runs) >= MASS_LOOKUP:
        grouped: dict[NamedNode, set] = defaultdict(set)
        for row in _mass(store, "SELECT DISTINCT ?run ?v ?d WHERE { ?v prov:wasGeneratedBy ?run ; prov:specializationOf ?d }", "run", runs):
            grouped[row["run"]].add((row["v"], row["d"]))
        for run, pairs in grouped.items():
            found[run] = sorted(pairs, key=lambda p: (p[0].value, p[1].value))
        return found
    for run in runs:
        pairs = {(v, d) for v in _subjects(store, PROV.wasGeneratedBy, run) for d in _objects(store, v, PROV.specializationOf)}
        if pairs:
            found[run] = sorted(pairs, key=lambda p: (p[0].value, p[1].value))
    return found


def _drops(store: LineageStore, datasets) -> dict[NamedNode, list[NamedNode]]:
    found: dict[NamedNode, list] = defaultdict(list)
    for dataset in datasets:
        runs = sorted(set(_objects(store, dataset, PG.droppedBy)), key=lambda n: n.value)
        if runs:
            found[dataset] = runs
    return found


def _run_times(store: LineageStore, runs) -> dict[NamedNode, RunTimes]:
    found: dict[NamedNode, RunTimes] = defaultdict(RunTimes)
    if len(runs) >= MASS_LOOKUP:
        grouped: dict[NamedNode, set] = defaultdict(set)
        for row in _mass(store, "SELECT DISTINCT ?run ?type ?t WHERE { ?e pg:run ?run ; pg:eventType ?type ; prov:atTime ?t }", "run", runs):
            grouped[row["run"]].add((row["type"], row["t"]))
        per_run = grouped.items()
    else:
        per_run = []
        for run in runs:
            rows = set()
            for event in set(_subjects(store, PG.run, run)):
                types, moments = set(_objects(store, event, PG.eventType)), set(_objects(store, event, PROV.atTime))
                rows.update((t, m) for t in types for m in moments)
            per_run.append((run, rows))
    for run, rows in per_run:
        for kind, at in rows:
            state = kind.value.rsplit("#", 1)[-1]
            moment = datetime.fromisoformat(at.value.replace("Z", "+00:00"))
            times = found[run]
            times.events.append((moment, state))
            if state == "START":
                times.starts.append(moment)
            elif state in TERMINAL_STATES:
                times.ends.append(moment)
    return found


__all__ = ["rederive", "RunTimes", "Literal"]
