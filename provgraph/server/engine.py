"""Queries within their limits, and ingest, for one process of the server.

Why: pyoxigraph allows one read-write opener per store folder, and documents that reading a store
in one process while another writes it is undefined behaviour. With ``workers`` = 1 the server is
a single multi-threaded process that owns the one :class:`~provgraph.LineageGraph`, and this
engine both writes and reads it, as below. With ``workers`` > 1 each query process runs a
:class:`~provgraph.server.workers.SnapshotEngine`: the same limits over read-only snapshots, which
never change under a query, and ingest handed to the one process that writes.

**A query never sees half a batch, and a long query never blocks ingest.** Oxigraph evaluates
each query on a RocksDB snapshot taken when ``Store.query`` starts; the lazy SELECT iterator keeps
reading that snapshot. An ingest is several writes (the batch graph, the catalog entry, the
re-derived graphs), so a snapshot taken in the middle of one would be half a batch. Ingests are
serialised by a mutex and bracketed by a *generation* counter (odd while writing), a seqlock:
a query waits until no write is in progress, notes the generation, starts, and checks the
generation again after ``Store.query`` returned (that is, after its snapshot was taken). Unchanged
means no write began before the snapshot — the snapshot is whole; changed means it may not be,
and the query is started again. Writers never wait for readers. An acknowledged ingest is
visible to every query started after the acknowledgement.

**Time limit.** pyoxigraph releases the GIL while it evaluates (measured: a Python thread keeps
~55 % of its solo speed while another thread runs a 2-second COUNT on the other core), so queries
run in parallel on all cores. SELECT and CONSTRUCT are evaluated lazily as rows are pulled and
the deadline is checked at every row, which stops a runaway join that produces rows. pyoxigraph
has no way to cancel an evaluation in progress, though: ``ORDER BY``, aggregates, ``DISTINCT``, a
filter that rejects every row, run inside one call until they finish. So a query with any of
those (:func:`may_block_before_first_row`) is evaluated on one of ``max_concurrent_queries`` daemon
evaluator threads while the request thread waits up to the deadline: the client gets its 408 on
time, and the evaluator (and a core) stays busy until the evaluation ends; the evaluator count
bounds how many can, and a query that finds every slot busy for a second gets 503. Plain
patterns run in the request thread instead, because the hand-off to an evaluator — a thread
wake-up — cost more than a point query itself (profile: ~0.5 ms of 1.5 ms per request on a
loaded 2-core machine); so does a canned query whose family has proven fast
(:meth:`Engine.run_serialized`, ``known_as``). A plain pattern whose join produces no row for a
long time, and a proven canned query that turns out slow, are the cases answered late (when they
end) rather than at their limit. What remains: pyoxigraph 0.5 offers
no way to stop an evaluation (``Store.query`` has no cancel or deadline; custom functions run
only where the query text calls them), so after a 408 for a sort, aggregate or all-rejecting
filter, that evaluation keeps a core until it ends; a cross product stops at its limit.

**SELECT answers over HTTP** (:meth:`Engine.run_serialized`) are written by Oxigraph, with the row
limit appended to the query as ``LIMIT`` (:mod:`.row_cap`): no Python object per term, and one
GIL release for the whole evaluation instead of one per row. The time limit works as above: on an
evaluator, the request thread's wait; in the request thread (plain patterns), nothing reads the
clock while Oxigraph writes, so there the answer is capped at :data:`INLINE_ROWS` rows and a
longer one is read row by row instead (a cross product still stops at its time limit).
"""

from __future__ import annotations

import functools
import queue
import re
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable

from pyoxigraph import NamedNode, QueryBoolean, QueryResultsFormat, QueryTriples, Store

from ..store import view_options

from ..errors import InputRejected
from ..graph import IngestSummary, LineageGraph
from ..sources import Source
from ..vocab import PREFIXES
from .errors import ApiError
from .row_cap import serialized_within

#: How long a query waits for a free evaluation slot before it is answered 503.
SLOT_WAIT_SECONDS = 1.0
#: Most rows a plain pattern is serialised with in the request thread (no clock is read while
#: Oxigraph writes them); a longer answer is read row by row instead.
INLINE_ROWS = 1000
#: A query family (see :meth:`Engine.run_serialized`) runs in the request thread once this many of
#: its evaluations in a row each ended within this fraction of the time limit.
PROVEN_RUNS = 20
PROVEN_FRACTION = 0.05
_POSITION = re.compile(r"error at (\d+):(\d+)")
#: String literals, IRIs and comments: blanked before looking for keywords (they can hold any word).
_OPAQUE = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"'
                     r"|'(?:[^'\\\n]|\\.)*'|<[^<>\"{}|^`\\\s]*>|#[^\n]*")
