"""``provgraph serve``: the Flask application, the bare-WSGI query lane in front of it, and the server.

The one process that opens the store read-write owns it: pyoxigraph lets one process open a store
folder read-write, and reading it from another process while this one writes is undefined
behaviour. With ``workers`` = 1 (and always with waitress) that process also answers every request:
:mod:`.http_servers` runs granian (HTTP in Rust, WSGI calls on a thread pool) or waitress inside
it, and parallelism comes from pyoxigraph releasing the GIL while it evaluates a query (see
:mod:`provgraph.server.engine` for how a query never sees half a batch). With ``workers`` > 1,
granian runs that many processes that answer requests from read-only snapshots, and this process
ingests what they hand it (:mod:`.workers`). SPARQL queries take :mod:`.fast_lane`, the rest goes
through Flask.

Routes: ``/sparql`` (:mod:`.sparql`), ``/api/v1/lineage`` and ``/api/v1/lineage/batch``
(:mod:`.lineage_api`), ``/api/v1/queries`` (:mod:`.queries_api`), ``GET /healthz``. Every error
answers in the JSON shape of :mod:`.errors`.
"""

from __future__ import annotations

import sys
from typing import Callable

from flask import Flask, Response, json

from .. import __version__
from ..config import ConfigError, ServiceConfig
from ..graph import LineageGraph
from ..queries import load_catalogue
from . import errors, http_servers, lineage_api, queries_api, sparql
from .engine import Engine
from .fast_lane import FastLane
from .workers import writer_service

def create_app(config: ServiceConfig, graph: LineageGraph | None = None, *, engine: Engine | None = None) -> Flask:
    """The Flask app serving ``graph`` — or, in a query process, ``engine`` — with ``config``'s
    limits and tokens.

    Raises :class:`~provgraph.config.ConfigError` when the token file cannot be read."""
    app = Flask("provgraph")
    app.config["PROVGRAPH"] = config
    app.config["TOKENS"] = config.tokens()
    app.config["ENGINE"] = engine or Engine(graph, query_timeout=config.query_timeout, row_limit=config.row_limit,
                                            max_concurrent_queries=config.max_concurrent_queries)
    app.config["CATALOGUE"] = graph.catalogue() if graph is not None else load_catalogue()
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_bytes
    app.config["MAX_FORM_MEMORY_SIZE"] = config.max_request_bytes
    app.json.sort_keys = False
    errors.install(app)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(lineage_api.blueprint)
    app.register_blueprint(queries_api.blueprint)

    @app.get("/healthz")
    def healthz() -> Response:
        return Response(json.dumps({"status": "ok", "version": __version__}), mimetype="application/json")

    return app


def query_processes(config: ServiceConfig) -> int:
    """How many processes answer requests: ``config.workers``, or 1 with waitress (pure Python, one
    process) unless ``workers`` was set explicitly, which is then a :class:`ConfigError`."""
    if config.workers < 1:
        raise ConfigError(f"workers must be 1 or more, not {config.workers}")
    if config.http_server == "granian" or config.workers == 1:
        return config.workers
    if "workers" in config.sources:
        raise ConfigError(f"workers = {config.workers} needs http_server granian (waitress runs in one process)")
    return 1


def serve(config: ServiceConfig, *, announce: Callable[[str], None] | None = None) -> None:
    """Open the store at ``config.store`` and serve it with ``config.http_server`` (granian by
    default, see :mod:`.http_servers`) — with ``config.workers`` query processes reading its
    snapshots (:mod:`.workers`), or in this process when that is 1 (always with waitress) — until
    interrupted (Ctrl-C or SIGTERM), then delete the snapshots, flush and close the store.
    ``announce`` receives the start-up lines (default: standard error). Raises
    :class:`~provgraph.errors.StoreError` when the store is held by another process,
    :class:`~provgraph.config.ConfigError` for a bad token file or server name, :class:`OSError`
    when the address cannot be bound."""
    say = announce or (lambda line: print(line, file=sys.stderr, flush=True))
    workers = query_processes(config)
    tokens = config.tokens()
    graph = LineageGraph(config.store)
    try:
        def on_listening(server_name: str, port: int) -> None:
            base = f"http://{config.host}:{port}"
            processes = f", {workers} query processes" if workers > 1 else ", one process"
            say(f"provgraph {__version__} serving {config.store} at {base} ({server_name}, {config.threads} threads{processes})")
            say(f"  SPARQL endpoint      {base}/sparql")
            say(f"  OpenLineage ingest   {base}/api/v1/lineage  and  {base}/api/v1/lineage/batch")
            say(f"  canned queries       {base}/api/v1/queries")
            if tokens:
                say(f"  ingest needs a Bearer token ({len(tokens)} configured)")
            elif config.allow_unauthenticated_ingest:
                say("  WARNING: ingest accepts requests WITHOUT a token (allow_unauthenticated_ingest: local trials only)")
            else:
                say("  ingest is off: no API token configured (PROVGRAPH_API_TOKENS or token_file)")

        if workers > 1:
            with writer_service(graph, config) as load_worker_app:
                http_servers.run_processes(load_worker_app, config, on_listening)
        else:
            http_servers.run(FastLane(create_app(config, graph)), config, on_listening)
    finally:
        graph.close()
