"""Reading typed values out of a JSON record while noting every problem with its path.

Importers read through a :class:`RecordReader` so that one pass both extracts what they map
and collects every problem (``run.runId: missing``) instead of stopping at the first.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from ..errors import RecordProblem

_MISSING = object()


class RecordReader:
    """Typed accessors over one record; problems and warnings accumulate with their JSON path."""

    def __init__(self, source: str, index: int | None):
        self.source = source
        self.index = index
        self.problems: list[RecordProblem] = []
        self.warnings: list[RecordProblem] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(RecordProblem(self.source, self.index, path, message))

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(RecordProblem(self.source, self.index, path, message))

    def _get(self, parent: dict, key: str, path: str, required: bool) -> Any:
        value = parent.get(key, _MISSING) if isinstance(parent, dict) else _MISSING
        if value is _MISSING or value is None:
            if required:
                self.fail(path, "missing")
            return _MISSING
        return value

    def obj(self, parent: dict, key: str, path: str, required: bool = True) -> dict | None:
        value = self._get(parent, key, path, required)
        if value is _MISSING:
            return None
        if not isinstance(value, dict):
            self.fail(path, f"expected an object, got {_kind(value)}")
            return None
        return value

    def objects(self, parent: dict, key: str, path: str, required: bool = False) -> list[tuple[str, dict]]:
        """A list of objects as ``(path, object)`` pairs; non-objects are problems."""
        value = self._get(parent, key, path, required)
        if value is _MISSING:
            return []
        if not isinstance(value, list):
            self.fail(path, f"expected a list, got {_kind(value)}")
            return []
        items = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                items.append((f"{path}[{i}]", item))
            else:
                self.fail(f"{path}[{i}]", f"expected an object, got {_kind(item)}")
        return items

    def string(self, parent: dict, key: str, path: str, required: bool = False) -> str | None:
        value = self._get(parent, key, path, required)
        if value is _MISSING:
            return None
        if not isinstance(value, str):
            self.fail(path, f"expected a string, got {_kind(value)}")
            return None
        if required and not value.strip():
            self.fail(path, "must not be empty")
            return None
        return value

    def uuid(self, parent: dict, key: str, path: str, required: bool = True) -> str | None:
        """A UUID string (OpenLineage ``runId`` is ``format: uuid``), returned lower-cased."""
        text = self.string(parent, key, path, required)
        if text is None:
            return None
        try:
            return str(uuid.UUID(text.strip()))
        except ValueError:
            if "{{" in text or "${" in text:
                self.fail(path, f"a template placeholder, not a run id: {text!r} (render the template first)")
                return None
            # The spec says "format: uuid" but does not enforce it; compatibility tests send "run_id".
            self.warn(path, f"not a UUID: {text!r}; used as given")
            return text.strip()

    def integer(self, parent: dict, key: str, path: str, required: bool = False) -> int | None:
        value = self._get(parent, key, path, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not value.is_integer()):
            self.fail(path, f"expected an integer, got {_kind(value)} {value!r}")
            return None
        return int(value)

    def number(self, parent: dict, key: str, path: str, required: bool = False) -> float | None:
        value = self._get(parent, key, path, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(path, f"expected a number, got {_kind(value)} {value!r}")
            return None
        return value

    def boolean(self, parent: dict, key: str, path: str, required: bool = False) -> bool | None:
        value = self._get(parent, key, path, required)
        if value is _MISSING:
            return None
        if not isinstance(value, bool):
            self.fail(path, f"expected true or false, got {_kind(value)} {value!r}")
            return None
        return value

    def timestamp(self, parent: dict, key: str, path: str, required: bool = False) -> datetime | None:
        """An ISO 8601 date-time, returned in UTC. A value without an offset is read as UTC
        (Marquez does the same) and noted as a warning."""
        text = self.string(parent, key, path, required)
        if text is None:
            return None
        try:
            moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
        except ValueError:
            if "{{" in text or "${" in text:
                self.fail(path, f"a template placeholder, not a date-time: {text!r} (render the template first)")
            else:
                self.fail(path, f"not an ISO 8601 date-time: {text!r}")
            return None
        if moment.tzinfo is None:
            self.warn(path, f"date-time {text!r} has no time zone; read as UTC")
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def xsd_datetime(moment: datetime) -> str:
    """The canonical xsd:dateTime lexical form in UTC (``2020-02-22T22:42:42.123Z``)."""
    text = moment.astimezone(timezone.utc).isoformat(timespec="microseconds" if moment.microsecond % 1000 else "milliseconds")
    return text.replace("+00:00", "Z")
