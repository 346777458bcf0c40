"""DataHub importer: MCE and MCP metadata files (what DataHub's ``file`` sink writes) → the same
PROV-O graph the OpenLineage importer writes (ontology/MAPPING.md, "DataHub").

A file is a JSON array (or one object) of records: MCE records (``proposedSnapshot``, aspects
keyed by ``com.linkedin.pegasus2avro.*`` class names) and MCP records (``entityUrn``,
``aspectName``, ``aspect`` as ``{"json": …}`` or as ``{"value": "<JSON text>"}``). Each record is
split into ``(URN, aspect name, value)`` items; for a versioned aspect the last UPSERT of a URN
wins (DataHub's semantics), timeseries aspects (run events, profiles, operations) all count, and
PATCH records (JSON Patch lists) are read as the partial aspect they add. Each item is then
mapped by its handler in :mod:`.datahub_aspects`; an item with a problem rejects its record.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..errors import InputRejected, RecordProblem
from ..sources import Source, parse_json_records
from . import datahub_urns as urns
from .datahub_aspects import HANDLERS, TIMESERIES, AspectContext
from .fields import RecordReader
from .openlineage import MappedBatch
from .triples import TripleSink

NAME = "datahub"
_MCE_PREFIX = "com.linkedin.pegasus2avro."
#: MCE aspect classes whose aspect name is not the lower-camel class name.
_ASPECT_RENAMES = {
    "TrainingData": "mlModelTrainingData", "EvaluationData": "mlModelEvaluationData", "Metrics": "mlModelMetrics",
    "EthicalConsiderations": "mlModelEthicalConsiderations", "CaveatsAndRecommendations": "mlModelCaveatsAndRecommendations",
    "QuantitativeAnalyses": "mlModelQuantitativeAnalyses", "SourceCode": "sourceCode", "Cost": "cost",
}
#: Union branches of Avro-encoded MCEs that wrap an optional primitive (``{"string": "x"}``).
#: Record-level keys: a problem there is named by its own path, not inside the aspect.
_ENVELOPE = {"entityUrn", "entityType", "aspectName", "changeType", "aspect", "proposedSnapshot", "systemMetadata", "bucket"}
_PRIMITIVE_BRANCHES = {"string", "int", "long", "float", "double", "boolean", "bytes", "array", "map"}


@dataclass
class AspectItem:
    """One aspect of one entity, as one record carried it."""

    index: int
    urn: str
    entity_type: str
    aspect: str
    change: str
    value: dict
    system: dict | None


class DatahubReader(RecordReader):
    """A :class:`RecordReader` whose problems name the entity URN and the aspect as well."""

    def __init__(self, source: str, index: int | None, urn: str | None, aspect: str | None):
        super().__init__(source, index)
        self.urn, self.aspect = urn, aspect

    def _say(self, path: str, message: str) -> tuple[str, str]:
        if path.split(".", 1)[0].split("[", 1)[0] in _ENVELOPE:
            where, about = path, ", ".join(f"{k} {v}" for k, v in (("entity", self.urn), ("aspect", self.aspect)) if v)
        else:
            where = f"{self.aspect}.{path}" if self.aspect and path else (self.aspect or path)
            about = f"entity {self.urn}" if self.urn else ""
        return where, f"{message} ({about})" if about else message

    def fail(self, path: str, message: str) -> None:
        super().fail(*self._say(path, message))

    def warn(self, path: str, message: str) -> None:
        super().warn(*self._say(path, message))


def looks_like(record: object) -> bool:
    """True for a DataHub MCE (``proposedSnapshot``) or MCP (``entityUrn``/``entityType`` with
    ``aspectName``/``aspect``) record."""
    return isinstance(record, dict) and ("proposedSnapshot" in record or (
        ("entityUrn" in record or "entityType" in record) and ("aspectName" in record or "aspect" in record)))


def import_source(source: Source, namespaces: urns.NamespaceMap | None = None) -> MappedBatch:
    """Map every record of ``source`` (a DataHub MCE/MCP JSON file). ``namespaces`` says how
    dataset URNs map onto OpenLineage namespaces (default: ``$PROVGRAPH_DATAHUB_NAMESPACES``).

    Returns a :class:`MappedBatch`; ``unmapped_facets`` counts the aspects not mapped, as
    ``aspect.<aspectName>``. A record with a problem contributes no triples and is listed in
    ``rejected`` with file, record index, aspect path and entity URN. Raises
    :class:`InputRejected` when the namespace configuration cannot be read."""
    if namespaces is None:
        try:
            namespaces = urns.NamespaceMap.from_env()
        except (OSError, ValueError, AttributeError, TypeError) as exc:
            raise InputRejected([RecordProblem(f"${urns.NAMESPACES_ENV}", None, None,
                                               f"unreadable DataHub namespace configuration: {exc}")]) from None
    batch = MappedBatch(source=source, importer=NAME)
    records, problems = parse_json_records(source)
    batch.rejected.extend(problems)
    batch.records = len(records) + sum(1 for p in problems if p.record is not None)
    items: list[AspectItem] = []
    bad_records: set[int] = set()
    for index, record in records:
        reader = DatahubReader(source.name, index, None, None)
        items.extend(_split_record(record, index, reader))
        batch.rejected.extend(reader.problems)
        batch.warnings.extend(reader.warnings)
        if reader.problems:
            bad_records.add(index)
    latest = {(i.urn, i.aspect): i.index for i in items if i.change == "UPSERT" and i.aspect not in TIMESERIES}
    aspects = {key: i.value for i in items if (key := (i.urn, i.aspect)) in latest and latest[key] == i.index}
    # Timeseries aspects are looked up only for their presence (a run with run events).
    aspects.update({(i.urn, i.aspect): i.value for i in items if i.aspect in TIMESERIES})
    sinks: dict[int, TripleSink] = {index: TripleSink() for index, _ in records}
    touched: dict[int, tuple[set, set]] = {index: (set(), set()) for index, _ in records}
    for item in items:
        handler = HANDLERS.get(item.aspect)
        if handler is None:
            batch.unmapped_facets[f"aspect.{item.aspect}"] += 1
            continue
        superseded = item.change == "UPSERT" and item.aspect not in TIMESERIES and latest[(item.urn, item.aspect)] != item.index
        reader = DatahubReader(source.name, item.index, item.urn, item.aspect)
        sink = TripleSink() if superseded else sinks[item.index]
        runs, datasets = touched[item.index]
        ctx = AspectContext(reader, sink, item.urn, item.entity_type, item.aspect, item.system, namespaces, aspects, runs, datasets, item.change)
        try:
            if handler(ctx, item.value) is False:
                batch.unmapped_facets[f"aspect.{item.aspect}"] += 1
        except urns.UrnError as exc:
            reader.fail("", str(exc))
        batch.warnings.extend(reader.warnings)
        if reader.problems:
            batch.rejected.extend(reader.problems)
            bad_records.add(item.index)
    for index, _ in records:
        if index in bad_records:
            continue
        batch.accepted += 1
        batch.triples.extend(sinks[index].triples)
        batch.runs.update(touched[index][0])
        batch.datasets.update(touched[index][1])
    return batch


def _split_record(record: object, index: int, r: DatahubReader) -> list[AspectItem]:
    if not isinstance(record, dict):
        r.fail("", "not a DataHub record (expected a JSON object)")
        return []
    if "proposedSnapshot" in record:
        return _split_mce(record, index, r)
    if "bucket" in record and "aspect" not in record:
        r.warn("bucket", "usage aggregation record (legacy); not mapped")
        return []
    urn = r.string(record, "entityUrn", "entityUrn", required=True)
    aspect = r.string(record, "aspectName", "aspectName", required=True)
    change = (r.string(record, "changeType", "changeType") or "UPSERT").upper()
    if urn is None or aspect is None:
        return []
    r.urn, r.aspect = urn, aspect
    try:
        parsed = urns.parse(urn)
    except urns.UrnError as exc:
        r.fail("entityUrn", str(exc))
        return []
    entity_type = record.get("entityType") if isinstance(record.get("entityType"), str) else parsed.entity_type
    system = record.get("systemMetadata") if isinstance(record.get("systemMetadata"), dict) else None
    if change == "DELETE":
        r.warn("changeType", "DELETE proposals are not mapped (history is kept; use status.removed)")
        return []
    body = r.obj(record, "aspect", "aspect", required=True)
    if body is None:
        return []
    if "json" in body:
        value = body["json"]
    elif "value" in body:
        try:
            value = json.loads(body["value"]) if isinstance(body["value"], str) else None
        except json.JSONDecodeError as exc:
            r.fail("aspect.value", f"not JSON text: {exc.msg}")
            return []
        if value is None:
            r.fail("aspect.value", "expected a JSON string")
            return []
    else:
        r.fail("aspect", "expected 'json' or 'value'")
        return []
    if change == "PATCH":
        if not isinstance(value, list):
            r.fail("aspect.json", "a PATCH proposal needs a JSON Patch list")
            return []
        value = _apply_patch(value, r)
    elif change not in ("UPSERT", "CREATE", "CREATE_ENTITY", "UPDATE"):
        r.fail("changeType", f"unknown change type {change!r}")
        return []
    if not isinstance(value, dict):
        r.fail("aspect", "expected an aspect object")
        return []
    return [AspectItem(index, urn, entity_type, aspect, "PATCH" if change == "PATCH" else "UPSERT", _unwrap(value), system)]


def _split_mce(record: dict, index: int, r: DatahubReader) -> list[AspectItem]:
    snapshot = r.obj(record, "proposedSnapshot", "proposedSnapshot", required=True)
    if not snapshot or len(snapshot) != 1:
        r.fail("proposedSnapshot", "expected one snapshot keyed by its class name")
        return []
    (kind, body), = snapshot.items()
    if not isinstance(body, dict):
        r.fail(f"proposedSnapshot.{kind}", "expected an object")
        return []
    urn = r.string(body, "urn", "proposedSnapshot.urn", required=True)
    if urn is None:
        return []
    r.urn = urn
    try:
        parsed = urns.parse(urn)
    except urns.UrnError as exc:
        r.fail("proposedSnapshot.urn", str(exc))
        return []
    system = record.get("systemMetadata") if isinstance(record.get("systemMetadata"), dict) else None
    items = []
    for path, wrapper in r.objects(body, "aspects", "proposedSnapshot.aspects"):
        if len(wrapper) != 1:
            r.fail(path, "expected one aspect keyed by its class name")
            continue
        (cls, value), = wrapper.items()
        if not isinstance(value, dict):
            r.fail(f"{path}.{cls}", "expected an aspect object")
            continue
        items.append(AspectItem(index, urn, parsed.entity_type, aspect_name(cls), "UPSERT", _unwrap(value), system))
    return items


def aspect_name(class_name: str) -> str:
    """The aspect name of an MCE aspect class (``com.linkedin.pegasus2avro.dataset.UpstreamLineage``
    → ``upstreamLineage``, ``…ml.metadata.MLModelProperties`` → ``mlModelProperties``,
    ``…TrainingData`` → ``mlModelTrainingData``)."""
    simple = class_name.rsplit(".", 1)[-1]
    if simple in _ASPECT_RENAMES:
        return _ASPECT_RENAMES[simple]
    caps = re.match(r"[A-Z]+", simple)
    run_len = len(caps.group(0)) if caps else 0
    if run_len > 1 and run_len < len(simple):
        return simple[:run_len - 1].lower() + simple[run_len - 1:]
    return simple[:1].lower() + simple[1:]


def _unwrap(value):
    """Drop Avro union wrappers of optional primitives: ``{"string": "x"}`` → ``"x"``."""
    if isinstance(value, dict):
        if len(value) == 1:
            (key, inner), = value.items()
            if key in _PRIMITIVE_BRANCHES:
                return _unwrap(inner)
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


_FINE_GRAINED = re.compile(r"^/fineGrainedLineages/([^/]+)/(urn:li:schemaField:.+?)/(NONE|urn:li:query:[^/]+)/(urn:li:schemaField:.+)$")


def _apply_patch(operations: list, r: DatahubReader) -> dict:
    """The partial aspect a JSON Patch list adds. ``add`` of ``/<list>/<key>`` appends its value,
    ``/customProperties/<key>`` sets a property, ``/<field>`` sets a field, and DataHub's
    fine-grained lineage encoding ``/fineGrainedLineages/<transformOperation|NONE>/<downstream
    schemaField>/<query URN|NONE>/<upstream schemaField>`` becomes one fineGrainedLineages entry.
    Other operations are warnings and add nothing."""
    partial: dict = {}
    for i, op in enumerate(operations):
        where = f"aspect.json[{i}]"
        if not isinstance(op, dict) or not isinstance(op.get("path"), str):
            r.fail(where, "expected a JSON Patch operation with a path")
            continue
        path = op["path"].replace("~1", "/").replace("~0", "~")
        if op.get("op") != "add":
            r.warn(f"{where}.op", f"JSON Patch {op.get('op')!r} on {path!r} is not applied (only 'add' is)")
            continue
        fine = _FINE_GRAINED.match(path)
        segments = path.lstrip("/").split("/", 1)
        if fine:
            transform, downstream, query, upstream = fine.groups()
            entry = {"upstreamType": "FIELD_SET", "downstreamType": "FIELD", "upstreams": [upstream], "downstreams": [downstream]}
            if transform != "NONE":
                entry["transformOperation"] = transform
            if query != "NONE":
                entry["query"] = query
            if isinstance(op.get("value"), dict) and "confidenceScore" in op["value"]:
                entry["confidenceScore"] = op["value"]["confidenceScore"]
            partial.setdefault("fineGrainedLineages", []).append(entry)
        elif segments[0] == "customProperties" and len(segments) == 2:
            partial.setdefault("customProperties", {})[segments[1]] = op.get("value")
        elif len(segments) == 2 and isinstance(op.get("value"), dict):
            partial.setdefault(segments[0], []).append(op["value"])
        elif len(segments) == 1 and segments[0]:
            partial[segments[0]] = op.get("value")
        else:
            r.warn(f"{where}.path", f"JSON Patch path {path!r} is not one the importer knows; not applied")
    return partial


__all__ = ["NAME", "looks_like", "import_source", "aspect_name"]
