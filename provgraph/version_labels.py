"""The readable name of what a run read, derived with the facts of the dataset read (MAPPING.md,
"Versions and which one a run read"), so that listing a run's inputs looks one fact up instead
of joining each input to its dataset, name, version name and generation time.

``X pg:versionLabel L`` for each ``X`` some run read (``R pg:usedVersion X``):

* a version: its dataset's ``pg:name``, then ``@`` and its ``dcat:version``; else `` generated ``
  and its ``prov:generatedAtTime`` (the xsd:dateTime in Oxigraph's canonical form, as SPARQL's
  ``STR`` gives it: ``2025-01-06T04:14:03.3Z``); else `` (no version known)``;
* the persistent dataset (read when no version is known): its ``pg:name``, then
  `` (no version known)``.

One label per combination of the values stated (a name, a version name or a time), as the
canned queries built them before. A version's names and stated times come from the store (the
batch is written before derive runs); its derived generation time from derive itself, since the
store still holds the previous one while derive recomputes it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from pyoxigraph import DefaultGraph, Literal, NamedNode

from . import ids
from .importers.fields import xsd_datetime
from .store import LineageStore
from .vocab import DCAT, PG, PROV, RDF_TYPE

VERSION_LABEL = str(PG.versionLabel)
_VIEW = DefaultGraph()


def canonical_time(moment: datetime) -> str:
    """The xsd:dateTime lexical form Oxigraph stores and ``STR`` returns: UTC with ``Z``, the
    fraction of a second without trailing zeros, none when whole."""
    text = xsd_datetime(moment)[:-1]
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + "Z"


class VersionLabels:
    """Reads what the labels are made of. ``bulk`` (a large ingest): each predicate is read once
    for the whole store; otherwise each node is looked up in the indexes when first asked for."""

    def __init__(self, store: LineageStore, bulk: bool):
        self.quads = store.oxigraph.quads_for_pattern
        self.bulk = bulk
        self._names: dict[str, list[str]] = {}
        self._version_names: dict[str, list[str]] | None = None
        self._stated_times: dict[str, list[str]] | None = None
        if bulk:
            self._version_names = defaultdict(list)
            for quad in self.quads(None, DCAT.version, None, _VIEW):
                self._version_names[str(quad.subject)].append(quad.object.value)
            # A generation time stated by a batch (DataHub's model date); derived ones are derive's.
            self._stated_times = defaultdict(list)
            for bundle in self.quads(None, RDF_TYPE, PROV.Bundle, ids.CATALOG_GRAPH):
                for quad in self.quads(None, PROV.generatedAtTime, None, bundle.subject):
                    self._stated_times[str(quad.subject)].append(quad.object.value)

    def facts(self, dataset: str, read: str, derived_time: datetime | None) -> list[str]:
        """The ``pg:versionLabel`` triples (N-Triples, no final dot) of ``read``, the version of
        ``dataset`` a run read or ``dataset`` itself (IRIs in ``<…>`` form)."""
        names = self._dataset_names(dataset)
        if read == dataset:
            if not names or not self._is_dataset(dataset):
                return []
            suffixes = [" (no version known)"]
        else:
            versions = self._values(self._version_names, read, DCAT.version)
            if versions:
                suffixes = [f"@{v}" for v in versions]
            else:
                times = set(self._stated(read))
                if derived_time is not None:
                    times.add(canonical_time(derived_time))
                suffixes = [f" generated {t}" for t in times] or [" (no version known)"]
        labels = sorted({name + suffix for name in names for suffix in suffixes})
        return [f"{read} {VERSION_LABEL} {Literal(label)}" for label in labels]

    def _dataset_names(self, dataset: str) -> list[str]:
        found = self._names.get(dataset)
        if found is None:
            found = self._names[dataset] = sorted({q.object.value for q in self.quads(_node(dataset), PG.name, None, _VIEW)})
        return found

    def _is_dataset(self, dataset: str) -> bool:
        return next(iter(self.quads(_node(dataset), RDF_TYPE, DCAT.Dataset, _VIEW)), None) is not None

    def _values(self, cache: dict | None, node: str, predicate) -> list[str]:
        if cache is not None:
            return sorted(set(cache.get(node, ())))
        return sorted({q.object.value for q in self.quads(_node(node), predicate, None, _VIEW)})

    def _stated(self, version: str) -> list[str]:
        if self._stated_times is not None:
            return self._stated_times.get(version, [])
        return [q.object.value for q in self.quads(_node(version), PROV.generatedAtTime, None, None)
                if ids.is_batch_graph(q.graph_name)]


def _node(iri: str) -> NamedNode:
    return NamedNode(iri[1:-1])
