"""The lineage closures kept on ingest (provgraph/closure.py) give the same answers however the
events arrive: whole, or in small files out of order."""

from __future__ import annotations

import random

import pytest

import provgraph

from .conftest import EXAMPLES

#: (query, parameters) whose answers come from the closures.
CASES = [
    ("downstream", dict(namespace="kafka://events.internal:9092", name="clickstream.page_views")),
    ("impact", dict(namespace="s3://acme-raw", name="sales/sales_2025.csv")),
    ("trained-on", dict(tag="user-behavior", since="2025-01-01", until="2026-01-01")),
    ("trained-on", dict(tag="pii", models_only=False)),
    ("model-upstream", dict(namespace="s3://acme-models", name="credit_scoring")),
]


def answers(graph: provgraph.LineageGraph) -> list:
    """Each case's rows; the parts of a GROUP_CONCAT sorted (SPARQL leaves their order open)."""
    def cell(value):
        return ", ".join(sorted(value.split(", "))) if isinstance(value, str) else value
    return [sorted(tuple(cell(v) for v in row.values()) for row in graph.query(name, **params).records())
            for name, params in CASES]


@pytest.fixture(scope="module")
def shuffled_parts(tmp_path_factory):
    """The demo platform's events shuffled and cut into eight files."""
    events = [line for f in sorted(EXAMPLES.glob("*.ndjson")) for line in f.read_text().splitlines() if line.strip()]
    random.Random(7).shuffle(events)
    folder = tmp_path_factory.mktemp("parts")
    size = len(events) // 8 + 1
    paths = []
    for i in range(0, len(events), size):
        path = folder / f"part{i // size}.ndjson"
        path.write_text("\n".join(events[i:i + size]) + "\n")
        paths.append(path)
    return paths


def test_out_of_order_small_ingests_answer_like_one_ingest(demo_graph, shuffled_parts, tmp_path):
    with provgraph.open(tmp_path / "store") as graph:
        for path in shuffled_parts:
            graph.ingest([path])
        found = answers(graph)
    assert all(found), "every case has rows"
    assert found == answers(demo_graph)
