"""DataHub aspects → PROV-O triples (ontology/MAPPING.md, "DataHub"), one handler per aspect name.

Handlers write the same shapes the OpenLineage importer writes: persistent datasets
(``dcat:Dataset`` with ``pg:namespace``/``pg:name``, IRIs from :func:`ids.dataset` through the
platform mapping), ``prov:wasDerivedFrom`` between datasets and between fields, jobs as
``pg:Job``, runs as ``pg:Run`` with ``pg:RunEvent`` records (so :mod:`provgraph.derive` computes
their times and what their outputs derive from), models as ``mls:Model``. A handler returns
``False`` when the aspect says nothing it maps for that kind of entity (counted as unmapped).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from pyoxigraph import NamedNode

from .. import ids
from ..vocab import DCAT, DCTERMS, MLS, PG, PROV, RDFS, SCHEMA, SKOS
from . import datahub_urns as urns
from .fields import RecordReader, xsd_datetime
from .openlineage_facets import associate, attribute, declare_dataset, declare_field, declare_job, tag_subject
from .triples import TripleSink

#: Timeseries aspects: every record is a fact of its own (no "last one wins").
TIMESERIES = {"dataProcessInstanceRunEvent", "datasetProfile", "operation", "datasetUsageStatistics",
              "assertionRunEvent", "queryUsageStatistics"}
_DATASET_LIKE = ("dataset",)
_MODEL_LIKE = ("mlModel",)
#: DataHub run status/result → the OpenLineage run state derive.py understands.
_RESULTS = {"SUCCESS": "COMPLETE", "FAILURE": "FAIL", "SKIPPED": "ABORT", "UP_FOR_RETRY": "FAIL"}
_UNKNOWN_ACTORS = {"urn:li:corpuser:unknown", "urn:li:platformResource:unknown"}


@dataclass
class AspectContext:
    """One aspect of one entity being mapped, with the file's latest aspects for lookups."""

    reader: RecordReader
    sink: TripleSink
    urn: str
    entity_type: str
    aspect: str
    system: dict | None
    namespaces: urns.NamespaceMap
    aspects: dict
    runs: set
    datasets: set
    change: str = "UPSERT"


AspectHandler = Callable[[AspectContext, dict], "bool | None"]


# --- nodes -------------------------------------------------------------------------------------

def dataset(ctx: AspectContext, urn: str) -> NamedNode:
    """The persistent dataset of a dataset URN (declared), by the platform mapping."""
    key = urns.dataset_key(urn)
    namespace, name = ctx.namespaces.locate(key)
    node = ids.dataset(namespace, name)
    declare_dataset(ctx.sink, node, namespace, name)
    ctx.datasets.add(node)
    return node


def model(ctx: AspectContext, urn: str) -> tuple[NamedNode, NamedNode]:
    """An ``mlModel`` URN → (persistent model, its version): the model is a dcat:Dataset and
    mls:Model with a namespace and name like any dataset; the version (the state DataHub
    describes, which training runs generate) is a pg:DatasetVersion and mls:Model."""
    namespace, name = ctx.namespaces.locate(urns.dataset_key(urn, "mlModel"))
    node = ids.dataset(namespace, name)
    declare_dataset(ctx.sink, node, namespace, name)
    ctx.sink.types(node, MLS.Model)
    version = ids.version_named(namespace, name, "datahub")
    ctx.sink.types(version, PROV.Entity, PG.DatasetVersion, MLS.Model)
    ctx.sink.add(version, PROV.specializationOf, node)
    ctx.sink.add(version, DCAT.isVersionOf, node)
    ctx.datasets.add(node)
    return node, version


def feature(ctx: AspectContext, urn: str) -> NamedNode:
    """``mlFeature``/``mlPrimaryKey`` ``(featureNamespace,name)`` and ``mlFeatureTable``
    ``(platform,name)``: datasets of their own, so lineage through features is dataset lineage."""
    parsed = urns.parse(urn, ("mlFeature", "mlPrimaryKey", "mlFeatureTable"))
    if len(parsed.parts) != 2:
        raise urns.UrnError(f"expected (namespace,name) in {urn!r}")
    if parsed.entity_type == "mlFeatureTable":
        platform = urns.parse(parsed.parts[0], "dataPlatform").id
        namespace, name = ctx.namespaces.locate(urns.DatasetKey(platform, parsed.parts[1], ctx.namespaces.env))
    else:
        namespace, name = parsed.parts
    node = ids.dataset(namespace, name)
    declare_dataset(ctx.sink, node, namespace, name)
    if parsed.entity_type != "mlFeatureTable":
        ctx.sink.types(node, MLS.Feature)
    ctx.datasets.add(node)
    return node


def job(ctx: AspectContext, urn: str) -> NamedNode:
    """``dataFlow (orchestrator,flowId,cluster)`` → job (orchestrator, flowId);
    ``dataJob (flowUrn,jobId)`` → job (orchestrator, flowId.jobId) — OpenLineage's
    ``dag_id.task_id`` naming — and ``dcterms:isPartOf`` its flow."""
    parsed = urns.parse(urn, ("dataFlow", "dataJob"))
    if parsed.entity_type == "dataJob":
        if len(parsed.parts) != 2:
            raise urns.UrnError(f"expected (dataFlowUrn,jobId) in {urn!r}")
        flow = job(ctx, parsed.parts[0])
        namespace, flow_name = _flow_key(urns.parse(parsed.parts[0], "dataFlow"), ctx)
        name = f"{flow_name}.{parsed.parts[1]}"
        node = ids.job(namespace, name)
        declare_job(ctx.sink, node, namespace, name)
        ctx.sink.add(node, DCTERMS.isPartOf, flow)
        return node
    namespace, name = _flow_key(parsed, ctx)
    node = ids.job(namespace, name)
    declare_job(ctx.sink, node, namespace, name)
    return node


