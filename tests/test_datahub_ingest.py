"""DataHub MCE/MCP files → the same PROV-O graph and the same query answers as OpenLineage."""

from __future__ import annotations

import json

import pytest

import provgraph
from provgraph import importers
from provgraph.errors import InputRejected
from provgraph.importers import datahub, openlineage
from provgraph.importers import datahub_urns as urns
from provgraph.sources import Source

from .conftest import SHARED, needs_shared

DATAHUB = SHARED / "datahub"
needs_datahub = pytest.mark.skipif(not DATAHUB.is_dir(), reason=f"DataHub samples not found at {DATAHUB}")
PG_HOST = "postgres://db.example.com:5432"


def mcp(urn: str, aspect: str, value: dict, change: str = "UPSERT", system: dict | None = None) -> dict:
    record = {"entityType": urns.parse(urn).entity_type, "entityUrn": urn, "changeType": change,
              "aspectName": aspect, "aspect": {"json": value}}
    if system:
        record["systemMetadata"] = system
    return record


def source(name: str, records: list) -> Source:
    return Source(name, json.dumps(records).encode())


def ds(platform: str, name: str, env: str = "PROD") -> str:
    return f"urn:li:dataset:(urn:li:dataPlatform:{platform},{name},{env})"


def distinct(result, *columns):
    return sorted(set(zip(*(result.column(c) for c in columns))))


# --- URN grammar and the platform mapping --------------------------------------------------

def test_urn_grammar_nested_encoded_and_odd_names():
    job = urns.parse("urn:li:dataJob:(urn:li:dataFlow:(airflow,myairflow.simple_dag,prod),task_1)")
    assert job.entity_type == "dataJob" and job.parts == ("urn:li:dataFlow:(airflow,myairflow.simple_dag,prod)", "task_1")
    field = "urn:li:schemaField:(urn:li:dataset:(urn:li:dataPlatform:glue,flights.avro,PROD),[version=2.0].[type=int].yr)"
    dataset_urn, path = urns.schema_field(field)
    assert dataset_urn == ds("glue", "flights.avro") and urns.simple_field_path(path) == "yr"
    assert urns.simple_field_path("[version=2.0].[type=struct].address.[type=string].city") == "address.city"
    assert urns.dataset_key(ds("hive", "a%2Cb%28c%29")).name == "a,b(c)"
    assert urns.parse("urn:li:corpGroup:Trust and Safety").id == "Trust and Safety"
    assert urns.dataset_key(ds("file", "feast.*")).name == "feast.*"
    for bad in ("urn:li:dataset:(urn:li:dataPlatform:hive,x", "dataset:x", "urn:li:dataset:(urn:li:dataPlatform:hive,,PROD)"):
        with pytest.raises(urns.UrnError):
            urns.dataset_key(bad)


def test_platform_mapping_inverts_datahubs_openlineage_rule():
    mapping = urns.NamespaceMap({"postgres": PG_HOST, "hive/warehouse1": "hive://metastore:9083"})
    assert mapping.locate(urns.dataset_key(ds("postgres", "shop.public.orders"))) == (PG_HOST, "shop.public.orders")
    assert mapping.locate(urns.dataset_key(ds("hive", "warehouse1.db.t"))) == ("hive://metastore:9083", "db.t")
    assert mapping.locate(urns.dataset_key(ds("s3", "bucket/path/file.csv"))) == ("s3://bucket", "path/file.csv")
    assert mapping.locate(urns.dataset_key(ds("bigquery", "p.d.t"))) == ("bigquery", "p.d.t")
    assert mapping.locate(urns.dataset_key(ds("snowflake", "db.s.t", "DEV"))) == ("snowflake?env=DEV", "db.s.t")


def test_mce_aspect_names_follow_datahub():
    assert datahub.aspect_name("com.linkedin.pegasus2avro.dataset.UpstreamLineage") == "upstreamLineage"
    assert datahub.aspect_name("com.linkedin.pegasus2avro.ml.metadata.MLModelProperties") == "mlModelProperties"
    assert datahub.aspect_name("com.linkedin.pegasus2avro.ml.metadata.TrainingData") == "mlModelTrainingData"


# --- detection, errors, atomicity ------------------------------------------------------------

