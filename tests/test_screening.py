"""pySHACL sees only the focus nodes that could fail a shape, and reports what it reports on all of them."""

from __future__ import annotations

import pyoxigraph
import pytest
from rdflib import URIRef

from provgraph import ids, screening, validation

from .conftest import EXAMPLES
from .test_validation_scope import OVERLAY, findings_on, ingest_each

PREFIXES = (("dcat", "http://www.w3.org/ns/dcat#"), ("pg", "https://w3id.org/provgraph/ns#"),
            ("prov", "http://www.w3.org/ns/prov#"))
#: Shapes that use what the screen follows and what it does not (sh:datatype, LIMIT, $this read
#: where no pattern binds it), each finding something on the demo platform.
SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix prov: <http://www.w3.org/ns/prov#> .
@prefix pg: <https://w3id.org/provgraph/ns#> . @prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<urn:shape:run> a sh:NodeShape ; rdfs:label "run" ; sh:targetClass pg:Run ;
  sh:property [ sh:path prov:startedAtTime ; sh:lessThan prov:endedAtTime ] ;
  sh:property [ sh:path prov:endedAtTime ; sh:lessThanOrEquals prov:startedAtTime ] ;
  sh:property [ sh:path prov:used ; sh:minCount 2 ] ;
  sh:property [ sh:path prov:used ; sh:maxCount 1 ] ;
  sh:property [ sh:path prov:endedAtTime ; sh:datatype xsd:string ] .
<urn:shape:dataset> a sh:NodeShape ; rdfs:label "dataset" ; sh:targetClass dcat:Dataset ;
  sh:property [ sh:path pg:name ; sh:equals pg:namespace ] ;
  sh:property [ sh:path pg:name ; sh:disjoint pg:name ] ;
  sh:sparql [ sh:message "named {?value}" ; sh:select \"\"\"SELECT $this ?value WHERE {
      $this <https://w3id.org/provgraph/ns#name> ?value } LIMIT 3\"\"\" ] ;
  sh:sparql [ sh:message "long name {?value}" ; sh:select \"\"\"SELECT $this (MIN(?name) AS ?value) WHERE {
      $this <https://w3id.org/provgraph/ns#name> ?name FILTER(STRLEN(?name) > 12) } GROUP BY $this\"\"\" ] .
"""


def test_shapes_the_screen_follows_and_does_not_find_what_the_whole_store_finds(graph, tmp_path):
    hashes = ingest_each(graph, sorted(EXAMPLES.glob("*.ndjson")) + [OVERLAY])
    path = tmp_path / "screened.ttl"
    path.write_text(SHAPES)
    shapes = validation.load_shapes([path])
    whole = validation.validate(graph.store, shapes)
    assert {f.shape for f in whole.findings} >= {"run", "dataset"}
    compared = set()
    for sha256 in hashes:
        focus, _, _ = validation.batch_focus(graph.store, [ids.batch_graph(sha256)])
        nodes = {n.value for n in focus}
        on_batch = validation.validate(graph.store, shapes, sorted(focus, key=lambda n: n.value))
        assert findings_on(on_batch, nodes) == findings_on(whole, nodes), sha256
        compared |= findings_on(whole, nodes)
    assert {shape for _, shape, *_ in compared} >= {"run", "dataset", "owner"}


def test_the_screen_keeps_the_nodes_that_fail_and_drops_the_rest(demo_graph):
    shapes = validation.load_shapes()
    datasets = {row["d"] for row in demo_graph.store.select("SELECT ?d WHERE { ?d a dcat:Dataset }")}
    data = pyoxigraph.Store()
    data.bulk_extend(pyoxigraph.Quad(q.subject, q.predicate, q.object) for q in
                     demo_graph.store.oxigraph.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph()))
    owner = URIRef("https://w3id.org/provgraph/shapes#DatasetOwner")
    ownerless = {f.focus for f in validation.validate(demo_graph.store, shapes).findings if f.shape == "owner"}
    assert ownerless
    assert {n.value for n in screening.suspects(data, shapes, owner, datasets)} == ownerless


@pytest.mark.parametrize("query, restrictable", [
    ("SELECT $this ?value WHERE { $this prov:used ?value FILTER NOT EXISTS { ?value prov:wasGeneratedBy $this } }", True),
    ("SELECT $this (MIN(?v) AS ?value) WHERE { { $this prov:used ?v } UNION { ?v prov:wasGeneratedBy $this } } GROUP BY $this", True),
    ("SELECT $this WHERE { $this prov:used ?v OPTIONAL { ?v prov:wasGeneratedBy ?r FILTER(?r != $this) } }", True),
    # $this read where nothing has bound it yet: pre-bound, the filter sees it; unbound, it does not.
    ("SELECT $this WHERE { ?v prov:wasGeneratedBy ?r FILTER(?r = $this) }", False),
    ("SELECT $this WHERE { { ?v prov:used ?r FILTER NOT EXISTS { ?r prov:used $this } } $this prov:used ?v }", False),
    ("SELECT $this WHERE { { $this prov:used ?v } UNION { ?v prov:used ?r } }", False),
    ("SELECT $this WHERE { $this prov:used ?v } LIMIT 1", False),
    ("SELECT $this WHERE { $this prov:used ?v { SELECT ?v WHERE { ?v prov:wasGeneratedBy ?r } } }", False),
    ("SELECT (COUNT(*) AS ?value) WHERE { $this prov:used ?v }", False),
    ("SELECT ?v (SAMPLE(?r) AS $this) WHERE { ?v prov:used ?r } GROUP BY ?v", False),
    ("SELECT $this WHERE { $this ?p ?v FILTER(?p != $currentShape) }", False),
])
def test_queries_whose_unbound_solutions_stand_for_pre_bound_ones(query, restrictable):
    assert screening.restrictable(query, PREFIXES) is restrictable
