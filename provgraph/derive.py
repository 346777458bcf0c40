"""Facts that depend on more than one event, recomputed after each ingest for what it touched.

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
  no earlier version is known), plus the table-level ``prov:wasDerivedFrom`` between datasets;
  what each run read (that version, else the dataset) once more as ``pg:usedVersion``, with its
  readable ``pg:versionLabel`` (:mod:`provgraph.version_labels`).

Each entity's derived facts live in a named graph of their own (``ids.derived_graph``), so
re-deriving an entity replaces exactly its facts. Re-deriving is idempotent.

What the events say is read from two places: the facts the OpenLineage importer kept while
mapping (:class:`~provgraph.importers.lineage_facts.LineageFacts`), and the store — only for the
runs and datasets an earlier ingest already knew (:class:`KnownBefore`), or whose importer keeps
no facts. The outcome is the same as reading everything back out of the store (tests check it);
a first ingest of a large file then never queries the store, and its derived graphs are
bulk-loaded as N-Quads text, graph and view together.

A small ingest into a large store (the OpenLineage HTTP transport sends one event per request)
touches datasets that thousands of earlier runs read. Those runs are settled — no event of the
ingest is about them — and their derived graphs already hold their start and end, read instead
of their events; the store is read in queries bound to what is wanted (VALUES), never whole; and
the graph of a dataset the ingest's runs only read is patched (:func:`_patch`) rather than
re-derived: the result is the same graph.
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

from pyoxigraph import Literal, NamedNode

from . import closure, ids
from .importers.fields import xsd_datetime
from .importers.lineage_facts import LineageFacts, RunTimes
from .store import LineageStore
from .version_labels import VersionLabels
from .vocab import PG, PROV, RDF_TYPE, RUN_STATES, XSD

_BATCH_PREFIX = ids.KIND_PREFIXES["batch"]
#: From this many runs or datasets on, a lookup reads the whole store in one query and keeps the
#: rows it needs (a single large ingest); below, it looks each one up in the store's indexes.
MASS_LOOKUP = 1_000


def rederive(store: LineageStore, runs: set[NamedNode], datasets: set[NamedNode], facts: LineageFacts | None = None,
             *, only_events: bool = False) -> int:
    """Re-derive the facts of the given runs and datasets, and of every dataset those runs read
    or wrote, reading what the store says about them. ``facts`` (from the importer, see
    :class:`~provgraph.importers.lineage_facts.LineageFacts`) adds runs and datasets whose every
    fact is in hand: the store is not read for those, and their derived graphs are taken to be
    new — the caller passes in ``runs``/``datasets`` any of them the store knew before.
    ``only_events``: what changed since the last derivation is only what ``facts`` and ``runs``
    say (an ingest of OpenLineage events, nothing removed); then a small ingest patches the
    graph of a dataset its runs only read (:func:`_patchable`) instead of re-deriving it whole.
    Returns the number of derived triples written."""
    facts = facts if facts is not None else LineageFacts()
    look_runs = {str(r) for r in runs}
    # The runs whose events this ingest may have changed; every other run is settled (below).
    event_runs = set(look_runs)
    look_datasets = {str(d) for d in datasets}
    look_datasets |= _strs(_datasets_of_runs(store, runs, mass=_mass_pays(len(runs), len(runs) + len(facts.times))))
    derived_runs = facts.runs() | look_runs
    derived_datasets = look_datasets | facts.datasets()
    batch = len(derived_runs) + len(derived_datasets)
    patched: dict[str, list] = {}
    if only_events and batch < MASS_LOOKUP:
        patched = _patchable(store, derived_datasets, set(facts.times) | event_runs, event_runs, facts)
        look_datasets -= patched.keys()
    look_nodes = {NamedNode(_value(d)) for d in look_datasets}
    mass = _mass_pays(len(look_nodes), batch)
    stored_versions = {str(d): [_Version(str(v.iri), str(v.run), v.change) for v in vs]
                       for d, vs in _versions(store, look_nodes, mass).items()}
    stored_readers = {str(d): [(str(r), str(v) if v is not None else None) for r, v in rs]
                      for d, rs in _readers(store, look_nodes, mass).items()}
    # Runs the store named (beyond the facts in hand) are read from the store too.
    look_runs.update(v.run for vs in stored_versions.values() for v in vs)
    look_runs.update(r for rs in stored_readers.values() for r, _ in rs)
    # A run all of whose events are in hand (new with this ingest) needs no store lookup; one
    # that is neither new nor in ``event_runs`` is settled: its derived graph holds its times.
    new_runs = facts.times.keys() - event_runs
    mass = _mass_pays(len(look_runs), batch)
    if mass:
        times = _times_of(store, look_runs, facts, mass=True)
    else:
        times = _times_of(store, event_runs, facts, mass=False)
        times.update(_settled_times(store, look_runs - event_runs - new_runs))
    outputs = _outputs_of(store, look_runs if mass else look_runs - new_runs, facts, mass)
    drops = _drops_of(store, look_datasets, facts)
    labels = VersionLabels(store, bulk=len(derived_runs) >= MASS_LOOKUP or len(derived_datasets) >= MASS_LOOKUP)
    # Made one entity at a time as the store takes them, so that memory does not grow with the batch.
    contents = itertools.chain(
        ((run, run in look_runs, _run_facts(run, times.get(run))) for run in sorted(derived_runs)),
        ((dataset, dataset in look_datasets,
          _dataset_facts(dataset, _versions_of(facts.generated.get(dataset, ()), stored_versions.get(dataset, ())),
                         _readers_of(facts.reads.get(dataset, {}), stored_readers.get(dataset, ())), outputs, times,
                         drops.get(dataset, []), labels))
         for dataset in sorted(derived_datasets - patched.keys())))
    written = store.write_derived((_graph_of(entity), may_exist, triples) for entity, may_exist, triples in contents)
    for dataset in sorted(patched):
        written += _patch(store, dataset, patched[dataset], times, outputs, labels)
    # From here on, ``runs`` and ``datasets`` name every run and dataset re-derived.
    runs, datasets = {NamedNode(_value(r)) for r in derived_runs}, {NamedNode(_value(d)) for d in derived_datasets}
    return written + closure.maintain(store, runs, datasets)


def _graph_of(entity: str) -> NamedNode:
    return ids.derived_graph(NamedNode(_value(entity)))


def _strs(nodes) -> set[str]:
    return {str(n) for n in nodes}


def _value(iri: str) -> str:
    """The IRI inside an N-Triples ``<…>`` term (sorting on it keeps the order of ``NamedNode.value``)."""
    return iri[1:-1]


_STARTED, _ENDED, _STATE = str(PROV.startedAtTime), str(PROV.endedAtTime), str(PG.runState)
_GENERATED_AT, _REVISION_OF, _USED, _DERIVED_FROM = (str(PROV.generatedAtTime), str(PROV.wasRevisionOf), str(PROV.used),
                                                     str(PROV.wasDerivedFrom))
_INVALIDATED_AT, _INVALIDATED_BY = str(PROV.invalidatedAtTime), str(PROV.wasInvalidatedBy)
_USED_VERSION = str(PG.usedVersion)
_DATETIME = f"^^{XSD.dateTime}"
_STATE_TERMS = {state: str(PG[state]) for state in RUN_STATES}


def _time(moment: datetime) -> str:
    return f'"{xsd_datetime(moment)}"{_DATETIME}'


def _run_facts(run: str, times: RunTimes | None) -> list[str]:
    """The derived triples of one run, as N-Triples statements without the final dot."""
    if times is None:
        return []
    triples = []
    if times.started:
        triples.append(f"{run} {_STARTED} {_time(times.started)}")
    if times.ended:
        triples.append(f"{run} {_ENDED} {_time(times.ended)}")
    state = times.state
    if state:
        triples.append(f"{run} {_STATE} {_STATE_TERMS.get(state) or PG[state]}")
    return triples


@dataclass(frozen=True)
class _Version:
    iri: str
    run: str
    change: str | None


def _dataset_facts(dataset: str, versions: list[_Version], readers, outputs, times, drops, labels: VersionLabels) -> list[str]:
    triples: list[str] = []
    generated: dict[str, tuple[datetime, str, str | None]] = {}
    none = RunTimes()
    for v in versions:
        moment = times.get(v.run, none).generation_time
        if moment is None:
            continue
        known = generated.get(v.iri)
        if known is None or moment < known[0]:
            generated[v.iri] = (moment, v.run, v.change)
    ordered = sorted(generated.items(), key=lambda item: (item[1][0], _value(item[0])))
    previous = None
    for version, (moment, run, change) in ordered:
        triples.append(f"{version} {_GENERATED_AT} {_time(moment)}")
        if previous is not None:
            triples.append(f"{version} {_REVISION_OF} {previous}")
            if change in ("OVERWRITE", "TRUNCATE"):
                triples += _invalidation(previous, run, moment)
        previous = version
    moments = [t for _, (t, _, _) in ordered]
    for run in drops:
        moment = times.get(run, none).generation_time
        before = [v for v, (t, r, _) in ordered if moment is not None and t <= moment and r != run]
        if before:
            triples += _invalidation(before[-1], run, moment)

    reads: set[str] = set()
    for run, pinned in readers:
        reads.add(_reader_facts(dataset, run, pinned, ordered, moments, times, outputs, triples))
    for read in sorted(reads, key=_value):
        triples += labels.facts(dataset, read, generated[read][0] if read in generated else None)
    return triples


def _reader_facts(dataset: str, run: str, pinned: str | None, ordered: list, moments: list[datetime], times, outputs,
                  triples: list[str]) -> str:
    """Append to ``triples`` what one reader row of ``dataset`` derives; return what it read.
    ``ordered`` holds ``(version, (generation time, generating run, …))`` by time, ``moments`` their times."""
    if pinned is not None:
        read = pinned
    else:
        start = times.get(run, _NO_TIMES).effective_start
        read = dataset
        if start is not None:
            # The newest version generated at or before the start, by another run.
            for index in range(bisect.bisect_right(moments, start) - 1, -1, -1):
                if ordered[index][1][1] != run:
                    read = ordered[index][0]
                    break
        if read != dataset:
            triples.append(f"{run} {_USED} {read}")
    # What the run read, the version or else the dataset, once more without the dataset it
    # also prov:used, so that a run's inputs are listed without sorting those out; labelled below.
    triples.append(f"{run} {_USED_VERSION} {read}")
    for output_version, output_dataset in sorted(set(outputs.get(run, ())), key=lambda p: (_value(p[0]), _value(p[1]))):
        if output_version != read:
            triples.append(f"{output_version} {_DERIVED_FROM} {read}")
        if output_dataset != dataset:
            triples.append(f"{output_dataset} {_DERIVED_FROM} {dataset}")
    return read


_NO_TIMES = RunTimes()


def _invalidation(version: str, run: str, moment: datetime) -> list[str]:
    return [f"{version} {_INVALIDATED_AT} {_time(moment)}", f"{version} {_INVALIDATED_BY} {run}"]


# --- datasets an ingest only read: patched -------------------------------------------------------
#
# A dataset's derived graph depends on its versions and their generation times (the versions'
# runs' times), its drops, and per reader row (a run that read it, with the version it pinned)
# on the run's start and outputs. When no run of the ingest generated a version of the dataset or
# dropped it, its versions' times are unchanged, so is what every other reader read: only the
# ingest's readers' facts, and the labels of what they read, change; the rest of the graph stays.
# Events only add reader rows and outputs, so what a reader derived from them stays derived.

def _patchable(store: LineageStore, candidates: set[str], changed: set[str], event_runs: set[str],
               facts: LineageFacts) -> dict[str, list[tuple[str, str | None]]]:
    """Those of ``candidates`` whose derived graph may be patched, each with the reader rows of
    the ``changed`` runs (those with events in this ingest; ``event_runs`` the ones the store knew
    before): a dataset whose derived graph lists readers, that no changed run generated a version
    of or dropped, and whose changed readers' output versions no other run generated."""
    event_nodes = [NamedNode(_value(r)) for r in event_runs]
    outputs = _outputs_of(store, event_runs, facts, mass=False)
    written = {d for pairs in outputs.values() for _, d in pairs} | {d for d, rs in facts.drops.items() if rs}
    written |= {str(row["d"]) for row in _bound(store, "SELECT DISTINCT ?run ?d WHERE { ?d pg:droppedBy ?run }", "run", event_nodes)}
    # A graph without pg:usedVersion has no reader (none to patch), or was derived before
    # pg:usedVersion was: re-derived whole, like any other.
    wanted = {d for d in candidates - written
              if next(iter(store.oxigraph.quads_for_pattern(None, PG.usedVersion, None, _graph_of(d))), None) is not None}
    stored = {str(d): [(str(r), str(v) if v is not None else None) for r, v in rs]
              for d, rs in _readers(store, event_nodes, mass=False, by="run").items() if str(d) in wanted}
    rows = {d: _readers_of(facts.reads.get(d, {}), stored.get(d, ())) for d in wanted}
    versions = {v for d in wanted for run, _ in rows[d] for v, _ in outputs.get(run, ())}
    shared = {str(row["v"]) for row in _bound(store, "SELECT DISTINCT ?v ?run WHERE { ?v prov:wasGeneratedBy ?run }", "v",
                                                 [NamedNode(_value(v)) for v in versions]) if str(row["run"]) not in changed}
    return {d: rs for d, rs in rows.items() if not any(v in shared for run, _ in rs for v, _ in outputs.get(run, ()))}


