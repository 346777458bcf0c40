"""Benchmark suite: the synthetic one-year platform (provgraph/generate.py) at a scale, measured in one run.

    .venv/bin/python benchmarks/run.py --scale 1 [--repeat 9] [--rdflib | --no-rdflib] [--keep DIR]

Prints one table:
* ingest into an on-disk store: events/s and triples/s (quads in the store, derived graphs
  included, over the wall time of ``LineageGraph.ingest``); the ceiling — pyoxigraph's own
  ``Store.bulk_load`` of the very same quads (all the store holds: batch, derived and catalog
  graphs and the default-graph view) pre-serialised as N-Quads — and the ratio of the two;
* peak RSS of the process after ingest (it only grows, and nothing bigger ran before) and the
  store's size on disk;
* each canned query the issue sets a floor for, ``runs``, and the other regulator questions
  (blast-radius, source-usage, column-lineage): median and p95 latency over
  ``--repeat`` runs (after one warm-up) and its row count;
* validation: the whole store, and one 1,000-event batch against the full store
  (benchmarks/validate_bench.py);
* the same canned queries on rdflib's in-memory Dataset (union of graphs), as a ratio — by
  default only up to scale 1, each with a time limit.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyoxigraph  # noqa: E402

import provgraph  # noqa: E402
from provgraph import generate  # noqa: E402
from provgraph.vocab import PREFIXES  # noqa: E402

RDFLIB_QUERY_LIMIT_S = 60


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GB RAM; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, pyoxigraph {pyoxigraph.__version__}")


def query_cases(graph: provgraph.LineageGraph, scale: float) -> dict[str, dict]:
    """Parameters for each canned query: a model of the platform, its most-read source, a daily job."""
    jobs = generate.platform(scale)
    model = next(j.output for j in jobs if j.weekly)
    feature_job = next(j for j in jobs if j.name.endswith(".features"))
    most_used = graph.sparql("""SELECT ?ns ?name (COUNT(DISTINCT ?run) AS ?n) WHERE {
        ?run prov:used ?d . ?d a dcat:Dataset ; pg:namespace ?ns ; pg:name ?name } GROUP BY ?ns ?name ORDER BY DESC(?n) LIMIT 1""").rows[0]
    return {
        "upstream (newest model version)": ("upstream", dict(namespace=model.namespace, name=model.name)),
        "model-upstream (newest model version)": ("model-upstream", dict(namespace=model.namespace, name=model.name)),
        "downstream (most-used source)": ("downstream", dict(namespace=most_used[0].value, name=most_used[1].value)),
        "impact (most-used source)": ("impact", dict(namespace=most_used[0].value, name=most_used[1].value)),
        "trained-on (user-behavior, 2025)": ("trained-on", dict(tag="user-behavior", since="2025-01-01", until="2026-01-01")),
        "runs (a daily job)": ("runs", dict(namespace=feature_job.namespace, name=feature_job.name)),
        # The mission's other regulator questions: a compromised source, and a schema change.
        "blast-radius (most-used source, March)": ("blast-radius", dict(namespace=most_used[0].value, name=most_used[1].value,
                                                                        since="2025-03-01", until="2025-04-01")),
        "source-usage (most-used source, March)": ("source-usage", dict(namespace=most_used[0].value, name=most_used[1].value,
                                                                        since="2025-03-01", until="2025-04-01")),
        "column-lineage (a model's field)": ("column-lineage", dict(namespace=model.namespace, name=model.name,
                                                                    field=model_field(graph, model))),
    }


def model_field(graph: provgraph.LineageGraph, model) -> str:
    """The first field path of the model's schema."""
    namespace, name = pyoxigraph.Literal(model.namespace), pyoxigraph.Literal(model.name)  # written as escaped terms
    rows = graph.sparql(f"""SELECT ?path WHERE {{ ?d pg:namespace {namespace} ; pg:name {name} ;
                                            pg:field/pg:fieldPath ?path }} ORDER BY ?path LIMIT 1""").rows
    return rows[0][0].value


def timed(fn, repeat: int) -> tuple[list[float], object]:
    result = fn()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times, result


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _rdflib_worker(nquads: str, texts: dict[str, str], results) -> None:
    import rdflib
    dataset = rdflib.Dataset(default_union=True)
    started = time.perf_counter()
    dataset.parse(nquads, format="nquads")
    results.put(("load", time.perf_counter() - started, None))
    for label, text in texts.items():
        started = time.perf_counter()
        rows = len(list(dataset.query(text, initNs=PREFIXES)))
        results.put((label, time.perf_counter() - started, rows))


