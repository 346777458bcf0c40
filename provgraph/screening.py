"""Which focus nodes of a shape could fail it, so that pySHACL reports on those alone.

pySHACL evaluates a shape once per focus node (one SPARQL query per node and constraint, one
value-node lookup per node and property shape), which costs far more than the check itself when a
batch brings thousands of focus nodes and a handful of findings. A *screen* asks the same data
graph once per constraint which nodes could produce a validation result, and pySHACL then
validates only those, so the report is the one pySHACL would give for every node. A screen may
keep nodes that turn out to conform; it never drops a node that does not:

- a SPARQL-based constraint (SHACL 1.0 section 5) runs once with ``$this`` unbound; the nodes in
  its solutions are kept. Pre-binding ``$this`` (section 5.3.1) then selects exactly those
  solutions, provided every solution binds ``$this`` from a triple pattern and ``$this`` is read in
  an expression only where the pattern under that expression has bound it (:func:`restrictable`);
- a property shape with an IRI path (section 2.3) keeps the nodes whose values break
  ``sh:minCount``/``sh:maxCount`` (section 4.2) or ``sh:equals``, ``sh:disjoint``, ``sh:lessThan``,
  ``sh:lessThanOrEquals`` (section 4.5), compared as pySHACL compares them;
- any other parameter keeps every node.
"""

from __future__ import annotations

import operator
from functools import lru_cache

import pyoxigraph
import rdflib
from pyoxigraph import NamedNode
from pyshacl.graph_abstraction import to_rdf
from rdflib.plugins.sparql.parserutils import CompValue

from .neighbourhood import SH, THIS, declared_prefixes, prepared

#: Parameters that change what a result says, not whether there is one.
DESCRIPTIVE = {SH[name] for name in "severity message name description order group".split()}
TARGETS = {SH[name] for name in "targetClass targetNode targetSubjectsOf targetObjectsOf".split()}
#: Operators whose input solutions pass through with their bindings (or are joined together).
PASSING = {"SelectQuery", "Project", "Distinct", "Reduced", "OrderBy", "Filter", "Extend", "Group", "AggregateJoin"}
#: pySHACL's comparison per property-pair parameter: the pair conforms when it holds.
COMPARISONS = {SH.lessThan: operator.lt, SH.lessThanOrEquals: operator.le}
#: Variables pySHACL binds or replaces besides ``$this`` in a node shape's SPARQL constraint
#: (SHACL 1.0 section 5.3.1; ``$value`` is pre-bound on property shapes only, which are not screened).
PRE_BOUND = {rdflib.Variable(name) for name in ("currentShape", "shapesGraph", "PATH")}
#: Parts whose reading of a pre-bound ``$this`` engines do not agree on, wherever they stand (``EXISTS`` included).
UNFOLLOWED = {"ToMultiSet", "SubSelect", "InlineData", "Minus", "MinusGraphPattern", "Graph", "GraphGraphPattern",
              "ServiceGraphPattern", "Slice"}


def suspects(data: pyoxigraph.Store, shapes: rdflib.Graph, shape, nodes: set[NamedNode]) -> set[NamedNode]:
    """The ``nodes`` (focus nodes of node shape ``shape``) that could fail it on the data graph
    ``data`` (the union of its graphs, as pySHACL reads it): a subset of ``nodes``, all of them
    when a parameter is not screened."""
    found: set[NamedNode] = set()
    for parameter, value in shapes.predicate_objects(shape):
        if parameter == SH.sparql:
            found |= _sparql_suspects(data, shapes, value, nodes)
        elif parameter == SH.property:
            found |= _property_suspects(data, shapes, value, nodes)
        elif str(parameter).startswith(str(SH)) and parameter not in DESCRIPTIVE | TARGETS:
            return set(nodes)
        if len(found) == len(nodes):
            break
    return found


# --- SPARQL-based constraints -------------------------------------------------------------
def _sparql_suspects(data: pyoxigraph.Store, shapes: rdflib.Graph, constraint, nodes: set) -> set:
    known = {SH.select, SH.prefixes, rdflib.RDF.type} | DESCRIPTIVE
    text = shapes.value(constraint, SH.select)
    if text is None or any(p not in known for p in shapes.predicates(constraint)):
        return set(nodes)
    prefixes = declared_prefixes(shapes, constraint)
    if not restrictable(str(text), prefixes):
        return set(nodes)
    found = set()
    # pySHACL reads an Oxigraph store as the union of its graphs; so does the screen.
    for solution in data.query(str(text), prefixes=dict(prefixes), use_default_graph_as_union=True):
        this = solution["this"]
        if this is None:
            return set(nodes)
        found.add(this)
    return found & nodes


@lru_cache(maxsize=256)
def restrictable(text: str, prefixes: tuple) -> bool:
    """Whether the SELECT ``text`` gives, with ``$this`` pre-bound to a node, exactly its
    solutions with ``$this`` unbound that have that node as ``$this``: no sub-query, ``MINUS``,
    ``VALUES``, ``GRAPH``, ``SERVICE``, ``LIMIT`` or ``OFFSET``; every solution binds ``$this``
    (it is projected, grouped on when aggregating, and bound by the pattern); and each
    expression that reads ``$this`` (``EXISTS`` included) sits over a pattern that binds it."""
    try:
        query = prepared(text, prefixes)
    except Exception:  # noqa: BLE001 - pySHACL reports a query it cannot run; the screen keeps every node
        return False
    root = query.algebra
    if root.name != "SelectQuery" or THIS not in (root.get("PV") or []) or _contains_variable(root, PRE_BOUND):
        return False
    # rdflib projects a grouped variable as ``(SAMPLE($this) AS $this)``: that reads the group key alone.
    keys = {a.res for a in _parts(root, "Aggregate_Sample") if a.vars == THIS}
    return _binds(root) and not _contains(root, UNFOLLOWED) and _sound(root, keys)


