"""Reuse of mapping work within one source: the same job or dataset description, repeated in
every event of a daily pipeline, is mapped once and its triples replayed afterwards.

A result is kept only when computing it raised no problem and no warning, so a replay never
hides a message that would name the record at hand; the facet counts it added are replayed too.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Callable, Hashable

from .fields import RecordReader

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency; the standard library does the same, slower
    orjson = None
from .triples import TripleSink

#: Past this many entries the memo starts afresh (it bounds memory on huge, varied sources).
MAX_ENTRIES = 50_000


def fingerprint(value: Any) -> str | bytes:
    """A key for a JSON value as parsed (dict order kept: the same producer repeats it)."""
    if orjson is not None:
        try:
            return orjson.dumps(value)
        except TypeError:  # an integer beyond 64 bits
            pass
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Memo:
    """Mapping results by key, each as (N-Triples lines, facet counts added, return value)."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, tuple[tuple[str, ...], Counter, Any]] = {}
        #: Keys whose lines an accepted record already gave to the batch, and those the record
        #: being mapped gave (they count once the record is accepted: see :meth:`accept`).
        self._emitted: set[Hashable] = set()
        self._pending: list[Hashable] = []

    def run(self, key: Hashable, r: RecordReader, out: TripleSink, unmapped: Counter,
            compute: Callable[[TripleSink, Counter], Any]) -> Any:
        """``compute(sink, counts)`` once per key; afterwards its lines go to ``out`` again,
        unless an accepted record of the batch already gave them."""
        hit = self._entries.get(key)
        if hit is not None:
            lines, counts, result = hit
            if key not in self._emitted:
                out.lines(lines)
                self._pending.append(key)
            if counts:
                unmapped.update(counts)
            return result
        problems, warnings = len(r.problems), len(r.warnings)
        sink, counts = TripleSink(), Counter()
        result = compute(sink, counts)
        out.lines(sink.triples.lines)
        unmapped.update(counts)
        if len(r.problems) == problems and len(r.warnings) == warnings:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
                self._emitted.clear()
            self._entries[key] = (tuple(sink.triples.lines), counts, result)
            self._pending.append(key)
        return result

    def accept(self) -> None:
        """The record just mapped is accepted: its lines are in the batch."""
        self._emitted.update(self._pending)
        self._pending.clear()

    def reject(self) -> None:
        """The record just mapped is refused: its lines are dropped, so later records give them again."""
        self._pending.clear()
