"""Which queries the engine may run in the request thread (they cannot block before their first row), and
which default prefixes it hands to Oxigraph."""

from __future__ import annotations

import pytest

from provgraph.server.engine import may_block_before_first_row, undeclared_prefixes
from provgraph.vocab import PREFIXES


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT DISTINCT ?s WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o > 3) }",
    "SELECT * WHERE { ?s ?p ?o MINUS { ?s a ?t } }",
    "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }",
    "ASK { ?s ?p ?o FILTER NOT EXISTS { ?s a ?t } }",
])
def test_sorting_grouping_filtering_and_subqueries_go_to_an_evaluator(query):
    assert may_block_before_first_row(query)


@pytest.mark.parametrize("query", [
    'PREFIX ex: <http://example.org/ORDER/> SELECT ?d WHERE { ?d ex:name "FILTER and ORDER BY" ; ex:count ?count }',
    "SELECT ?order ?group WHERE { ?order <http://example.org/distinct> ?group }  # ORDER BY in a comment",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
])
def test_plain_patterns_run_in_the_request_thread(query):
    assert not may_block_before_first_row(query)


def test_only_the_default_prefixes_a_query_uses_without_declaring_are_handed_on():
    assert undeclared_prefixes("SELECT * WHERE { ?d pg:name ?n ; prov:used/^dcat:x ?o }") == {
        name: PREFIXES[name] for name in ("pg", "prov", "dcat")}
    everything = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
    assert undeclared_prefixes(everything + "SELECT * WHERE { ?d pg:name ?n }") is None
    assert undeclared_prefixes("prefix pg: <http://example.org/> SELECT * { ?d pg:name ?n ; dcat:x ?o }") == {"dcat": PREFIXES["dcat"]}
    assert undeclared_prefixes("SELECT * { ?s ?p ?o }") is None
    # prefix names are case-sensitive; uses and declarations inside strings, IRIs or comments do not count
    assert "pg" in undeclared_prefixes("PREFIX PG: <http://example.org/> SELECT * { ?s pg:p ?o }")
    hidden = 'SELECT * WHERE { ?s <http://e/dcat:x> "prov:used PREFIX pg: <x>" ; pg:p ?o } # PREFIX pg: <x> dpv:x'
    assert undeclared_prefixes(hidden) == {"pg": PREFIXES["pg"]}