_FORM = re.compile(r"(?<![\w:?$])(SELECT|CONSTRUCT|DESCRIBE|ASK)(?![\w:-])", re.IGNORECASE)
_DECLARED = re.compile(r"(?<![\w:?$])PREFIX\s+([A-Za-z][\w.-]*)?\s*:", re.IGNORECASE)
#: A prefix name where it is used (``pg:name``) or declared; a false match only passes one more prefix.
_PREFIX_USE = re.compile(r"(?<![\w.-])([A-Za-z][\w.-]*):")
_BLOCKING = re.compile(r"(?<![\w:?$])(ORDER|GROUP|HAVING|COUNT|SUM|AVG|MIN|MAX|SAMPLE|GROUP_CONCAT|DISTINCT|REDUCED|FILTER"
                       r"|MINUS|EXISTS|SERVICE)(?![\w:-])|\{\s*SELECT", re.IGNORECASE)


@dataclass
class Answer:
    """A finished query: ``kind`` is ``select`` (``columns``, ``rows`` of pyoxigraph terms or
    ``None``), ``ask`` (``boolean``) or ``graph`` (``triples``); ``truncated`` when the row limit cut it."""

    kind: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    boolean: bool = False
    triples: list = field(default_factory=list)
    truncated: bool = False


class Engine:
    """The server's single owner of a :class:`LineageGraph`; thread-safe."""

    def __init__(self, graph: LineageGraph, *, query_timeout: float, row_limit: int, max_concurrent_queries: int):
        self.graph = graph
        self.query_timeout = query_timeout
        self.row_limit = row_limit
        self._view_options = view_options()
        self._write_lock = threading.Lock()
        self._generation = 0
        self._changed = threading.Condition()
        # a token per slot: SimpleQueue's get/put are C code, a (Bounded)Semaphore is Python code (~5 µs a query)
        self._slots: queue.SimpleQueue = queue.SimpleQueue()
        for _ in range(max(1, max_concurrent_queries)):
            self._slots.put(None)
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._uncapped: dict[str, None] = {}  # SELECT texts that do not take an appended LIMIT
        self._proven: dict[str, int] = {}  # query family -> its latest evaluations in a row within PROVEN_FRACTION of the limit
        for number in range(max(1, max_concurrent_queries)):
            # daemon: an evaluation that cannot be cancelled must not keep the process alive at shutdown
            threading.Thread(target=self._evaluator, name=f"provgraph-query-{number}", daemon=True).start()

    # --- writing --------------------------------------------------------------------------
    def ingest(self, sources: list[Source], **options) -> IngestSummary:
        """Ingest ``sources`` with :meth:`LineageGraph.ingest` (``options`` passed on), one write
        at a time. Raises :class:`InputRejected` (nothing stored) as the core does."""
        with self._write_lock:
            self._bump()
            try:
                return self.graph.ingest(sources, **options)
            finally:
                self._bump()

    def _bump(self) -> None:
        with self._changed:
            self._generation += 1
            self._changed.notify_all()

    # --- reading --------------------------------------------------------------------------
    def run(self, text: str, *, default_graph: list[str] | None = None, named_graphs: list[str] | None = None,
            base_iri: str | None = None, timeout: float | None = None, row_limit: int | None = None) -> Answer:
        """Evaluate a read-only SPARQL query and collect its answer within the limits.

        Without ``default_graph``/``named_graphs`` (IRIs) the default graph is the union of all
        graphs; naming either makes the dataset exactly those graphs (SPARQL 1.1 Protocol §2.1.4).
        ``base_iri`` resolves relative IRIs in the query.
        ``timeout`` (seconds) and ``row_limit`` default to the engine's. Raises :class:`ApiError`:
        400 malformed query (details: line, column), 408 time limit, 503 no free slot."""
        deadline = time.monotonic() + (self.query_timeout if timeout is None else timeout)
        limit = self.row_limit if row_limit is None else row_limit
        options = self._options(text, default_graph, named_graphs, base_iri)
        collect = functools.partial(self._collect, deadline=deadline, limit=limit)
        # a plain pattern runs in the request thread: a hand-off costs a thread wake-up, more than a point query itself
        return self._evaluate(text, options, deadline, collect, in_request_thread=not may_block_before_first_row(text))

    def run_serialized(self, text: str, fmt: QueryResultsFormat, *, default_graph: list[str] | None = None,
                       named_graphs: list[str] | None = None, base_iri: str | None = None,
                       timeout: float | None = None, row_limit: int | None = None,
                       known_as: str | None = None) -> tuple[bytes, bool] | None:
        """Evaluate a SELECT query and have Oxigraph serialise its solutions, in Rust and without
        the GIL (see :mod:`.row_cap`): ``(body, truncated)``, ``body`` in ``fmt`` (SPARQL 1.1 Query
        Results JSON, XML, CSV or TSV), ``truncated`` when the row limit cut it. Arguments and
        errors as for :meth:`run`.

        The row limit rides in the query as an appended ``LIMIT``. A query that may block before
        its first row runs on an evaluator, where the request thread's wait enforces the time
        limit. A plain pattern runs in the request thread, as in :meth:`run`, but nothing reads it
        row by row to check the clock, so it is capped at :data:`INLINE_ROWS` rows there.

        ``known_as`` names the family a query belongs to (the canned query's name; its texts
        differ only in their bound parameters). Once the family's latest :data:`PROVEN_RUNS`
        evaluations in a row each ended within :data:`PROVEN_FRACTION` of the time limit, the
        family runs in the request thread, uncapped: in-process, the hand-off to an evaluator
        added 0.5 ms to the median 1.8 ms of canned ``upstream``. Such a query is answered when
        it ends, however long that takes (a 408 then, if past its limit); one that runs long
        sends its family back to the evaluators until it has proven itself again.

        ``None`` — call :meth:`run` instead — when ``text`` is not a SELECT query, does not take an
        appended ``LIMIT`` (it has its own, or a trailing ``VALUES``), or is a plain pattern with
        more than :data:`INLINE_ROWS` rows and a higher row limit."""
        if text in self._uncapped or not is_select(text):
            return None
        deadline = time.monotonic() + (self.query_timeout if timeout is None else timeout)
        limit = self.row_limit if row_limit is None else row_limit
        proven = known_as is not None and self._proven.get(known_as, 0) >= PROVEN_RUNS
        in_request_thread = proven or not may_block_before_first_row(text)
        cap = min(limit, INLINE_ROWS) if in_request_thread and not proven else limit
        options = self._options(text, default_graph, named_graphs, base_iri)
        serialize = functools.partial(self._serialize, fmt=fmt, deadline=deadline, limit=limit, cap=cap)
        started = time.monotonic()
        try:
            answer = self._evaluate(f"{text}\nLIMIT {cap + 1}", options, deadline, serialize, in_request_thread=in_request_thread)
            if known_as is not None:
                self._note_duration(known_as, time.monotonic() - started, timeout)
            return answer
        except ApiError as error:
            if known_as is not None and error.status == 408:
                self._note_duration(known_as, float("inf"), timeout)
            if error.code != "malformed-query":
                raise
            if len(self._uncapped) >= 1024:
                self._uncapped.clear()
            self._uncapped[text] = None  # run() reports what is wrong with the text itself, if anything
            return None

    def _note_duration(self, family: str, seconds: float, timeout: float | None) -> None:
        # a plain counter per family, reset by one slow run; a lost update under a race only delays a promotion or a reset
        if seconds <= PROVEN_FRACTION * (self.query_timeout if timeout is None else timeout):
            self._proven[family] = self._proven.get(family, 0) + 1
        else:
            self._proven[family] = 0

    def _options(self, text: str, default_graph: list[str] | None, named_graphs: list[str] | None,
                 base_iri: str | None) -> dict[str, Any]:
        options: dict[str, Any] = {"prefixes": undeclared_prefixes(text), "base_iri": base_iri}
        if default_graph is None and named_graphs is None:
            options.update(self._view_options)
        else:
            options["default_graph"] = [NamedNode(g) for g in default_graph or []]
            options["named_graphs"] = [NamedNode(g) for g in named_graphs or []]
        return options

    def _evaluate(self, text: str, options: dict, deadline: float, finish: Callable[[Any], Any], *,
                  in_request_thread: bool) -> Any:
        """``finish(result of Store.query)`` within a slot, in this thread or on an evaluator."""
        try:
            self._slots.get(timeout=SLOT_WAIT_SECONDS)
        except queue.Empty:
            raise ApiError(503, "every query evaluator is busy; retry shortly", headers={"Retry-After": "1"}) from None
        if in_request_thread:
            try:
                return finish(self._snapshot_query(text, options, deadline))
            finally:
                self._slots.put(None)
        future: Future = Future()
        self._jobs.put((future, text, options, deadline, finish))
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            raise self._timeout() from None

    def _evaluator(self) -> None:
        while True:
            future, text, options, deadline, finish = self._jobs.get()
            try:
                future.set_result(finish(self._snapshot_query(text, options, deadline)))
            except BaseException as exc:  # handed to the request thread, which answers it
                future.set_exception(exc)
            finally:
                self._slots.put(None)

    def store(self) -> Store:
        """The store queries read: the graph's own (a query process reads a snapshot instead, see
        :class:`provgraph.server.workers.SnapshotEngine`)."""
        return self.graph.store.oxigraph

    def _snapshot_query(self, text: str, options: dict, deadline: float):
        store = self.store()
        while True:
            before = self._generation  # read without the lock: a reader only needs to see an odd value or a change
            if before % 2:
                with self._changed:
                    while self._generation % 2:
                        if not self._changed.wait(max(0.0, deadline - time.monotonic())):
                            raise self._timeout()
                    before = self._generation
            try:
                result = store.query(text, **options)
            except SyntaxError as exc:
                raise malformed(exc) from None
            except (OSError, RuntimeError, ValueError) as exc:
                raise ApiError(400, f"SPARQL evaluation failed: {exc}", code="query-failed") from None
            if self._generation == before:
                return result
            if time.monotonic() > deadline:
                raise self._timeout()

    def _collect(self, result, *, deadline: float, limit: int) -> Answer:
        if time.monotonic() > deadline:
            raise self._timeout()
        if isinstance(result, QueryBoolean):
            return Answer("ask", boolean=bool(result))
        is_graph = isinstance(result, QueryTriples)
        columns = [] if is_graph else [v.value for v in result.variables]
        items: list = []
        truncated = False
        try:
            for item in result:
                if time.monotonic() > deadline:
                    raise self._timeout()
                if len(items) >= limit:
                    truncated = True
                    break
                items.append(item if is_graph else list(item))  # a solution's values, in the order of its variables
        except (OSError, RuntimeError, ValueError) as exc:
            raise ApiError(400, f"SPARQL evaluation failed: {exc}", code="query-failed") from None
        if is_graph:
            return Answer("graph", triples=items, truncated=truncated)
        return Answer("select", columns=columns, rows=items, truncated=truncated)

    def _serialize(self, result, *, fmt: QueryResultsFormat, deadline: float, limit: int,
                   cap: int) -> tuple[bytes, bool] | None:
        if time.monotonic() > deadline:
            raise self._timeout()
        try:
            answer = serialized_within(result, fmt, limit, cap)
        except (OSError, RuntimeError, ValueError) as exc:
            raise ApiError(400, f"SPARQL evaluation failed: {exc}", code="query-failed") from None
        if time.monotonic() > deadline:
            raise self._timeout()
        return answer

    def _timeout(self) -> ApiError:
        return ApiError(408, f"query stopped at its time limit of {self.query_timeout:g} s")