def _flow_key(parsed: urns.Urn, ctx: AspectContext) -> tuple[str, str]:
    if len(parsed.parts) != 3:
        raise urns.UrnError(f"expected (orchestrator,flowId,cluster) in {parsed.text!r}")
    orchestrator, flow_id, cluster = parsed.parts
    orchestrator = ctx.namespaces.jobs.get(orchestrator, orchestrator)
    namespace = orchestrator if cluster.upper() == ctx.namespaces.env else f"{orchestrator}?env={cluster.upper()}"
    return namespace, flow_id


def run(ctx: AspectContext, urn: str) -> NamedNode:
    """A ``dataProcessInstance`` → pg:Run with ``pg:runId`` = its URN."""
    urns.parse(urn, "dataProcessInstance")
    node = urns.run(urn)
    ctx.sink.types(node, PROV.Activity, PG.Run)
    ctx.sink.text(node, PG.runId, urn)
    ctx.runs.add(node)
    return node


def agent(ctx: AspectContext, urn: str) -> NamedNode:
    """``corpuser`` → prov:Person, ``corpGroup`` → prov:Organization (IRI as OpenLineage's
    ``user:<id>`` / ``group:<id>`` owner)."""
    parsed = urns.parse(urn)
    name = urns.agent_name(urn)
    node = ids.agent(name)
    kind = {"corpuser": PROV.Person, "corpGroup": PROV.Organization}.get(parsed.entity_type, PROV.Agent)
    ctx.sink.types(node, PROV.Agent, kind)
    ctx.sink.text(node, RDFS.label, name)
    return node


def subject(ctx: AspectContext) -> NamedNode | None:
    """The node of the aspect's own entity, or None for kinds this mapping has no node for."""
    kind = ctx.entity_type
    if kind == "dataset":
        return dataset(ctx, ctx.urn)
    if kind == "mlModel":
        return model(ctx, ctx.urn)[0]
    if kind in ("mlFeature", "mlPrimaryKey", "mlFeatureTable"):
        return feature(ctx, ctx.urn)
    if kind in ("dataJob", "dataFlow"):
        return job(ctx, ctx.urn)
    if kind == "dataProcessInstance":
        return run(ctx, ctx.urn)
    if kind in ("corpuser", "corpGroup"):
        return agent(ctx, ctx.urn)
    if kind == "mlModelGroup":
        return model_group(ctx, ctx.urn)
    if kind == "mlModelDeployment":
        return deployment(ctx, ctx.urn)
    if kind == "container":
        return container_node(ctx, ctx.urn)
    if kind in ("tag", "glossaryTerm"):
        return concept(ctx, ctx.urn)
    if kind == "glossaryNode":
        return glossary_node(ctx, ctx.urn)
    return None


def concept(ctx: AspectContext, urn: str) -> NamedNode:
    """The skos:Concept of a ``tag`` or ``glossaryTerm`` (the same IRI an OpenLineage tag of
    that name gets)."""
    key = _term_key(urn)
    node = ids.tag(key)
    ctx.sink.types(node, SKOS.Concept)
    ctx.sink.text(node, PG.tagKey, key)
    ctx.sink.text(node, SKOS.prefLabel, key)
    return node


def model_group(ctx: AspectContext, urn: str) -> NamedNode:
    """An ``mlModelGroup``: a prov:Collection whose members are its models."""
    namespace, name = ctx.namespaces.locate(urns.dataset_key(urn, "mlModelGroup"))
    node = urns.entity_iri("mlModelGroup", urn)
    ctx.sink.types(node, PROV.Entity, PROV.Collection)
    ctx.sink.text(node, PG.namespace, namespace)
    ctx.sink.text(node, PG.name, name)
    ctx.sink.text(node, RDFS.label, name)
    return node


# --- small readers -----------------------------------------------------------------------------

def stamp_time(stamp: object) -> datetime | None:
    """An AuditStamp's ``time`` (ms since the epoch, UTC); 0 or absent means "not set"."""
    value = stamp.get("time") if isinstance(stamp, dict) else stamp
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    return datetime.fromtimestamp(value / 1000, tz=timezone.utc)


def stamp_actor(ctx: AspectContext, stamp: object) -> NamedNode | None:
    actor = stamp.get("actor") if isinstance(stamp, dict) else None
    if not isinstance(actor, str) or actor in _UNKNOWN_ACTORS:
        return None
    try:
        parsed = urns.parse(actor)
    except urns.UrnError:
        return None
    return agent(ctx, actor) if parsed.entity_type in ("corpuser", "corpGroup") else None


def urn_list(ctx: AspectContext, value: dict, key: str, edge_key: str | None = None) -> list[tuple[str, str]]:
    """``(path, urn)`` for a list of URN strings and, when named, the newer edge list
    (``[{destinationUrn, created, lastModified}]``)."""
    r = ctx.reader
    found = []
    items = value.get(key)
    if items is not None and not isinstance(items, list):
        r.fail(key, "expected a list of URNs")
        items = []
    for i, item in enumerate(items or []):
        if isinstance(item, str):
            found.append((f"{key}[{i}]", item))
        else:
            r.fail(f"{key}[{i}]", "expected a URN string")
    if edge_key:
        for path, edge in r.objects(value, edge_key, edge_key):
            urn = r.string(edge, "destinationUrn", f"{path}.destinationUrn", required=True)
            if urn:
                found.append((f"{path}.destinationUrn", urn))
    return [(path, urn) for path, urn in found if _well_formed(r, path, urn)]


def _well_formed(r: RecordReader, path: str, urn: str) -> bool:
    try:
        urns.parse(urn)
    except urns.UrnError as exc:
        r.fail(path, str(exc))
        return False
    return True


