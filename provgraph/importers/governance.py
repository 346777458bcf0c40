"""Governance overlay importer: a YAML file data stewards write → declarations (MAPPING.md, "Governance").

The overlay names datasets and models by namespace/name glob or by IRI/URN and declares for them
owners and stewards, personal-data categories, special-category / pseudonymised / anonymised
data, legal basis, consent record, purpose, data controller and authorised consumers. It may
also add entries to the classification mapping (tag → DPV concept)::

    controller: org:acme
    classification:
      vendor-pii: dpv:PersonalData
    datasets:
      - match: {namespace: "postgres://crm.internal:5432", name: "crm.public.*"}
        owner: team:crm
        personal_data: [pd:BirthDate]
        fields: {email: pd:EmailAddress}        # column-level: the column and its dataset hold it
        legal_basis: consent
        consent: {status: given, given: 2024-01-01T00:00:00Z, expires: 2027-01-01T00:00:00Z}
        purpose: dpv:CustomerRelationshipManagement

Each entry becomes a ``pg:GovernanceDeclaration`` node carrying the declared facts with the
same predicates they have on a dataset; :mod:`provgraph.governance` applies them to every
matching dataset after each ingest (so a dataset that arrives later is governed too). Errors
name the YAML line: ``RecordProblem(file, None, "line N: key.path", message)``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import yaml
from pyoxigraph import NamedNode

from .. import ids
from ..errors import RecordProblem
from ..sources import Source
from ..vocab import DCTERMS, DPV, PD, PG, PROV, RDFS
from .fields import RecordReader
from .openlineage import MappedBatch
from .openlineage_facets import attribute
from .triples import TripleSink

NAME = "governance"
SUFFIXES = (".yaml", ".yml")

LEGAL_BASES = {
    "consent": DPV.Consent,
    "explicit-consent": DPV.ExplicitlyExpressedConsent,
    "contract": DPV.Contract,
    "legitimate-interest": DPV.LegitimateInterest,
    "legal-obligation": DPV.LegalObligation,
    "vital-interest": DPV.VitalInterestOfDataSubject,
    "public-interest": DPV.PublicInterest,
    "official-authority": DPV.OfficialAuthorityOfController,
}
CONSENT_STATUSES = {
    "given": DPV.ConsentGiven,
    "withdrawn": DPV.ConsentWithdrawn,
    "expired": DPV.ConsentExpired,
    "revoked": DPV.ConsentRevoked,
    "unknown": DPV.ConsentUnknown,
}
_ENTRY_KEYS = {"match", "urn", "owner", "owners", "stewards", "personal_data", "fields", "special_category", "pseudonymised",
               "anonymised", "legal_basis", "consent", "purpose", "controller", "authorised_consumers", "description"}
_TOP_KEYS = {"controller", "classification", "datasets", "models"}


class _Lines(dict):
    """A YAML mapping that remembers the line of itself and of each key (1-based)."""

    line: int = 0
    key_lines: dict


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Lines:
    mapping = _Lines(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Timestamps stay strings: RecordReader parses them with the project's own rules (UTC if no offset).
_LineLoader.yaml_implicit_resolvers = {k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
                                       for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def looks_like(record: object) -> bool:
    """Overlays are YAML and are never auto-detected from JSON records; name ``--format governance``."""
    return False


def expand_curie(value: str) -> NamedNode | None:
    """``dpv:Consent`` / ``pd:EmailAddress`` / a full IRI → a NamedNode; ``None`` when it is neither."""
    if value.startswith(("http://", "https://", "urn:")):
        return NamedNode(value)
    prefix, sep, local = value.partition(":")
    if sep and prefix == "dpv":
        return DPV[local]
    if sep and prefix == "pd":
        return PD[local]
    return None


def import_source(source: Source) -> MappedBatch:
    """Map one overlay document. Returns a :class:`MappedBatch` whose ``rejected`` lists every
    problem as ``RecordProblem(file, None, "line N: key path", message)``; a batch with problems is not stored."""
    batch = MappedBatch(source=source, importer=NAME)
    try:
        document = yaml.load(source.data.decode("utf-8-sig"), Loader=_LineLoader)
    except UnicodeDecodeError as exc:
        batch.rejected.append(RecordProblem(source.name, None, None, f"not UTF-8 text ({exc.reason})"))
        return batch
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        batch.rejected.append(RecordProblem(source.name, None, f"line {mark.line + 1}" if mark else None,
                                            f"invalid YAML: {getattr(exc, 'problem', None) or exc}"))
        return batch
    if not isinstance(document, dict):
        batch.rejected.append(RecordProblem(source.name, None, None, "a governance overlay is a YAML mapping with `datasets:`"))
        return batch
    top = RecordReader(source.name, document.line)
    for key in sorted(set(document) - _TOP_KEYS):
        top.fail(key, f"unknown key (expected one of {', '.join(sorted(_TOP_KEYS))})")
    classification = document.get("classification") or {}
    if not isinstance(classification, dict):
        top.fail("classification", "expected a mapping of tag pattern → DPV concept(s)")
        classification = {}
    sink = TripleSink()
    for pattern, concepts in classification.items():
        line = classification.key_lines.get(pattern, document.line)
        reader = RecordReader(source.name, line)
        rule = ids.qualified("classification", source.sha256, str(pattern))
        sink.types(rule, PG.ClassificationRule)
        sink.text(rule, PG.tagPattern, str(pattern))
        for concept in concepts if isinstance(concepts, list) else [concepts]:
            term = expand_curie(str(concept))
            if term is None:
                reader.fail(f"classification.{pattern}", f"{concept!r} is not a dpv:/pd: CURIE or an IRI")
            sink.add(rule, PG.classifiedAs, term)
        batch.rejected.extend(_at_lines(reader.problems, "", None))
    batch.rejected.extend(_at_lines(top.problems, "", None))
    default_controller = document.get("controller")
    entries = []
    for key in ("datasets", "models"):
        items = document.get(key) or []
        if not isinstance(items, list):
            batch.rejected.append(RecordProblem(source.name, None, f"line {document.key_lines.get(key)}: {key}", "expected a list of entries"))
            continue
        entries += [(f"{key}[{i}]", item) for i, item in enumerate(items)]
    for path, entry in entries:
        batch.records += 1
        reader = RecordReader(source.name, entry.line if isinstance(entry, _Lines) else document.line)
        entry_sink = TripleSink()
        _map_entry(entry, path, reader, entry_sink, source, default_controller)
        if reader.problems:
            batch.rejected.extend(_at_lines(reader.problems, path, entry))
            continue
        batch.accepted += 1
        batch.triples.extend(entry_sink.triples)
    batch.triples.extend(sink.triples)
    if not batch.accepted and not batch.rejected and batch.triples:
        batch.accepted = 1  # an overlay with only classification entries
    return batch


def _map_entry(entry: Any, path: str, r: RecordReader, out: TripleSink, source: Source, default_controller: Any) -> None:
    if not isinstance(entry, dict):
        r.fail(path, "expected a mapping (match:, owner:, legal_basis:, …)")
        return
    for key in sorted(set(entry) - _ENTRY_KEYS):
        r.fail(f"{path}.{key}", f"unknown key (expected one of {', '.join(sorted(_ENTRY_KEYS))})")
    rule = ids.qualified("governance", source.sha256, str(r.index), path)
    out.types(rule, PG.GovernanceDeclaration, PROV.Entity)
    out.integer(rule, PG.sourceLine, r.index)
    out.text(rule, DCTERMS.source, source.name)
    match = entry.get("match")
    urn = r.string(entry, "urn", f"{path}.urn")
    if isinstance(match, dict):
        out.text(rule, PG.matchNamespace, r.string(match, "namespace", f"{path}.match.namespace") or "*")
        out.text(rule, PG.matchName, r.string(match, "name", f"{path}.match.name", required=True))
    elif match is not None:
        r.fail(f"{path}.match", "expected {namespace: glob, name: glob}")
    if urn:
        out.text(rule, PG.matchIdentifier, urn)
    if match is None and not urn:
        r.fail(path, "needs `match:` (namespace/name globs) or `urn:`")

    owners = entry.get("owners", entry.get("owner"))
    for i, owner in enumerate(owners if isinstance(owners, list) else [owners] if owners else []):
        name, role = (owner, "OWNER") if isinstance(owner, str) else (owner.get("name"), owner.get("role", "OWNER")) if isinstance(owner, dict) else (None, None)
        if not name:
            r.fail(f"{path}.owner", "an owner is `team:…`/`user:…` or {name:, role:}")
            continue
        attribute(out, rule, str(name), str(role))
    for steward in _list(entry.get("stewards")):
        attribute(out, rule, str(steward), "DATA_STEWARD")

    for category in _list(entry.get("personal_data")):
        term = expand_curie(str(category))
        if term is None:
            r.fail(f"{path}.personal_data", f"{category!r} is not a dpv:/pd: CURIE or an IRI")
        out.add(rule, DPV.hasPersonalData, term)
    columns = r.obj(entry, "fields", f"{path}.fields", required=False) or {}
    for column, categories in columns.items():
        declared = ids.qualified("field-declaration", source.sha256, path, str(column))
        out.add(rule, PG.fieldDeclaration, declared)
        out.text(declared, PG.fieldPath, str(column))
        for category in _list(categories):
            term = expand_curie(str(category))
            if term is None:
                r.fail(f"{path}.fields.{column}", f"{category!r} is not a dpv:/pd: CURIE or an IRI")
            out.add(declared, DPV.hasPersonalData, term)
    for flag, cls in (("special_category", DPV.SpecialCategoryPersonalData), ("pseudonymised", DPV.PseudonymisedData),
                      ("anonymised", DPV.AnonymisedData)):
        value = r.boolean(entry, flag, f"{path}.{flag}")
        if value:
            out.add(rule, PG.declaresType, cls)
            if flag == "special_category":
                out.add(rule, DPV.hasPersonalData, cls)

    for basis in _list(entry.get("legal_basis")):
        term = LEGAL_BASES.get(str(basis).lower()) or expand_curie(str(basis))
        if term is None:
            r.fail(f"{path}.legal_basis", f"{basis!r}: expected one of {', '.join(LEGAL_BASES)} or a dpv: CURIE")
        out.add(rule, DPV.hasLegalBasis, term)
    consent = r.obj(entry, "consent", f"{path}.consent", required=False)
    if consent is not None:
        record = ids.qualified("consent", source.sha256, path)
        status = r.string(consent, "status", f"{path}.consent.status", required=True)
        status_term = CONSENT_STATUSES.get((status or "").lower()) or (expand_curie(status) if status else None)
        if status and status_term is None:
            r.fail(f"{path}.consent.status", f"{status!r}: expected one of {', '.join(CONSENT_STATUSES)}")
        out.types(record, DPV.ConsentRecord, PROV.Entity)
        out.add(record, DPV.hasConsentStatus, status_term)
        out.time(record, PROV.generatedAtTime, _time(r, consent, "given", path))
        out.time(record, PROV.invalidatedAtTime, _time(r, consent, "withdrawn", path))
        out.time(record, PG.consentExpiresAt, _time(r, consent, "expires", path))
        out.text(record, RDFS.label, r.string(consent, "reference", f"{path}.consent.reference"))
        out.add(rule, PG.consentRecord, record)
    for purpose in _list(entry.get("purpose")):
        term = expand_curie(str(purpose))
        if term is None:
            r.fail(f"{path}.purpose", f"{purpose!r} is not a dpv: CURIE or an IRI")
        out.add(rule, DPV.hasPurpose, term)
    controller = entry.get("controller", default_controller)
    if controller:
        agent = ids.agent(str(controller))
        out.types(agent, PROV.Agent, PROV.Organization, DPV.DataController)
        out.text(agent, RDFS.label, str(controller))
        out.add(rule, DPV.hasDataController, agent)
    for consumer in _list(entry.get("authorised_consumers")):
        agent = ids.agent(str(consumer))
        out.types(agent, PROV.Agent)
        out.text(agent, RDFS.label, str(consumer))
        out.add(rule, PG.authorisedConsumer, agent)
    out.text(rule, DCTERMS.description, r.string(entry, "description", f"{path}.description"))


def _at_lines(problems: list[RecordProblem], path: str, entry: Any) -> list[RecordProblem]:
    """Problems as ``file: line N: key path: message``, N the line of the offending key when known."""
    out = []
    for p in problems:
        key = (p.field or "")[len(path):].lstrip(".").split(".")[0]
        line = entry.key_lines.get(key, p.record) if isinstance(entry, _Lines) else p.record
        out.append(RecordProblem(p.source, None, f"line {line}: {p.field}" if p.field else f"line {line}", p.message))
    return out


def _time(r: RecordReader, block: dict, key: str, path: str) -> datetime | None:
    return r.timestamp(block, key, f"{path}.consent.{key}")


def _list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
