"""The ``provgraph`` command: argument parsing only; every command calls the Python API.

Exit status: 0 success; 1 input rejected (nothing stored), or a query/SPARQL error;
2 a usage error (unknown option, missing argument).
"""

from __future__ import annotations

import sys

import click

from . import __version__, importers
from .errors import InputRejected, ProvgraphError
from .formatting import RESULT_FORMATS, render
from .graph import EXPORT_FORMATS, LineageGraph
from .sources import Source
from .store import STORE_ENV, default_store_path

EXIT_REJECTED = 1


def _graph(ctx: click.Context) -> LineageGraph:
    if "graph" not in ctx.obj:
        ctx.obj["graph"] = LineageGraph(ctx.obj["store"])
        ctx.call_on_close(ctx.obj["graph"].close)
    return ctx.obj["graph"]


def _parse_params(items: tuple[str, ...]) -> dict[str, str]:
    """``--param KEY=VALUE`` options as a dict; a malformed one is a usage error (exit 2)."""
    bound = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--param")
        bound[key.strip()] = value
    return bound


def _fail(error: ProvgraphError) -> None:
    click.echo(f"error: {error}", err=True)
    sys.exit(EXIT_REJECTED)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="provgraph")
@click.option("--store", envvar=STORE_ENV, default=None, metavar="PATH",
              help=f"Oxigraph store folder [env {STORE_ENV}; default ./provgraph-data].")
@click.pass_context
def main(ctx: click.Context, store: str | None) -> None:
    """Lineage from OpenLineage as a W3C PROV-O graph, with canned regulator queries."""
    ctx.ensure_object(dict)
    ctx.obj["store"] = store or default_store_path()


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(importers.names()), default=None,
              help="Input format; detected from the records when omitted.")
@click.option("--skip-invalid", is_flag=True, help="Store the valid records and list the rejected ones.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or warnings.")
@click.option("--validate", "validate_mode", type=click.Choice(["off", "warn", "reject"]), default="off", show_default=True,
              help="Check what the new batches describe with the SHACL shapes; reject: store nothing on a violation.")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[str, ...], fmt: str | None, skip_invalid: bool, quiet: bool, validate_mode: str) -> None:
    """Ingest lineage files or folders (recursively); '-' reads standard input.

    A batch lands whole or not at all: if any record is invalid, nothing is stored and every
    problem is listed with its file, record index and field (exit status 1)."""
    graph = _graph(ctx)
    inputs = [Source("<stdin>", sys.stdin.buffer.read()) if p == "-" else p for p in paths]
    bar = None

    def progress(name: str, done: int, total: int) -> None:
        nonlocal bar
        if quiet or total < 2 or not sys.stderr.isatty():
            return
        if bar is None:
            bar = click.progressbar(length=total, label="reading", file=sys.stderr)
            bar.__enter__()
        bar.update(1)

    report = None
    try:
        summary, report = graph.ingest_validated(inputs, validate=validate_mode, format=fmt, skip_invalid=skip_invalid, progress=progress)
    except ProvgraphError as exc:
        if bar is not None:
            bar.__exit__(None, None, None)
        _fail(exc)
    if bar is not None:
        bar.__exit__(None, None, None)
    skipped = sum(1 for s in summary.sources if s.status == "already ingested")
    click.echo(f"ingested {summary.ingested} source(s): {summary.records} record(s), {summary.triples} triple(s), "
               f"{summary.derived_triples} derived; {skipped} already ingested")
    for problem in summary.rejected:
        click.echo(f"rejected: {problem}", err=True)
    if not quiet:
        for problem in summary.warnings[:20]:
            click.echo(f"warning: {problem}", err=True)
        if len(summary.warnings) > 20:
            click.echo(f"warning: … and {len(summary.warnings) - 20} more", err=True)
    if summary.unmapped_facets:
        counted = ", ".join(f"{k} ×{n}" for k, n in sorted(summary.unmapped_facets.items()))
        click.echo(f"facets counted but not mapped: {counted}")
    if report is not None and report.findings:
        click.echo(report.render("text"), err=True)


