"""Read-only snapshots of the store, for query worker processes (``workers`` > 1).

Why: a Python process runs one thread of Python at a time. With every query answered in the one
process that owns the store, the service reached 0.25x the point queries/s and 0.6x the heavy
canned queries/s of ``oxigraph serve`` on 2 cores (benchmarks/RESULTS.md, session 4); a bare WSGI
app doing nothing but the query did not reach 0.9x either. Several processes are needed, and
pyoxigraph documents that reading a store folder in one process while another writes it is
undefined behaviour.

The arrangement: the one process that owns the store read-write (the writer) makes a RocksDB
checkpoint of it after every batch that changed it (:meth:`pyoxigraph.Store.backup`: the memtable
is flushed and the immutable SST files are hard-linked into a new folder, 3–10 ms at a million
triples) and then names that folder in the pointer file ``CURRENT``. Query processes open the
folder ``CURRENT`` names with :meth:`pyoxigraph.Store.read_only`. No process ever writes a
snapshot folder after it is published, so no reader shares a folder with a writer: each snapshot
is a whole, consistent store, taken between two batches (a query never sees half a batch).

A snapshot superseded for :data:`RETAIN_SECONDS` (at least twice the query time limit) is
deleted. A reader keeps its snapshot's files open from the moment it opened it (RocksDB opens
every SST file then), so a query still running on a deleted snapshot reads on (Linux keeps an
unlinked file while it is open).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pyoxigraph

#: The file that names the newest snapshot folder (replaced atomically).
POINTER = "CURRENT"
#: How long a superseded snapshot is kept, at least; twice the query time limit if longer.
RETAIN_SECONDS = 60.0


def snapshot_folder_for(store_path: str | os.PathLike) -> Path:
    """A new, empty folder for the snapshots of the store at ``store_path``: beside it, on the same
    file system, so that a checkpoint hard-links SST files instead of copying them. Call it with
    the store open read-write: the folders a server killed before its shutdown left behind are
    deleted first (the store's lock says no other server of it is running)."""
    store = Path(store_path).resolve()
    prefix = f".{store.name}.snapshots-"
    for left_behind in store.parent.glob(prefix + "*"):
        shutil.rmtree(left_behind, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=store.parent))


class SnapshotPublisher:
    """The writer's side: publishes snapshots of ``store`` (opened read-write) into ``folder``.

    Not thread-safe: call :meth:`publish` while holding the write lock, so that the checkpoint
    falls between two batches."""

    def __init__(self, store: pyoxigraph.Store, folder: Path, *, retain_seconds: float = RETAIN_SECONDS):
        self.store = store
        self.folder = folder
        self.retain_seconds = retain_seconds
        #: How many snapshots were published, in memory the query processes share (see :class:`SnapshotReader`).
        self.published = multiprocessing.get_context("spawn").RawValue(ctypes.c_uint64, 0)
        self._sequence = 0
        self._superseded: list[tuple[float, Path]] = []  # (monotonic time superseded, folder)

    def publish(self) -> Path:
        """Checkpoint the store into a new folder, point ``CURRENT`` at it, delete snapshots
        superseded longer than ``retain_seconds`` ago; returns the new folder.
        Raises :class:`OSError` when the checkpoint cannot be written."""
        self._sequence += 1
        target = self.folder / f"{self._sequence:010d}"
        self.store.backup(str(target))
        pointer = self.folder / f".{POINTER}.{self._sequence}"
        pointer.write_text(target.name, encoding="utf-8")
        previous = self.current()
        os.replace(pointer, self.folder / POINTER)
        self.published.value = self._sequence  # after CURRENT names it: a reader that sees the count finds the snapshot
        now = time.monotonic()
        if previous is not None:
            self._superseded.append((now, previous))
        while self._superseded and now - self._superseded[0][0] > self.retain_seconds:
            shutil.rmtree(self._superseded.pop(0)[1], ignore_errors=True)
        return target

    def current(self) -> Path | None:
        """The folder ``CURRENT`` names, or ``None`` before the first :meth:`publish`."""
        return current_snapshot(self.folder)

    def remove_all(self) -> None:
        """Delete the folder and every snapshot in it (at shutdown)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def current_snapshot(folder: Path) -> Path | None:
    """The snapshot folder named by ``folder/CURRENT``, or ``None`` when there is none yet."""
    try:
        return folder / (folder / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None


class SnapshotReader:
    """A query process's side: the newest published snapshot of ``folder``, opened read-only.

    ``published`` is the publisher's count in memory shared with the writer process
    (:class:`multiprocessing.sharedctypes.RawValue`), read at every :meth:`store` call — a memory
    read, where looking at ``CURRENT`` would be a system call per query. When it moved, the newest
    snapshot is opened first (~20 ms, once per process and snapshot). So a query started after an
    ingest was acknowledged reads a snapshot that holds it, as with one process. Thread-safe; a
    query keeps the snapshot it started on. Raises :class:`FileNotFoundError` when nothing was
    published."""

    def __init__(self, folder: Path, published):
        self.folder = folder
        self.published = published
        self._lock = threading.Lock()
        self._seen = -1
        self._store: pyoxigraph.Store | None = None
        self.store()
        if self._store is None:
            raise FileNotFoundError(f"no snapshot published in {folder}")

    def store(self) -> pyoxigraph.Store:
        """The newest published snapshot."""
        if self.published.value != self._seen:
            self._open_newest()
        return self._store

    def _open_newest(self) -> None:
        with self._lock:
            count = self.published.value  # read before CURRENT: a later publication is then seen next time
            if count == self._seen:
                return
            for _ in range(3):  # CURRENT may name one superseded and deleted (retained a minute) by the time it opens
                newest = current_snapshot(self.folder)
                if newest is None:
                    return
                try:
                    self._store = pyoxigraph.Store.read_only(str(newest))
                    break
                except OSError:
                    continue
            self._seen = count
