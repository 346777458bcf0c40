"""A synthetic one-year ML platform as OpenLineage 2-0-2 RunEvents (NDJSON), for benchmarks.

Deterministic: every run id, time and row count comes from a ``random.Random`` seeded with
``seed``, so the same ``(scale, seed, days)`` gives byte-identical output. One knob, ``scale``:
the number of teams grows with it, and scale 1 gives about one million triples once ingested.

The platform: a few company-wide sources (customers, clickstream, payments, …) and, per team,
two raw sources of its own; every day each team runs two staging jobs (raw + one shared source →
staging table) and a feature job (both staging tables → feature table); every week each team
trains one model (its features + a neighbour team's features → a ``MODEL`` dataset with a
``version`` facet). Each run emits START (inputs) and COMPLETE (outputs with schema,
columnLineage, ownership, tags, outputStatistics), a few FAIL. Personal data is tagged with
``pii``, ``user-behavior`` and ``personal-data=<DPV category>`` (dpv-pd names such as
``pd:Behavioral``) at dataset and column level.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import IO, Iterator

PRODUCER = "https://github.com/provgraph/provgraph/generate"
EVENT_SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
FACET_BASE = "https://openlineage.io/spec/facets/"
YEAR_START = datetime(2025, 1, 1, tzinfo=timezone.utc)
#: Teams per unit of scale: tuned so that scale 1 ingests to about 1M triples.
TEAMS_PER_SCALE = 14
FAIL_RATE = 0.01
LINEAGE_COLUMNS = 3

#: Company-wide sources: (name, namespace, columns, dataset tags, {column: DPV category}).
SHARED_SOURCES = [
    ("crm.customers", "postgres://crm.internal:5432",
     ["customer_id", "full_name", "email", "date_of_birth", "postcode", "created_at"],
     ["pii", ("personal-data", "pd:Contact"), ("personal-data", "pd:Demographic")],
     {"full_name": "pd:Name", "email": "pd:EmailAddress", "date_of_birth": "pd:Age", "postcode": "pd:Location"}),
    ("clickstream.page_views", "kafka://events.internal:9092",
     ["user_id", "session_id", "page", "referrer", "event_ts", "device_id"],
     ["user-behavior", "pii", ("personal-data", "pd:Behavioral")],
     {"user_id": "pd:Identifying", "page": "pd:Behavioral", "device_id": "pd:DeviceBased"}),
    ("payments.transactions", "postgres://core-banking.internal:5432",
     ["txn_id", "account_id", "amount", "merchant_category", "txn_ts", "card_hash"],
     ["pii", ("personal-data", "pd:Financial")],
     {"account_id": "pd:FinancialAccount", "card_hash": "pd:PaymentCard"}),
    ("support.tickets", "postgres://support.internal:5432",
     ["ticket_id", "customer_id", "channel", "body", "opened_at", "sentiment"],
     ["pii", ("personal-data", "pd:Communication")],
     {"body": "pd:Communication", "sentiment": "pd:Behavioral"}),
    ("mobile.locations", "s3://acme-raw",
     ["device_id", "lat", "lon", "accuracy", "seen_at", "app_version"],
     ["user-behavior", "pii", ("personal-data", "pd:Location")],
     {"device_id": "pd:DeviceBased", "lat": "pd:Location", "lon": "pd:Location"}),
]
DOMAINS = ["orders", "inventory", "marketing", "pricing", "search", "fraud", "logistics", "ads", "risk", "growth"]


@dataclass(frozen=True)
class Dataset:
    namespace: str
    name: str
    columns: tuple[str, ...]
    owner: str
    tags: tuple = ()
    column_tags: tuple = ()  # (column, DPV category)
    kind: str = "TABLE"


@dataclass(frozen=True)
class Job:
    namespace: str
    name: str
    owner: str
    inputs: tuple[Dataset, ...]
    output: Dataset
    weekly: bool = False


def teams_for(scale: float) -> int:
    """How many teams a scale gives (at least one)."""
    return max(1, round(TEAMS_PER_SCALE * scale))


def platform(scale: float) -> list[Job]:
    """The jobs of the platform at ``scale``, in a fixed order."""
    teams = teams_for(scale)
    shared = [Dataset(ns, name, tuple(cols), "team:data-platform", tuple(tags), tuple(sorted(ctags.items())), "TABLE")
              for name, ns, cols, tags, ctags in SHARED_SOURCES[:max(2, min(len(SHARED_SOURCES), 2 + teams // 4))]]
    jobs: list[Job] = []
    features: list[Dataset] = []
    for t in range(teams):
        team = f"{DOMAINS[t % len(DOMAINS)]}-{t // len(DOMAINS) + 1}" if t >= len(DOMAINS) else DOMAINS[t]
        owner = f"team:{team}"
        staging = []
        for k in range(2):
            raw_columns = tuple(f"{c}_{k}" for c in ("id", "customer_id", "value", "status", "updated_at")) + ("email",)
            raw = Dataset("s3://acme-raw", f"{team}/raw_{k}.parquet", raw_columns, owner,
                          ("pii",) if k == 0 else (), (("email", "pd:EmailAddress"),) if k == 0 else (), "FILE")
            source = shared[(t + k) % len(shared)]
            stage = Dataset("postgres://warehouse.internal:5432", f"warehouse.{team.replace('-', '_')}.staging_{k}",
                            raw_columns[:4] + source.columns[:3], owner)
            jobs.append(Job("airflow-prod", f"{team}.stage_{k}", owner, (raw, source), stage))
            staging.append(stage)
        feature_columns = tuple(f"f_{i}" for i in range(8))
        feature = Dataset("postgres://warehouse.internal:5432", f"warehouse.{team.replace('-', '_')}.features",
                          feature_columns, owner)
        jobs.append(Job("spark-prod", f"{team}.features", owner, tuple(staging), feature))
        features.append(feature)
    for t, feature in enumerate(features):
        neighbour = features[(t + 1) % len(features)]
        team = feature.owner.split(":", 1)[1]
        model = Dataset("s3://acme-models", f"{team}_model", ("score", "label"), feature.owner, (), (), "MODEL")
        inputs = (feature,) if neighbour == feature else (feature, neighbour)
        jobs.append(Job("airflow-prod", f"{team}.train_model", feature.owner, inputs, model, weekly=True))
    return jobs


def _facet(schema: str, version: str, **fields) -> dict:
    return {"_producer": PRODUCER, "_schemaURL": f"{FACET_BASE}{version}/{schema}.json#/$defs/{schema}", **fields}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _tag(spec) -> dict:
    key, value = (spec, "true") if isinstance(spec, str) else spec
    return {"key": key, "value": value}


def _dataset_facets(ds: Dataset) -> dict:
    fields = [{"name": c, "type": "VARCHAR" if i % 3 else "BIGINT"} for i, c in enumerate(ds.columns)]
    for spec in fields:
        category = dict(ds.column_tags).get(spec["name"])
        if category:
            spec["tags"] = [{"key": "pii", "value": "true"}, {"key": "personal-data", "value": category}]
    facets = {
        "schema": _facet("SchemaDatasetFacet", "1-2-0", fields=fields),
        "ownership": _facet("OwnershipDatasetFacet", "1-0-1", owners=[{"name": ds.owner, "type": "OWNER"}]),
    }
    if ds.tags:
        facets["tags"] = _facet("TagsDatasetFacet", "1-0-0", tags=[_tag(t) for t in ds.tags])
    if ds.kind != "TABLE":
        facets["datasetType"] = _facet("DatasetTypeDatasetFacet", "1-0-1", datasetType=ds.kind)
    return facets


def _column_lineage(job: Job) -> dict:
    sources = [(ds, c) for ds in job.inputs for c in ds.columns]
    fields = {}
    # Column lineage for the first few columns, as integrations that trace only direct copies give.
    for i, column in enumerate(job.output.columns[:LINEAGE_COLUMNS]):
        picked = [sources[(i * 7 + 3) % len(sources)]]
        fields[column] = {"inputFields": [
            {"namespace": ds.namespace, "name": ds.name, "field": c,
             "transformations": [{"type": "DIRECT" if n == 0 else "INDIRECT", "subtype": "TRANSFORMATION" if n == 0 else "JOIN",
                                  "masking": c == "email"}]}
            for n, (ds, c) in enumerate(dict.fromkeys(picked))]}
    return _facet("ColumnLineageDatasetFacet", "1-2-0", fields=fields)


class _Renderer:
    """Builds the events of one job run; the per-job facets are made once and reused."""

    def __init__(self, job: Job):
        self.job = job
        self.job_block = {"namespace": job.namespace, "name": job.name, "facets": {
            "jobType": _facet("JobTypeJobFacet", "2-0-4", processingType="BATCH",
                              integration="SPARK" if job.namespace == "spark-prod" else "AIRFLOW", jobType="TASK"),
            "ownership": _facet("OwnershipJobFacet", "1-0-1", owners=[{"name": job.owner, "type": "OWNER"}]),
            "documentation": _facet("DocumentationJobFacet", "1-1-0",
                                    description=f"Builds {job.output.name} from {', '.join(d.name for d in job.inputs)}."),
        }}
        self.inputs = [{"namespace": d.namespace, "name": d.name, "facets": _dataset_facets(d)} for d in job.inputs]
        self.output_facets = {**_dataset_facets(job.output), "columnLineage": _column_lineage(job)}

    def events(self, run_id: str, start: datetime, end: datetime, failed: bool, rows: int, version: str | None) -> list[dict]:
        common = {"producer": PRODUCER, "schemaURL": EVENT_SCHEMA_URL, "job": self.job_block}
        nominal = {"nominalTime": _facet("NominalTimeRunFacet", "1-0-1", nominalStartTime=_iso(start.replace(minute=0, second=0, microsecond=0)))}
        begin = {"eventType": "START", "eventTime": _iso(start), "run": {"runId": run_id, "facets": nominal},
                 "inputs": self.inputs, "outputs": [], **common}
        if failed:
            error = {"errorMessage": _facet("ErrorMessageRunFacet", "1-0-1", message="executor lost", programmingLanguage="python")}
            return [begin, {"eventType": "FAIL", "eventTime": _iso(end), "run": {"runId": run_id, "facets": error},
                            "inputs": [], "outputs": [], **common}]
        facets = dict(self.output_facets)
        if version:
            facets["version"] = _facet("DatasetVersionDatasetFacet", "1-0-1", datasetVersion=version)
        output = {"namespace": self.job.output.namespace, "name": self.job.output.name, "facets": facets,
                  "outputFacets": {"outputStatistics": _facet("OutputStatisticsOutputDatasetFacet", "1-0-2",
                                                              rowCount=rows, size=rows * 120)}}
        return [begin, {"eventType": "COMPLETE", "eventTime": _iso(end), "run": {"runId": run_id, "facets": {}},
                        "inputs": [], "outputs": [output], **common}]


def events(scale: float = 1.0, seed: int = 1, days: int = 365) -> Iterator[dict]:
    """The platform's events day by day, each day's sorted by eventTime."""
    rng = random.Random(seed)
    namespace = uuid.UUID(int=seed)
    jobs = platform(scale)
    renderers = [_Renderer(job) for job in jobs]
    for day in range(days):
        midnight = YEAR_START + timedelta(days=day)
        todays = []
        for order, (job, renderer) in enumerate(zip(jobs, renderers)):
            if job.weekly and midnight.weekday() != 0:
                continue
            stage = 2 if job.weekly else (1 if job.name.endswith(".features") else 0)
            start = midnight + timedelta(hours=1 + 2 * stage, seconds=rng.randrange(3600), milliseconds=rng.randrange(1000))
            end = start + timedelta(seconds=60 + rng.randrange(1800), milliseconds=rng.randrange(1000))
            run_id = str(uuid.uuid5(namespace, f"{job.namespace}/{job.name}/{day}"))
            version = f"{midnight.isocalendar().year}.W{midnight.isocalendar().week:02d}" if job.weekly else None
            failed = rng.random() < FAIL_RATE
            for n, event in enumerate(renderer.events(run_id, start, end, failed, 1000 + rng.randrange(1_000_000), version)):
                todays.append((event["eventTime"], order, n, event))
        todays.sort(key=lambda item: item[:3])
        for *_, event in todays:
            yield event


def write(out: IO[str], scale: float = 1.0, seed: int = 1, days: int = 365) -> int:
    """Write the events as NDJSON to ``out``; returns how many were written."""
    count = 0
    for event in events(scale, seed, days):
        out.write(json.dumps(event, separators=(",", ":")))
        out.write("\n")
        count += 1
    return count


__all__ = ["events", "write", "platform", "teams_for"]
