"""OpenLineage importer: RunEvent, DatasetEvent and JobEvent (spec 2-0-2, and older events as
far as their fields exist) → the raw PROV-O triples of one batch.

The mapping is documented in ontology/MAPPING.md. What depends on more than one event — a run's
start, end and final state, which version each input read, the revision chain — is computed
afterwards over the whole store by :mod:`provgraph.derive`, so that events may arrive in any
order and in any number of files.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterator

from pyoxigraph import NamedNode, Triple

from .. import ids
from ..errors import RecordProblem
from ..sources import Source, parse_json_records, stream_records
from ..vocab import DCAT, DCTERMS, MLS, PG, PROV, RDFS, RUN_STATES
from .fields import RecordReader, xsd_datetime
from .lineage_facts import LineageFacts
from .memo import Memo, fingerprint
from .openlineage_facets import (
    DATASET_FACETS,
    INPUT_FACETS,
    JOB_FACETS,
    OUTPUT_FACETS,
    RUN_FACETS,
    FacetContext,
    associate,
    declare_dataset,
    declare_field,
    declare_job,
)
from .triples import TripleBuffer, TripleSink

NAME = "openlineage"
LIFECYCLE_CHANGES = ("ALTER", "CREATE", "DROP", "OVERWRITE", "RENAME", "TRUNCATE")
#: Facet keys the importer reads itself rather than through a facet table.
_OWN_DATASET_FACETS = {"version", "columnLineage", "lifecycleStateChange"}
#: Job facets whose triples also describe the run (so their mapping cannot be reused across runs).
_RUN_DEPENDENT_JOB_FACETS = {"sourceCodeLocation"}


@dataclass
class MappedBatch:
    """What an importer made of one source.

    ``triples`` are the raw facts of the accepted records; ``runs`` and ``datasets`` the IRIs
    they touch (for :mod:`provgraph.derive`); ``rejected`` the problems of refused records and
    ``warnings`` what was accepted with a remark; ``unmapped_facets`` counts facets kept only as
    a count, by facet key.
    """

    source: Source
    importer: str
    records: int = 0
    accepted: int = 0
    triples: TripleBuffer = field(default_factory=TripleBuffer)
    runs: set[NamedNode] = field(default_factory=set)
    datasets: set[NamedNode] = field(default_factory=set)
    rejected: list[RecordProblem] = field(default_factory=list)
    warnings: list[RecordProblem] = field(default_factory=list)
    unmapped_facets: Counter = field(default_factory=Counter)
    #: What derive needs from these records, when the importer keeps it (OpenLineage); None
    #: makes derive read the store for every run and dataset of the batch.
    facts: LineageFacts | None = None


def looks_like(record: object) -> bool:
    """True when a JSON record has the shape of an OpenLineage event (used for auto-detection)."""
    return isinstance(record, dict) and any(k in record for k in ("run", "job", "dataset", "eventTime", "eventType"))


def import_source(source: Source) -> MappedBatch:
    """Map every record of ``source`` (one event, a JSON array or NDJSON of events).

    Returns a :class:`MappedBatch`; records with problems contribute no triples and are listed in
    ``rejected`` — the caller decides whether that rejects the batch (the default) or only those
    records (``--skip-invalid``).
    """
    batch = MappedBatch(source=source, importer=NAME, facts=LineageFacts())
    records, problems = parse_json_records(source)
    batch.rejected.extend(problems)
    batch.records = len(records) + sum(1 for p in problems if p.record is not None)
    memo = Memo()
    for index, record in records:
        _map_record(batch, index, record, memo)
    return batch


def import_stream(source: Source, chunk_records: int = 20_000) -> Iterator[MappedBatch]:
    """Map a streamed NDJSON source (:func:`provgraph.sources.file_source`) in parts of
    ``chunk_records`` records, so that memory does not grow with the file. Each part is a
    :class:`MappedBatch` of its own records (counts, triples, problems); together they are what
    :func:`import_source` gives for the whole file."""
    memo = Memo()
    batch = MappedBatch(source=source, importer=NAME, facts=LineageFacts())
    for item in stream_records(source):
        if isinstance(item, RecordProblem):
            batch.rejected.append(item)
            batch.records += item.record is not None
            continue
        batch.records += 1
        _map_record(batch, item[0], item[1], memo)
        if batch.records >= chunk_records:
            yield batch
            batch = MappedBatch(source=source, importer=NAME, facts=LineageFacts())
    yield batch


def _map_record(batch: MappedBatch, index: int, record: object, memo: Memo) -> None:
    reader = RecordReader(batch.source.name, index)
    sink = TripleSink()
    touched = _map_event(record, reader, sink, batch.unmapped_facets, memo)
    batch.warnings.extend(reader.warnings)
    if reader.problems:
        batch.rejected.extend(reader.problems)
        memo.reject()
        return
    memo.accept()
    batch.accepted += 1
    batch.triples.extend(sink.triples)
    if sink.facts:
        batch.facts.add(sink.facts)
    batch.runs.update(touched[0])
    batch.datasets.update(touched[1])


def _map_event(record: object, r: RecordReader, out: TripleSink, unmapped: Counter, memo: Memo | None = None) -> tuple[set, set]:
    runs: set[NamedNode] = set()
    datasets: set[NamedNode] = set()
    if not isinstance(record, dict):
        r.fail("", "not an OpenLineage event (expected a JSON object)")
        return runs, datasets
    if not any(k in record for k in ("run", "job", "dataset")):
        keys = ", ".join(sorted(record)[:6])
        r.fail("", f"not an OpenLineage event: it has none of run, job or dataset (its keys: {keys})")
        return runs, datasets
    event_time = r.timestamp(record, "eventTime", "eventTime", required=True)
    producer_url = r.string(record, "producer", "producer")
    if producer_url is None:
        r.warn("producer", "missing; the run gets no producer agent")
    if "schemaURL" not in record:
        r.warn("schemaURL", "missing (tolerated, as Marquez does)")
    else:
        r.string(record, "schemaURL", "schemaURL")
    producer = None
    if producer_url:
        producer = ids.producer(producer_url)
        out.types(producer, PROV.Agent, PROV.SoftwareAgent)
        out.text(producer, RDFS.label, producer_url)
        out.text(producer, DCTERMS.identifier, producer_url)

    if "run" in record:
        _map_run_event(record, r, out, unmapped, event_time, producer, runs, datasets, memo)
    elif "dataset" in record:
        dataset_block = r.obj(record, "dataset", "dataset", required=True)
        if dataset_block is not None:
            datasets.add(_map_dataset(dataset_block, "dataset", r, out, unmapped, run=None, run_id=None, memo=memo))
    else:
        job = _map_job(record, r, out, unmapped, run=None, memo=memo)
        if job is not None:
            for path, item in r.objects(record, "inputs", "inputs"):
                d = _map_dataset(item, path, r, out, unmapped, run=None, run_id=None, memo=memo)
                datasets.add(d)
                out.add(job, PG.plannedInput, d)
            for path, item in r.objects(record, "outputs", "outputs"):
                d = _map_dataset(item, path, r, out, unmapped, run=None, run_id=None, memo=memo)
                datasets.add(d)
                out.add(job, PG.plannedOutput, d)
    return runs, datasets


def _map_run_event(record, r, out, unmapped, event_time, producer, runs, datasets, memo=None) -> None:
    event_type = r.string(record, "eventType", "eventType") or "OTHER"
    if event_type not in RUN_STATES:
        r.fail("eventType", f"unknown value {event_type!r}; expected one of {', '.join(RUN_STATES)}")
    run_block = r.obj(record, "run", "run", required=True) or {}
    run_id = r.uuid(run_block, "runId", "run.runId")
    job = _map_job(record, r, out, unmapped, run=ids.run(run_id) if run_id else None, memo=memo)
    if not run_id or job is None or event_time is None or event_type not in RUN_STATES:
        return
    run = ids.run(run_id)
    runs.add(run)
    run_key = str(run)
    out.facts.event(run_key, event_time, event_type)
    out.types(run, PROV.Activity, PG.Run)
    out.text(run, PG.runId, run_id.lower())
    associate(out, run, job, producer)

    event = ids.event(run_id, event_type, xsd_datetime(event_time))
    out.types(event, PROV.Entity, PG.RunEvent)
    out.add(event, PG.run, run)
    out.add(event, PG.eventType, PG[event_type])
    out.time(event, PROV.atTime, event_time)
    out.add(event, PROV.wasAttributedTo, producer)

    _dispatch(run_block, "facets", "run.facets", "run", RUN_FACETS, run, r, out, unmapped, run, run_id)

    for path, item in r.objects(record, "inputs", "inputs"):
        dataset = _map_dataset(item, path, r, out, unmapped, run=run, run_id=run_id, memo=memo)
        datasets.add(dataset)
        out.add(run, PROV.used, dataset)
        version = _version_facet(item, path, r)
        ns, name = item.get("namespace"), item.get("name")
        pinned = None
        if version and isinstance(ns, str) and isinstance(name, str):
            pinned = ids.version_named(ns, name, version)
            _declare_version(out, pinned, dataset, version)
            out.add(run, PROV.used, pinned)
        if dataset is not None:
            out.facts.read(run_key, str(dataset), str(pinned) if pinned is not None else None)
        _dispatch(item, "inputFacets", f"{path}.inputFacets", "inputFacets", INPUT_FACETS, dataset, r, out, unmapped, run, run_id)

    for path, item in r.objects(record, "outputs", "outputs"):
        dataset = _map_dataset(item, path, r, out, unmapped, run=run, run_id=run_id, memo=memo)
        datasets.add(dataset)
        ns, name = item.get("namespace"), item.get("name")
        if not (isinstance(ns, str) and isinstance(name, str)):
            continue
        facets = item.get("facets") if isinstance(item.get("facets"), dict) else {}
        change = _lifecycle(facets, f"{path}.facets", r)
        if change == "DROP":
            out.add(dataset, PG.droppedBy, run)
            if dataset is not None:
                out.facts.dropped(run_key, str(dataset))
            continue
        version = _version_facet(item, path, r)
        generated = ids.version_named(ns, name, version) if version else ids.version_of_run(ns, name, run_id)
        _declare_version(out, generated, dataset, version)
        out.add(generated, PROV.wasGeneratedBy, run)
        out.text(generated, PG.lifecycleStateChange, change)
        if dataset is not None:
            out.facts.generated(run_key, str(generated), str(dataset), change or None)
        declared_type = facets.get("datasetType")
        if isinstance(declared_type, dict) and str(declared_type.get("datasetType", "")).upper() == "MODEL":
            out.types(generated, MLS.Model)
        _column_lineage(facets, f"{path}.facets", r, out, run, dataset, ns, name, memo)
        _dispatch(item, "outputFacets", f"{path}.outputFacets", "outputFacets", OUTPUT_FACETS, generated, r, out, unmapped, run, run_id)


def _dispatch(holder: dict, key: str, path: str, label: str, handlers: dict, subject: NamedNode,
              r: RecordReader, out, unmapped: Counter, run: NamedNode, run_id: str) -> None:
    """Hand each facet under ``holder[key]`` to its handler in ``handlers``; count the others as
    ``<label>.<facet key>`` in the ingest summary."""
    for facet_key, facet, facet_path in _facets(holder, key, path, r):
        handler = handlers.get(facet_key)
        if handler is None:
            unmapped[f"{label}.{facet_key}"] += 1
        else:
            handler(FacetContext(r, out, subject, facet_path, run=run, run_id=run_id), facet)


def _map_job(record, r, out, unmapped, run: NamedNode | None, memo: Memo | None = None) -> NamedNode | None:
    job_block = r.obj(record, "job", "job", required=True)
    if job_block is None:
        return None
    namespace = r.string(job_block, "namespace", "job.namespace", required=True)
    name = r.string(job_block, "name", "job.name", required=True)
    if not (namespace and name):
        return None
    job = ids.job(namespace, name)

    def compute(sink: TripleSink, counts: Counter) -> None:
        declare_job(sink, job, namespace, name)
        for key, facet, path in _facets(job_block, "facets", "job.facets", r):
            handler = JOB_FACETS.get(key)
            if handler is None:
                counts[f"job.{key}"] += 1
                continue
            handler(FacetContext(r, sink, job, path, run=run), facet)

    facets = job_block.get("facets")
    if memo is None or run is not None and isinstance(facets, dict) and any(k in _RUN_DEPENDENT_JOB_FACETS for k in facets):
        compute(out, unmapped)
    else:
        memo.run(("job", namespace, name, fingerprint(facets)), r, out, unmapped, compute)
    return job


def _map_dataset(item: dict, path: str, r, out, unmapped, run, run_id, memo: Memo | None = None) -> NamedNode | None:
    namespace = r.string(item, "namespace", f"{path}.namespace", required=True)
    name = r.string(item, "name", f"{path}.name", required=True)
    if not (namespace and name):
        return None
    dataset = ids.dataset(namespace, name)

    def compute(sink: TripleSink, counts: Counter) -> None:
        declare_dataset(sink, dataset, namespace, name)
        for key, facet, fpath in _facets(item, "facets", f"{path}.facets", r):
            handler = DATASET_FACETS.get(key)
            if handler is not None:
                handler(FacetContext(r, sink, dataset, fpath, run=run, run_id=run_id, namespace=namespace, name=name), facet)
            elif key not in _OWN_DATASET_FACETS:
                counts[f"dataset.{key}"] += 1

    facets = item.get("facets")
    if memo is None:
        compute(out, unmapped)
    else:
        # The dataset facets describe the persistent dataset, not the run: the run is not part of the key.
        described = {k: v for k, v in facets.items() if k not in _OWN_DATASET_FACETS} if isinstance(facets, dict) else facets
        memo.run(("dataset", namespace, name, fingerprint(described)), r, out, unmapped, compute)
    return dataset


def _facets(holder: dict, key: str, path: str, r: RecordReader):
    """``(facet key, facet object, path)`` for each facet; a facet that is not an object is a
    problem, and a facet marked ``_deleted`` is skipped."""
    block = r.obj(holder, key, path, required=False)
    if not block:
        return []
    found = []
    for facet_key, facet in block.items():
        if not isinstance(facet, dict):
            r.fail(f"{path}.{facet_key}", "expected a facet object")
        elif not facet.get("_deleted"):
            found.append((facet_key, facet, f"{path}.{facet_key}"))
    return found


def _version_facet(item: dict, path: str, r: RecordReader) -> str | None:
    """``version`` (DatasetVersionDatasetFacet 1-0-1): the producer's own version name."""
    facets = item.get("facets")
    if not isinstance(facets, dict) or not isinstance(facets.get("version"), dict):
        return None
    return r.string(facets["version"], "datasetVersion", f"{path}.facets.version.datasetVersion", required=True)


