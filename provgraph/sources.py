"""Reading input files into records: one JSON object, a JSON array, or NDJSON; folders recursively."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .errors import InputRejected, RecordProblem

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency; json gives the same values, slower
    orjson = None

INPUT_SUFFIXES = (".json", ".ndjson", ".jsonl")
#: Files larger than this are read record by record (NDJSON) instead of whole, when their
#: importer can stream; smaller ones are read whole.
STREAM_BYTES = int(os.environ.get("PROVGRAPH_STREAM_BYTES", 32 * 2**20))
_READ_BLOCK = 2**20


@dataclass(frozen=True)
class Source:
    """One input document: its name (shown in errors and the catalog), its raw bytes and sha256.

    A large file may instead be named by ``path`` (with ``data`` empty and ``digest`` its sha256,
    see :func:`file_source`): it is then read as a stream of NDJSON records."""

    name: str
    data: bytes
    path: str | None = None
    digest: str | None = None

    @property
    def sha256(self) -> str:
        if self.digest is not None:
            return self.digest
        return hashlib.sha256(self.data).hexdigest()

    @property
    def streamed(self) -> bool:
        return self.path is not None

    def loaded(self) -> "Source":
        """The same source with its bytes in memory."""
        return Source(self.name, Path(self.path).read_bytes()) if self.path is not None else self


def file_source(path: str | Path) -> Source:
    """A :class:`Source` for a file: read whole, unless it is larger than ``STREAM_BYTES`` and
    NDJSON (its first line is a JSON object on its own), in which case it is left on disk to be
    streamed, with its sha256 computed in one pass."""
    path = Path(path)
    if path.stat().st_size <= STREAM_BYTES or not _starts_as_ndjson(path):
        return Source(str(path), path.read_bytes())
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_READ_BLOCK):
            digest.update(block)
    return Source(str(path), b"", path=str(path), digest=digest.hexdigest())


def _starts_as_ndjson(path: Path) -> bool:
    with path.open("rb") as f:
        for raw in f:
            if raw.strip():
                try:
                    return isinstance(json.loads(raw.decode("utf-8-sig")), dict)
                except (UnicodeDecodeError, json.JSONDecodeError):
                    return False
    return False


def stream_records(source: Source) -> Iterator[tuple[int, object] | RecordProblem]:
    """The records of a streamed NDJSON source, one ``(index, value)`` per non-empty line, or a
    :class:`RecordProblem` for a line that is not JSON (indexed like :func:`parse_json_records`).
    Bytes that are not UTF-8 give one file-level problem (``record`` None) and end the stream."""
    index = 0
    with open(source.path, "rb") as f:
        for number, raw in enumerate(f):
            try:
                line = raw.decode("utf-8-sig" if number == 0 else "utf-8")
            except UnicodeDecodeError as exc:
                yield RecordProblem(source.name, None, None, f"not UTF-8 text ({exc.reason} on line {number + 1})")
                return
            if not line.strip():
                continue
            try:
                yield index, loads(line)
            except json.JSONDecodeError as exc:
                yield RecordProblem(source.name, index, None, f"invalid JSON on NDJSON line {index + 1}: {exc.msg} (column {exc.colno})")
            index += 1


def first_record(source: Source) -> tuple[list[tuple[int, object]], list[RecordProblem]]:
    """What :func:`parse_json_records` gives, as far as the first record goes (for detection):
    an NDJSON source is not parsed beyond its first line."""
    if source.streamed:
        for item in stream_records(source):
            return ([], [item]) if isinstance(item, RecordProblem) else ([item], [])
        return [], [RecordProblem(source.name, None, None, "empty input")]
    try:
        text = source.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return parse_json_records(source)
    stripped = text.lstrip()
    end = stripped.find("\n")
    if end > 0:
        try:
            first = json.loads(stripped[:end])
        except json.JSONDecodeError:
            first = None
        if isinstance(first, dict):
            return [(0, first)], []
    return parse_json_records(source)


def loads(text: str | bytes) -> object:
    """``json.loads``, through orjson when it can: whatever orjson refuses (NaN, integers beyond
    64 bits, bad JSON) goes to ``json.loads``, which gives the same value or error as always."""
    if orjson is not None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def expand_paths(paths: list[str | Path]) -> list[Path]:
    """Files named, plus every input file (``.json``, ``.ndjson``, ``.jsonl``) under named folders,
    in sorted order. Raises :class:`InputRejected` for a path that does not exist."""
    files: list[Path] = []
    problems = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(RecordProblem(str(path), None, None, "no such file or folder"))
    if problems:
        raise InputRejected(problems)
    return files


def read_sources(paths: list[str | Path]) -> list[Source]:
    """Read every file of :func:`expand_paths` as a :class:`Source`."""
    return [Source(str(p), p.read_bytes()) for p in expand_paths(paths)]


def parse_json_records(source: Source) -> tuple[list[tuple[int, object]], list[RecordProblem]]:
    """The records of a JSON source as ``(index, value)`` pairs, and the problems found.

    A JSON array gives its items, a single JSON value gives itself, and anything else is read
    as NDJSON (one JSON value per non-empty line; the index is the line's position among them).
    A file that is neither gives one file-level problem; a bad NDJSON line gives a problem
    naming its record index, and the other lines are still returned (for ``--skip-invalid``).
    """
    try:
        text = source.data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [RecordProblem(source.name, None, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    stripped = text.strip()
    if not stripped:
        return [], [RecordProblem(source.name, None, None, "empty input")]
    try:
        whole = loads(stripped)
    except json.JSONDecodeError as whole_error:
        return _parse_ndjson(source, text, whole_error)
    return list(enumerate(whole if isinstance(whole, list) else [whole])), []


def _parse_ndjson(source: Source, text: str, whole_error: json.JSONDecodeError) -> tuple[list[tuple[int, object]], list[RecordProblem]]:
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return [], [RecordProblem(source.name, None, None, f"invalid JSON: {whole_error.msg} (line {whole_error.lineno}, column {whole_error.colno})")]
    records, problems = [], []
    for index, line in enumerate(lines):
        try:
            records.append((index, loads(line)))
        except json.JSONDecodeError as exc:
            problems.append(RecordProblem(source.name, index, None, f"invalid JSON on NDJSON line {index + 1}: {exc.msg} (column {exc.colno})"))
    if len(records) == 0:
        return [], [RecordProblem(source.name, None, None, f"invalid JSON: {whole_error.msg} (line {whole_error.lineno}, column {whole_error.colno})")]
    return records, problems
