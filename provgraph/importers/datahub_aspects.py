"""DataHub aspects → PROV-O triples (ontology/MAPPING.md, "DataHub"), one handler per aspect name.

Handlers write the same shapes the OpenLineage importer writes: persistent datasets
(``dcat:Dataset`` with ``pg:namespace``/``pg:name``, IRIs from :func:`ids.dataset` through the
platform mapping), ``prov:wasDerivedFrom`` between datasets and between fields, jobs as
``pg:Job``, runs as ``pg:Run`` with ``pg:RunEvent`` records (so :mod:`provgraph.derive` computes
their times and what their outputs derive from), models as ``mls:Model``. A handler returns
``False`` when the aspect says nothing it maps for that kind of entity (counted as unmapped).
"""

from __future__ import annotations

from pyoxigraph import NamedNode

from .. import ids
from ..vocab import DCAT, DCTERMS, PG, PROV, RDFS, SCHEMA, SKOS
from . import datahub_urns as urns
from .datahub_ml import (deployment_properties, feature_properties, feature_table_properties, model_group_properties,
                         model_properties, model_training_data, training_run_properties, version_properties)
from .datahub_nodes import (AspectContext, AspectHandler, io_node, term_key, well_formed, agent, concept,
                            container_node, dataset, glossary_node, job, model, properties, run, schema_field_node,
                            stamp_actor, stamp_time, subject, urn_list)
from .fields import xsd_datetime
from .openlineage_facets import associate, attribute, declare_field, tag_subject

#: Timeseries aspects: every record is a fact of its own (no "last one wins").
TIMESERIES = {"dataProcessInstanceRunEvent", "datasetProfile", "operation", "datasetUsageStatistics",
              "assertionRunEvent", "queryUsageStatistics"}
#: DataHub run status/result → the OpenLineage run state derive.py understands.
_RESULTS = {"SUCCESS": "COMPLETE", "FAILURE": "FAIL", "SKIPPED": "ABORT", "UP_FOR_RETRY": "FAIL"}


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
        if not urn or not well_formed(r, f"{path}.dataset", urn):
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
        if query and well_formed(r, f"{path}.query", query):
            ctx.sink.add(qualified, DCTERMS.source, query_node(ctx, query))
        ctx.sink.add(node, PROV.qualifiedDerivation, qualified)
    fine_grained(ctx, value)


def fine_grained(ctx: AspectContext, value: dict) -> None:
    """``fineGrainedLineages[]``: each downstream field ``prov:wasDerivedFrom`` each upstream
    field (FIELD/FIELD_SET; DATASET-typed ends are skipped), qualified with
    ``pg:transformationType`` = ``transformOperation``, ``pg:confidenceScore`` and the ``query``
    (``dcterms:source``)."""
    r = ctx.reader
    for path, entry in r.objects(value, "fineGrainedLineages", "fineGrainedLineages"):
        ups = [u for u in urn_list(ctx, entry, "upstreams") if u[1].startswith("urn:li:schemaField:")]
        downs = [d for d in urn_list(ctx, entry, "downstreams") if d[1].startswith("urn:li:schemaField:")]
        operation = r.string(entry, "transformOperation", f"{path}.transformOperation")
        confidence = r.number(entry, "confidenceScore", f"{path}.confidenceScore")
        query = r.string(entry, "query", f"{path}.query")
        if query and not well_formed(r, f"{path}.query", query):
            query = None
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
                if query:
                    ctx.sink.add(qualified, DCTERMS.source, query_node(ctx, query))
                ctx.sink.add(target, PROV.qualifiedDerivation, qualified)


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
    inputs = [io_node(ctx, u) for _, u in urn_list(ctx, value, "inputDatasets", "inputDatasetEdges")]
    outputs = [io_node(ctx, u) for _, u in urn_list(ctx, value, "outputDatasets", "outputDatasetEdges")]
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
        ctx.sink.add(node, PROV.used, io_node(ctx, urn))


