"""Benchmark: SHACL validation time on a large store, whole and per batch.

Run by hand:  .venv/bin/python benchmarks/validate_bench.py [copies]   (default 23 ≈ 1M quads)
Ingests the example platform ``copies`` times over (see ingest_and_query.py) with the demo's
governance overlay widened to every copy, then prints the time of ``validate()`` over the whole
store and of validating one more ~1,000-event batch (its focus nodes, against the whole store).
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

from ingest_and_query import copies_of_examples

import provgraph
from provgraph import Source, ids, validation

OVERLAY = Path(__file__).resolve().parent.parent / "examples" / "governance.yaml"


def widened_overlay() -> Source:
    """The demo overlay, each namespace glob extended with ``*`` so it matches every copy."""
    text = re.sub(r'namespace: "([^"]+)"', r'namespace: "\1*"', OVERLAY.read_text())
    return Source("governance-all-copies.yaml", text.encode())


def main() -> None:
    copies = int(sys.argv[1]) if len(sys.argv) > 1 else 23
    sources = copies_of_examples(copies + 1)
    store_sources, batch_sources = sources[:-4], sources[-4:]
    batch = Source("one-batch.ndjson", b"\n".join(s.data for s in batch_sources))
    with tempfile.TemporaryDirectory() as folder:
        graph = provgraph.open(Path(folder) / "store")
        started = time.perf_counter()
        graph.ingest(store_sources + [widened_overlay()])
        print(f"setup: {copies} copies ingested in {time.perf_counter() - started:.1f} s; "
              f"store holds {len(graph.store.oxigraph):,} quads")
        started = time.perf_counter()
        report = graph.validate()
        print(f"validate (whole store): {time.perf_counter() - started:.2f} s, "
              f"{len(report.violations)} violations, {len(report.findings)} findings")
        started = time.perf_counter()
        summary = graph.ingest([batch])
        ingested = time.perf_counter() - started
        focus, _, _ = validation.batch_focus(graph.store, [ids.batch_graph(batch.sha256)])
        started = time.perf_counter()
        report = graph.validate(focus_nodes=sorted(focus, key=lambda n: n.value))
        print(f"one batch: {summary.records} events ingested in {ingested:.2f} s; validating its "
              f"{len(focus):,} focus nodes against the whole store: {time.perf_counter() - started:.2f} s, "
              f"{len(report.findings)} findings")
        for finding in report.findings:
            print(f"    {finding.severity} {finding.name} [{finding.shape}]")
        graph.close()


if __name__ == "__main__":
    main()
