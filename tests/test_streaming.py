"""Large NDJSON files are streamed part by part; the outcome is the same as reading them whole."""

from __future__ import annotations

import io

import pytest

import provgraph
from provgraph import InputRejected, generate, graph as graph_module, ids, sources


def platform_file(tmp_path, days=10):
    out = io.StringIO()
    generate.write(out, 0.15, 1, days)
    path = tmp_path / "platform.ndjson"
    path.write_text(out.getvalue())
    return path


def content(g: provgraph.LineageGraph) -> set[str]:
    """Every quad but the catalog's description of each batch (in the catalog graph and the view)."""
    batch = ids.KIND_PREFIXES["batch"]
    return {str(q) for q in g.store.oxigraph if q.graph_name != ids.CATALOG_GRAPH and not q.subject.value.startswith(batch)}


@pytest.fixture
def streaming(monkeypatch):
    monkeypatch.setattr(sources, "STREAM_BYTES", 1000)
    monkeypatch.setattr(graph_module, "STREAM_RECORDS", 50)


def test_a_streamed_file_gives_the_same_graph_and_counts(tmp_path, graph, monkeypatch):
    path = platform_file(tmp_path)
    whole = graph.ingest([path])
    monkeypatch.setattr(sources, "STREAM_BYTES", 1000)
    monkeypatch.setattr(graph_module, "STREAM_RECORDS", 50)
    streamed_graph = provgraph.open(tmp_path / "streamed")
    streamed = streamed_graph.ingest([path])
    assert sources.file_source(path).streamed
    assert content(streamed_graph) == content(graph)
    assert (streamed.records, streamed.triples, streamed.derived_triples) == (whole.records, whole.triples, whole.derived_triples)
    assert streamed_graph.batches().records()[0]["triples"] == str(whole.triples)
    streamed_graph.close()


def test_a_bad_record_late_in_a_streamed_file_leaves_the_store_unchanged(tmp_path, graph, streaming):
    path = platform_file(tmp_path)
    lines = path.read_text().splitlines()
    lines[-3] = lines[-3].replace('"eventTime":"2025', '"eventTime":"yesterday 2025')
    path.write_text("\n".join(lines) + "\n")
    before = len(graph.store.oxigraph)
    with pytest.raises(InputRejected) as caught:
        graph.ingest([path])
    assert [(p.record, p.field) for p in caught.value.problems] == [(len(lines) - 3, "eventTime")]
    assert len(graph.store.oxigraph) == before and not graph.batches().rows
    summary = graph.ingest([path], skip_invalid=True)
    assert summary.sources[0].records == len(lines) and summary.records == len(lines) - 1
    assert summary.sources[0].status == "ingested" and graph.batches().rows


def test_deriving_many_runs_at_once_gives_the_same_facts(tmp_path, graph, monkeypatch):
    from provgraph import derive

    from .conftest import EXAMPLES

    graph.ingest([EXAMPLES])
    monkeypatch.setattr(derive, "MASS_LOOKUP", 1)
    mass = provgraph.open(tmp_path / "mass")
    mass.ingest([EXAMPLES])
    assert content(mass) == content(graph)
    mass.close()