def run_output(ctx: AspectContext, value: dict):
    """``dataProcessInstanceOutput``: each output's version generated by the run — for a dataset
    ``version:{ns}/{name}/run/{dpi URN}``, for a model its version."""
    node = run(ctx, ctx.urn)
    for _, urn in urn_list(ctx, value, "outputs", "outputEdges"):
        kind = urns.parse(urn).entity_type
        if kind == "mlModel":
            ctx.sink.add(model(ctx, urn)[1], PROV.wasGeneratedBy, node)
            continue
        persistent = io_node(ctx, urn)
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


def corp_info(ctx: AspectContext, value: dict):
    """``corpUserInfo`` / ``corpGroupInfo``: displayName / fullName → schema:name, email → schema:email."""
    node = agent(ctx, ctx.urn)
    r = ctx.reader
    ctx.sink.text(node, SCHEMA.name, r.string(value, "displayName", "displayName") or r.string(value, "fullName", "fullName"))
    ctx.sink.text(node, SCHEMA.email, r.string(value, "email", "email"))


def concept_info(ctx: AspectContext, value: dict):
    """``tagProperties`` / ``glossaryTermInfo``: the concept's skos:definition (description or
    definition) and, for terms, its display name as skos:altLabel and ``parentNode`` as skos:broader."""
    key = term_key(ctx.urn)
    concept_node = concept(ctx, ctx.urn)
    r = ctx.reader
    ctx.sink.text(concept_node, SKOS.definition, r.string(value, "definition", "definition") or r.string(value, "description", "description"))
    name = r.string(value, "name", "name")
    if name and name != key:
        ctx.sink.text(concept_node, SKOS.altLabel, name)
    if ctx.aspect == "glossaryTermInfo":
        ctx.sink.types(concept_node, PG.GlossaryTerm)
        parent = r.string(value, "parentNode", "parentNode")
        if parent and well_formed(r, "parentNode", parent):
            ctx.sink.add(concept_node, SKOS.broader, glossary_node(ctx, parent))


def glossary_node_info(ctx: AspectContext, value: dict):
    """``glossaryNodeInfo``: the node's definition, display name (skos:altLabel) and
    ``parentNode`` (skos:broader)."""
    node = glossary_node(ctx, ctx.urn)
    r = ctx.reader
    ctx.sink.text(node, SKOS.definition, r.string(value, "definition", "definition"))
    ctx.sink.text(node, SKOS.altLabel, r.string(value, "name", "name"))
    parent = r.string(value, "parentNode", "parentNode")
    if parent and well_formed(r, "parentNode", parent):
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


def container(ctx: AspectContext, value: dict):
    """``container``: the entity ``dcterms:isPartOf`` its container (database, schema, project,
    experiment), a prov:Collection."""
    node = subject(ctx) if ctx.entity_type != "container" else container_node(ctx, ctx.urn)
    if node is None:
        return False
    urn = ctx.reader.string(value, "container", "container", required=True)
    if urn and well_formed(ctx.reader, "container", urn):
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


def query_node(ctx: AspectContext, urn: str) -> NamedNode:
    """A ``query`` entity (the SQL a lineage edge came from) as a prov:Plan."""
    node = urns.entity_iri("query", urn)
    ctx.sink.types(node, PROV.Entity, PROV.Plan)
    return node


def query_properties(ctx: AspectContext, value: dict):
    """``queryProperties``: ``statement.value`` → schema:text, ``statement.language`` →
    schema:programmingLanguage, name, description, ``created`` → dcterms:created."""
    node = query_node(ctx, ctx.urn)
    r = ctx.reader
    statement = r.obj(value, "statement", "statement", required=False) or {}
    ctx.sink.text(node, SCHEMA.text, r.string(statement, "value", "statement.value"))
    ctx.sink.text(node, SCHEMA.programmingLanguage, r.string(statement, "language", "statement.language"))
    ctx.sink.text(node, RDFS.label, r.string(value, "name", "name"))
    ctx.sink.text(node, DCTERMS.description, r.string(value, "description", "description"))
    ctx.sink.time(node, DCTERMS.created, stamp_time(value.get("created")))


HANDLERS: dict[str, AspectHandler] = {
    "queryProperties": query_properties,
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
