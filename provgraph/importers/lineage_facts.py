"""What OpenLineage run events say that :mod:`provgraph.derive` needs, kept as the importer maps
them, so that derive reads the store only for the runs and datasets that earlier ingests knew.

The facts are the ones derive would otherwise query back out of the batch's triples (MAPPING.md,
"Derived facts"): each run event's time and type, each input a run read (and the version it
pinned), each version a run generated (with its lifecycle change) and each DROP. IRIs are kept in
their N-Triples form (``<https://…>``), times as aware UTC :class:`datetime` objects.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime


class LineageFacts:
    """Derive's inputs from one batch (or several, after :meth:`update`).

    * ``events[run]``: set of ``(time, event type)``;
    * ``reads[dataset][run]``: set of versions pinned by the run's ``version`` input facet
      (empty when it read the dataset without naming one);
    * ``generated[dataset][version]``: ``(runs, lifecycle changes)`` — sets;
    * ``outputs[run]``: set of ``(version, dataset)``;
    * ``drops[dataset]``: set of runs whose output said DROP;
    * ``run_datasets[run]``: the datasets the run read, wrote or dropped.
    """

    __slots__ = ("events", "reads", "generated", "outputs", "drops", "run_datasets")

    def __init__(self) -> None:
        self.events: dict[str, set[tuple[datetime, str]]] = defaultdict(set)
        self.reads: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.generated: dict[str, dict[str, tuple[set[str], set[str]]]] = defaultdict(dict)
        self.outputs: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self.drops: dict[str, set[str]] = defaultdict(set)
        self.run_datasets: dict[str, set[str]] = defaultdict(set)

    # --- recording (one record's facts are kept apart until it is accepted) ----------------
    def add(self, facts: list[tuple]) -> None:
        """Record the fact tuples one accepted record gave (see :class:`RecordFacts`)."""
        for fact in facts:
            kind = fact[0]
            if kind == "event":
                self.events[fact[1]].add((fact[2], fact[3]))
            elif kind == "read":
                _, run, dataset, pinned = fact
                pins = self.reads[dataset][run]
                if pinned is not None:
                    pins.add(pinned)
                self.run_datasets[run].add(dataset)
            elif kind == "generated":
                _, run, version, dataset, change = fact
                entry = self.generated[dataset].get(version)
                if entry is None:
                    entry = self.generated[dataset][version] = (set(), set())
                entry[0].add(run)
                if change is not None:
                    entry[1].add(change)
                self.outputs[run].add((version, dataset))
                self.run_datasets[run].add(dataset)
            else:  # "dropped"
                _, run, dataset = fact
                self.drops[dataset].add(run)
                self.run_datasets[run].add(dataset)

    def update(self, other: "LineageFacts") -> None:
        """Add the facts of another batch."""
        for run, events in other.events.items():
            self.events[run] |= events
        for dataset, readers in other.reads.items():
            mine = self.reads[dataset]
            for run, pins in readers.items():
                mine[run] |= pins
        for dataset, versions in other.generated.items():
            mine = self.generated[dataset]
            for version, (runs, changes) in versions.items():
                entry = mine.get(version)
                if entry is None:
                    entry = mine[version] = (set(), set())
                entry[0].update(runs)
                entry[1].update(changes)
        for run, pairs in other.outputs.items():
            self.outputs[run] |= pairs
        for dataset, runs in other.drops.items():
            self.drops[dataset] |= runs
        for run, datasets in other.run_datasets.items():
            self.run_datasets[run] |= datasets

    def runs(self) -> set[str]:
        """Every run these facts name."""
        return set(self.events) | set(self.run_datasets)

    def datasets(self) -> set[str]:
        """Every dataset these facts name."""
        return set(self.reads) | set(self.generated) | set(self.drops)

    def __bool__(self) -> bool:
        return bool(self.events or self.run_datasets)


class RecordFacts(list):
    """The fact tuples of one record, in the order mapped (a list; :meth:`LineageFacts.add` reads it)."""

    __slots__ = ()

    def event(self, run: str, moment: datetime, event_type: str) -> None:
        self.append(("event", run, moment, event_type))

    def read(self, run: str, dataset: str, pinned: str | None) -> None:
        self.append(("read", run, dataset, pinned))

    def generated(self, run: str, version: str, dataset: str, change: str | None) -> None:
        self.append(("generated", run, version, dataset, change))

    def dropped(self, run: str, dataset: str) -> None:
        self.append(("dropped", run, dataset))
