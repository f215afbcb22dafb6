"""Victim lists read for linkage: strict, every problem with its file, line and column."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civharm.analysis.linkage import (
    LinkageInputError,
    VictimRecord,
    read_victim_list,
    read_victim_lists,
    write_clusters,
)

HEADER = ["source", "record_id", "name", "name_alt", "sex", "age", "age_min", "age_max",
          "date_of_death", "place"]

# Values as lists write them: Arabic and Latin letters, spaces inside, commas and quotes too.
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZابتثجحخدذرزسشصضطظعغفقكلمنهويءأإآةى"
text = st.text(alphabet=LETTERS + " -,'\"", min_size=1, max_size=30).map(str.strip).filter(bool)
optional_text = st.one_of(st.just(""), text)


@st.composite
def records(draw: st.DrawFn) -> VictimRecord:
    low = draw(st.one_of(st.none(), st.integers(0, 60)))
    high = None if low is None else draw(st.one_of(st.none(), st.integers(low, 130)))
    return VictimRecord(
        source=draw(text), record_id=draw(text), name=draw(text), name_alt=draw(optional_text),
        sex=draw(st.sampled_from([None, "female", "male"])),
        age=draw(st.one_of(st.none(), st.integers(0, 130))), age_min=low, age_max=high,
        date_of_death=draw(st.one_of(st.none(), st.dates(date(2014, 1, 1), date(2019, 12, 31)))),
        place=draw(optional_text))


def as_csv(rows: list[VictimRecord]) -> str:
    handle = io.StringIO()
    writer = csv.writer(handle)
    writer.writerow(HEADER)
    for r in rows:
        writer.writerow([r.source, r.record_id, r.name, r.name_alt, r.sex or "",
                         "" if r.age is None else r.age, "" if r.age_min is None else r.age_min,
                         "" if r.age_max is None else r.age_max,
                         r.date_of_death.isoformat() if r.date_of_death else "", r.place])
    return handle.getvalue()


@settings(max_examples=60, deadline=None)
@given(st.lists(records(), max_size=8))
def test_a_written_list_reads_back_as_the_same_records(rows: list[VictimRecord]) -> None:
    found, problems = read_victim_list(as_csv(rows), "list.csv")
    assert problems == []
    assert found == rows


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_records_or_problems_never_an_exception(garbage: str) -> None:
    found, problems = read_victim_list("source,record_id,name,age\n" + garbage, "x.csv")
    assert all(p.file == "x.csv" for p in problems)
    assert all(r.name for r in found)


def test_every_bad_value_is_reported_with_its_line_and_column() -> None:
    text = ("source,record_id,name,sex,age,date_of_death,place\n"
            "field,1,Ahmad al-Hasan,male,8,2017-06-06,al-Bareed\n"
            "field,2,,male,8,,\n"
            "field,3,Ali al-Hasan,boy?,5,,\n"
            "field,4,Umar al-Ali,,old,,\n"
            "field,5,Huda al-Ali,,,2017-02-30,\n")
    found, problems = read_victim_list(text, "field.csv")
    assert [r.record_id for r in found] == ["1"]
    assert [(p.line, p.column) for p in problems] == [(3, "name"), (4, "sex"), (5, "age"),
                                                      (6, "date_of_death")]
    assert "2017-02-30" in str(problems[-1]) and str(problems[-1]).startswith("field.csv, line 6")


def test_a_header_without_the_required_columns_is_refused() -> None:
    _, problems = read_victim_list("source,id,full_name\nx,1,Ali\n", "bad.csv")
    assert len(problems) == 1
    assert "record_id, name" in problems[0].reason and problems[0].line == 1


def test_a_record_given_twice_across_files_names_both_places(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("source,record_id,name\nfield,1,Ali\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("source,record_id,name\nfield,2,Umar\nfield,1,Ali\n",
                                    encoding="utf-8")
    with pytest.raises(LinkageInputError) as raised:
        read_victim_lists([tmp_path / "a.csv", tmp_path / "b.csv"])
    message = str(raised.value)
    assert "b.csv, line 3" in message and "a.csv, line 2" in message


def test_unreadable_files_are_problems_not_tracebacks(tmp_path: Path) -> None:
    (tmp_path / "latin1.csv").write_bytes("source,record_id,name\nf,1,Jos\xe9\n".encode("latin-1"))
    with pytest.raises(LinkageInputError) as raised:
        read_victim_lists([tmp_path / "latin1.csv", tmp_path / "missing.csv"])
    assert len(raised.value.problems) == 2
    assert "UTF-8" in str(raised.value.problems[0])


def test_clusters_are_written_whole_in_record_order(tmp_path: Path) -> None:
    rows = [VictimRecord("b", "2", "Ali"), VictimRecord("a", "1", "علي")]
    out = tmp_path / "clusters.csv"
    write_clusters(out, rows, {("b", "2"): "a:1", ("a", "1"): "a:1"})
    assert out.read_text(encoding="utf-8").splitlines() == [
        "source,record_id,person_id", "b,2,a:1", "a,1,a:1"]
    assert [p.name for p in tmp_path.iterdir()] == ["clusters.csv"]