def test_datahub_records_are_detected_and_not_taken_for_openlineage():
    mce = {"proposedSnapshot": {"com.linkedin.pegasus2avro.metadata.snapshot.DatasetSnapshot": {"urn": ds("hive", "t"), "aspects": []}}}
    proposal = mcp(ds("hive", "t"), "status", {"removed": False})
    for record in (mce, proposal):
        assert datahub.looks_like(record) and not openlineage.looks_like(record)
    assert importers.detect(source("x.json", [proposal])) is datahub


def test_bad_urn_and_bad_aspect_are_rejected_naming_file_record_urn_and_aspect(graph):
    good = mcp(ds("hive", "ok"), "datasetProperties", {"name": "ok"})
    bad_urn = mcp(ds("hive", "t"), "upstreamLineage", {"upstreams": [{"dataset": "urn:li:dataset:(broken", "type": "COPY"}]})
    bad_shape = mcp(ds("hive", "t"), "ownership", {"owners": "jdoe"})
    with pytest.raises(InputRejected) as caught:
        graph.ingest([source("meta.json", [good, bad_urn, bad_shape])], format="datahub")
    text = str(caught.value)
    assert "meta.json: record 1: upstreamLineage" in text and "urn:li:dataset:(broken" in text
    assert "meta.json: record 2: ownership.owners" in text and ds("hive", "t") in text
    assert len(graph.store.oxigraph) == 0
    summary = graph.ingest([source("meta.json", [good, bad_urn, bad_shape])], format="datahub", skip_invalid=True)
    assert summary.records == 1


def test_unknown_patch_path_is_a_warning_and_unmapped_aspects_are_counted(graph):
    patch = mcp(ds("hive", "t"), "upstreamLineage", [{"op": "remove", "path": "/upstreams/x"}], change="PATCH")
    summary = graph.ingest([source("p.json", [patch, mcp(ds("hive", "t"), "browsePathsV2", {"path": []})])])
    assert any("not applied" in p.message and p.record == 0 for p in summary.warnings)
    assert summary.unmapped_facets["aspect.browsePathsV2"] == 1


# --- one node per real dataset --------------------------------------------------------------

def openlineage_run(inputs: list[str], outputs: list[str]) -> dict:
    return {"eventType": "COMPLETE", "eventTime": "2025-03-01T10:00:00Z", "producer": "https://example.com/etl",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}, "job": {"namespace": "etl", "name": "load_orders"},
            "inputs": [{"namespace": PG_HOST, "name": n} for n in inputs],
            "outputs": [{"namespace": PG_HOST, "name": n} for n in outputs]}


def test_openlineage_and_datahub_describe_one_table(graph, monkeypatch):
    monkeypatch.setenv(urns.NAMESPACES_ENV, json.dumps({"platforms": {"postgres": PG_HOST}}))
    graph.ingest([Source("ol.json", json.dumps(openlineage_run(["shop.public.raw_orders"], ["shop.public.orders"])).encode())])
    graph.ingest([source("dh.json", [
        mcp(ds("postgres", "shop.public.reports"), "upstreamLineage",
            {"upstreams": [{"dataset": ds("postgres", "shop.public.orders"), "type": "TRANSFORMED",
                            "auditStamp": {"time": 0, "actor": "urn:li:corpuser:unknown"}}]}),
        mcp(ds("postgres", "shop.public.orders"), "ownership", {"owners": [{"owner": "urn:li:corpuser:jdoe", "type": "TECHNICAL_OWNER"}]}),
    ])])
    down = graph.query("downstream", namespace=PG_HOST, name="shop.public.raw_orders")
    assert distinct(down, "downstreamNamespace", "downstreamName") == [(PG_HOST, "shop.public.orders"), (PG_HOST, "shop.public.reports")]
    assert ("shop.public.orders", "user:jdoe") in distinct(down, "downstreamName", "ownerName")
    up = graph.query("upstream", namespace=PG_HOST, name="shop.public.reports")
    assert distinct(up, "upstreamName") == [("shop.public.orders",), ("shop.public.raw_orders",)]
    assert graph.stats()["datasets"] == 3