@functools.lru_cache(maxsize=1024)
def _code(text: str) -> str:
    """``text`` with its strings, IRIs and comments blanked (each can hold any word); cached, as
    the three questions below each ask it of every new query text."""
    return _OPAQUE.sub(" ", text)


@functools.lru_cache(maxsize=1024)
def may_block_before_first_row(text: str) -> bool:
    """Whether evaluation may run long inside one pyoxigraph call: sorting, grouping, aggregates,
    duplicate removal, filters, negation, sub-queries. Strings, IRIs and comments are ignored.
    Cached: clients repeat the same query text."""
    return bool(_BLOCKING.search(_code(text)))


@functools.lru_cache(maxsize=1024)
def is_select(text: str) -> bool:
    """Whether ``text`` is a SELECT query: its first query-form keyword, outside strings, IRIs
    and comments, is ``SELECT`` (an appended ``LIMIT`` would cut a CONSTRUCT's solutions, not
    its triples). Cached: clients repeat the same query text."""
    form = _FORM.search(_code(text))
    return bool(form) and form.group(1).upper() == "SELECT"


@functools.lru_cache(maxsize=1024)
def undeclared_prefixes(text: str) -> dict[str, str] | None:
    """The default prefixes (:data:`provgraph.vocab.PREFIXES`) that ``text`` uses without
    declaring them, or ``None``: Oxigraph parses every prefix it is given on every query (all of
    them cost ~9 µs, a quarter of a point query), and a query's own declaration wins anyway.
    Strings, IRIs and comments are ignored. Cached."""
    code = _code(text)
    declared = set(_DECLARED.findall(code))  # prefix names are case-sensitive, the keyword is not
    used = set(_PREFIX_USE.findall(code))
    missing = {name: iri for name, iri in PREFIXES.items() if name in used and name not in declared}
    return missing or None


def malformed(exc: SyntaxError) -> ApiError:
    """A 400 naming what is wrong and where (details: ``[{"line", "column"}]``, 1-based)."""
    message = str(exc)
    match = _POSITION.search(message)
    details = [{"line": int(match.group(1)), "column": int(match.group(2))}] if match else []
    return ApiError(400, f"malformed SPARQL query: {message}", code="malformed-query", details=details)


__all__ = ["Engine", "Answer", "InputRejected"]