@main.group()
def query() -> None:
    """Canned regulator queries (queries/*.rq)."""


@query.command("list")
@click.pass_context
def query_list(ctx: click.Context) -> None:
    """List the canned queries with their parameters."""
    for q in _graph(ctx).catalogue().values():
        click.echo(f"{q.name}: {q.title}")
        click.echo(f"    {q.question}")
        for p in q.parameters:
            need = "required" if p.required else f"default {p.default}" if p.default else "optional"
            click.echo(f"    --param {p.name}=<{p.type}>  ({need}) {p.doc}")


@query.command("run")
@click.argument("name")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="A query parameter; repeatable.")
@click.option("--format", "fmt", type=click.Choice(RESULT_FORMATS), default="table", show_default=True)
@click.pass_context
def query_run(ctx: click.Context, name: str, params: tuple[str, ...], fmt: str) -> None:
    """Run the canned query NAME."""
    bound = _parse_params(params)
    try:
        click.echo(render(_graph(ctx).query(name, **bound), fmt))
    except ProvgraphError as exc:
        _fail(exc)


@main.command()
@click.argument("text", required=False)
@click.option("--file", "-f", "path", type=click.Path(exists=True, dir_okay=False), help="Read the query from a file.")
@click.option("--format", "fmt", type=click.Choice(RESULT_FORMATS), default="table", show_default=True)
@click.pass_context
def sparql(ctx: click.Context, text: str | None, path: str | None, fmt: str) -> None:
    """Run an ad-hoc read-only SPARQL query (TEXT, --file, or '-' for standard input)."""
    if path:
        text = open(path, encoding="utf-8").read()
    elif text in (None, "-"):
        text = sys.stdin.read()
    try:
        result = _graph(ctx).sparql(text)
    except ProvgraphError as exc:
        _fail(exc)
    if isinstance(result, bool):
        click.echo("true" if result else "false")
    elif isinstance(result, list):
        for triple in result:
            click.echo(f"{triple} .")
    else:
        click.echo(render(result, fmt))