def test_lineage_type_and_times_on_the_qualified_derivation(graph):
    stamp = {"time": 1643871600000, "actor": "urn:li:corpuser:jdoe"}
    graph.ingest([source("dh.json", [mcp(ds("hive", "b"), "upstreamLineage", {"upstreams": [
        {"dataset": ds("hive", "a"), "type": "VIEW", "created": {"time": 0, "actor": "urn:li:corpuser:unknown"}, "auditStamp": stamp}]})])])
    rows = graph.sparql("""SELECT ?type ?created ?modified ?creator WHERE { ?b pg:name "b" ; prov:qualifiedDerivation ?q .
        ?q pg:lineageType ?type ; dcterms:modified ?modified . OPTIONAL { ?q dcterms:created ?created } OPTIONAL { ?q dcterms:creator ?creator } }""").records()
    assert rows == [{"type": "VIEW", "created": None, "modified": "2022-02-03T07:00:00Z",
                     "creator": "https://w3id.org/provgraph/id/agent/user%3Ajdoe"}]


# --- the real DataHub samples --------------------------------------------------------------

@pytest.fixture(scope="module")
def datahub_graph(tmp_path_factory):
    g = provgraph.open(tmp_path_factory.mktemp("datahub") / "store")
    g.summary = g.ingest([DATAHUB], format="datahub") if DATAHUB.is_dir() else None
    yield g
    g.close()


@needs_shared
@needs_datahub
def test_every_datahub_sample_ingests_with_a_summary(datahub_graph):
    summary = datahub_graph.summary
    files = sorted(p.name for p in DATAHUB.glob("*.json"))
    assert len(files) == 24 and [s.status for s in summary.sources] == ["ingested"] * 24
    assert summary.rejected == []
    assert all(s.accepted == s.records for s in summary.sources)
    assert summary.unmapped_facets["aspect.browsePathsV2"] > 0 and "aspect.upstreamLineage" not in summary.unmapped_facets


@needs_shared
@needs_datahub
def test_bootstrap_upstream_of_model_and_datasets_table_and_column_level(datahub_graph):
    model = datahub_graph.query("upstream", namespace="science", name="scienceModel")
    assert distinct(model, "upstreamNamespace", "upstreamName") == [("hive", "pageViewsHive")]
    table = datahub_graph.query("upstream", namespace="hive", name="fct_users_deleted")
    assert {"logging_events", "fct_users_created", "SampleHiveDataset", "SampleHdfsDataset", "SampleKafkaDataset"} <= {
        n for (n,) in distinct(table, "upstreamName")}
    columns = datahub_graph.query("downstream", namespace="hive", name="logging_events", field="event_data")
    assert distinct(columns, "downstreamName", "downstreamField") == [("fct_users_created", "user_name")]


@needs_shared
@needs_datahub
def test_ml_models_link_to_training_jobs_runs_and_inputs(datahub_graph):
    rows = datahub_graph.sparql("""SELECT DISTINCT ?name ?runId ?input WHERE {
        ?m a mls:Model ; pg:name ?name . ?v prov:specializationOf ?m ; prov:wasGeneratedBy ?run . ?run pg:runId ?runId .
        OPTIONAL { ?run prov:used ?i . ?i pg:name ?input } }""").records()
    by_model = {}
    for r in rows:
        by_model.setdefault(r["name"], set()).add((r["runId"], r["input"]))
    assert any("a-training-job" in run and i == "input-dataset.tar_gz" for run, i in by_model["the-first-model"])
    assert {run for run, _ in by_model["test-model_1"]} == {"urn:li:dataProcessInstance:2666299269d6ebea994d5ec0c29e3aca"}
    vertex = datahub_graph.sparql("""SELECT DISTINCT ?name WHERE { ?run pg:runId ?id ; prov:used/pg:name ?name .
        FILTER(CONTAINS(?id, "mock_auto_automl_tabular_job")) }""").column("name")
    assert vertex == ["test-project-id.dataset.2562882439508656128"]


@needs_shared
@needs_datahub
def test_trained_on_finds_sagemaker_and_mlflow_models_from_tagged_inputs(tmp_path):
    g = provgraph.open(tmp_path / "store")
    g.ingest([DATAHUB / "golden-sagemaker-mces.json", DATAHUB / "golden-mlflow-mcps.json"])
    run = "urn:li:dataProcessInstance:2666299269d6ebea994d5ec0c29e3aca"
    g.ingest([source("tags.json", [
        mcp(ds("s3", "training-job/input-dataset.tar_gz"), "globalTags", {"tags": [{"tag": "urn:li:tag:PII"}]}),
        mcp(ds("hive", "customers"), "glossaryTerms", {"terms": [{"urn": "urn:li:glossaryTerm:pii"}]}),
        mcp(run, "dataProcessInstanceInput", {"inputs": [ds("hive", "customers")]}),
    ])])
    sagemaker = g.query("trained-on", tag="PII")
    assert distinct(sagemaker, "outputName") == [("the-first-model",), ("the-second-model",)]
    down = g.query("downstream", namespace="s3://training-job", name="input-dataset.tar_gz")
    assert {("the-first-model", "true"), ("the-second-model", "true")} <= set(zip(down.column("downstreamName"), down.column("isModel")))
    assert set(sagemaker.column("generatedAt")) == {"2015-01-01T00:00:00Z"}
    mlflow = g.query("trained-on", tag="pii")
    assert distinct(mlflow, "outputName", "run") == [("test-model_1", urns.run(run).value)]
    g.close()


