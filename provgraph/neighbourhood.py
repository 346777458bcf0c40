"""The part of the graph the SHACL shapes read for given focus nodes, so that validating a batch
costs what the batch touches, not what the store holds.

Every shape is turned into a *pattern* rooted at the focus node ``$this``: the triple patterns of
its SPARQL constraints (parsed by rdflib, SHACL 1.0 section 5), the ``sh:path`` of its property
shapes (section 2.3.1) and the predicates they are compared with (section 4.5), the value
shapes they nest. Walking each pattern from the focus nodes through the store collects every
triple any solution of it could use — for each triple pattern, *all* its matches from the side
reached first — so a constraint that asks for the absence of something (``FILTER NOT EXISTS``,
``sh:minCount``) sees the same answer as on the whole store. A pattern part that a focus node
cannot reach (a pattern over the whole store, ``GRAPH``, an unknown constraint) makes the
shape :class:`Unbounded`; the caller then validates against the whole store instead.

Two refinements keep the walk small: a mandatory pattern with a constant end (``$this a
dcat:Dataset``, ``?category skos:broader* dpv:Consent``) drops the nodes that fail it before the
walk goes further from them, and ``UNION`` branches, ``OPTIONAL`` and ``EXISTS`` parts start
from what the part around them reached, so their own variables do not mix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from itertools import count

import rdflib
from pyoxigraph import Literal, NamedNode, Quad, Store, Triple
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, Path, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.algebra import translateGroupGraphPattern
from rdflib.plugins.sparql.parserutils import CompValue

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
THIS = rdflib.Variable("this")
#: Shape parameters that only look at the value nodes themselves (SHACL 1.0 section 4), or say nothing to validation.
LOCAL_PARAMETERS = {SH[name] for name in (
    "minCount maxCount datatype nodeKind minInclusive maxInclusive minExclusive maxExclusive minLength maxLength "
    "pattern flags languageIn uniqueLang in hasValue severity message name description order group deactivated "
    "path targetClass targetNode targetSubjectsOf targetObjectsOf defaultValue ignoredProperties prefixes "
    "qualifiedMinCount qualifiedMaxCount qualifiedValueShapesDisjoint").split()}
COMPARED = {SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals}
NESTED = {SH["node"], SH["and"], SH["or"], SH["xone"], SH["not"], SH.qualifiedValueShape}
RDF_TYPE = NamedNode(str(rdflib.RDF.type))
SUBCLASS_OF = NamedNode(str(rdflib.RDFS.subClassOf))


class Unbounded(Exception):
    """A shape reads more than its focus nodes lead to, or uses a feature the walk does not follow."""


@dataclass
class Pattern:
    """Triple patterns (``(subject, path, object)`` of rdflib terms; variables and blank nodes are
    variables) that hold together; ``unions`` lists alternatives whose variables flow back into
    this pattern; ``dependent`` parts (OPTIONAL, EXISTS, MINUS, each constraint of a shape) start
    from what this pattern reached and give nothing back."""

    edges: list[tuple] = field(default_factory=list)
    unions: list[list["Pattern"]] = field(default_factory=list)
    dependent: list["Pattern"] = field(default_factory=list)


# --- shapes to patterns ---------------------------------------------------------------------
def shape_pattern(shapes: rdflib.Graph, shape) -> Pattern:
    """The pattern of node shape ``shape``, rooted at the variable ``this``. Raises :class:`Unbounded`."""
    return _node_pattern(shapes, shape, THIS, count(), set())


def _node_pattern(shapes: rdflib.Graph, shape, focus, names, seen: set, of_property: bool = False) -> Pattern:
    if (shape, focus) in seen:  # a recursive shape: SHACL leaves it undefined, and so does the walk
        raise Unbounded(f"{shape} refers to itself")
    seen = seen | {(shape, focus)}
    root = Pattern()
    for parameter, value in shapes.predicate_objects(shape):
        if parameter == SH.property:
            root.dependent.append(_property_pattern(shapes, value, focus, names, seen))
        elif parameter == SH.sparql:
            if of_property:
                raise Unbounded(f"{shape}: SPARQL constraints on a property shape are not followed")
            root.dependent.append(_sparql_pattern(shapes, value, focus))
        elif parameter == SH["class"]:
            root.dependent.append(Pattern([(focus, SequencePath(rdflib.RDF.type, MulPath(rdflib.RDFS.subClassOf, "*")), value)]))
        elif parameter == SH.closed and value == rdflib.Literal(True):
            root.dependent.append(Pattern([(focus, NegatedPath([]), rdflib.Variable(f"_pg{next(names)}"))]))
        elif parameter in NESTED:
            members = list(rdflib.collection.Collection(shapes, value)) if parameter in (SH["and"], SH["or"], SH["xone"]) else [value]
            root.dependent += [_node_pattern(shapes, m, focus, names, seen) for m in members]
        elif parameter in COMPARED:
            if not of_property:
                raise Unbounded(f"{parameter} on a node shape")
        elif str(parameter).startswith(str(SH)) and parameter not in LOCAL_PARAMETERS | {SH.closed}:
            raise Unbounded(f"{shape}: {parameter} is not followed")
    if (shape, rdflib.RDF.type, SH.ConstraintComponent) in shapes:
        raise Unbounded(f"{shape} defines a constraint component")
    return root


def _property_pattern(shapes: rdflib.Graph, shape, focus, names, seen: set) -> Pattern:
    value = rdflib.Variable(f"_pg{next(names)}")
    path = shacl_path(shapes, shapes.value(shape, SH.path))
    part = Pattern([(focus, path, value)])
    for parameter in COMPARED:
        for other in shapes.objects(shape, parameter):
            part.edges.append((focus, other, rdflib.Variable(f"_pg{next(names)}")))
    part.dependent += _node_pattern(shapes, shape, value, names, seen, of_property=True).dependent
    return part


def shacl_path(shapes: rdflib.Graph, node) -> Path | rdflib.URIRef:
    """A SHACL property path (SHACL 1.0 section 2.3.1) as an rdflib path."""
    if isinstance(node, rdflib.URIRef):
        return node
    if node is None:
        raise Unbounded("a property shape without sh:path")
    if (node, rdflib.RDF.first, None) in shapes:
        return SequencePath(*(shacl_path(shapes, step) for step in rdflib.collection.Collection(shapes, node)))
    for kind, build in ((SH.inversePath, InvPath), (SH.zeroOrMorePath, lambda p: MulPath(p, "*")),
                        (SH.oneOrMorePath, lambda p: MulPath(p, "+")), (SH.zeroOrOnePath, lambda p: MulPath(p, "?"))):
        inner = shapes.value(node, kind)
        if inner is not None:
            return build(shacl_path(shapes, inner))
    options = shapes.value(node, SH.alternativePath)
    if options is not None:
        return AlternativePath(*(shacl_path(shapes, o) for o in rdflib.collection.Collection(shapes, options)))
    raise Unbounded(f"unknown property path {node}")


def _sparql_pattern(shapes: rdflib.Graph, constraint, focus) -> Pattern:
    text = shapes.value(constraint, SH.select) or shapes.value(constraint, SH.ask)
    if text is None or "$PATH" in str(text) or "$shapesGraph" in str(text) or "$currentShape" in str(text):
        raise Unbounded(f"SPARQL constraint {constraint} is not followed")
    if focus != THIS:
        raise Unbounded("a SPARQL constraint on a nested shape")
    return _query_pattern(str(text), declared_prefixes(shapes, constraint))


def declared_prefixes(shapes: rdflib.Graph, constraint) -> tuple[tuple[str, str], ...]:
    """The ``(prefix, namespace)`` pairs a SPARQL-based constraint declares through
    ``sh:prefixes``/``sh:declare`` (SHACL 1.0 section 5.2.1), sorted."""
    prefixes = {}
    for declarations in shapes.objects(constraint, SH.prefixes):
        for declared in shapes.objects(declarations, SH.declare):
            prefixes[str(shapes.value(declared, SH.prefix))] = str(shapes.value(declared, SH.namespace))
    return tuple(sorted(prefixes.items()))


@lru_cache(maxsize=256)
def prepared(text: str, prefixes: tuple[tuple[str, str], ...]):
    """rdflib's parse of the SPARQL ``text`` with ``prefixes`` declared (a prepared query, whose
    ``algebra`` callers only read); cached. Raises what ``prepareQuery`` raises."""
    return prepareQuery(text, initNs={k: rdflib.Namespace(v) for k, v in prefixes})


@lru_cache(maxsize=256)
def _query_pattern(text: str, prefixes: tuple) -> Pattern:
    try:
        query = prepared(text, prefixes)
    except Exception as exc:  # noqa: BLE001 - any parse failure means: not followed here
        raise Unbounded(f"SPARQL constraint: {exc}") from None
    return _from_algebra(query.algebra)


def _from_algebra(node) -> Pattern:
    pattern = Pattern()
    _collect(node, pattern)
    return pattern


def _collect(node, into: Pattern) -> None:
    if isinstance(node, (list, tuple)):
        for item in node:
            _collect(item, into)
        return
    if not isinstance(node, CompValue):
        return
    if node.name in ("BGP", "TriplesBlock"):
        into.edges += [tuple(t) for t in node.triples]
    elif node.name == "Union":
        into.unions.append([_from_algebra(node.p1), _from_algebra(node.p2)])
    elif node.name == "LeftJoin":
        _collect(node.p1, into)
        optional = _from_algebra(node.p2)
        _collect(node.expr, optional)
        into.dependent.append(optional)
    elif node.name == "Minus":
        _collect(node.p1, into)
        into.dependent.append(_from_algebra(node.p2))
    elif node.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
        graph = node.graph
        if isinstance(graph, CompValue) and graph.name == "GroupGraphPatternSub":
            graph = translateGroupGraphPattern(graph)
        into.dependent.append(_from_algebra(graph))
    elif node.name in ("Graph", "ServiceGraphPattern", "GraphGraphPattern"):
        raise Unbounded("GRAPH and SERVICE patterns are not followed")
    else:
        for key, value in node.items():
            if not key.startswith("_"):
                _collect(value, into)


# --- walking the store ----------------------------------------------------------------------
def _is_variable(term) -> bool:
    return isinstance(term, (rdflib.Variable, rdflib.BNode))


def to_oxigraph(term):
    if isinstance(term, rdflib.URIRef):
        return NamedNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return Literal(str(term), language=term.language)
        return Literal(str(term), datatype=NamedNode(str(term.datatype)) if term.datatype else None)
    raise Unbounded(f"unexpected constant {term!r}")


class Neighbourhood:
    """Reads triples from ``graphs`` of ``store`` (each lookup once) and keeps every triple read."""

    def __init__(self, store: Store, graphs: list):
        self.store = store
        self.main, *others = graphs
        # The small graphs (vocabulary, catalog) are asked only about the terms they hold.
        self.others = []
        for graph in others:
            quads = list(store.quads_for_pattern(None, None, None, graph))
            self.others.append((graph, {q.predicate for q in quads}, {q.subject for q in quads}, {q.object for q in quads}))
        self.triples: set[Triple] = set()
        self._steps: dict[tuple, set] = {}
        self._asked_per_node: set = set()  # predicates too common to scan: asked per node, then cached
        self._asked_types: dict = {}  # class -> the nodes asked whether they have it
        self._by_type: dict = {}  # class -> the nodes asked that have it

    def quads(self) -> list[Quad]:
        """The triples read, as quads of the default graph."""
        return [Quad(t.subject, t.predicate, t.object) for t in self.triples]

    def having(self, nodes: set, predicate, value=None) -> set:
        """The ``nodes`` that are the subject of a ``predicate`` triple (with object ``value``, when
        given). Scans the predicate's triples while there are few, else asks per node."""
        def per_node() -> set:
            return {n for n in nodes if (value in self.step(n, predicate, True) if value is not None
                                         else self.step(n, predicate, True))}

        if predicate in self._asked_per_node:
            return per_node()
        found = set()
        scanned = 0
        for graph in [self.main, *(g for g, predicates, _, _ in self.others if predicate in predicates)]:
            for quad in self.store.quads_for_pattern(None, predicate, value, graph):
                scanned += 1
                if scanned > len(nodes):
                    self._asked_per_node.add(predicate)
                    return per_node()
                if quad.subject in nodes:
                    found.add(quad.subject)
        return found

    def instances(self, nodes: set, classes: set) -> set:
        """The ``nodes`` with an ``rdf:type`` among ``classes``. Each node is asked about each
        class once, all of them in one query: Oxigraph looks the types up and keeps those among
        ``classes`` without handing every type to Python (a lookup costs about 15 µs on disk)."""
        unasked = {kind: nodes - self._asked_types.get(kind, set()) for kind in classes}
        kinds = [kind for kind, missing in unasked.items() if missing]
        missing = set().union(*(unasked[kind] for kind in kinds))
        written = all(isinstance(kind, NamedNode) for kind in kinds)
        named = sorted((n for n in missing if isinstance(n, NamedNode)), key=str) if written else []
        for node in missing.difference(named):  # a blank node cannot be written into a query
            for kind in self.step(node, RDF_TYPE, True) & set(kinds):
                self._by_type.setdefault(kind, set()).add(node)
        graphs = [self.main, *(graph for graph, _, _, _ in self.others)]
        for start in range(0, len(named), 2000):
            values = " ".join(str(n) for n in named[start:start + 2000])
            # FILTER(IN) rather than a second VALUES block: Oxigraph would join the two blocks first.
            for solution in self.store.query(f"SELECT ?s ?type WHERE {{ VALUES ?s {{ {values} }} ?s a ?type "
                                             f"FILTER(?type IN ({', '.join(str(k) for k in kinds)})) }}", default_graph=graphs):
                self._by_type.setdefault(solution[1], set()).add(solution[0])
        for kind in kinds:
            self._asked_types.setdefault(kind, set()).update(missing)
        return set().union(*(self._by_type.get(kind, set()) for kind in classes)) & nodes

    # One predicate (``None``: any), one direction, from one node.
    def step(self, node, predicate, forward: bool) -> set:
        key = (node, predicate, forward)
        found = self._steps.get(key)
        if found is not None:
            return found
        triples = []
        if not (forward and isinstance(node, Literal)):
            pattern = (node, predicate, None) if forward else (None, predicate, node)
            triples = [q.triple for q in self.store.quads_for_pattern(*pattern, self.main)]
            for graph, predicates, subjects, objects in self.others:
                if (predicate is None or predicate in predicates) and node in (subjects if forward else objects):
                    triples += [q.triple for q in self.store.quads_for_pattern(*pattern, graph)]
        self.triples.update(triples)
        found = {t.object for t in triples} if forward else {t.subject for t in triples}
        self._steps[key] = found
        return found

    def ends(self, node, path, forward: bool = True) -> set:
        """Where ``path`` leads from ``node`` (``forward``) or back to it."""
        if isinstance(path, rdflib.URIRef):
            return self.step(node, NamedNode(str(path)), forward)
        if isinstance(path, InvPath):
            return self.ends(node, path.arg, not forward)
        if isinstance(path, SequencePath):
            current = {node}
            for part in (path.args if forward else reversed(path.args)):
                current = set().union(*(self.ends(n, part, forward) for n in current))
            return current
        if isinstance(path, AlternativePath):
            return set().union(*(self.ends(node, part, forward) for part in path.args))
        if isinstance(path, MulPath):
            if path.mod == "?":
                return {node} | self.ends(node, path.path, forward)
            result: set = set()
            frontier = {node}
            while frontier:
                following = set().union(*(self.ends(n, path.path, forward) for n in frontier))
                frontier = following - result
                result |= frontier
            return result | ({node} if path.mod == "*" else set())
        if isinstance(path, NegatedPath):
            return self.step(node, None, forward)
        raise Unbounded(f"unknown path {path!r}")

    # --- patterns -------------------------------------------------------------------------
    def walk(self, pattern: Pattern, reached: dict) -> dict:
        """Read what ``pattern`` can use, from the nodes ``reached`` (variable → set of terms)
        already has. Returns what this pattern's variables reached."""
        reached = {v: set(nodes) for v, nodes in reached.items()}
        links = [e for e in pattern.edges if _is_variable(e[0]) and _is_variable(e[2])]
        checks = [e for e in pattern.edges if _is_variable(e[0]) != _is_variable(e[2])]
        for s, path, o in pattern.edges:
            if not _is_variable(s) and not _is_variable(o):
                self.ends(to_oxigraph(s), path)
        for variable in list(reached):
            reached[variable] = self._admit(variable, reached[variable], checks)
        anchors: dict[int, tuple] = {}
        done: dict[int, set] = {}
        from_unions: set = set()
        while True:
            changed = False
            for i, (s, path, o) in enumerate(links):
                if i not in anchors:
                    if s in reached:
                        anchors[i] = (s, o, True, o not in reached)
                    elif o in reached:
                        anchors[i] = (o, s, False, s not in reached)
                    else:
                        continue
                    if anchors[i][3]:
                        reached[anchors[i][1]] = set()
                start, end, forward, tree = anchors[i]
                new = reached[start] - done.setdefault(i, set())
                if not new:
                    continue
                done[i] |= new
                ends = set().union(*(self.ends(n, path, forward) for n in new))
                if tree:
                    admitted = self._admit(end, ends - reached[end], checks)
                    if admitted:
                        reached[end] |= admitted
                        changed = True
            for alternatives in pattern.unions:
                given = {v: n for v, n in reached.items() if v not in from_unions}
                for branch in alternatives:
                    for variable, nodes in self.walk(branch, given).items():
                        if variable not in given:
                            from_unions.add(variable)
                            before = len(reached.setdefault(variable, set()))
                            reached[variable] |= nodes
                            changed = changed or len(reached[variable]) != before
            if not changed:
                break
        if len(anchors) < len(links) or any(not (_is_variable(s) and s in reached or _is_variable(o) and o in reached)
                                            for s, _, o in checks):
            raise Unbounded("a triple pattern its focus nodes do not lead to")
        for part in pattern.dependent:
            self.walk(part, reached)
        return reached

    def _admit(self, variable, nodes: set, checks: list) -> set:
        """``nodes`` without those a mandatory pattern with a constant end rules out."""
        for s, path, o in checks:
            if s == variable:
                target = to_oxigraph(o)
                nodes = {n for n in nodes if target in self.ends(n, path, True)}
            elif o == variable:
                source = to_oxigraph(s)
                nodes = {n for n in nodes if source in self.ends(n, path, False)}
        return nodes


