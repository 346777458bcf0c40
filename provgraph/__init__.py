"""provgraph: lineage from OpenLineage and DataHub as a W3C PROV-O graph in Oxigraph, checked
with SHACL governance shapes and queried with canned SPARQL.

    >>> import provgraph
    >>> graph = provgraph.open(None)              # in memory; provgraph.open() honours PROVGRAPH_STORE
    >>> summary = graph.ingest(["events/"])      # OpenLineage JSON, JSON arrays or NDJSON
    >>> graph.query("downstream", namespace="food_delivery", name="public.customers").records()
"""

__version__ = "0.1.0"

from .errors import InputRejected, ProvgraphError, QueryError, RecordProblem, SparqlError, StoreError  # noqa: E402
from .graph import IngestSummary, LineageGraph, QueryResult, open  # noqa: E402
from .sources import Source  # noqa: E402

__all__ = [
    "__version__", "open", "LineageGraph", "QueryResult", "IngestSummary", "Source",
    "ProvgraphError", "InputRejected", "QueryError", "SparqlError", "StoreError", "RecordProblem",
]
