"""Governance facts derived over the whole store after every ingest (MAPPING.md, "Governance").

* The **vocabulary graph** holds the DPV terms provgraph declares (``ontology/dpv-terms.ttl``)
  and any full vocabulary file a user loads, so queries walk categories with ``skos:broader*``.
* The **governance graph** (``graph/derived/governance``) is recomputed from scratch after each
  ingest: every tag concept whose key matches the classification mapping
  (``ontology/classification.yaml``, plus overlay ``classification:`` entries, which win) gets
  ``skos:broader`` the DPV concept; a dataset whose own or whose columns' tags classify as
  personal data gets ``dpv:hasPersonalData`` that category; and each overlay declaration
  (``pg:GovernanceDeclaration``) is applied to every dataset it matches (``pg:appliesTo`` plus a
  copy of the declared facts on the dataset). Only the latest ingest of each overlay file (by
  its source name) counts, so a steward edits the file and ingests it again. The graph records
  which overlay batches it was derived from.

Recomputing everything keeps the facts from going stale when a dataset arrives after the
overlay that governs it; it costs one pass over datasets and tag concepts, not over triples.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from datetime import datetime
from pathlib import Path

import pyoxigraph
import yaml
from pyoxigraph import Literal, NamedNode, Quad, Triple

from . import ids
from .importers.governance import expand_curie
from .store import LineageStore
from .vocab import DCTERMS, DPV, GRAPH_BASE, PG, PROV, RDF_TYPE, SKOS

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"
DPV_TERMS = ONTOLOGY_DIR / "dpv-terms.ttl"
CLASSIFICATION = ONTOLOGY_DIR / "classification.yaml"
VOCABULARY_GRAPH = ids.VOCABULARY_GRAPH
GOVERNANCE_GRAPH = NamedNode(GRAPH_BASE + "derived/governance")
#: Predicates an overlay declaration carries that are copied onto each dataset it matches.
APPLIED = (PROV.wasAttributedTo, PROV.qualifiedAttribution, DPV.hasPersonalData, DPV.hasLegalBasis, DPV.hasPurpose,
           DPV.hasDataController, PG.consentRecord, PG.authorisedConsumer)


def ensure_vocabulary(store: LineageStore) -> None:
    """Load ``ontology/dpv-terms.ttl`` into the vocabulary graph unless it is there already."""
    if not store.oxigraph.contains_named_graph(VOCABULARY_GRAPH):
        load_vocabulary(store, [DPV_TERMS])


def load_vocabulary(store: LineageStore, paths: list[str | Path]) -> int:
    """Add RDF files (Turtle, or any format pyoxigraph reads by extension) to the vocabulary
    graph. Returns the number of triples read. Raises :class:`OSError`/:class:`SyntaxError` for
    an unreadable file."""
    count = 0
    for path in paths:
        path = Path(path)
        fmt = pyoxigraph.RdfFormat.from_extension(path.suffix.lstrip(".")) or pyoxigraph.RdfFormat.TURTLE
        with path.open("rb") as handle:
            quads = [Quad(t.subject, t.predicate, t.object, VOCABULARY_GRAPH)
                     for t in pyoxigraph.parse(handle, format=fmt) if not isinstance(t.subject, pyoxigraph.BlankNode)]
        store.oxigraph.add_graph(VOCABULARY_GRAPH)
        store.add_mirrored(quads)
        count += len(quads)
    return count


def shipped_classification() -> dict[str, list[NamedNode]]:
    """``ontology/classification.yaml`` as ``{pattern: [DPV concept, …]}`` (a fresh copy)."""
    stat = CLASSIFICATION.stat()
    return {k: list(v) for k, v in _parsed_classification(str(CLASSIFICATION), stat.st_mtime_ns, stat.st_size).items()}


@functools.lru_cache(maxsize=4)
def _parsed_classification(path: str, mtime_ns: int, size: int) -> dict[str, list[NamedNode]]:
    # Parsed once per version of the file: every ingest re-derives governance, and parsing the
    # YAML took longer than the rest of a one-event ingest's governance step.
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {str(k): [expand_curie(str(c)) for c in (v if isinstance(v, list) else [v])] for k, v in data.items()}


def rederive(store: LineageStore) -> int:
    """Recompute the governance graph (see the module docstring). Returns its triple count."""
    ensure_vocabulary(store)
    broader = _broader(store)
    rules = {k.lower(): v for k, v in shipped_classification().items()}
    active = _active_overlays(store)
    for row in store.select("""SELECT ?g ?pattern ?concept WHERE {
            GRAPH ?g { ?r a pg:ClassificationRule ; pg:tagPattern ?pattern ; pg:classifiedAs ?concept } }"""):
        if row["g"] in active:
            rules.setdefault("overlay:" + row["pattern"].value.lower(), []).append(row["concept"])
    compiled = []
    for pattern, concepts in rules.items():
        overridden = not pattern.startswith("overlay:") and ("overlay:" + pattern) in rules
        if not overridden:
            compiled.append((re.compile(fnmatch.translate(pattern.removeprefix("overlay:")), re.IGNORECASE), concepts))
    triples: list[Triple] = []
    classified: dict[NamedNode, list[NamedNode]] = {}
    for row in store.select("SELECT DISTINCT ?concept ?key WHERE { ?concept pg:tagKey ?key }"):
        for regex, concepts in compiled:
            if regex.fullmatch(row["key"].value):
                for concept in concepts:
                    triples.append(Triple(row["concept"], SKOS.broader, concept))
                    classified.setdefault(row["concept"], []).append(concept)
    personal = {c: [x for x in cs if _under(x, DPV.PersonalData, broader)] for c, cs in classified.items()}
    anonymous = {c for c, cs in classified.items() if any(_under(x, DPV.AnonymisedData, broader) for x in cs)}
    for row in store.select("""SELECT DISTINCT ?d ?concept WHERE { ?d a dcat:Dataset .
            { ?d dcat:theme ?concept } UNION { ?d pg:field/dcat:theme ?concept } }"""):
        for category in personal.get(row["concept"], ()):
            triples.append(Triple(row["d"], DPV.hasPersonalData, category))
        if row["concept"] in anonymous:
            triples.append(Triple(row["d"], RDF_TYPE, DPV.AnonymisedData))
    triples += _apply_declarations(store, active)
    # No generation time: re-deriving the same inputs must give the same graph (ingest is idempotent).
    triples += [Triple(GOVERNANCE_GRAPH, RDF_TYPE, PROV.Entity), Triple(GOVERNANCE_GRAPH, DCTERMS.source, Literal(CLASSIFICATION.name))]
    triples += [Triple(GOVERNANCE_GRAPH, PROV.wasDerivedFrom, g) for g in sorted(active, key=lambda n: n.value)]
    triples = list(dict.fromkeys(triples))
    store.replace_graphs({GOVERNANCE_GRAPH: triples})
    return len(triples)


def _active_overlays(store: LineageStore) -> set[NamedNode]:
    """The batch graph of the latest ingest of each overlay file (by source name): editing an
    overlay and ingesting it again replaces what the earlier version declared."""
    latest: dict[str, tuple[datetime, NamedNode]] = {}
    for row in store.select(f"""SELECT DISTINCT ?g ?name ?at WHERE {{ GRAPH ?g {{ ?r a ?kind }}
            VALUES ?kind {{ pg:GovernanceDeclaration pg:ClassificationRule }}
            GRAPH {ids.CATALOG_GRAPH} {{ ?g dcterms:source ?name ; prov:generatedAtTime ?at }} }}"""):
        key, moment = row["name"].value, datetime.fromisoformat(row["at"].value.replace("Z", "+00:00"))
        if key not in latest or moment > latest[key][0]:
            latest[key] = (moment, row["g"])
    return {g for _, g in latest.values()}


def _apply_declarations(store: LineageStore, active: set[NamedNode]) -> list[Triple]:
    datasets = [(row["d"], row["ns"].value, row["name"].value, row["id"].value if row["id"] else None)
                for row in store.select("""SELECT DISTINCT ?d ?ns ?name ?id WHERE { ?d a dcat:Dataset ; pg:namespace ?ns ; pg:name ?name .
                                            OPTIONAL { ?d dcterms:identifier ?id } }""")]
    facts: dict[NamedNode, list[tuple[NamedNode, object]]] = {}
    matches: dict[NamedNode, tuple] = {}
    for row in store.select("""SELECT DISTINCT ?g ?rule ?ns ?name ?urn ?p ?o WHERE { GRAPH ?g { ?rule a pg:GovernanceDeclaration }
            OPTIONAL { ?rule pg:matchNamespace ?ns } OPTIONAL { ?rule pg:matchName ?name } OPTIONAL { ?rule pg:matchIdentifier ?urn }
            OPTIONAL { ?rule ?p ?o } }"""):
        if row["g"] not in active:
            continue
        rule = row["rule"]
        matches[rule] = tuple(row[k].value if row[k] else None for k in ("ns", "name", "urn"))
        if row["p"] in APPLIED:
            facts.setdefault(rule, []).append((row["p"], row["o"]))
        elif row["p"] == PG.declaresType:
            facts.setdefault(rule, []).append((RDF_TYPE, row["o"]))
    columns: dict[NamedNode, list[tuple[str, NamedNode]]] = {}
    for row in store.select("""SELECT DISTINCT ?rule ?path ?category WHERE {
            ?rule pg:fieldDeclaration ?declared . ?declared pg:fieldPath ?path ; dpv:hasPersonalData ?category }"""):
        columns.setdefault(row["rule"], []).append((row["path"].value, row["category"]))
    triples = []
    for rule, (ns, name, urn) in matches.items():
        for dataset, d_ns, d_name, d_id in datasets:
            hit = (urn is not None and urn in (dataset.value, d_id)) or (
                name is not None and fnmatch.fnmatchcase(d_ns, ns or "*") and fnmatch.fnmatchcase(d_name, name))
            if hit:
                triples.append(Triple(rule, PG.appliesTo, dataset))
                triples += [Triple(dataset, p, o) for p, o in facts.get(rule, ())]
                for path, category in columns.get(rule, ()):
                    field = ids.field(d_ns, d_name, path)
                    triples += [Triple(dataset, PG.field, field), Triple(field, PG.fieldPath, Literal(path)),
                                Triple(field, DPV.hasPersonalData, category), Triple(dataset, DPV.hasPersonalData, category)]
    return triples


def _broader(store: LineageStore) -> dict[NamedNode, set[NamedNode]]:
    found: dict[NamedNode, set[NamedNode]] = {}
    for quad in store.oxigraph.quads_for_pattern(None, SKOS.broader, None, VOCABULARY_GRAPH):
        found.setdefault(quad.subject, set()).add(quad.object)
    return found


def _under(concept: NamedNode, ancestor: NamedNode, broader: dict[NamedNode, set[NamedNode]]) -> bool:
    seen, todo = set(), [concept]
    while todo:
        node = todo.pop()
        if node == ancestor:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(broader.get(node, ()))
    return False


__all__ = ["ensure_vocabulary", "load_vocabulary", "rederive", "VOCABULARY_GRAPH", "GOVERNANCE_GRAPH", "ids"]
