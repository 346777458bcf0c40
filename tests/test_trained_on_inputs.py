"""trained-on lists what each training run read — the version, or the dataset when no version of
it was known when the run started — as derive decides it, also when the writer of an input
arrives in a later ingest."""

from __future__ import annotations

import json

from provgraph import ids

PRODUCER = "https://example.com/trainer"
SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
FACETS = "https://openlineage.io/spec/facets/1-0-0"


def event(run: str, kind: str, at: str, job: str, inputs=(), outputs=()) -> dict:
    return {"eventType": kind, "eventTime": at, "producer": PRODUCER, "schemaURL": SCHEMA,
            "run": {"runId": run}, "job": {"namespace": "airflow", "name": job},
            "inputs": list(inputs), "outputs": list(outputs)}


def dataset(name: str, **facets) -> dict:
    return {"namespace": "postgres://db", "name": name, "facets": facets}


CLICKS = dataset("raw.clicks", tags={"_producer": PRODUCER, "_schemaURL": f"{FACETS}/TagsDatasetFacet.json",
                                     "tags": [{"key": "user-behavior", "value": "true"}]})
EXTRA = dataset("raw.extra")
MODEL = dataset("models.churn", datasetType={"_producer": PRODUCER, "_schemaURL": f"{FACETS}/DatasetTypeDatasetFacet.json",
                                             "datasetType": "MODEL"})
TRAIN, LOAD_CLICKS, LOAD_EXTRA, REPORT = ("00000000-0000-4000-8000-00000000000%d" % i for i in range(1, 5))


def write(path, events) -> str:
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return str(path)


def inputs(graph) -> tuple[set[str], set[str]]:
    rows = graph.query("trained-on", tag="user-behavior").records()
    assert [r["outputName"] for r in rows] == ["models.churn"]
    return set(rows[0]["inputs"].split(", ")), set(rows[0]["inputVersions"].split(" "))


def test_the_inputs_a_run_read_follow_a_writer_ingested_later(graph, tmp_path):
    # The training run starts at 11:00 and reads both tables; raw.extra is written only at 12:00
    # (and read in that version by a later report), so the training run read it with no version known.
    first = write(tmp_path / "first.ndjson", [
        event(TRAIN, "START", "2025-01-01T11:00:00Z", "train", [CLICKS, EXTRA]),
        event(TRAIN, "COMPLETE", "2025-01-01T11:30:00Z", "train", [CLICKS, EXTRA], [MODEL]),
        event(LOAD_EXTRA, "START", "2025-01-01T11:50:00Z", "load_extra"),
        event(LOAD_EXTRA, "COMPLETE", "2025-01-01T12:00:00Z", "load_extra", outputs=[EXTRA]),
        event(REPORT, "START", "2025-01-01T13:00:00Z", "report", [EXTRA]),
        event(REPORT, "COMPLETE", "2025-01-01T13:05:00Z", "report", [EXTRA]),
    ])
    graph.ingest([first])
    labels, _ = inputs(graph)
    assert labels == {"raw.clicks (no version known)", "raw.extra (no version known)"}

    # The writer of raw.clicks, at 10:00, arrives in a later ingest: the run read that version.
    later = write(tmp_path / "later.ndjson", [
        event(LOAD_CLICKS, "START", "2025-01-01T09:50:00Z", "load_clicks"),
        event(LOAD_CLICKS, "COMPLETE", "2025-01-01T10:00:00Z", "load_clicks", outputs=[CLICKS]),
    ])
    graph.ingest([later])
    labels, versions = inputs(graph)
    assert labels == {"raw.clicks generated 2025-01-01T10:00:00Z", "raw.extra (no version known)"}
    assert versions == {ids.version_of_run("postgres://db", "raw.clicks", LOAD_CLICKS).value, ids.dataset("postgres://db", "raw.extra").value}
