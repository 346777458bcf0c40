"""DataHub URNs: the grammar, and the IRIs of the things they name.

A DataHub URN is ``urn:li:<entityType>:<key>``; a compound key is a parenthesised,
comma-separated tuple whose parts may themselves be URNs
(``urn:li:dataJob:(urn:li:dataFlow:(airflow,dag,prod),task)``). Reserved characters inside a
part are percent-encoded by DataHub (``%28 %29 %2C``); :func:`parse` decodes exactly those.

Datasets (and ML models, which DataHub names the same way) map onto the OpenLineage
``(namespace, name)`` pair by :class:`NamespaceMap` — the inverse of the rule DataHub applies to
OpenLineage namespaces (MAPPING.md, "DataHub → the same nodes"), so that one table seen through
both sources is one IRI (``ids.dataset``).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from pyoxigraph import NamedNode

from .. import ids

#: Environment variable naming the platform → namespace configuration (a JSON file, or inline JSON).
NAMESPACES_ENV = "PROVGRAPH_DATAHUB_NAMESPACES"
#: Object stores: the first path segment of a DataHub name is the bucket, OpenLineage's namespace.
OBJECT_STORES = {"s3": "s3", "gcs": "gs"}
#: Platforms whose OpenLineage namespace has no host (OpenLineage naming spec).
HOSTLESS = {"bigquery": "bigquery", "file": "file"}
_RESERVED = {"%28": "(", "%29": ")", "%2C": ",", "%2c": ","}


class UrnError(ValueError):
    """A string that is not a URN of the expected shape; the message says what is wrong."""


@dataclass(frozen=True)
class Urn:
    """A parsed URN: ``entity_type`` and its key ``parts`` (one part for a simple key)."""

    text: str
    entity_type: str
    parts: tuple[str, ...]

    @property
    def id(self) -> str:
        return ",".join(self.parts)


def parse(text: object, expected: str | tuple[str, ...] | None = None) -> Urn:
    """Parse ``text`` as ``urn:li:<type>:<key>``; ``expected`` restricts the entity type.
    Raises :class:`UrnError`."""
    if not isinstance(text, str) or not text.startswith("urn:li:"):
        raise UrnError(f"not a DataHub URN: {text!r}")
    rest = text[len("urn:li:"):]
    entity_type, sep, key = rest.partition(":")
    if not sep or not entity_type or not key:
        raise UrnError(f"not a DataHub URN (urn:li:<type>:<key>): {text!r}")
    allowed = (expected,) if isinstance(expected, str) else expected
    if allowed and entity_type not in allowed:
        raise UrnError(f"expected a {' or '.join(allowed)} URN, got {text!r}")
    if key.startswith("("):
        if not key.endswith(")"):
            raise UrnError(f"unbalanced parentheses in {text!r}")
        parts = _split(key[1:-1], text)
    else:
        parts = (key,)
    return Urn(text, entity_type, parts)


def _split(inner: str, text: str) -> tuple[str, ...]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(inner):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise UrnError(f"unbalanced parentheses in {text!r}")
        elif ch == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    if depth != 0:
        raise UrnError(f"unbalanced parentheses in {text!r}")
    parts.append(inner[start:])
    if any(p == "" for p in parts):
        raise UrnError(f"empty key part in {text!r}")
    return tuple(_decode(p) if not p.startswith("urn:li:") else p for p in parts)


def _decode(part: str) -> str:
    return re.sub("%2[89Cc]", lambda m: _RESERVED[m.group(0)], part)


@dataclass(frozen=True)
class DatasetKey:
    """A dataset (or ML model) URN's key: platform, name and environment (``origin``)."""

    platform: str
    name: str
    env: str


def dataset_key(text: object, entity_type: str | tuple[str, ...] = "dataset") -> DatasetKey:
    """``urn:li:dataset:(urn:li:dataPlatform:<p>,<name>,<ENV>)`` (also mlModel, mlModelGroup,
    mlModelDeployment, whose keys have the same shape). Raises :class:`UrnError`."""
    urn = parse(text, entity_type)
    if len(urn.parts) != 3:
        raise UrnError(f"expected (platform,name,env) in {urn.text!r}")
    platform = parse(urn.parts[0], "dataPlatform").id
    return DatasetKey(platform, urn.parts[1], urn.parts[2].upper())


