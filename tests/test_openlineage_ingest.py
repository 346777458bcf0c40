"""Ingesting the real OpenLineage files under ../shared/data/openlineage."""

from __future__ import annotations

import json
import shutil

import pytest

import provgraph
from provgraph import InputRejected, Source

from .conftest import OPENLINEAGE, needs_shared, quad_count

pytestmark = needs_shared

NOT_EVENTS = {"api-response-samples"}  # Marquez API responses, not OpenLineage events
TEMPLATES = {"docker-metadata.template.json"}  # {{RUN_START_TIME}} placeholders, rendered by Marquez's seed.sh


def event_files():
    return sorted(p for p in (OPENLINEAGE / "events").rglob("*.json")
                  if not NOT_EVENTS & set(p.parts) and p.name not in TEMPLATES)


@pytest.mark.parametrize("path", event_files(), ids=lambda p: str(p.relative_to(OPENLINEAGE / "events")))
def test_every_event_file_ingests(graph, path):
    summary = graph.ingest([path])
    assert summary.ingested == 1
    assert summary.records >= 1 and summary.rejected == []


def test_missing_schema_url_is_a_warning_not_a_rejection(graph):
    summary = graph.ingest([OPENLINEAGE / "events/marquez/api-test-apples/1_pick_apples.json"])
    assert summary.ingested == 1
    assert any(w.field == "schemaURL" for w in summary.warnings)


@pytest.mark.parametrize("path", sorted((OPENLINEAGE / "events/marquez/api-response-samples").glob("*.json")), ids=lambda p: p.name)
def test_marquez_api_responses_are_not_events(graph, path):
    with pytest.raises(InputRejected) as caught:
        graph.ingest([path])
    assert "not an OpenLineage event" in str(caught.value)
    assert str(path) in str(caught.value)


def test_template_placeholders_are_named(graph):
    with pytest.raises(InputRejected) as caught:
        graph.ingest([OPENLINEAGE / "events/marquez/docker-metadata.template.json"])
    first = caught.value.problems[0]
    assert first.field == "eventTime" and "template placeholder" in first.message


EXPECTED_INVALID = {
    "proxy-fluentd-event_invalid_dataset_facet.json": "outputs[0].facets.ownership.owners[0].name",
    "proxy-fluentd-event_invalid_job_facet.json": "job.facets.ownership.owners[0].name",
    "proxy-fluentd-event_invalid_input_dataset_facet.json": "inputs[0].inputFacets.dataQualityMetrics.noRowCount",
    "proxy-fluentd-event_invalid_output_dataset_facet.json": "outputs[0].outputFacets.outputStatistics.rowCount",
    "proxy-fluentd-event_invalid_run_facet.json": "run.facets.parent.run.runId",
    "proxy-fluentd-event_no_run_id.json": "run.runId",
}


@pytest.mark.parametrize("name,field", sorted(EXPECTED_INVALID.items()))
def test_invalid_events_are_rejected_naming_file_record_and_field(graph, name, field):
    graph.ingest([OPENLINEAGE / "events/marquez/api-test-apples/1_pick_apples.json"])
    before = quad_count(graph)
    with pytest.raises(InputRejected) as caught:
        graph.ingest([OPENLINEAGE / "invalid" / name])
    problem = caught.value.problems[0]
    assert problem.source.endswith(name) and problem.record == 0 and problem.field == field
    assert quad_count(graph) == before


@pytest.mark.parametrize("path", sorted((OPENLINEAGE / "matchers").rglob("*.json")), ids=lambda p: str(p.relative_to(OPENLINEAGE / "matchers")))
def test_partial_matcher_files_are_rejected_with_a_reason(graph, path):
    with pytest.raises(InputRejected) as caught:
        graph.ingest([path])
    assert caught.value.problems and all(str(path) == p.source for p in caught.value.problems)
    assert quad_count(graph) == 0


def test_one_bad_file_rejects_the_whole_ingest(graph):
    with pytest.raises(InputRejected):
        graph.ingest([OPENLINEAGE / "events/marquez/api-test-apples", OPENLINEAGE / "invalid/proxy-fluentd-event_no_run_id.json"])
    assert quad_count(graph) == 0


def test_skip_invalid_stores_the_valid_records_and_lists_the_rejected(graph):
    summary = graph.ingest([OPENLINEAGE / "events/marquez/api-test-apples", OPENLINEAGE / "invalid"], skip_invalid=True)
    assert summary.ingested == 8
    assert {p.field for p in summary.rejected} == set(EXPECTED_INVALID.values())
    assert graph.stats()["runs"] == 8


