"""Namespaces and terms used by provgraph — the one place they are spelled out.

Every other module imports its terms from here. The project's own terms (``PG``) are
declared, labelled and aligned in ``ontology/provgraph.ttl``; the mapping from
OpenLineage to these terms is documented in ``ontology/MAPPING.md``.
"""

from __future__ import annotations

from pyoxigraph import NamedNode


class Namespace(str):
    """An IRI prefix; ``NS.term`` or ``NS["term"]`` gives a :class:`pyoxigraph.NamedNode`."""

    def __getattr__(self, local: str) -> NamedNode:
        if local.startswith("__"):
            raise AttributeError(local)
        node = _term(self + local)
        # Kept as an attribute, the next NS.term is a plain attribute read (ingest reads terms per triple).
        setattr(self, local, node)
        return node

    def __getitem__(self, local: str) -> NamedNode:  # type: ignore[override]
        return _term(self + local)


_TERMS: dict[str, NamedNode] = {}


def _term(iri: str) -> NamedNode:
    # Terms are looked up once per triple during ingest: reuse the node instead of re-validating.
    node = _TERMS.get(iri)
    if node is None:
        node = _TERMS[iri] = NamedNode(iri)
    return node


PROV = Namespace("http://www.w3.org/ns/prov#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
MLS = Namespace("http://www.w3.org/ns/mls#")
SCHEMA = Namespace("http://schema.org/")
DPV = Namespace("https://w3id.org/dpv#")
PD = Namespace("https://w3id.org/dpv/pd#")

#: provgraph's own vocabulary (ontology/provgraph.ttl).
PG = Namespace("https://w3id.org/provgraph/ns#")
#: Base of every IRI provgraph mints for a thing it describes (see ids.py).
ID_BASE = "https://w3id.org/provgraph/id/"
#: Base of the named graphs provgraph writes (batches, catalog, derived facts).
GRAPH_BASE = "https://w3id.org/provgraph/graph/"

RDF_TYPE = RDF.type

#: Prefixes declared in every export and offered to every query.
PREFIXES: dict[str, str] = {
    "prov": str(PROV),
    "dcat": str(DCAT),
    "dcterms": str(DCTERMS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "owl": str(OWL),
    "skos": str(SKOS),
    "mls": str(MLS),
    "schema": str(SCHEMA),
    "dpv": str(DPV),
    "pd": str(PD),
    "pg": str(PG),
}

#: OpenLineage run states (spec 2-0-2, RunEvent.eventType) as pg:RunState individuals.
RUN_STATES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")
TERMINAL_STATES = ("COMPLETE", "ABORT", "FAIL")
