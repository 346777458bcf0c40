"""Configuration of ``provgraph serve``, in one place.

Every setting is one row of :data:`SETTINGS` (name, type, default, help); the CLI options, the
config file keys, the ``PROVGRAPH_<NAME>`` environment variables and the README table all come
from it. Precedence, highest first: command-line arguments, then the config file (TOML, named by
``--config`` or ``$PROVGRAPH_CONFIG``; keys as in :data:`SETTINGS`, optionally under a
``[serve]`` table), then ``PROVGRAPH_`` environment variables, then the defaults.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

from .errors import ProvgraphError
from .store import DEFAULT_STORE_PATH

ENV_PREFIX = "PROVGRAPH_"
CONFIG_ENV = "PROVGRAPH_CONFIG"


class ConfigError(ProvgraphError):
    """A setting has a value of the wrong type, or the config or token file cannot be read."""


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Any
    help: str

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("host", str, "127.0.0.1", "Interface to listen on."),
    Setting("port", int, 8000, "TCP port to listen on (0 picks a free one)."),
    Setting("store", str, DEFAULT_STORE_PATH, "Oxigraph store folder, opened read-write by this one process."),
    Setting("threads", int, 8, "WSGI worker threads (queries run in parallel: pyoxigraph releases the GIL while evaluating)."),
    Setting("query_timeout", float, 30.0, "Per-query time limit in seconds; a query over it is stopped with 408."),
    Setting("row_limit", int, 100_000, "Most rows (or triples) one query returns; a longer answer is cut there and says so (header Provgraph-Truncated: true)."),
    Setting("max_request_bytes", int, 16 * 1024 * 1024, "Largest request body in bytes, also after gzip decompression (413 above)."),
    Setting("max_concurrent_queries", int, 8, "Queries evaluated at once; a further query waits up to 1 s, then gets 503."),
    Setting("api_tokens", list, (), "Bearer tokens accepted for ingest, comma-separated."),
    Setting("token_file", str, None, "File of Bearer tokens for ingest, one per line ('#' starts a comment)."),
    Setting("allow_unauthenticated_ingest", bool, False, "Local trials only: accept ingest without a token when none is configured."),
    Setting("allow_service", bool, False, "Allow SPARQL SERVICE (it makes the server fetch any URL a caller names)."),
    Setting("io_threads", int, 1, "granian's Rust threads that read requests and write responses (its runtime threads; waitress ignores it)."),
    Setting("http_server", str, "granian", "WSGI server: granian (HTTP parsed in Rust; fastest) or waitress (pure Python, one process)."),
    Setting("workers", int, 2, "Processes answering requests (granian; waitress always runs 1). N > 1: N processes answer from read-only snapshots of the store, published after each ingest, while this process ingests; 1: this process answers everything. threads and max_concurrent_queries are per process."),
)
_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class ServiceConfig:
    """The resolved settings of one server (see :data:`SETTINGS` for meaning and units)."""

    host: str = "127.0.0.1"
    port: int = 8000
    store: str = DEFAULT_STORE_PATH
    threads: int = 8
    query_timeout: float = 30.0
    row_limit: int = 100_000
    max_request_bytes: int = 16 * 1024 * 1024
    max_concurrent_queries: int = 8
    api_tokens: tuple[str, ...] = ()
    token_file: str | None = None
    allow_unauthenticated_ingest: bool = False
    allow_service: bool = False
    io_threads: int = 1
    http_server: str = "granian"
    workers: int = 2
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    def tokens(self) -> frozenset[str]:
        """Every accepted Bearer token: ``api_tokens`` plus the lines of ``token_file``.
        Raises :class:`ConfigError` when the token file cannot be read."""
        tokens = set(self.api_tokens)
        if self.token_file:
            try:
                lines = Path(self.token_file).read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise ConfigError(f"cannot read token file {self.token_file}: {exc.strerror}") from None
            tokens.update(line.split("#", 1)[0].strip() for line in lines)
        tokens.discard("")
        return frozenset(tokens)


def load_config(arguments: Mapping[str, Any] | None = None, *, config_file: str | os.PathLike | None = None,
                environ: Mapping[str, str] | None = None) -> ServiceConfig:
    """Resolve the settings: ``arguments`` (``None`` values are "not given") over the config file
    (``config_file``, else ``$PROVGRAPH_CONFIG``) over ``PROVGRAPH_*`` variables of ``environ``
    (default ``os.environ``) over defaults. ``sources`` of the result says where each came from.
    Raises :class:`ConfigError` for an unknown key in the file or an ill-typed value."""
    environ = os.environ if environ is None else environ
    arguments = {k: v for k, v in (arguments or {}).items() if v is not None}
    unknown_args = set(arguments) - set(_BY_NAME)
    if unknown_args:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown_args))}")
    config_file = config_file or environ.get(CONFIG_ENV) or None
    from_file = _read_config_file(config_file) if config_file else {}
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for setting in SETTINGS:
        if setting.name in arguments:
            raw, origin = arguments[setting.name], "argument"
        elif setting.name in from_file:
            raw, origin = from_file[setting.name], f"config file {config_file}"
        elif setting.env in environ and environ[setting.env] != "":
            raw, origin = environ[setting.env], f"environment {setting.env}"
        else:
            continue
        values[setting.name] = _coerce(setting, raw, origin)
        sources[setting.name] = origin
    return ServiceConfig(**values, sources=sources)


def _read_config_file(path: str | os.PathLike) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    data = data.get("serve", data)
    unknown = sorted(set(data) - set(_BY_NAME))
    if unknown:
        raise ConfigError(f"config file {path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(_BY_NAME)}")
    return data


def _coerce(setting: Setting, raw: Any, origin: str) -> Any:
    try:
        if setting.type is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise ValueError(f"{raw!r} is not true or false")
            return text in ("1", "true", "yes", "on")
        if setting.type is list:
            items = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")
            return tuple(str(i).strip() for i in items if str(i).strip())
        if setting.type in (int, float) and isinstance(raw, bool):
            raise ValueError(f"{raw!r} is not a number")
        value = setting.type(raw)
        if setting.type in (int, float) and value < 0:
            raise ValueError(f"{raw!r} is negative")
        return value
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {setting.name!r} from {origin}: expected {setting.type.__name__}: {exc}") from None


assert {f.name for f in fields(ServiceConfig)} - {"sources"} == set(_BY_NAME), "SETTINGS and ServiceConfig differ"
