"""Benchmark: `provgraph serve` against `oxigraph serve` (the `oxigraph` PyPI package) on the same data.

Run by hand (not a test):
    .venv/bin/pip install -e '.[bench]'      # the oxigraph CLI; Debian's `wrk` is used when installed
    .venv/bin/python benchmarks/service_bench.py --store STORE      # a provgraph store (copied, never written)
    .venv/bin/python benchmarks/service_bench.py --events FILE.ndjson   # ingested first (1M triples: scale 1)
    .venv/bin/python benchmarks/service_bench.py --copies 10        # quick: copies of the demo platform
    git archive OLD | tar -x -C /tmp/old && .venv/bin/python benchmarks/service_bench.py --store STORE \
        --servers provgraph,baseline,oxigraph --baseline /tmp/old     # old and new code in the same rounds

Cases: a selective point query (one dataset by name), and two heavy canned queries (upstream of a
model, trained-on a personal-data category). Reports queries/s, median and p99 latency and the
provgraph/oxigraph ratio of queries/s per round, against the floors of issue 7 (heavy >= 0.9x,
point >= 0.3x), plus the per-request overhead: one connection's median latency minus the time the
same query takes inside Python (`Store.query` and reading the rows).

Fairness — the same data, the same dataset, the same query text:
- provgraph answers from its store with the default graph = its deduplicated view
  (`provgraph.store.view_graphs()`: the store's default graph, which mirrors batches, derived
  graphs, catalog and vocabulary).
- the raw server gets a store with every quad of that store (written with pyoxigraph's bulk loader)
  and, as `oxigraph serve` does without `default-graph-uri`, queries its default graph: the same
  triples, in the same indexes. (Should the view ever be more than the default graph, the view's
  default-graph triples go into the named graph VIEW below and each request names the view's
  graphs as `default-graph-uri`. Until session 4 the bench did that even for the default graph
  alone, which made Oxigraph read the larger named-graph indexes: `upstream` 2.0 ms against
  1.6 ms in-process, flattering provgraph's heavy-query ratios.)
- both get the same SPARQL text with the prefixes written out; the canned queries are bound once
  (provgraph is called through `/api/v1/queries/NAME`, as users call it; oxigraph with the bound text).
- both servers run at once, each on its own copy; cases alternate between them within each round
  (order swapped every round), so a change of machine load hits both. The load generator runs on
  the same machine and competes with the servers for the cores: the output says how many there are
  and the load average before and after.

Load: the point query with `wrk` (2 threads, --connections, --seconds) when it is installed,
otherwise with several processes each running a keep-alive `http.client` loop (a single Python
client tops out near 1.3k queries/s, below either server). Heavy queries with --heavy-clients
processes, each running queries for --seconds and at least --heavy-requests of them (the heavy
queries take seconds at 1M triples); queries/s = answered / wall time.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import multiprocessing
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import pyoxigraph

sys.path.insert(0, str(Path(__file__).resolve().parent))

import provgraph  # noqa: E402
from provgraph import generate, ids  # noqa: E402
from provgraph.store import view_graphs  # noqa: E402
from provgraph.vocab import PREFIXES  # noqa: E402

BIN = Path(sys.executable).parent
PROLOGUE = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
VIEW = pyoxigraph.NamedNode("urn:provgraph-bench:view")
#: The view is exactly the default graph: the raw server's own default graph is then the same dataset.
VIEW_IS_DEFAULT_GRAPH = view_graphs() == [pyoxigraph.DefaultGraph()]
RAW_DATASET = [] if VIEW_IS_DEFAULT_GRAPH else [VIEW if isinstance(g, pyoxigraph.DefaultGraph) else g for g in view_graphs()]
POINT = "point query"
#: Marks a --work folder whose stores are ready, for this layout of the raw store.
PREPARED = "prepared-default-graph" if VIEW_IS_DEFAULT_GRAPH else "prepared-view-graph"
#: ``provgraph`` from another source tree (--baseline), not from this environment's editable install
BASELINE_MAIN = ("import sys; sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, '__module__', '').startswith('__editable__')]; "
                 "sys.path.insert(0, {source!r}); sys.argv[0] = 'provgraph'; from provgraph.cli import main; main()")


# --- the data ---------------------------------------------------------------------------------
def provgraph_store(args, work: Path) -> Path:
    store = work / "provgraph-store"
    if (work / PREPARED).exists():
        return store
    shutil.rmtree(store, ignore_errors=True)  # left by a run that did not finish, or of an older layout
    if args.store:
        shutil.copytree(args.store, store)
        return store
    graph = provgraph.open(store)
    started = time.perf_counter()
    if args.events:
        graph.ingest([Path(args.events)])
        what = args.events
    else:
        from ingest_and_query import copies_of_examples
        graph.ingest(copies_of_examples(args.copies))
        what = f"{args.copies} copies of the demo platform"
    print(f"ingested {what} in {time.perf_counter() - started:.0f} s", flush=True)
    graph.close()
    return store


def raw_store(source: Path, work: Path) -> Path:
    """Every quad of ``source``; unless the view is the default graph, its triples into VIEW (see the module doc)."""
    target = work / "oxigraph-store"
    if (work / PREPARED).exists():
        return target
    shutil.rmtree(target, ignore_errors=True)  # a store of an older layout
    reader = pyoxigraph.Store(str(source))
    writer = pyoxigraph.Store(str(target))
    batch = []
    for quad in reader:
        graph = VIEW if isinstance(quad.graph_name, pyoxigraph.DefaultGraph) and not VIEW_IS_DEFAULT_GRAPH else quad.graph_name
        batch.append(pyoxigraph.Quad(quad.subject, quad.predicate, quad.object, graph))
        if len(batch) >= 200_000:
            writer.bulk_extend(batch)
            batch = []
    writer.bulk_extend(batch)
    writer.flush()
    counts = (len(reader), len(writer))
    del reader, writer
    assert counts[0] == counts[1], counts
    return target


def prologue_for(text: str) -> str:
    """``text`` without its comment lines and with the prefixes it uses declared: a GET request
    line must fit in `oxigraph serve`'s 8 KiB of headers."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items() if f"{p}:" in body) + body