def _parts(node, name: str) -> list:
    if isinstance(node, CompValue):
        found = [node] if node.name == name else []
        return found + [p for k, v in node.items() if not k.startswith("_") for p in _parts(v, name)]
    if isinstance(node, (list, tuple)):
        return [p for v in node for p in _parts(v, name)]
    return []


def _contains_variable(node, variables: set) -> bool:
    if isinstance(node, rdflib.Variable):
        return node in variables
    if isinstance(node, CompValue):
        return any(_contains_variable(v, variables) for k, v in node.items() if not k.startswith("_"))
    if isinstance(node, (list, tuple, set)):
        return any(_contains_variable(v, variables) for v in node)
    return False


def _contains(node, names: set) -> bool:
    if isinstance(node, CompValue):
        return node.name in names or any(_contains(v, names) for k, v in node.items() if not k.startswith("_"))
    if isinstance(node, (list, tuple)):
        return any(_contains(v, names) for v in node)
    return False


def _binds(node) -> bool:
    """Whether every solution of pattern ``node`` binds ``$this``."""
    if not isinstance(node, CompValue):
        return False
    if node.name == "BGP":
        return any(THIS in triple for triple in node.triples)
    if node.name == "Group":
        return THIS in (node.expr or []) and _binds(node.p)
    if node.name in PASSING:
        return _binds(node.p)
    if node.name == "Join":
        return _binds(node.p1) or _binds(node.p2)
    if node.name in ("LeftJoin", "Minus"):
        return _binds(node.p1)
    if node.name == "Union":
        return _binds(node.p1) and _binds(node.p2)
    return False


def _sound(node, keys: set) -> bool:
    """No operator the screen cannot follow, and ``$this`` read only where it is bound."""
    if isinstance(node, (list, tuple)):
        return all(_sound(item, keys) for item in node)
    if not isinstance(node, CompValue):
        return True
    if node.name in ("BGP", "TriplesBlock"):
        return True
    if node.name not in PASSING | {"Join", "LeftJoin", "Union"}:
        return False  # sub-query (ToMultiSet), VALUES, MINUS, GRAPH, SERVICE, Slice (LIMIT/OFFSET), paths we do not know
    if node.name == "Group":
        return all(e == THIS or not _contains_variable(e, {THIS}) for e in node.expr or []) and _sound(node.p, keys)
    if node.name == "AggregateJoin":
        plain = [a for a in node.A if a.res not in keys]
        return not _contains_variable(plain, {THIS}) and _sound(node.p, keys)
    if node.name == "Extend" and node.var == THIS:
        return node.expr in keys and _sound(node.p, keys)
    inputs = [node.p] if "p" in node else [node.p1, node.p2]
    expression = node.get("expr")
    if expression is not None and _contains_variable(expression, {THIS}):
        under = node.p1 if node.name == "LeftJoin" else node.p
        if not _binds(under):
            return False
    return all(_sound(part, keys) for part in inputs)


# --- property shapes ----------------------------------------------------------------------
def _property_suspects(data: pyoxigraph.Store, shapes: rdflib.Graph, shape, nodes: set) -> set:
    path = shapes.value(shape, SH.path)
    if not isinstance(path, rdflib.URIRef):
        return set(nodes)
    checks = []
    for parameter, value in shapes.predicate_objects(shape):
        if parameter in (SH.minCount, SH.maxCount):
            limit = value.toPython() if isinstance(value, rdflib.Literal) else None
            if not isinstance(limit, int):
                return set(nodes)
            checks.append((parameter, limit))
        elif parameter in (SH.equals, SH.disjoint) or parameter in COMPARISONS:
            if not isinstance(value, rdflib.URIRef):
                return set(nodes)
            checks.append((parameter, NamedNode(str(value))))
        elif str(parameter).startswith(str(SH)) and parameter not in DESCRIPTIVE | {SH.path}:
            return set(nodes)
    predicate = NamedNode(str(path))

    def objects(node, of):
        return {q.object for q in data.quads_for_pattern(node, of, None)}

    found = set()
    for node in nodes:
        values = objects(node, predicate)
        for parameter, argument in checks:
            if parameter == SH.minCount:
                failing = len(values) < argument
            elif parameter == SH.maxCount:
                failing = len(values) > argument
            elif parameter == SH.equals:
                failing = values != objects(node, argument)
            elif parameter == SH.disjoint:
                failing = bool(values & objects(node, argument))
            else:
                failing = not _all_compare(values, objects(node, argument), COMPARISONS[parameter])
            if failing:
                found.add(node)
                break
    return found


def _all_compare(values: set, others: set, holds) -> bool:
    """Whether every pair of literals compares as pySHACL requires (its property-pair
    constraints compare rdflib values with ``<``/``<=``); anything else counts as failing."""
    for value in values:
        for other in others:
            left, right = to_rdf(value), to_rdf(other)
            if not (isinstance(left, rdflib.Literal) and isinstance(right, rdflib.Literal)):
                return False
            if isinstance(left.value, str) or isinstance(right.value, str):
                return False
            try:
                if not holds(left, right):
                    return False
            except Exception:  # noqa: BLE001 - values pySHACL cannot order: it reports them
                return False
    return True


__all__ = ["restrictable", "suspects"]
