"""The capture table and its CSV reader: every bad line reported, nothing else ever raised."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civharm.analysis.estimation import CaptureTable, CaptureTableError, read_capture_table
from civharm.analysis.estimation.capture import MAX_COUNT, all_patterns, pattern_index

GOOD = """A,B,C,count
1,0,0,120
0,1,0,85
1,1,0,40
0,0,1,30
1,0,1,12
0,1,1,9
1,1,1,4
"""


def problems_of(text: str) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(CaptureTableError) as caught:
        read_capture_table(text)
    return [(p.line, p.column, p.reason) for p in caught.value.problems]


def test_reads_a_table() -> None:
    table = read_capture_table(GOOD)
    assert table.lists == ("A", "B", "C")
    assert table.observed == 300
    assert table.list_totals == (120 + 40 + 12 + 4, 85 + 40 + 9 + 4, 30 + 12 + 9 + 4)
    assert table.count((1, 1, 0)) == 40
    assert table.count((1, 1, 1)) == 4


def test_tolerates_bom_spaces_blank_lines_crlf_and_count_case() -> None:
    text = "\ufeff A , B ,Count\r\n\r\n 1 , 0 , 5 \r\n0,1,7\r\n\r\n1,1,2\r\n"
    table = read_capture_table(text)
    assert table == CaptureTable.from_counts(["A", "B"], {(1, 0): 5, (0, 1): 7, (1, 1): 2})


def test_zero_count_rows_mean_the_same_as_missing_rows() -> None:
    with_zero = read_capture_table("A,B,count\n1,0,5\n0,1,0\n1,1,2\n")
    without = read_capture_table("A,B,count\n1,0,5\n1,1,2\n")
    assert with_zero == without
    assert with_zero.count((0, 1)) == 0


def test_row_order_does_not_matter() -> None:
    lines = GOOD.strip().split("\n")
    shuffled = "\n".join([lines[0], *reversed(lines[1:])])
    assert read_capture_table(shuffled) == read_capture_table(GOOD)


def test_every_bad_line_is_reported_with_its_number() -> None:
    text = "A,B,count\n1,0,5\n2,1,3\n0,0,4\n1,0,6\n1,1\n1,1,-2\n0,1,x\n1,1,2.5\n"
    found = problems_of(text)
    lines = {line for line, _, _ in found}
    assert lines == {3, 4, 5, 6, 7, 8, 9}
    reasons = {line: reason for line, _, reason in found}
    assert "not 0 or 1" in reasons[3]
    assert "all-zero" in reasons[4]
    assert "repeats line 2" in reasons[5]
    assert reasons[6] == "2 fields; the header has 3"
    for line in (7, 8, 9):
        assert [col for at, col, _ in found if at == line] == ["count"]
    with pytest.raises(CaptureTableError, match="line 3, column 'A': '2' is not 0 or 1"):
        read_capture_table(text)


def test_duplicate_patterns_are_rejected_not_summed() -> None:
    found = problems_of("A,B,count\n1,0,5\n0,1,3\n1,0,5\n")
    assert found == [(4, None, "pattern repeats line 2")]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no header"),
        ("\n\n  \n", "no header"),
        ("A,B,total\n1,0,3\n", "last column must be 'count'"),
        ("A,count\n1,3\n", "at least two lists"),
        ("A,a,count\n1,0,3\n", "list names repeat"),
        ("A,,count\n1,0,3\n", "a list has no name"),
        ("A,B,count\n1,0,0\n", "names nobody"),
        ("A,B,count\n", "names nobody"),
        (f"A,B,count\n1,0,{MAX_COUNT + 1}\n", "whole number"),
        ("A,B,count\n1,0,99999999999999999999999999\n", "whole number"),
        ("A,B,count\n1,0,٣\n", "whole number"),
        ('A,B,count\n1,0,"3\n', "not readable as CSV"),
    ],
)
def test_refuses_unusable_tables_with_a_reason(text: str, reason: str) -> None:
    found = problems_of(text)
    assert any(reason in r for _, _, r in found), found


def test_too_many_lists_is_refused() -> None:
    header = ",".join(f"L{j}" for j in range(31)) + ",count\n"
    assert any("at most 30" in r for _, _, r in problems_of(header + ",".join("1" * 31) + ",1\n"))


def test_the_constructor_validates_too() -> None:
    with pytest.raises(CaptureTableError, match="all-zero"):
        CaptureTable(("A", "B"), ((0, 0),), (3,))
    with pytest.raises(CaptureTableError, match="appears twice"):
        CaptureTable(("A", "B"), ((1, 0), (1, 0)), (3, 4))
    with pytest.raises(CaptureTableError, match="whole number"):
        CaptureTable(("A", "B"), ((1, 0),), (-1,))
    with pytest.raises(CaptureTableError, match="0/1"):
        CaptureTable(("A", "B"), ((1, 2),), (1,))


def test_from_memberships_counts_people_per_pattern() -> None:
    people = [{"A"}, {"A", "B"}, {"B"}, {"A", "B"}, {"C"}, {"A", "C"}]
    table = CaptureTable.from_memberships(["A", "B", "C"], people)
    assert table.count((1, 1, 0)) == 2
    assert table.count((0, 0, 1)) == 1
    assert table.observed == 6
    with pytest.raises(CaptureTableError, match="unknown lists"):
        CaptureTable.from_memberships(["A", "B"], [{"A"}, {"Z"}])


def test_full_counts_follow_all_patterns_order() -> None:
    table = read_capture_table(GOOD)
    full = table.full_counts()
    for row, count in zip(all_patterns(3), full, strict=True):
        assert table.count(tuple(int(v) for v in row)) == count
        assert pattern_index(tuple(int(v) for v in row)) >= 1
    assert full.sum() == table.observed


# --- properties ---------------------------------------------------------------------------------

cells = st.sampled_from(["0", "1", " 1", "0 ", "", "2", "-1", "x", "1.0", '"1"', "٣", "\x00", "1e3"])
rows = st.lists(st.lists(cells, min_size=0, max_size=5), max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes_the_reader(text: str) -> None:
    try:
        table = read_capture_table(text)
    except CaptureTableError as error:
        assert error.problems
        assert all(p.line is None or p.line >= 1 for p in error.problems)
    else:
        assert table.observed > 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["A", "B", "C", "count", "Count", ""]), max_size=5), rows,
       st.sampled_from(["\n", "\r\n"]))
def test_csv_shaped_garbage_never_crashes_the_reader(header: list[str], body: list[list[str]],
                                                     newline: str) -> None:
    text = newline.join(",".join(r) for r in [header, *body]) + newline
    try:
        table = read_capture_table(text)
    except CaptureTableError as error:
        assert error.problems
    else:
        assert table.observed > 0
        assert all(any(p) for p in table.patterns)


@st.composite
def tables(draw: st.DrawFn) -> CaptureTable:
    lists = draw(st.integers(min_value=2, max_value=5))
    names = draw(st.lists(st.from_regex(r"[A-Za-z][A-Za-z0-9_ ]{0,8}[A-Za-z0-9]", fullmatch=True),
                          min_size=lists, max_size=lists,
                          unique_by=lambda n: n.strip().casefold()))
    patterns = [tuple(int(b) for b in row) for row in all_patterns(lists)]
    chosen = draw(st.lists(st.sampled_from(patterns), min_size=1, unique=True))
    counts = draw(st.lists(st.integers(min_value=1, max_value=MAX_COUNT), min_size=len(chosen),
                           max_size=len(chosen)))
    return CaptureTable.from_counts(names, dict(zip(chosen, counts, strict=True)))


@settings(max_examples=100, deadline=None)
@given(tables())
def test_a_valid_table_round_trips_through_csv(table: CaptureTable) -> None:
    again = read_capture_table(table.to_csv())
    assert again == table
    assert again.observed == table.observed
    assert again.list_totals == table.list_totals
