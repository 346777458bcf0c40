"""Benchmark: ingest the example platform N times over (fresh run ids) and time the canned queries.

Run by hand:  .venv/bin/python benchmarks/ingest_and_query.py [copies]
Prints events/s for ingest (including derivation) and the median time of each canned query.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import provgraph
from provgraph import Source

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "demo-platform"


def copies_of_examples(copies: int) -> list[Source]:
    """The demo events, repeated with run ids and dataset names made unique per copy."""
    sources = []
    for copy in range(copies):
        for path in sorted(EXAMPLES.glob("*.ndjson")):
            text = path.read_text()
            lines = []
            for line in text.splitlines():
                event = json.loads(line)
                for block in [event["run"], event["run"].get("facets", {}).get("parent", {}).get("run", {})]:
                    if "runId" in block:
                        block["runId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{copy}/{block['runId']}"))
                for ds in event.get("inputs", []) + event.get("outputs", []):
                    ds["namespace"] = f"{ds['namespace']}-{copy}" if copy else ds["namespace"]
                lines.append(json.dumps(event))
            sources.append(Source(f"{copy}/{path.name}", "\n".join(lines).encode()))
    return sources


def main() -> None:
    copies = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    sources = copies_of_examples(copies)
    events = sum(s.data.count(b"\n") + 1 for s in sources)
    with tempfile.TemporaryDirectory() as folder:
        graph = provgraph.open(Path(folder) / "store")
        started = time.perf_counter()
        summary = graph.ingest(sources)
        elapsed = time.perf_counter() - started
        print(f"ingest: {events} events, {summary.triples} triples (+{summary.derived_triples} derived) "
              f"in {elapsed:.2f} s = {events / elapsed:.0f} events/s; store holds {len(graph.store.oxigraph)} quads")
        cases = {
            "trained-on": dict(tag="user-behavior", since="2025-01-01", until="2026-01-01"),
            "downstream": dict(namespace="s3://acme-raw", name="sales/sales_2025.csv"),
            "downstream (column)": dict(namespace="s3://acme-raw", name="sales/sales_2025.csv", field="email"),
            "upstream": dict(namespace="s3://acme-models", name="credit_scoring"),
            "runs": dict(namespace="airflow-prod", name="ml.train_churn_model"),
        }
        for label, params in cases.items():
            times = []
            for _ in range(5):
                t = time.perf_counter()
                rows = len(graph.query(label.split(" ")[0], **params).rows)
                times.append(time.perf_counter() - t)
            print(f"query {label:<20} {rows:>5} rows  median {statistics.median(times) * 1000:8.1f} ms")
        graph.close()


if __name__ == "__main__":
    main()
