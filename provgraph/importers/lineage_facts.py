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

from ..vocab import TERMINAL_STATES


class RunTimes:
    """What the events of one run say about its times (all UTC), kept as running minima and maxima."""

    __slots__ = ("started", "ended", "first", "last", "_latest")

    def __init__(self) -> None:
        #: Earliest START, latest COMPLETE/FAIL/ABORT, earliest and latest event of any type.
        self.started: datetime | None = None
        self.ended: datetime | None = None
        self.first: datetime | None = None
        self.last: datetime | None = None
        self._latest: tuple | None = None

    def add(self, moment: datetime, state: str) -> None:
        """Note one event of the run: its time and type (``START``, ``COMPLETE`` …)."""
        terminal = state in TERMINAL_STATES
        if state == "START":
            if self.started is None or moment < self.started:
                self.started = moment
        elif terminal and (self.ended is None or moment > self.ended):
            self.ended = moment
        if self.first is None or moment < self.first:
            self.first = moment
        if self.last is None or moment > self.last:
            self.last = moment
        # On a tie a terminal state is the final one; between two terminal states, the name
        # decides, so that the answer never depends on the order events arrive in.
        key = (moment, terminal, state)
        if self._latest is None or key > self._latest:
            self._latest = key

    def merge(self, other: "RunTimes") -> None:
        """Add what another set of the run's events says."""
        self.started = _least(self.started, other.started)
        self.ended = _most(self.ended, other.ended)
        self.first = _least(self.first, other.first)
        self.last = _most(self.last, other.last)
        self._latest = _most(self._latest, other._latest)

    @property
    def effective_start(self) -> datetime | None:
        """When the run began reading: its START, else its earliest event."""
        return self.started or self.first

    @property
    def generation_time(self) -> datetime | None:
        """When its outputs were generated: its end, else its latest event."""
        return self.ended or self.last

    @property
    def state(self) -> str | None:
        return self._latest[2] if self._latest is not None else None


def _least(a, b):
    return b if a is None or (b is not None and b < a) else a


def _most(a, b):
    return b if a is None or (b is not None and b > a) else a


class LineageFacts:
    """Derive's inputs from one batch (or several, after :meth:`update`).

    * ``times[run]``: :class:`RunTimes`;
    * ``reads[dataset][run]``: set of versions pinned by the run's ``version`` input facet, or
      None when it read the dataset without naming one;
    * ``generated[dataset]``: set of ``(version, run, lifecycle change or None)``;
    * ``drops[dataset]``: set of runs whose output said DROP.

    A large file holds hundreds of thousands of runs, so the containers are kept lean.
    """

    __slots__ = ("times", "reads", "generated", "drops")

    def __init__(self) -> None:
        self.times: dict[str, RunTimes] = {}
        self.reads: dict[str, dict[str, set[str] | None]] = defaultdict(dict)
        self.generated: dict[str, set[tuple[str, str, str | None]]] = defaultdict(set)
        self.drops: dict[str, set[str]] = defaultdict(set)

    # --- recording (one record's facts are kept apart until it is accepted) ----------------
    def add(self, facts: list[tuple]) -> None:
        """Record the fact tuples one accepted record gave (see :class:`RecordFacts`)."""
        for fact in facts:
            kind = fact[0]
            if kind == "event":
                times = self.times.get(fact[1])
                if times is None:
                    times = self.times[fact[1]] = RunTimes()
                times.add(fact[2], fact[3])
            elif kind == "read":
                _, run, dataset, pinned = fact
                self._read(self.reads[dataset], run, {pinned} if pinned is not None else None)
            elif kind == "generated":
                _, run, version, dataset, change = fact
                self.generated[dataset].add((version, run, change))
            else:  # "dropped"
                _, run, dataset = fact
                self.drops[dataset].add(run)

    @staticmethod
    def _read(readers: dict, run: str, pins: set[str] | None) -> None:
        known = readers.get(run)
        if known is None:
            readers[run] = set(pins) if pins else None
        elif pins:
            known |= pins

    def update(self, other: "LineageFacts") -> None:
        """Add the facts of another batch."""
        for run, times in other.times.items():
            mine = self.times.get(run)
            if mine is None:
                self.times[run] = times
            else:
                mine.merge(times)
        for dataset, readers in other.reads.items():
            mine = self.reads[dataset]
            for run, pins in readers.items():
                self._read(mine, run, pins)
        for dataset, rows in other.generated.items():
            self.generated[dataset] |= rows
        for dataset, runs in other.drops.items():
            self.drops[dataset] |= runs

    def runs(self) -> set[str]:
        """Every run these facts name (each has at least one event)."""
        return set(self.times)

    def datasets(self) -> set[str]:
        """Every dataset these facts name."""
        return set(self.reads) | set(self.generated) | set(self.drops)

    def __bool__(self) -> bool:
        return bool(self.times)


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
