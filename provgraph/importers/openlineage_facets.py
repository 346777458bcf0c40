"""OpenLineage facets → PROV-O triples (ontology/MAPPING.md, "Facets").

Each handler reads one facet through a :class:`RecordReader` (so a malformed facet becomes a
problem that rejects its event: silently dropping governance facts is worse than refusing them)
and writes its triples to a :class:`TripleSink`. Handlers are looked up by facet key in the
``*_FACETS`` tables; a facet key with no handler is counted in the ingest summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from pyoxigraph import NamedNode

from .. import ids
from ..vocab import DCAT, DCTERMS, MLS, PG, PROV, RDFS, SCHEMA, SKOS
from .fields import RecordReader
from .triples import TripleSink


@dataclass
class FacetContext:
    """What a facet handler is attached to: the subject the facet describes, and the run
    (when there is one) whose event carried it."""

    reader: RecordReader
    sink: TripleSink
    subject: NamedNode
    path: str
    run: NamedNode | None = None
    run_id: str | None = None
    namespace: str | None = None  # dataset namespace, for dataset facets
    name: str | None = None  # dataset name, for dataset facets


FacetHandler = Callable[[FacetContext, dict], None]


# --- shared governance facets ---------------------------------------------------------------

def ownership(ctx: FacetContext, facet: dict) -> None:
    """``ownership`` (OwnershipJobFacet / OwnershipDatasetFacet 1-0-1): each owner becomes a
    ``prov:wasAttributedTo`` with a qualified ``prov:Attribution`` carrying its role."""
    r, out = ctx.reader, ctx.sink
    for path, owner in r.objects(facet, "owners", f"{ctx.path}.owners"):
        name = r.string(owner, "name", f"{path}.name", required=True)
        kind = r.string(owner, "type", f"{path}.type")
        if not name:
            continue
        attribute(out, ctx.subject, name, kind)


def attribute(out: TripleSink, subject: NamedNode, owner: str, role: str | None) -> None:
    """``subject prov:wasAttributedTo agent`` plus the qualified attribution with ``prov:hadRole``.
    The agent's class follows the owner URN's prefix: ``user:`` a prov:Person, ``team:``/``group:``/
    ``org:`` a prov:Organization, ``application:`` a prov:SoftwareAgent, anything else a prov:Agent."""
    agent = ids.agent(owner)
    prefix = owner.split(":", 1)[0].lower() if ":" in owner else ""
    agent_class = {"user": PROV.Person, "team": PROV.Organization, "group": PROV.Organization,
                   "org": PROV.Organization, "application": PROV.SoftwareAgent}.get(prefix, PROV.Agent)
    out.types(agent, PROV.Agent, agent_class)
    out.text(agent, RDFS.label, owner)
    out.add(subject, PROV.wasAttributedTo, agent)
    role_name = role or "OWNER"
    qualified = ids.qualified("attribution", subject.value, owner, role_name)
    out.types(qualified, PROV.Attribution)
    out.add(qualified, PROV.agent, agent)
    out.add(qualified, PROV.hadRole, ids.role(role_name))
    out.types(ids.role(role_name), PROV.Role)
    out.text(ids.role(role_name), RDFS.label, role_name)
    out.add(subject, PROV.qualifiedAttribution, qualified)


def tag_subject(out: TripleSink, subject: NamedNode, key: str, value: str | None) -> None:
    """A tag as ``dcat:theme`` (a skos:Concept per key, or key/value) and ``dcat:keyword`` key."""
    concept = ids.tag(key, value)
    out.types(concept, SKOS.Concept)
    out.text(concept, PG.tagKey, key)
    label = key if concept == ids.tag(key) else f"{key}={value}"
    out.text(concept, SKOS.prefLabel, label)
    if concept != ids.tag(key):
        out.text(concept, PG.tagValue, value)
        out.add(concept, SKOS.broader, ids.tag(key))
        out.types(ids.tag(key), SKOS.Concept)
        out.text(ids.tag(key), SKOS.prefLabel, key)
        out.text(ids.tag(key), PG.tagKey, key)
    out.add(subject, DCAT.theme, concept)
    out.text(subject, DCAT.keyword, key)


def tags(ctx: FacetContext, facet: dict) -> None:
    """``tags`` (TagsDatasetFacet / TagsJobFacet / TagsRunFacet 1-0-0); a dataset tag with a
    ``field`` describes that column."""
    r = ctx.reader
    for path, tag in r.objects(facet, "tags", f"{ctx.path}.tags"):
        key = r.string(tag, "key", f"{path}.key", required=True)
        value = r.string(tag, "value", f"{path}.value")
        field = r.string(tag, "field", f"{path}.field")
        if not key:
            continue
        subject = ctx.subject
        if field and ctx.namespace is not None:
            subject = ids.field(ctx.namespace, ctx.name, field)
            declare_field(ctx.sink, ctx.subject, subject, field)
        tag_subject(ctx.sink, subject, key, value)


def documentation(ctx: FacetContext, facet: dict) -> None:
    """``documentation`` (DocumentationJobFacet / DocumentationDatasetFacet): dcterms:description."""
    ctx.sink.text(ctx.subject, DCTERMS.description, ctx.reader.string(facet, "description", f"{ctx.path}.description"))


# --- job facets ----------------------------------------------------------------------------

def sql(ctx: FacetContext, facet: dict) -> None:
    """``sql`` (SQLJobFacet 1-1-0): the query text and dialect on the job."""
    ctx.sink.text(ctx.subject, PG.sqlQuery, ctx.reader.string(facet, "query", f"{ctx.path}.query", required=True))
    ctx.sink.text(ctx.subject, PG.sqlDialect, ctx.reader.string(facet, "dialect", f"{ctx.path}.dialect"))


def source_code_location(ctx: FacetContext, facet: dict) -> None:
    """``sourceCodeLocation`` (SourceCodeLocationJobFacet 1-1-0): on the job, and on the run that
    executed it (the code version a run executed is a fact about that run)."""
    r = ctx.reader
    values = {
        PG.codeType: r.string(facet, "type", f"{ctx.path}.type"),
        PG.sourceCodeUrl: r.string(facet, "url", f"{ctx.path}.url", required=True),
        SCHEMA.codeRepository: r.string(facet, "repoUrl", f"{ctx.path}.repoUrl"),
        PG.codePath: r.string(facet, "path", f"{ctx.path}.path"),
        PG.codeVersion: r.string(facet, "version", f"{ctx.path}.version"),
        PG.codeTag: r.string(facet, "tag", f"{ctx.path}.tag"),
        PG.codeBranch: r.string(facet, "branch", f"{ctx.path}.branch"),
    }
    for subject in (ctx.subject, ctx.run):
        if subject is not None:
            for predicate, value in values.items():
                ctx.sink.text(subject, predicate, value)


def source_code(ctx: FacetContext, facet: dict) -> None:
    """``sourceCode`` (SourceCodeJobFacet 1-0-1): the code text and its language."""
    ctx.sink.text(ctx.subject, SCHEMA.programmingLanguage, ctx.reader.string(facet, "language", f"{ctx.path}.language"))
    ctx.sink.text(ctx.subject, PG.sourceCode, ctx.reader.string(facet, "sourceCode", f"{ctx.path}.sourceCode"))


def job_type(ctx: FacetContext, facet: dict) -> None:
    """``jobType`` (JobTypeJobFacet 2-0-x): processing type, integration and job type."""
    r = ctx.reader
    ctx.sink.text(ctx.subject, PG.processingType, r.string(facet, "processingType", f"{ctx.path}.processingType"))
    ctx.sink.text(ctx.subject, PG.integration, r.string(facet, "integration", f"{ctx.path}.integration"))
    ctx.sink.text(ctx.subject, PG.jobType, r.string(facet, "jobType", f"{ctx.path}.jobType"))


# --- run facets ----------------------------------------------------------------------------

def parent(ctx: FacetContext, facet: dict) -> None:
    """``parent`` (ParentRunFacet 1-2-0): ``pg:parentRun`` and ``pg:rootRun`` links between runs;
    the parent run is associated with its job as a prov:Plan."""
    for key, predicate in (("parent", PG.parentRun), ("root", PG.rootRun)):
        block = facet if key == "parent" else ctx.reader.obj(facet, "root", f"{ctx.path}.root", required=False)
        if block is None:
            continue
        base = ctx.path if key == "parent" else f"{ctx.path}.root"
        # Spark's own serde fixture sends a parent with only its job; a run given must have an id.
        run_block = ctx.reader.obj(block, "run", f"{base}.run", required=key == "root")
        if run_block is None and key == "parent":
            ctx.reader.warn(f"{base}.run", "missing; the parent run is not linked")
        job_block = ctx.reader.obj(block, "job", f"{base}.job", required=key == "parent")
        run_id = ctx.reader.uuid(run_block, "runId", f"{base}.run.runId") if run_block is not None else None
        if not run_id:
            continue
        other = ids.run(run_id)
        ctx.sink.types(other, PROV.Activity, PG.Run)
        ctx.sink.text(other, PG.runId, run_id.lower())
        ctx.sink.add(ctx.subject, predicate, other)
        if job_block is not None:
            namespace = ctx.reader.string(job_block, "namespace", f"{base}.job.namespace", required=True)
            name = ctx.reader.string(job_block, "name", f"{base}.job.name", required=True)
            if namespace and name:
                job = ids.job(namespace, name)
                declare_job(ctx.sink, job, namespace, name)
                associate(ctx.sink, other, job, None)


def nominal_time(ctx: FacetContext, facet: dict) -> None:
    """``nominalTime`` (NominalTimeRunFacet 1-0-1): the scheduled window, UTC."""
    ctx.sink.time(ctx.subject, PG.nominalStartTime, ctx.reader.timestamp(facet, "nominalStartTime", f"{ctx.path}.nominalStartTime", required=True))
    ctx.sink.time(ctx.subject, PG.nominalEndTime, ctx.reader.timestamp(facet, "nominalEndTime", f"{ctx.path}.nominalEndTime"))


def error_message(ctx: FacetContext, facet: dict) -> None:
    """``errorMessage`` (ErrorMessageRunFacet 1-0-1): message, language and stack trace."""
    r = ctx.reader
    ctx.sink.text(ctx.subject, PG.errorMessage, r.string(facet, "message", f"{ctx.path}.message", required=True))
    ctx.sink.text(ctx.subject, SCHEMA.programmingLanguage, r.string(facet, "programmingLanguage", f"{ctx.path}.programmingLanguage"))
    ctx.sink.text(ctx.subject, PG.stackTrace, r.string(facet, "stackTrace", f"{ctx.path}.stackTrace"))


def processing_engine(ctx: FacetContext, facet: dict) -> None:
    """``processing_engine`` (ProcessingEngineRunFacet 1-1-1): the engine as a prov:SoftwareAgent
    associated with the run."""
    r = ctx.reader
    version = r.string(facet, "version", f"{ctx.path}.version", required=True)
    name = r.string(facet, "name", f"{ctx.path}.name") or "unknown-engine"
    adapter = r.string(facet, "openlineageAdapterVersion", f"{ctx.path}.openlineageAdapterVersion")
    if version is None:
        return
    engine = ids.engine(name, version)
    ctx.sink.types(engine, PROV.Agent, PROV.SoftwareAgent)
    ctx.sink.text(engine, RDFS.label, f"{name} {version}")
    ctx.sink.text(engine, SCHEMA.name, name)
    ctx.sink.text(engine, SCHEMA.softwareVersion, version)
    ctx.sink.text(engine, PG.openlineageAdapterVersion, adapter)
    ctx.sink.add(ctx.subject, PROV.wasAssociatedWith, engine)


# --- dataset facets ------------------------------------------------------------------------

def schema(ctx: FacetContext, facet: dict) -> None:
    """``schema`` (SchemaDatasetFacet 1-2-0): each field, nested fields as dotted paths."""
    _schema_fields(ctx, facet, f"{ctx.path}.fields", prefix="")


def _schema_fields(ctx: FacetContext, holder: dict, path: str, prefix: str) -> None:
    r = ctx.reader
    for field_path, spec in r.objects(holder, "fields", path):
        name = r.string(spec, "name", f"{field_path}.name", required=True)
        if not name:
            continue
        dotted = f"{prefix}{name}"
        field = ids.field(ctx.namespace, ctx.name, dotted)
        declare_field(ctx.sink, ctx.subject, field, dotted)
        ctx.sink.text(field, PG.fieldType, r.string(spec, "type", f"{field_path}.type"))
        ctx.sink.text(field, DCTERMS.description, r.string(spec, "description", f"{field_path}.description"))
        raw_tags = spec.get("tags")
        if isinstance(raw_tags, list):
            for i, tag in enumerate(raw_tags):
                if isinstance(tag, str):
                    tag_subject(ctx.sink, field, tag, None)
                elif isinstance(tag, dict):
                    key = r.string(tag, "key", f"{field_path}.tags[{i}].key", required=True)
                    if key:
                        tag_subject(ctx.sink, field, key, r.string(tag, "value", f"{field_path}.tags[{i}].value"))
        if spec.get("fields"):
            _schema_fields(ctx, spec, f"{field_path}.fields", prefix=f"{dotted}.")


def declare_field(out: TripleSink, dataset: NamedNode, field: NamedNode, path: str) -> None:
    out.types(field, PROV.Entity, PG.Field)
    out.text(field, PG.fieldPath, path)
    out.text(field, RDFS.label, path)
    out.add(dataset, PG.field, field)


def data_source(ctx: FacetContext, facet: dict) -> None:
    """``dataSource`` (DatasourceDatasetFacet 1-0-1): a dcat:DataService that serves the dataset."""
    r = ctx.reader
    name = r.string(facet, "name", f"{ctx.path}.name")
    uri = r.string(facet, "uri", f"{ctx.path}.uri")
    if not (name or uri):
        return
    service = ids.datasource(name or uri)
    ctx.sink.types(service, DCAT.DataService)
    ctx.sink.text(service, RDFS.label, name)
    ctx.sink.text(service, PG.endpointUri, uri)
    ctx.sink.add(service, DCAT.servesDataset, ctx.subject)


def symlinks(ctx: FacetContext, facet: dict) -> None:
    """``symlinks`` (SymlinksDatasetFacet 1-0-1): other identifiers of the same dataset."""
    r = ctx.reader
    for path, ident in r.objects(facet, "identifiers", f"{ctx.path}.identifiers"):
        namespace = r.string(ident, "namespace", f"{path}.namespace", required=True)
        name = r.string(ident, "name", f"{path}.name", required=True)
        if namespace and name:
            other = ids.dataset(namespace, name)
            declare_dataset(ctx.sink, other, namespace, name)
            ctx.sink.add(ctx.subject, PG.symlink, other)
            ctx.sink.text(other, PG.symlinkType, r.string(ident, "type", f"{path}.type"))


def dataset_type(ctx: FacetContext, facet: dict) -> None:
    """``datasetType`` (DatasetTypeDatasetFacet 1-0-1); ``MODEL`` makes the dataset an mls:Model."""
    kind = ctx.reader.string(facet, "datasetType", f"{ctx.path}.datasetType", required=True)
    ctx.sink.text(ctx.subject, PG.datasetType, kind)
    ctx.sink.text(ctx.subject, PG.datasetSubType, ctx.reader.string(facet, "subType", f"{ctx.path}.subType"))
    if kind and kind.upper() == "MODEL":
        ctx.sink.types(ctx.subject, MLS.Model)


def statistics_only(integers: tuple[str, ...], others: tuple[str, ...] = (), expected: str | None = None) -> FacetHandler:
    """A handler for a statistics facet provgraph checks but does not map. Its statistics are a
    closed set: each must be an integer, and a key that is none of them is a malformed statistic
    (``noRowCount``). ``expected`` names a key the spec requires that older producers omit
    (``columnMetrics``, which Marquez's own examples leave out): its absence is a warning."""

    def handler(ctx: FacetContext, facet: dict) -> None:
        for key in integers:
            ctx.reader.integer(facet, key, f"{ctx.path}.{key}")
        for key in facet:
            if not key.startswith("_") and key not in integers and key not in others:
                ctx.reader.fail(f"{ctx.path}.{key}", f"not a statistic of this facet (expected {', '.join(integers + others)})")
        if expected and expected not in facet:
            ctx.reader.warn(f"{ctx.path}.{expected}", "missing (required by the facet schema; tolerated)")
        if expected and expected in facet:
            ctx.reader.obj(facet, expected, f"{ctx.path}.{expected}")

    return handler


def output_statistics(ctx: FacetContext, facet: dict) -> None:
    """``outputStatistics`` (OutputStatisticsOutputDatasetFacet 1-0-2): row count, bytes, files
    of the version written."""
    statistics_only(("rowCount", "size", "fileCount"))(ctx, facet)
    for key, predicate in (("rowCount", PG.rowCount), ("size", DCAT.byteSize), ("fileCount", PG.fileCount)):
        value = facet.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
            ctx.sink.integer(ctx.subject, predicate, int(value))


def declare_dataset(out: TripleSink, dataset: NamedNode, namespace: str, name: str) -> None:
    out.types(dataset, PROV.Entity, DCAT.Dataset)
    out.text(dataset, PG.namespace, namespace)
    out.text(dataset, PG.name, name)
    out.text(dataset, RDFS.label, name)


def declare_job(out: TripleSink, job: NamedNode, namespace: str, name: str) -> None:
    out.types(job, PROV.Entity, PROV.Plan, PG.Job)
    out.text(job, PG.namespace, namespace)
    out.text(job, PG.name, name)
    out.text(job, RDFS.label, name)


def associate(out: TripleSink, run: NamedNode, job: NamedNode, agent: NamedNode | None) -> None:
    """The run's qualified prov:Association whose prov:hadPlan is the job, and the run's
    ``pg:job``: the same link in one step."""
    # Named by run and job only: a parent facet (no agent) and the run's own events (with its
    # producer) then describe the same association node.
    association = ids.qualified("association", run.value, job.value)
    out.types(association, PROV.Association)
    out.add(association, PROV.hadPlan, job)
    if agent is not None:
        out.add(association, PROV.agent, agent)
        out.add(run, PROV.wasAssociatedWith, agent)
    out.add(run, PROV.qualifiedAssociation, association)
    out.add(run, PG.job, job)


RUN_FACETS: dict[str, FacetHandler] = {
    "parent": parent,
    "nominalTime": nominal_time,
    "errorMessage": error_message,
    "processing_engine": processing_engine,
    "tags": tags,
}

JOB_FACETS: dict[str, FacetHandler] = {
    "ownership": ownership,
    "tags": tags,
    "documentation": documentation,
    "sql": sql,
    "sourceCodeLocation": source_code_location,
    "sourceCode": source_code,
    "jobType": job_type,
}

#: Dataset facets mapped onto the persistent dataset. ``version``, ``columnLineage`` and
#: ``lifecycleStateChange`` are read by the importer itself, since they concern the run's version.
DATASET_FACETS: dict[str, FacetHandler] = {
    "schema": schema,
    "ownership": ownership,
    "tags": tags,
    "documentation": documentation,
    "dataSource": data_source,
    "symlinks": symlinks,
    "datasetType": dataset_type,
}

INPUT_FACETS: dict[str, FacetHandler] = {
    "dataQualityMetrics": statistics_only(("rowCount", "bytes", "fileCount"), ("columnMetrics", "lastUpdated"), expected="columnMetrics"),
    "inputStatistics": statistics_only(("rowCount", "size", "fileCount")),
}

OUTPUT_FACETS: dict[str, FacetHandler] = {
    "outputStatistics": output_statistics,
}