@needs_shared
@needs_datahub
def test_pii_tags_and_terms_are_classifications_of_datasets_and_fields(datahub_graph):
    def tagged(keyword):
        return {(r["dataset"], r["field"]) for r in datahub_graph.sparql(f"""SELECT DISTINCT ?dataset ?field WHERE {{ ?d pg:name ?dataset .
            {{ ?d dcat:keyword "{keyword}" }} UNION {{ ?d pg:field ?f . ?f dcat:keyword "{keyword}" ; pg:fieldPath ?field }} }}""").records()}
    topics = ["key_value_topic", "key_value_topic-value", "value_topic", "value_topic-value"]
    assert tagged("PII") == {(t, None) for t in topics}
    assert tagged("Email") == {(t, "email") for t in topics}
    assert tagged("Name") == {(t, f) for t in topics for f in ("firstName", "lastName")}
    assert tagged("pii") == tagged("dbt:sensitive") == {("pagila.public.payments_by_customer_by_month", "customer_id")}
    terms = datahub_graph.sparql("SELECT ?key WHERE { ?t a pg:GlossaryTerm ; pg:tagKey ?key }").column("key")
    assert {"Classification.Sensitive", "Personal-Information.Email", "pii"} <= set(terms)


@needs_shared
@needs_datahub
def test_soft_deleted_entities_are_ended_not_deleted(datahub_graph):
    ended = datahub_graph.sparql("""SELECT DISTINCT ?name ?at WHERE { ?x prov:wasInvalidatedBy ?removal ; pg:name ?name .
        OPTIONAL { ?x prov:invalidatedAtTime ?at } }""").records()
    assert {r["name"]: r["at"] for r in ended} == {
        "test_platform_instance.nyc.taxis": "2020-04-14T07:00:00Z",
        "connect-instance-1.mysql_source2": "2021-10-25T13:00:00Z",
        **{f"connect-instance-1.mysql_source2.librarydb.{t}": "2021-10-25T13:00:00Z" for t in ("book", "member", "MixedCaseTable")}}
    current = datahub_graph.query("current-datasets", namespace="iceberg")
    assert current.column("name") == ["test_platform_instance.nyc.another_taxis"]
    everything = datahub_graph.query("current-datasets", namespace="iceberg", include_ended=True).records()
    assert [(r["name"], r["ended"], r["endedAt"]) for r in everything] == [
        ("test_platform_instance.nyc.another_taxis", "false", None), ("test_platform_instance.nyc.taxis", "true", "2020-04-14T07:00:00Z")]
    assert datahub_graph.sparql("""ASK { ?d a dcat:Dataset ; pg:name "test_platform_instance.nyc.taxis" }""")


def test_mapping_document_mentions_every_mapped_aspect():
    from provgraph.importers.datahub_aspects import HANDLERS
    from .conftest import REPO
    text = (REPO / "ontology" / "MAPPING.md").read_text()
    assert {a for a in HANDLERS if f"`{a}`" not in text} == set()