def _patch(store: LineageStore, dataset: str, rows: list[tuple[str, str | None]], times, outputs, labels: VersionLabels) -> int:
    """Patch the derived graph of ``dataset`` (see :func:`_patchable`) for the reader ``rows`` of
    the ingest's runs. Returns the number of their derived triples when the graph changed."""
    graph = _graph_of(dataset)
    quads = store.oxigraph.quads_for_pattern
    # The versions' generation times, as derived before: none of the ingest's runs generated one.
    generated = sorted(((str(q.subject), _parse_time(q.object.value)) for q in quads(None, PROV.generatedAtTime, None, graph)),
                       key=lambda p: (p[1], _value(p[0])))
    ordered = [(version, (moment, None, None)) for version, moment in generated]
    moments = [moment for _, moment in generated]
    new_lines: list[str] = []
    new_reads = {_reader_facts(dataset, run, pinned, ordered, moments, times, outputs, new_lines) for run, pinned in rows}
    readers = {run for run, _ in rows}
    old: dict[str, object] = {}  # the graph's present triples that the patch may replace, by N-Triples line

    def note(found) -> None:
        for q in found:
            old[f"{q.subject} {q.predicate} {q.object}"] = q.triple

    for run in readers:
        note(quads(NamedNode(_value(run)), None, None, graph))
        for version, _ in outputs.get(run, ()):
            note(quads(NamedNode(_value(version)), PROV.wasDerivedFrom, None, graph))
    old_reads = {str(t.object) for t in old.values() if t.predicate == PG.usedVersion}
    times_of = dict(generated)
    for read in sorted(old_reads | new_reads, key=_value):
        node = NamedNode(_value(read))
        note(quads(node, PG.versionLabel, None, graph))
        if read in new_reads or any(str(q.subject) not in readers for q in quads(None, PG.usedVersion, node, graph)):
            new_lines += labels.facts(dataset, read, times_of.get(read))
    new = dict.fromkeys(new_lines)
    gone = [t for line, t in old.items() if line not in new]
    added = [line for line in new if line not in old]
    if not gone and not added:
        return 0
    store.patch_derived(graph, gone, added)
    return len(new_lines)


