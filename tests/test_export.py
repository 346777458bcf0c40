"""Export formats, and the exported PROV-O read back by the `prov` package."""

from __future__ import annotations

import json
import warnings

import pyoxigraph
import pytest
from prov.model import ProvActivity, ProvDerivation, ProvDocument, ProvEntity, ProvGeneration, ProvUsage

from .conftest import OPENLINEAGE, needs_shared

pytestmark = needs_shared


@pytest.fixture
def apples(graph):
    graph.ingest([OPENLINEAGE / "events/marquez/api-test-apples", OPENLINEAGE / "events/compat-tests/airflow"])
    return graph


def distinct(graph, pattern, variable="x"):
    return {r[variable] for r in graph.sparql(f"SELECT DISTINCT ?{variable} WHERE {{ {pattern} }}").records()}


def test_prov_package_reads_back_entities_activities_and_relations(apples):
    data = apples.export("turtle").decode()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # prov warns about attributes it keeps as plain values
        document = ProvDocument.deserialize(content=data, format="rdf", rdf_format="turtle")
    records = document.get_records()
    ids = lambda cls: {str(r.identifier.uri) for r in records if isinstance(r, cls)}  # noqa: E731
    assert ids(ProvEntity) >= distinct(apples, "?x a prov:Entity")
    assert ids(ProvActivity) == distinct(apples, "?x a prov:Activity")
    pairs = lambda cls, a, b: {(str(r.get_attribute(a).pop().uri), str(r.get_attribute(b).pop().uri)) for r in records if isinstance(r, cls)}  # noqa: E731
    used = {(r["a"], r["e"]) for r in apples.sparql("SELECT DISTINCT ?a ?e WHERE { ?a prov:used ?e }").records()}
    assert pairs(ProvUsage, "prov:activity", "prov:entity") == used
    generated = {(r["e"], r["a"]) for r in apples.sparql("SELECT DISTINCT ?e ?a WHERE { ?e prov:wasGeneratedBy ?a }").records()}
    assert pairs(ProvGeneration, "prov:entity", "prov:activity") == generated
    derived = {(r["g"], r["u"]) for r in apples.sparql("SELECT DISTINCT ?g ?u WHERE { ?g prov:wasDerivedFrom ?u }").records()}
    assert pairs(ProvDerivation, "prov:generatedEntity", "prov:usedEntity") >= derived


def test_export_declares_prefixes_covering_minted_iris(apples):
    turtle = apples.export("turtle").decode()
    for prefix in ("prov:", "pg:", "run:", "dataset:", "version:", "job:"):
        assert f"@prefix {prefix}" in turtle


@pytest.mark.parametrize("fmt,parser", [("trig", pyoxigraph.RdfFormat.TRIG), ("nquads", pyoxigraph.RdfFormat.N_QUADS)])
def test_dataset_formats_keep_one_graph_per_batch(apples, fmt, parser):
    quads = list(pyoxigraph.parse(apples.export(fmt), format=parser))
    graphs = {q.graph_name.value for q in quads if not isinstance(q.graph_name, pyoxigraph.DefaultGraph)}
    batches = set(apples.batches().column("batch"))
    assert batches <= graphs
    stated = [q for q in apples.store.oxigraph if not isinstance(q.graph_name, pyoxigraph.DefaultGraph)]
    assert len(quads) == len(stated)  # every named graph; the default graph is only the deduplicated view


def test_jsonld_export_parses(apples):
    document = json.loads(apples.export("jsonld"))
    assert document


def test_export_to_a_file(apples, tmp_path):
    target = tmp_path / "out.ttl"
    apples.export("turtle", str(target))
    assert target.read_text().startswith("@prefix")
