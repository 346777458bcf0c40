"""Benchmark: map and ingest the DataHub samples (../shared/data/datahub), then time queries over them.

Run by hand:  .venv/bin/python benchmarks/datahub_ingest.py [path to the DataHub folder]
Prints, per file, the mapping time and triples; then the whole-folder ingest into a fresh on-disk
store (records/s, including derivation) and the median time of the canned queries on the result.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import provgraph
from provgraph.importers import datahub
from provgraph.sources import read_sources

DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "datahub"
QUERIES = [
    ("upstream", {"namespace": "hive", "name": "fct_users_deleted"}),
    ("downstream", {"namespace": "hive", "name": "logging_events"}),
    ("trained-on", {"tag": "Legacy", "models_only": False}),
    ("current-datasets", {}),
]


def main(folder: Path) -> None:
    sources = read_sources([folder])
    total_records = 0
    print(f"{'file':50} {'records':>8} {'triples':>8} {'map s':>7}")
    for source in sources:
        started = time.perf_counter()
        batch = datahub.import_source(source)
        elapsed = time.perf_counter() - started
        total_records += batch.records
        print(f"{Path(source.name).name:50} {batch.records:8} {len(batch.triples):8} {elapsed:7.3f}")
    with tempfile.TemporaryDirectory() as tmp:
        graph = provgraph.open(Path(tmp) / "store")
        started = time.perf_counter()
        summary = graph.ingest(sources, format="datahub")
        elapsed = time.perf_counter() - started
        print(f"\ningest {len(sources)} files: {total_records} records, {summary.triples} triples, "
              f"{summary.derived_triples} derived in {elapsed:.2f} s ({total_records / elapsed:.0f} records/s)")
        for name, params in QUERIES:
            times = []
            for _ in range(5):
                started = time.perf_counter()
                rows = len(graph.query(name, **params).rows)
                times.append(time.perf_counter() - started)
            print(f"query {name:18} {rows:5} rows  median {statistics.median(times) * 1000:7.1f} ms")
        graph.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
