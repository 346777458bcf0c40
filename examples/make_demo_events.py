#!/usr/bin/env python3
"""Generate the provgraph demo platform: one year (2025) of OpenLineage 2-0-2 RunEvents.

Standalone and stdlib-only. The output is deterministic: run ids are ``uuid5`` over a
fixed namespace, commit shas are ``sha1`` over fixed strings, and every "random" duration
or row count comes from a ``random.Random`` seeded with the pipeline's name. Running it
twice gives byte-identical files.

    python examples/make_demo_events.py            # writes examples/demo-platform/*.ndjson
    python examples/make_demo_events.py --out DIR  # somewhere else

One NDJSON file per pipeline (an Airflow DAG), sorted by eventTime:

* ``sales.ndjson``       DAG ``sales_weekly``            raw sales CSV -> staging -> customer features
* ``clickstream.ndjson`` DAG ``clickstream_weekly``      Kafka page views -> user sessions -> recommender model
* ``churn.ndjson``       DAG ``churn_model_weekly``      customer features + user sessions -> churn model
* ``credit.ndjson``      DAG ``credit_scoring_monthly``  5 internal + 2 vendor sources -> credit features -> credit model

Every run of a task emits START (with its inputs) and COMPLETE (with its outputs) — or FAIL;
every DAG run emits its own START and COMPLETE/FAIL, and each task run points at it with a
``parent`` run facet.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

PRODUCER = "https://github.com/provgraph/provgraph/examples"
EVENT_SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
RUN_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, PRODUCER + "/demo-platform")
DEFAULT_OUT = Path(__file__).resolve().parent / "demo-platform"

#: Facet schema versions, as published in the OpenLineage spec (the ``$id`` of each facet file).
FACET_VERSIONS = {
    "ColumnLineageDatasetFacet": "1-2-0",
    "DatasetTypeDatasetFacet": "1-0-1",
    "DatasetVersionDatasetFacet": "1-0-1",
    "DatasourceDatasetFacet": "1-0-1",
    "DocumentationDatasetFacet": "1-1-0",
    "DocumentationJobFacet": "1-1-0",
    "ErrorMessageRunFacet": "1-0-1",
    "JobTypeJobFacet": "2-0-4",
    "NominalTimeRunFacet": "1-0-1",
    "OutputStatisticsOutputDatasetFacet": "1-0-2",
    "OwnershipDatasetFacet": "1-0-1",
    "OwnershipJobFacet": "1-0-1",
    "ParentRunFacet": "1-2-0",
    "ProcessingEngineRunFacet": "1-1-1",
    "SQLJobFacet": "1-1-0",
    "SchemaDatasetFacet": "1-2-0",
    "SourceCodeLocationJobFacet": "1-1-0",
    "TagsDatasetFacet": "1-0-0",
}

SCHEDULER_NAMESPACE = "airflow-prod"
JOB_NAMESPACES = {"AIRFLOW": "airflow-prod", "SPARK": "spark-prod"}

WAREHOUSE = "postgres://warehouse.internal:5432"
S3_RAW = "s3://acme-raw"
KAFKA = "kafka://events.internal:9092"
S3_MODELS = "s3://acme-models"
CORE_BANKING = "postgres://core-banking.internal:5432"
CRM = "postgres://crm.internal:5432"
LOANS = "postgres://loans.internal:5432"
COLLECTIONS = "postgres://collections.internal:5432"
EXPERIAN = "sftp://vendor-experian"
INCOMECHECK = "https://api.vendor-incomecheck.example"

DATA_SOURCE_NAMES = {
    WAREHOUSE: "warehouse",
    S3_RAW: "acme-raw",
    KAFKA: "events-kafka",
    S3_MODELS: "acme-models",
    CORE_BANKING: "core-banking",
    CRM: "crm",
    LOANS: "loans",
    COLLECTIONS: "collections",
    EXPERIAN: "vendor-experian",
    INCOMECHECK: "vendor-incomecheck",
}


# --------------------------------------------------------------------------------------------
# Facet helpers
# --------------------------------------------------------------------------------------------


def facet(schema_name: str, **fields) -> dict:
    """A facet with its ``_producer`` and ``_schemaURL``."""
    version = FACET_VERSIONS[schema_name]
    return {
        "_producer": PRODUCER,
        "_schemaURL": f"https://openlineage.io/spec/facets/{version}/{schema_name}.json#/$defs/{schema_name}",
        **fields,
    }


def owners(team: str) -> list[dict]:
    return [{"name": f"team:{team}", "type": "OWNER"}]


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with millisecond precision and a ``Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def tag(key: str, value: str = "true", field_name: str | None = None) -> dict:
    entry = {"key": key, "value": value}
    if field_name:
        entry["field"] = field_name
    return entry


# --------------------------------------------------------------------------------------------
# Datasets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    namespace: str
    name: str
    fields: tuple[tuple[str, str], ...]  # (column, type)
    owner: str
    description: str
    dataset_type: str  # TABLE | FILE | TOPIC | MODEL
    tags: tuple[dict, ...] = ()
    #: A source of the platform (no demo job writes it): its catalog facets ride on the inputs.
    external: bool = False

    def ref(self, column: str) -> tuple["Dataset", str]:
        assert column in {c for c, _ in self.fields}, (self.name, column)
        return (self, column)


def cols(spec: str) -> tuple[tuple[str, str], ...]:
    """``"a BIGINT, b VARCHAR"`` -> ``(("a", "BIGINT"), ("b", "VARCHAR"))``."""
    parts = re.split(r",\s*(?![^()]*\))", spec)  # commas outside parentheses: NUMERIC(12,2) stays whole
    return tuple(tuple(part.strip().split(" ", 1)) for part in parts)  # type: ignore[misc]


D: dict[str, Dataset] = {}


def dataset(key: str, *args, **kwargs) -> Dataset:
    D[key] = Dataset(*args, **kwargs)
    return D[key]


# Sales
dataset("sales_csv", S3_RAW, "sales/sales_2025.csv",
        cols("order_id STRING, customer_id STRING, email STRING, amount STRING, order_ts STRING"),
        "sales-ops", "Daily export of web-shop orders for 2025, appended by the order service (CSV, header row).",
        "FILE", (tag("pii", field_name="email"),), external=True)
dataset("sales_clean", WAREHOUSE, "warehouse.staging.sales_clean",
        cols("order_id BIGINT, customer_id BIGINT, email VARCHAR, amount NUMERIC(12,2), order_ts TIMESTAMPTZ"),
        "sales-analytics", "Typed, de-duplicated orders with positive amounts.", "TABLE")
dataset("customer_features", WAREHOUSE, "warehouse.analytics.customer_features",
        cols("customer_id BIGINT, email_hash CHAR(64), order_count INTEGER, customer_lifetime_value NUMERIC(14,2), "
             "avg_order_value NUMERIC(12,2), last_order_ts TIMESTAMPTZ"),
        "sales-analytics", "One row per customer: order history aggregates; the e-mail address only as a SHA-256 hash.",
        "TABLE")

# Clickstream
dataset("page_views", KAFKA, "clickstream.page_views",
        cols("user_id STRING, session_id STRING, page STRING, event_ts TIMESTAMP"),
        "web-platform", "Page-view events from the web and app front ends (one message per view).", "TOPIC",
        (tag("user-behavior"), tag("pii", field_name="user_id")), external=True)
dataset("user_sessions", WAREHOUSE, "warehouse.analytics.user_sessions",
        cols("session_id VARCHAR, user_id VARCHAR, session_start TIMESTAMPTZ, session_end TIMESTAMPTZ, "
             "page_views INTEGER, landing_page VARCHAR, pages VARCHAR[]"),
        "personalization", "Browsing sessions reconstructed from page views (30-minute inactivity gap).", "TABLE")
dataset("recommender", S3_MODELS, "recommender",
        cols("user_embedding ARRAY<FLOAT>, item_embedding ARRAY<FLOAT>"),
        "personalization", "ALS page recommender, retrained weekly on the last 12 weeks of sessions.", "MODEL")

# Churn
dataset("churn_model", S3_MODELS, "churn_model",
        cols("customer_lifetime_value DOUBLE, order_count DOUBLE, avg_order_value DOUBLE, days_since_last_order DOUBLE, "
             "sessions_28d DOUBLE, avg_pages_per_session DOUBLE, churn_probability DOUBLE"),
        "customer-ml", "Gradient-boosted churn classifier (90-day horizon); features and predicted output.", "MODEL")

# Credit: sources
dataset("accounts", CORE_BANKING, "core.public.accounts",
        cols("account_id BIGINT, customer_id BIGINT, account_type VARCHAR, balance NUMERIC(14,2), opened_at DATE"),
        "core-banking", "Current and savings accounts (system of record).", "TABLE", external=True)
dataset("transactions", CORE_BANKING, "core.public.transactions",
        cols("txn_id BIGINT, account_id BIGINT, amount NUMERIC(14,2), txn_ts TIMESTAMPTZ, merchant_category VARCHAR"),
        "core-banking", "Posted account transactions (system of record).", "TABLE", external=True)
dataset("customers", CRM, "crm.public.customers",
        cols("customer_id BIGINT, full_name VARCHAR, email VARCHAR, date_of_birth DATE, postcode VARCHAR, created_at TIMESTAMPTZ"),
        "crm", "Customer master data from the CRM.", "TABLE",
        (tag("pii", field_name="email"), tag("pii", field_name="date_of_birth")), external=True)
dataset("applications", LOANS, "loans.public.applications",
        cols("application_id BIGINT, customer_id BIGINT, requested_amount NUMERIC(12,2), term_months INTEGER, "
             "purpose VARCHAR, declared_income NUMERIC(12,2), submitted_at TIMESTAMPTZ"),
        "lending", "Loan applications as submitted.", "TABLE", external=True)
dataset("delinquencies", COLLECTIONS, "collections.public.delinquencies",
        cols("delinquency_id BIGINT, account_id BIGINT, days_past_due INTEGER, amount_due NUMERIC(12,2), reported_at DATE"),
        "collections", "Missed-payment cases opened by collections.", "TABLE", external=True)
dataset("bureau_scores", EXPERIAN, "credit_bureau_scores.csv",
        cols("customer_id STRING, bureau_score STRING, inquiries_12m STRING, score_date STRING"),
        "vendor-management", "Monthly credit bureau score file delivered by Experian over SFTP.", "FILE",
        (tag("external-vendor"),), external=True)
dataset("income_api", INCOMECHECK, "income_verification",
        cols("customer_id STRING, verified_income NUMBER, employer_verified BOOLEAN, verified_at STRING"),
        "vendor-management", "Income verification results from the IncomeCheck REST API.", "FILE",
        (tag("external-vendor"),), external=True)

# Credit: warehouse copies (same columns, warehouse types) and features
RAW_COPIES = {
    "accounts": "core_accounts",
    "transactions": "core_transactions",
    "customers": "crm_customers",
    "applications": "loan_applications",
    "delinquencies": "collections_delinquencies",
    "bureau_scores": "credit_bureau_scores",
    "income_api": "income_verification",
}
VENDOR_TYPES = {
    "bureau_scores": cols("customer_id BIGINT, bureau_score INTEGER, inquiries_12m INTEGER, score_date DATE"),
    "income_api": cols("customer_id BIGINT, verified_income NUMERIC(12,2), employer_verified BOOLEAN, verified_at TIMESTAMPTZ"),
}
#: A deliberate governance gap the demo's `validate` finds: this copy names no owner.
UNOWNED = {"collections_delinquencies"}
for _src, _raw in RAW_COPIES.items():
    dataset(f"raw_{_raw}", WAREHOUSE, f"warehouse.raw.{_raw}", VENDOR_TYPES.get(_src, D[_src].fields),
            "" if _raw in UNOWNED else "risk-data",
            f"Monthly copy of {D[_src].namespace}/{D[_src].name}.", "TABLE")
dataset("credit_features", WAREHOUSE, "warehouse.risk.credit_features",
        cols("application_id BIGINT, customer_id BIGINT, age_years INTEGER, avg_balance_90d NUMERIC(14,2), "
             "txn_volume_90d NUMERIC(14,2), delinquency_count_24m INTEGER, bureau_score INTEGER, verified_income NUMERIC(12,2), "
             "debt_to_income NUMERIC(6,3), requested_amount NUMERIC(12,2)"),
        "risk-data", "One row per loan application of the last 24 months, joined with account, bureau and income data.",
        "TABLE")
dataset("credit_scoring", S3_MODELS, "credit_scoring",
        cols("age_years DOUBLE, avg_balance_90d DOUBLE, txn_volume_90d DOUBLE, delinquency_count_24m DOUBLE, "
             "bureau_score DOUBLE, verified_income DOUBLE, debt_to_income DOUBLE, requested_amount DOUBLE, default_probability DOUBLE"),
        "credit-risk-ml", "Logistic-regression scorecard for loan applications; features and predicted output.", "MODEL")


# --------------------------------------------------------------------------------------------
# Column lineage helpers
# --------------------------------------------------------------------------------------------


def tr(kind: str, subtype: str, description: str = "", masking: bool = False) -> dict:
    out = {"type": kind, "subtype": subtype}
    if description:
        out["description"] = description
    if masking:
        out["masking"] = True
    return out


def src(ref: tuple[Dataset, str], *transformations: dict) -> dict:
    ds, column = ref
    return {"namespace": ds.namespace, "name": ds.name, "field": column, "transformations": list(transformations)}


IDENTITY = tr("DIRECT", "IDENTITY")


def identity_lineage(source: Dataset, target: Dataset) -> dict:
    return {"fields": {c: [src(source.ref(c), IDENTITY)] for c, _ in target.fields}}


# --------------------------------------------------------------------------------------------
# Jobs and DAGs
# --------------------------------------------------------------------------------------------

REPOS = {
    # repo key: (web url, deploy dates — the sha deployed on a date is the one every later run uses)
    "airflow-dags": ("https://git.acme.internal/data-platform/airflow-dags",
                     ["2024-12-16", "2025-02-11", "2025-04-02", "2025-05-27", "2025-07-15", "2025-09-09", "2025-11-04"]),
    "spark-jobs": ("https://git.acme.internal/personalization/spark-jobs",
                   ["2024-12-09", "2025-03-18", "2025-06-24", "2025-10-07"]),
    "ml-models": ("https://git.acme.internal/ml-platform/ml-models",
                  ["2024-12-18", "2025-03-04", "2025-05-13", "2025-08-06", "2025-08-13", "2025-10-21"]),
}


def commit_sha(repo: str, moment: datetime) -> str:
    url, deploys = REPOS[repo]
    deployed = [d for d in deploys if date.fromisoformat(d) <= moment.date()]
    return hashlib.sha1(f"{url}@{deployed[-1]}".encode()).hexdigest()


def engine(integration: str, moment: datetime) -> dict:
    if integration == "SPARK":
        early = moment < datetime(2025, 7, 1, tzinfo=timezone.utc)
        return {"version": "3.5.4" if early else "3.5.5", "name": "spark",
                "openlineageAdapterVersion": "1.27.0" if early else "1.34.0"}
    early = moment < datetime(2025, 4, 7, tzinfo=timezone.utc)
    return {"version": "2.10.4" if early else "2.10.5", "name": "Airflow",
            "openlineageAdapterVersion": "2.0.0" if early else "2.1.3"}


@dataclass
class Job:
    name: str
    integration: str  # AIRFLOW | SPARK
    owner: str
    description: str
    repo: str
    path: str
    inputs: list[str]
    outputs: list[str]
    #: output key -> {"fields": {column: [input field, ...]}, "dataset": [input field, ...]}
    lineage: dict[str, dict] = field(default_factory=dict)
    duration: tuple[int, int] = (120, 600)  # seconds, uniform
    deps: list[str] = field(default_factory=list)  # names of upstream tasks in the same DAG
    sql: str | None = None

    @property
    def namespace(self) -> str:
        return JOB_NAMESPACES[self.integration]


@dataclass
class Dag:
    dag_id: str
    file: str  # output file name
    owner: str
    description: str
    path: str  # DAG file in the airflow-dags repo
    schedule: list[datetime]
    tasks: list[Job]
    seed: str
    #: (task name, nominal date) -> (message, stack trace): those runs FAIL and write nothing.
    failures: dict[tuple[str, date], tuple[str, str]] = field(default_factory=dict)


def weekly_mondays(hour: int) -> list[datetime]:
    first = datetime(2025, 1, 6, hour, tzinfo=timezone.utc)  # first Monday of 2025
    return [first + timedelta(weeks=i) for i in range(52)]


def monthly(hour: int) -> list[datetime]:
    return [datetime(2025, m, 1, hour, tzinfo=timezone.utc) for m in range(1, 13)]


def next_nominal(schedule: list[datetime], i: int) -> datetime:
    if i + 1 < len(schedule):
        return schedule[i + 1]
    step = schedule[1] - schedule[0]
    if step >= timedelta(days=28):  # monthly
        last = schedule[i]
        return last.replace(year=last.year + (last.month == 12), month=last.month % 12 + 1)
    return schedule[i] + step


def weekly_version(nominal: datetime) -> str:
    """The ISO week of the data a weekly run trained on (the week that ended the day before)."""
    year, week, _ = (nominal - timedelta(days=7)).isocalendar()
    return f"{year}.W{week:02d}"


def monthly_version(nominal: datetime) -> str:
    return f"{nominal.year}.M{nominal.month:02d}"


# ---- Sales ---------------------------------------------------------------------------------

sc, cf, csv = D["sales_clean"], D["customer_features"], D["sales_csv"]
SALES = Dag(
    "sales_weekly", "sales.ndjson", "sales-analytics",
    "Weekly load of the web-shop sales export into the warehouse and rebuild of per-customer features.",
    "dags/sales_weekly.py", weekly_mondays(2),
    [
        Job("sales.clean_sales", "AIRFLOW", "sales-analytics",
            "Loads the weekly sales CSV, casts types, drops non-positive amounts and duplicate orders.",
            "airflow-dags", "dags/sales/sql/clean_sales.sql", ["sales_csv"], ["sales_clean"],
            lineage={"sales_clean": {
                "fields": {
                    "order_id": [src(csv.ref("order_id"), tr("DIRECT", "TRANSFORMATION", "order_id::bigint"))],
                    "customer_id": [src(csv.ref("customer_id"), tr("DIRECT", "TRANSFORMATION", "customer_id::bigint"))],
                    "email": [src(csv.ref("email"), tr("DIRECT", "TRANSFORMATION", "lower(trim(email))"))],
                    "amount": [src(csv.ref("amount"), tr("DIRECT", "TRANSFORMATION", "amount::numeric(12,2)"))],
                    "order_ts": [src(csv.ref("order_ts"), tr("DIRECT", "TRANSFORMATION", "order_ts::timestamptz"))],
                },
                "dataset": [src(csv.ref("amount"), tr("INDIRECT", "FILTER", "amount > 0")),
                            src(csv.ref("order_id"), tr("INDIRECT", "WINDOW", "DISTINCT ON (order_id)"))],
            }},
            duration=(150, 380),
            sql="INSERT INTO staging.sales_clean (order_id, customer_id, email, amount, order_ts)\n"
                "SELECT DISTINCT ON (order_id) order_id::bigint, customer_id::bigint, lower(trim(email)), "
                "amount::numeric(12,2), order_ts::timestamptz\nFROM raw_ext.sales_2025_csv\n"
                "WHERE amount::numeric > 0\nORDER BY order_id, order_ts DESC\nON CONFLICT (order_id) DO NOTHING"),
        Job("sales.build_customer_features", "AIRFLOW", "sales-analytics",
            "Rebuilds per-customer order aggregates (lifetime value, order count, recency); hashes the e-mail address.",
            "airflow-dags", "dags/sales/sql/build_customer_features.sql", ["sales_clean"], ["customer_features"],
            lineage={"customer_features": {
                "fields": {
                    "customer_id": [src(sc.ref("customer_id"), IDENTITY)],
                    "email_hash": [src(sc.ref("email"), tr("DIRECT", "HASH", "sha256(max(email))", masking=True))],
                    "order_count": [src(sc.ref("order_id"), tr("DIRECT", "AGGREGATION", "count(order_id)"))],
                    "customer_lifetime_value": [src(sc.ref("amount"), tr("DIRECT", "AGGREGATION", "sum(amount)"))],
                    "avg_order_value": [src(sc.ref("amount"), tr("DIRECT", "AGGREGATION", "avg(amount)"))],
                    "last_order_ts": [src(sc.ref("order_ts"), tr("DIRECT", "AGGREGATION", "max(order_ts)"))],
                },
                "dataset": [src(sc.ref("customer_id"), tr("INDIRECT", "GROUP_BY", "GROUP BY customer_id"))],
            }},
            duration=(240, 560), deps=["sales.clean_sales"],
            sql="TRUNCATE analytics.customer_features;\nINSERT INTO analytics.customer_features\n"
                "SELECT customer_id, encode(sha256(convert_to(max(email), 'UTF8')), 'hex') AS email_hash,\n"
                "  count(order_id) AS order_count, sum(amount) AS customer_lifetime_value,\n"
                "  avg(amount) AS avg_order_value, max(order_ts) AS last_order_ts\n"
                "FROM staging.sales_clean\nGROUP BY customer_id"),
    ],
    seed="sales",
)

# ---- Clickstream ---------------------------------------------------------------------------

pv, us = D["page_views"], D["user_sessions"]
CLICKSTREAM = Dag(
    "clickstream_weekly", "clickstream.ndjson", "personalization",
    "Weekly sessionization of web page views and retraining of the page recommender.",
    "dags/clickstream_weekly.py", weekly_mondays(2),
    [
        Job("web.sessionize_clicks", "SPARK", "personalization",
            "Spark batch job: reads last week's page views from Kafka and groups them into sessions.",
            "spark-jobs", "jobs/sessionize_clicks.py", ["page_views"], ["user_sessions"],
            lineage={"user_sessions": {
                "fields": {
                    "session_id": [src(pv.ref("session_id"), IDENTITY)],
                    "user_id": [src(pv.ref("user_id"), IDENTITY)],
                    "session_start": [src(pv.ref("event_ts"), tr("DIRECT", "AGGREGATION", "min(event_ts)"))],
                    "session_end": [src(pv.ref("event_ts"), tr("DIRECT", "AGGREGATION", "max(event_ts)"))],
                    "page_views": [src(pv.ref("page"), tr("DIRECT", "AGGREGATION", "count(page)"))],
                    "landing_page": [src(pv.ref("page"), tr("DIRECT", "AGGREGATION", "first(page)")),
                                     src(pv.ref("event_ts"), tr("INDIRECT", "SORT", "ORDER BY event_ts"))],
                    "pages": [src(pv.ref("page"), tr("DIRECT", "AGGREGATION", "collect_list(page)"))],
                },
                "dataset": [src(pv.ref("user_id"), tr("INDIRECT", "GROUP_BY")),
                            src(pv.ref("session_id"), tr("INDIRECT", "GROUP_BY"))],
            }},
            duration=(540, 1260)),
        Job("ml.train_recommender", "SPARK", "personalization",
            "Spark MLlib ALS: learns user and page embeddings from the last 12 weeks of sessions.",
            "spark-jobs", "jobs/train_recommender.py", ["user_sessions"], ["recommender"],
            lineage={"recommender": {
                "fields": {
                    "user_embedding": [src(us.ref("user_id"), tr("DIRECT", "TRANSFORMATION", "ALS user factors"))],
                    "item_embedding": [src(us.ref("pages"), tr("DIRECT", "TRANSFORMATION", "ALS item factors"))],
                },
                "dataset": [src(us.ref("session_start"), tr("INDIRECT", "FILTER", "last 12 weeks"))],
            }},
            duration=(900, 2100), deps=["web.sessionize_clicks"]),
    ],
    seed="clickstream",
)

# ---- Churn ---------------------------------------------------------------------------------

CHURN_ERROR = (
    "ValueError: Input X contains NaN.\n"
    "GradientBoostingClassifier does not accept missing values encoded as NaN natively.",
    "Traceback (most recent call last):\n"
    '  File "/opt/ml-models/churn/train.py", line 112, in main\n'
    "    model.fit(X_train, y_train)\n"
    '  File "/usr/local/lib/python3.11/site-packages/sklearn/ensemble/_gb.py", line 659, in fit\n'
    "    X, y = self._validate_data(X, y, dtype=DTYPE, multi_output=True)\n"
    "ValueError: Input X contains NaN.",
)
CHURN = Dag(
    "churn_model_weekly", "churn.ndjson", "customer-ml",
    "Weekly retraining of the customer churn model from sales features and web sessions.",
    "dags/churn_model_weekly.py", weekly_mondays(4),
    [
        Job("ml.train_churn_model", "AIRFLOW", "customer-ml",
            "Joins customer features with 28-day session activity and fits a gradient-boosted churn classifier.",
            "ml-models", "churn/train.py", ["customer_features", "user_sessions"], ["churn_model"],
            lineage={"churn_model": {
                "fields": {
                    "customer_lifetime_value": [src(cf.ref("customer_lifetime_value"), IDENTITY)],
                    "order_count": [src(cf.ref("order_count"), IDENTITY)],
                    "avg_order_value": [src(cf.ref("avg_order_value"), IDENTITY)],
                    "days_since_last_order": [src(cf.ref("last_order_ts"),
                                                  tr("DIRECT", "TRANSFORMATION", "nominal_date - last_order_ts"))],
                    "sessions_28d": [src(us.ref("session_id"), tr("DIRECT", "AGGREGATION", "count(session_id)"))],
                    "avg_pages_per_session": [src(us.ref("page_views"), tr("DIRECT", "AGGREGATION", "avg(page_views)"))],
                    "churn_probability": [src(cf.ref(c), tr("INDIRECT", "TRANSFORMATION", "model prediction"))
                                          for c in ("customer_lifetime_value", "order_count", "last_order_ts")],
                },
                "dataset": [src(cf.ref("customer_id"), tr("INDIRECT", "JOIN", "customer_id = user_id")),
                            src(us.ref("user_id"), tr("INDIRECT", "JOIN", "customer_id = user_id"))],
            }},
            duration=(420, 1140)),
    ],
    seed="churn",
    failures={("ml.train_churn_model", date(2025, 8, 11)): CHURN_ERROR},
)

# ---- Credit --------------------------------------------------------------------------------

INGEST_TASKS = []
for _src, _raw in RAW_COPIES.items():
    source, target = D[_src], D[f"raw_{_raw}"]
    is_sql = source.namespace.startswith("postgres://")
    INGEST_TASKS.append(Job(
        f"credit.ingest_{_raw}", "AIRFLOW", "risk-data",
        f"Copies {source.name} from {DATA_SOURCE_NAMES[source.namespace]} into the warehouse raw layer.",
        "airflow-dags", f"dags/credit/ingest_{_raw}.py", [_src], [f"raw_{_raw}"],
        lineage={f"raw_{_raw}": identity_lineage(source, target)},
        duration=(60, 720) if _src == "transactions" else (45, 300),
        sql=(f"SELECT {', '.join(c for c, _ in source.fields)} FROM {source.name.split('.', 1)[1]}" if is_sql else None),
    ))

R = {k: D[f"raw_{v}"] for k, v in RAW_COPIES.items()}
cfe = D["credit_features"]
CREDIT = Dag(
    "credit_scoring_monthly", "credit.ndjson", "risk-data",
    "Monthly copy of core banking, CRM, lending, collections and vendor data; credit features; scorecard retraining.",
    "dags/credit_scoring_monthly.py", monthly(3),
    INGEST_TASKS + [
        Job("risk.build_credit_features", "AIRFLOW", "risk-data",
            "Builds one feature row per loan application from accounts, transactions, delinquencies, CRM and vendor data.",
            "airflow-dags", "dags/credit/sql/build_credit_features.sql",
            [f"raw_{v}" for v in RAW_COPIES.values()], ["credit_features"],
            lineage={"credit_features": {
                "fields": {
                    "application_id": [src(R["applications"].ref("application_id"), IDENTITY)],
                    "customer_id": [src(R["applications"].ref("customer_id"), IDENTITY)],
                    "age_years": [src(R["customers"].ref("date_of_birth"),
                                      tr("DIRECT", "TRANSFORMATION", "date_part('year', age(submitted_at, date_of_birth))"))],
                    "avg_balance_90d": [src(R["accounts"].ref("balance"), tr("DIRECT", "AGGREGATION", "avg(balance)"))],
                    "txn_volume_90d": [src(R["transactions"].ref("amount"), tr("DIRECT", "AGGREGATION", "sum(abs(amount))"))],
                    "delinquency_count_24m": [src(R["delinquencies"].ref("delinquency_id"),
                                                  tr("DIRECT", "AGGREGATION", "count(delinquency_id)"))],
                    "bureau_score": [src(R["bureau_scores"].ref("bureau_score"), IDENTITY)],
                    "verified_income": [src(R["income_api"].ref("verified_income"), IDENTITY)],
                    "debt_to_income": [src(R["applications"].ref("requested_amount"),
                                           tr("DIRECT", "TRANSFORMATION", "requested_amount / verified_income")),
                                       src(R["income_api"].ref("verified_income"),
                                           tr("DIRECT", "TRANSFORMATION", "requested_amount / verified_income"))],
                    "requested_amount": [src(R["applications"].ref("requested_amount"), IDENTITY)],
                },
                "dataset": [src(R["applications"].ref("customer_id"), tr("INDIRECT", "JOIN")),
                            src(R["customers"].ref("customer_id"), tr("INDIRECT", "JOIN")),
                            src(R["accounts"].ref("account_id"), tr("INDIRECT", "JOIN")),
                            src(R["bureau_scores"].ref("customer_id"), tr("INDIRECT", "JOIN")),
                            src(R["income_api"].ref("customer_id"), tr("INDIRECT", "JOIN")),
                            src(R["applications"].ref("submitted_at"), tr("INDIRECT", "FILTER", "last 24 months"))],
            }},
            duration=(420, 900), deps=[t.name for t in INGEST_TASKS],
            sql="TRUNCATE risk.credit_features;\nINSERT INTO risk.credit_features\n"
                "SELECT a.application_id, a.customer_id,\n"
                "  date_part('year', age(a.submitted_at, c.date_of_birth))::int AS age_years,\n"
                "  avg(acc.balance) AS avg_balance_90d, sum(abs(t.amount)) AS txn_volume_90d,\n"
                "  count(DISTINCT d.delinquency_id) AS delinquency_count_24m, b.bureau_score, i.verified_income,\n"
                "  a.requested_amount / nullif(i.verified_income, 0) AS debt_to_income, a.requested_amount\n"
                "FROM raw.loan_applications a\n"
                "JOIN raw.crm_customers c USING (customer_id)\n"
                "JOIN raw.core_accounts acc USING (customer_id)\n"
                "LEFT JOIN raw.core_transactions t ON t.account_id = acc.account_id AND t.txn_ts >= a.submitted_at - interval '90 days'\n"
                "LEFT JOIN raw.collections_delinquencies d ON d.account_id = acc.account_id\n"
                "LEFT JOIN raw.credit_bureau_scores b USING (customer_id)\n"
                "LEFT JOIN raw.income_verification i USING (customer_id)\n"
                "WHERE a.submitted_at >= now() - interval '24 months'\n"
                "GROUP BY a.application_id, a.customer_id, c.date_of_birth, a.submitted_at, b.bureau_score, "
                "i.verified_income, a.requested_amount"),
        Job("ml.train_credit_scoring", "AIRFLOW", "credit-risk-ml",
            "Fits the application scorecard (logistic regression on binned features) and publishes it to the model bucket.",
            "ml-models", "credit/train_scorecard.py", ["credit_features"], ["credit_scoring"],
            lineage={"credit_scoring": {
                "fields": {
                    **{c: [src(cfe.ref(c), tr("DIRECT", "TRANSFORMATION", "WoE binning"))]
                       for c in ("age_years", "avg_balance_90d", "txn_volume_90d", "delinquency_count_24m",
                                 "bureau_score", "verified_income", "debt_to_income", "requested_amount")},
                    "default_probability": [src(cfe.ref(c), tr("INDIRECT", "TRANSFORMATION", "model prediction"))
                                            for c in ("bureau_score", "debt_to_income", "delinquency_count_24m")],
                },
            }},
            duration=(600, 1500), deps=["risk.build_credit_features"]),
    ],
    seed="credit",
)

DAGS = [SALES, CLICKSTREAM, CHURN, CREDIT]


# --------------------------------------------------------------------------------------------
# Output statistics (deterministic, seeded)
# --------------------------------------------------------------------------------------------


def seasonal(moment: datetime) -> float:
    return {11: 1.35, 12: 1.5, 1: 0.9, 7: 0.92, 8: 0.88}.get(moment.month, 1.0)


def output_stats(key: str, i: int, moment: datetime, rng: random.Random) -> dict:
    """rowCount / size (bytes) / fileCount written by run number ``i`` (0-based) of the year."""
    noise = rng.uniform(0.94, 1.06)
    if key == "sales_clean":
        rows = int(21_000 * (1 + 0.004 * i) * seasonal(moment) * noise)
        return {"rowCount": rows, "size": rows * 96}
    if key == "customer_features":
        rows = int(148_000 + 910 * i + rng.randint(0, 400))
        return {"rowCount": rows, "size": rows * 118}
    if key == "user_sessions":
        rows = int(1_120_000 * (1 + 0.003 * i) * seasonal(moment) * noise)
        return {"rowCount": rows, "size": rows * 164}
    if D[key].dataset_type == "MODEL":  # one serialized model artifact
        base = {"recommender": 182_000_000, "churn_model": 4_300_000, "credit_scoring": 1_250_000}[key]
        return {"rowCount": 1, "size": int(base * (1 + 0.002 * i) * noise), "fileCount": 1}
    raw_rows = {
        "raw_core_accounts": 312_000 + 2_100 * i, "raw_core_transactions": int(8_400_000 * seasonal(moment)),
        "raw_crm_customers": 281_000 + 1_800 * i, "raw_loan_applications": 11_500,
        "raw_collections_delinquencies": 4_100, "raw_credit_bureau_scores": 281_000 + 1_800 * i,
        "raw_income_verification": 9_800, "credit_features": 136_000 + 11_200 * i,
    }[key]
    rows = int(raw_rows * noise)
    return {"rowCount": rows, "size": rows * (140 if key == "credit_features" else 88)}


# --------------------------------------------------------------------------------------------
# Event building
# --------------------------------------------------------------------------------------------


def run_id(job_namespace: str, job_name: str, nominal: datetime) -> str:
    return str(uuid.uuid5(RUN_ID_NAMESPACE, f"{job_namespace}/{job_name}@{iso(nominal)}"))


def data_source_facet(ds: Dataset) -> dict:
    return facet("DatasourceDatasetFacet", name=DATA_SOURCE_NAMES[ds.namespace], uri=ds.namespace)


def schema_facet(ds: Dataset) -> dict:
    return facet("SchemaDatasetFacet", fields=[{"name": c, "type": t, "ordinal_position": n}
                                               for n, (c, t) in enumerate(ds.fields, 1)])


def catalog_facets(ds: Dataset) -> dict:
    """Ownership, documentation, type and tags: what a catalog would say about the dataset."""
    out = {"documentation": facet("DocumentationDatasetFacet", description=ds.description)}
    if ds.owner:
        out["ownership"] = facet("OwnershipDatasetFacet", owners=owners(ds.owner))
    if ds.dataset_type != "TABLE":  # tables are the default; say so only for files, topics and models
        out["datasetType"] = facet("DatasetTypeDatasetFacet", datasetType=ds.dataset_type)
    if ds.tags:
        out["tags"] = facet("TagsDatasetFacet", tags=list(ds.tags))
    return out


def input_dataset(key: str) -> dict:
    ds = D[key]
    facets = {"schema": schema_facet(ds)}
    if ds.external:  # a platform source: nothing in the demo writes it, so its catalog facets ride here
        facets["dataSource"] = data_source_facet(ds)
        facets.update(catalog_facets(ds))
    return {"namespace": ds.namespace, "name": ds.name, "facets": facets}


def output_dataset(job: Job, key: str, i: int, nominal: datetime, rng: random.Random) -> dict:
    ds = D[key]
    facets = {"schema": schema_facet(ds), "dataSource": data_source_facet(ds)}
    if key in job.lineage:
        body = job.lineage[key]
        lineage = {"fields": {column: {"inputFields": sources} for column, sources in body["fields"].items()}}
        if body.get("dataset"):
            lineage["dataset"] = body["dataset"]
        facets["columnLineage"] = facet("ColumnLineageDatasetFacet", **lineage)
    facets.update(catalog_facets(ds))
    if ds.dataset_type == "MODEL":
        version = monthly_version(nominal) if job.name == "ml.train_credit_scoring" else weekly_version(nominal)
        facets["version"] = facet("DatasetVersionDatasetFacet", datasetVersion=version)
    stats = facet("OutputStatisticsOutputDatasetFacet", **output_stats(key, i, nominal, rng))
    return {"namespace": ds.namespace, "name": ds.name, "facets": facets, "outputFacets": {"outputStatistics": stats}}


def source_location(repo: str, path: str, moment: datetime) -> dict:
    url, _ = REPOS[repo]
    sha = commit_sha(repo, moment)
    return facet("SourceCodeLocationJobFacet", type="git", url=f"{url}/blob/{sha}/{path}", repoUrl=f"{url}.git",
                 path=path, version=sha, branch="main")


def task_job_facets(job: Job, moment: datetime) -> dict:
    facets = {
        "jobType": facet("JobTypeJobFacet", processingType="BATCH", integration=job.integration, jobType="TASK"),
        "sourceCodeLocation": source_location(job.repo, job.path, moment),
    }
    if job.sql:
        facets["sql"] = facet("SQLJobFacet", query=job.sql, dialect="postgres")
    facets["ownership"] = facet("OwnershipJobFacet", owners=owners(job.owner))
    facets["documentation"] = facet("DocumentationJobFacet", description=job.description)
    return facets


def dag_job_facets(dag: Dag, moment: datetime) -> dict:
    return {
        "jobType": facet("JobTypeJobFacet", processingType="BATCH", integration="AIRFLOW", jobType="DAG"),
        "sourceCodeLocation": source_location("airflow-dags", dag.path, moment),
        "ownership": facet("OwnershipJobFacet", owners=owners(dag.owner)),
        "documentation": facet("DocumentationJobFacet", description=dag.description),
    }


def event(event_type: str, moment: datetime, rid: str, job_ns: str, job_name: str, job_facets: dict,
          run_facets: dict, inputs: list, outputs: list) -> dict:
    return {
        "eventType": event_type,
        "eventTime": iso(moment),
        "run": {"runId": rid, "facets": run_facets},
        "job": {"namespace": job_ns, "name": job_name, "facets": job_facets},
        "inputs": inputs,
        "outputs": outputs,
        "producer": PRODUCER,
        "schemaURL": EVENT_SCHEMA_URL,
    }


def seconds(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(milliseconds=rng.randint(int(low * 1000), int(high * 1000)))


def dag_events(dag: Dag) -> list[dict]:
    rng = random.Random(f"provgraph-demo/{dag.seed}")
    events: list[dict] = []
    for i, nominal in enumerate(dag.schedule):
        nominal_time = facet("NominalTimeRunFacet", nominalStartTime=iso(nominal),
                             nominalEndTime=iso(next_nominal(dag.schedule, i)))
        dag_rid = run_id(SCHEDULER_NAMESPACE, dag.dag_id, nominal)
        dag_start = nominal + seconds(rng, 1, 6)
        dag_run_facets = {"nominalTime": nominal_time,
                          "processing_engine": facet("ProcessingEngineRunFacet", **engine("AIRFLOW", nominal))}
        parent = facet("ParentRunFacet", run={"runId": dag_rid},
                       job={"namespace": SCHEDULER_NAMESPACE, "name": dag.dag_id})

        finished: dict[str, datetime] = {}
        failed = False
        task_events: list[dict] = []
        for job in dag.tasks:
            if failed:
                break  # Airflow marks the rest upstream_failed: no runs, no events
            ready = max((finished[d] for d in job.deps), default=dag_start)
            start = ready + seconds(rng, 2, 20)
            end = start + seconds(rng, *job.duration)
            rid = run_id(job.namespace, job.name, nominal)
            # Run facets accumulate over a run's events: START says everything, the end event only
            # repeats the parent link (and adds errorMessage on failure). Job facets go on both.
            start_facets = {"nominalTime": nominal_time,
                            "processing_engine": facet("ProcessingEngineRunFacet", **engine(job.integration, nominal)),
                            "parent": parent}
            run_facets = {"parent": parent}
            job_facets = task_job_facets(job, nominal)
            task_events.append(event("START", start, rid, job.namespace, job.name, job_facets, start_facets,
                                     [input_dataset(k) for k in job.inputs], []))
            failure = dag.failures.get((job.name, nominal.date()))
            if failure:
                failed = True
                message, stack = failure
                fail_facets = {**run_facets, "errorMessage": facet("ErrorMessageRunFacet", message=message,
                                                                   programmingLanguage="python", stackTrace=stack)}
                task_events.append(event("FAIL", end, rid, job.namespace, job.name, job_facets, fail_facets, [], []))
            else:
                outputs = [output_dataset(job, k, i, nominal, rng) for k in job.outputs]
                task_events.append(event("COMPLETE", end, rid, job.namespace, job.name, job_facets, run_facets,
                                         [], outputs))
            finished[job.name] = end

        dag_end = max(finished.values()) + seconds(rng, 1, 8)
        job_facets = dag_job_facets(dag, nominal)
        events.append(event("START", dag_start, dag_rid, SCHEDULER_NAMESPACE, dag.dag_id, job_facets,
                            dag_run_facets, [], []))
        events.extend(task_events)
        end_job_facets = {k: job_facets[k] for k in ("jobType", "ownership")}
        events.append(event("FAIL" if failed else "COMPLETE", dag_end, dag_rid, SCHEDULER_NAMESPACE, dag.dag_id,
                            end_job_facets, {}, [], []))
    events.sort(key=lambda e: e["eventTime"])  # stable: ties keep causal order
    return events


def check_inputs_precede_runs(all_events: list[dict]) -> None:
    """Every run's inputs that a demo job writes were written (COMPLETE) before the run started."""
    written: dict[tuple[str, str], str] = {}
    for ev in sorted(all_events, key=lambda e: e["eventTime"]):
        if ev["eventType"] == "START":
            for ds in ev["inputs"]:
                key = (ds["namespace"], ds["name"])
                external = any(d.external for d in D.values() if (d.namespace, d.name) == key)
                if not external and key not in written:
                    raise AssertionError(f"{ev['job']['name']} at {ev['eventTime']} reads {key} before any write")
        elif ev["eventType"] == "COMPLETE":
            for ds in ev["outputs"]:
                written[(ds["namespace"], ds["name"])] = ev["eventTime"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: %(default)s)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    all_events, counts, total_bytes = [], [], 0
    for dag in DAGS:
        events = dag_events(dag)
        text = "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in events)
        data = text.encode("utf-8")
        (args.out / dag.file).write_bytes(data)
        all_events.extend(events)
        counts.append(f"{dag.file}={len(events)}")
        total_bytes += len(data)
    check_inputs_precede_runs(all_events)
    print(f"wrote {len(DAGS)} files, {len(all_events)} events, {total_bytes / 1e6:.2f} MB to {args.out} "
          f"({', '.join(counts)})")


if __name__ == "__main__":
    main()