def properties(ctx: AspectContext, node: NamedNode, values: object, kind: str, path: str) -> None:
    """``customProperties`` (a map), ``hyperParams``/``trainingMetrics`` (``[{name, value}]``) as
    ``schema:additionalProperty`` schema:PropertyValue nodes (``schema:propertyID`` the aspect field)."""
    pairs: list[tuple[str, object]] = []
    if isinstance(values, dict):
        pairs = list(values.items())
    elif isinstance(values, list):
        for i, item in enumerate(values):
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                pairs.append((item["name"], item.get("value")))
            else:
                ctx.reader.fail(f"{path}[{i}]", "expected {name, value}")
    elif values is not None:
        ctx.reader.fail(path, "expected an object or a list")
    for name, value in pairs:
        text = value if isinstance(value, str) else None if value is None else str(value)
        prop = ids.qualified("property", node.value, kind, name)
        ctx.sink.types(prop, SCHEMA.PropertyValue)
        ctx.sink.text(prop, SCHEMA.propertyID, kind)
        ctx.sink.text(prop, SCHEMA.name, name)
        ctx.sink.text(prop, SCHEMA.value, text)
        ctx.sink.add(node, SCHEMA.additionalProperty, prop)


def _term_key(urn: str) -> str:
    return urns.parse(urn).id


# --- governance aspects ------------------------------------------------------------------------

def ownership(ctx: AspectContext, value: dict):
    """``ownership``: each owner → ``prov:wasAttributedTo`` + qualified prov:Attribution whose
    role is the owner ``type`` (old and new types as given) or, for ``CUSTOM``, the id of
    ``typeUrn`` (``urn:li:ownershipType:…``)."""
    node = subject(ctx)
    if node is None:
        return False
    r = ctx.reader
    for path, owner in r.objects(value, "owners", "owners", required=True):
        urn = r.string(owner, "owner", f"{path}.owner", required=True)
        if not urn:
            continue
        role = r.string(owner, "type", f"{path}.type") or "OWNER"
        type_urn = r.string(owner, "typeUrn", f"{path}.typeUrn")
        if type_urn:
            role = urns.parse(type_urn, "ownershipType").id
        agent(ctx, urn)
        attribute(ctx.sink, node, urns.agent_name(urn), role)


def global_tags(ctx: AspectContext, value: dict, node: NamedNode | None = None, path: str = ""):
    """``globalTags``: each ``tags[].tag`` (``urn:li:tag:<name>``, the whole name as key) →
    ``dcat:theme`` / ``dcat:keyword`` like an OpenLineage tag."""
    node = node or subject(ctx)
    if node is None:
        return False
    for tag_path, tag in ctx.reader.objects(value, "tags", f"{path}tags"):
        urn = ctx.reader.string(tag, "tag", f"{tag_path}.tag", required=True)
        if urn:
            tag_subject(ctx.sink, node, urns.parse(urn, "tag").id, None)


def glossary_terms(ctx: AspectContext, value: dict, node: NamedNode | None = None, path: str = ""):
    """``glossaryTerms``: each ``terms[].urn`` (``urn:li:glossaryTerm:<id>``) → a classification
    concept as for tags, typed pg:GlossaryTerm too."""
    node = node or subject(ctx)
    if node is None:
        return False
    for term_path, term in ctx.reader.objects(value, "terms", f"{path}terms"):
        urn = ctx.reader.string(term, "urn", f"{term_path}.urn", required=True)
        if urn:
            key = urns.parse(urn, "glossaryTerm").id
            tag_subject(ctx.sink, node, key, None)
            ctx.sink.types(ids.tag(key), PG.GlossaryTerm)


def status(ctx: AspectContext, value: dict):
    """``status.removed = true`` (soft delete): the entity ``prov:wasInvalidatedBy`` a removal
    and, when the record says when (``systemMetadata.lastObserved``), ``prov:invalidatedAtTime``.
    Nothing is deleted; ``removed = false`` writes nothing."""
    removed = ctx.reader.boolean(value, "removed", "removed")
    if not removed:
        return None
    node = subject(ctx)
    if node is None:
        return False
    removal = urns.entity_iri("removal", ctx.urn)
    ctx.sink.types(removal, PROV.Activity)
    ctx.sink.text(removal, RDFS.label, f"DataHub status.removed of {ctx.urn}")
    ctx.sink.add(node, PROV.wasInvalidatedBy, removal)
    moment = stamp_time((ctx.system or {}).get("lastObserved"))
    ctx.sink.time(node, PROV.invalidatedAtTime, moment)
    ctx.sink.time(removal, PROV.endedAtTime, moment)


def structured_properties(ctx: AspectContext, value: dict):
    """``structuredProperties``: each ``properties[]`` as schema:PropertyValue, propertyID the
    structured property URN."""
    node = subject(ctx)
    if node is None:
        return False
    for path, prop in ctx.reader.objects(value, "properties", "properties"):
        urn = ctx.reader.string(prop, "propertyUrn", f"{path}.propertyUrn", required=True)
        values = prop.get("values") if isinstance(prop.get("values"), list) else []
        texts = [str(next(iter(v.values()))) if isinstance(v, dict) and v else str(v) for v in values]
        if urn:
            properties(ctx, node, {urns.parse(urn, "structuredProperty").id: ", ".join(texts)}, "structuredProperties", path)


# --- datasets ----------------------------------------------------------------------------------

