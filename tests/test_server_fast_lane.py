"""The bare-WSGI lane for SPARQL queries answers exactly as the Flask route does; the HTTP servers
run in the one process that holds the store."""

from __future__ import annotations

import random
import re
import string
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode

import pytest
from werkzeug.test import Client

from provgraph.config import ServiceConfig
from provgraph.server.app import create_app
from provgraph.server.fast_lane import FastLane, query_arguments

from .running_server import running_server

SELECT = "PREFIX pg: <https://w3id.org/provgraph/ns#> SELECT ?d ?name WHERE { ?d pg:name ?name } ORDER BY ?name LIMIT 3"
PLAIN = 'SELECT ?d WHERE { ?d <https://w3id.org/provgraph/ns#name> "orders" }'
ASK = "ASK { ?s ?p ?o }"
CONSTRUCT = "CONSTRUCT { ?d a ?t } WHERE { ?d a ?t } LIMIT 2"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def apps(demo_graph):
    app = create_app(ServiceConfig(row_limit=2), demo_graph)
    return Client(app), Client(FastLane(app))


REQUESTS = [
    ("GET", "/sparql?" + urlencode({"query": SELECT}), {}, None),
    ("GET", "/sparql/?" + urlencode({"query": PLAIN}), {"Accept": "text/csv"}, None),
    ("GET", "/sparql?" + urlencode({"query": ASK}), {"Accept": "application/sparql-results+xml"}, None),
    ("GET", "/sparql?" + urlencode({"query": CONSTRUCT}), {"Accept": "application/n-triples"}, None),
    ("GET", "/sparql?" + urlencode({"query": SELECT}), {"Accept": "text/tab-separated-values;q=0.9, text/csv;q=0.8"}, None),
    ("GET", "/sparql?" + urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"}), {}, None),  # cut at the row limit
    ("POST", "/sparql", {"Content-Type": FORM}, urlencode({"query": SELECT})),
    ("POST", "/sparql", {"Content-Type": "application/sparql-query; charset=utf-8"}, SELECT),
    ("POST", "/sparql", {"Content-Type": "application/sparql-query; charset=latin-1"}, SELECT),
    ("POST", "/sparql", {"Content-Type": "text/plain"}, SELECT),
    ("POST", "/sparql", {"Content-Type": FORM}, urlencode({"update": "CLEAR ALL"})),
    ("GET", "/sparql?" + urlencode({"query": "SELECT ?s WHERE { ?s ?p }"}), {}, None),
    ("GET", "/sparql?" + urlencode({"query": "DELETE WHERE { ?s ?p ?o }"}), {}, None),
    ("GET", "/sparql?" + urlencode({"query": "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }"}), {}, None),
    ("GET", "/sparql?" + urlencode([("query", ASK), ("query", ASK)]), {}, None),
    ("GET", "/sparql?" + urlencode({"query": SELECT, "default-graph-uri": "http://example.org/none"}), {}, None),
    ("GET", "/sparql", {"Accept": "text/turtle"}, None),  # service description: Flask answers it
    ("GET", "/sparql?xquery=1", {}, None),
    ("PUT", "/sparql?" + urlencode({"query": ASK}), {}, None),
    ("GET", "/api/v1/queries/trained-on?tag=user-behavior&since=2025-01-01", {}, None),  # cut at the row limit
    ("GET", "/api/v1/queries/trained-on?tag=user-behavior&tag=other&format=csv", {}, None),
    ("GET", "/api/v1/queries/owners?namespace=s3%3A%2F%2Facme-models&name=credit_scoring", {"Accept": "text/csv"}, None),
    ("GET", "/api/v1/queries/owners?namespace=s3://acme-models&name=credit_scoring;x&name=", {"Accept": "text/csv;q=0.5, */*"}, None),
    ("GET", "/api/v1/queries/owners?namespace=s3://acme-models&name=nothing+here", {}, None),
    ("GET", "/api/v1/queries/owners?namespace=s3://acme-models", {}, None),  # a required parameter missing
    ("GET", "/api/v1/queries/trained-on?tag=user-behavior&since=not-a-date", {}, None),
    ("GET", "/api/v1/queries/trained-on?tag=user-behavior&format=xml", {}, None),
    ("GET", "/api/v1/queries/trained-on?tag=user-behavior&colour=blue", {}, None),
    ("GET", "/api/v1/queries/nope?tag=user-behavior", {}, None),
    ("POST", "/api/v1/queries/trained-on", {"Content-Type": "application/json"}, '{"tag": "user-behavior"}'),
]


@pytest.mark.parametrize("method, path, headers, body", REQUESTS, ids=[f"{r[0]} {i}" for i, r in enumerate(REQUESTS)])
def test_the_lane_answers_as_the_flask_route(apps, method, path, headers, body):
    flask_client, lane_client = apps
    by_flask = flask_client.open(path, method=method, headers=headers, data=body)
    by_lane = lane_client.open(path, method=method, headers=headers, data=body)
    assert by_lane.status_code == by_flask.status_code
    for header in ("Content-Type", "Vary", "Provgraph-Truncated", "Allow"):
        assert by_lane.headers.get(header) == by_flask.headers.get(header), header
    assert _without_blank_node_labels(by_lane.get_data()) == _without_blank_node_labels(by_flask.get_data())


def test_queries_and_canned_queries_bypass_flask(demo_graph):
    app = create_app(ServiceConfig(), demo_graph)
    through_flask = []
    app.before_request(lambda: through_flask.append(True) and None)
    lane = Client(FastLane(app))
    assert lane.get("/sparql?" + urlencode({"query": PLAIN})).status_code == 200
    assert lane.get("/api/v1/queries/owners?namespace=s3://acme-models&name=credit_scoring").status_code == 200
    assert lane.get("/api/v1/queries/owners?namespace=s3://acme-models").status_code == 400
    assert through_flask == []
    assert lane.get("/healthz").status_code == 200 and through_flask == [True]


def _without_blank_node_labels(body: bytes) -> bytes:
    return re.sub(rb"_:[\w-]+", b"_:b", body)  # each service description mints fresh blank nodes


def test_query_arguments_decode_as_parse_qs():
    alphabet = string.ascii_letters + string.digits + " =&+%é€\n;/?#<>\"'{}"
    rng = random.Random(7)
    samples = ["", "a", "a=", "=b", "a&&b=1", "q=%zz", "q=%4", "q=a%2bb+c", "q=%E2%82%AC", "q=%e2%82%ac%3D%3d"]
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(30)))
        samples.append(urlencode({"query": text, "x": text[::-1]}, quote_via=quote) + "&" + text.encode().hex()[:6])
    for sample in samples:
        assert query_arguments(sample) == parse_qs(sample, keep_blank_values=True), sample


def _children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc to list child processes")
@pytest.mark.parametrize("http_server", ["granian", "waitress"])
def test_each_http_server_is_the_one_process_holding_the_store(tmp_path, http_server):
    with running_server(tmp_path / "store", "--http-server", http_server, "--workers", "1") as server:
        assert f"({http_server}, " in server.banner[0]
        status, answer = server.json("GET", "/sparql?" + urlencode({"query": ASK}))
        assert status == 200 and answer == {"head": {}, "boolean": False}
        assert _children(server.process.pid) == []