def cases(store: Path, scale_hint: float) -> dict[str, dict]:
    """label -> {text (SPARQL with prologue), provgraph path, rows in-process, in-process µs (point)}."""
    graph = provgraph.open(store)
    try:
        [row] = graph.sparql("SELECT ?name WHERE { ?d a dcat:Dataset ; pg:name ?name } ORDER BY ?name LIMIT 1").rows
        point = PROLOGUE + f'SELECT ?d ?ns WHERE {{ ?d pg:name "{row[0].value}" ; pg:namespace ?ns }}'
        found = {POINT: {"text": point, "path": "/sparql?query=" + quote(point)}}
        model = next((j.output for j in generate.platform(scale_hint) if j.weekly), None)
        heavy = {"upstream": dict(namespace=model.namespace, name=model.name) if model else
                 dict(namespace="s3://acme-models", name="credit_scoring"),
                 "trained-on": dict(tag="user-behavior", since="2025-01-01", until="2026-01-01")}
        catalogue = graph.catalogue()
        for name, params in heavy.items():
            text = prologue_for(catalogue[name].bind(params))
            found[f"canned {name}"] = {"text": text, "path": f"/api/v1/queries/{name}?{urlencode(params)}"}
        oxigraph = graph.store.oxigraph
        for case in found.values():
            started = time.perf_counter()
            case["rows"] = len(list(oxigraph.query(case["text"], default_graph=view_graphs())))
            case["in_process_s"] = time.perf_counter() - started
        text, dataset = found[POINT]["text"], view_graphs()
        repeat = 2000
        started = time.perf_counter()
        for _ in range(repeat):
            [[s[v] for v in ("d", "ns")] for s in oxigraph.query(text, prefixes=PREFIXES, default_graph=dataset)]
        found[POINT]["in_process_s"] = (time.perf_counter() - started) / repeat
        return found
    finally:
        graph.close()


# --- the servers ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int, process: subprocess.Popen) -> None:
    for _ in range(600):
        if process.poll() is not None:
            raise RuntimeError(f"server on {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on {port} did not come up")


def start(name: str, store: Path, oxigraph_cli: str, query_timeout: float, baseline: str | None = None) -> tuple[subprocess.Popen, int]:
    port = free_port()
    if name == "oxigraph":
        command = [oxigraph_cli, "serve", "--location", str(store), "--bind", f"127.0.0.1:{port}"]
    else:
        variant = name.split("-")[1:]  # provgraph[-waitress][-wN]: the HTTP server and the number of query processes
        workers = [part[1:] for part in variant if part[:1] == "w" and part[1:].isdigit()]
        command = [str(BIN / "provgraph"), "serve", "--store", str(store), "--host", "127.0.0.1", "--port", str(port),
                   "--query-timeout", str(query_timeout), "--http-server", "waitress" if "waitress" in variant else "granian",
                   *(["--workers", workers[0]] if workers else [])]
        if name == "baseline":
            command[:2] = [sys.executable, "-c", BASELINE_MAIN.format(source=str(Path(baseline).resolve())), "serve"]
            command[command.index("--http-server") + 1] = "granian"
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={k: v for k, v in os.environ.items() if not k.startswith("PROVGRAPH_")})
    wait_up(port, process)
    return process, port