@main.command()
@click.option("--format", "fmt", type=click.Choice(sorted(EXPORT_FORMATS)), default="trig", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write here instead of standard output.")
@click.pass_context
def export(ctx: click.Context, fmt: str, output: str | None) -> None:
    """Export the graph (TriG and N-Quads keep one named graph per batch)."""
    graph = _graph(ctx)
    if output:
        graph.export(fmt, output)
    else:
        sys.stdout.buffer.write(graph.export(fmt))


@main.command()
@click.pass_context
def stats(ctx: click.Context) -> None:
    """Counts of what the graph holds, and the batches behind it."""
    graph = _graph(ctx)
    for key, value in graph.stats().items():
        click.echo(f"{key:>17}: {value}")
    batches = graph.batches()
    if batches.rows:
        click.echo("")
        click.echo(render(batches, "table"))


@main.command()
@click.option("--scale", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="Size of the platform: scale 1 ingests to about one million triples.")
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same bytes.")
@click.option("--days", type=click.IntRange(min=1), default=365, show_default=True, help="Days of runs from 2025-01-01.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write here instead of standard output.")
def generate(scale: float, seed: int, days: int, output: str | None) -> None:
    """Write a synthetic one-year ML platform as OpenLineage NDJSON (for benchmarks and trials)."""
    from . import generate as platform

    if output:
        with open(output, "w", encoding="utf-8") as out:
            count = platform.write(out, scale, seed, days)
        click.echo(f"wrote {count} events to {output}", err=True)
    else:
        platform.write(sys.stdout, scale, seed, days)


# --- governance and validation ------------------------------------------------------------------
EXIT_VIOLATIONS, EXIT_ERROR = 1, 2


@main.command()
@click.option("--shapes", "shape_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="An extra SHACL shapes file; repeatable.")
@click.option("--replace-shapes", is_flag=True, help="Use only the --shapes files, not the shipped shapes/.")
@click.option("--format", "fmt", type=click.Choice(["text", "turtle", "json"]), default="text", show_default=True)
@click.option("--store-report", is_flag=True, help="Keep the sh:ValidationReport in the graph <https://w3id.org/provgraph/graph/validation-report>.")
@click.pass_context
def validate(ctx: click.Context, shape_files: tuple[str, ...], replace_shapes: bool, fmt: str, store_report: bool) -> None:
    """Check the graph with the SHACL shapes (owners, personal data, consent, PROV consistency).

    Exit status: 0 conforms (warnings allowed), 1 violations, 2 error."""
    try:
        report = _graph(ctx).validate(shapes=list(shape_files), replace_shapes=replace_shapes, store_report=store_report)
    except ProvgraphError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(report.render(fmt))
    sys.exit(0 if report.conforms else EXIT_VIOLATIONS)


@main.group()
def vocabulary() -> None:
    """The vocabulary graph (DPV terms that governance queries and shapes walk)."""


@vocabulary.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.pass_context
def vocabulary_load(ctx: click.Context, paths: tuple[str, ...]) -> None:
    """Add vocabulary files (e.g. the full DPV dpv.ttl and dpv-pd.ttl) to the vocabulary graph."""
    try:
        count = _graph(ctx).load_vocabulary(list(paths))
    except (OSError, SyntaxError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_REJECTED)
    click.echo(f"loaded {count} triple(s) into the vocabulary graph")

@main.command()
@click.argument("name")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="A query parameter; repeatable.")
@click.option("--out", "-o", "out", required=True, type=click.Path(file_okay=False), help="The folder to write the pack into.")
@click.pass_context
def report(ctx: click.Context, name: str, params: tuple[str, ...], out: str) -> None:
    """Write an evidence pack for the canned query NAME: answer, query, batches, supporting
    subgraph with its canonical hash, report.html and a manifest of sha256 sums."""
    bound = _parse_params(params)
    try:
        pack = _graph(ctx).report(name, out, **bound)
    except ProvgraphError as exc:
        _fail(exc)
    click.echo(f"{pack.rows} row(s); supporting subgraph RDFC-1.0 sha256 {pack.canonical_hash}")
    click.echo(f"evidence pack: {pack.directory}  (open {pack.report})")
# --- serve (issue 7): options come from provgraph.config.SETTINGS --------------------------
def _serve_options(command):
    from .config import SETTINGS

    for setting in reversed(SETTINGS):
        if setting.name == "api_tokens":
            continue  # a secret: environment or token file only, never visible in the process list
        flag = "--" + setting.name.replace("_", "-")
        help_text = f"{setting.help} [env {setting.env}; default {setting.default}]"
        if setting.type is bool:
            command = click.option(flag, setting.name, is_flag=True, default=None, help=help_text)(command)
        else:
            command = click.option(flag, setting.name, type=setting.type, default=None, help=help_text)(command)
    return command


@main.command()
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="TOML config file [env PROVGRAPH_CONFIG]; arguments override it, it overrides PROVGRAPH_ variables.")
@_serve_options
@click.pass_context
def serve(ctx: click.Context, config_file: str | None, **arguments) -> None:
    """Serve the SPARQL endpoint, OpenLineage ingest and canned queries over HTTP (granian or waitress).

    Bearer tokens for ingest come from PROVGRAPH_API_TOKENS (comma-separated) or --token-file."""
    from click.core import ParameterSource

    from .config import load_config
    from .server import serve as run_server

    parent = ctx.parent
    if arguments.get("store") is None and parent is not None and parent.get_parameter_source("store") == ParameterSource.COMMANDLINE:
        arguments["store"] = parent.params["store"]
    try:
        config = load_config(arguments, config_file=config_file)
        run_server(config)
    except ProvgraphError as exc:
        _fail(exc)
    except OSError as exc:  # the port is taken or the address is not ours
        click.echo(f"error: cannot listen on {config.host}:{config.port}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_REJECTED)


if __name__ == "__main__":  # pragma: no cover
    main()
