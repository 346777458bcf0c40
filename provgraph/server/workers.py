"""Query worker processes (``workers`` > 1): one writer process, N processes answering requests.

The ``provgraph serve`` process owns the store read-write, as with one process. It publishes a
snapshot after every batch that changed the store (:mod:`.snapshots`) and runs granian's process
workers, each a whole copy of the application (Flask and the SPARQL lane) whose queries read the
newest snapshot, opened read-only. An ingest request is checked (token, size, encoding) by the
worker that received it and handed to the writer process, which ingests it with the same
:meth:`provgraph.LineageGraph.ingest` and the same rules, publishes the snapshot, and answers; the
handing on is :class:`multiprocessing.managers.BaseManager` over a Unix socket with a random key.

Consistency: a snapshot is taken between batches, so a query never sees half a batch, and it is
published before the ingest is acknowledged; each query process notices a new one through a
count in shared memory when its next query starts (:class:`.snapshots.SnapshotReader`). So, as
with one process, an acknowledged ingest is visible to every query started after the
acknowledgement. A long query runs in its own process and never blocks ingest.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import signal
import sys
import threading
from multiprocessing.managers import BaseManager
from pathlib import Path
from typing import Callable, Iterator

from pyoxigraph import Store

from ..config import ServiceConfig
from ..graph import IngestSummary, LineageGraph
from ..sources import Source
from .engine import Engine
from .snapshots import RETAIN_SECONDS, SnapshotPublisher, SnapshotReader, snapshot_folder_for


#: prctl(2) option: the signal this process gets when its parent ends.
PR_SET_PDEATHSIG = 1


class Writer:
    """The writer process's ingest, for the query processes: one batch at a time, then a snapshot."""

    def __init__(self, graph: LineageGraph, publisher: SnapshotPublisher):
        self.graph = graph
        self.publisher = publisher
        self._lock = threading.Lock()

    def ingest(self, sources: list[Source], options: dict) -> IngestSummary:
        """:meth:`LineageGraph.ingest` of ``sources`` with ``options``; when it stored anything, a
        new snapshot is published before this returns. Raises as the core does
        (:class:`~provgraph.errors.InputRejected`: nothing stored, no snapshot)."""
        with self._lock:
            summary = self.graph.ingest(sources, **options)
            if summary.ingested:
                self.publisher.publish()
            return summary


class _WriterHost(BaseManager):
    """Serves the :class:`Writer` to the query processes (registered in :func:`writer_service`)."""


class _WriterClient(BaseManager):
    """A query process's connection to the writer."""


_WriterClient.register("writer")


class SnapshotEngine(Engine):
    """An :class:`Engine` for a query process: queries read the newest snapshot (``reader``),
    ingest goes to the writer process (``writer``, a proxy of :class:`Writer`)."""

    def __init__(self, reader: SnapshotReader, writer, *, query_timeout: float, row_limit: int, max_concurrent_queries: int):
        super().__init__(None, query_timeout=query_timeout, row_limit=row_limit, max_concurrent_queries=max_concurrent_queries)
        self._reader = reader
        self._writer = writer

    def store(self) -> Store:
        return self._reader.store()

    def ingest(self, sources: list[Source], **options) -> IngestSummary:
        """As :meth:`Engine.ingest`, done by the writer process (which publishes a snapshot that
        holds it before it returns)."""
        return self._writer.ingest(sources, options)


@contextlib.contextmanager
def writer_service(graph: LineageGraph, config: ServiceConfig) -> Iterator[Callable[[], object]]:
    """Publish the first snapshot of ``graph``, serve its :class:`Writer` on a Unix socket, and
    yield the loader each query process calls to build its WSGI application (picklable: granian
    starts the processes with ``spawn``). On exit the snapshots are deleted."""
    publisher = SnapshotPublisher(graph.store.oxigraph, snapshot_folder_for(config.store),
                                  retain_seconds=max(RETAIN_SECONDS, 2 * config.query_timeout))
    try:
        publisher.publish()
        writer = Writer(graph, publisher)
        _WriterHost.register("writer", callable=lambda: writer)
        authkey = os.urandom(32)
        server = _WriterHost(address=None, authkey=authkey).get_server()  # a fresh Unix socket path
        # daemon: at shutdown the process ends with the HTTP server; an ingest in progress was not acknowledged
        threading.Thread(target=server.serve_forever, name="provgraph-writer", daemon=True).start()
        yield functools.partial(worker_app, config, str(publisher.folder), publisher.published, server.address, authkey,
                                os.getpid())
    finally:
        publisher.remove_all()


def worker_app(config: ServiceConfig, snapshots: str, published, writer_address: str, authkey: bytes, writer_pid: int):
    """Build one query process's WSGI application (called by granian in that process)."""
    from .app import create_app
    from .fast_lane import FastLane

    _exit_with(writer_pid)
    client = _WriterClient(address=writer_address, authkey=authkey)
    client.connect()
    engine = SnapshotEngine(SnapshotReader(Path(snapshots), published), client.writer(), query_timeout=config.query_timeout,
                            row_limit=config.row_limit, max_concurrent_queries=config.max_concurrent_queries)
    return FastLane(create_app(config, engine=engine))


def _exit_with(writer_pid: int) -> None:
    """Have the kernel kill this process when the writer process ends without stopping it (killed
    itself): a query process left behind would answer from a snapshot that no longer changes, and
    refuse ingest. SIGKILL, as a graceful stop would wait on connections that nobody will close,
    and a query process holds nothing to save. Linux only (``PR_SET_PDEATHSIG``); elsewhere
    granian's shutdown stops the workers."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != writer_pid:  # it ended before the line above
        os.kill(os.getpid(), signal.SIGKILL)
