"""SHACL validation of the lineage graph with the shapes in ``shapes/`` (MAPPING.md, "Governance").

pySHACL validates an in-memory :class:`pyoxigraph.Store` holding the data to check (the store's
deduplicated view, or the part of it the shapes read for a batch's nodes), so every SPARQL
constraint runs in Oxigraph, never in rdflib's SPARQL engine, and over one copy of each fact
rather than one per named graph stating it. The shapes graph is small and parsed with rdflib.
Warnings and infos do not make the graph non-conforming; violations do.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph
import pyshacl
import rdflib
from pyoxigraph import NamedNode, Quad

from . import neighbourhood, screening
from .errors import ProvgraphError
from .ids import REPORT_GRAPH
from .store import LineageStore, view_graphs

SHAPES_DIR = Path(__file__).resolve().parent.parent / "shapes"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
REPORT_FORMATS = ("text", "turtle", "json")


class ValidationError(ProvgraphError):
    """The shapes could not be read or the validation could not run (CLI exit status 2)."""


@dataclass(frozen=True)
class Finding:
    """One ``sh:ValidationResult``: the focus node (IRI and human name), the shape and the rule
    its ``rdfs:comment`` names, the severity (``Violation``/``Warning``/``Info``), the message, the
    path and the offending value (lexical forms, ``None`` when absent)."""

    focus: str
    name: str
    shape: str
    rule: str
    severity: str
    message: str
    path: str | None
    value: str | None


@dataclass
class ValidationReport:
    """The outcome of :func:`validate`: ``conforms`` (no violations), the findings sorted by
    severity, shape and name, and the ``sh:ValidationReport`` as an rdflib graph."""

    conforms: bool
    findings: list[Finding] = field(default_factory=list)
    graph: rdflib.Graph | None = None

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    def render(self, fmt: str = "text") -> str:
        """The report as ``text`` (one block per finding, names first), ``turtle`` or ``json``."""
        if fmt == "turtle":
            return self.graph.serialize(format="turtle") if self.graph is not None else ""
        if fmt == "json":
            return json.dumps({"conforms": self.conforms, "findings": [asdict(f) for f in self.findings]}, indent=2)
        counts = {s: sum(1 for f in self.findings if f.severity == s) for s in ("Violation", "Warning", "Info")}
        lines = [f"{'conforms' if self.conforms else 'does not conform'}: "
                 f"{counts['Violation']} violation(s), {counts['Warning']} warning(s), {counts['Info']} info(s)"]
        for f in self.findings:
            lines.append(f"{f.severity.upper()} {f.name} [{f.shape}]: {f.message}")
            extra = [f"path {f.path}" if f.path else "", f"value {f.value}" if f.value else "", f"rule: {f.rule}" if f.rule else ""]
            lines.append("    " + "; ".join(e for e in extra if e) if any(extra) else f"    {f.focus}")
        return "\n".join(lines)


def load_shapes(extra: list[str | Path] | None = None, replace: bool = False) -> rdflib.Graph:
    """The shapes graph: every ``shapes/*.ttl`` (unless ``replace``), plus ``extra`` files.
    Raises :class:`ValidationError` naming a file that does not parse."""
    files = [] if replace else sorted(SHAPES_DIR.glob("*.ttl"))
    if replace:
        files.append(SHAPES_DIR / "prefixes.ttl")
    files += [Path(p) for p in extra or []]
    graph = rdflib.Graph()
    for path in files:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises many kinds for a bad file
            raise ValidationError(f"{path}: cannot read shapes: {exc}") from None
    return graph


def validate(store: LineageStore, shapes: rdflib.Graph | None = None, focus_nodes: list[NamedNode] | None = None) -> ValidationReport:
    """Validate the whole store, or only ``focus_nodes`` (checked against the whole store).

    The data graph is the store's deduplicated view, catalog and vocabulary included
    (:data:`DATA_GRAPHS`), validated in an in-memory Oxigraph store so that pySHACL's SPARQL runs
    in Oxigraph. For the whole store the view is copied whole; for focus nodes only what the
    shapes read for them (:mod:`provgraph.neighbourhood`), unless a shape reads beyond that.
    Returns a :class:`ValidationReport`; raises :class:`ValidationError` when pySHACL fails."""
    shapes = shapes if shapes is not None else load_shapes()
    if focus_nodes is not None and not focus_nodes:
        return ValidationReport(True, [], rdflib.Graph())
    try:
        if focus_nodes is None:
            _, report, _ = _pyshacl(_copy_of_view(store), shapes)
        else:
            report = _validate_focus(store, shapes, set(focus_nodes))
    except ValidationError:
        raise
    except Exception as exc:  # pySHACL reports shape errors as several exception types
        raise ValidationError(f"validation failed: {exc}") from None
    findings = _findings(report, shapes, store)
    return ValidationReport(not any(f.severity == "Violation" for f in findings), findings, report)


#: The graphs validation reads: the deduplicated view, which mirrors every batch, derived,
#: catalog and vocabulary fact. Not the stored validation report: a report is not data to check.
DATA_GRAPHS = view_graphs()


def _validate_focus(store: LineageStore, shapes: rdflib.Graph, focus: set[NamedNode]) -> rdflib.Graph:
    """pySHACL over the neighbourhood of the focus nodes, once per set of shapes that the same
    focus nodes could fail (:mod:`provgraph.screening`); over a copy of the view when a shape
    reads beyond the neighbourhood."""
    reader = neighbourhood.Neighbourhood(store.oxigraph, DATA_GRAPHS)
    groups: dict[frozenset, list[str]] = {}
    node_shapes = sorted(set(shapes.subjects(rdflib.RDF.type, SH.NodeShape)), key=str)
    # The focus nodes' types, for every shape at once.
    reader.instances(focus, set().union(*(neighbourhood.target_classes(reader, shapes, s) for s in node_shapes)))
    try:
        for shape in node_shapes:
            targeted = neighbourhood.targets(reader, shapes, shape, focus)
            if not targeted:
                continue
            if not isinstance(shape, rdflib.URIRef):
                raise neighbourhood.Unbounded("a blank-node shape with targets")
            reader.walk(neighbourhood.shape_pattern(shapes, shape), {neighbourhood.THIS: targeted})
            groups.setdefault(frozenset(targeted), []).append(str(shape))
    except neighbourhood.Unbounded:
        # pySHACL finds the targets itself and keeps those among the focus nodes.
        _, report, _ = _pyshacl(_copy_of_view(store), shapes, focus_nodes=sorted(n.value for n in focus))
        return report
    data = pyoxigraph.Store()
    data.bulk_extend(reader.quads())
    # pySHACL sees each shape's focus nodes that could fail it, no others: its report is the same.
    screened: dict[frozenset, list[str]] = {}
    for nodes, shape_names in groups.items():
        for name in shape_names:
            suspects = screening.suspects(data, shapes, rdflib.URIRef(name), set(nodes))
            if suspects:
                screened.setdefault(frozenset(suspects), []).append(name)
    report = rdflib.Graph()
    for nodes, shape_names in screened.items():
        # Named shapes with named focus nodes skip pySHACL's own target search; the focus nodes
        # each shape targets were picked above.
        _, part, _ = _pyshacl(data, shapes, use_shapes=shape_names, focus_nodes=sorted(n.value for n in nodes))
        report += part
    return report


def _pyshacl(data: pyoxigraph.Store, shapes: rdflib.Graph, **options):
    return pyshacl.validate(_data_graph(data), shacl_graph=shapes, inplace=True, allow_warnings=True, allow_infos=True, **options)


def _copy_of_view(store: LineageStore) -> pyoxigraph.Store:
    """The data graphs merged into the default graph of an in-memory store (copied as N-Triples
    through a temporary file, without a Python object per triple)."""
    copy = pyoxigraph.Store()
    with tempfile.TemporaryDirectory(prefix="provgraph-validate-") as folder:
        for i, graph in enumerate(DATA_GRAPHS):
            path = Path(folder) / f"{i}.nt"
            store.oxigraph.dump(str(path), pyoxigraph.RdfFormat.N_TRIPLES, from_graph=graph)
            copy.bulk_load(path=str(path), format=pyoxigraph.RdfFormat.N_TRIPLES, lenient=True)
    return copy


def _data_graph(store: pyoxigraph.Store):
    """pySHACL's view of an Oxigraph store. pySHACL tests the data graph's truth value while
    describing each result, which counts every triple of the store; a store is never empty here."""
    from pyshacl.graph_abstraction import DataGraph

    graph = DataGraph.from_oxigraph_store(store)
    graph.__class__ = type("NonEmptyOxigraphDataGraph", (type(graph),), {"__bool__": lambda self: True})
    return graph


def store_report(store: LineageStore, report: ValidationReport) -> int:
    """Replace the report graph (``graph/validation-report``) with ``report``; blank nodes are
    kept as such. Returns the number of triples written."""
    data = report.graph.serialize(format="nt", encoding="utf-8")
    triples = list(pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.N_TRIPLES))
    # Kept out of the default-graph view: a report is not lineage data (``GRAPH`` reaches it).
    if store.oxigraph.contains_named_graph(REPORT_GRAPH):
        store.oxigraph.remove_graph(REPORT_GRAPH)
    store.oxigraph.add_graph(REPORT_GRAPH)
    store.oxigraph.extend(Quad(t.subject, t.predicate, t.object, REPORT_GRAPH) for t in triples)
    return len(triples)


def _findings(report: rdflib.Graph, shapes: rdflib.Graph, store: LineageStore) -> list[Finding]:
    results = []
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        source = report.value(result, SH.sourceShape)
        shape = _owning_shape(shapes, source)
        results.append((result, shape, str(report.value(result, SH.focusNode))))
    names = _names(store, {focus for _, _, focus in results})
    findings = []
    for result, shape, focus in results:
        value = report.value(result, SH.value)
        path = report.value(result, SH.resultPath)
        findings.append(Finding(
            focus=focus, name=names.get(focus, focus),
            shape=str(shapes.value(shape, rdflib.RDFS.label) or _local(shape)),
            rule=str(shapes.value(shape, rdflib.RDFS.comment) or "").split(":")[0],
            severity=_local(report.value(result, SH.resultSeverity)),
            message=str(report.value(result, SH.resultMessage) or ""),
            path=_short(path) if isinstance(path, rdflib.URIRef) else None,
            value=names.get(str(value), _short(value) if isinstance(value, rdflib.URIRef) else str(value)) if value is not None else None))
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    return sorted(findings, key=lambda f: (order.get(f.severity, 3), f.shape, f.name, f.value or ""))


def _owning_shape(shapes: rdflib.Graph, source):
    """A property shape's node shape (the one rdfs:comment names the rule), else itself."""
    if isinstance(source, rdflib.BNode):
        owner = shapes.value(None, SH.property, source) or shapes.value(None, SH.sparql, source)
        return owner or source
    return source


def _names(store: LineageStore, iris: set[str]) -> dict[str, str]:
    """Human names: ``namespace/name`` for datasets and jobs, ``job run <runId>`` for runs, else rdfs:label."""
    names: dict[str, str] = {}
    iris = [i for i in iris if i.startswith(("http://", "https://", "urn:"))]
    for start in range(0, len(iris), 500):
        values = " ".join(f"<{i}>" for i in iris[start:start + 500])
        for row in store.select(f"""SELECT ?x (SAMPLE(?n) AS ?name) WHERE {{ VALUES ?x {{ {values} }}
              OPTIONAL {{ ?x pg:namespace ?ns ; pg:name ?nm }}
              OPTIONAL {{ ?x pg:runId ?id . OPTIONAL {{ ?x prov:qualifiedAssociation/prov:hadPlan/pg:name ?job }} }}
              OPTIONAL {{ ?x prov:specializationOf/pg:name ?dn . OPTIONAL {{ ?x dcat:version ?v }} }}
              OPTIONAL {{ ?x rdfs:label ?label }}
              BIND(COALESCE(CONCAT(?ns, "/", ?nm), CONCAT(COALESCE(?job, "run"), " run ", ?id),
                            CONCAT(?dn, COALESCE(CONCAT("@", ?v), " version")), ?label) AS ?n) }} GROUP BY ?x"""):
            if row["name"] is not None:
                names[row["x"].value] = row["name"].value
    return names


def _local(term) -> str:
    text = str(term)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _short(term) -> str:
    from .vocab import PREFIXES
    text = str(term)
    for prefix, base in PREFIXES.items():
        if text.startswith(base):
            return f"{prefix}:{text[len(base):]}"
    return text


def batch_focus(store: LineageStore, graphs: list[NamedNode]) -> tuple[set[NamedNode], set[NamedNode], set[NamedNode]]:
    """What new batch graphs describe: ``(focus nodes, runs, datasets)``. Focus nodes are the
    IRIs the batches say something about, plus the datasets their governance declarations match."""
    from .vocab import DCAT, PG

    focus, runs, datasets = set(), set(), set()
    for graph in graphs:
        # Distinct subjects found by Oxigraph: a batch states each dataset once per event. (With
        # FILTER(isIRI(?s)) in the query Oxigraph takes five times as long.)
        focus |= {row[0] for row in store.oxigraph.query(f"SELECT DISTINCT ?s WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
                  if isinstance(row[0], NamedNode)}
        for row in store.oxigraph.query(f"SELECT ?s ?kind WHERE {{ VALUES ?kind {{ {PG.Run} {DCAT.Dataset} }} GRAPH {graph} {{ ?s a ?kind }} }}"):
            (runs if row[1] == PG.Run else datasets).add(row[0])
        for row in store.select(f"SELECT DISTINCT ?d WHERE {{ GRAPH {graph} {{ ?rule a pg:GovernanceDeclaration }} ?rule pg:appliesTo ?d }}"):
            focus.add(row["d"])
    return focus, runs, datasets
