"""Benchmark: SHACL validation of the whole store, and of one 1,000-event batch against it (issue 6).

Run by hand on a store of the synthetic platform (``provgraph generate`` + ``ingest``, or
``benchmarks/run.py --keep DIR``), which is copied first and left as it was:

    .venv/bin/python benchmarks/validate_bench.py --store DIR --scale 1 [--seed 1]

``benchmarks/run.py`` prints the same rows (:func:`validation_rows`). The batch is the first
1,000 events of the platform generated with the next seed (``seed + 1``): new runs of the same
jobs on the same datasets, so it touches what a day's batch touches. Its validation time is
what ``ingest --validate`` adds after the ingest: finding the batch's nodes and validating them,
timed once right after the ingest and then again (median of three).
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import provgraph  # noqa: E402
from provgraph import generate, ids, validation  # noqa: E402

BATCH_EVENTS = 1000
BATCH_FLOOR_S = 1.0
#: Timed runs of the batch's validation after the first (whose lookups also warm the store's caches).
BATCH_REPEAT = 3


def counts(report: validation.ValidationReport) -> str:
    warnings = sum(1 for f in report.findings if f.severity == "Warning")
    return f"{'conforms' if report.conforms else 'does not conform'}: {len(report.violations):,} violations, {warnings:,} warnings"


def write_batch(path: Path, scale: float, seed: int) -> Path:
    with path.open("w") as out:
        for event in itertools.islice(generate.events(scale, seed + 1), BATCH_EVENTS):
            out.write(json.dumps(event, separators=(",", ":")) + "\n")
    return path


def validation_rows(graph: provgraph.LineageGraph, scale: float, seed: int, work: Path) -> list[list[str]]:
    """Validate the whole store, then ingest one 1,000-event batch and validate its nodes
    against the full store (as ``ingest --validate`` does). Returns rows for the suite's table."""
    started = time.perf_counter()
    whole = graph.validate()
    whole_s = time.perf_counter() - started
    rows = [["validation: whole store", counts(whole), f"{whole_s:,.1f} s"]]

    batch = write_batch(work / "one-batch.ndjson", scale, seed)
    started = time.perf_counter()
    summary = graph.ingest([batch])
    ingest_s = time.perf_counter() - started
    times = []
    for _ in range(1 + BATCH_REPEAT):
        started = time.perf_counter()
        focus, _, _ = validation.batch_focus(graph.store, [ids.batch_graph(s.sha256) for s in summary.sources])
        report = graph.validate(focus_nodes=sorted(focus, key=lambda n: n.value))
        times.append(time.perf_counter() - started)
    rows.append([f"validation: one {summary.records:,}-event batch against the full store",
                 f"{len(focus):,} focus nodes; {counts(report)} (ingest itself {ingest_s:,.1f} s)",
                 f"first {times[0]:,.2f} s, then median {statistics.median(times[1:]):,.2f} s (floor ≤ {BATCH_FLOOR_S:g} s)"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True, help="a store of the synthetic platform (copied, not changed)")
    parser.add_argument("--scale", type=float, required=True, help="the scale the store was generated at")
    parser.add_argument("--seed", type=int, default=1, help="the seed the store was generated with")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        shutil.copytree(args.store, work / "store")
        graph = provgraph.open(work / "store")
        quads = len(graph.store.oxigraph)
        rows = validation_rows(graph, args.scale, args.seed, work)
        graph.close()
    print(f"validation benchmark, scale {args.scale:g} (seed {args.seed}), {quads:,} quads")
    print(tabulate(rows, headers=["measure", "what", "result"], tablefmt="github"))


if __name__ == "__main__":
    main()