def targets(reader: Neighbourhood, shapes: rdflib.Graph, shape, nodes) -> set:
    """The ``nodes`` that ``shape`` targets (SHACL 1.0 section 2.1.3: sh:targetNode, sh:targetClass
    with rdfs:subClassOf in the data graph, implicit class targets, sh:targetSubjectsOf,
    sh:targetObjectsOf). Raises :class:`Unbounded` for SPARQL-based targets."""
    if (shape, SH.target, None) in shapes:
        raise Unbounded(f"{shape}: sh:target is not followed")
    nodes = set(nodes)
    named = {NamedNode(str(n)) for n in shapes.objects(shape, SH.targetNode) if isinstance(n, rdflib.URIRef)}
    found = named & set(nodes)
    wanted = target_classes(reader, shapes, shape)
    if wanted:
        found |= reader.instances(nodes, wanted)
    for predicate in shapes.objects(shape, SH.targetSubjectsOf):
        found |= reader.having(nodes, NamedNode(str(predicate)))
    for predicate in shapes.objects(shape, SH.targetObjectsOf):
        found |= {n for n in nodes if reader.step(n, NamedNode(str(predicate)), False)}
    return found


def target_classes(reader: Neighbourhood, shapes: rdflib.Graph, shape) -> set:
    """The classes whose instances ``shape`` targets: its ``sh:targetClass`` values (itself when
    it is an ``rdfs:Class``) and their subclasses in the data graph."""
    classes = set(shapes.objects(shape, SH.targetClass))
    if (shape, rdflib.RDF.type, rdflib.RDFS.Class) in shapes:
        classes.add(shape)
    return set().union(*(reader.ends(NamedNode(str(c)), MulPath(rdflib.RDFS.subClassOf, "*"), False) for c in classes))


__all__ = ["Neighbourhood", "Pattern", "Unbounded", "declared_prefixes", "prepared", "shape_pattern", "shacl_path", "target_classes", "targets"]
