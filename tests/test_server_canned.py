"""Canned queries over HTTP answer what the Python API answers, serialised by Oxigraph and cut at
the row limit by the query itself (provgraph/server/row_cap.py)."""

from __future__ import annotations

import csv
import io
import json
import shlex
import time

import pyoxigraph
import pytest

import provgraph
from pyoxigraph import QueryResultsFormat
from werkzeug.test import Client

from provgraph.config import ServiceConfig
from provgraph.formatting import json_term
from provgraph.queries import load_catalogue
from provgraph.server.app import create_app
from provgraph.server.engine import INLINE_ROWS, PROVEN_RUNS, Engine
from provgraph.server.errors import ApiError
from provgraph.server.row_cap import serialized_within, within_row_limit

from .test_server_limits import REJECT_EVERY_PAIR


def example_parameters(example: str) -> dict[str, str]:
    words = shlex.split(example)
    return dict(words[i + 1].split("=", 1) for i, word in enumerate(words) if word == "--param")


@pytest.fixture(scope="module")
def client(demo_graph):
    return Client(create_app(ServiceConfig(), demo_graph))


def test_every_canned_query_is_serialised_by_oxigraph(demo_graph):
    engine = Engine(demo_graph, query_timeout=30, row_limit=100_000, max_concurrent_queries=2)
    for name, query in demo_graph.catalogue().items():
        params = example_parameters(query.examples[0]) if query.examples else {}
        assert engine.run_serialized(query.bind(params), QueryResultsFormat.JSON) is not None, name


@pytest.mark.parametrize("text", [
    "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3",  # a LIMIT of its own
    "SELECT ?s WHERE { ?s ?p ?o } VALUES ?s { <http://example.org/a> }",  # a trailing VALUES
    "CONSTRUCT WHERE { ?s ?p ?o }",  # a LIMIT would cut solutions, not triples
    "PREFIX select: <http://example.org/> ASK { ?s select:p ?o }",
])
def test_queries_that_cannot_carry_the_row_limit_are_left_to_rows_read_in_python(demo_graph, text):
    engine = Engine(demo_graph, query_timeout=30, row_limit=100_000, max_concurrent_queries=2)
    assert engine.run_serialized(text, QueryResultsFormat.JSON) is None
    engine.run(text)


def test_a_malformed_query_is_reported_on_its_own_text(demo_graph):
    engine = Engine(demo_graph, query_timeout=30, row_limit=100_000, max_concurrent_queries=2)
    assert engine.run_serialized("SELECT ?s WHERE { ?s ?p", QueryResultsFormat.JSON) is None
    with pytest.raises(ApiError) as malformed:
        engine.run("SELECT ?s WHERE { ?s ?p")
    assert malformed.value.code == "malformed-query" and malformed.value.details == [{"line": 1, "column": 24}]


def test_a_plain_pattern_longer_than_the_inline_cap_is_read_row_by_row(demo_graph):
    engine = Engine(demo_graph, query_timeout=30, row_limit=100_000, max_concurrent_queries=2)
    text = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    assert len(engine.run(text).rows) > INLINE_ROWS
    assert engine.run_serialized(text, QueryResultsFormat.JSON) is None
    body, truncated = engine.run_serialized(text, QueryResultsFormat.JSON, row_limit=INLINE_ROWS)
    assert truncated and len(json.loads(body)["results"]["bindings"]) == INLINE_ROWS
    body, truncated = engine.run_serialized(text + " ORDER BY ?s ?p ?o", QueryResultsFormat.JSON)
    assert not truncated and len(json.loads(body)["results"]["bindings"]) == len(engine.run(text).rows)


EXAMPLES = [(q.name, example) for q in load_catalogue().values() for example in q.examples[:1]]
EXAMPLES += [("upstream", "--param namespace=s3://acme-models --param name=credit_scoring"),  # rows on the demo platform
             ("downstream", "--param namespace=postgres://warehouse.internal:5432 --param name=warehouse.raw.crm_customers"),
             ("runs", "--param namespace=airflow-prod --param name=credit.ingest_crm_customers")]


