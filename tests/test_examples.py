"""The example files in examples/ and the format guide in docs/formats.md.

The examples must import cleanly, change nothing when imported again, and add up to the
figures they were built to show (worked out by hand in the comments below). The guide's
column reference must be what scripts/formats_reference.py generates from the schemas now.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from civharm.ingest import parse_file
from civharm.ingest.schemas import SCHEMAS
from civharm.ingest.tabular import kind_from_name
from conftest import EXAMPLES, ROOT, civharm

DOC = ROOT / "docs" / "formats.md"
SCRIPT = ROOT / "scripts" / "formats_reference.py"
START, END = "<!-- columns:start -->", "<!-- columns:end -->"


def example_files() -> list[Path]:
    return sorted(
        path for pattern in ("*.csv", "*.json", "*.xlsx") for path in EXAMPLES.glob(pattern)
    )


def import_examples(db: str) -> str:
    return civharm("import", *map(str, example_files()), db=db, check=True).stdout


def test_examples_import_with_no_problems(fresh_database_url: str) -> None:
    db = fresh_database_url
    civharm("init", db=db, check=True)
    result = civharm("import", *map(str, example_files()), db=db)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "problem" not in result.stderr
    assert "error" not in result.stderr
    assert "Imported 94 rows from 9 file(s):" in result.stdout
    created = {
        kind: int(new)
        for kind, new in re.findall(r"^\s+(\w+)\s+(\d+) new", result.stdout, flags=re.M)
    }
    assert created == {
        # 8 in incidents.csv, 3 in the Airwars sheet, 2 in the JSON, 1 in the workbook
        "incidents": 14,
        # S001–S008, the Airwars sheet's own source, S201–S202, S301–S302
        "sources": 13,
        # 17 + one per Airwars row + 3 + 2
        "claims": 25,
        # V0001–V0025, V2001–V2003, V3001–V3004
        "victims": 32,
        # 7 + four Airwars blocks + 1
        "verdicts": 12,
        # 4 in declared_strikes.csv, 2 on the workbook's "Strike log" sheet
        "declared_strikes": 6,
        # every graded incident: all but RQ0004 and RQ0008
        "assessments": 12,
    }


def test_importing_the_examples_again_changes_nothing(fresh_database_url: str) -> None:
    db = fresh_database_url
    civharm("init", db=db, check=True)
    import_examples(db)
    before = civharm("stats", "--json", db=db, check=True).stdout
    again = import_examples(db)
    assert "Nothing changed: 94 rows in 9 file(s)" in again
    assert civharm("stats", "--json", db=db, check=True).stdout == before


def test_examples_add_up_to_the_expected_figures(fresh_database_url: str) -> None:
    db = fresh_database_url
    civharm("init", db=db, check=True)
    import_examples(db)
    stats = json.loads(civharm("stats", "--json", db=db, check=True).stdout)
    # Civilian deaths per incident: the lowest minimum to the highest maximum of its claims.
    #   RQ0001 fair 4–9     RQ0002 weak 3       RQ0003 confirmed 10–14  RQ0004 ungraded 2–4
    #   RQ0005 contested 5–8  RQ0006 discounted 2–3 (left out)  RQ0007 fair 8–10
    #   RQ0008 ungraded 1–2  RQ1001 fair 4–6    RQ1002 contested 3      RQ1003 weak 1–2
    #   RQ2001 weak 2–3     RQ2002 fair 4–6     RQ3001 confirmed 3–4
    # Likely deaths, Fair and Confirmed only: 4+10+8+4+4+3 = 33 to 9+14+10+6+6+4 = 49.
    # Conceded by the coalition: RQ0003 4–5, RQ0007 3–5, RQ1001 2, RQ3001 2–3.
    assert stats == {
        "incidents": 14,
        # RQ1002 was struck at the very spot of RQ0002; RQ0004 has a place but no coordinates
        "strike_locations": 13,
        "sources": 13,
        # the two witness interviews, S001 and S008
        "witnesses": 2,
        # 32 victims less V0006 (injured), V0009 (unnamed), V0019 (missing), V2003 (injured)
        "named_victims": 28,
        "killed_min": 50,
        "killed_max": 74,
        "likely_deaths": 33,
        "likely_deaths_max": 49,
        "ungraded_incidents": 2,
        "conceded": {
            "US-led Coalition": {"min": 11, "max": 15},
        },
    }


def test_examples_cover_every_kind() -> None:
    kinds: set[str] = set()
    for path in example_files():
        parsed = parse_file(path)
        assert parsed.problems == [], [str(p) for p in parsed.problems]
        kinds |= {kind for kind, records in parsed.records.items() if records}
    assert kinds == set(SCHEMAS) | {"sheet_sources"}
    assert [p.name for p in example_files() if kind_from_name(p) == "airwars"] == [
        "airwars-sheet.csv"
    ]


def test_the_examples_say_they_are_invented() -> None:
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert "invented" in readme
    assert "real person" in readme


def test_format_guide_column_reference_is_up_to_date() -> None:
    generated = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, check=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    ).stdout.decode("utf-8")
    document = DOC.read_text(encoding="utf-8")
    assert document.count(START) == 1
    assert document.count(END) == 1
    section = document.split(START, 1)[1].split(END, 1)[0]
    assert section == "\n" + generated, (
        "docs/formats.md is out of date: run python scripts/formats_reference.py --write"
    )


def test_format_guide_points_at_every_example() -> None:
    document = DOC.read_text(encoding="utf-8")
    for path in example_files():
        assert f"(../examples/{path.name})" in document, path.name
