"""IRI minting: one deterministic IRI per thing, so that the same fact from two files
is the same triple. The rules are documented in ontology/MAPPING.md ("IRI minting").

Every identifier segment is percent-encoded (RFC 3986 ``quote(..., safe="")``), so any
OpenLineage namespace or name — ``s3://bucket/key``, ``myjob.buggy_task🕷`` — gives a valid IRI
whose kind is readable from its path.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from urllib.parse import quote

from pyoxigraph import NamedNode

from .vocab import GRAPH_BASE, ID_BASE

#: One prefix per kind of thing, declared in exports so every IRI has a QName.
KIND_PREFIXES: dict[str, str] = {
    "job": ID_BASE + "job/",
    "run": ID_BASE + "run/",
    "event": ID_BASE + "event/",
    "dataset": ID_BASE + "dataset/",
    "version": ID_BASE + "version/",
    "field": ID_BASE + "field/",
    "agent": ID_BASE + "agent/",
    "role": ID_BASE + "role/",
    "tag": ID_BASE + "tag/",
    "datasource": ID_BASE + "datasource/",
    "qualified": ID_BASE + "qualified/",
    "batch": GRAPH_BASE + "batch/",
    "derived": GRAPH_BASE + "derived/",
}


@lru_cache(maxsize=65536)
def _seg(text: str) -> str:
    return quote(text, safe="")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]


def job(namespace: str, name: str) -> NamedNode:
    """The prov:Plan for the OpenLineage job (namespace, name)."""
    return NamedNode(f"{KIND_PREFIXES['job']}{_seg(namespace)}/{_seg(name)}")


def run(run_id: str) -> NamedNode:
    """The prov:Activity for an OpenLineage ``run.runId`` (a UUID, lower-cased)."""
    return NamedNode(f"{KIND_PREFIXES['run']}{_seg(run_id.lower())}")


def event(run_id: str, event_type: str, event_time: str) -> NamedNode:
    """One OpenLineage RunEvent, keyed by run, type and its normalised UTC time."""
    return NamedNode(f"{KIND_PREFIXES['event']}{_seg(run_id.lower())}/{event_type}/{_seg(event_time)}")


def dataset(namespace: str, name: str) -> NamedNode:
    """The persistent dcat:Dataset for the OpenLineage dataset (namespace, name)."""
    return NamedNode(f"{KIND_PREFIXES['dataset']}{_seg(namespace)}/{_seg(name)}")


def version_of_run(namespace: str, name: str, run_id: str) -> NamedNode:
    """The dataset version a run generated, when the producer names no version."""
    return NamedNode(f"{KIND_PREFIXES['version']}{_seg(namespace)}/{_seg(name)}/run/{_seg(run_id.lower())}")


def version_named(namespace: str, name: str, version: str) -> NamedNode:
    """The dataset version named by the ``version`` facet (DatasetVersionDatasetFacet)."""
    return NamedNode(f"{KIND_PREFIXES['version']}{_seg(namespace)}/{_seg(name)}/v/{_seg(version)}")


def field(namespace: str, name: str, path: str) -> NamedNode:
    """A column (schema facet field, nested fields joined by '.') of a persistent dataset."""
    return NamedNode(f"{KIND_PREFIXES['field']}{_seg(namespace)}/{_seg(name)}/{_seg(path)}")


def agent(name: str) -> NamedNode:
    """An owner (``user:jdoe``, ``team:data``) or other named agent."""
    return NamedNode(f"{KIND_PREFIXES['agent']}{_seg(name)}")


def producer(url: str) -> NamedNode:
    """The prov:SoftwareAgent behind an event's ``producer`` URI."""
    return NamedNode(f"{KIND_PREFIXES['agent']}producer/{_seg(url)}")


def engine(name: str, version: str) -> NamedNode:
    """The processing engine of the ``processing_engine`` run facet."""
    return NamedNode(f"{KIND_PREFIXES['agent']}engine/{_seg(name)}/{_seg(version)}")


def role(name: str) -> NamedNode:
    """A prov:Role such as an ownership ``type`` (MAINTAINER, DATA_STEWARD…)."""
    return NamedNode(f"{KIND_PREFIXES['role']}{_seg(name)}")


def tag(key: str, value: str | None = None) -> NamedNode:
    """The skos:Concept of a tag; ``key`` alone when the value is empty or 'true'."""
    if value in (None, "", "true", "True"):
        return NamedNode(f"{KIND_PREFIXES['tag']}{_seg(key)}")
    return NamedNode(f"{KIND_PREFIXES['tag']}{_seg(key)}/{_seg(value)}")


def datasource(name: str) -> NamedNode:
    """The dcat:DataService of a ``dataSource`` facet."""
    return NamedNode(f"{KIND_PREFIXES['datasource']}{_seg(name)}")


def qualified(kind: str, *parts: str) -> NamedNode:
    """A qualified-relation node (prov:Association, prov:Attribution, prov:Derivation…),
    named by a digest of what it relates so that repeating the fact repeats the IRI."""
    return NamedNode(f"{KIND_PREFIXES['qualified']}{kind}/{_digest(*parts)}")


def batch_graph(sha256: str) -> NamedNode:
    """The named graph (and prov:Bundle) of one ingested batch, named by its bytes' sha256."""
    return NamedNode(f"{KIND_PREFIXES['batch']}{sha256}")


def is_batch_graph(graph) -> bool:
    """Whether ``graph`` (a quad's graph name) is the named graph of an ingested batch."""
    return isinstance(graph, NamedNode) and graph.value.startswith(KIND_PREFIXES["batch"])


CATALOG_GRAPH = NamedNode(GRAPH_BASE + "catalog")
#: The vocabulary graph (DPV terms; see governance.py) and the stored validation report.
VOCABULARY_GRAPH = NamedNode(GRAPH_BASE + "vocabulary")
REPORT_GRAPH = NamedNode(GRAPH_BASE + "validation-report")


def derived_graph(entity: NamedNode) -> NamedNode:
    """The named graph holding the facts derived for one dataset or run (see derive.py)."""
    return NamedNode(f"{KIND_PREFIXES['derived']}{_digest(entity.value)}")
