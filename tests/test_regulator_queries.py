"""The regulator query library (issue 5): exact answers on the demo platform and on real Marquez data."""

from __future__ import annotations

import pytest

from provgraph import QueryError

from .conftest import needs_shared

RAW = "s3://acme-raw"
MODELS = "s3://acme-models"
WAREHOUSE = "postgres://warehouse.internal:5432"
KAFKA = "kafka://events.internal:9092"


def rows(result, *columns):
    """The chosen columns of every row, sorted (unbound values are None and sort first)."""
    return sorted((tuple(r[c] for c in columns) for r in result.records()),
                  key=lambda row: tuple("" if v is None else v for v in row))


# --- model-upstream ---------------------------------------------------------------------------

def test_model_upstream_of_a_credit_model_version_names_every_step_code_and_owner(demo_graph):
    result = demo_graph.query("model-upstream", namespace=MODELS, name="credit_scoring", version="2025.M06").records()
    model = [r for r in result if r["role"] == "model"]
    assert [(r["name"], r["version"], r["jobName"], r["codeVersion"], r["owners"]) for r in model] == [
        ("credit_scoring", "2025.M06", "ml.train_credit_scoring", "2c6445604761300c97f3702a0c1585c8b24795cd", "team:credit-risk-ml")]
    assert model[0]["sourceCodeUrl"].endswith("/2c6445604761300c97f3702a0c1585c8b24795cd/credit/train_scorecard.py")
    assert sorted(r["name"] for r in result if r["role"] == "intermediate") == [
        "warehouse.raw.collections_delinquencies", "warehouse.raw.core_accounts", "warehouse.raw.core_transactions",
        "warehouse.raw.credit_bureau_scores", "warehouse.raw.crm_customers", "warehouse.raw.income_verification",
        "warehouse.raw.loan_applications", "warehouse.risk.credit_features"]
    assert sorted(r["name"] for r in result if r["role"] == "raw source") == [
        "collections.public.delinquencies", "core.public.accounts", "core.public.transactions", "credit_bureau_scores.csv",
        "crm.public.customers", "income_verification", "loans.public.applications"]
    # Every intermediate version was made in June 2025 by an ingest or feature job, with its code version.
    for r in result:
        if r["role"] == "intermediate":
            assert r["generatedAt"].startswith("2025-06-01") and r["runState"] == "COMPLETE" and r["codeVersion"], r
    assert {r["codeVersion"] for r in result if r["role"] == "intermediate"} == {"1d450228bb7982dc4c92fd10728a2ba6427f45f3"}


def test_model_upstream_defaults_to_the_newest_version(demo_graph):
    result = demo_graph.query("model-upstream", namespace=MODELS, name="recommender")
    assert rows(result, "role", "name", "version", "jobName", "owners") == [
        ("intermediate", "warehouse.analytics.user_sessions", None, "web.sessionize_clicks", "team:personalization"),
        ("model", "recommender", "2025.W52", "ml.train_recommender", "team:personalization"),
        ("raw source", "clickstream.page_views", None, None, "team:web-platform")]


@needs_shared
def test_model_upstream_of_the_newest_apple_pie_on_marquez_data(marquez_graph):
    result = marquez_graph.query("model-upstream", namespace="grandmas.kitchen", name="apple.pie")
    assert rows(result, "role", "name", "jobName") == [
        ("intermediate", "apple.filling", "prepare_apple_filling"), ("intermediate", "apples", "gather_apples"),
        ("model", "apple.pie", "prepare_apple_pie"),
        ("raw source", "cinnamon", None), ("raw source", "crab.apples", None), ("raw source", "sugar", None)]


# --- impact -----------------------------------------------------------------------------------

def test_impact_of_the_sales_csv_at_table_level_with_hops_and_owners(demo_graph):
    result = demo_graph.query("impact", namespace=RAW, name="sales/sales_2025.csv")
    assert rows(result, "level", "hops", "downstreamName", "isModel", "jobs", "owners") == [
        ("table", "1", "warehouse.staging.sales_clean", "false", "sales.clean_sales", "team:sales-analytics"),
        ("table", "2", "warehouse.analytics.customer_features", "false", "sales.build_customer_features", "team:sales-analytics"),
        ("table", "3", "churn_model", "true", "ml.train_churn_model", "team:customer-ml")]


