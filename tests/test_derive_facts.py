"""Derive from the facts the importer kept: the same derived graph as reading everything back out
of the store, however the events are split into files, parts and ingests."""

from __future__ import annotations

import io
import random

import pytest
from pyoxigraph import DefaultGraph, NamedNode

import provgraph
from provgraph import derive, generate, graph as graph_module, ids, sources
from provgraph.vocab import DCAT, PG, RDF_TYPE

from .conftest import EXAMPLES


def platform_lines(days=12) -> list[str]:
    out = io.StringIO()
    generate.write(out, 0.15, 3, days)
    return [line for line in out.getvalue().splitlines() if line.strip()]


def derived(g: provgraph.LineageGraph) -> set[str]:
    """The derived graphs and the view (what queries read), without the batch graphs' names and
    the catalog's description of each batch (the view mirrors it too)."""
    prefix, batch = ids.KIND_PREFIXES["derived"], ids.KIND_PREFIXES["batch"]
    return {str(q) for q in g.store.oxigraph
            if (not q.subject.value.startswith(batch) if isinstance(q.graph_name, DefaultGraph)
                else q.graph_name.value.startswith(prefix))}


def answers(g: provgraph.LineageGraph, datasets: list[tuple[str, str]]) -> list:
    """Canned query answers a user would compare: runs of every job, upstream and downstream of datasets."""
    found = [g.query("current-datasets", include_ended=True).records()]
    for namespace, name in datasets:
        found.append(sorted(map(str, g.query("upstream", namespace=namespace, name=name).records())))
        found.append(sorted(map(str, g.query("downstream", namespace=namespace, name=name).records())))
    jobs = g.sparql("SELECT ?ns ?name WHERE { ?j a pg:Job ; pg:namespace ?ns ; pg:name ?name } ORDER BY ?ns ?name").records()
    for job in jobs:
        found.append(sorted(map(str, g.query("runs", namespace=job["ns"], name=job["name"]).records())))
    return found


def some_datasets(g: provgraph.LineageGraph) -> list[tuple[str, str]]:
    rows = g.sparql("""SELECT ?ns ?name WHERE { ?d a dcat:Dataset ; pg:namespace ?ns ; pg:name ?name .
                       ?v prov:specializationOf ?d ; prov:wasGeneratedBy ?run } GROUP BY ?ns ?name ORDER BY ?ns ?name""").records()
    return [(r["ns"], r["name"]) for r in rows][:4]


def rederive_from_store(g: provgraph.LineageGraph) -> None:
    """Re-derive every run and dataset the way an ingest without facts in hand does: from the store."""
    runs = {q.subject for q in g.store.oxigraph.quads_for_pattern(None, RDF_TYPE, PG.Run, None)}
    datasets = {q.subject for q in g.store.oxigraph.quads_for_pattern(None, RDF_TYPE, DCAT.Dataset, None)}
    derive.rederive(g.store, runs, datasets)


@pytest.mark.parametrize("mass", [False, True])
def test_facts_in_hand_derive_what_the_store_says(graph, monkeypatch, mass):
    graph.ingest([EXAMPLES])
    first = derived(graph)
    if mass:
        monkeypatch.setattr(derive, "MASS_LOOKUP", 1)
    rederive_from_store(graph)
    assert derived(graph) == first


def test_events_split_over_ingests_in_any_order_derive_the_same_graph(tmp_path, graph):
    lines = platform_lines()
    whole = tmp_path / "whole.ndjson"
    whole.write_text("\n".join(lines) + "\n")
    graph.ingest([whole])
    expected_view, expected_answers = derived(graph), answers(graph, some_datasets(graph))

    shuffled = lines[:]
    random.Random(7).shuffle(shuffled)
    pieces = provgraph.open(tmp_path / "pieces")
    for i in range(4):
        piece = tmp_path / f"piece{i}.ndjson"
        piece.write_text("\n".join(shuffled[i::4]) + "\n")
        pieces.ingest([piece])
    assert derived(pieces) == expected_view
    assert answers(pieces, some_datasets(graph)) == expected_answers
    rederive_from_store(pieces)
    assert derived(pieces) == expected_view
    pieces.close()


