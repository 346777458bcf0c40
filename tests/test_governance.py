"""Governance: the overlay importer, classification, SHACL validation and `provgraph validate`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import provgraph
from provgraph.errors import InputRejected

from .conftest import EXAMPLES, OPENLINEAGE, REPO, needs_shared

OVERLAY = REPO / "examples" / "governance.yaml"
CUSTOMERS = "https://w3id.org/provgraph/id/dataset/food_delivery/public.customers"


@pytest.fixture(scope="module")
def governed_demo(tmp_path_factory) -> provgraph.LineageGraph:
    g = provgraph.open(tmp_path_factory.mktemp("governed") / "store")
    g.ingest([EXAMPLES])
    g.ingest([OVERLAY])
    yield g
    g.close()


def test_demo_validate_finds_exactly_the_deliberate_gaps(governed_demo):
    report = governed_demo.validate()
    assert not report.conforms
    found = {(f.name, f.shape) for f in report.findings}
    assert found == {
        ("sftp://vendor-experian/credit_bureau_scores.csv", "consent recorded"),
        ("kafka://events.internal:9092/clickstream.page_views", "consent valid at use"),
        ("postgres://warehouse.internal:5432/warehouse.raw.collections_delinquencies", "owner"),
    }
    withdrawn = next(f for f in report.findings if f.shape == "consent valid at use")
    assert "13 run(s)" in withdrawn.message and withdrawn.value.startswith("2025-10-06")
    assert all(f.rule for f in report.findings)


def test_classification_walks_the_dpv_hierarchy(governed_demo):
    # `pii` tags classify as dpv:PersonalData; the overlay's pd:EmailAddress is under pd:Contact.
    rows = governed_demo.sparql("""SELECT DISTINCT ?name WHERE { ?d dpv:hasPersonalData/skos:broader* pd:Contact ; pg:name ?name }
                                   ORDER BY ?name""")
    assert rows.column("name") == ["crm.public.customers", "sales/sales_2025.csv", "warehouse.staging.sales_clean"]
    tagged = governed_demo.sparql("ASK { ?tag pg:tagKey \"user-behavior\" ; skos:broader pd:Behavioural }")
    assert tagged is True


def test_store_report_is_queryable(governed_demo):
    governed_demo.validate(store_report=True)
    rows = governed_demo.sparql("""PREFIX sh: <http://www.w3.org/ns/shacl#> SELECT (COUNT(?r) AS ?n) WHERE {
                                     GRAPH <https://w3id.org/provgraph/graph/validation-report> { ?r a sh:ValidationResult } }""")
    assert int(rows.rows[0][0].value) == 3