def dataset_properties(ctx: AspectContext, value: dict):
    """``datasetProperties`` (and the ``…Properties`` of groups, flows and jobs): ``name`` →
    dcterms:title, ``description``, ``qualifiedName`` → dcterms:identifier, ``created`` →
    dcterms:created, ``customProperties`` → schema:additionalProperty."""
    node = subject(ctx)
    if node is None:
        return False
    r = ctx.reader
    ctx.sink.text(node, DCTERMS["title"], r.string(value, "name", "name"))
    ctx.sink.text(node, DCTERMS.description, r.string(value, "description", "description"))
    ctx.sink.text(node, DCTERMS.identifier, r.string(value, "qualifiedName", "qualifiedName"))
    ctx.sink.time(node, DCTERMS.created, stamp_time(value.get("created")))
    properties(ctx, node, value.get("customProperties"), "customProperties", "customProperties")
    return node


def _field_node(ctx: AspectContext, dataset_node: NamedNode, field_path: str) -> NamedNode:
    namespace = ctx.namespaces.locate(urns.dataset_key(ctx.urn))
    simple = urns.simple_field_path(field_path)
    node = ids.field(namespace[0], namespace[1], simple)
    declare_field(ctx.sink, dataset_node, node, simple)
    return node


def schema_metadata(ctx: AspectContext, value: dict):
    """``schemaMetadata`` / ``editableSchemaMetadata``: each field (v2 paths simplified) as a
    pg:Field with its type, description, and field-level ``globalTags`` and ``glossaryTerms``."""
    if ctx.entity_type != "dataset":
        return False
    node = dataset(ctx, ctx.urn)
    r = ctx.reader
    key = "fields" if ctx.aspect == "schemaMetadata" else "editableSchemaFieldInfo"
    for path, spec in r.objects(value, key, key, required=ctx.aspect == "schemaMetadata"):
        field_path = r.string(spec, "fieldPath", f"{path}.fieldPath", required=True)
        if not field_path:
            continue
        field = _field_node(ctx, node, field_path)
        kind = spec.get("type", {}).get("type") if isinstance(spec.get("type"), dict) else None
        type_name = next(iter(kind)).rsplit(".", 1)[-1].removesuffix("Type") if isinstance(kind, dict) and kind else None
        ctx.sink.text(field, PG.fieldType, r.string(spec, "nativeDataType", f"{path}.nativeDataType") or type_name)
        ctx.sink.text(field, DCTERMS.description, r.string(spec, "description", f"{path}.description"))
        if isinstance(spec.get("globalTags"), dict):
            global_tags(ctx, spec["globalTags"], field, f"{path}.globalTags.")
        if isinstance(spec.get("glossaryTerms"), dict):
            glossary_terms(ctx, spec["glossaryTerms"], field, f"{path}.glossaryTerms.")


def upstream_lineage(ctx: AspectContext, value: dict):
    """``upstreamLineage``: each ``upstreams[]`` → ``D prov:wasDerivedFrom U`` with a qualified
    prov:Derivation (``pg:lineageType`` COPY/TRANSFORMED/VIEW…, ``dcterms:created`` from
    ``created``, ``dcterms:modified`` from ``auditStamp``, ``dcterms:creator`` the actor; time 0
    and actor unknown are "not set"); ``fineGrainedLineages`` → field-level derivations."""
    if ctx.entity_type not in ("dataset", "mlModel", "mlFeature", "mlPrimaryKey", "mlFeatureTable"):
        return False
    node = subject(ctx)
    r = ctx.reader
    for path, upstream in r.objects(value, "upstreams", "upstreams", required=ctx.change == "UPSERT"):
        urn = r.string(upstream, "dataset", f"{path}.dataset", required=True)
        if not urn or not _well_formed(r, f"{path}.dataset", urn):
            continue
        source = dataset(ctx, urn)
        ctx.sink.add(node, PROV.wasDerivedFrom, source)
        lineage_type = r.string(upstream, "type", f"{path}.type")
        qualified = ids.qualified("derivation", node.value, source.value, "datahub", lineage_type or "")
        ctx.sink.types(qualified, PROV.Derivation)
        ctx.sink.add(qualified, PROV.entity, source)
        ctx.sink.text(qualified, PG.lineageType, lineage_type)
        ctx.sink.time(qualified, DCTERMS.created, stamp_time(upstream.get("created")))
        ctx.sink.time(qualified, DCTERMS.modified, stamp_time(upstream.get("auditStamp")))
        ctx.sink.add(qualified, DCTERMS.creator, stamp_actor(ctx, upstream.get("created")) or stamp_actor(ctx, upstream.get("auditStamp")))
        query = r.string(upstream, "query", f"{path}.query")
        if query:
            ctx.sink.add(qualified, DCTERMS.source, urns.entity_iri("query", query))
        ctx.sink.add(node, PROV.qualifiedDerivation, qualified)
    fine_grained(ctx, value)


def fine_grained(ctx: AspectContext, value: dict) -> None:
    """``fineGrainedLineages[]``: each downstream field ``prov:wasDerivedFrom`` each upstream
    field (FIELD/FIELD_SET; DATASET-typed ends are skipped), qualified with
    ``pg:transformationType`` = ``transformOperation`` and ``pg:confidenceScore``."""
    r = ctx.reader
    for path, entry in r.objects(value, "fineGrainedLineages", "fineGrainedLineages"):
        ups = [u for u in urn_list(ctx, entry, "upstreams") if u[1].startswith("urn:li:schemaField:")]
        downs = [d for d in urn_list(ctx, entry, "downstreams") if d[1].startswith("urn:li:schemaField:")]
        operation = r.string(entry, "transformOperation", f"{path}.transformOperation")
        confidence = r.number(entry, "confidenceScore", f"{path}.confidenceScore")
        for _, down in downs:
            target = schema_field_node(ctx, down)
            for _, up in ups:
                origin = schema_field_node(ctx, up)
                ctx.sink.add(target, PROV.wasDerivedFrom, origin)
                qualified = ids.qualified("derivation", target.value, origin.value, "datahub", operation or "")
                ctx.sink.types(qualified, PROV.Derivation)
                ctx.sink.add(qualified, PROV.entity, origin)
                ctx.sink.text(qualified, PG.transformationType, operation)
                if confidence is not None:
                    ctx.sink.text(qualified, PG.confidenceScore, str(confidence))
                ctx.sink.add(target, PROV.qualifiedDerivation, qualified)


