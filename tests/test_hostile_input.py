"""Hostile input: every reader of outside files and text either reads it or says what is wrong.

Whatever bytes arrive — truncated spreadsheets, binary junk named .csv, JSON of the wrong
shape, text in any script — the readers must report problems in their own terms and never
fail with an unexpected exception, which the command line would show as an internal error.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civharm.analysis.civcas_reports import parse_civcas_report
from civharm.analysis.estimation.capture import CaptureTableError, read_capture_table
from civharm.analysis.linkage.records import read_victim_list
from civharm.analysis.mgrs_grid import parse_mgrs
from civharm.analysis.strike_releases import parse_strike_release
from civharm.ingest.reader import parse_file

HOSTILE = settings(max_examples=150, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# Text that looks a little like our files: headers we know, separators, quotes, Arabic,
# control characters, and right-to-left marks.
_PIECES = st.sampled_from([
    "code", "date", "place", "victim_id", "incident", "name", "name_ar", "age", "sources",
    "source_id", "kind", "killed_min", "killed_max", ",", ";", "\t", "\n", "\r\n", '"', "'",
    "محمد", "الرقة", "\u200f", "\u202e", "\x00", "2017-06-12", "-1", "1e309", "NaN", "{", "}",
    "[", "]", ":", "null", "true", "RQ0001", "=cmd|' /C calc'!A0", "\ufeff",
])
_LOOKALIKE = st.lists(_PIECES, max_size=60).map("".join)
_TEXT = st.one_of(st.text(max_size=400), _LOOKALIKE)
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=20,
)


def _parse_bytes(content: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"hostile{suffix}"
        path.write_bytes(content)
        parsed = parse_file(path)
        for problem in parsed.problems:
            assert str(problem), "a problem must say what is wrong"


@HOSTILE
@given(content=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".json", ".xlsx", ".txt"]))
def test_import_reader_survives_random_bytes(content: bytes, suffix: str) -> None:
    _parse_bytes(content, suffix)


@HOSTILE
@given(text=_LOOKALIKE)
def test_import_reader_survives_csv_lookalikes(text: str) -> None:
    _parse_bytes(text.encode("utf-8", "surrogatepass"), ".csv")


@HOSTILE
@given(value=_JSON_VALUES)
def test_import_reader_survives_json_of_any_shape(value: object) -> None:
    _parse_bytes(json.dumps(value).encode("utf-8"), ".json")


@HOSTILE
@given(content=st.binary(min_size=30, max_size=3000))
def test_import_reader_survives_damaged_spreadsheets(content: bytes) -> None:
    # An xlsx file is a zip archive: start like one, then go wrong.
    _parse_bytes(b"PK\x03\x04" + content, ".xlsx")


@HOSTILE
@given(text=_TEXT)
def test_report_and_release_parsers_survive_any_text(text: str) -> None:
    parse_civcas_report(text)
    parse_strike_release(text)


@HOSTILE
@given(text=_TEXT)
def test_victim_list_reader_survives_any_text(text: str) -> None:
    records, problems = read_victim_list(text, "hostile.csv")
    assert all(str(p) for p in problems)
    assert all(r.name for r in records)


@HOSTILE
@given(text=_TEXT)
def test_capture_table_reader_refuses_plainly(text: str) -> None:
    try:
        read_capture_table(text)
    except CaptureTableError as error:
        assert str(error)


@HOSTILE
@given(text=_TEXT)
def test_grid_reference_reader_refuses_plainly(text: str) -> None:
    try:
        parse_mgrs(text)
    except ValueError as error:
        assert str(error)
