"""How many events per second could any ingest design reach on this machine?

    .venv/bin/python benchmarks/ingest_ceiling.py --scale 1 [--events FILE.ndjson]

Issue 6 asks for >= 5,000 OpenLineage events/s into the on-disk store. This script measures the
two costs every design pays, separately, on the synthetic platform:

* mapping: the OpenLineage importer alone (parse, check, map to N-Triples text), no store;
* writing: pyoxigraph's own bulk loader (``Store.bulk_load``), CPU and wall time per quad, for
  the quads a provgraph ingest writes, loaded three ways: everything the store holds (batch
  graph, derived graphs, catalog and their default-graph view — what ingest writes now); each
  distinct triple once into one named graph (the least a store with per-batch named graphs
  can write, which issue 7's ``named-graph-uri`` needs); each distinct triple once into the
  default graph (no provenance at all).

It prints, for each way, the events/s that writing alone allows, and the events/s with the
mapping added when both cores are kept busy (total CPU time over two cores): the best case for
a design that writes those quads.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyoxigraph  # noqa: E402
from pyoxigraph import DefaultGraph, NamedNode, RdfFormat  # noqa: E402

import provgraph  # noqa: E402
from provgraph import generate  # noqa: E402
from provgraph.importers import openlineage  # noqa: E402
from provgraph.sources import file_source  # noqa: E402


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measured(fn) -> tuple[float, float]:
    """Wall and CPU seconds (all threads of this process) of ``fn()``."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    fn()
    return time.perf_counter() - wall, cpu_seconds() - cpu


def map_only(events: Path) -> tuple[int, float, float]:
    source = file_source(events)
    count = 0

    def run():
        nonlocal count
        for part in openlineage.import_stream(source, 1500):
            count += part.records
            part.triples.ntriples()
    wall, cpu = measured(run)
    return count, wall, cpu


def load(work: Path, label: str, data: bytes, format: RdfFormat, graph=None) -> tuple[str, int, float, float]:
    folder = work / label.replace(" ", "-")
    shutil.rmtree(folder, ignore_errors=True)
    store = pyoxigraph.Store(str(folder))
    wall, cpu = measured(lambda: (store.bulk_load(data, format, to_graph=graph, lenient=True), store.flush()))
    quads = len(store)
    del store
    shutil.rmtree(folder, ignore_errors=True)
    return label, quads, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--events", type=Path, help="an NDJSON file of events instead of generating --scale")
    parser.add_argument("--work", type=Path, help="folder for the stores (default: a temporary one)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="provgraph-ceiling-"))
    work.mkdir(parents=True, exist_ok=True)
    events = args.events
    if events is None:
        events = work / "events.ndjson"
        with events.open("w") as out:
            generate.write(out, args.scale)

    count, map_wall, map_cpu = map_only(events)
    graph = provgraph.open(work / "provgraph-store")
    ingest_wall, ingest_cpu = measured(lambda: graph.ingest([events]))
    everything = graph.store.oxigraph.dump(format=RdfFormat.N_QUADS)
    distinct = graph.store.oxigraph.dump(format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())
    graph.close()
    shutil.rmtree(work / "provgraph-store", ignore_errors=True)

    cores = os.cpu_count() or 1
    lines = everything.count(b"\n")
    rows = [["provgraph ingest (as it is)", f"{lines:,}", f"{ingest_wall:.1f}", f"{ingest_cpu:.1f}",
             f"{count / ingest_wall:,.0f}", "-"]]
    for label, quads, wall, cpu in (
            load(work, "all quads ingest writes", everything, RdfFormat.N_QUADS),
            load(work, "each triple once, one named graph", distinct, RdfFormat.N_TRIPLES, NamedNode("https://example.org/batch")),
            load(work, "each triple once, default graph", distinct, RdfFormat.N_TRIPLES, DefaultGraph())):
        rows.append([f"bulk_load: {label}", f"{quads:,}", f"{wall:.1f}", f"{cpu:.1f}", f"{count / wall:,.0f}",
                     f"{count / max(wall, (cpu + map_cpu) / cores):,.0f}"])
    print(f"{count:,} events; mapping alone (importer, no store): {map_wall:.1f} s wall, {map_cpu:.1f} s CPU = "
          f"{count / map_wall:,.0f} events/s; {cores} cores")
    print(tabulate(rows, headers=["what is written", "quads", "wall s", "CPU s", "events/s (writing alone)",
                                  "events/s best case with mapping"], tablefmt="github", disable_numparse=True))


if __name__ == "__main__":
    main()