def test_ingesting_the_same_file_twice_changes_nothing(graph):
    path = OPENLINEAGE / "events/marquez/docker-metadata.rendered.json"
    graph.ingest([path])
    dump = graph.export("nquads")
    again = graph.ingest([path])
    assert again.ingested == 0 and again.sources[0].status == "already ingested"
    assert graph.export("nquads") == dump


def test_each_batch_is_a_named_graph_described_in_the_catalog(graph):
    graph.ingest([OPENLINEAGE / "events/marquez/api-test-apples"])
    batches = graph.batches().records()
    assert len(batches) == 8
    assert all(len(b["sha256"]) == 64 and b["importer"] == "openlineage" and b["ingestedAt"].endswith("Z") for b in batches)
    named = {g.value for g in graph.store.oxigraph.named_graphs()}
    assert {b["batch"] for b in batches} <= named


def test_json_array_single_object_and_ndjson_are_read_alike(tmp_path):
    events = json.loads((OPENLINEAGE / "events/marquez/docker-metadata.rendered.json").read_text())
    ndjson = "\n".join(json.dumps(e) for e in events).encode()
    from_ndjson = provgraph.open(tmp_path / "a")
    from_ndjson.ingest([Source("seed.ndjson", ndjson)])
    from_array = provgraph.open(tmp_path / "b")
    from_array.ingest([OPENLINEAGE / "events/marquez/docker-metadata.rendered.json"])
    from_objects = provgraph.open(tmp_path / "c")
    from_objects.ingest([Source(f"event-{i}.json", json.dumps(e).encode()) for i, e in enumerate(events)])
    expected = from_array.stats()
    for other in (from_ndjson, from_objects):
        counts = other.stats()
        assert {k: counts[k] for k in ("runs", "jobs", "datasets", "dataset_versions", "fields")} == \
               {k: expected[k] for k in ("runs", "jobs", "datasets", "dataset_versions", "fields")}


def test_invalid_json_names_the_file_and_line(graph):
    with pytest.raises(InputRejected) as caught:
        graph.ingest([Source("broken.ndjson", b'{"eventTime": "2024-01-01T00:00:00Z"}\n{not json\n')])
    problem = caught.value.problems[0]
    assert problem.source == "broken.ndjson" and problem.record == 1 and "invalid JSON" in problem.message


@pytest.mark.parametrize("mutate,field,phrase", [
    (lambda e: e.pop("eventTime"), "eventTime", "missing"),
    (lambda e: e["run"].pop("runId"), "run.runId", "missing"),
    (lambda e: e["job"].pop("namespace"), "job.namespace", "missing"),
    (lambda e: e["job"].update(name=42), "job.name", "expected a string"),
    (lambda e: e.update(eventType="FINISHED"), "eventType", "unknown value"),
    (lambda e: e.update(eventTime="yesterday"), "eventTime", "not an ISO 8601"),
])
def test_bad_run_events_name_the_field(graph, mutate, field, phrase):
    event = json.loads((OPENLINEAGE / "events/compat-tests/simple_run_event.json").read_text())
    mutate(event)
    with pytest.raises(InputRejected) as caught:
        graph.ingest([Source("mutated.json", json.dumps(event).encode())])
    assert any(p.field == field and phrase in p.message for p in caught.value.problems), caught.value.problems


def test_events_of_one_run_merge_across_files(graph):
    start = OPENLINEAGE / "events/openlineage/proxy-fluentd/docker-test-start.json"
    complete = OPENLINEAGE / "events/openlineage/proxy-fluentd/docker-test-complete.json"
    graph.ingest([complete])
    graph.ingest([start])
    run_id = json.loads(start.read_text())["run"]["runId"]
    rows = graph.sparql(f"""SELECT DISTINCT ?started ?ended ?state WHERE {{ ?run pg:runId "{run_id}" ;
        prov:startedAtTime ?started ; prov:endedAtTime ?ended ; pg:runState ?state }}""").records()
    assert len(rows) == 1
    assert rows[0]["state"].endswith("#COMPLETE") and rows[0]["started"] < rows[0]["ended"]


def test_out_of_order_arrival_gives_the_same_versions(tmp_path):
    apples = sorted((OPENLINEAGE / "events/marquez/api-test-apples").glob("*.json"))
    in_order = provgraph.open(tmp_path / "in-order")
    in_order.ingest(apples)
    reversed_one_by_one = provgraph.open(tmp_path / "reversed")
    for path in reversed(apples):
        reversed_one_by_one.ingest([path])
    question = "SELECT DISTINCT ?v ?up WHERE { ?v prov:wasDerivedFrom ?up } ORDER BY ?v ?up"
    assert reversed_one_by_one.sparql(question).records() == in_order.sparql(question).records()
    revision = "SELECT DISTINCT ?v ?prev WHERE { ?v prov:wasRevisionOf ?prev } ORDER BY ?v"
    assert reversed_one_by_one.sparql(revision).records() == in_order.sparql(revision).records()