# --- facts in hand, and the store's for what it knew before ------------------------------------

def _versions_of(in_hand, stored: list[_Version]) -> list[_Version]:
    """A dataset's ``(version, generating run, lifecycle change)`` rows, from the facts in hand
    and the store; a version's change, stated by any batch, goes with every run that generated it."""
    runs: dict[str, set] = defaultdict(set)
    changes: dict[str, set] = defaultdict(set)
    for version, run, change in in_hand:
        runs[version].add(run)
        if change is not None:
            changes[version].add(change)
    for v in stored:
        runs[v.iri].add(v.run)
        if v.change is not None:
            changes[v.iri].add(v.change)
    rows = {_Version(version, run, change) for version, rs in runs.items() for run in rs for change in (changes.get(version) or (None,))}
    return sorted(rows, key=lambda v: (_value(v.iri), _value(v.run), v.change or ""))


def _readers_of(in_hand: dict[str, set[str] | None], stored: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """A dataset's ``(run, pinned version or None)`` rows: a run that named the version it read
    is listed with that version only."""
    pins: dict[str, set[str]] = {run: set(pinned or ()) for run, pinned in in_hand.items()}
    for run, pinned in stored:
        entry = pins.setdefault(run, set())
        if pinned is not None:
            entry.add(pinned)
    rows = [(run, v) for run, versions in pins.items() for v in (versions or (None,))]
    return sorted(rows, key=lambda x: (_value(x[0]), _value(x[1]) if x[1] else ""))


def _times_of(store: LineageStore, look: set[str], facts: LineageFacts, mass: bool) -> dict[str, RunTimes]:
    """Every run's times: the facts in hand (updated in place, so that they no longer stand for
    one batch), plus what the store's events say for ``look``."""
    times = facts.times
    for run, found in _run_times(store, {NamedNode(_value(r)) for r in look}, mass).items():
        key = str(run)
        if key in times:
            times[key].merge(found)
        else:
            times[key] = found
    return times


def _settled_times(store: LineageStore, runs: set[str]) -> dict[str, RunTimes]:
    """The times of runs no event of this ingest is about: what their derived graphs say, which
    is what their events said when they were last derived (read for all of them in one query
    instead of a few lookups per event). A derived start and end are all a dataset's facts need
    of a run (its :attr:`~RunTimes.effective_start` and :attr:`~RunTimes.generation_time`); a
    run lacking either (no START, or not ended) has its events read instead."""
    starts: dict[str, set] = defaultdict(set)
    ends: dict[str, set] = defaultdict(set)
    # Only derive states a run's prov:startedAtTime and prov:endedAtTime, once, in the run's graph.
    for row in _bound(store, "SELECT ?run ?s ?e WHERE { OPTIONAL { ?run prov:startedAtTime ?s } OPTIONAL { ?run prov:endedAtTime ?e } }",
                      "run", [NamedNode(_value(r)) for r in runs]):
        run = str(row["run"])
        if row["s"] is not None:
            starts[run].add(row["s"].value)
        if row["e"] is not None:
            ends[run].add(row["e"].value)
    found: dict[str, RunTimes] = {}
    unsure = set()
    for run in runs:
        started, ended = starts.get(run, ()), ends.get(run, ())
        if len(started) != 1 or len(ended) != 1:
            unsure.add(NamedNode(_value(run)))
            continue
        times = found[run] = RunTimes()
        times.started, times.ended = _parse_time(next(iter(started))), _parse_time(next(iter(ended)))
    found.update((str(run), t) for run, t in _run_times(store, unsure, mass=False).items())
    return found


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _outputs_of(store: LineageStore, look: set[str], facts: LineageFacts, mass: bool) -> dict[str, list[tuple[str, str]]]:
    """``(version, dataset)`` pairs each run generated (unsorted, maybe repeated)."""
    pairs: dict[str, list] = defaultdict(list)
    for dataset, rows in facts.generated.items():
        for version, run, _ in rows:
            pairs[run].append((version, dataset))
    for run, found in _outputs(store, {NamedNode(_value(r)) for r in look}, mass).items():
        pairs[str(run)].extend((str(v), str(d)) for v, d in found)
    return pairs


def _drops_of(store: LineageStore, look: set[str], facts: LineageFacts) -> dict[str, list[str]]:
    runs: dict[str, set] = {d: set(rs) for d, rs in facts.drops.items()}
    for dataset, found in _drops(store, {NamedNode(_value(d)) for d in look}).items():
        runs.setdefault(str(dataset), set()).update(str(r) for r in found)
    return {d: sorted(rs, key=_value) for d, rs in runs.items() if rs}


class KnownBefore:
    """Which runs and datasets of one ingest the store held before it, each checked once, before
    the batch naming it is written (see :func:`rederive`'s ``facts``)."""

    def __init__(self, store: LineageStore):
        self.store = store
        # A store without batches knew no run or dataset: nothing to check.
        self.empty = next(iter(store.oxigraph.quads_for_pattern(None, RDF_TYPE, PROV.Bundle, ids.CATALOG_GRAPH)), None) is None
        self.checked: set[str] = set()
        self.runs: set[str] = set()
        self.datasets: set[str] = set()

    def check(self, runs: set[str], datasets: set[str]) -> None:
        """Note which of ``runs`` and ``datasets`` (N-Triples ``<…>`` form) the store holds now."""
        if self.empty:
            return
        for wanted, known in ((runs, self.runs), (datasets, self.datasets)):
            new = wanted - self.checked
            self.checked |= new
            known |= known_before(self.store, new)


def known_before(store: LineageStore, iris) -> set[str]:
    """Those of ``iris`` (N-Triples ``<…>`` form) that some triple of the store names, as subject
    or object: runs and datasets an earlier ingest knew, whose facts derive must read from the store."""
    quads = store.oxigraph.quads_for_pattern
    found = set()
    for iri in iris:
        node = NamedNode(_value(iri))
        if next(iter(quads(node, None, None, None)), None) is not None or next(iter(quads(None, None, node, None)), None) is not None:
            found.add(iri)
    return found


# --- reading the store -----------------------------------------------------------------------

def _objects(store: LineageStore, subject, predicate) -> list:
    return [q.object for q in store.oxigraph.quads_for_pattern(subject, predicate, None, None)]


# The lookups below read the view, like the canned queries: each is one query, bound to the runs
# or datasets wanted by a VALUES block (:func:`_bound`), or, when a large ingest wants many, run
# over the whole store with the rows wanted kept (:func:`_mass`).

def _mass_pays(lookups: int, batch: int) -> bool:
    """Whether to read the whole store in one query rather than look ``lookups`` runs or datasets
    up in a bound query: only when they are many and the ingest is large too. A small ingest
    touching datasets that thousands of runs read costs a few index lookups per run (tens of
    µs), far less than a query over the whole store (~1 s per million triples, whatever the
    ingest)."""
    return lookups >= MASS_LOOKUP and batch >= MASS_LOOKUP


def _mass(store: LineageStore, text: str, key: str, wanted) -> Iterator[dict]:
    """Rows of ``text`` (run over the whole store) whose ``key`` is one of ``wanted``."""
    wanted = wanted if isinstance(wanted, (set, frozenset)) else set(wanted)
    return (row for row in store.select(text) if row[key] in wanted)


#: IRIs per VALUES block of :func:`_bound`.
BOUND_CHUNK = 5_000


def _bound(store: LineageStore, text: str, key: str, wanted) -> Iterator[dict]:
    """Rows of ``text`` with ``?key`` bound to each of ``wanted`` (IRIs from the store) by a
    VALUES block: Oxigraph joins in its indexes what costs Python one call per lookup (a quarter
    of the time for thousands of runs)."""
    wanted = sorted(wanted, key=lambda n: n.value)
    head, where, body = text.partition("WHERE {")
    for i in range(0, len(wanted), BOUND_CHUNK):
        values = " ".join(str(n) for n in wanted[i:i + BOUND_CHUNK])
        yield from store.select(f"{head}WHERE {{ VALUES ?{key} {{ {values} }} {body}")


def _rows(store: LineageStore, text: str, key: str, wanted, mass: bool) -> Iterator[dict]:
    """Rows of ``text`` whose ``key`` is one of ``wanted``: by :func:`_mass` or :func:`_bound`."""
    return _mass(store, text, key, wanted) if mass else _bound(store, text, key, wanted)


def _datasets_of_runs(store: LineageStore, runs, mass: bool) -> set[NamedNode]:
    return {row["d"] for row in _rows(store, """SELECT DISTINCT ?run ?d WHERE {
              { ?run prov:used ?d . ?d a dcat:Dataset } UNION { ?v prov:wasGeneratedBy ?run ; prov:specializationOf ?d }
              UNION { ?d pg:droppedBy ?run } }""", "run", runs, mass)}


def _versions(store: LineageStore, datasets, mass: bool) -> dict[NamedNode, list[_Version]]:
    found: dict[NamedNode, list[_Version]] = defaultdict(list)
    grouped: dict[NamedNode, set] = defaultdict(set)
    for row in _rows(store, """SELECT DISTINCT ?d ?v ?run ?change WHERE { ?v prov:specializationOf ?d ; prov:wasGeneratedBy ?run .
                               OPTIONAL { ?v pg:lifecycleStateChange ?change } }""", "d", datasets, mass):
        change = row["change"].value if row["change"] is not None else None
        grouped[row["d"]].add(_Version(row["v"], row["run"], change))
    for dataset, rows in grouped.items():
        found[dataset] = sorted(rows, key=lambda v: (v.iri.value, v.run.value, v.change or ""))
    return found


#: How a run read a version its batch named, with the bound variable first.
_PINNED_READ = {"d": '?v prov:specializationOf ?d . GRAPH ?g {{ ?run prov:used ?v }} FILTER(STRSTARTS(STR(?g), "{batch}"))',
                "run": 'GRAPH ?g {{ ?run prov:used ?v }} FILTER(STRSTARTS(STR(?g), "{batch}")) ?v prov:specializationOf ?d'}


def _readers(store: LineageStore, wanted, mass: bool, by: str = "d") -> dict[NamedNode, list[tuple[NamedNode, NamedNode | None]]]:
    """For each dataset, ``(run, pinned version or None)`` for every run whose events say it read
    it: of the datasets ``wanted`` (``by="d"``), or read by the runs ``wanted`` (``by="run"``)."""
    found: dict[NamedNode, set] = defaultdict(set)
    for row in _rows(store, "SELECT DISTINCT ?d ?run WHERE { ?run prov:used ?d }", by, wanted, mass):
        found[row["d"]].add((row["run"], None))
    # A version read is named by the batch (derived graphs state one too).
    pinned = _PINNED_READ[by].format(batch=_BATCH_PREFIX)
    for row in _rows(store, f"SELECT DISTINCT ?d ?run ?v WHERE {{ {pinned} }}", by, wanted, mass):
        found[row["d"]].discard((row["run"], None))
        found[row["d"]].add((row["run"], row["v"]))
    return {d: sorted(rs, key=lambda x: (x[0].value, x[1].value if x[1] else "")) for d, rs in found.items() if rs}


def _outputs(store: LineageStore, runs, mass: bool) -> dict[NamedNode, list[tuple[NamedNode, NamedNode]]]:
    found: dict[NamedNode, list] = defaultdict(list)
    grouped: dict[NamedNode, set] = defaultdict(set)
    for row in _rows(store, "SELECT DISTINCT ?run ?v ?d WHERE { ?v prov:wasGeneratedBy ?run ; prov:specializationOf ?d }", "run", runs, mass):
        grouped[row["run"]].add((row["v"], row["d"]))
    for run, pairs in grouped.items():
        found[run] = sorted(pairs, key=lambda p: (p[0].value, p[1].value))
    return found


def _drops(store: LineageStore, datasets) -> dict[NamedNode, list[NamedNode]]:
    found: dict[NamedNode, list] = defaultdict(list)
    for dataset in datasets:
        runs = sorted(set(_objects(store, dataset, PG.droppedBy)), key=lambda n: n.value)
        if runs:
            found[dataset] = runs
    return found


def _run_times(store: LineageStore, runs, mass: bool) -> dict[NamedNode, RunTimes]:
    found: dict[NamedNode, RunTimes] = defaultdict(RunTimes)
    grouped: dict[NamedNode, set] = defaultdict(set)
    for row in _rows(store, "SELECT DISTINCT ?run ?type ?t WHERE { ?e pg:run ?run ; pg:eventType ?type ; prov:atTime ?t }", "run", runs, mass):
        grouped[row["run"]].add((row["type"], row["t"]))
    for run, rows in grouped.items():
        for kind, at in rows:
            found[run].add(_parse_time(at.value), kind.value.rsplit("#", 1)[-1])
    return found


__all__ = ["rederive", "known_before", "KnownBefore", "RunTimes", "Literal"]