def schema_field_node(ctx: AspectContext, urn: str) -> NamedNode:
    dataset_urn, field_path = urns.schema_field(urn)
    namespace, name = ctx.namespaces.locate(urns.dataset_key(dataset_urn))
    owner = dataset(ctx, dataset_urn)
    simple = urns.simple_field_path(field_path)
    node = ids.field(namespace, name, simple)
    declare_field(ctx.sink, owner, node, simple)
    return node


# --- jobs and runs -----------------------------------------------------------------------------

def job_info(ctx: AspectContext, value: dict):
    """``dataJobInfo`` / ``dataFlowInfo``: name → dcterms:title, description, ``type`` → pg:jobType,
    ``flowUrn`` → dcterms:isPartOf, customProperties."""
    if ctx.entity_type not in ("dataJob", "dataFlow"):
        return False
    node = dataset_properties(ctx, value)
    kind = value.get("type")
    ctx.sink.text(node, PG.jobType, kind if isinstance(kind, str) else None)
    flow = ctx.reader.string(value, "flowUrn", "flowUrn")
    if flow:
        ctx.sink.add(node, DCTERMS.isPartOf, job(ctx, flow))


def job_input_output(ctx: AspectContext, value: dict):
    """``dataJobInputOutput``: inputs → ``J pg:plannedInput D``, outputs → ``J pg:plannedOutput D``
    (old lists and the newer ``…Edges``) plus ``D_out prov:wasDerivedFrom D_in`` as DataHub draws
    it; ``inputDatajobs``/``inputDatajobEdges`` → ``dcterms:requires``; fine-grained lineage."""
    if ctx.entity_type != "dataJob":
        return False
    node = job(ctx, ctx.urn)
    inputs = [_io_node(ctx, u) for _, u in urn_list(ctx, value, "inputDatasets", "inputDatasetEdges")]
    outputs = [_io_node(ctx, u) for _, u in urn_list(ctx, value, "outputDatasets", "outputDatasetEdges")]
    for d in inputs:
        ctx.sink.add(node, PG.plannedInput, d)
    for d in outputs:
        ctx.sink.add(node, PG.plannedOutput, d)
        for i in inputs:
            if i != d:
                ctx.sink.add(d, PROV.wasDerivedFrom, i)
    for _, upstream_job in urn_list(ctx, value, "inputDatajobs", "inputDatajobEdges"):
        ctx.sink.add(node, DCTERMS.requires, job(ctx, upstream_job))
    fine_grained(ctx, value)


def _io_node(ctx: AspectContext, urn: str) -> NamedNode:
    kind = urns.parse(urn).entity_type
    if kind == "mlModel":
        return model(ctx, urn)[0]
    if kind in ("mlFeature", "mlPrimaryKey", "mlFeatureTable"):
        return feature(ctx, urn)
    return dataset(ctx, urn)


def run_properties(ctx: AspectContext, value: dict):
    """``dataProcessInstanceProperties``: name → rdfs:label, ``created`` → dcterms:created,
    customProperties."""
    if ctx.entity_type != "dataProcessInstance":
        return False
    node = run(ctx, ctx.urn)
    ctx.sink.text(node, RDFS.label, ctx.reader.string(value, "name", "name"))
    ctx.sink.time(node, DCTERMS.created, stamp_time(value.get("created")))
    properties(ctx, node, value.get("customProperties"), "customProperties", "customProperties")


def run_input(ctx: AspectContext, value: dict):
    """``dataProcessInstanceInput``: ``R prov:used D`` (``inputs`` and ``inputEdges``)."""
    node = run(ctx, ctx.urn)
    for _, urn in urn_list(ctx, value, "inputs", "inputEdges"):
        ctx.sink.add(node, PROV.used, _io_node(ctx, urn))


def run_output(ctx: AspectContext, value: dict):
    """``dataProcessInstanceOutput``: each output's version generated by the run — for a dataset
    ``version:{ns}/{name}/run/{dpi URN}``, for a model its version."""
    node = run(ctx, ctx.urn)
    for _, urn in urn_list(ctx, value, "outputs", "outputEdges"):
        kind = urns.parse(urn).entity_type
        if kind == "mlModel":
            ctx.sink.add(model(ctx, urn)[1], PROV.wasGeneratedBy, node)
            continue
        persistent = _io_node(ctx, urn)
        if kind != "dataset":
            continue
        namespace, name = ctx.namespaces.locate(urns.dataset_key(urn))
        version = ids.version_of_run(namespace, name, ctx.urn)
        ctx.sink.types(version, PROV.Entity, PG.DatasetVersion)
        ctx.sink.add(version, PROV.specializationOf, persistent)
        ctx.sink.add(version, DCAT.isVersionOf, persistent)
        ctx.sink.add(version, PROV.wasGeneratedBy, node)


