"""Where a value came from, and what is wrong with it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Origin:
    """A row of a file. ``line`` is the file line for CSV/XLSX, the record number for JSON."""

    file: str
    line: int
    unit: str = "line"

    def __str__(self) -> str:
        return f"{self.file}, {self.unit} {self.line}"


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int | None
    column: str | None
    reason: str
    unit: str = "line"

    @classmethod
    def at(cls, origin: Origin, column: str | None, reason: str) -> Problem:
        return cls(origin.file, origin.line, column, reason, origin.unit)

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", {self.unit} {self.line}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.reason}"

    def as_json(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "column": self.column, "reason": self.reason}