def test_overlay_errors_name_the_line(graph, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("datasets:\n  - match: {name: x}\n    owner: team:a\n  - match: {name: y}\n    legal_basis: maybe\n"
                   "    consent: {status: given, given: yesterday}\n")
    with pytest.raises(InputRejected) as caught:
        graph.ingest([bad])
    problems = {p.field for p in caught.value.problems}
    assert "line 5: datasets[1].legal_basis" in problems
    assert "line 6: datasets[1].consent.given" in problems
    assert "bad.yaml: line 5: datasets[1].legal_basis: 'maybe'" in str(caught.value)
    assert graph.stats()["batches"] == 0


def test_validate_on_ingest_reject_leaves_the_store_as_it_was(graph, tmp_path):
    graph.ingest([EXAMPLES / "clickstream.ndjson"])
    before = graph.stats()
    overlay = tmp_path / "withdrawn.yaml"
    overlay.write_text("datasets:\n  - match: {namespace: 'kafka://*', name: clickstream.page_views}\n    legal_basis: consent\n"
                       "    consent: {status: withdrawn, given: 2024-01-01, withdrawn: 2025-03-01}\n")
    with pytest.raises(InputRejected) as caught:
        graph.ingest_validated([overlay], validate="reject")
    assert "consent valid at use" in str(caught.value)
    assert graph.stats() == before
    assert graph.sparql("ASK { ?d dpv:hasLegalBasis ?b }") is False


def test_cli_validate_exit_codes(tmp_path):
    store = tmp_path / "store"
    cli = [sys.executable, "-m", "provgraph.cli", "--store", str(store)]
    run = lambda *args: subprocess.run([*cli, *args], capture_output=True, text=True)  # noqa: E731
    assert run("validate").returncode == 0  # an empty graph conforms
    assert run("ingest", "-q", str(EXAMPLES / "sales.ndjson")).returncode == 0
    failing = run("validate", "--format", "json")
    assert failing.returncode == 1
    assert json.loads(failing.stdout)["conforms"] is False
    broken = tmp_path / "broken.ttl"
    broken.write_text("this is not turtle")
    assert run("validate", "--shapes", str(broken)).returncode == 2


@needs_shared
def test_marquez_email_classification_reaches_every_table_it_flows_into(tmp_path):
    g = provgraph.open(tmp_path / "store")
    g.ingest([OPENLINEAGE / "events/marquez/docker-metadata.rendered.json"])
    overlay = tmp_path / "marquez.yaml"
    overlay.write_text("datasets:\n  - match: {namespace: food_delivery, name: public.customers}\n"
                       "    owner: team:crm\n    fields: {email: pd:EmailAddress}\n    legal_basis: contract\n")
    g.ingest([overlay])
    assert g.sparql("ASK { ?f pg:fieldPath \"email\" ; dpv:hasPersonalData pd:EmailAddress }") is True
    column = g.query("downstream", namespace="food_delivery", name="public.customers", field="email").records()
    flows_into = {r["downstreamName"] for r in column}
    trained = g.query("trained-on", tag="pd:Contact", models_only=False)
    reached = {r["outputName"] for r in trained.records()}
    assert flows_into and flows_into <= reached
    assert {r["taggedSources"] for r in trained.records()} == {"public.customers"}
    assert g.query("trained-on", tag="pd:Behavioural", models_only=False).rows == []
    g.close()


@needs_shared
@pytest.mark.parametrize("folder", sorted(p.name for p in (OPENLINEAGE / "events").iterdir()) if OPENLINEAGE.is_dir() else [])
def test_validate_real_openlineage_files(tmp_path, folder):
    g = provgraph.open(tmp_path / "store")
    g.ingest([OPENLINEAGE / "events" / folder], skip_invalid=True)
    report = g.validate()
    text = report.render("text")
    assert text.splitlines()[0].startswith(("conforms", "does not conform"))
    # Real producers rarely send ownership: the owner rule is all they miss (their PROV is consistent).
    assert not report.conforms and {f.shape for f in report.findings} == {"owner"}
    assert all(f.name and f.message and f.rule for f in report.findings)
    assert all(not f.name.startswith("https://w3id.org/provgraph/id/qualified/") for f in report.findings)
    g.close()


def test_consent_proof_names_the_vendor_feed_without_consent(governed_demo):
    proof = governed_demo.query("consent-proof", namespace="s3://acme-models", name="credit_scoring").records()
    exceptions = {r["sourceName"]: r["exception"] for r in proof if r["exception"]}
    assert exceptions == {"credit_bureau_scores.csv": "legal basis is consent, but no consent record"}
    crm = next(r for r in proof if r["sourceName"] == "crm.public.customers")
    assert crm["consentStatus"] == "ConsentGiven" and crm["validAtTraining"] == "true"
    assert {r["modelVersion"] for r in proof} == {"2025.M12"}


def test_owners_of_a_models_lineage(governed_demo):
    rows = governed_demo.query("owners", namespace="s3://acme-models", name="credit_scoring").records()
    owners = {(r["nodeName"], r["owner"], r["declaredIn"]) for r in rows}
    assert ("credit_scoring", "team:credit-risk-ml", "lineage") in owners
    assert ("credit_scoring", "user:ken.okafor", "governance overlay") in owners
    assert ("warehouse.raw.collections_delinquencies", None, None) in owners
    assert {r["kind"] for r in rows} == {"model", "dataset", "job"}


def test_personal_data_without_legal_basis(governed_demo, graph):
    assert governed_demo.query("personal-data-without-legal-basis").rows == []
    graph.ingest([EXAMPLES / "sales.ndjson"])
    rows = graph.query("personal-data-without-legal-basis").records()
    assert {(r["name"], r["how"]) for r in rows} == {
        ("sales/sales_2025.csv", "declared"),
        ("warehouse.staging.sales_clean", "derived"), ("warehouse.analytics.customer_features", "derived")}


def test_cli_ingest_validate_reject_and_vocabulary_load(tmp_path):
    cli = [sys.executable, "-m", "provgraph.cli", "--store", str(tmp_path / "store")]
    run = lambda *args: subprocess.run([*cli, *args], capture_output=True, text=True)  # noqa: E731
    rejected = run("ingest", "-q", "--validate", "reject", str(EXAMPLES / "credit.ndjson"))
    assert rejected.returncode == 1
    assert "owner" in rejected.stderr and "collections_delinquencies" in rejected.stderr
    warned = run("ingest", "-q", "--validate", "warn", str(EXAMPLES / "credit.ndjson"))
    assert warned.returncode == 0 and "VIOLATION" in warned.stderr


@needs_shared
def test_full_dpv_vocabulary_can_be_loaded(graph):
    ontologies = OPENLINEAGE.parent / "ontologies"
    count = graph.load_vocabulary([ontologies / "dpv-pd.ttl"])
    assert count > 1000
    # a category provgraph does not declare itself, reachable once the full vocabulary is loaded
    assert graph.sparql("ASK { pd:Accent skos:broader+ dpv:PersonalData }") is True


def test_sensitive_data_only_for_authorised_consumers(graph, tmp_path):
    graph.ingest([EXAMPLES / "clickstream.ndjson"])
    overlay = tmp_path / "sensitive.yaml"
    overlay.write_text("datasets:\n  - urn: 'https://w3id.org/provgraph/id/dataset/kafka%3A%2F%2Fevents.internal%3A9092/clickstream.page_views'\n"
                       "    special_category: true\n    legal_basis: explicit-consent\n    purpose: dpv:ServicePersonalisation\n"
                       "    consent: {status: given, given: 2024-01-01}\n    authorised_consumers: [team:web-platform]\n")
    graph.ingest([overlay])
    findings = {(f.name, f.shape, f.value) for f in graph.validate().findings}
    assert ("s3://acme-models/recommender", "authorised consumer", "clickstream.page_views") in findings
    assert not any(f[1] == "special category" for f in findings)  # it has a legal basis and a purpose


def test_prov_consistency_run_ending_before_it_starts(graph):
    run, job = "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", {"namespace": "ns", "name": "job"}
    events = [{"eventType": et, "eventTime": t, "run": {"runId": run}, "job": job, "producer": "https://example.org/p",
               "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
               "outputs": [{"namespace": "ns", "name": "out", "facets": {"ownership": {"owners": [{"name": "team:a"}]}}}]}
              for et, t in (("START", "2025-01-02T00:00:00Z"), ("COMPLETE", "2025-01-01T00:00:00Z"))]
    graph.ingest([provgraph.Source("backwards.json", json.dumps(events).encode())])
    shapes = {f.shape for f in graph.validate().findings}
    assert "run start and end" in shapes


def test_an_edited_overlay_replaces_its_earlier_version(graph, tmp_path):
    graph.ingest([EXAMPLES / "sales.ndjson"])
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("datasets:\n  - match: {namespace: 's3://*', name: 'sales/*'}\n    legal_basis: consent\n")
    graph.ingest([overlay])
    assert graph.sparql("ASK { ?d a dcat:Dataset ; dpv:hasLegalBasis dpv:Consent }") is True
    overlay.write_text("datasets:\n  - match: {namespace: 's3://*', name: 'sales/*'}\n    legal_basis: contract\n")
    graph.ingest([overlay])
    assert graph.sparql("ASK { ?d a dcat:Dataset ; dpv:hasLegalBasis dpv:Consent }") is False
    assert graph.sparql("ASK { ?d a dcat:Dataset ; dpv:hasLegalBasis dpv:Contract }") is True