def rdflib_times(nquads: Path, texts: dict[str, str]) -> dict[str, tuple[float | None, int | None]]:
    """Each query once on rdflib (in a child process, so a query past the time limit can be stopped)."""
    results = multiprocessing.Queue()
    worker = multiprocessing.Process(target=_rdflib_worker, args=(str(nquads), texts, results))
    worker.start()
    found: dict[str, tuple[float | None, int | None]] = {}
    for label in ["load", *texts]:
        limit = 1800 if label == "load" else RDFLIB_QUERY_LIMIT_S
        try:
            got, seconds, rows = results.get(timeout=limit)
            found[got] = (seconds, rows)
        except Exception:
            found[label] = (None, None)
            break  # the worker is stopped: the queries after this one are not run
    worker.kill()
    worker.join()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=9, help="timed runs per query (after one warm-up)")
    parser.add_argument("--rdflib", action=argparse.BooleanOptionalAction, default=None,
                        help="compare with rdflib in memory (default: only when scale <= 1)")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep the files (default: a temporary folder)")
    args = parser.parse_args()
    with_rdflib = args.rdflib if args.rdflib is not None else args.scale <= 1

    with tempfile.TemporaryDirectory() as scratch:
        work = Path(args.keep or scratch)
        work.mkdir(parents=True, exist_ok=True)
        events_file = work / f"platform-scale{args.scale:g}.ndjson"
        started = time.perf_counter()
        with events_file.open("w") as out:
            events = generate.write(out, args.scale, args.seed)
        generated_s = time.perf_counter() - started
        rows: list[list] = [["generate", f"{events:,} events, {events_file.stat().st_size / 2**20:,.0f} MiB NDJSON", f"{generated_s:.1f} s"]]

        store_dir = work / "store"
        graph = provgraph.open(store_dir)
        started = time.perf_counter()
        summary = graph.ingest([events_file])
        ingest_s = time.perf_counter() - started
        rss = peak_rss_mb()
        quads = len(graph.store.oxigraph)
        graph.store.flush()
        rows += [
            ["ingest (on disk)", f"{summary.triples:,} batch + {summary.derived_triples:,} derived triples; {quads:,} quads",
             f"{ingest_s:.1f} s = {events / ingest_s:,.0f} events/s, {quads / ingest_s:,.0f} triples/s"],
            ["peak RSS of ingest", "", f"{rss:,.0f} MiB"],
            ["store size on disk", str(store_dir), f"{folder_size(store_dir) / 2**20:,.0f} MiB"],
        ]

        # The ceiling loads every quad the store holds, the default-graph view included: those are
        # the quads ingest writes (graph.export leaves the view out, as it is derived from the rest).
        nquads = work / "store.nq"
        graph.store.oxigraph.dump(str(nquads), pyoxigraph.RdfFormat.N_QUADS)
        raw_dir = work / "raw-store"
        started = time.perf_counter()
        raw = pyoxigraph.Store(str(raw_dir))
        raw.bulk_load(path=str(nquads), format=pyoxigraph.RdfFormat.N_QUADS)
        raw.flush()
        raw_s = time.perf_counter() - started
        del raw
        rows += [
            ["ceiling: pyoxigraph bulk_load of the same N-Quads", f"{nquads.stat().st_size / 2**20:,.0f} MiB",
             f"{raw_s:.1f} s = {quads / raw_s:,.0f} triples/s"],
            ["ingest / ceiling", "floor 0.7", f"{raw_s / ingest_s:.2f}"],
        ]

        cases = query_cases(graph, args.scale)
        texts = {}
        catalogue = graph.catalogue()
        for label, (name, params) in cases.items():
            times, result = timed(lambda: graph.query(name, **params), args.repeat)
            texts[label] = catalogue[name].bind(params)
            rows.append([f"query {label}", f"{len(result.rows):,} rows",
                         f"median {statistics.median(times) * 1000:,.1f} ms, p95 {p95(times) * 1000:,.1f} ms"])
            cases[label] = (name, params, statistics.median(times))
        graph.close()
        from validate_bench import validation_rows  # benchmarks/validate_bench.py, also run on its own
        with provgraph.open(store_dir) as graph:  # after the queries: the batch it ingests stays out of them
            rows += validation_rows(graph, args.scale, args.seed, work)

        if with_rdflib:
            # Quickest first: a query past the time limit stops rdflib, and the ones after it.
            texts = dict(sorted(texts.items(), key=lambda item: cases[item[0]][2]))
            # rdflib gets the batch and derived graphs as `provgraph export` writes them (no view):
            # its union of graphs is a set already.
            exported = work / "export.nq"
            provgraph.open(store_dir).export("nquads", str(exported))
            found = rdflib_times(exported, texts)
            load = found.get("load", (None, None))[0]
            rows.append(["rdflib: parse the N-Quads into a Dataset", "", f"{load:,.1f} s" if load else "did not finish"])
            for label in texts:
                ours = cases[label][2]
                if label not in found:
                    result = "not run (rdflib was stopped at the query before)"
                elif found[label][0] is None:
                    result = f"not finished within {RDFLIB_QUERY_LIMIT_S} s (> {RDFLIB_QUERY_LIMIT_S / ours:,.0f}x provgraph)"
                else:
                    result = f"{found[label][0] * 1000:,.0f} ms = {found[label][0] / ours:,.1f}x provgraph's time"
                count = found.get(label, (None, None))[1]
                rows.append([f"rdflib {label}", f"{count:,} rows" if count is not None else "", result])

    print(f"provgraph benchmark, scale {args.scale:g} (seed {args.seed}); {machine()}")
    print(tabulate(rows, headers=["measure", "what", "result"], tablefmt="github"))


if __name__ == "__main__":
    main()
