"""The W3C SPARQL 1.1 Protocol tests (../shared/data/w3c-sparql-protocol/protocol/manifest.ttl),
each request sent as raw HTTP to a real ``provgraph serve``.

The endpoint is read-only by design, so the manifest's update tests — which expect an update
endpoint to accept them — must instead be refused with 403 ``update-refused``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pyoxigraph
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection

from .conftest import SHARED
from .running_server import running_server

PROTOCOL = SHARED / "w3c-sparql-protocol" / "protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
needs_protocol = pytest.mark.skipif(not PROTOCOL.is_dir(), reason=f"W3C protocol tests not found at {PROTOCOL}")
TABULAR = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values")
RDF_TYPES = ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json", "application/trig")


def _manifest() -> tuple[Graph, list[URIRef]]:
    if not PROTOCOL.is_dir():
        return Graph(), []
    graph = Graph().parse(PROTOCOL / "manifest.ttl", format="turtle")
    manifest = next(graph.subjects(MF.entries, None))
    return graph, list(Collection(graph, graph.value(manifest, MF.entries)))


MANIFEST, ENTRIES = _manifest()


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    """A server whose store holds data1..3.nt in the graphs the manifest names."""
    store_path = tmp_path_factory.mktemp("protocol") / "store"
    store = pyoxigraph.Store(str(store_path))
    for number in (1, 2, 3):
        graph = pyoxigraph.NamedNode(f"http://kasei.us/2009/09/sparql/data/data{number}.rdf")
        store.load(path=str(PROTOCOL / f"data{number}.nt"), format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=graph)
    store.flush()
    del store
    with running_server(store_path) as server:
        yield server


def _requests(test: URIRef) -> list:
    action = MANIFEST.value(test, MF.action)
    return list(Collection(MANIFEST, MANIFEST.value(action, HT.requests)))


def _send(server, request):
    method = str(MANIFEST.value(request, HT.methodName))
    path = str(MANIFEST.value(request, HT.absolutePath))
    headers = {}
    header_list = MANIFEST.value(request, HT.headers)
    if header_list is not None:
        for header in Collection(MANIFEST, header_list):
            headers[str(MANIFEST.value(header, HT.fieldName))] = str(MANIFEST.value(header, HT.fieldValue))
    body = None
    content = MANIFEST.value(request, HT.body)
    if content is not None:
        encoding = str(MANIFEST.value(content, CNT.characterEncoding) or "UTF-8")
        body = str(MANIFEST.value(content, CNT.chars)).encode(encoding)
    return server.request(method, path, body, headers)


@needs_protocol
@pytest.mark.parametrize("test", ENTRIES, ids=[t.split("#")[-1] for t in ENTRIES])
def test_w3c_protocol_case(endpoint, test):
    name = test.split("#")[-1]
    requests = _requests(test)
    status, headers, body = _send(endpoint, requests[0])
    if name.startswith("update_"):
        assert status == 403 and json.loads(body)["error"]["code"] == "update-refused"
        return
    response = MANIFEST.value(requests[0], HT.resp)
    expected = {str(s).rsplit("#", 1)[-1] for s in MANIFEST.objects(response, MF.expectedStatus)}
    assert f"StatusCode{status // 100}xx" in expected, (status, body[:300])
    if status >= 400:
        error = json.loads(body)["error"]
        assert error["status"] == status and error["message"]
        return
    media_type = headers["content-type"].split(";")[0]
    fmt = str(MANIFEST.value(response, MF.expectedFormat) or "")
    if fmt == "boolean":
        assert media_type in TABULAR[:2]
        if MANIFEST.value(response, MF.expectedBoolean) is not None:
            assert _boolean(media_type, body) == MANIFEST.value(response, MF.expectedBoolean).toPython()
    elif fmt == "tabular":
        assert media_type in TABULAR
    elif fmt == "RDF":
        assert media_type in RDF_TYPES
        Graph().parse(data=body, format={"text/turtle": "turtle", "application/n-triples": "nt"}.get(media_type, "xml"))


def _boolean(media_type: str, body: bytes) -> bool:
    if media_type.endswith("json"):
        return json.loads(body)["boolean"]
    text = ET.fromstring(body).find("{http://www.w3.org/2005/sparql-results#}boolean").text
    return text == "true"


@needs_protocol
def test_every_manifest_entry_is_run():
    assert len(ENTRIES) == 34
