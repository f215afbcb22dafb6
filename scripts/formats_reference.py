"""Print the column reference of every import format, generated from the import schemas.

    python scripts/formats_reference.py           print the reference (Markdown)
    python scripts/formats_reference.py --write   rewrite it in docs/formats.md, in place
    python scripts/formats_reference.py --check   exit 1 when docs/formats.md is out of date

The reference lives in docs/formats.md between the markers ``<!-- columns:start -->`` and
``<!-- columns:end -->``; everything outside them is written by hand.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from civharm.domain import vocabulary  # noqa: E402
from civharm.ingest import airwars, cells  # noqa: E402
from civharm.ingest.schemas import (  # noqa: E402
    CASUALTY_COLUMNS,
    INCIDENT_COLUMNS,
    SCHEMAS,
    VERDICT_COLUMNS,
    Column,
)

DOC = ROOT / "docs" / "formats.md"
START = "<!-- columns:start -->"
END = "<!-- columns:end -->"

# What each kind is keyed by, and where an example of it lives. Kept here, beside the
# tables, so that a new kind cannot reach the reference without both.
KIND_NOTES: dict[str, tuple[str, str]] = {
    "incidents": (
        "one row per incident; key: `code`",
        "[examples/incidents.csv](../examples/incidents.csv); also a section of "
        "[examples/raqqa-example.json](../examples/raqqa-example.json) and a sheet of "
        "[examples/raqqa-workbook.xlsx](../examples/raqqa-workbook.xlsx)",
    ),
    "sources": (
        "one row per source; key: `source_id`",
        "[examples/sources.csv](../examples/sources.csv)",
    ),
    "claims": (
        "what one source says about one incident; key: `incident` + `source`",
        "[examples/claims.csv](../examples/claims.csv)",
    ),
    "victims": (
        "one row per person as one list records them; key: `victim_id`",
        "[examples/victims.csv](../examples/victims.csv)",
    ),
    "verdicts": (
        "one belligerent's involvement in and own assessment of one incident; "
        "key: `incident` + `belligerent`",
        "[examples/verdicts.csv](../examples/verdicts.csv)",
    ),
    "declared_strikes": (
        "one place line of a belligerent's strike release; key: a hash of the line's content",
        "[examples/declared_strikes.csv](../examples/declared_strikes.csv); also the "
        "`Strike log` sheet of [examples/raqqa-workbook.xlsx](../examples/raqqa-workbook.xlsx)",
    ),
    "airwars": (
        "one row per incident, with the sheet's casualty figures and a block of columns "
        "per belligerent",
        "[examples/airwars-sheet.csv](../examples/airwars-sheet.csv)",
    ),
}

# Meanings for columns whose schema entry carries no help text.
FALLBACK_HELP: dict[str, str] = {
    "title": "Title or headline, in its own language",
    "publisher": "Who published it: outlet, organisation, page or team",
    "author": "Who wrote or recorded it",
    "url": "Where it can be found",
    "original_text": "The text as published or said, in its own language",
    "translated_text": "A translation, usually English",
    "deaths_conceded_min": "Civilian deaths the belligerent conceded, minimum",
    "deaths_conceded_max": "Civilian deaths the belligerent conceded, maximum",
    "injuries_conceded_min": "Civilian injuries the belligerent conceded, minimum",
    "injuries_conceded_max": "Civilian injuries the belligerent conceded, maximum",
    "country": "Country named in the release",
    "strikes": "Number of strikes",
    "engagements": "Number of engagements",
    "tactical_units": "Number of tactical units engaged",
    "belligerent": "Who released it, e.g. US-led Coalition",
}

_TYPES: dict[Callable[[str], object], str] = {
    cells.text: "text",
    cells.count: "whole number",
    cells.latitude: "latitude",
    cells.longitude: "longitude",
    cells.day: "day",
    cells.window: "date or window",
    cells.clock: "time",
    cells.listing: "list",
    cells.flag: "yes/no",
    cells.digests: "list of SHA-256",
    cells.targets: "targets",
}


def _vocabulary_of(column: Column) -> type[vocabulary.Vocabulary] | None:
    found = getattr(vocabulary, getattr(column.parse, "__name__", ""), None)
    if isinstance(found, type) and issubclass(found, vocabulary.Vocabulary):
        return found
    return None


def _type(column: Column) -> str:
    if _vocabulary_of(column) is not None:
        return "term"
    return _TYPES.get(column.parse, "text")


def _meaning(column: Column) -> str:
    text = column.help or FALLBACK_HELP.get(column.name, "")
    terms = _vocabulary_of(column)
    if terms is not None:
        # Help that only lists the terms ("known or suspected") would repeat the list below.
        if set(re.split(r",\s*|\s+or\s+", text.strip())) == {m.value for m in terms}:
            text = ""
        values = ", ".join(f"`{m.value}`" for m in terms)
        text = f"{text}. One of {values}" if text else f"One of {values}"
        aliases = getattr(terms, "_aliases", None)
        extra = sorted(k for k in aliases() if k) if callable(aliases) else []
        if extra:
            text += "; also accepted: " + ", ".join(f"`{a}`" for a in extra)
    return text.replace("|", "\\|")


def _names(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _table(rows: Iterable[tuple[str, str, Column]]) -> list[str]:
    lines = [
        "| column | required | type | also accepted as | meaning |",
        "|---|---|---|---|---|",
    ]
    for name, required, column in rows:
        aliases = column.aliases
        lines.append(
            f"| `{name}` | {required} | {_type(column)} | {_names(aliases)} "
            f"| {_meaning(column)} |"
        )
    return lines


def _kind_section(kind: str, schema: dict[str, Column]) -> list[str]:
    what, example = KIND_NOTES[kind]
    lines = [f"### {kind}", "", f"{what.capitalize()}. Example: {example}.", ""]
    lines += _table(((n, "yes" if c.required else "", c) for n, c in schema.items()))
    return [*lines, ""]


def _airwars_section() -> list[str]:
    what, example = KIND_NOTES["airwars"]
    incident_names = list(INCIDENT_COLUMNS)
    casualty_names = list(CASUALTY_COLUMNS)
    own = [c for n, c in airwars.AIRWARS_COLUMNS.items()
           if n not in INCIDENT_COLUMNS and n not in CASUALTY_COLUMNS]
    lines = [
        "### airwars",
        "",
        f"{what.capitalize()}. Example: {example}.",
        "",
        "A row may hold every [incidents](#incidents) column (" + _names(incident_names)
        + "; `code`, `date` and `place` are required) and every casualty column of "
        "[claims](#claims) (" + _names(casualty_names) + "), each with the same aliases, "
        "for example `unique_reference_code` for `code` and `civilian_deaths_min` for "
        "`killed_civilians_min`. Besides those:",
        "",
    ]
    lines += _table((c.name, "", c) for c in own)
    lines += [
        "",
        f"When `source` is empty the figures are credited to a source with the key "
        f"`{airwars.SHEET_SOURCE_KEY}` (an NGO report titled "
        f"\"{airwars.sheet_source(airwars.SHEET_SOURCE_KEY).title}\"), created on import.",
        "",
        "Each belligerent has a block of columns `belligerent_N_…`, where `N` is 1, 2, 3 "
        "and so on. A block whose cells are all empty is skipped; any other block becomes "
        "one [verdict](#verdicts) for the row's incident.",
        "",
        "| column | required | type | also accepted as | meaning |",
        "|---|---|---|---|---|",
    ]
    renamed = {field: alias for alias, field in airwars._BLOCK_ALIASES.items()}
    for field, column in airwars._BLOCK_COLUMNS.items():
        primary = renamed.get(field, field)
        others = [f for f in (field, *column.aliases) if f != primary]
        required = "yes, in a used block" if column.required else ""
        lines.append(
            f"| `belligerent_N_{primary}` | {required} | {_type(column)} "
            f"| {_names(f'belligerent_N_{o}' for o in others)} "
            f"| {_meaning(column)} |"
        )
    return lines


def render() -> str:
    """The generated reference, without a trailing newline."""
    lines = [
        "<!-- Generated by scripts/formats_reference.py from civharm.ingest.schemas; "
        "edit the schemas and run it with --write. -->",
        "",
    ]
    for kind, (schema, _) in SCHEMAS.items():
        lines += _kind_section(kind, schema)
    lines += _airwars_section()
    missing = set(VERDICT_COLUMNS) - {"incident"} - set(airwars._BLOCK_COLUMNS)
    assert not missing, f"belligerent block lacks {missing}"
    return "\n".join(lines).rstrip("\n")


def current(document: str) -> str | None:
    """The generated part of a document, as it stands; None when the markers are missing."""
    if document.count(START) != 1 or document.count(END) != 1:
        return None
    if document.index(END) < document.index(START):
        return None
    _, _, rest = document.partition(START)
    body, _, _ = rest.partition(END)
    return body.removeprefix("\n").removesuffix("\n")


def rewrite(document: str, body: str) -> str:
    before, _, rest = document.partition(START)
    _, _, after = rest.partition(END)
    return f"{before}{START}\n{body}\n{END}{after}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help=f"rewrite the section in {DOC.name}")
    action.add_argument("--check", action="store_true", help=f"fail if {DOC.name} is stale")
    args = parser.parse_args(argv)
    body = render()
    if not (args.write or args.check):
        sys.stdout.buffer.write((body + "\n").encode("utf-8"))
        return 0
    document = DOC.read_text(encoding="utf-8")
    if current(document) is None:
        print(f"{DOC.relative_to(ROOT)} needs exactly one {START} and one {END}", file=sys.stderr)
        return 1
    if args.check:
        if current(document) != body:
            print(f"{DOC.relative_to(ROOT)} is out of date; run "
                  "python scripts/formats_reference.py --write", file=sys.stderr)
            return 1
        return 0
    updated = rewrite(document, body)
    if updated != document:
        DOC.write_text(updated, encoding="utf-8")
        print(f"rewrote the column reference in {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
