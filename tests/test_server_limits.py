"""Limits, concurrency and the one JSON error shape of ``provgraph serve``, against a real server."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pyoxigraph
import pytest

from provgraph import ids

from .conftest import EXAMPLES
from .running_server import running_server

TOKEN = "limits-token"
FILLER = 3000  # triples: a cross product of them with a filter that rejects every pair runs for seconds
CROSS_PRODUCT = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
REJECT_EVERY_PAIR = ("SELECT * WHERE { GRAPH <http://example.org/filler> { ?a ?b ?c . ?d ?e ?f } "
                     "FILTER(STRLEN(CONCAT(STR(?c), STR(?f))) < 0) }")
BUNDLES = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ids.CATALOG_GRAPH.value}> {{ ?b a prov:Bundle }} }}"
ERROR_KEYS = {"status", "code", "message", "details"}


def filler_store(path):
    store = pyoxigraph.Store(str(path))
    graph = pyoxigraph.NamedNode("http://example.org/filler")
    store.extend([pyoxigraph.Quad(pyoxigraph.NamedNode(f"http://example.org/{i}"), pyoxigraph.NamedNode("http://example.org/p"),
                                  pyoxigraph.Literal(str(i)), g) for i in range(FILLER)
                  for g in (graph, pyoxigraph.DefaultGraph())])  # a named graph, and the view queries read
    store.flush()
    del store
    return path


def get(query: str) -> str:
    return "/sparql?query=" + quote(query)


def assert_error_shape(status: int, body: bytes, code: str) -> dict:
    document = json.loads(body)
    assert set(document) == {"error"} and set(document["error"]) == ERROR_KEYS
    error = document["error"]
    assert error["status"] == status and error["code"] == code
    assert isinstance(error["message"], str) and error["message"] and isinstance(error["details"], list)
    return error


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    path = filler_store(tmp_path_factory.mktemp("limits") / "store")
    # one process: the evaluator slots counted below are per process
    with running_server(path, "--query-timeout", "1", "--max-concurrent-queries", "2", "--row-limit", "100000000",
                        "--max-request-bytes", "4000", "--workers", "1", env={"PROVGRAPH_API_TOKENS": TOKEN}) as server:
        yield server


def test_runaway_cross_product_is_stopped_at_its_time_limit_while_the_server_answers(limited):
    with ThreadPoolExecutor(1) as pool:
        runaway = pool.submit(limited.request, "GET", get(CROSS_PRODUCT))
        answered_meanwhile = []
        while not runaway.done():
            status, _, body = limited.request("GET", "/healthz")
            answered_meanwhile.append(status)
        status, _, body = runaway.result()
    assert status == 408
    assert_error_shape(408, body, "query-timeout")
    assert answered_meanwhile and set(answered_meanwhile) == {200}
    # the runaway stopped pulling rows at its deadline: both evaluators are free again
    with ThreadPoolExecutor(2) as pool:
        both = list(pool.map(lambda _: limited.request("GET", get("ASK { ?s ?p ?o }")), range(2)))
    assert [s for s, _, _ in both] == [200, 200]


def test_one_error_shape_for_400_401_403_413(limited):
    assert_error_shape(400, limited.request("GET", get("SELECT ?x WHERE {"))[2], "malformed-query")
    assert_error_shape(401, limited.request("POST", "/api/v1/lineage", b"{}", {"Content-Type": "application/json"})[2], "unauthenticated")
    assert_error_shape(403, limited.request("POST", "/api/v1/lineage", b"{}", {"Authorization": "Bearer wrong"})[2], "invalid-token")
    status, _, body = limited.request("POST", "/sparql", "x" * 5000, {"Content-Type": "application/sparql-query"})
    assert status == 413
    assert_error_shape(413, body, "too-large")
    status, _, body = limited.request("GET", "/no/such/page")
    assert_error_shape(404, body, "not-found")
    status, _, body = limited.request("DELETE", "/sparql")
    assert_error_shape(405, body, "method-not-allowed")


def _batches() -> list[bytes]:
    lines = (EXAMPLES / "churn.ndjson").read_text().splitlines()
    return [("[" + ",".join(lines[i:i + 25]) + "]").encode() for i in range(0, 200, 25)]


def test_queries_never_see_half_a_batch_and_long_queries_do_not_block_ingest(tmp_path):
    """Ingest eight batches while a long query runs and other queries check, over and over, that
    every batch graph they see is whole and described in the catalog, and its runs derived."""
    prefix = ids.batch_graph("").value
    check = f"""SELECT ?g ?expected (COUNT(*) AS ?n) WHERE {{
        GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{prefix}"))
        OPTIONAL {{ GRAPH <{ids.CATALOG_GRAPH.value}> {{ ?g pg:tripleCount ?expected }} }}
    }} GROUP BY ?g ?expected"""
    underived = f"""SELECT (COUNT(*) AS ?n) WHERE {{
        GRAPH <{ids.CATALOG_GRAPH.value}> {{ ?g a prov:Bundle }} GRAPH ?g {{ ?r a pg:Run }} FILTER NOT EXISTS {{ ?r pg:runState ?state }}
    }}"""
    path = filler_store(tmp_path / "store")
    with running_server(path, env={"PROVGRAPH_API_TOKENS": TOKEN}) as server:
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        done = threading.Event()
        seen: list[int] = []

        def checker():
            while not done.is_set():
                status, body = server.json("GET", get(check))
                assert status == 200
                rows = body["results"]["bindings"]
                assert all("expected" in r and r["expected"]["value"] == r["n"]["value"] for r in rows), rows
                seen.append(len(rows))
                status, body = server.json("GET", get(underived))
                assert body["results"]["bindings"][0]["n"]["value"] == "0", "a run of a catalogued batch without its derived state"

        with ThreadPoolExecutor(3) as pool:
            long_query = pool.submit(server.request, "GET", get(REJECT_EVERY_PAIR))
            checking = pool.submit(checker)
            try:
                for number, batch in enumerate(_batches(), 1):
                    status, answer = server.json("POST", "/api/v1/lineage/batch", batch, headers)
                    assert status == 200 and answer["status"] == "success"
                    if number == 1:
                        ingest_finished_first = not long_query.done()
                    # visible at once to a query started after the acknowledgement
                    status, body = server.json("GET", get(BUNDLES))
                    assert body["results"]["bindings"][0]["n"]["value"] == str(number)
                checks_so_far = len(seen)
                deadline = time.monotonic() + 30
                while len(seen) < checks_so_far + 2 and time.monotonic() < deadline:  # one check started after the last batch
                    time.sleep(0.01)
            finally:
                done.set()
            checking.result()
            assert long_query.result()[0] == 200
        assert ingest_finished_first
        assert seen and max(seen) == 8


def test_uncancellable_queries_get_408_on_time_and_then_503_when_evaluators_are_full(limited):
    with ThreadPoolExecutor(2) as pool:
        stuck = list(pool.map(lambda _: limited.request("GET", get(REJECT_EVERY_PAIR)), range(2)))
    assert [s for s, _, _ in stuck] == [408, 408]
    status, headers, body = limited.request("GET", get("ASK { ?s ?p ?o }"))  # both evaluators still grind on
    assert status == 503 and headers["retry-after"] == "1"
    assert_error_shape(503, body, "unavailable")
    assert limited.request("GET", "/healthz")[0] == 200
