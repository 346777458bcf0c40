"""Benchmark: `provgraph serve` against `oxigraph serve` (the `oxigraph` PyPI package) on the same store.

Run by hand:  .venv/bin/pip install oxigraph && .venv/bin/python benchmarks/service_bench.py [copies] [seconds] [processes]

Builds a store from `copies` copies of the demo platform (benchmarks/ingest_and_query.py), then
serves it with each server in turn (one process may open the folder at a time) and loads each
with `processes` client processes, each a keep-alive `http.client` loop, for `seconds` per case.
The same SPARQL text (prefixes written out) goes to both `/sparql` endpoints; the canned queries
also go through provgraph's `/api/v1/queries/NAME`. Prints queries/s, median and p99 latency,
and the provgraph/oxigraph ratio of queries/s.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest_and_query import copies_of_examples  # noqa: E402

import provgraph  # noqa: E402
from provgraph.vocab import PREFIXES  # noqa: E402

BIN = Path(sys.executable).parent
PROLOGUE = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
HEAVY = {
    "trained-on": dict(tag="user-behavior", since="2025-01-01", until="2026-01-01"),
    "upstream": dict(namespace="s3://acme-models", name="credit_scoring"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int) -> None:
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on {port} did not come up")


def client(port: int, path: str, seconds: float, out) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    latencies, errors = [], 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers={"Accept": "application/sparql-results+json"})
            response = connection.getresponse()
            response.read()
            errors += response.status != 200
        except OSError:  # a server without a time limit may outlast the client's patience
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        latencies.append(time.perf_counter() - started)
    out.put((latencies, errors))


def load(port: int, path: str, seconds: float, processes: int) -> tuple[float, float, float, int]:
    out = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=client, args=(port, path, seconds, out)) for _ in range(processes)]
    for w in workers:
        w.start()
    results = [out.get() for _ in workers]
    for w in workers:
        w.join()
    latencies = sorted(x for r in results for x in r[0])
    errors = sum(r[1] for r in results)
    return len(latencies) / seconds, statistics.median(latencies) * 1000, latencies[int(len(latencies) * 0.99) - 1] * 1000, errors


def cases(graph: provgraph.LineageGraph) -> dict[str, tuple[str, str | None]]:
    """label -> (SPARQL text with prologue, provgraph canned-query path or None)."""
    [row] = graph.sparql("SELECT ?name WHERE { ?d a dcat:Dataset ; pg:name ?name } ORDER BY ?name LIMIT 1").rows
    point = PROLOGUE + f'SELECT ?d ?ns WHERE {{ ?d pg:name "{row[0].value}" ; pg:namespace ?ns }}'
    found = {"selective point query": (point, None)}
    catalogue = graph.catalogue()
    for name, params in HEAVY.items():
        found[f"canned {name}"] = (PROLOGUE + catalogue[name].bind(params), f"/api/v1/queries/{name}?{urlencode(params)}")
    return found


def main() -> None:
    copies = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5
    processes = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    oxigraph_cli = shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")
    if not oxigraph_cli:
        sys.exit("install the oxigraph package first: .venv/bin/pip install oxigraph")
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "store"
        graph = provgraph.open(store)
        started = time.perf_counter()
        graph.ingest(copies_of_examples(copies))
        quads = len(graph.store.oxigraph)
        print(f"store: {copies} copies of the demo platform, {quads} quads, built in {time.perf_counter() - started:.0f} s", flush=True)
        work = cases(graph)
        graph.close()
        del graph
        results: dict[tuple[str, str], tuple] = {}
        servers = {
            "provgraph": [str(BIN / "provgraph"), "serve", "--store", str(store), "--host", "127.0.0.1"],
            "oxigraph": [oxigraph_cli, "serve", "--location", str(store), "--union-default-graph"],
        }
        for server, command in servers.items():
            port = free_port()
            args = ["--port", str(port)] if server == "provgraph" else ["--bind", f"127.0.0.1:{port}"]
            process = subprocess.Popen(command + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       env={k: v for k, v in os.environ.items() if not k.startswith("PROVGRAPH_")})
            try:
                wait_up(port)
                for label, (text, canned) in work.items():
                    load(port, "/sparql?query=" + quote(text), 1, 1)  # warm-up
                    results[(server, label)] = load(port, "/sparql?query=" + quote(text), seconds, processes)
                    report(server, label, results)
                    if server == "provgraph" and canned:
                        results[(server, label + " via /api/v1/queries")] = load(port, canned, seconds, processes)
                        report(server, label + " via /api/v1/queries", results)
            finally:
                process.terminate()
                process.wait(timeout=30)
        print(f"\n{processes} client processes, {seconds:g} s per case, http.client keep-alive; ratio = provgraph q/s / oxigraph q/s")
        print(f"{'case':<45} {'server':<10} {'q/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}  ratio")
        for (server, label), (qps, p50, p99, errors) in results.items():
            base = results.get(("oxigraph", label.replace(" via /api/v1/queries", "")))
            ratio = f"{qps / base[0]:.2f}x" if server == "provgraph" and base else ""
            print(f"{label:<45} {server:<10} {qps:8.1f} {p50:8.2f} {p99:8.2f} {errors:6d}  {ratio}")


def report(server: str, label: str, results: dict) -> None:
    qps, p50, p99, errors = results[(server, label)]
    print(f"  measured {server:<10} {label:<45} {qps:8.1f} q/s  p50 {p50:8.2f} ms  p99 {p99:8.2f} ms  errors {errors}", flush=True)


if __name__ == "__main__":
    main()
