"""Events built and serialised by the real openlineage-python client land as expected."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    dataset_version_dataset,
    ownership_dataset,
    schema_dataset,
    tags_dataset,
)
from openlineage.client.serde import Serde
from openlineage.client.uuid import generate_new_uuid

from provgraph import Source
from provgraph.vocab import PG

PRODUCER = "https://github.com/provgraph/provgraph/tests"
T0 = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)


def event(state, when, run_id, inputs=(), outputs=()):
    return RunEvent(eventType=state, eventTime=when.isoformat(), run=Run(runId=str(run_id)),
                    job=Job(namespace="tests", name="train_model"), producer=PRODUCER, inputs=list(inputs), outputs=list(outputs))


def test_client_events_map_to_prov(graph):
    run_id = generate_new_uuid()
    clicks = InputDataset("kafka://events", "clicks", facets={
        "schema": schema_dataset.SchemaDatasetFacet(fields=[schema_dataset.SchemaDatasetFacetFields(name="user_id", type="string")]),
        "tags": tags_dataset.TagsDatasetFacet(tags=[tags_dataset.TagsDatasetFacetFields(key="pii", value="true", source="TEST", field="user_id")]),
    })
    model = OutputDataset("s3://models", "ranker", facets={
        "version": dataset_version_dataset.DatasetVersionDatasetFacet(datasetVersion="7"),
        "ownership": ownership_dataset.OwnershipDatasetFacet(owners=[ownership_dataset.Owner(name="team:ranking", type="OWNER")]),
        "columnLineage": column_lineage_dataset.ColumnLineageDatasetFacet(fields={
            "user_hash": column_lineage_dataset.Fields(inputFields=[column_lineage_dataset.InputField(
                namespace="kafka://events", name="clicks", field="user_id",
                transformations=[column_lineage_dataset.Transformation(type="DIRECT", subtype="TRANSFORMATION", masking=True)])])}),
    })
    lines = [Serde.to_json(event(RunState.START, T0, run_id, inputs=[clicks])),
             Serde.to_json(event(RunState.COMPLETE, T0 + timedelta(minutes=9), run_id, outputs=[model]))]
    summary = graph.ingest([Source("client.ndjson", "\n".join(lines).encode())])
    assert summary.records == 2 and summary.rejected == [] and summary.warnings == []

    rows = graph.sparql("""SELECT DISTINCT ?version ?generated ?state ?owner ?masking WHERE {
        ?v dcat:version ?version ; prov:generatedAtTime ?generated ; prov:wasGeneratedBy ?run ; prov:specializationOf ?d .
        ?run pg:runState ?state . ?d prov:wasAttributedTo/rdfs:label ?owner .
        ?f pg:fieldPath "user_hash" ; prov:qualifiedDerivation/pg:masking ?masking }""").records()
    assert rows == [{"version": "7", "generated": "2025-03-03T02:09:00Z", "state": PG.COMPLETE.value,
                     "owner": "team:ranking", "masking": "true"}]
    trained = graph.query("trained-on", tag="pii", models_only=False)
    assert trained.column("outputName") == ["ranker"]

