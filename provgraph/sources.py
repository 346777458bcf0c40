"""Reading input files into records: one JSON object, a JSON array, or NDJSON; folders recursively."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .errors import InputRejected, RecordProblem

INPUT_SUFFIXES = (".json", ".ndjson", ".jsonl")


@dataclass(frozen=True)
class Source:
    """One input document: its name (shown in errors and the catalog), its raw bytes and sha256."""

    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


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
        whole = json.loads(stripped)
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
            records.append((index, json.loads(line)))
        except json.JSONDecodeError as exc:
            problems.append(RecordProblem(source.name, index, None, f"invalid JSON on NDJSON line {index + 1}: {exc.msg} (column {exc.colno})"))
    if len(records) == 0:
        return [], [RecordProblem(source.name, None, None, f"invalid JSON: {whole_error.msg} (line {whole_error.lineno}, column {whole_error.colno})")]
    return records, problems
