"""The vocabulary file declares every provgraph term the code writes, and the docs stay in step."""

from __future__ import annotations

import re

import pyoxigraph
import rdflib

from provgraph.vocab import PG, RDFS, RUN_STATES

from .conftest import REPO

PG_TERM = re.compile(r'\bPG(?:\.([A-Za-z_][A-Za-z0-9_]*)|\["([A-Za-z_][A-Za-z0-9_]*)"\])|\bpg:([A-Za-z_][A-Za-z0-9_]*)')


def declared_terms() -> set[str]:
    graph = rdflib.Graph().parse(REPO / "ontology" / "provgraph.ttl", format="turtle")
    return {str(s)[len(str(PG)):] for s in graph.subjects() if str(s).startswith(str(PG)) and str(s) != str(PG)}


def used_terms() -> set[str]:
    used = set(RUN_STATES)
    sources = list((REPO / "provgraph").rglob("*.py")) + list((REPO / "queries").glob("*.rq"))
    for path in sources:
        for match in PG_TERM.finditer(path.read_text()):
            used.add(next(g for g in match.groups() if g))
    return used


def test_vocabulary_parses_with_oxigraph_and_rdflib():
    with open(REPO / "ontology" / "provgraph.ttl", "rb") as handle:
        assert list(pyoxigraph.parse(handle, format=pyoxigraph.RdfFormat.TURTLE))
    assert declared_terms()


def test_every_term_used_is_declared():
    assert used_terms() - declared_terms() == set()


def test_every_declared_term_has_label_comment_and_definition():
    graph = rdflib.Graph().parse(REPO / "ontology" / "provgraph.ttl", format="turtle")
    for term in declared_terms():
        subject = rdflib.URIRef(str(PG) + term)
        assert graph.value(subject, rdflib.URIRef(RDFS.label.value)), term
        assert graph.value(subject, rdflib.URIRef(RDFS.comment.value)), term


def test_mapping_document_covers_every_mapped_facet():
    from provgraph.importers.openlineage_facets import DATASET_FACETS, INPUT_FACETS, JOB_FACETS, OUTPUT_FACETS, RUN_FACETS
    text = (REPO / "ontology" / "MAPPING.md").read_text()
    facets = set(RUN_FACETS) | set(JOB_FACETS) | set(DATASET_FACETS) | set(INPUT_FACETS) | set(OUTPUT_FACETS)
    facets |= {"version", "columnLineage", "lifecycleStateChange"}
    assert {f for f in facets if f"`{f}`" not in text} == set()
