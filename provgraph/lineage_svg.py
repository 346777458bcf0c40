"""A lineage diagram of a supporting subgraph, as a self-contained SVG string.

The subgraph holds versions and runs (a model trained weekly has 52 of each); the diagram
collapses them to what a reader recognises: each dataset version is drawn as its dataset, each
run as its job, with a count. Edges follow ``prov:used`` (dataset → job) and
``prov:wasGeneratedBy`` (job → dataset); ``prov:wasDerivedFrom`` between datasets is drawn only
where no job explains it. When the question is about a column, columns are drawn instead,
linked by their column lineage. Layout: left to right in layers (longest path from a source),
nodes in a layer sorted by name. No scripts, no external fonts: it prints and opens anywhere.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from html import escape

from pyoxigraph import NamedNode, Quad

from .vocab import DCAT, MLS, PG, PROV, RDF_TYPE

MAX_NODES = 150
BOX_W, BOX_H, COL_GAP, ROW_GAP, MARGIN = 210, 44, 44, 14, 16
#: Edges that skip a layer run in this channel above the boxes, so they never pass behind one.
CHANNEL = 18
FILL = {"dataset": "#dbeafe", "model": "#fde68a", "job": "#dcfce7", "field": "#ede9fe"}
STROKE = {"dataset": "#1d4ed8", "model": "#b45309", "job": "#15803d", "field": "#6d28d9"}


@dataclass
class Node:
    key: NamedNode
    kind: str  # dataset | model | job | field
    label: str
    count: int = 0
    highlighted: bool = False
    detail: str = ""  # for a column, its dataset


def diagram(quads: list[Quad], highlight: set[NamedNode], *, columns: bool = False) -> str:
    """The SVG for ``quads`` (a supporting subgraph). ``highlight`` marks the answer's entities
    (drawn with a thick border); ``columns`` draws column lineage instead of datasets and jobs."""
    facts = _Facts(quads)
    nodes, edges = facts.column_graph() if columns else facts.dataset_graph()
    for key, node in nodes.items():
        node.highlighted = key in {facts.collapse(h) for h in highlight}
    if not nodes:
        return _empty("No lineage to draw: the answer names no dataset, run or column.")
    note = ""
    if len(nodes) > MAX_NODES:
        kept = sorted(nodes, key=lambda k: (not nodes[k].highlighted, nodes[k].label))[:MAX_NODES]
        note = f"Showing {MAX_NODES} of {len(nodes)} nodes."
        nodes = {k: nodes[k] for k in kept}
        edges = {(a, b) for a, b in edges if a in nodes and b in nodes}
    return _draw(nodes, edges, note)


class _Facts:
    def __init__(self, quads: list[Quad]):
        self.by_predicate: dict[NamedNode, set[tuple]] = defaultdict(set)
        self.types: dict[NamedNode, set[NamedNode]] = defaultdict(set)
        self.literal: dict[tuple, str] = {}
        for q in quads:
            if q.predicate == RDF_TYPE:
                self.types[q.subject].add(q.object)
            elif isinstance(q.object, NamedNode):
                self.by_predicate[q.predicate].add((q.subject, q.object))
            else:
                self.literal[(q.subject, q.predicate)] = q.object.value
        self.version_of = dict(self.by_predicate[PROV.specializationOf])
        association = dict(self.by_predicate[PROV.qualifiedAssociation])
        plan = dict(self.by_predicate[PROV.hadPlan])
        self.job_of = {run: plan[a] for run, a in association.items() if a in plan}
        self.dataset_of_field = {f: d for d, f in self.by_predicate[PG.field]}

    def collapse(self, term: NamedNode) -> NamedNode:
        return self.job_of.get(term) or self.version_of.get(term) or term

    def name(self, term: NamedNode) -> str:
        return self.literal.get((term, PG.name)) or self.literal.get((term, PG.fieldPath)) or term.value.rsplit("/", 1)[-1]

    def kind(self, term: NamedNode) -> str | None:
        types = self.types[term]
        if PG.Job in types:
            return "job"
        if PG.Field in types:
            return "field"
        if MLS.Model in types:
            return "model"
        if DCAT.Dataset in types:
            return "dataset"
        return None

    def dataset_graph(self):
        nodes: dict[NamedNode, Node] = {}
        members: dict[NamedNode, set] = defaultdict(set)

        def add(term):
            key = self.collapse(term)
            kind = self.kind(key)
            if kind in (None, "field"):
                return None
            nodes.setdefault(key, Node(key, kind, self.name(key)))
            if key != term:
                members[key].add(term)
            return key

        edges = set()
        for run, used in self.by_predicate[PROV.used]:
            a, b = add(used), add(run)
            if a and b and a != b:
                edges.add((a, b))
        for version, run in self.by_predicate[PROV.wasGeneratedBy]:
            a, b = add(run), add(version)
            if a and b and a != b:
                edges.add((a, b))
        via_job = {(a, c) for a, b in edges for b2, c in edges if b == b2 and nodes[b].kind == "job"}
        for derived, source in self.by_predicate[PROV.wasDerivedFrom]:
            a, b = add(source), add(derived)
            if a and b and a != b and (a, b) not in via_job:
                edges.add((a, b))
        for key, node in nodes.items():
            node.count = len(members[key])
        return nodes, edges

    def column_graph(self):
        nodes: dict[NamedNode, Node] = {}
        for f, dataset in self.dataset_of_field.items():
            if PG.Field in self.types[f]:
                nodes[f] = Node(f, "field", self.name(f), detail=self.name(dataset))
        edges = {(source, derived) for derived, source in self.by_predicate[PROV.wasDerivedFrom] if derived in nodes and source in nodes}
        entity = dict(self.by_predicate[PROV.entity])
        for dataset_or_field, q in self.by_predicate[PROV.qualifiedDerivation]:
            source = entity.get(q)
            targets = [dataset_or_field] if dataset_or_field in nodes else [f for f, d in self.dataset_of_field.items() if d == dataset_or_field and f in nodes]
            for target in targets:
                if source in nodes and source != target:
                    edges.add((source, target))
        linked = {n for edge in edges for n in edge}
        return {k: v for k, v in nodes.items() if k in linked}, edges


def _layers(nodes, edges) -> dict[NamedNode, int]:
    parents = defaultdict(set)
    for a, b in edges:
        parents[b].add(a)
    layer: dict[NamedNode, int] = {}

    def depth(n, seen=()):
        if n in layer:
            return layer[n]
        if n in seen:  # a cycle: cut it here
            return 0
        layer[n] = 1 + max((depth(p, seen + (n,)) for p in parents[n]), default=-1)
        return layer[n]

    for n in sorted(nodes, key=lambda k: k.value):
        depth(n)
    return layer


def _draw(nodes: dict, edges: set, note: str) -> str:
    layer = _layers(nodes, edges)
    columns: dict[int, list] = defaultdict(list)
    for key, node in nodes.items():
        columns[layer[key]].append(node)
    position = {}
    for col, members in columns.items():
        for row, node in enumerate(sorted(members, key=lambda n: (n.kind == "job", n.label))):
            position[node.key] = (MARGIN + col * (BOX_W + COL_GAP), MARGIN + 24 + CHANNEL + row * (BOX_H + ROW_GAP))
    width = MARGIN * 2 + (max(columns) + 1) * (BOX_W + COL_GAP) - COL_GAP
    height = MARGIN * 2 + 24 + CHANNEL + max(len(m) for m in columns.values()) * (BOX_H + ROW_GAP) + 30
    channel_y = MARGIN + 24 + CHANNEL / 2
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'font-family="Helvetica, Arial, sans-serif" font-size="12" role="img" aria-label="Lineage diagram">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
           '<path d="M0,0 L10,5 L0,10 z" fill="#64748b"/></marker></defs>',
           f'<text x="{MARGIN}" y="{MARGIN + 10}" fill="#334155">data flows left to right · '
           + " · ".join(f'<tspan fill="{STROKE[k]}">■</tspan> {k}' for k in ("dataset", "model", "job", "field")) + "</text>"]
    for a, b in sorted(edges, key=lambda e: (e[0].value, e[1].value)):
        (x1, y1), (x2, y2) = position[a], position[b]
        sx, sy, ex, ey = x1 + BOX_W, y1 + BOX_H / 2, x2, y2 + BOX_H / 2
        if ex <= sx:  # same or earlier layer (a cycle): loop under the boxes
            out.append(f'<path d="M{sx},{sy} C{sx + 40},{sy + 60} {ex - 40},{ey + 60} {ex},{ey}" fill="none" stroke="#94a3b8" '
                       'stroke-dasharray="4 3" marker-end="url(#arrow)"/>')
        elif ex - sx > COL_GAP + 1:  # skips a layer: up into the channel, along it, and down
            g = COL_GAP / 2
            out.append(f'<path d="M{sx},{sy} C{sx + g},{sy} {sx + g},{channel_y} {sx + COL_GAP},{channel_y} L{ex - COL_GAP},{channel_y} '
                       f'C{ex - g},{channel_y} {ex - g},{ey} {ex},{ey}" fill="none" stroke="#64748b" stroke-width="1.2" '
                       'marker-end="url(#arrow)"/>')
        else:
            mid = (sx + ex) / 2
            out.append(f'<path d="M{sx},{sy} C{mid},{sy} {mid},{ey} {ex},{ey}" fill="none" stroke="#64748b" stroke-width="1.2" '
                       'marker-end="url(#arrow)"/>')
    for key, node in nodes.items():
        x, y = position[key]
        label = node.label if len(node.label) <= 31 else node.label[:29] + "…"
        sub = node.detail or {"job": "job", "model": "model", "dataset": "dataset"}[node.kind]
        if len(sub) > 42:
            sub = sub[:40] + "…"
        if node.count:
            sub += f" · {node.count} {'run' if node.kind == 'job' else 'version'}{'s' if node.count != 1 else ''}"
        width_stroke = 3 if node.highlighted else 1.2
        out.append(f'<g><title>{escape(node.label)} {escape(node.detail)} — {escape(key.value)}</title>'
                   f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="{12 if node.kind == "job" else 4}" '
                   f'fill="{FILL[node.kind]}" stroke="{STROKE[node.kind]}" stroke-width="{width_stroke}"/>'
                   f'<text x="{x + 8}" y="{y + 18}" font-weight="{"bold" if node.highlighted else "normal"}" fill="#0f172a">{escape(label)}</text>'
                   f'<text x="{x + 8}" y="{y + 34}" font-size="10" fill="#475569">{escape(sub)}</text></g>')
    if note:
        out.append(f'<text x="{MARGIN}" y="{height - 10}" fill="#b91c1c">{escape(note)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _empty(message: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="600" height="40" font-family="Helvetica, Arial, sans-serif" font-size="13">'
            f'<text x="10" y="25" fill="#475569">{escape(message)}</text></svg>')


__all__ = ["diagram", "MAX_NODES"]
