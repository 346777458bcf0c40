"""DataHub ML aspects → PROV-O (ontology/MAPPING.md, "DataHub"): models as mls:Model datasets
whose versions training runs generate, model groups, deployments, features and feature tables.
"""

from __future__ import annotations

from pyoxigraph import NamedNode

from ..vocab import DCAT, DCTERMS, PG, PROV
from . import datahub_urns as urns
from .datahub_nodes import (AspectContext, dataset, deployment, feature, job, model, model_group, properties, run,
                            stamp_time, urn_list, io_node)
from .openlineage_facets import associate, tag_subject


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
                ctx.sink.add(activity, PROV.used, io_node(ctx, urn))


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


def training_run_properties(ctx: AspectContext, value: dict):
    """``mlTrainingRunProperties``: hyperParams and trainingMetrics on the run."""
    node = run(ctx, ctx.urn)
    properties(ctx, node, value.get("hyperParams"), "hyperParams", "hyperParams")
    properties(ctx, node, value.get("trainingMetrics"), "trainingMetrics", "trainingMetrics")


def deployment_properties(ctx: AspectContext, value: dict):
    """``mlModelDeploymentProperties``: description, ``createdAt`` → dcterms:created,
    ``status`` → dcterms:type, customProperties."""
    node = deployment(ctx, ctx.urn)
    r = ctx.reader
    ctx.sink.text(node, DCTERMS.description, r.string(value, "description", "description"))
    ctx.sink.time(node, DCTERMS.created, stamp_time(value.get("createdAt")))
    ctx.sink.text(node, DCTERMS.type, r.string(value, "status", "status"))
    properties(ctx, node, value.get("customProperties"), "customProperties", "customProperties")