def run_event(ctx: AspectContext, value: dict):
    """``dataProcessInstanceRunEvent``: a pg:RunEvent at ``timestampMillis`` — ``STARTED`` →
    START; ``COMPLETE`` with ``result.type`` SUCCESS → COMPLETE, FAILURE/UP_FOR_RETRY → FAIL,
    SKIPPED → ABORT (no result → COMPLETE). derive.py then gives the run its times and state."""
    r = ctx.reader
    node = run(ctx, ctx.urn)
    status_value = r.string(value, "status", "status", required=True)
    millis = r.integer(value, "timestampMillis", "timestampMillis", required=True)
    if status_value is None or millis is None:
        return
    if status_value == "STARTED":
        state = "START"
    elif status_value == "COMPLETE":
        result = value.get("result") if isinstance(value.get("result"), dict) else {}
        state = _RESULTS.get(str(result.get("type", "SUCCESS")), "OTHER")
    else:
        r.fail("status", f"unknown run status {status_value!r}; expected STARTED or COMPLETE")
        return
    moment = stamp_time(millis)
    if moment is None:
        r.fail("timestampMillis", "must be a positive time in milliseconds")
        return
    event = urns.event(ctx.urn, state, xsd_datetime(moment))
    ctx.sink.types(event, PROV.Entity, PG.RunEvent)
    ctx.sink.add(event, PG.run, node)
    ctx.sink.add(event, PG.eventType, PG[state])
    ctx.sink.time(event, PROV.atTime, moment)


def run_relationships(ctx: AspectContext, value: dict):
    """``dataProcessInstanceRelationships``: ``parentTemplate`` (a dataJob or dataFlow) → the
    run's prov:Association with prov:hadPlan; ``parentInstance`` → pg:parentRun;
    ``upstreamInstances`` → prov:wasInformedBy."""
    r = ctx.reader
    node = run(ctx, ctx.urn)
    template = r.string(value, "parentTemplate", "parentTemplate")
    if template and urns.parse(template).entity_type in ("dataJob", "dataFlow"):
        associate(ctx.sink, node, job(ctx, template), None)
    parent = r.string(value, "parentInstance", "parentInstance")
    if parent:
        ctx.sink.add(node, PG.parentRun, run(ctx, parent))
    for _, upstream in urn_list(ctx, value, "upstreamInstances"):
        ctx.sink.add(node, PROV.wasInformedBy, run(ctx, upstream))


def training_run_properties(ctx: AspectContext, value: dict):
    """``mlTrainingRunProperties``: hyperParams and trainingMetrics on the run."""
    node = run(ctx, ctx.urn)
    properties(ctx, node, value.get("hyperParams"), "hyperParams", "hyperParams")
    properties(ctx, node, value.get("trainingMetrics"), "trainingMetrics", "trainingMetrics")


# --- ML ----------------------------------------------------------------------------------------

def model_properties(ctx: AspectContext, value: dict):
    """``mlModelProperties``: description, ``date`` (else ``created``) → the version's
    prov:generatedAtTime (unless a training run with run events in the file gives it), ``version.versionTag`` → dcat:version, hyperParams / trainingMetrics /
    customProperties, ``tags``, ``groups`` (prov:hadMember), ``deployments`` (dcat:servesDataset), ``mlFeatures`` (derivation),
    ``downstreamJobs`` (``J pg:plannedInput M``) and ``trainingJobs``: a dataProcessInstance
    generates the version; a dataJob gets a training activity of its own (associated with the
    job, prov:used the job's inputs from the same file) that generates it."""
    if ctx.entity_type != "mlModel":
        return False
    r = ctx.reader
    node, version = model(ctx, ctx.urn)
    ctx.sink.text(node, DCTERMS["title"], r.string(value, "name", "name"))
    ctx.sink.text(node, DCTERMS.description, r.string(value, "description", "description"))
    ctx.sink.text(node, DCTERMS.type, r.string(value, "type", "type"))
    trainers = urn_list(ctx, value, "trainingJobs")
    # A training run with run events in the file gets its generation time from derive.py (its
    # end); the model's own date would be a second, competing prov:generatedAtTime.
    if not any((urn, "dataProcessInstanceRunEvent") in ctx.aspects for _, urn in trainers):
        ctx.sink.time(version, PROV.generatedAtTime, stamp_time(value.get("date")) or stamp_time(value.get("created")))
    tag = value.get("version", {}).get("versionTag") if isinstance(value.get("version"), dict) else None
    ctx.sink.text(version, DCAT.version, tag if isinstance(tag, str) else None)
    properties(ctx, node, value.get("customProperties"), "customProperties", "customProperties")
    properties(ctx, version, value.get("hyperParams"), "hyperParams", "hyperParams")
    properties(ctx, version, value.get("trainingMetrics"), "trainingMetrics", "trainingMetrics")
    keywords = value.get("tags")
    if keywords is not None and not isinstance(keywords, list):
        r.fail("tags", "expected a list of strings")
        keywords = []
    for i, keyword in enumerate(keywords or []):
        if isinstance(keyword, str):
            tag_subject(ctx.sink, node, keyword, None)
        else:
            r.fail(f"tags[{i}]", "expected a string")
    for path, endpoint in urn_list(ctx, value, "deployments"):
        ctx.sink.add(deployment(ctx, endpoint), DCAT.servesDataset, node)
    for _, group in urn_list(ctx, value, "groups"):
        ctx.sink.add(model_group(ctx, group), PROV.hadMember, node)
    for _, feat in urn_list(ctx, value, "mlFeatures"):
        source = feature(ctx, feat)
        ctx.sink.add(node, PROV.wasDerivedFrom, source)
        ctx.sink.add(version, PROV.wasDerivedFrom, source)
    for _, downstream in urn_list(ctx, value, "downstreamJobs"):
        if urns.parse(downstream).entity_type == "dataProcessInstance":
            ctx.sink.add(run(ctx, downstream), PROV.used, version)
        else:
            ctx.sink.add(job(ctx, downstream), PG.plannedInput, node)
    for path, trainer in trainers:
        kind = urns.parse(trainer).entity_type
        if kind == "dataProcessInstance":
            ctx.sink.add(version, PROV.wasGeneratedBy, run(ctx, trainer))
        elif kind in ("dataJob", "dataFlow"):
            _trained_by_job(ctx, version, trainer)
        else:
            r.fail(path, f"a training job must be a dataProcessInstance or dataJob URN, got {trainer!r}")


