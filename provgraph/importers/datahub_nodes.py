"""DataHub entities → their nodes in the graph, and small readers shared by the aspect handlers.

Every node is minted from its URN alone (datahub_urns, ids), so the same entity referenced from
any aspect or file is the same IRI; a dataset URN goes through the platform mapping to the IRI
the OpenLineage importer mints for that table (ontology/MAPPING.md, "DataHub").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from pyoxigraph import NamedNode

from .. import ids
from ..vocab import DCAT, DCTERMS, MLS, PG, PROV, RDFS, SCHEMA, SKOS
from . import datahub_urns as urns
from .fields import RecordReader
from .openlineage_facets import declare_dataset, declare_field, declare_job
from .triples import TripleSink

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
    key = term_key(urn)
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


def glossary_node(ctx: AspectContext, urn: str) -> NamedNode:
    """A ``glossaryNode`` (a folder of terms) as a skos:Concept that its terms are narrower than."""
    node = urns.entity_iri("glossaryNode", urn)
    ctx.sink.types(node, SKOS.Concept)
    ctx.sink.text(node, SKOS.prefLabel, urns.parse(urn, "glossaryNode").id)
    return node


def container_node(ctx: AspectContext, urn: str) -> NamedNode:
    """A ``container`` (database, schema, project, experiment) as a prov:Collection."""
    node = urns.entity_iri("container", urn)
    ctx.sink.types(node, PROV.Entity, PROV.Collection)
    return node


def deployment(ctx: AspectContext, urn: str) -> NamedNode:
    """An ``mlModelDeployment`` (an endpoint serving models) as a dcat:DataService."""
    key = urns.dataset_key(urn, "mlModelDeployment")
    node = urns.entity_iri("mlModelDeployment", urn)
    ctx.sink.types(node, PROV.Entity, DCAT.DataService)
    ctx.sink.text(node, RDFS.label, key.name)
    return node


def schema_field_node(ctx: AspectContext, urn: str) -> NamedNode:
    """A ``schemaField`` URN → the pg:Field of its dataset (``ids.field``, v2 path simplified),
    declared on the dataset. Raises :class:`datahub_urns.UrnError`."""
    dataset_urn, field_path = urns.schema_field(urn)
    namespace, name = ctx.namespaces.locate(urns.dataset_key(dataset_urn))
    owner = dataset(ctx, dataset_urn)
    simple = urns.simple_field_path(field_path)
    node = ids.field(namespace, name, simple)
    declare_field(ctx.sink, owner, node, simple)
    return node


def io_node(ctx: AspectContext, urn: str) -> NamedNode:
    """The persistent node of a job's or run's input/output URN: a dataset, model or feature."""
    kind = urns.parse(urn).entity_type
    if kind == "mlModel":
        return model(ctx, urn)[0]
    if kind in ("mlFeature", "mlPrimaryKey", "mlFeatureTable"):
        return feature(ctx, urn)
    return dataset(ctx, urn)


def stamp_time(stamp: object) -> datetime | None:
    """An AuditStamp's ``time`` (ms since the epoch, UTC); 0 or absent means "not set"."""
    value = stamp.get("time") if isinstance(stamp, dict) else stamp
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    return datetime.fromtimestamp(value / 1000, tz=timezone.utc)


def stamp_actor(ctx: AspectContext, stamp: object) -> NamedNode | None:
    """An AuditStamp's ``actor`` as an agent, or None for no actor, ``unknown`` or a non-person."""
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
    return [(path, urn) for path, urn in found if well_formed(r, path, urn)]


def well_formed(r: RecordReader, path: str, urn: str) -> bool:
    """True for a parseable URN; otherwise notes the problem at ``path`` and returns False."""
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


def term_key(urn: str) -> str:
    """The key of a tag or glossary term URN: its whole id (``dbt:sensitive``, ``Classification.Sensitive``)."""
    return urns.parse(urn).id
