"""Benchmark: the regulator queries on the demo platform ingested as 4 files and as 52 weekly files.

Run by hand:  .venv/bin/python benchmarks/regulator_queries.py
The same events split into more files put the same triples into more batch graphs; a plain
triple pattern over the union graph then joins every copy. Prints the median time of each query
for both stores, so a query that does not count each fact once shows up as a slowdown.
"""

from __future__ import annotations

import datetime
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import provgraph
from provgraph import Source

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "demo-platform"
QUERIES = [
    ("model-upstream", dict(namespace="s3://acme-models", name="credit_scoring", version="2025.M06")),
    ("impact", dict(namespace="s3://acme-raw", name="sales/sales_2025.csv")),
    ("impact", dict(namespace="kafka://events.internal:9092", name="clickstream.page_views", field="user_id")),
    ("blast-radius", dict(namespace="kafka://events.internal:9092", name="clickstream.page_views", since="2025-12-01")),
    ("model-diff", dict(namespace="s3://acme-models", name="churn_model", from_version="2025.W31", to_version="2025.W33")),
    ("source-usage", dict(namespace="sftp://vendor-experian", name="credit_bureau_scores.csv")),
    ("column-lineage", dict(namespace="s3://acme-models", name="credit_scoring", field="age_years")),
]


def weekly_sources() -> list[Source]:
    weeks = defaultdict(list)
    for path in sorted(EXAMPLES.glob("*.ndjson")):
        for line in path.read_text().splitlines():
            moment = datetime.date.fromisoformat(json.loads(line)["eventTime"][:10])
            weeks[moment.isocalendar()[1]].append(line)
    return [Source(f"week-{week:02d}.ndjson", "\n".join(lines).encode()) for week, lines in sorted(weeks.items())]


def main(repeats: int = 3) -> None:
    layouts = {"4 files": [Source(p.name, p.read_bytes()) for p in sorted(EXAMPLES.glob("*.ndjson"))], "52 weekly files": weekly_sources()}
    with tempfile.TemporaryDirectory() as tmp:
        for label, sources in layouts.items():
            graph = provgraph.open(Path(tmp) / label.replace(" ", "-"))
            graph.ingest(sources)
            print(f"{label}: {graph.stats()['quads']} quads")
            for name, params in QUERIES:
                times, rows = [], 0
                for _ in range(repeats):
                    start = time.perf_counter()
                    rows = len(graph.query(name, **params).rows)
                    times.append(time.perf_counter() - start)
                shown = ", ".join(f"{k}={v}" for k, v in params.items() if k not in ("namespace",))
                print(f"  {name:<15} {statistics.median(times) * 1000:8.1f} ms  {rows:4d} rows  ({shown})")
            start = time.perf_counter()
            pack = graph.report("model-upstream", Path(tmp) / f"pack-{label[:2]}", namespace="s3://acme-models", name="churn_model")
            print(f"  evidence pack    {(time.perf_counter() - start) * 1000:8.1f} ms  {pack.rows:4d} rows, hash {pack.canonical_hash[:16]}…")
            graph.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
