"""``provgraph serve``: the Flask application, the bare-WSGI query lane in front of it, and the server.

One process: pyoxigraph lets one process open a store folder read-write, and reading it from
another process while this one writes is undefined behaviour — so the server is one process that
both ingests and answers queries (see :mod:`provgraph.server.engine` for how a query never sees
half a batch). That rules out pre-fork servers whose point is several worker processes (gunicorn's
sync workers, uWSGI processes); :mod:`.http_servers` runs granian (HTTP in Rust, WSGI calls on a
thread pool) or waitress inside this process, and parallelism comes from pyoxigraph releasing the
GIL while it evaluates a query. SPARQL queries take :mod:`.fast_lane`, the rest goes through Flask.

Routes: ``/sparql`` (:mod:`.sparql`), ``/api/v1/lineage`` and ``/api/v1/lineage/batch``
(:mod:`.lineage_api`), ``/api/v1/queries`` (:mod:`.queries_api`), ``GET /healthz``. Every error
answers in the JSON shape of :mod:`.errors`.
"""

from __future__ import annotations

import sys
from typing import Callable

from flask import Flask, Response, json

from .. import __version__
from ..config import ServiceConfig
from ..graph import LineageGraph
from . import errors, http_servers, lineage_api, queries_api, sparql
from .engine import Engine
from .fast_lane import FastLane

def create_app(config: ServiceConfig, graph: LineageGraph) -> Flask:
    """The Flask app serving ``graph`` with ``config``'s limits and tokens.

    Raises :class:`~provgraph.config.ConfigError` when the token file cannot be read."""
    app = Flask("provgraph")
    app.config["PROVGRAPH"] = config
    app.config["TOKENS"] = config.tokens()
    app.config["ENGINE"] = Engine(graph, query_timeout=config.query_timeout, row_limit=config.row_limit,
                                  max_concurrent_queries=config.max_concurrent_queries)
    app.config["CATALOGUE"] = graph.catalogue()
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


def serve(config: ServiceConfig, *, announce: Callable[[str], None] | None = None) -> None:
    """Open the store at ``config.store`` and serve it with ``config.http_server`` (granian by
    default, see :mod:`.http_servers`) until interrupted (Ctrl-C or SIGTERM), then flush and close
    the store. ``announce`` receives the start-up lines (default: standard error). Raises
    :class:`~provgraph.errors.StoreError` when the store is held by another process,
    :class:`~provgraph.config.ConfigError` for a bad token file or server name, :class:`OSError`
    when the address cannot be bound."""
    say = announce or (lambda line: print(line, file=sys.stderr, flush=True))
    graph = LineageGraph(config.store)
    try:
        app = create_app(config, graph)

        def on_listening(server_name: str, port: int) -> None:
            base = f"http://{config.host}:{port}"
            say(f"provgraph {__version__} serving {config.store} at {base} ({server_name}, {config.threads} threads)")
            say(f"  SPARQL endpoint      {base}/sparql")
            say(f"  OpenLineage ingest   {base}/api/v1/lineage  and  {base}/api/v1/lineage/batch")
            say(f"  canned queries       {base}/api/v1/queries")
            if app.config["TOKENS"]:
                say(f"  ingest needs a Bearer token ({len(app.config['TOKENS'])} configured)")
            elif config.allow_unauthenticated_ingest:
                say("  WARNING: ingest accepts requests WITHOUT a token (allow_unauthenticated_ingest: local trials only)")
            else:
                say("  ingest is off: no API token configured (PROVGRAPH_API_TOKENS or token_file)")

        http_servers.run(FastLane(app), config, on_listening)
    finally:
        graph.close()