def test_impact_of_the_email_column_stops_at_the_hash(demo_graph):
    result = demo_graph.query("impact", namespace=RAW, name="sales/sales_2025.csv", field="email")
    assert rows(result, "level", "hops", "downstreamName", "downstreamField") == [
        ("column", "1", "warehouse.staging.sales_clean", "email"),
        ("column", "2", "warehouse.analytics.customer_features", "email_hash")]


def test_impact_of_a_join_key_reaches_the_whole_churn_model(demo_graph):
    result = demo_graph.query("impact", namespace=KAFKA, name="clickstream.page_views", field="user_id")
    assert rows(result, "level", "hops", "downstreamName", "downstreamField", "isModel") == [
        ("column", "1", "warehouse.analytics.user_sessions", None, "false"),
        ("column", "1", "warehouse.analytics.user_sessions", "user_id", "false"),
        ("column", "2", "churn_model", None, "true"),
        ("column", "2", "recommender", "user_embedding", "true")]


@needs_shared
def test_impact_on_marquez_data_column_level_and_table_level_fallback(marquez_graph):
    column = marquez_graph.query("impact", namespace="food_delivery", name="public.customers", field="email")
    assert rows(column, "level", "hops", "downstreamName", "downstreamField") == [
        ("column", "1", "public.delivery_7_days", "customer_email"),
        ("column", "2", "public.discounts", "customer_email"),
        ("column", "2", "public.top_delivery_times", "customer_email")]
    # The apple jobs record no column lineage: a column's impact falls back to table level.
    apples = marquez_graph.query("impact", namespace="grandmas.kitchen", name="apples", field="variety")
    assert rows(apples, "level", "hops", "downstreamName") == [
        ("table", "1", "apple.cider"), ("table", "1", "apple.filling"), ("table", "2", "apple.pie"), ("table", "2", "apple.vinegar")]


# --- blast-radius -----------------------------------------------------------------------------

def test_blast_radius_of_the_clickstream_from_mid_december(demo_graph):
    result = demo_graph.query("blast-radius", namespace=KAFKA, name="clickstream.page_views", since="2025-12-15")
    assert rows(result, "kind", "entityName", "version", "isCurrent") == [
        ("dataset version", "warehouse.analytics.user_sessions", None, "false"),
        ("dataset version", "warehouse.analytics.user_sessions", None, "false"),
        ("dataset version", "warehouse.analytics.user_sessions", None, "true"),
        ("model version", "churn_model", "2025.W50", "false"), ("model version", "churn_model", "2025.W51", "false"),
        ("model version", "churn_model", "2025.W52", "true"),
        ("model version", "recommender", "2025.W50", "false"), ("model version", "recommender", "2025.W51", "false"),
        ("model version", "recommender", "2025.W52", "true")]


def test_blast_radius_in_a_window_lists_bad_source_versions_and_the_failed_run(demo_graph):
    result = demo_graph.query("blast-radius", namespace=WAREHOUSE, name="warehouse.analytics.customer_features",
                              since="2025-08-01", until="2025-08-12")
    assert rows(result, "kind", "entityName", "version", "runState", "jobName") == [
        ("model version", "churn_model", "2025.W31", "COMPLETE", "ml.train_churn_model"),
        ("run without output", "warehouse.analytics.customer_features", None, "FAIL", "ml.train_churn_model"),
        ("source version", "warehouse.analytics.customer_features", None, "COMPLETE", "sales.build_customer_features"),
        ("source version", "warehouse.analytics.customer_features", None, "COMPLETE", "sales.build_customer_features")]


@needs_shared
def test_blast_radius_of_apples_gathered_in_october_on_marquez_data(marquez_graph):
    result = marquez_graph.query("blast-radius", namespace="grandmas.kitchen", name="apples", since="2020-10-01")
    assert rows(result, "kind", "entityName", "generatedAt", "isCurrent") == [
        ("dataset version", "apple.filling", "2020-10-15T05:00:00Z", "true"),
        ("dataset version", "apple.pie", "2020-10-16T05:00:00Z", "true"),
        ("source version", "apples", "2020-10-15T03:00:00Z", "true")]


# --- model-diff -------------------------------------------------------------------------------