def test_cli_ingests_datahub_and_counts_unmapped_aspects(tmp_path):
    from .test_cli import run
    path = tmp_path / "meta.json"
    path.write_text(json.dumps([mcp(ds("hive", "b"), "upstreamLineage", {"upstreams": [{"dataset": ds("hive", "a"), "type": "COPY"}]}),
                                mcp(ds("hive", "b"), "browsePathsV2", {"path": []})]))
    done = run("ingest", "--format", "datahub", str(path), store=tmp_path / "store")
    assert done.stdout.startswith("ingested 1 source(s): 2 record(s)") and "aspect.browsePathsV2 ×1" in done.stdout
    answer = run("query", "run", "upstream", "-p", "namespace=hive", "-p", "name=b", "--format", "csv", store=tmp_path / "store")
    assert "hive,a" in answer.stdout
    detected = run("ingest", str(path), store=tmp_path / "other")
    assert detected.stdout.startswith("ingested 1 source(s)")
    path.write_text(json.dumps([mcp(ds("hive", "b"), "ownership", {"owners": [{"type": "DATAOWNER"}]})]))
    rejected = run("ingest", str(path), store=tmp_path / "third", check=False)
    assert rejected.returncode == 1 and "record 0: ownership.owners[0].owner: missing" in rejected.stderr
    assert "Traceback" not in rejected.stderr


def test_unreadable_namespace_configuration_rejects_the_ingest(graph, monkeypatch):
    monkeypatch.setenv(urns.NAMESPACES_ENV, "{not json")
    with pytest.raises(InputRejected) as caught:
        graph.ingest([source("dh.json", [mcp(ds("hive", "a"), "status", {"removed": False})])])
    assert urns.NAMESPACES_ENV in str(caught.value)


def test_orchestrator_and_instance_configuration(graph, monkeypatch):
    monkeypatch.setenv(urns.NAMESPACES_ENV, json.dumps({"platforms": {"iceberg/prod_lake": "iceberg://catalog"}, "jobs": {"airflow": "prod-airflow"}}))
    job = "urn:li:dataJob:(urn:li:dataFlow:(airflow,sales_dag,prod),load)"
    graph.ingest([source("dh.json", [mcp(job, "dataJobInputOutput", {
        "inputDatasets": [ds("iceberg", "prod_lake.raw.sales")], "outputDatasets": [ds("iceberg", "prod_lake.mart.sales")]})])])
    rows = graph.sparql("""SELECT ?jobNs ?jobName ?ns ?name WHERE { ?j a pg:Job ; pg:plannedOutput ?d ; pg:namespace ?jobNs ; pg:name ?jobName .
        ?d pg:namespace ?ns ; pg:name ?name }""").records()
    assert rows == [{"jobNs": "prod-airflow", "jobName": "sales_dag.load", "ns": "iceberg://catalog", "name": "mart.sales"}]
    up = graph.query("upstream", namespace="iceberg://catalog", name="mart.sales")
    assert distinct(up, "upstreamName") == [("raw.sales",)]


def test_training_run_events_give_the_model_version_its_time_and_state(graph):
    run, model_urn = "urn:li:dataProcessInstance:train-42", "urn:li:mlModel:(urn:li:dataPlatform:mlflow,churn,PROD)"
    graph.ingest([source("train.json", [
        mcp(run, "dataProcessInstanceInput", {"inputEdges": [{"destinationUrn": ds("hive", "customers")}]}),
        mcp(run, "dataProcessInstanceRunEvent", {"timestampMillis": 1700000000000, "status": "STARTED"}),
        mcp(run, "dataProcessInstanceRunEvent", {"timestampMillis": 1700000600000, "status": "COMPLETE", "result": {"type": "SUCCESS"}}),
        mcp(run, "dataProcessInstanceRelationships", {"parentTemplate": "urn:li:dataJob:(urn:li:dataFlow:(airflow,ml,prod),train)"}),
        mcp(model_urn, "mlModelProperties", {"trainingJobs": [run], "created": {"time": 1600000000000}}),
        mcp(ds("hive", "customers"), "globalTags", {"tags": [{"tag": "urn:li:tag:pii"}]}),
    ])])
    found = graph.query("trained-on", tag="pii").records()
    assert [(r["outputName"], r["generatedAt"], r["job"]) for r in found] == [
        ("churn", "2023-11-14T22:23:20Z", "https://w3id.org/provgraph/id/job/airflow/ml.train")]
    runs = graph.query("runs", namespace="airflow", name="ml.train").records()
    assert [(r["state"], r["started"], r["ended"]) for r in runs] == [("COMPLETE", "2023-11-14T22:13:20Z", "2023-11-14T22:23:20Z")]


MODEL = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,m,PROD)"
JOB = "urn:li:dataJob:(urn:li:dataFlow:(airflow,dag,prod),task)"