def request_path(server: str, case: dict) -> str:
    if server != "oxigraph":
        return case["path"]
    graphs = "".join(f"&default-graph-uri={quote(g.value, safe='')}" for g in RAW_DATASET)
    return "/query?query=" + quote(case["text"]) + graphs


# --- load -------------------------------------------------------------------------------------
def wrk(port: int, path: str, seconds: float, connections: int) -> dict:
    threads = min(2, connections)
    done = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "60s",
                           "-H", "Accept: application/sparql-results+json", f"http://127.0.0.1:{port}{path}"],
                          capture_output=True, text=True, check=True).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", done)
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", done))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", done))
    return {"qps": float(found.group(1)), "p50_ms": _wrk_ms(done, "50%"), "p99_ms": _wrk_ms(done, "99%"), "errors": errors}


def _wrk_ms(output: str, percentile: str) -> float:
    value, unit = re.search(rf"^\s+{percentile}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _client(port: int, path: str, seconds: float, count: int, out) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    latencies, errors, end = [], 0, time.perf_counter() + seconds
    while time.perf_counter() < end or len(latencies) < count:
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers={"Accept": "application/sparql-results+json"})
            response = connection.getresponse()
            response.read()
            errors += response.status != 200
        except OSError:
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
        latencies.append(time.perf_counter() - started)
    out.put((latencies, errors))


def http_client_load(port: int, path: str, processes: int, *, seconds: float = 0, count: int = 0) -> dict:
    """``processes`` keep-alive clients, for ``seconds`` each or ``count`` requests each."""
    out = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=_client, args=(port, path, seconds, count, out)) for _ in range(processes)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    results = [out.get() for _ in workers]
    elapsed = time.perf_counter() - started
    for w in workers:
        w.join()
    latencies = sorted(x for r in results for x in r[0])
    return {"qps": len(latencies) / (elapsed if count else seconds), "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[min(len(latencies) - 1, math.ceil(len(latencies) * 0.99) - 1)] * 1000,
            "errors": sum(r[1] for r in results)}