def _lifecycle(facets: dict, path: str, r: RecordReader) -> str | None:
    """``lifecycleStateChange`` (LifecycleStateChangeDatasetFacet 1-0-1)."""
    facet = facets.get("lifecycleStateChange")
    if not isinstance(facet, dict):
        return None
    change = r.string(facet, "lifecycleStateChange", f"{path}.lifecycleStateChange.lifecycleStateChange", required=True)
    if change and change not in LIFECYCLE_CHANGES:
        r.fail(f"{path}.lifecycleStateChange.lifecycleStateChange", f"unknown value {change!r}; expected one of {', '.join(LIFECYCLE_CHANGES)}")
        return None
    return change


def _declare_version(out: TripleSink, version: NamedNode, dataset: NamedNode, name: str | None) -> None:
    out.types(version, PROV.Entity, PG.DatasetVersion)
    out.add(version, PROV.specializationOf, dataset)
    out.add(version, DCAT.isVersionOf, dataset)
    out.text(version, DCAT.version, name)


def _column_lineage(facets: dict, path: str, r: RecordReader, out: TripleSink, run: NamedNode,
                    dataset: NamedNode, namespace: str, name: str, memo: Memo | None = None) -> None:
    """``columnLineage`` (ColumnLineageDatasetFacet 1-0-x … 1-2-0): each output field
    ``prov:wasDerivedFrom`` each input field, with a qualified prov:Derivation carrying the
    run, transformation type and subtype, description and the ``masking`` flag."""
    facet = facets.get("columnLineage")
    if not isinstance(facet, dict):
        return

    def compute(sink: TripleSink, counts: Counter) -> tuple:
        # The fields and their derivations are the same in every run of a job; only the
        # qualified prov:Derivation nodes name the run, so they are made per run below.
        cl_path = f"{path}.columnLineage"
        plan = []
        fields = r.obj(facet, "fields", f"{cl_path}.fields", required=True) or {}
        for out_field, spec in fields.items():
            spec_path = f"{cl_path}.fields.{out_field}"
            if not isinstance(spec, dict):
                r.fail(spec_path, "expected an object")
                continue
            target = ids.field(namespace, name, out_field)
            declare_field(sink, dataset, target, out_field)
            legacy = (r.string(spec, "transformationType", f"{spec_path}.transformationType"),
                      r.string(spec, "transformationDescription", f"{spec_path}.transformationDescription"))
            for in_path, source in r.objects(spec, "inputFields", f"{spec_path}.inputFields", required=True):
                plan.append(_field_source(source, in_path, r, sink, target, legacy, qualify_only=False))
        for in_path, source in r.objects(facet, "dataset", f"{cl_path}.dataset"):
            plan.append(_field_source(source, in_path, r, sink, dataset, (None, None), qualify_only=True))
        return tuple(p for p in plan if p is not None)

    if memo is None:
        plan = compute(out, Counter())
    else:
        plan = memo.run(("columnLineage", namespace, name, fingerprint(facet)), r, out, Counter(), compute)
    for target, origin, steps in plan:
        _derivations(out, run, target, origin, steps)