@pytest.mark.parametrize("record, where", [
    (mcp(JOB, "dataJobInputOutput", {"inputDatasets": True}), "dataJobInputOutput.inputDatasets: expected a list"),
    (mcp(MODEL, "mlModelProperties", {"tags": -1}), "mlModelProperties.tags: expected a list"),
    (mcp(MODEL, "mlModelProperties", {"trainingJobs": [ds("hive", "t")]}), "mlModelProperties.trainingJobs[0]: a training job must be"),
    (mcp(ds("hive", "t"), "status", {"removed": "yes"}), "status.removed: expected true or false"),
    (mcp(ds("hive", "t"), "schemaMetadata", {"fields": [{"nativeDataType": "int"}]}), "schemaMetadata.fields[0].fieldPath: missing"),
    (mcp("urn:li:dataProcessInstance:r", "dataProcessInstanceRunEvent", {"timestampMillis": 1, "status": "RUNNING"}),
     "dataProcessInstanceRunEvent.status: unknown run status"),
    (mcp(ds("hive", "t"), "upstreamLineage", [{"op": "add", "path": "/upstreams/x", "value": {}}]), "aspect: expected an aspect object"),
    ({"entityUrn": "urn:li:dataset:(urn:li:dataPlatform:hive,t", "aspectName": "status", "aspect": {"json": {}}}, "entityUrn: unbalanced"),
    ({"proposedSnapshot": {"x": {"urn": ds("hive", "t"), "aspects": [{"a.B": 1}]}}}, "proposedSnapshot.aspects[0].a.B: expected an aspect object"),
])
def test_malformed_aspects_are_rejected_with_their_path(graph, record, where):
    with pytest.raises(InputRejected) as caught:
        graph.ingest([source("bad.json", [record])], format="datahub")
    assert f"bad.json: record 0: {where}" in str(caught.value)
    assert len(graph.store.oxigraph) == 0


@needs_shared
@needs_datahub
def test_glossary_terms_sit_under_their_nodes_and_carry_their_owners(datahub_graph):
    rows = datahub_graph.sparql("""SELECT DISTINCT ?term ?node ?owner WHERE { ?t a pg:GlossaryTerm ; pg:tagKey ?term ;
        skos:broader ?parent . ?parent skos:prefLabel ?node . OPTIONAL { ?t prov:wasAttributedTo/rdfs:label ?owner }
        FILTER(STRSTARTS(STR(?parent), "https://w3id.org/provgraph/id/")) }""").records()  # not the DPV category it is classified as
    sensitive = [r for r in rows if r["term"] == "Classification.Sensitive"]
    assert sensitive and {r["node"] for r in sensitive} == {"Classification"} and all(r["owner"] for r in sensitive)


def test_mce_snapshot_with_union_wrappers_schema_properties_and_custom_owner_type(graph):
    urn = ds("hive", "db.customers")
    mce = {"proposedSnapshot": {"com.linkedin.pegasus2avro.metadata.snapshot.DatasetSnapshot": {"urn": urn, "aspects": [
        {"com.linkedin.pegasus2avro.dataset.DatasetProperties": {"name": {"string": "customers"}, "description": {"string": "All customers"},
                                                                  "customProperties": {"retention": "7y"}, "created": {"time": 1586847600000}}},
        {"com.linkedin.pegasus2avro.schema.SchemaMetadata": {"schemaName": "customers", "fields": [
            {"fieldPath": "[version=2.0].[type=struct].address.[type=string].email", "nativeDataType": {"string": "varchar"},
             "type": {"type": {"com.linkedin.pegasus2avro.schema.StringType": {}}},
             "glossaryTerms": {"terms": [{"urn": "urn:li:glossaryTerm:Personal-Information.Email"}]}},
            {"fieldPath": "age", "type": {"type": {"com.linkedin.pegasus2avro.schema.NumberType": {}}}}]}},
        {"com.linkedin.pegasus2avro.common.Ownership": {"owners": [
            {"owner": "urn:li:corpGroup:Trust and Safety", "type": "CUSTOM", "typeUrn": "urn:li:ownershipType:data_steward"},
            {"owner": "urn:li:corpuser:jdoe@example.com", "type": "DATAOWNER"}]}},
    ]}}}
    structured = mcp(urn, "structuredProperties", {"properties": [
        {"propertyUrn": "urn:li:structuredProperty:io.acme.legalBasis", "values": [{"string": "consent"}]}]})
    graph.ingest([source("mce.json", [mce, structured])])
    fields = graph.sparql("""SELECT ?path ?type ?term WHERE { ?d pg:name "db.customers" ; pg:field ?f . ?f pg:fieldPath ?path ; pg:fieldType ?type .
        OPTIONAL { ?f dcat:keyword ?term } } ORDER BY ?path""").records()
    assert fields == [{"path": "address.email", "type": "varchar", "term": "Personal-Information.Email"},
                      {"path": "age", "type": "Number", "term": None}]
    owners = graph.sparql("""SELECT ?name ?kind ?role WHERE { ?d pg:name "db.customers" ; prov:qualifiedAttribution ?q .
        ?q prov:agent ?a ; prov:hadRole/rdfs:label ?role . ?a rdfs:label ?name ; a ?kind FILTER(?kind != prov:Agent) } ORDER BY ?name""").records()
    assert [(o["name"], o["kind"].rsplit("#", 1)[-1], o["role"]) for o in owners] == [
        ("group:Trust and Safety", "Organization", "data_steward"), ("user:jdoe@example.com", "Person", "DATAOWNER")]
    props = graph.sparql("""SELECT ?kind ?name ?value WHERE { ?d pg:name "db.customers" ; schema:additionalProperty ?p .
        ?p schema:propertyID ?kind ; schema:name ?name ; schema:value ?value } ORDER BY ?kind""").records()
    assert [(p["kind"], p["name"], p["value"]) for p in props] == [
        ("customProperties", "retention", "7y"), ("structuredProperties", "io.acme.legalBasis", "consent")]
    title = graph.sparql("""SELECT ?title ?created WHERE { ?d pg:name "db.customers" ; dcterms:title ?title ; dcterms:created ?created }""").records()
    assert title == [{"title": "customers", "created": "2020-04-14T07:00:00Z"}]