def test_a_file_streamed_in_many_parts_derives_the_same_graph(tmp_path, graph, monkeypatch):
    lines = platform_lines()
    random.Random(3).shuffle(lines)  # a run's events land in different parts
    path = tmp_path / "platform.ndjson"
    path.write_text("\n".join(lines) + "\n")
    graph.ingest([path])
    expected_view, expected_answers = derived(graph), answers(graph, some_datasets(graph))

    monkeypatch.setattr(sources, "STREAM_BYTES", 1000)
    monkeypatch.setattr(graph_module, "STREAM_RECORDS", 37)
    streamed = provgraph.open(tmp_path / "streamed")
    streamed.ingest([path])
    assert sources.file_source(path).streamed
    assert derived(streamed) == expected_view
    assert answers(streamed, some_datasets(graph)) == expected_answers
    streamed.close()


def test_a_run_known_before_is_read_from_the_store(tmp_path, graph):
    start = ('{"eventType":"START","eventTime":"2024-01-01T00:00:00Z","producer":"p","schemaURL":"s",'
             '"run":{"runId":"3f0b1d5e-0000-4000-8000-000000000001"},"job":{"namespace":"n","name":"j"},'
             '"inputs":[{"namespace":"n","name":"in"}],"outputs":[{"namespace":"n","name":"out"}]}')
    complete = start.replace("START", "COMPLETE").replace("00:00:00Z", "01:00:00Z").replace(
        ',"inputs":[{"namespace":"n","name":"in"}],"outputs":[{"namespace":"n","name":"out"}]', "")
    (tmp_path / "a.json").write_text(start)
    (tmp_path / "b.json").write_text(complete)
    graph.ingest([tmp_path / "a.json"])
    graph.ingest([tmp_path / "b.json"])
    rows = graph.query("runs", namespace="n", name="j").records()
    assert [(r["state"].rsplit("#", 1)[-1], r["started"], r["ended"]) for r in rows] == [
        ("COMPLETE", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z")]
    generated = NamedNode(ids.version_of_run("n", "out", "3f0b1d5e-0000-4000-8000-000000000001").value)
    times = list(graph.store.oxigraph.quads_for_pattern(generated, NamedNode("http://www.w3.org/ns/prov#generatedAtTime"), None, DefaultGraph()))
    assert [q.object.value for q in times] == ["2024-01-01T01:00:00Z"]


def test_run_times_merged_from_parts_equal_the_times_of_all_events():
    from datetime import datetime, timedelta, timezone

    from provgraph.importers.lineage_facts import RunTimes

    t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
    events = [(t0 + timedelta(minutes=m), s) for m, s in
              [(5, "RUNNING"), (0, "START"), (9, "FAIL"), (9, "COMPLETE"), (9, "OTHER"), (2, "START"), (7, "ABORT")]]
    whole = RunTimes()
    for moment, state in events:
        whole.add(moment, state)
    for split in range(len(events) + 1):
        first, second = RunTimes(), RunTimes()
        for moment, state in events[:split]:
            first.add(moment, state)
        for moment, state in events[split:]:
            second.add(moment, state)
        second.merge(first)
        assert (second.started, second.ended, second.effective_start, second.generation_time, second.state) == (
            whole.started, whole.ended, whole.effective_start, whole.generation_time, whole.state)
    assert (whole.started, whole.ended, whole.state) == (t0, t0 + timedelta(minutes=9), "FAIL")


def test_events_sent_one_by_one_late_and_out_of_order_derive_the_same_graph(tmp_path, graph):
    """The OpenLineage HTTP transport sends one event per request: events held back and then
    sent one at a time, late and shuffled (a START after its COMPLETE, a version generated before
    versions others already read), give the graph and answers of one ingest of all of them."""
    lines = platform_lines()
    whole = tmp_path / "whole.ndjson"
    whole.write_text("\n".join(lines) + "\n")
    graph.ingest([whole])
    expected_view, expected_answers = derived(graph), answers(graph, some_datasets(graph))

    held = sorted(random.Random(5).sample(range(len(lines)), 40))
    base = tmp_path / "base.ndjson"
    base.write_text("\n".join(line for i, line in enumerate(lines) if i not in set(held)) + "\n")
    one_by_one = provgraph.open(tmp_path / "one-by-one")
    one_by_one.ingest([base])
    random.Random(9).shuffle(held)
    for i in held:
        one_by_one.ingest([sources.Source(f"event-{i}.json", lines[i].encode())], format="openlineage")
    assert derived(one_by_one) == expected_view
    assert answers(one_by_one, some_datasets(graph)) == expected_answers
    one_by_one.close()
