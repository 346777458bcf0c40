"""The synthetic platform generator: deterministic, and its events answer every canned query."""

from __future__ import annotations

import io
import subprocess

from provgraph import Source, generate

from .test_cli import SCRIPT

SCALE, DAYS = 0.15, 15


def events_text(seed: int = 1) -> str:
    out = io.StringIO()
    generate.write(out, SCALE, seed, DAYS)
    return out.getvalue()


def test_the_generator_is_deterministic_and_the_seed_matters():
    assert events_text() == events_text()
    assert events_text(seed=2) != events_text()


def test_the_console_script_writes_the_same_events(tmp_path):
    target = tmp_path / "platform.ndjson"
    done = subprocess.run([SCRIPT, "generate", "--scale", str(SCALE), "--days", str(DAYS), "-o", str(target)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert target.read_text() == events_text()


def test_generated_events_ingest_and_answer_every_canned_query(graph):
    text = events_text()
    summary = graph.ingest([Source("platform.ndjson", text.encode())])
    assert summary.records == text.count("\n") and not summary.rejected
    jobs = generate.platform(SCALE)
    model = next(j.output for j in jobs if j.weekly)
    daily = next(j for j in jobs if j.name.endswith(".features"))
    shared = next(d for j in jobs for d in j.inputs if d.owner == "team:data-platform")

    upstream = graph.query("upstream", namespace=model.namespace, name=model.name)
    assert shared.name in set(upstream.column("upstreamName"))
    downstream = graph.query("downstream", namespace=shared.namespace, name=shared.name)
    assert model.name in set(downstream.column("downstreamName"))
    trained = graph.query("trained-on", tag="pii", since="2025-01-01", until="2026-01-01")
    assert model.name in set(trained.column("outputName"))
    behaviour = graph.query("trained-on", tag="user-behavior")
    assert behaviour.rows
    runs = graph.query("runs", namespace=daily.namespace, name=daily.name).records()
    assert len(runs) == DAYS and {r["state"] for r in runs} <= {"COMPLETE", "FAIL"}