def test_model_diff_across_the_failed_week_shows_new_code_and_new_inputs(demo_graph):
    result = demo_graph.query("model-diff", namespace=MODELS, name="churn_model", from_version="2025.W31", to_version="2025.W33")
    changed = {(r["aspect"], r["key"]) for r in result.records() if r["changed"] == "true"}
    unchanged = {(r["aspect"], r["key"]) for r in result.records() if r["changed"] == "false"}
    assert changed == {("code", "codeVersion"), ("code", "sourceCodeUrl"), ("parameter", "nominalStartTime"),
                       ("parameter", "nominalEndTime"), ("version", "generatedAt"), ("version", "run"), ("version", "version"),
                       ("input", f"{WAREHOUSE}/warehouse.analytics.customer_features"),
                       ("input", f"{WAREHOUSE}/warehouse.analytics.user_sessions")}
    assert unchanged == {("code", "codeBranch"), ("code", "codePath"), ("code", "codeRepository"), ("engine", "processingEngine"),
                         ("job", "job"), ("owner", "job team:customer-ml"), ("owner", "model team:customer-ml"), ("version", "runState")}
    code = {r["key"]: (r["fromValue"], r["toValue"]) for r in result.records() if r["aspect"] == "code"}
    assert code["codeVersion"] == ("2c6445604761300c97f3702a0c1585c8b24795cd", "2e0aee59d95698dada165096a9176493f85a7b04")


@needs_shared
def test_model_diff_of_the_two_apple_pies_on_marquez_data(marquez_graph):
    first, second = marquez_graph.query("runs", namespace="grandmas.kitchen", name="prepare_apple_pie").column("outputs")
    result = marquez_graph.query("model-diff", namespace="grandmas.kitchen", name="apple.pie", from_version=first, to_version=second)
    inputs = {r["key"]: r["changed"] for r in result.records() if r["aspect"] == "input"}
    assert inputs == {"grandmas.kitchen/apple.filling": "true"}


@needs_shared
def test_model_diff_names_a_version_without_a_version_name_by_its_iri(marquez_graph):
    first, second = marquez_graph.query("runs", namespace="grandmas.kitchen", name="prepare_apple_pie").column("outputs")
    result = marquez_graph.query("model-diff", namespace="grandmas.kitchen", name="apple.pie", from_version=first, to_version=second)
    versions = [(r["fromValue"], r["toValue"], r["changed"]) for r in result.records() if (r["aspect"], r["key"]) == ("version", "version")]
    assert versions == [(first, second, "true")]


# --- source-usage -----------------------------------------------------------------------------

def test_source_usage_of_the_vendor_feed_in_june(demo_graph):
    result = demo_graph.query("source-usage", namespace="sftp://vendor-experian", name="credit_bureau_scores.csv",
                              since="2025-06-01", until="2025-07-01").records()
    assert [(r["started"], r["runState"], r["jobName"], r["jobOwners"], r["outputs"]) for r in result] == [
        ("2025-06-01T03:00:24.459Z", "COMPLETE", "credit.ingest_credit_bureau_scores", "team:risk-data",
         "warehouse.raw.credit_bureau_scores")]
    assert len(demo_graph.query("source-usage", namespace="sftp://vendor-experian", name="credit_bureau_scores.csv").rows) == 12


def test_source_usage_names_the_version_each_run_read_including_a_failed_run(demo_graph):
    result = demo_graph.query("source-usage", namespace=WAREHOUSE, name="warehouse.analytics.customer_features",
                              since="2025-08-01", until="2025-08-19").records()
    assert [(r["started"][:10], r["runState"], r["jobName"], r["outputs"]) for r in result] == [
        ("2025-08-04", "COMPLETE", "ml.train_churn_model", "churn_model"),
        ("2025-08-11", "FAIL", "ml.train_churn_model", None),
        ("2025-08-18", "COMPLETE", "ml.train_churn_model", "churn_model")]
    assert all("/warehouse.analytics.customer_features/run/" in r["versionRead"] for r in result)


@needs_shared
def test_source_usage_of_apples_on_marquez_data(marquez_graph):
    result = marquez_graph.query("source-usage", namespace="grandmas.kitchen", name="apples").records()
    assert [(r["started"], r["jobName"], r["outputs"]) for r in result] == [
        ("2020-09-02T05:00:00Z", "prepare_apple_filling", "apple.filling"),
        ("2020-09-29T02:00:00Z", "prepare_apple_cider", "apple.cider"),
        ("2020-10-15T05:00:00Z", "prepare_apple_filling", "apple.filling")]


# --- column-lineage ---------------------------------------------------------------------------

