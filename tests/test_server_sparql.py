"""The /sparql endpoint with real SPARQL clients (SPARQLWrapper, rdflib's SPARQLStore) and raw HTTP."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

import provgraph
from provgraph import ids

from .conftest import EXAMPLES
from .running_server import running_server

PG = "https://w3id.org/provgraph/ns#"
RUNS_OF_JOBS = "PREFIX pg: <%s> SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a pg:Run }" % PG


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A server over the demo platform; yields (server, sha256 of churn.ndjson, runs in all, runs in churn)."""
    path = tmp_path_factory.mktemp("sparql") / "store"
    graph = provgraph.open(path)
    graph.ingest([EXAMPLES])
    churn = next(s for s in graph.batches().records() if s["source"].endswith("churn.ndjson"))["sha256"]
    total = int(graph.sparql(RUNS_OF_JOBS).rows[0][0].value)
    graph.close()
    del graph
    with running_server(path) as server:
        yield server, churn, total


def test_sparqlwrapper_select_json_csv_xml(demo):
    server, _, total = demo
    client = SPARQLWrapper(f"{server.base}/sparql")
    client.setQuery(RUNS_OF_JOBS)
    client.setReturnFormat(JSON)
    assert int(client.queryAndConvert()["results"]["bindings"][0]["n"]["value"]) == total
    client.setReturnFormat(CSV)
    assert list(csv.reader(io.StringIO(client.queryAndConvert().decode()))) == [["n"], [str(total)]]
    client.setReturnFormat(XML)
    document = client.queryAndConvert()
    assert document.getElementsByTagName("literal")[0].firstChild.data == str(total)
    client.setMethod("POST")
    client.setReturnFormat(JSON)
    assert int(client.queryAndConvert()["results"]["bindings"][0]["n"]["value"]) == total


def test_sparqlwrapper_ask_and_construct(demo):
    server, _, _ = demo
    client = SPARQLWrapper(f"{server.base}/sparql")
    client.setQuery("ASK { ?m a mls:Model }")  # the project prefixes are predeclared
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["boolean"] is True
    client.setQuery("CONSTRUCT { ?j a prov:Plan } WHERE { ?j a prov:Plan } LIMIT 3")
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.queryAndConvert(), format="turtle")
    assert len(graph) == 3


def test_rdflib_sparqlstore(demo):
    server, _, total = demo
    store = SPARQLStore(f"{server.base}/sparql", returnFormat="json")
    rows = list(store.query(RUNS_OF_JOBS))
    assert int(rows[0][0]) == total
    assert store.query("ASK { ?x a <http://www.w3.org/ns/prov#Activity> }").askAnswer is True


def test_default_graph_uri_restricts_the_dataset_to_one_batch(demo):
    server, churn, total = demo
    batch = ids.batch_graph(churn).value
    status, body = server.json("GET", f"/sparql?query={quote(RUNS_OF_JOBS)}&default-graph-uri={quote(batch)}")
    in_batch = int(body["results"]["bindings"][0]["n"]["value"])
    assert status == 200 and 0 < in_batch < total
    named = f"SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    status, body = server.json("POST", f"/sparql?named-graph-uri={quote(batch)}", named, {"Content-Type": "application/sparql-query"})
    assert body["results"]["bindings"][0]["n"]["value"] == "1"


@pytest.mark.parametrize("accept, media_type, parse", [
    ("application/sparql-results+json", "application/sparql-results+json", lambda b: json.loads(b)["head"]["vars"] == ["n"]),
    ("application/sparql-results+xml", "application/sparql-results+xml", lambda b: b"<sparql" in b),
    ("text/csv", "text/csv", lambda b: b.splitlines()[0] == b"n"),
    ("text/tab-separated-values", "text/tab-separated-values", lambda b: b.splitlines()[0] == b"?n"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/sparql-results+xml", lambda b: b"<sparql" in b),
    ("", "application/sparql-results+json", lambda b: "results" in json.loads(b)),
])
def test_select_content_negotiation(demo, accept, media_type, parse):
    server, _, _ = demo
    status, headers, body = server.request("GET", f"/sparql?query={quote(RUNS_OF_JOBS)}", headers={"Accept": accept} if accept else {})
    assert status == 200 and headers["content-type"].split(";")[0] == media_type and parse(body)


@pytest.mark.parametrize("accept, rdflib_format", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"), ("application/trig", "trig"),
])
def test_construct_content_negotiation(demo, accept, rdflib_format):
    server, _, _ = demo
    query = quote("CONSTRUCT { ?j a prov:Plan } WHERE { ?j a prov:Plan }")
    status, headers, body = server.request("GET", f"/sparql?query={query}", headers={"Accept": accept})
    assert status == 200 and headers["content-type"].startswith(accept)
    graph = rdflib.Graph().parse(data=body, format=rdflib_format)
    assert len(graph) > 3 and all(o == rdflib.PROV.Plan for o in graph.objects())


