"""Evidence packs: a canned query's answer, filed with what it rests on, in a folder an auditor keeps.

``write_pack(graph, name, params, out)`` runs the canned query ``name`` and writes into ``out``:

=================  ==========================================================================
``answer.csv``     the answer, RFC 4180, full IRIs
``answer.json``    the answer, SPARQL 1.1 Query Results JSON
``query.rq``       the exact query text that ran, parameters bound (VALUES block)
``query.json``     query name, title, question, parameters, run time (UTC), provgraph version
``batches.json``   the batches the supporting subgraph comes from: source, sha256, ingest time
``support.trig``   the supporting subgraph (support.py) as PROV-O in TriG, named graphs kept
``support.jsonld`` the same in JSON-LD
``support.nq``     its RDFC-1.0 canonical N-Quads (lines sorted); sha256 of this file is the
                   canonical hash
``report.html``    the question, the answer, a lineage diagram (inline SVG), the batches
``manifest.json``  all of the above with the sha256 of every file, and the canonical hash
``SHA256SUMS``     the same sums, for ``sha256sum -c``
=================  ==========================================================================

The canonical hash depends only on the statements, not on when or where the pack was written,
so the same report on an unchanged store gives the same hash (RDF Dataset Canonicalization,
W3C Recommendation 2024, RDFC-1.0 with SHA-256).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph
from pyoxigraph import CanonicalizationAlgorithm, Dataset, NamedNode, RdfFormat

from . import __version__, ids
from .errors import QueryError
from .formatting import render
from .lineage_svg import diagram
from .report_html import render_report
from .support import seeds_of, supporting_subgraph
from .vocab import PREFIXES

CANONICALIZATION = "RDFC-1.0"
FILES = ("answer.csv", "answer.json", "query.rq", "query.json", "batches.json", "support.trig", "support.jsonld",
         "support.nq", "report.html")


@dataclass
class EvidencePack:
    """A written pack: its ``directory``, ``files`` (name → sha256 hex), the ``canonical_hash``
    (sha256 hex of the RDFC-1.0 canonical N-Quads of the supporting subgraph), the answer's
    ``rows`` count, the ``batches`` behind it, and when it ran (``ran_at``, ISO 8601 UTC)."""

    directory: Path
    files: dict[str, str]
    canonical_hash: str
    rows: int
    batches: list[dict]
    ran_at: str

    @property
    def report(self) -> Path:
        return self.directory / "report.html"


def write_pack(graph, name: str, params: dict, out) -> EvidencePack:
    """Run the canned query ``name`` on ``graph`` (a :class:`~provgraph.LineageGraph`) with
    ``params`` and write its evidence pack into the folder ``out`` (created if missing; files of
    the same names are replaced). Returns an :class:`EvidencePack`.

    Raises :class:`~provgraph.QueryError` for an unknown query or a bad parameter (nothing is
    written then), or when ``out`` exists and is not a folder."""
    catalogue = graph.catalogue()
    if name not in catalogue:
        raise QueryError(f"no canned query {name!r}; known: {', '.join(catalogue)}")
    query = catalogue[name]
    text = query.bind(params)
    ran_at = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    result = graph.sparql(text)
    directory = Path(out)
    if directory.exists() and not directory.is_dir():
        raise QueryError(f"{directory} exists and is not a folder")
    directory.mkdir(parents=True, exist_ok=True)

    seeds = seeds_of(result.columns, result.rows, params)
    support = supporting_subgraph(graph.store.oxigraph, seeds)
    canonical = _canonical_nquads(support.quads)
    canonical_hash = hashlib.sha256(canonical).hexdigest()
    batches = _batches(graph, support.batches)
    prefixes = {**PREFIXES, **ids.KIND_PREFIXES}
    columns_asked = bool(params.get("field")) and name != "impact"

    contents: dict[str, bytes] = {
        "answer.csv": (render(result, "csv") + "\n").encode("utf-8"),
        "answer.json": render(result, "json").encode("utf-8"),
        "query.rq": text.encode("utf-8"),
        "query.json": _json({"query": name, "title": query.title, "question": query.question,
                             "parameters": {k: str(v) for k, v in params.items()}, "ranAt": ran_at,
                             "provgraphVersion": __version__, "pyoxigraphVersion": pyoxigraph.__version__,
                             "rows": len(result.rows), "truncated": result.truncated}),
        "batches.json": _json(batches),
        "support.trig": pyoxigraph.serialize(support.quads, format=RdfFormat.TRIG, prefixes=prefixes),
        "support.jsonld": pyoxigraph.serialize(support.quads, format=RdfFormat.JSON_LD, prefixes=prefixes),
        "support.nq": canonical,
    }
    svg = diagram(support.quads, seeds, columns=columns_asked)
    contents["report.html"] = render_report(
        title=query.title, question=query.question, query_name=name, parameters={k: str(v) for k, v in params.items()},
        ran_at=ran_at, version=__version__, columns=result.columns, rows=result.rows, truncated=result.truncated, svg=svg,
        canonical_hash=canonical_hash, batches=batches, support_size=len(support.quads)).encode("utf-8")
    sums = {}
    for filename in FILES:
        (directory / filename).write_bytes(contents[filename])
        sums[filename] = hashlib.sha256(contents[filename]).hexdigest()
    manifest = {"query": name, "parameters": {k: str(v) for k, v in params.items()}, "ranAt": ran_at,
                "provgraphVersion": __version__,
                "supportingSubgraph": {"canonicalization": CANONICALIZATION, "hash": "SHA-256", "value": canonical_hash,
                                       "quads": len(support.quads), "truncated": support.truncated, "file": "support.nq"},
                "files": [{"name": f, "sha256": sums[f], "bytes": len(contents[f])} for f in FILES]}
    (directory / "manifest.json").write_bytes(_json(manifest))
    sums["manifest.json"] = hashlib.sha256((directory / "manifest.json").read_bytes()).hexdigest()
    (directory / "SHA256SUMS").write_text("".join(f"{h}  {f}\n" for f, h in sums.items()), encoding="utf-8")
    return EvidencePack(directory, sums, canonical_hash, len(result.rows), batches, ran_at)


def _canonical_nquads(quads) -> bytes:
    dataset = Dataset(quads)
    dataset.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    lines = pyoxigraph.serialize(dataset, format=RdfFormat.N_QUADS).decode("utf-8").splitlines()
    return "".join(line + "\n" for line in sorted(set(lines))).encode("utf-8")


def _batches(graph, graphs: list[NamedNode]) -> list[dict]:
    wanted = {g.value for g in graphs}
    return [{"batch": r["batch"], "source": r["source"], "sha256": r["sha256"], "ingestedAt": r["ingestedAt"],
             "importer": r["importer"], "records": r["records"]}
            for r in graph.batches().records() if r["batch"] in wanted]


def _json(value) -> bytes:
    return (json.dumps(value, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


__all__ = ["write_pack", "EvidencePack", "FILES"]