def _field_source(source: dict, path: str, r: RecordReader, out: TripleSink, target: NamedNode,
                  legacy: tuple, qualify_only: bool) -> tuple | None:
    """The input field of one derivation: declared, linked to ``target`` by prov:wasDerivedFrom
    (unless ``qualify_only``); returns ``(target, origin, transformation steps)``."""
    ns = r.string(source, "namespace", f"{path}.namespace", required=True)
    name = r.string(source, "name", f"{path}.name", required=True)
    column = r.string(source, "field", f"{path}.field", required=True)
    if not (ns and name and column):
        return None
    input_dataset = ids.dataset(ns, name)
    declare_dataset(out, input_dataset, ns, name)
    origin = ids.field(ns, name, column)
    declare_field(out, input_dataset, origin, column)
    if not qualify_only:
        out.add(target, PROV.wasDerivedFrom, origin)
    transformations = r.objects(source, "transformations", f"{path}.transformations")
    steps = [(r.string(t, "type", f"{p}.type", required=True), r.string(t, "subtype", f"{p}.subtype"),
              r.string(t, "description", f"{p}.description"), r.boolean(t, "masking", f"{p}.masking"))
             for p, t in transformations] or [(legacy[0], None, legacy[1], None)]
    return target, origin, tuple(steps)


def _derivations(out: TripleSink, run: NamedNode, target: NamedNode, origin: NamedNode, steps: tuple) -> None:
    for kind, subtype, description, masking in steps:
        derivation = ids.qualified("derivation", target.value, origin.value, run.value, kind or "", subtype or "")
        out.types(derivation, PROV.Derivation)
        out.add(derivation, PROV.entity, origin)
        out.add(derivation, PROV.hadActivity, run)
        out.text(derivation, PG.transformationType, kind)
        out.text(derivation, PG.transformationSubtype, subtype)
        out.text(derivation, DCTERMS.description, description)
        out.boolean(derivation, PG.masking, masking)
        out.add(target, PROV.qualifiedDerivation, derivation)