def schema_field(text: object) -> tuple[str, str]:
    """``urn:li:schemaField:(<dataset URN>,<fieldPath>)`` → (dataset URN, field path)."""
    urn = parse(text, "schemaField")
    if len(urn.parts) != 2:
        raise UrnError(f"expected (datasetUrn,fieldPath) in {urn.text!r}")
    dataset_key(urn.parts[0])
    return urn.parts[0], urn.parts[1]


def simple_field_path(path: str) -> str:
    """A field path as OpenLineage writes it: DataHub's v2 encoding
    (``[version=2.0].[type=struct].address.[type=string].city``) loses its ``[…]`` segments
    (→ ``address.city``); a v1 path is kept as it is."""
    if not path.startswith("[") and ".[" not in path:
        return path
    return re.sub(r"\[[^\]]*\]\.?", "", path).strip(".") or path


@dataclass
class NamespaceMap:
    """How DataHub dataset URNs map onto OpenLineage namespaces (MAPPING.md, "DataHub → the
    same nodes").

    ``platforms`` maps ``"<platform>"`` or ``"<platform>/<instance>"`` to a namespace such as
    ``postgres://db.example.com:5432``; an instance key matches names that start with
    ``<instance>.`` and the prefix is dropped from the name. ``env`` is the environment
    OpenLineage data lives in (DataHub's default, ``PROD``); a URN in another environment gets
    ``?env=<ENV>`` appended to its namespace so that DEV and PROD stay two nodes. ``jobs`` maps
    a dataFlow orchestrator (``airflow``) to the OpenLineage job namespace its jobs use.
    """

    platforms: dict[str, str] = field(default_factory=dict)
    env: str = "PROD"
    jobs: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> "NamespaceMap":
        """From ``$PROVGRAPH_DATAHUB_NAMESPACES``: a JSON file path or inline JSON
        ``{"env": "PROD", "platforms": {"postgres": "postgres://host:5432"}, "jobs": {"airflow": "prod-airflow"}}``;
        empty when unset. Raises ``OSError`` / ``ValueError`` for an unreadable file or bad JSON."""
        raw = os.environ.get(NAMESPACES_ENV, "").strip()
        if not raw:
            return cls()
        text = raw if raw.startswith("{") else Path(raw).read_text()
        data = json.loads(text)
        return cls(dict(data.get("platforms", {})), str(data.get("env", "PROD")).upper(), dict(data.get("jobs", {})))

    def locate(self, key: DatasetKey) -> tuple[str, str]:
        """The OpenLineage ``(namespace, name)`` of a dataset key."""
        platform, name = key.platform, key.name
        namespace = None
        for config_key, configured in self.platforms.items():
            plat, _, instance = config_key.partition("/")
            if plat == platform and instance and name.startswith(instance + "."):
                namespace, name = configured, name[len(instance) + 1:]
                break
        if namespace is None and platform in self.platforms:
            namespace = self.platforms[platform]
        if namespace is None:
            if platform in OBJECT_STORES and "/" in name:
                bucket, _, path = name.partition("/")
                namespace, name = f"{OBJECT_STORES[platform]}://{bucket}", path
            else:
                namespace = HOSTLESS.get(platform, platform)
        if key.env != self.env:
            namespace = f"{namespace}?env={key.env}"
        return namespace, name


# --- IRIs of DataHub things that have no OpenLineage identity -----------------------------

def run(dpi_urn: str) -> NamedNode:
    """The pg:Run of a ``dataProcessInstance`` URN (case kept, unlike OpenLineage run ids)."""
    return NamedNode(f"{ids.KIND_PREFIXES['run']}datahub/{quote(dpi_urn, safe='')}")


def event(dpi_urn: str, state: str, moment: str) -> NamedNode:
    """One ``dataProcessInstanceRunEvent`` of a run, by state and UTC time."""
    return NamedNode(f"{ids.KIND_PREFIXES['event']}datahub/{quote(dpi_urn, safe='')}/{state}/{quote(moment, safe='')}")


def agent_name(urn: str) -> str:
    """The owner name an agent IRI is minted from: ``corpuser:jdoe`` → ``user:jdoe`` and
    ``corpGroup:finance`` → ``group:finance`` (the OpenLineage ownership facet's spelling)."""
    parsed = parse(urn)
    prefix = {"corpuser": "user", "corpGroup": "group"}.get(parsed.entity_type, parsed.entity_type)
    return f"{prefix}:{parsed.id}"


def entity_iri(kind: str, urn: str) -> NamedNode:
    """Any other DataHub entity (query, container, model group, removal…), under ``id/qualified``."""
    return ids.qualified(f"datahub-{kind}", urn)