def answer_rows(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    connection.request("GET", path, headers={"Accept": "application/sparql-results+json"})
    body = connection.getresponse().read()
    connection.close()
    return len(json.loads(body)["results"]["bindings"])


# --- the run ----------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--store", help="an existing provgraph store folder (copied, never written)")
    source.add_argument("--events", help="OpenLineage NDJSON to ingest into a fresh store")
    source.add_argument("--copies", type=int, default=10, help="copies of the demo platform (default 10)")
    parser.add_argument("--scale", type=float, default=1, help="scale of the generated platform, to pick the model")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=6, help="per point-query measurement")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--heavy-clients", type=int, default=2)
    parser.add_argument("--heavy-requests", type=int, default=2, help="per heavy client per round")
    parser.add_argument("--servers", default="provgraph,oxigraph",
                        help="comma-separated: provgraph (granian), provgraph-waitress, provgraph-wN (N query processes), oxigraph, "
                             "baseline (see --baseline)")
    parser.add_argument("--baseline", help="a provgraph source tree (e.g. `git archive COMMIT | tar -x -C DIR`) served as "
                                           "`baseline`, to compare two versions back to back in one run")
    parser.add_argument("--cases", default="point,upstream,trained-on", help="comma-separated subset of the three cases")
    parser.add_argument("--no-wrk", action="store_true", help="use the http.client load generator even if wrk is installed")
    parser.add_argument("--work", help="folder for the prepared stores, kept and reused by the next run with the same "
                                       "folder (default: a temporary one, removed)")
    args = parser.parse_args()
    oxigraph_cli = shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")
    if not oxigraph_cli:
        sys.exit("install the oxigraph CLI first: .venv/bin/pip install -e '.[bench]'")
    use_wrk = bool(shutil.which("wrk")) and not args.no_wrk
    servers = args.servers.split(",")
    with contextlib.ExitStack() as cleanup:
        work = Path(args.work) if args.work else Path(cleanup.enter_context(tempfile.TemporaryDirectory()))
        work.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        store = provgraph_store(args, work)
        raw = raw_store(store, work)
        (work / PREPARED).touch()
        wanted = set(args.cases.split(","))
        work_cases = {label: case for label, case in cases(store, args.scale).items()
                      if (label.split()[-1] if label != POINT else "point") in wanted}
        stores = {"oxigraph": raw, "provgraph": store}
        for name in servers:
            if name.startswith("provgraph-") or name == "baseline":
                stores[name] = work / name
                if not stores[name].exists():
                    shutil.copytree(store, stores[name])
        quads = len(pyoxigraph.Store(str(raw)))  # closed again before the servers open it
        print(f"data: {quads:,} quads; stores prepared in {time.perf_counter() - started:.0f} s", flush=True)
        cores, load_before = os.cpu_count(), os.getloadavg()
        print(f"machine: {cores} cores shared by both servers AND the load generator (and anything else running); "
              f"load average {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}", flush=True)
        print(f"load generator: {'wrk' if use_wrk else 'http.client processes'} for the point query, "
              f"{args.connections} connections, {args.seconds:g} s; heavy: {args.heavy_clients} http.client processes "
              f"x {args.heavy_requests} queries", flush=True)
        running = {name: start(name, stores[name], oxigraph_cli, query_timeout=3600, baseline=args.baseline) for name in servers}
        results: dict[tuple[str, str, int], dict] = {}
        try:
            for label, case in work_cases.items():
                rows = {name: answer_rows(port, request_path(name, case)) for name, (_, port) in running.items()}
                print(f"  {label}: rows in-process {case['rows']} ({case['in_process_s'] * 1000:.1f} ms), "
                      f"from the servers {rows}", flush=True)
            for round_number in range(args.rounds):
                order = servers if round_number % 2 == 0 else servers[::-1]
                for label, case in work_cases.items():
                    for name in order:
                        port = running[name][1]
                        path = request_path(name, case)
                        if label == POINT:
                            measure = (lambda c, t: wrk(port, path, t, c)) if use_wrk else \
                                (lambda c, t: http_client_load(port, path, max(1, c // 2), seconds=t))
                            measure(args.connections, 1)  # warm-up
                            results[(name, label, round_number)] = measure(args.connections, args.seconds)
                            results[(name, "point, 1 connection", round_number)] = measure(1, args.seconds / 2)
                        else:
                            results[(name, label, round_number)] = http_client_load(
                                port, path, args.heavy_clients, seconds=args.seconds, count=args.heavy_requests)
                        for shown in (label, "point, 1 connection") if label == POINT else (label,):
                            r = results[(name, shown, round_number)]
                            print(f"  round {round_number + 1} {name:<19} {shown:<22} {r['qps']:9.{1 if r['qps'] >= 10 else 3}f} q/s  p50 {r['p50_ms']:9.2f} ms  "
                                  f"p99 {r['p99_ms']:9.2f} ms  errors {r['errors']}  (load {os.getloadavg()[0]:.1f})", flush=True)
        finally:
            for process, _ in running.values():
                process.terminate()
                process.wait(timeout=60)
        report(results, work_cases, servers, args.rounds, load_before)


def report(results: dict, work_cases: dict, servers: list[str], rounds: int, load_before) -> None:
    load_after = os.getloadavg()
    floors = {POINT: 0.3}
    labels = [POINT, "point, 1 connection", *[k for k in work_cases if k != POINT]]
    print(f"\nload average before {load_before[0]:.2f}, after {load_after[0]:.2f} ({os.cpu_count()} cores); "
          f"ratio = provgraph q/s / oxigraph q/s in the same round; median over {rounds} round(s)")
    print(f"{'case':<22} {'server':<19} {'q/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'errors':>6}  ratio (per round)      floor")
    for label in labels:
        for name in servers:
            runs = [results[(name, label, r)] for r in range(rounds) if (name, label, r) in results]
            if not runs:
                continue
            qps = statistics.median(r["qps"] for r in runs)
            line = (f"{label:<22} {name:<19} {qps:9.{1 if qps >= 10 else 3}f} {statistics.median(r['p50_ms'] for r in runs):9.2f} "
                    f"{statistics.median(r['p99_ms'] for r in runs):9.2f} {sum(r['errors'] for r in runs):6d}")
            if name != "oxigraph" and ("oxigraph", label, 0) in results:
                ratios = [results[(name, label, r)]["qps"] / results[("oxigraph", label, r)]["qps"] for r in range(rounds)]
                floor = floors.get(label, 0.9 if label.startswith("canned") else None)
                verdict = "" if floor is None else f"{floor:.1f}x {'met' if statistics.median(ratios) >= floor else 'NOT met'}"
                line += f"  {statistics.median(ratios):.2f}x ({', '.join(f'{x:.2f}' for x in ratios)})  {verdict}"
            print(line)
    if POINT not in work_cases:
        return
    point = work_cases[POINT]["in_process_s"] * 1e6
    p50 = {name: statistics.median(results[(name, "point, 1 connection", r)]["p50_ms"] for r in range(rounds)) * 1000
           for name in servers if (name, "point, 1 connection", 0) in results}
    print(f"\nper-request overhead, point query, one connection (median latency, same query and dataset on both):")
    print(f"  in-process Store.query + reading the rows: {point:.0f} µs (measured once, before the servers started)")
    for name, value in p50.items():
        extra = f"  = oxigraph + {value - p50['oxigraph']:.0f} µs" if name != "oxigraph" and "oxigraph" in p50 else ""
        print(f"  {name:<19} {value:7.0f} µs{extra}")


if __name__ == "__main__":
    main()
