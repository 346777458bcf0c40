"""The `provgraph` console script, run as a user runs it."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EXAMPLES, OPENLINEAGE, REPO, needs_shared

SCRIPT = shutil.which("provgraph", path=str(Path(sys.executable).parent)) or "provgraph"


def run(*args, store, stdin=None, check=True):
    env = {**os.environ, "PROVGRAPH_STORE": str(store)}
    done = subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=env, input=stdin, cwd=REPO, timeout=300)
    if check:
        assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    store = tmp_path_factory.mktemp("cli") / "store"
    run("ingest", "-q", str(EXAMPLES), store=store)
    return store


def test_ingest_reports_what_it_stored(tmp_path):
    done = run("ingest", str(EXAMPLES / "sales.ndjson"), store=tmp_path / "s")
    assert done.stdout.startswith("ingested 1 source(s): 312 record(s)")


def test_query_list_names_every_canned_query(demo_store):
    out = run("query", "list", store=demo_store).stdout
    for name in ("upstream", "downstream", "trained-on", "runs"):
        assert f"{name}:" in out


def test_query_run_as_csv_and_json(demo_store):
    args = ["query", "run", "trained-on", "--param", "tag=user-behavior", "-p", "since=2025-12-01", "-p", "until=2026-01-01"]
    rows = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv", store=demo_store).stdout)))
    assert sorted({r["outputName"] for r in rows}) == ["churn_model", "recommender"]
    answer = json.loads(run(*args, "--format", "json", store=demo_store).stdout)
    assert len(answer["results"]["bindings"]) == len(rows)
    table = run(*args, store=demo_store).stdout
    assert "recommender" in table and f"({len(rows)} rows)" in table


def test_query_errors_exit_1_with_a_message(demo_store):
    done = run("query", "run", "runs", "-p", "namespace=x", store=demo_store, check=False)
    assert done.returncode == 1 and "needs parameter 'name'" in done.stderr and "Traceback" not in done.stderr


def test_sparql_ad_hoc_and_from_stdin(demo_store):
    assert run("sparql", "ASK { ?m a mls:Model }", store=demo_store).stdout.strip() == "true"
    out = run("sparql", "-", "--format", "csv", store=demo_store, stdin="SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a pg:Run }").stdout
    assert out.splitlines() == ["n", "536"]
    bad = run("sparql", "SELECT WHERE {", store=demo_store, check=False)
    assert bad.returncode == 1 and "SPARQL syntax error" in bad.stderr


def test_export_to_stdout_and_file(demo_store, tmp_path):
    assert run("export", "--format", "nquads", store=demo_store).stdout.count("\n") > 1000
    target = tmp_path / "graph.trig"
    run("export", "--format", "trig", "-o", str(target), store=demo_store)
    assert "@prefix prov:" in target.read_text()


def test_stats_lists_counts_and_batches(demo_store):
    out = run("stats", store=demo_store).stdout
    assert "runs: 536" in out and "models: 3" in out and "sales.ndjson" in out


@needs_shared
def test_rejected_input_exits_non_zero_and_stores_nothing(tmp_path):
    store = tmp_path / "s"
    done = run("ingest", str(OPENLINEAGE / "invalid"), store=store, check=False)
    assert done.returncode == 1
    assert "proxy-fluentd-event_no_run_id.json: record 0: run.runId: missing" in done.stderr
    assert "Traceback" not in done.stderr
    assert "quads: 0" in run("stats", store=store).stdout


@needs_shared
def test_skip_invalid_lists_rejected_events(tmp_path):
    done = run("ingest", "--skip-invalid", str(OPENLINEAGE / "invalid"), str(OPENLINEAGE / "events/compat-tests/simple_run_event.json"), store=tmp_path / "s")
    assert done.stdout.startswith("ingested 1 source(s)")
    assert done.stderr.count("rejected:") == 6


def test_ingest_from_stdin(tmp_path):
    done = run("ingest", "-", store=tmp_path / "s", stdin=(EXAMPLES / "credit.ndjson").read_text())
    assert "240 record(s)" in done.stdout


def test_missing_file_is_a_clear_error(tmp_path):
    done = run("ingest", "no-such-file.json", store=tmp_path / "s", check=False)
    assert done.returncode == 1 and "no-such-file.json: no such file or folder" in done.stderr


def test_store_option_overrides_the_environment(tmp_path):
    run("--store", str(tmp_path / "explicit"), "ingest", "-q", str(EXAMPLES / "sales.ndjson"), store=tmp_path / "env")
    assert (tmp_path / "explicit").is_dir() and not (tmp_path / "env").exists()


def test_make_demo_prints_the_regulator_answer():
    if not (REPO / ".venv" / ".installed").exists():
        pytest.skip("make demo installs into .venv; run through `make test`")
    done = subprocess.run(["make", "--no-print-directory", "demo"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "103 model versions of 2 models: churn_model, recommender" in done.stdout
    assert "churn_model" in done.stdout.split("Q2.")[1]
    assert "Evidence pack for Q1 (103 rows" in done.stdout and "open demo-evidence/report.html" in done.stdout
    assert (REPO / "demo-evidence" / "report.html").is_file() and (REPO / "demo-evidence" / "SHA256SUMS").is_file()
