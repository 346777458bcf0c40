"""``report.html`` of an evidence pack: one self-contained page (inline CSS and SVG, no scripts,
no links it needs) that opens from disk and prints cleanly on A4 or Letter."""

from __future__ import annotations

from html import escape

from pyoxigraph import Literal, NamedNode

from .formatting import compact
from .vocab import ID_BASE

STYLE = """
body { font-family: Helvetica, Arial, sans-serif; color: #0f172a; margin: 24px; font-size: 13px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 22px 0 6px; border-bottom: 1px solid #cbd5e1; }
p.question { font-size: 14px; margin: 4px 0 12px; max-width: 60em; }
table { border-collapse: collapse; margin: 4px 0; }
th, td { border: 1px solid #cbd5e1; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f1f5f9; }
table.answer td { font-size: 11px; word-break: break-word; max-width: 28em; }
table.meta th { width: 12em; }
code, .hash { font-family: "DejaVu Sans Mono", Menlo, monospace; font-size: 11px; word-break: break-all; }
.diagram { overflow-x: auto; border: 1px solid #e2e8f0; padding: 4px; }
.diagram svg { max-width: 100%; height: auto; }
.note { color: #475569; }
@media print {
  body { margin: 0; font-size: 10px; }
  h2 { break-after: avoid; }
  tr, .diagram { break-inside: avoid; }
  thead { display: table-header-group; }
  .diagram { overflow: visible; border: none; }
}
"""
#: The HTML table shows at most this many rows; answer.csv and answer.json have all of them.
MAX_TABLE_ROWS = 500


def render_report(*, title: str, question: str, query_name: str, parameters: dict, ran_at: str, version: str,
                  columns: list[str], rows: list[list], truncated: bool, svg: str, canonical_hash: str,
                  batches: list[dict], support_size: int) -> str:
    """The page as a string. ``rows`` hold RDF terms (or None); ``batches`` dicts with keys
    ``source``, ``sha256``, ``ingestedAt``."""
    params = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in parameters.items()) or \
        '<tr><td colspan="2" class="note">none</td></tr>'
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(_cell(t))}</td>" for t in row) + "</tr>" for row in rows[:MAX_TABLE_ROWS])
    shown = f"{len(rows)} row{'s' if len(rows) != 1 else ''}"
    if len(rows) > MAX_TABLE_ROWS:
        shown += f"; the first {MAX_TABLE_ROWS} are shown here, all are in answer.csv and answer.json"
    if truncated:
        shown += "; the answer was cut at the row limit"
    batch_rows = "".join(f"<tr><td>{escape(b['source'])}</td><td class=hash>{escape(b['sha256'])}</td><td>{escape(b['ingestedAt'])}</td></tr>"
                         for b in batches)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)} — provgraph evidence</title>
<style>{STYLE}</style></head>
<body>
<h1>{escape(title)}</h1>
<p class="question">{escape(question)}</p>
<table class="meta">
<tr><th>query</th><td><code>{escape(query_name)}</code> (exact text in query.rq)</td></tr>
<tr><th>ran at (UTC)</th><td>{escape(ran_at)}</td></tr>
<tr><th>provgraph</th><td>{escape(version)}</td></tr>
<tr><th>supporting subgraph</th><td>{support_size} quads from {len(batches)} batch(es); RDFC-1.0 SHA-256
<span class="hash">{escape(canonical_hash)}</span></td></tr>
</table>
<h2>Parameters</h2>
<table class="meta">{params}</table>
<h2>Lineage behind the answer</h2>
<p class="note">Dataset versions are drawn as their dataset and runs as their job; thick borders mark what the answer names.</p>
<div class="diagram">{svg}</div>
<h2>Answer</h2>
<p class="note">{escape(shown)}</p>
<table class="answer"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
<h2>Records behind the answer</h2>
<table><thead><tr><th>source</th><th>sha256</th><th>ingested at (UTC)</th></tr></thead><tbody>{batch_rows}</tbody></table>
<p class="note">Check the pack: <code>sha256sum -c SHA256SUMS</code> in this folder; support.nq is the canonical form the hash is taken over.</p>
</body></html>
"""


def _cell(term) -> str:
    """A term for people: IRIs compacted, and so are IRIs listed inside a text cell."""
    if isinstance(term, Literal) and ID_BASE in term.value:
        return " ".join(compact(NamedNode(w)) if w.startswith(ID_BASE) else w for w in term.value.split(" "))
    return compact(term)


__all__ = ["render_report"]