def test_marquez_seed_inputs_on_start_link_runs_to_datasets(marquez_graph):
    # Every seed run starts at the same instant, so no earlier version exists: table level.
    rows = marquez_graph.sparql("""SELECT DISTINCT ?in WHERE { ?run pg:runId ?id ; prov:qualifiedAssociation/prov:hadPlan/pg:name "etl_delivery_7_days" ;
        prov:used ?in }""").column("in")
    names = sorted(r.rsplit("/", 1)[-1] for r in rows)
    assert names == ["public.customers", "public.drivers", "public.order_status", "public.orders_7_days", "public.restaurants"]


def test_unmapped_facets_are_counted(graph):
    summary = graph.ingest([OPENLINEAGE / "events/compat-tests/airflow"])
    assert summary.unmapped_facets["run.airflow"] > 0


def test_facets_land_as_prov_o(graph):
    graph.ingest([OPENLINEAGE / "events/compat-tests/airflow", OPENLINEAGE / "events/compat-tests/spark-dataproc-simple-complete",
                  OPENLINEAGE / "events/marquez/api-test-open_lineage/event_full.json"])
    ask = lambda pattern: graph.sparql(f"ASK {{ {pattern} }}")  # noqa: E731
    assert ask("?job a prov:Plan ; prov:qualifiedAttribution [ prov:agent ?owner ; prov:hadRole ?role ]")  # ownership (job)
    assert ask("?run pg:parentRun ?parent . ?parent a prov:Activity")  # parent
    assert ask("?run prov:wasAssociatedWith ?engine . ?engine a prov:SoftwareAgent ; schema:softwareVersion ?v")  # processing_engine
    assert ask("?f prov:qualifiedDerivation [ pg:transformationType ?t ; prov:hadActivity ?run ]")  # columnLineage
    assert ask("?d a dcat:Dataset ; pg:symlink ?other")  # symlinks
    assert ask("?job pg:sqlQuery ?q")  # sql
    assert ask("?run pg:sourceCodeUrl ?u")  # sourceCodeLocation on the run
    assert ask("?run pg:nominalStartTime ?t")  # nominalTime
    assert ask("?svc a dcat:DataService ; dcat:servesDataset ?d")  # dataSource
    assert ask("?v pg:rowCount ?n ; dcat:byteSize ?b")  # outputStatistics


def test_a_store_on_disk_reopens_with_its_content(tmp_path):
    path = tmp_path / "store"
    g = provgraph.open(path)
    g.ingest([OPENLINEAGE / "events/marquez/api-test-apples"])
    counts = g.stats()
    g.close()
    assert provgraph.open(path).stats() == counts
    shutil.rmtree(path)


def _write_event(run_id, when, change):
    facets = {"lifecycleStateChange": {"_producer": "p", "_schemaURL": "s", "lifecycleStateChange": change}} if change else {}
    return {"eventType": "COMPLETE", "eventTime": when, "producer": "https://example.com/p", "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json",
            "run": {"runId": run_id}, "job": {"namespace": "tests", "name": "writer"},
            "outputs": [{"namespace": "warehouse", "name": "t", "facets": facets}]}


def test_overwrite_and_drop_invalidate_the_previous_version(graph):
    runs = ["00000000-0000-4000-8000-00000000000%d" % i for i in (1, 2, 3)]
    events = [_write_event(runs[0], "2025-01-01T00:00:00Z", "CREATE"), _write_event(runs[1], "2025-01-02T00:00:00Z", "OVERWRITE"),
              _write_event(runs[2], "2025-01-03T00:00:00Z", "DROP")]
    graph.ingest([Source("lifecycle.json", json.dumps(events).encode())])
    rows = graph.sparql("""SELECT DISTINCT ?run ?by ?at WHERE { ?v prov:wasGeneratedBy/pg:runId ?run ; prov:wasInvalidatedBy/pg:runId ?by ;
        prov:invalidatedAtTime ?at } ORDER BY ?run""").records()
    assert rows == [{"run": runs[0], "by": runs[1], "at": "2025-01-02T00:00:00Z"},
                    {"run": runs[1], "by": runs[2], "at": "2025-01-03T00:00:00Z"}]
    assert graph.stats()["dataset_versions"] == 2  # a DROP writes no new version; history is kept


def test_real_spark_drop_is_recorded(graph):
    graph.ingest([OPENLINEAGE / "events/compat-tests/spark-dataproc-simple-complete"])
    assert graph.sparql("ASK { ?d a dcat:Dataset ; pg:droppedBy ?run . ?run a prov:Activity }")
