"""Benchmark: ingesting one OpenLineage event at a time into a large store, as the OpenLineage
HTTP transport does (one event per ``POST /api/v1/lineage``).

Run by hand on a store of the synthetic platform (``provgraph generate`` + ``ingest``), which is
copied first and left as it was:

    .venv/bin/python benchmarks/single_event.py --store DIR --events FILE [--first 5000] [--count 20]

Each of ``count`` events, lines ``first`` … of the NDJSON ``FILE`` (events of the same platform:
the store then holds them already, so each one restates a run's event and re-derives what it
touches), is ingested on its own; the time of each ingest, its median and its 90th percentile
are printed in milliseconds.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import provgraph  # noqa: E402
from provgraph.sources import Source  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="store folder to copy (left as it was)")
    parser.add_argument("--events", required=True, help="NDJSON file of OpenLineage events")
    parser.add_argument("--first", type=int, default=5000, help="line of the first event sent")
    parser.add_argument("--count", type=int, default=20, help="events sent, one ingest each")
    args = parser.parse_args()
    with open(args.events, encoding="utf-8") as handle:
        lines = [line for line in handle.read().splitlines() if line.strip()][args.first:args.first + args.count]
    with tempfile.TemporaryDirectory(prefix="single-event-") as work:
        copy = Path(work) / "store"
        shutil.copytree(args.store, copy)
        graph = provgraph.LineageGraph(str(copy))
        times = []
        for index, line in enumerate(lines, args.first):
            start = time.perf_counter()
            summary = graph.ingest([Source(f"event-{index}.json", line.encode())], format="openlineage")
            if summary.ingested:  # not a repeat of an event already sent
                times.append((time.perf_counter() - start) * 1000)
        graph.close()
    print("ms per event:", " ".join(f"{t:.0f}" for t in times))
    ordered = sorted(times)
    print(f"median {statistics.median(times):.0f} ms, p90 {ordered[int(len(ordered) * 0.9) - 1]:.0f} ms over {len(times)} events")


if __name__ == "__main__":
    main()
