"""The HTTP service (``provgraph serve``): SPARQL 1.1 Protocol, OpenLineage ingest, canned queries.

A thin Flask layer over :class:`provgraph.LineageGraph` (SPARQL queries through a bare-WSGI lane,
:mod:`provgraph.server.fast_lane`), run by granian or waitress in one process; see
:mod:`provgraph.server.http_servers` for the choice of server and :mod:`provgraph.server.engine`
for consistency and limits.
"""

from .app import create_app, serve

__all__ = ["create_app", "serve"]