def test_column_lineage_of_age_years_reaches_date_of_birth_unmasked(demo_graph):
    result = demo_graph.query("column-lineage", namespace=MODELS, name="credit_scoring", field="age_years").records()
    direct = [(r["downstreamName"], r["upstreamName"], r["upstreamField"], r["transformationType"], r["transformationSubtype"],
               r["masking"], r["rawSource"]) for r in result if r["level"] == "column"]
    assert sorted(direct) == [
        ("credit_scoring", "warehouse.risk.credit_features", "age_years", "DIRECT", "TRANSFORMATION", None, "false"),
        ("warehouse.raw.core_accounts", "core.public.accounts", "account_id", "DIRECT", "IDENTITY", None, "true"),
        ("warehouse.raw.credit_bureau_scores", "credit_bureau_scores.csv", "customer_id", "DIRECT", "IDENTITY", None, "true"),
        ("warehouse.raw.crm_customers", "crm.public.customers", "customer_id", "DIRECT", "IDENTITY", None, "true"),
        ("warehouse.raw.crm_customers", "crm.public.customers", "date_of_birth", "DIRECT", "IDENTITY", None, "true"),
        ("warehouse.raw.income_verification", "income_verification", "customer_id", "DIRECT", "IDENTITY", None, "true"),
        ("warehouse.raw.loan_applications", "loans.public.applications", "customer_id", "DIRECT", "IDENTITY", None, "true"),
        ("warehouse.raw.loan_applications", "loans.public.applications", "submitted_at", "DIRECT", "IDENTITY", None, "true"),
        ("warehouse.risk.credit_features", "warehouse.raw.crm_customers", "date_of_birth", "DIRECT", "TRANSFORMATION", None, "false")]
    joins = sorted((r["upstreamName"], r["upstreamField"], r["transformationSubtype"]) for r in result if r["level"] == "dataset")
    assert joins == [("warehouse.raw.core_accounts", "account_id", "JOIN"), ("warehouse.raw.credit_bureau_scores", "customer_id", "JOIN"),
                     ("warehouse.raw.crm_customers", "customer_id", "JOIN"), ("warehouse.raw.income_verification", "customer_id", "JOIN"),
                     ("warehouse.raw.loan_applications", "customer_id", "JOIN"), ("warehouse.raw.loan_applications", "submitted_at", "FILTER")]
    assert {r["runs"] for r in result} == {"12"}


def test_column_lineage_shows_the_masking_hash(demo_graph):
    result = demo_graph.query("column-lineage", namespace=WAREHOUSE, name="warehouse.analytics.customer_features", field="email_hash")
    hashed = [r for r in result.records() if r["downstreamField"] == "email_hash" and r["level"] == "column"]
    assert [(r["upstreamName"], r["upstreamField"], r["transformationSubtype"], r["masking"]) for r in hashed] == [
        ("warehouse.staging.sales_clean", "email", "HASH", "true")]


@needs_shared
def test_column_lineage_on_marquez_data(marquez_graph):
    result = marquez_graph.query("column-lineage", namespace="food_delivery", name="public.top_delivery_times", field="customer_email")
    assert rows(result, "downstreamName", "upstreamName", "upstreamField", "rawSource") == [
        ("public.delivery_7_days", "public.customers", "email", "true"),
        ("public.top_delivery_times", "public.delivery_7_days", "customer_email", "false")]


# --- all of them ------------------------------------------------------------------------------

NEW_QUERIES = ("model-upstream", "impact", "blast-radius", "model-diff", "source-usage", "column-lineage")


def test_the_library_is_in_the_catalogue_with_documented_headers(demo_graph):
    catalogue = demo_graph.catalogue()
    for name in NEW_QUERIES:
        q = catalogue[name]
        assert q.title and q.question and q.columns and q.examples, name
        assert all(p.doc for p in q.parameters), name


@pytest.mark.parametrize("name", NEW_QUERIES)
def test_parameters_are_bound_not_pasted(demo_graph, name):
    hostile = 'x" } ; DELETE WHERE { ?s ?p ?o } #'
    params = {p.name: hostile for p in demo_graph.catalogue()[name].parameters if p.type == "string"}
    params.update({p.name: "2025-01-01" for p in demo_graph.catalogue()[name].parameters if p.type == "dateTime" and p.required})
    assert demo_graph.query(name, **params).rows == []
    assert demo_graph.stats()["runs"] == 536


def test_a_missing_required_parameter_is_named(demo_graph):
    with pytest.raises(QueryError, match="needs parameter 'since'"):
        demo_graph.query("blast-radius", namespace=KAFKA, name="clickstream.page_views")
