"""``provgraph serve --workers 2``: query processes reading snapshots, ingest through the one writer."""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pyoxigraph
import pytest
import requests
from openlineage.client.event_v2 import InputDataset, OutputDataset, RunState
from openlineage.client.uuid import generate_new_uuid

import provgraph
from provgraph.server.snapshots import SnapshotPublisher, SnapshotReader, snapshot_folder_for

from .running_server import running_server
from .test_server_ingest import T0, TOKEN, client, event, run_count

@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("workers") / "store"


@pytest.fixture(scope="module")
def server(store_path):
    with running_server(store_path, "--workers", "2", env={"PROVGRAPH_API_TOKENS": TOKEN}) as s:
        yield s


def counts_in_parallel(server) -> list[int]:
    """The run count as 16 queries on 8 connections at once see it (spread over both processes)."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda _: run_count(server), range(16)))


def test_banner_names_the_query_processes(server):
    assert "2 query processes" in server.banner[0]


def test_an_acknowledged_ingest_is_seen_by_every_query_started_after_it(server):
    before = run_count(server)
    run_id = generate_new_uuid()
    client(server).emit(event(RunState.START, T0, run_id, inputs=[InputDataset("kafka://events", "clicks")]))
    assert counts_in_parallel(server) == [before + 1] * 16  # over new connections, so both processes answer some


def test_events_of_one_run_over_several_requests_merge_and_answer_a_canned_query(server):
    run_id = generate_new_uuid()
    emitter = client(server)
    emitter.emit(event(RunState.START, T0, run_id, job="train_churn", inputs=[InputDataset("kafka://events", "sessions")]))
    emitter.emit(event(RunState.COMPLETE, T0 + timedelta(minutes=3), run_id, job="train_churn",
                       outputs=[OutputDataset("s3://models", "churn")]))
    for _ in range(6):  # each process answers some of them
        response = requests.get(f"{server.base}/api/v1/queries/runs", params={"namespace": "tests", "name": "train_churn"}, timeout=30)
        assert response.status_code == 200
        assert [(r["runId"]["value"], r["state"]["value"].rsplit("#", 1)[-1], r["ended"]["value"])
                for r in response.json()["results"]["bindings"]] == [(str(run_id), "COMPLETE", "2025-06-01T08:03:00Z")]


def test_a_rejected_batch_names_record_and_field_and_stores_nothing(server):
    before = run_count(server)
    good = json.loads(provgraph_event_json())
    bad = dict(good, eventTime="not a time")
    response = requests.post(f"{server.base}/api/v1/lineage/batch", json=[good, bad],
                             headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert response.status_code == 400
    problems = response.json()["error"]["details"]
    assert [(p["record"], p["field"]) for p in problems] == [(1, "eventTime")]
    assert counts_in_parallel(server) == [before] * 16


def test_a_wrong_token_is_refused_by_the_query_process(server):
    response = requests.post(f"{server.base}/api/v1/lineage", data=provgraph_event_json(),
                             headers={"Authorization": "Bearer wrong", "Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 403 and response.json()["error"]["code"] == "invalid-token"


def test_after_shutdown_the_store_holds_what_was_ingested_and_no_snapshot_is_left(store_path, server):
    runs = run_count(server)
    assert runs >= 2
    server.process.terminate()
    server.process.wait(timeout=20)
    assert not list(store_path.parent.glob(f".{store_path.name}.snapshots-*"))
    graph = provgraph.open(store_path)
    try:
        assert len(graph.sparql("SELECT DISTINCT ?r WHERE { ?r a pg:Run }").rows) == runs
    finally:
        graph.close()


def test_workers_need_granian(tmp_path):
    import subprocess

    from .running_server import SCRIPT

    done = subprocess.run([SCRIPT, "serve", "--store", str(tmp_path / "s"), "--port", "0", "--workers", "2",
                           "--http-server", "waitress"], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "needs http_server granian" in done.stderr and "Traceback" not in done.stderr


def test_a_reader_sees_only_published_snapshots_and_old_ones_are_deleted(tmp_path):
    store = pyoxigraph.Store(str(tmp_path / "store"))
    publisher = SnapshotPublisher(store, snapshot_folder_for(tmp_path / "store"), retain_seconds=0)
    triple = pyoxigraph.Quad(pyoxigraph.NamedNode("urn:x:a"), pyoxigraph.NamedNode("urn:x:p"), pyoxigraph.Literal("1"))
    first = publisher.publish()
    reader = SnapshotReader(publisher.folder, publisher.published)
    store.add(triple)
    assert len(reader.store()) == 0  # written, not yet published
    second = publisher.publish()
    held = reader.store()
    assert list(held) == [triple]
    publisher.publish()
    publisher.publish()
    assert not first.exists() and not second.exists() and publisher.current().exists()  # superseded ones go after retain_seconds
    assert list(held) == [triple]  # a snapshot in use still reads after its folder is gone
    assert reader.store() is not held
    publisher.remove_all()
    assert not publisher.folder.exists()


def provgraph_event_json() -> str:
    from openlineage.client.serde import Serde

    return Serde.to_json(event(RunState.START, T0, generate_new_uuid(), job="rejected_job"))


def test_waitress_runs_one_process_when_workers_is_left_at_its_default(tmp_path):
    with running_server(tmp_path / "store", "--http-server", "waitress") as server:
        assert "(waitress, 8 threads, one process)" in server.banner[0]
        assert server.json("GET", "/healthz")[0] == 200


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's parent-death signal is Linux's")
def test_query_processes_end_when_the_serving_process_is_killed(tmp_path):
    with running_server(tmp_path / "store", "--workers", "2") as server:
        assert server.json("GET", "/healthz")[0] == 200
        children = [int(p) for p in Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()]
        assert len(children) >= 2
        server.process.kill()
        server.process.wait(timeout=20)
        deadline = time.monotonic() + 20
        while any(Path(f"/proc/{p}").exists() and "zombie" not in _state(p) for p in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [p for p in children if Path(f"/proc/{p}").exists() and "zombie" not in _state(p)]
        assert left == [], [Path(f"/proc/{p}/cmdline").read_bytes()[:200] for p in left]
    assert len(list(tmp_path.glob(".store.snapshots-*"))) == 1  # killed: no shutdown to delete them
    with running_server(tmp_path / "store", "--workers", "2") as server:
        assert server.json("GET", "/healthz")[0] == 200
        assert len(list(tmp_path.glob(".store.snapshots-*"))) == 1  # the next server deleted the old ones


def _state(pid: int) -> str:
    try:
        return next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("State:")).lower()
    except (OSError, StopIteration):
        return "zombie"