@pytest.mark.parametrize("name, example", EXAMPLES, ids=[f"{name} {i}" for i, (name, _) in enumerate(EXAMPLES)])
def test_http_answers_what_the_python_api_answers(client, demo_graph, name, example):
    params = example_parameters(example)
    expected = demo_graph.query(name, **params)
    response = client.get(f"/api/v1/queries/{name}", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/sparql-results+json; charset=utf-8"
    document = json.loads(response.get_data())
    assert document["head"]["vars"] == list(expected.columns)
    assert document["results"]["bindings"] == [
        {column: json_term(term) for column, term in zip(expected.columns, row) if term is not None} for row in expected.rows]
    as_csv = client.get(f"/api/v1/queries/{name}", query_string=params, headers={"Accept": "text/csv"})
    assert as_csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    table = list(csv.reader(io.StringIO(as_csv.get_data(as_text=True))))
    assert table[0] == list(expected.columns) and len(table) == len(expected.rows) + 1
    assert "Provgraph-Truncated" not in response.headers


def test_a_canned_answer_longer_than_the_row_limit_is_cut_and_says_so(demo_graph):
    params = {"tag": "user-behavior", "since": "2025-01-01", "until": "2026-01-01"}
    rows = len(demo_graph.query("trained-on", **params).rows)
    assert rows > 2
    for limit, truncated in ((2, True), (rows, False), (rows - 1, True)):
        client = Client(create_app(ServiceConfig(row_limit=limit), demo_graph))
        response = client.get("/api/v1/queries/trained-on", query_string=params)
        assert len(response.get_json()["results"]["bindings"]) == min(rows, limit)
        assert (response.headers.get("Provgraph-Truncated") == "true") is truncated
        as_csv = client.get("/api/v1/queries/trained-on", query_string={**params, "format": "csv"})
        assert len(list(csv.reader(io.StringIO(as_csv.get_data(as_text=True))))) == min(rows, limit) + 1


def test_rows_are_counted_and_cut_whatever_their_literals_hold():
    store = pyoxigraph.Store()
    p = pyoxigraph.NamedNode("http://example.org/p")
    store.extend([pyoxigraph.Quad(pyoxigraph.NamedNode(f"http://example.org/{i}"), p,
                                  pyoxigraph.Literal(f"line {i}\nnext\r\n\t\"quoted\"", language="en")) for i in range(5)])
    text = "SELECT ?s ?o ?unbound WHERE { ?s ?p ?o } ORDER BY ?s"
    tsv = store.query(text).serialize(format=QueryResultsFormat.TSV)
    for fmt in (QueryResultsFormat.JSON, QueryResultsFormat.XML, QueryResultsFormat.CSV, QueryResultsFormat.TSV):
        whole, truncated = within_row_limit(tsv, fmt, 5)
        assert whole == store.query(text).serialize(format=fmt) and not truncated
    cut, truncated = within_row_limit(tsv, QueryResultsFormat.JSON, 3)
    assert truncated
    assert json.loads(cut)["results"]["bindings"] == json.loads(store.query(text + " LIMIT 3").serialize(format=QueryResultsFormat.JSON))["results"]["bindings"]
    assert within_row_limit(b"\n\n", QueryResultsFormat.JSON, 1) == (b'{"head":{"vars":[]},"results":{"bindings":[{}]}}', False)


def test_a_serialised_query_is_stopped_at_its_time_limit(tmp_path):
    graph = provgraph.open(tmp_path / "store")
    filler = pyoxigraph.NamedNode("http://example.org/filler")
    graph.store.oxigraph.extend([pyoxigraph.Quad(pyoxigraph.NamedNode(f"http://example.org/{i}"), pyoxigraph.NamedNode("http://example.org/p"),
                                                 pyoxigraph.Literal(str(i)), filler) for i in range(1500)])
    engine = Engine(graph, query_timeout=0.3, row_limit=10, max_concurrent_queries=1)
    started = time.monotonic()
    try:
        with pytest.raises(ApiError) as stopped:
            engine.run_serialized(REJECT_EVERY_PAIR, QueryResultsFormat.JSON)
        assert stopped.value.status == 408 and time.monotonic() - started < 1.5
    finally:
        wait_until_idle(engine)  # the evaluation cannot be cancelled: it ends before the store closes
        graph.close()


def wait_until_idle(engine: Engine) -> None:
    for _ in range(120):
        try:
            engine.run("ASK {}", timeout=5)
            return
        except ApiError as busy:
            assert busy.status == 503  # no free slot within a second


@pytest.mark.parametrize("limit, cap", [(5, 5), (10, 10), (3, 3), (10, 3), (10, 5), (1, 1), (10, 4), (1000, 1000), (100_000, 1000)])
def test_an_answer_is_sent_as_written_cut_or_left_to_python_by_its_rows(limit, cap):
    store = pyoxigraph.Store()
    p = pyoxigraph.NamedNode("http://example.org/p")
    store.extend([pyoxigraph.Quad(pyoxigraph.NamedNode(f"http://example.org/{i}"), p, pyoxigraph.Literal(f"{i}\n,\t\"", language="en"))
                  for i in range(5)])
    text = "SELECT ?s ?o ?unbound WHERE { ?s ?p ?o } ORDER BY ?s"
    for fmt in (QueryResultsFormat.JSON, QueryResultsFormat.XML, QueryResultsFormat.CSV, QueryResultsFormat.TSV):
        answer = serialized_within(store.query(f"{text} LIMIT {cap + 1}"), fmt, limit, cap)
        if cap < limit and 5 > cap:
            assert answer is None
            continue
        assert answer == (store.query(f"{text} LIMIT {min(5, limit)}").serialize(format=fmt), 5 > limit), fmt


def test_a_canned_query_that_proved_fast_runs_in_the_request_thread_until_it_runs_long(tmp_path):
    """A query family answered well inside its limit PROVEN_RUNS times skips the evaluator hand-off;
    then a slow one is answered when it ends (408, late), and the family goes back to the evaluators."""
    graph = provgraph.open(tmp_path / "store")
    filler = pyoxigraph.NamedNode("http://example.org/filler")
    graph.store.oxigraph.extend([pyoxigraph.Quad(pyoxigraph.NamedNode(f"http://example.org/{i}"), pyoxigraph.NamedNode("http://example.org/p"),
                                                 pyoxigraph.Literal(str(i)), filler) for i in range(1500)])
    engine = Engine(graph, query_timeout=0.3, row_limit=10, max_concurrent_queries=2)
    fast = "SELECT ?s WHERE { GRAPH <http://example.org/filler> { ?s <http://example.org/p> \"7\" } } ORDER BY ?s"
    try:
        for _ in range(PROVEN_RUNS):
            body, _ = engine.run_serialized(fast, QueryResultsFormat.JSON, known_as="family")
            assert json.loads(body)["results"]["bindings"] == [{"s": {"type": "uri", "value": "http://example.org/7"}}]
        started = time.monotonic()
        with pytest.raises(ApiError) as late:
            engine.run_serialized(REJECT_EVERY_PAIR, QueryResultsFormat.JSON, known_as="family")
        took = time.monotonic() - started
        assert late.value.status == 408
        started = time.monotonic()
        with pytest.raises(ApiError) as on_time:
            engine.run_serialized(REJECT_EVERY_PAIR, QueryResultsFormat.JSON, known_as="family")
        assert on_time.value.status == 408 and time.monotonic() - started < took
    finally:
        wait_until_idle(engine)
        graph.close()