def _trained_by_job(ctx: AspectContext, version: NamedNode, job_urn: str) -> None:
    plan = job(ctx, job_urn)
    activity = urns.run(f"training:{ctx.urn}:{job_urn}")
    ctx.sink.types(activity, PROV.Activity, PG.Run)
    ctx.sink.text(activity, PG.runId, f"training of {ctx.urn} by {job_urn}")
    ctx.runs.add(activity)
    associate(ctx.sink, activity, plan, None)
    ctx.sink.add(version, PROV.wasGeneratedBy, activity)
    io = ctx.aspects.get((job_urn, "dataJobInputOutput"))
    if isinstance(io, dict):
        for key, edges in (("inputDatasets", "inputDatasetEdges"),):
            items = [u for u in io.get(key) or [] if isinstance(u, str)]
            items += [e.get("destinationUrn") for e in io.get(edges) or [] if isinstance(e, dict) and isinstance(e.get("destinationUrn"), str)]
            for urn in items:
                ctx.sink.add(activity, PROV.used, _io_node(ctx, urn))


def model_training_data(ctx: AspectContext, value: dict):
    """``mlModelTrainingData``: each ``trainingData[].dataset`` → the model (and its version)
    prov:wasDerivedFrom it."""
    node, version = model(ctx, ctx.urn)
    for path, item in ctx.reader.objects(value, "trainingData", "trainingData"):
        urn = ctx.reader.string(item, "dataset", f"{path}.dataset", required=True)
        if urn:
            source = dataset(ctx, urn)
            ctx.sink.add(node, PROV.wasDerivedFrom, source)
            ctx.sink.add(version, PROV.wasDerivedFrom, source)


def version_properties(ctx: AspectContext, value: dict):
    """``versionProperties`` (models): ``version.versionTag`` → dcat:version of the version."""
    if ctx.entity_type != "mlModel":
        return False
    tag = value.get("version", {}).get("versionTag") if isinstance(value.get("version"), dict) else None
    ctx.sink.text(model(ctx, ctx.urn)[1], DCAT.version, tag if isinstance(tag, str) else None)


def model_group_properties(ctx: AspectContext, value: dict):
    """``mlModelGroupProperties``: name, description, created on the group."""
    node = model_group(ctx, ctx.urn)
    ctx.sink.text(node, DCTERMS["title"], ctx.reader.string(value, "name", "name"))
    ctx.sink.text(node, DCTERMS.description, ctx.reader.string(value, "description", "description"))
    ctx.sink.time(node, DCTERMS.created, stamp_time(value.get("created")))
    properties(ctx, node, value.get("customProperties"), "customProperties", "customProperties")


def feature_properties(ctx: AspectContext, value: dict):
    """``mlFeatureProperties`` / ``mlPrimaryKeyProperties``: ``sources`` → the feature
    prov:wasDerivedFrom each source dataset; description; ``dataType`` → pg:fieldType."""
    node = feature(ctx, ctx.urn)
    ctx.sink.text(node, DCTERMS.description, ctx.reader.string(value, "description", "description"))
    ctx.sink.text(node, PG.fieldType, ctx.reader.string(value, "dataType", "dataType"))
    for _, urn in urn_list(ctx, value, "sources"):
        ctx.sink.add(node, PROV.wasDerivedFrom, dataset(ctx, urn))


def feature_table_properties(ctx: AspectContext, value: dict):
    """``mlFeatureTableProperties``: the table prov:wasDerivedFrom its ``mlFeatures`` and
    ``mlPrimaryKeys`` (DataHub draws features upstream of their table)."""
    node = feature(ctx, ctx.urn)
    ctx.sink.text(node, DCTERMS.description, ctx.reader.string(value, "description", "description"))
    for _, urn in urn_list(ctx, value, "mlFeatures") + urn_list(ctx, value, "mlPrimaryKeys"):
        ctx.sink.add(node, PROV.wasDerivedFrom, feature(ctx, urn))


# --- agents and concepts -----------------------------------------------------------------------

def corp_info(ctx: AspectContext, value: dict):
    """``corpUserInfo`` / ``corpGroupInfo``: displayName / fullName → schema:name, email → schema:email."""
    node = agent(ctx, ctx.urn)
    r = ctx.reader
    ctx.sink.text(node, SCHEMA.name, r.string(value, "displayName", "displayName") or r.string(value, "fullName", "fullName"))
    ctx.sink.text(node, SCHEMA.email, r.string(value, "email", "email"))


def concept_info(ctx: AspectContext, value: dict):
    """``tagProperties`` / ``glossaryTermInfo``: the concept's skos:definition (description or
    definition) and, for terms, its display name as skos:altLabel and ``parentNode`` as skos:broader."""
    key = _term_key(ctx.urn)
    concept_node = concept(ctx, ctx.urn)
    r = ctx.reader
    ctx.sink.text(concept_node, SKOS.definition, r.string(value, "definition", "definition") or r.string(value, "description", "description"))
    name = r.string(value, "name", "name")
    if name and name != key:
        ctx.sink.text(concept_node, SKOS.altLabel, name)
    if ctx.aspect == "glossaryTermInfo":
        ctx.sink.types(concept_node, PG.GlossaryTerm)
        parent = r.string(value, "parentNode", "parentNode")
        if parent and _well_formed(r, "parentNode", parent):
            ctx.sink.add(concept_node, SKOS.broader, glossary_node(ctx, parent))


def glossary_node(ctx: AspectContext, urn: str) -> NamedNode:
    """A ``glossaryNode`` (a folder of terms) as a skos:Concept that its terms are narrower than."""
    node = urns.entity_iri("glossaryNode", urn)
    ctx.sink.types(node, SKOS.Concept)
    ctx.sink.text(node, SKOS.prefLabel, urns.parse(urn, "glossaryNode").id)
    return node


