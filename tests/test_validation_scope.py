"""Validating a batch's nodes reads only their neighbourhood, and finds exactly what validating
the whole store finds on those nodes."""

from __future__ import annotations

import json

import pytest
from rdflib import URIRef

import provgraph
from provgraph import generate, ids, neighbourhood, validation

from .conftest import EXAMPLES, REPO

OVERLAY = REPO / "examples" / "governance.yaml"
#: An overlay for the synthetic platform that gives every shape something to find: consent
#: withdrawn mid-year, consent without a record, special-category data without a purpose,
#: sensitive data whose consumers are not authorised, a dataset without a legal basis.
PLATFORM_OVERLAY = """\
datasets:
  - match: {namespace: "kafka://events.internal:9092", name: "clickstream.page_views"}
    legal_basis: consent
    consent: {status: withdrawn, given: 2024-03-01T00:00:00Z, withdrawn: 2025-01-04T00:00:00Z}
    purpose: dpv:ProvidePersonalisedRecommendations
  - match: {namespace: "postgres://crm.internal:5432", name: "crm.customers"}
    personal_data: [dpv:SensitivePersonalData]
    legal_basis: consent
    authorised_consumers: [team:nobody]
  - match: {namespace: "s3://acme-raw", name: "orders/raw_0.parquet"}
    personal_data: [pd:HealthRecord]
    legal_basis: contract
"""


def findings_on(report: validation.ValidationReport, nodes: set[str]) -> set[tuple]:
    return {(f.focus, f.shape, f.severity, f.message, f.value) for f in report.findings if f.focus in nodes}


def assert_batches_match_whole_store(graph: provgraph.LineageGraph, batch_hashes: list[str]) -> set[tuple]:
    """For every batch: the findings on its nodes equal the whole store's findings on them.
    Returns the findings compared."""
    whole = graph.validate()
    compared = set()
    for sha256 in batch_hashes:
        focus, _, _ = validation.batch_focus(graph.store, [ids.batch_graph(sha256)])
        nodes = {n.value for n in focus}
        on_batch = graph.validate(focus_nodes=sorted(focus, key=lambda n: n.value))
        assert findings_on(on_batch, nodes) == findings_on(whole, nodes), sha256
        assert {f.focus for f in on_batch.findings} <= nodes
        compared |= findings_on(whole, nodes)
    return compared


def ingest_each(graph: provgraph.LineageGraph, paths) -> list[str]:
    hashes = []
    for path in paths:
        summary = graph.ingest([path])
        hashes += [s.sha256 for s in summary.sources]
    return hashes


def test_demo_batches_find_what_the_whole_store_finds(graph):
    hashes = ingest_each(graph, sorted(EXAMPLES.glob("*.ndjson")) + [OVERLAY])
    assert len(assert_batches_match_whole_store(graph, hashes)) == 3  # the demo's three deliberate gaps


def test_platform_batches_find_what_the_whole_store_finds(graph, tmp_path):
    events = list(generate.events(scale=0.15, seed=3, days=21))
    # A run that ends before it starts, for the PROV shapes.
    start, complete = (json.loads(json.dumps(e)) for e in events if e["run"]["runId"] == events[0]["run"]["runId"])
    for event in (start, complete):
        event["run"]["runId"] = "0b6c1e55-0000-4000-8000-000000000001"
    start["eventTime"] = "2025-01-22T00:00:00Z"
    events += [start, complete]
    paths = []
    for start in range(0, len(events), 150):
        path = tmp_path / f"part-{start:05d}.ndjson"
        path.write_text("".join(json.dumps(e) + "\n" for e in events[start:start + 150]))
        paths.append(path)
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(PLATFORM_OVERLAY)
    hashes = ingest_each(graph, paths[:3] + [overlay] + paths[3:])
    found = graph.validate()
    assert {f.shape for f in found.findings} >= {"consent valid at use", "consent recorded", "special category",
                                                  "authorised consumer", "legal basis", "model purpose", "run start and end"}
    assert len(assert_batches_match_whole_store(graph, hashes)) == len(found.findings)


def test_a_shape_the_walk_cannot_follow_is_checked_against_the_whole_store(graph, tmp_path):
    hashes = ingest_each(graph, sorted(EXAMPLES.glob("*.ndjson")))
    shape = tmp_path / "counted.ttl"
    shape.write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix dcat: <http://www.w3.org/ns/dcat#> .
        <urn:shape:counted> a sh:NodeShape ; sh:targetClass dcat:Dataset ;
          sh:sparql [ sh:message "one of {?value} datasets" ; sh:select \"\"\"SELECT $this ?value WHERE {
            { SELECT (COUNT(?d) AS ?value) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> } } FILTER(?value > 3) }\"\"\" ] .""")
    shapes = validation.load_shapes([shape], replace=True)
    reader = neighbourhood.Neighbourhood(graph.store.oxigraph, validation.DATA_GRAPHS)
    with pytest.raises(neighbourhood.Unbounded):  # ?d does not start from the focus node
        reader.walk(neighbourhood.shape_pattern(shapes, URIRef("urn:shape:counted")), {neighbourhood.THIS: set()})
    whole = validation.validate(graph.store, shapes)
    assert whole.findings
    for sha256 in hashes:
        focus, _, _ = validation.batch_focus(graph.store, [ids.batch_graph(sha256)])
        nodes = {n.value for n in focus}
        on_batch = validation.validate(graph.store, shapes, sorted(focus, key=lambda n: n.value))
        assert findings_on(on_batch, nodes) == findings_on(whole, nodes)