@needs_shared
@needs_datahub
def test_patch_encoded_fine_grained_lineage_is_column_lineage_with_its_query(datahub_graph):
    edges = {(f, d) for f in ("us_col1", "us_col2", "us_col3")
             for d in datahub_graph.query("downstream", namespace="snowflake", name="upstream_table", field=f).column("downstreamField")}
    assert edges == {("us_col1", "ds_col1"), ("us_col2", "ds_col2"), ("us_col3", "ds_col2")}
    sql = datahub_graph.sparql("""SELECT DISTINCT ?sql WHERE { ?f pg:fieldPath "ds_col1" ; prov:qualifiedDerivation/dcterms:source/schema:text ?sql }""")
    assert sql.column("sql") == ["SELECT us_col1 as ds_col1, us_col2 + us_col3 as ds_col2 FROM upstream_table"]


@needs_shared
def test_marquez_openlineage_file_and_a_datahub_file_share_their_tables(tmp_path, monkeypatch):
    from .conftest import OPENLINEAGE
    monkeypatch.setenv(urns.NAMESPACES_ENV, json.dumps({"platforms": {"postgres": "food_delivery"}}))
    catalog = tmp_path / "datahub-catalog.json"
    catalog.write_text(json.dumps([
        mcp(ds("postgres", "public.customers"), "globalTags", {"tags": [{"tag": "urn:li:tag:PII"}]}),
        mcp(ds("postgres", "public.customers"), "ownership", {"owners": [{"owner": "urn:li:corpGroup:crm", "type": "BUSINESS_OWNER"}]}),
        mcp(ds("tableau", "weekly_delivery_report"), "upstreamLineage",
            {"upstreams": [{"dataset": ds("postgres", "public.delivery_7_days"), "type": "TRANSFORMED"}]}),
    ]))
    g = provgraph.open(tmp_path / "store")
    g.ingest([OPENLINEAGE / "events/marquez/docker-metadata.rendered.json", catalog])
    down = g.query("downstream", namespace="food_delivery", name="public.customers")
    names = {n for (n,) in distinct(down, "downstreamName")}
    assert {"public.delivery_7_days", "weekly_delivery_report"} <= names
    customers = g.sparql("""SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a dcat:Dataset ; pg:name "public.customers" }""")
    assert customers.column("n") == ["1"]
    owners = g.sparql("""SELECT ?owner WHERE { ?d pg:namespace "food_delivery" ; pg:name "public.customers" ; dcat:keyword "PII" ;
        prov:wasAttributedTo/rdfs:label ?owner }""").column("owner")
    assert "group:crm" in owners
    g.close()
