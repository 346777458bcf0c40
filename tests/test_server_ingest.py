"""OpenLineage ingest over HTTP with the real openlineage-python HTTP transport, and its security."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import datetime, timedelta, timezone

import pytest
import requests
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import tags_dataset
from openlineage.client.serde import Serde
from openlineage.client.transport.http import ApiKeyTokenProvider, HttpCompression, HttpConfig, HttpTransport
from openlineage.client.uuid import generate_new_uuid

from .conftest import EXAMPLES
from .running_server import running_server

TOKEN = "s3cret-token-for-tests"
PRODUCER = "https://github.com/provgraph/provgraph/tests"
T0 = datetime(2025, 6, 1, 8, 0, tzinfo=timezone.utc)
COUNT_RUNS = "/sparql?query=SELECT%20(COUNT(DISTINCT%20%3Fr)%20AS%20%3Fn)%20WHERE%20%7B%20%3Fr%20a%20pg%3ARun%20%7D"


def event(state, when, run_id, job="train_ranker", inputs=(), outputs=()):
    return RunEvent(eventType=state, eventTime=when.isoformat(), run=Run(runId=str(run_id)),
                    job=Job(namespace="tests", name=job), producer=PRODUCER, inputs=list(inputs), outputs=list(outputs))


def client(server, token=TOKEN, compression=None) -> OpenLineageClient:
    config = HttpConfig(url=server.base, endpoint="api/v1/lineage", auth=ApiKeyTokenProvider({"apiKey": token}),
                        compression=compression, retry={"total": 0})
    return OpenLineageClient(transport=HttpTransport(config))


def run_count(server) -> int:
    status, body = server.json("GET", COUNT_RUNS, headers={"Accept": "application/sparql-results+json"})
    assert status == 200
    return int(body["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("ingest") / "store", env={"PROVGRAPH_API_TOKENS": f"other,{TOKEN}"}) as s:
        yield s


def test_openlineage_client_events_answer_a_canned_query(server):
    run_id = generate_new_uuid()
    clicks = InputDataset("kafka://events", "clicks", facets={
        "tags": tags_dataset.TagsDatasetFacet(tags=[tags_dataset.TagsDatasetFacetFields(key="user-behavior", value="true", source="TEST")])})
    model = OutputDataset("s3://models", "ranker")
    emitter = client(server)
    emitter.emit(event(RunState.START, T0, run_id, inputs=[clicks]))
    client(server, compression=HttpCompression.GZIP).emit(event(RunState.COMPLETE, T0 + timedelta(minutes=7), run_id, outputs=[model]))

    response = requests.get(f"{server.base}/api/v1/queries/runs", params={"namespace": "tests", "name": "train_ranker"}, timeout=30)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/sparql-results+json")
    rows = response.json()["results"]["bindings"]
    assert [(r["runId"]["value"], r["state"]["value"].rsplit("#", 1)[-1], r["started"]["value"], r["ended"]["value"]) for r in rows] == [
        (str(run_id), "COMPLETE", "2025-06-01T08:00:00Z", "2025-06-01T08:07:00Z")]

    trained = requests.post(f"{server.base}/api/v1/queries/trained-on", json={"tag": "user-behavior", "models_only": False},
                            headers={"Accept": "text/csv"}, timeout=30)
    assert trained.status_code == 200 and trained.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(trained.text)))
    assert [r["outputName"] for r in table] == ["ranker"]


def test_batch_endpoint_takes_an_array_and_reports_per_spec(server):
    lines = (EXAMPLES / "churn.ndjson").read_text().splitlines()[:40]
    body = gzip.compress(("[" + ",".join(lines) + "]").encode())
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json", "Content-Encoding": "gzip"}
    status, answer = server.json("POST", "/api/v1/lineage/batch", body, headers)
    assert (status, answer) == (200, {"status": "success", "summary": {"received": 40, "successful": 40, "failed": 0}})
    before = run_count(server)
    again = server.json("POST", "/api/v1/lineage/batch", body, headers)
    assert again[0] == 200 and run_count(server) == before  # idempotent: the same bytes store nothing new


def test_events_of_one_run_merge_across_requests(server):
    run_id = generate_new_uuid()
    emitter = client(server)
    emitter.emit(event(RunState.START, T0, run_id, job="merge_job"))
    emitter.emit(event(RunState.FAIL, T0 + timedelta(minutes=1), run_id, job="merge_job"))
    rows = requests.get(f"{server.base}/api/v1/queries/runs", params={"namespace": "tests", "name": "merge_job"}, timeout=30).json()
    [row] = rows["results"]["bindings"]
    assert row["state"]["value"].endswith("FAIL") and row["ended"]["value"] == "2025-06-01T08:01:00Z"


def test_invalid_event_is_rejected_whole_naming_record_and_field(server):
    good = json.loads(Serde.to_json(event(RunState.START, T0, generate_new_uuid(), job="never_stored")))
    bad = dict(good, eventTime="yesterday")
    before = run_count(server)
    status, answer = server.json("POST", "/api/v1/lineage/batch", json.dumps([good, bad]),
                                 {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    assert status == 400 and answer["error"]["code"] == "input-rejected"
    assert [(d["record"], d["field"]) for d in answer["error"]["details"]] == [(1, "eventTime")]
    assert run_count(server) == before


def test_no_token_is_401_and_a_wrong_token_403_and_nothing_is_stored(server):
    before = run_count(server)
    body = Serde.to_json(event(RunState.START, T0, generate_new_uuid(), job="intruder"))
    status, headers, data = server.request("POST", "/api/v1/lineage", body, {"Content-Type": "application/json"})
    assert status == 401 and headers["www-authenticate"].startswith("Bearer") and json.loads(data)["error"]["code"] == "unauthenticated"
    with pytest.raises(requests.HTTPError) as refused:
        client(server, token="wrong").emit(event(RunState.START, T0, generate_new_uuid(), job="intruder"))
    assert refused.value.response.status_code == 403
    assert refused.value.response.json()["error"]["code"] == "invalid-token"
    assert run_count(server) == before


def test_oversized_body_is_413_also_after_gzip(tmp_path):
    with running_server(tmp_path / "store", "--max-request-bytes", "2000", env={"PROVGRAPH_API_TOKENS": TOKEN}) as server:
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        status, answer = server.json("POST", "/api/v1/lineage/batch", b"[" + b" " * 5000 + b"]", headers)
        assert status == 413 and answer["error"]["code"] == "too-large"
        bomb = gzip.compress(b"[" + b" " * 100_000 + b"]")
        assert len(bomb) < 2000
        status, answer = server.json("POST", "/api/v1/lineage/batch", bomb, {**headers, "Content-Encoding": "gzip"})
        assert status == 413 and answer["error"]["code"] == "too-large"


def test_a_chunked_body_over_the_limit_is_413_not_cut(tmp_path):
    import http.client

    def chunked(path: str, content_type: str, parts: list[bytes]) -> tuple[int, dict]:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        try:
            connection.request("POST", path, body=iter(parts), encode_chunked=True,
                               headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": content_type})
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            connection.close()

    with running_server(tmp_path / "store", "--max-request-bytes", "2000", env={"PROVGRAPH_API_TOKENS": TOKEN}) as server:
        status, answer = chunked("/api/v1/lineage/batch", "application/json", [b"[", b" " * 3000, b"]"])
        assert status == 413 and answer["error"]["code"] == "too-large"
        status, answer = chunked("/sparql", "application/sparql-query", [b"ASK {", b" " * 3000, b"}"])
        assert status == 413 and answer["error"]["code"] == "too-large"
        status, answer = chunked("/sparql", "application/sparql-query", [b"ASK {", b" " * 100, b"}"])
        assert status == 200 and answer["boolean"] is True  # the empty pattern matches


def test_without_tokens_ingest_is_off_unless_a_local_trial_announced_at_start(tmp_path):
    body = Serde.to_json(event(RunState.START, T0, generate_new_uuid(), job="trial"))
    with running_server(tmp_path / "off") as server:
        assert "ingest is off" in server.banner[-1]
        status, answer = server.json("POST", "/api/v1/lineage", body, {"Content-Type": "application/json"})
        assert status == 403 and answer["error"]["code"] == "ingest-disabled"
        assert run_count(server) == 0
    with running_server(tmp_path / "trial", "--allow-unauthenticated-ingest") as server:
        assert "WITHOUT a token" in server.banner[-1]
        status, answer = server.json("POST", "/api/v1/lineage", body, {"Content-Type": "application/json"})
        assert status == 201 and answer["status"] == "ingested" and run_count(server) == 1


def test_tokens_from_a_token_file(tmp_path):
    token_file = tmp_path / "tokens"
    token_file.write_text("# ingest tokens\nfrom-the-file\n")
    with running_server(tmp_path / "store", env={"PROVGRAPH_TOKEN_FILE": str(token_file)}) as server:
        client(server, token="from-the-file").emit(event(RunState.START, T0, generate_new_uuid(), job="filed"))
        assert run_count(server) == 1


def test_a_second_server_on_the_same_store_is_refused_with_a_message(server, tmp_path):
    import subprocess

    from .running_server import SCRIPT

    store = server.banner[0].split(" serving ")[1].split(" at ")[0]
    done = subprocess.run([SCRIPT, "serve", "--store", store, "--port", "0"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stderr.startswith("error: cannot open the store at") and "Traceback" not in done.stderr