def glossary_node_info(ctx: AspectContext, value: dict):
    """``glossaryNodeInfo``: the node's definition, display name (skos:altLabel) and
    ``parentNode`` (skos:broader)."""
    node = glossary_node(ctx, ctx.urn)
    r = ctx.reader
    ctx.sink.text(node, SKOS.definition, r.string(value, "definition", "definition"))
    ctx.sink.text(node, SKOS.altLabel, r.string(value, "name", "name"))
    parent = r.string(value, "parentNode", "parentNode")
    if parent and _well_formed(r, "parentNode", parent):
        ctx.sink.add(node, SKOS.broader, glossary_node(ctx, parent))


def key_aspect(ctx: AspectContext, value: dict):
    """``datasetKey``, ``tagKey``, ``glossaryTermKey``: what they say is the URN itself, so
    they only declare the entity (its node, or its concept)."""
    return False if subject(ctx) is None else None


def sub_types(ctx: AspectContext, value: dict):
    """``subTypes``: each ``typeNames[]`` (Table, View, ML Training Run…) → ``dcterms:type``."""
    node = subject(ctx)
    if node is None:
        return False
    for i, name in enumerate(value.get("typeNames") or [] if isinstance(value.get("typeNames"), list) else []):
        if isinstance(name, str):
            ctx.sink.text(node, DCTERMS.type, name)
        else:
            ctx.reader.fail(f"typeNames[{i}]", "expected a string")
    if "typeNames" in value and not isinstance(value.get("typeNames"), list):
        ctx.reader.fail("typeNames", "expected a list of strings")


def container_node(ctx: AspectContext, urn: str) -> NamedNode:
    node = urns.entity_iri("container", urn)
    ctx.sink.types(node, PROV.Entity, PROV.Collection)
    return node


def container(ctx: AspectContext, value: dict):
    """``container``: the entity ``dcterms:isPartOf`` its container (database, schema, project,
    experiment), a prov:Collection."""
    node = subject(ctx) if ctx.entity_type != "container" else container_node(ctx, ctx.urn)
    if node is None:
        return False
    urn = ctx.reader.string(value, "container", "container", required=True)
    if urn and _well_formed(ctx.reader, "container", urn):
        ctx.sink.add(node, DCTERMS.isPartOf, container_node(ctx, urn))


def container_properties(ctx: AspectContext, value: dict):
    """``containerProperties``: the container's name (rdfs:label, dcterms:title), description,
    qualifiedName, customProperties."""
    node = container_node(ctx, ctx.urn)
    r = ctx.reader
    name = r.string(value, "name", "name")
    ctx.sink.text(node, RDFS.label, name)
    ctx.sink.text(node, DCTERMS["title"], name)
    ctx.sink.text(node, DCTERMS.description, r.string(value, "description", "description"))
    ctx.sink.text(node, DCTERMS.identifier, r.string(value, "qualifiedName", "qualifiedName"))
    properties(ctx, node, value.get("customProperties"), "customProperties", "customProperties")


def deployment(ctx: AspectContext, urn: str) -> NamedNode:
    """An ``mlModelDeployment`` (an endpoint serving models) as a dcat:DataService."""
    key = urns.dataset_key(urn, "mlModelDeployment")
    node = urns.entity_iri("mlModelDeployment", urn)
    ctx.sink.types(node, PROV.Entity, DCAT.DataService)
    ctx.sink.text(node, RDFS.label, key.name)
    return node


def deployment_properties(ctx: AspectContext, value: dict):
    """``mlModelDeploymentProperties``: description, ``createdAt`` → dcterms:created,
    ``status`` → dcterms:type, customProperties."""
    node = deployment(ctx, ctx.urn)
    r = ctx.reader
    ctx.sink.text(node, DCTERMS.description, r.string(value, "description", "description"))
    ctx.sink.time(node, DCTERMS.created, stamp_time(value.get("createdAt")))
    ctx.sink.text(node, DCTERMS.type, r.string(value, "status", "status"))
    properties(ctx, node, value.get("customProperties"), "customProperties", "customProperties")


HANDLERS: dict[str, AspectHandler] = {
    "glossaryNodeInfo": glossary_node_info,
    "datasetKey": key_aspect,
    "tagKey": key_aspect,
    "glossaryTermKey": key_aspect,
    "subTypes": sub_types,
    "container": container,
    "containerProperties": container_properties,
    "mlModelDeploymentProperties": deployment_properties,
    "ownership": ownership,
    "globalTags": global_tags,
    "glossaryTerms": glossary_terms,
    "status": status,
    "structuredProperties": structured_properties,
    "datasetProperties": dataset_properties,
    "schemaMetadata": schema_metadata,
    "editableSchemaMetadata": schema_metadata,
    "upstreamLineage": upstream_lineage,
    "dataJobInfo": job_info,
    "dataFlowInfo": job_info,
    "dataJobInputOutput": job_input_output,
    "dataProcessInstanceProperties": run_properties,
    "dataProcessInstanceInput": run_input,
    "dataProcessInstanceOutput": run_output,
    "dataProcessInstanceRunEvent": run_event,
    "dataProcessInstanceRelationships": run_relationships,
    "mlTrainingRunProperties": training_run_properties,
    "mlModelProperties": model_properties,
    "mlModelTrainingData": model_training_data,
    "versionProperties": version_properties,
    "mlModelGroupProperties": model_group_properties,
    "mlFeatureProperties": feature_properties,
    "mlPrimaryKeyProperties": feature_properties,
    "mlFeatureTableProperties": feature_table_properties,
    "corpUserInfo": corp_info,
    "corpGroupInfo": corp_info,
    "tagProperties": concept_info,
    "glossaryTermInfo": concept_info,
}
