"""Evidence packs (issue 5): the answer filed with its query, batches, supporting subgraph,
canonical hash, report.html and manifest — through the Python API, the CLI and a real browser."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner
from pyoxigraph import Dataset, RdfFormat, parse

from provgraph import QueryError
from provgraph.cli import main
from provgraph.evidence import FILES

from .conftest import needs_shared

FLAGSHIP = dict(tag="user-behavior", since="2025-01-01", until="2026-01-01")


@pytest.fixture(scope="module")
def flagship_pack(demo_graph, tmp_path_factory):
    return demo_graph.report("trained-on", tmp_path_factory.mktemp("pack") / "flagship", **FLAGSHIP)


def test_the_pack_holds_every_file_and_the_manifest_checks_them(flagship_pack):
    folder = flagship_pack.directory
    assert sorted(p.name for p in folder.iterdir()) == sorted([*FILES, "manifest.json", "SHA256SUMS"])
    manifest = json.loads((folder / "manifest.json").read_text())
    for entry in manifest["files"]:
        assert hashlib.sha256((folder / entry["name"]).read_bytes()).hexdigest() == entry["sha256"], entry["name"]
    sums = dict(line.split("  ")[::-1] for line in (folder / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == {*FILES, "manifest.json"}
    assert all(hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest for name, digest in sums.items())


def test_the_answer_query_and_batches_are_filed(flagship_pack):
    folder = flagship_pack.directory
    answer = (folder / "answer.csv").read_text().splitlines()
    assert answer[0].startswith("outputNamespace,outputName,output,") and len(answer) == 1 + 103
    assert len(json.loads((folder / "answer.json").read_text())["results"]["bindings"]) == 103
    assert 'VALUES (?tag ?since ?until ?models_only) { ("user-behavior" "2025-01-01T00:00:00.000Z"^^' in (folder / "query.rq").read_text()
    meta = json.loads((folder / "query.json").read_text())
    assert meta["query"] == "trained-on" and meta["parameters"] == FLAGSHIP and meta["provgraphVersion"] == "0.1.0"
    assert meta["ranAt"].endswith("Z") and meta["rows"] == 103
    batches = json.loads((folder / "batches.json").read_text())
    # The credit pipeline has nothing to do with user behaviour: its batch is not behind the answer.
    assert sorted(b["source"].rsplit("/", 1)[-1] for b in batches) == ["churn.ndjson", "clickstream.ndjson", "sales.ndjson"]
    assert all(len(b["sha256"]) == 64 and b["ingestedAt"].endswith("Z") for b in batches)


def test_the_supporting_subgraph_is_prov_in_trig_and_jsonld_with_its_canonical_hash(flagship_pack):
    folder = flagship_pack.directory
    trig = Dataset(parse(path=str(folder / "support.trig"), format=RdfFormat.TRIG))
    jsonld = Dataset(parse(path=str(folder / "support.jsonld"), format=RdfFormat.JSON_LD))
    canonical = Dataset(parse(path=str(folder / "support.nq"), format=RdfFormat.N_QUADS))
    assert len(trig) == len(jsonld) == len(canonical) > 1000
    assert hashlib.sha256((folder / "support.nq").read_bytes()).hexdigest() == flagship_pack.canonical_hash
    text = (folder / "support.trig").read_text()
    # The models' versions, the runs that trained them, and the tagged source are all there.
    assert "recommender/v/2025.W52" in text.replace("\\", "") and "prov:wasGeneratedBy" in text and "clickstream.page_views" in text
    assert "prov:Bundle" in text  # the catalog entries of the batches behind it


def test_the_same_report_twice_on_an_unchanged_store_has_the_same_canonical_hash(demo_graph, flagship_pack, tmp_path):
    again = demo_graph.report("trained-on", tmp_path / "again", **FLAGSHIP)
    assert again.canonical_hash == flagship_pack.canonical_hash
    assert (tmp_path / "again" / "support.nq").read_bytes() == (flagship_pack.directory / "support.nq").read_bytes()
    assert (tmp_path / "again" / "answer.csv").read_bytes() == (flagship_pack.directory / "answer.csv").read_bytes()


def test_a_different_question_has_a_different_hash(demo_graph, flagship_pack, tmp_path):
    other = demo_graph.report("trained-on", tmp_path / "pii", tag="pii", since="2025-12-01", until="2026-01-01")
    assert other.canonical_hash != flagship_pack.canonical_hash


def test_report_html_is_self_contained_with_table_and_diagram(flagship_pack):
    html = flagship_pack.report.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html and "<table class=\"answer\">" in html
    assert "Trained on tagged data" in html and "@media print" in html
    assert "<script" not in html and "http-equiv" not in html and "<link" not in html
    # Every dataset and job of the flow is in the diagram (a long name is shortened in its box;
    # the box's tooltip has it whole).
    for label in ("clickstream.page_views", "web.sessionize_clicks", "warehouse.analytics.user_sessions", "ml.train_recommender",
                  "recommender", "ml.train_churn_model", "churn_model"):
        assert f"<title>{label} " in html, label
    assert ">warehouse.analytics.user_sess…</text>" in html


def test_a_column_question_draws_columns(demo_graph, tmp_path):
    pack = demo_graph.report("column-lineage", tmp_path / "col", namespace="s3://acme-models", name="credit_scoring", field="age_years")
    html = pack.report.read_text()
    assert html.count(">date_of_birth</text>") == 2  # in the CRM table and its warehouse copy
    assert ">crm.public.customers</text>" in html and ">warehouse.raw.crm_customers</text>" in html and ">age_years</text>" in html


def test_a_bad_parameter_writes_nothing(demo_graph, tmp_path):
    with pytest.raises(QueryError, match="'since' expects dateTime"):
        demo_graph.report("trained-on", tmp_path / "bad", tag="pii", since="last year")
    assert not (tmp_path / "bad").exists()


def test_the_cli_writes_a_pack_and_names_it(demo_graph, tmp_path):
    out = tmp_path / "cli-pack"
    result = CliRunner().invoke(main, ["--store", "unused", "report", "impact", "-p", "namespace=s3://acme-raw",
                                       "-p", "name=sales/sales_2025.csv", "--out", str(out)], obj={"graph": demo_graph})
    assert result.exit_code == 0, result.output
    assert f"evidence pack: {out}" in result.output and "RDFC-1.0 sha256" in result.output
    assert (out / "report.html").is_file()
    bad = CliRunner().invoke(main, ["--store", "unused", "report", "nope", "--out", str(tmp_path / "x")], obj={"graph": demo_graph})
    assert bad.exit_code == 1 and "no canned query 'nope'" in bad.output


@needs_shared
def test_a_pack_on_marquez_data(marquez_graph, tmp_path):
    pack = marquez_graph.report("model-upstream", tmp_path / "pie", namespace="grandmas.kitchen", name="apple.pie")
    html = pack.report.read_text()
    for label in ("apple.pie", "prepare_apple_pie", "apple.filling", "crab.apples"):
        assert f">{label}</text>" in html, label
    assert pack.batches and all(len(b["sha256"]) == 64 for b in pack.batches)
    assert marquez_graph.report("model-upstream", tmp_path / "pie2", namespace="grandmas.kitchen", name="apple.pie").canonical_hash == pack.canonical_hash


CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (Debian package `chromium`; .ci/run installs it)")
def test_report_html_renders_in_headless_chromium(flagship_pack, tmp_path):
    shot = tmp_path / "report.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                    f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,1400", f"--screenshot={shot}",
                    flagship_pack.report.as_uri()], check=True, capture_output=True, timeout=120)
    from PIL import Image  # noqa: PLC0415 - only this test needs it

    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20)
    assert image.size == (1280, 1400)
    assert colours is not None and len(colours) > 50  # text, table rules and the diagram's fills, not a blank page
    # The diagram's job fill (#dcfce7) and model fill (#fde68a) are on screen: the SVG rendered.
    present = {colour for _, colour in colours}
    assert (0xdc, 0xfc, 0xe7) in present and (0xfd, 0xe6, 0x8a) in present


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (Debian package `chromium`; .ci/run installs it)")
def test_report_html_prints_to_pdf_in_headless_chromium(flagship_pack, tmp_path):
    pdf = tmp_path / "report.pdf"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                    f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                    flagship_pack.report.as_uri()], check=True, capture_output=True, timeout=120)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and b"/Type /Page" in data
