"""The demo behind `make demo`: ingest the example ML platform and answer two regulator questions.

1. "All models trained on user-behavior data in 2025, with the exact data versions they read."
2. "If the raw sales CSV changes, what is impacted downstream, and who owns it?"
3. "Does the platform meet its governance rules?" (the stewards' overlay, then `validate`)
4. "Prove consent for the credit-scoring model's personal data." (`consent-proof`)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import provgraph
from provgraph.formatting import render

HERE = Path(__file__).resolve().parent
STORE = HERE.parent / "demo-store"
EVIDENCE = HERE.parent / "demo-evidence"


def main() -> None:
    shutil.rmtree(STORE, ignore_errors=True)
    graph = provgraph.open(STORE)
    summary = graph.ingest([HERE / "demo-platform"])
    print(f"Ingested {summary.ingested} files: {summary.records} OpenLineage events → "
          f"{summary.triples} PROV-O triples (+{summary.derived_triples} derived) in {STORE.name}/\n")

    print("Q1. Which models were trained in 2025 on user-behavior data, on which exact data versions?")
    trained = graph.query("trained-on", tag="user-behavior", since="2025-01-01T00:00:00Z", until="2026-01-01T00:00:00Z")
    models = sorted({(r["outputNamespace"], r["outputName"]) for r in trained.records()})
    print(f"    {len(trained.rows)} model versions of {len(models)} models: " + ", ".join(n for _, n in models))
    latest = {}
    for row in trained.records():
        latest[row["outputName"]] = row
    for name, row in sorted(latest.items()):
        print(f"    newest {name} version {row['outputVersion'] or row['output']} (generated {row['generatedAt']})")
        print(f"        read: {row['inputs']}")
        print(f"        tagged sources: {row['taggedSources']}")
    print()

    print("Q2. If s3://acme-raw/sales/sales_2025.csv changes, what is impacted downstream?")
    impact = graph.query("downstream", namespace="s3://acme-raw", name="sales/sales_2025.csv")
    shown = provgraph.QueryResult(impact.columns[:6], [row[:6] for row in impact.rows])
    print(render(shown, "table"))
    print()
    governance_demo(graph)
    print("Try more:  PROVGRAPH_STORE=demo-store .venv/bin/provgraph query list")

    # Evidence for the flagship question, in a folder an auditor can keep (issue 5).
    pack = graph.report("trained-on", EVIDENCE, tag="user-behavior", since="2025-01-01T00:00:00Z", until="2026-01-01T00:00:00Z")
    print()
    print(f"Evidence pack for Q1 ({pack.rows} rows, {len(pack.batches)} batches behind it; supporting subgraph "
          f"RDFC-1.0 sha256 {pack.canonical_hash[:16]}…):")
    print(f"    {EVIDENCE.relative_to(HERE.parent)}/  — open {pack.report.relative_to(HERE.parent)} in a browser; "
          f"check it with: cd {EVIDENCE.relative_to(HERE.parent)} && sha256sum -c SHA256SUMS")
    graph.close()


def governance_demo(graph: provgraph.LineageGraph) -> None:
    """Q3 and Q4: the stewards' overlay, `validate` as a gate, and consent proof for a model."""
    overlay = HERE / "governance.yaml"
    summary = graph.ingest([overlay])
    print(f"Governance overlay {overlay.name}: {summary.records} declarations (owners, personal data, legal basis, consent)\n")
    print("Q3. Does the platform meet its governance rules? (provgraph validate)")
    report = graph.validate()
    for line in report.render("text").splitlines():
        print(f"    {line}")
    print()
    print("Q4. Consent proof for the credit_scoring model: personal data upstream, legal basis, consent at training time")
    proof = graph.query("consent-proof", namespace="s3://acme-models", name="credit_scoring")
    columns = ["sourceName", "categories", "legalBasis", "consentStatus", "validAtTraining", "exception"]
    shown = provgraph.QueryResult(columns, [[row[proof.columns.index(c)] for c in columns] for row in proof.rows])
    first = proof.records()[0] if proof.rows else {}
    print(f"    model version {first.get('modelVersion')}, training run started {first.get('trainedAt')}")
    print(render(shown, "table"))
    print()


if __name__ == "__main__":
    main()
