"""Canned queries: exact answers on the demo platform and on real Marquez data."""

from __future__ import annotations

import pytest

from provgraph import QueryError

from .conftest import needs_shared


def names(result, column):
    return sorted(set(result.column(column)))


# --- real data: Marquez seed and the apples chain -------------------------------------------

@needs_shared
def test_downstream_of_customers_names_every_table_built_from_it(marquez_graph):
    result = marquez_graph.query("downstream", namespace="food_delivery", name="public.customers")
    assert names(result, "downstreamName") == ["public.delivery_7_days", "public.discounts",
                                               "public.popular_orders_day_of_week", "public.top_delivery_times"]


@needs_shared
def test_downstream_follows_customers_email_through_column_lineage(marquez_graph):
    result = marquez_graph.query("downstream", namespace="food_delivery", name="public.customers", field="email")
    assert sorted(set(zip(result.column("downstreamName"), result.column("downstreamField")))) == [
        ("public.delivery_7_days", "customer_email"), ("public.discounts", "customer_email"),
        ("public.top_delivery_times", "customer_email")]


@needs_shared
def test_newest_apple_pie_derives_from_crab_apples_not_red_delicious(marquez_graph):
    result = marquez_graph.query("upstream", namespace="grandmas.kitchen", name="apple.pie")
    upstream = names(result, "upstreamName")
    assert "crab.apples" in upstream and "red.delicious" not in upstream
    assert upstream == ["apple.filling", "apples", "cinnamon", "crab.apples", "sugar"]
    raw = {n for n, r in zip(result.column("upstreamName"), result.column("rawSource")) if r == "true"}
    assert raw == {"cinnamon", "crab.apples", "sugar"}


@needs_shared
def test_first_apple_pie_derives_from_red_delicious(marquez_graph):
    runs = marquez_graph.query("runs", namespace="grandmas.kitchen", name="prepare_apple_pie")
    first_pie = runs.column("outputs")[0]
    result = marquez_graph.query("upstream", namespace="grandmas.kitchen", name="apple.pie", version=first_pie)
    assert "red.delicious" in names(result, "upstreamName") and "crab.apples" not in names(result, "upstreamName")


@needs_shared
def test_runs_of_a_job_with_state_times_and_versions(marquez_graph):
    result = marquez_graph.query("runs", namespace="grandmas.kitchen", name="gather_apples").records()
    assert [r["state"] for r in result] == ["COMPLETE", "COMPLETE"]
    assert [r["ended"] for r in result] == ["2020-08-29T23:00:00Z", "2020-10-15T03:00:00Z"]
    assert all("/version/grandmas.kitchen/apples/run/" in r["outputs"] for r in result)


# --- the demo platform --------------------------------------------------------------------

def test_trained_on_user_behavior_in_2025(demo_graph):
    result = demo_graph.query("trained-on", tag="user-behavior", since="2025-01-01", until="2026-01-01")
    rows = result.records()
    assert names(result, "outputName") == ["churn_model", "recommender"]
    assert sum(r["outputName"] == "recommender" for r in rows) == 52
    assert sum(r["outputName"] == "churn_model" for r in rows) == 51  # one weekly run failed
    assert {r["taggedSources"] for r in rows} == {"clickstream.page_views"}
    newest = [r for r in rows if r["outputVersion"] == "2025.W52" and r["outputName"] == "recommender"][0]
    assert newest["inputs"].startswith("warehouse.analytics.user_sessions generated 2025-12-29")


def test_trained_on_a_field_level_tag_and_a_window(demo_graph):
    pii = demo_graph.query("trained-on", tag="pii", since="2025-12-01", until="2026-01-01")
    assert names(pii, "outputName") == ["churn_model", "credit_scoring", "recommender"]
    vendor = demo_graph.query("trained-on", tag="external-vendor")
    assert names(vendor, "outputName") == ["credit_scoring"]
    assert len(vendor.rows) == 12


def test_trained_on_all_outputs_not_only_models(demo_graph):
    result = demo_graph.query("trained-on", tag="user-behavior", models_only=False, since="2025-03-01", until="2025-03-08")
    assert names(result, "outputName") == ["churn_model", "recommender", "warehouse.analytics.user_sessions"]


def test_downstream_of_the_sales_csv(demo_graph):
    result = demo_graph.query("downstream", namespace="s3://acme-raw", name="sales/sales_2025.csv")
    assert names(result, "downstreamName") == ["churn_model", "warehouse.analytics.customer_features", "warehouse.staging.sales_clean"]
    models = {n for n, m in zip(result.column("downstreamName"), result.column("isModel")) if m == "true"}
    assert models == {"churn_model"}


def test_downstream_of_a_column_follows_masking_hash(demo_graph):
    result = demo_graph.query("downstream", namespace="s3://acme-raw", name="sales/sales_2025.csv", field="email")
    fields = set(zip(result.column("downstreamName"), result.column("downstreamField")))
    assert ("warehouse.analytics.customer_features", "email_hash") in fields


def test_upstream_of_a_model_version_reaches_raw_sources(demo_graph):
    result = demo_graph.query("upstream", namespace="s3://acme-models", name="credit_scoring", version="2025.M06")
    raw = {n for n, r in zip(result.column("upstreamName"), result.column("rawSource")) if r == "true"}
    assert raw == {"core.public.accounts", "core.public.transactions", "crm.public.customers", "loans.public.applications",
                   "collections.public.delinquencies", "credit_bureau_scores.csv", "income_verification"}


# --- parameters -----------------------------------------------------------------------------

def test_a_missing_parameter_is_named(demo_graph):
    with pytest.raises(QueryError, match="needs parameter 'name'"):
        demo_graph.query("downstream", namespace="x")


def test_an_ill_typed_parameter_is_named(demo_graph):
    with pytest.raises(QueryError, match="'since' expects dateTime"):
        demo_graph.query("trained-on", tag="pii", since="last year")


def test_an_unknown_parameter_or_query_is_named(demo_graph):
    with pytest.raises(QueryError, match="no parameter colour"):
        demo_graph.query("runs", namespace="a", name="b", colour="red")
    with pytest.raises(QueryError, match="no canned query 'nope'"):
        demo_graph.query("nope")


def test_parameters_are_bound_not_pasted(demo_graph):
    hostile = 'x" } ; DELETE WHERE { ?s ?p ?o } #'
    assert demo_graph.query("downstream", namespace=hostile, name=hostile).rows == []
    assert demo_graph.stats()["runs"] > 0


def test_every_canned_query_has_a_documented_header(demo_graph):
    catalogue = demo_graph.catalogue()
    assert {"upstream", "downstream", "trained-on", "runs"} <= set(catalogue)
    for q in catalogue.values():
        assert q.title and q.question and q.columns, q.name
        assert all(p.doc for p in q.parameters), q.name
