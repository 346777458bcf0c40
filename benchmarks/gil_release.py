"""Does pyoxigraph release the GIL while it evaluates a query? Measured, not guessed.

Run by hand:  .venv/bin/python benchmarks/gil_release.py
A Python thread counts in a tight loop, alone and while the main thread runs a query that takes
seconds inside one pyoxigraph call (a COUNT over a cross product). If the GIL were held during
evaluation the counter would stall (ratio near 0); a ratio near the solo speed on a free core
means evaluation runs without the GIL, so a multi-threaded server evaluates queries in parallel.
"""

from __future__ import annotations

import threading
import time

import pyoxigraph as ox

TRIPLES = 3000


def spin_rate(during) -> float:
    stop, ticks = threading.Event(), [0]

    def spin():
        n = 0
        while not stop.is_set():
            n += 1
        ticks[0] = n

    thread = threading.Thread(target=spin)
    started = time.perf_counter()
    thread.start()
    during()
    elapsed = time.perf_counter() - started
    stop.set()
    thread.join()
    return ticks[0] / elapsed


def main() -> None:
    store = ox.Store()
    store.extend([ox.Quad(ox.NamedNode(f"http://example.org/{i}"), ox.NamedNode("http://example.org/p"), ox.Literal(str(i)))
                  for i in range(TRIPLES)])
    solo = spin_rate(lambda: time.sleep(1.5))
    timing = {}

    def query():
        t = time.perf_counter()
        store.query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }")
        timing["query"] = time.perf_counter() - t

    during = spin_rate(query)
    print(f"pyoxigraph {ox.__version__ if hasattr(ox, '__version__') else ''}: one Store.query call took {timing['query']:.2f} s")
    print(f"spinning thread: {solo / 1e6:.1f} M loops/s alone, {during / 1e6:.1f} M loops/s during the query "
          f"({during / solo:.0%}) -> the GIL is {'released' if during / solo > 0.2 else 'HELD'} during evaluation")


if __name__ == "__main__":
    main()