def test_bare_get_answers_a_service_description(demo):
    server, _, _ = demo
    status, headers, body = server.request("GET", "/sparql", headers={"Accept": "text/turtle"})
    assert status == 200
    graph = rdflib.Graph().parse(data=body, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = graph.value(predicate=rdflib.RDF.type, object=sd.Service)
    assert graph.value(service, sd.endpoint) == rdflib.URIRef(f"{server.base}/sparql")
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in graph
    assert (service, sd.feature, sd.BasicFederatedQuery) not in graph


def test_malformed_query_is_400_saying_what_and_where(demo):
    server, _, _ = demo
    status, body = server.json("GET", "/sparql?query=" + quote("SELECT ?s WHERE {\n  ?s ?p \n}"))
    assert status == 400
    error = body["error"]
    assert error["code"] == "malformed-query" and "expected" in error["message"]
    assert error["details"] == [{"line": 3, "column": 2}] and "3:2" in error["message"]


@pytest.mark.parametrize("query", [
    "INSERT DATA { <http://e/s> <http://e/p> <http://e/o> }",
    "PREFIX e: <http://e/> DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://example.org/data.ttl>",
    "DROP ALL",
])
def test_updates_are_refused(demo, query):
    server, _, total = demo
    for method, path, body, headers in [
        ("GET", f"/sparql?query={quote(query)}", None, {}),
        ("POST", "/sparql", f"update={quote(query)}", {"Content-Type": "application/x-www-form-urlencoded"}),
        ("POST", "/sparql", query, {"Content-Type": "application/sparql-update"}),
    ]:
        status, answer = server.json(method, path, body, headers)
        assert status == 403 and answer["error"]["code"] == "update-refused"
    status, answer = server.json("GET", f"/sparql?query={quote(RUNS_OF_JOBS)}")
    assert int(answer["results"]["bindings"][0]["n"]["value"]) == total


def test_service_is_refused_but_the_word_in_a_literal_is_not(demo):
    server, _, _ = demo
    status, answer = server.json("GET", "/sparql?query=" + quote("SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"))
    assert status == 403 and answer["error"]["code"] == "service-refused"
    status, answer = server.json("GET", "/sparql?query=" + quote("SELECT ?x WHERE { BIND('SERVICE <http://x>' AS ?x) }"))
    assert status == 200 and answer["results"]["bindings"][0]["x"]["value"] == "SERVICE <http://x>"


def test_canned_query_list_and_typed_parameters(demo):
    server, _, _ = demo
    status, body = server.json("GET", "/api/v1/queries")
    names = {q["name"]: q for q in body["queries"]}
    assert {"upstream", "downstream", "trained-on", "runs"} <= set(names)
    assert {"name": "since", "type": "dateTime", "required": False, "default": "1970-01-01T00:00:00Z"}.items() <= \
        next(p for p in names["trained-on"]["parameters"] if p["name"] == "since").items()
    status, body = server.json("GET", "/api/v1/queries/trained-on?tag=user-behavior&since=not-a-date")
    assert status == 400 and body["error"]["code"] == "bad-parameter" and "since" in body["error"]["message"]
    status, body = server.json("GET", "/api/v1/queries/nope")
    assert status == 404 and body["error"]["code"] == "not-found"
    status, body = server.json("GET", "/api/v1/queries/trained-on?tag=user-behavior&since=2025-01-01&until=2026-01-01")
    assert status == 200 and body["results"]["bindings"]
