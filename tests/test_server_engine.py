"""Which queries the engine may run in the request thread (they cannot block before their first row)."""

from __future__ import annotations

import pytest

from provgraph.server.engine import may_block_before_first_row


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
