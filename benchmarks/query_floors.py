"""Issue 6's query floors on an existing store: median and p95 of each lineage query.

    .venv/bin/python benchmarks/query_floors.py STORE --scale 5 [--repeat 7] [--only downstream,impact] [--queries DIR]

STORE is a store built from ``provgraph.generate`` output at ``--scale`` (the model is the first
weekly job's output, as in benchmarks/run.py; the source is the most-used one by runs). Opens the
store for reading queries only, but pyoxigraph takes its lock: work on a copy. Prints one table
with each query's row count, median, p95 and fastest run in milliseconds and the floor where
issue 6 sets one. ``--queries`` runs the .rq files of another folder (say, an older version's, to
compare before and after on the same store).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from tabulate import tabulate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import provgraph  # noqa: E402
from provgraph import generate  # noqa: E402

#: Issue 6's floors at scale 5, in milliseconds.
FLOORS_MS = {"upstream": 50, "model-upstream": 50, "downstream": 500, "impact": 500, "trained-on": 500}


def cases(graph: provgraph.LineageGraph, scale: float) -> list[tuple[str, dict]]:
    """(query, parameters) for the floor queries and their neighbours, as benchmarks/run.py picks them."""
    model = next(j.output for j in generate.platform(scale) if j.weekly)
    source = graph.sparql("""SELECT ?ns ?name (COUNT(DISTINCT ?run) AS ?n) WHERE {
        ?run prov:used ?d . ?d a dcat:Dataset ; pg:namespace ?ns ; pg:name ?name } GROUP BY ?ns ?name ORDER BY DESC(?n) LIMIT 1""").rows[0]
    used = dict(namespace=source[0].value, name=source[1].value)
    return [
        ("upstream", dict(namespace=model.namespace, name=model.name)),
        ("model-upstream", dict(namespace=model.namespace, name=model.name)),
        ("downstream", used),
        ("impact", used),
        ("trained-on", dict(tag="user-behavior", since="2025-01-01", until="2026-01-01")),
        ("blast-radius", dict(used, since="2025-11-01", until="2025-11-08")),
        ("source-usage", dict(used, since="2025-06-01", until="2025-07-01")),
        ("consent-proof", dict(namespace=model.namespace, name=model.name)),
        ("owners", dict(namespace=model.namespace, name=model.name)),
    ]


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per query (after one warm-up)")
    parser.add_argument("--only", help="comma-separated query names")
    parser.add_argument("--queries", type=Path, help="a folder of .rq files to run instead of queries/")
    args = parser.parse_args()
    wanted = set(args.only.split(",")) if args.only else None
    rows = []
    with provgraph.open(args.store, query_dir=args.queries) as graph:
        for name, params in cases(graph, args.scale):
            if wanted and name not in wanted:
                continue
            result = graph.query(name, **params)  # warm-up
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                result = graph.query(name, **params)
                times.append((time.perf_counter() - started) * 1000)
            floor = FLOORS_MS.get(name)
            rows.append([name, f"{len(result.rows):,}", f"{statistics.median(times):,.1f}", f"{p95(times):,.1f}",
                         f"{min(times):,.1f}", f"≤ {floor}" if floor else ""])
            print(*rows[-1], sep="\t", file=sys.stderr, flush=True)
    print(f"query floors, scale {args.scale:g}, store {args.store}, {args.repeat} runs each")
    print(tabulate(rows, headers=["query", "rows", "median ms", "p95 ms", "fastest ms", "floor ms (scale 5)"], tablefmt="github"))


if __name__ == "__main__":
    main()
