"""Shared fixtures: real on-disk Oxigraph stores and the real input under ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import provgraph

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PROVGRAPH_SHARED", REPO.parent / "shared")) / "data"
OPENLINEAGE = SHARED / "openlineage"
EXAMPLES = REPO / "examples" / "demo-platform"

needs_shared = pytest.mark.skipif(not OPENLINEAGE.is_dir(), reason=f"real input data not found at {SHARED} (../shared is beside the repo in CI)")


@pytest.fixture
def graph(tmp_path) -> provgraph.LineageGraph:
    """A fresh lineage graph in a real on-disk Oxigraph store."""
    g = provgraph.open(tmp_path / "store")
    yield g
    g.close()


@pytest.fixture(scope="session")
def demo_graph(tmp_path_factory) -> provgraph.LineageGraph:
    """The example ML platform, ingested once for the session (read-only use)."""
    g = provgraph.open(tmp_path_factory.mktemp("demo") / "store")
    g.ingest([EXAMPLES])
    return g


@pytest.fixture(scope="session")
def marquez_graph(tmp_path_factory) -> provgraph.LineageGraph:
    """Marquez's seed (food_delivery) and the apples chain, ingested once for the session."""
    g = provgraph.open(tmp_path_factory.mktemp("marquez") / "store")
    if OPENLINEAGE.is_dir():
        g.ingest([OPENLINEAGE / "events/marquez/docker-metadata.rendered.json", OPENLINEAGE / "events/marquez/api-test-apples"])
    return g


def quad_count(g: provgraph.LineageGraph) -> int:
    return len(g.store.oxigraph)
