"""The strike-release parser: real-format text, every variant, and never a crash."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from civharm.analysis.numbers import read_count
from civharm.analysis.strike_releases import parse_strike_release, singular

RELEASE = """\
SOUTHWEST ASIA, June 14, 2017 - Coalition military forces continued to attack ISIS.
On June 14, 2017, Coalition military forces conducted 23 strikes consisting of 50 engagements.
In Syria, Coalition military forces conducted 17 strikes consisting of 20 engagements \
against ISIS targets: -- Near Raqqa, 15 strikes engaged 13 ISIS tactical units and \
destroyed 18 fighting positions, two vehicle bomb factories and a mortar system.
• Near Tabqah, two strikes engaged an ISIS tactical unit and destroyed a vehicle and three \
fighting positions.
* Near Dayr Az Zawr, one strike destroyed an ISIS oil wellhead.

In Iraq, Coalition military forces conducted six strikes consisting of 30 engagements.
-- Near Mosul, four strikes consisting of 25 engagements engaged three ISIS tactical units \
and destroyed 12 fighting positions, 11 supply routes and damaged a bridge.
-- Near Qaim, strikes destroyed a thing.
Coalition strikes are designed to destroy ISIS and its ability to operate.
On Oct. 18, near Raqqah, Syria, a strike engaged an ISIS tactical unit and destroyed a \
command and control node and two weapons caches.
"""


def test_reads_every_place_line_of_a_release() -> None:
    parsed = parse_strike_release(RELEASE, resolve_place=lambda n: "raqqa" if "aqq" in n else None)
    assert parsed.release_date == date(2017, 6, 14)
    rows = [line.as_json() for line in parsed.lines]
    assert rows[0] == {
        "date": "2017-06-14", "country": "Syria", "place": "Raqqa", "place_id": "raqqa",
        "strikes": 15, "engagements": None, "tactical_units": 13,
        "destroyed": {"fighting position": 18, "vehicle bomb factory": 2, "mortar system": 1},
    }
    assert rows[1]["destroyed"] == {"vehicle": 1, "fighting position": 3}
    assert rows[1]["tactical_units"] == 1
    assert rows[2]["place"] == "Dayr Az Zawr" and rows[2]["tactical_units"] is None
    assert rows[2]["destroyed"] == {"oil wellhead": 1}
    assert rows[3]["country"] == "Iraq" and rows[3]["engagements"] == 25
    assert rows[3]["destroyed"] == {"fighting position": 12, "supply route": 11}
    late = rows[4]
    assert late["date"] == "2017-10-18" and late["place"] == "Raqqah"
    assert late["destroyed"] == {"command and control node": 1, "weapons cache": 2}
    assert [(p.line, p.reason) for p in parsed.problems] == [(9, "no number of strikes")]
    assert parsed.skipped == 1


def test_an_explicit_date_wins_and_lines_without_one_stay_undated() -> None:
    text = "In Syria:\n-- Near Raqqah, a strike destroyed a tunnel.\n"
    assert parse_strike_release(text).lines[0].date is None
    dated = parse_strike_release(text, release_date=date(2017, 7, 2))
    assert dated.lines[0].date == date(2017, 7, 2)


def test_number_words() -> None:
    assert read_count("seventeen") == 17
    assert read_count("twenty-three") == 23
    assert read_count("an") == 1
    assert read_count("one hundred and four") == 104
    assert read_count("1,204") == 1204
    assert read_count("several") is None


def test_singular_noun_phrases() -> None:
    assert singular("vehicle bomb factories") == "vehicle bomb factory"
    assert singular("Fighting Positions") == "fighting position"
    assert singular("weapons caches") == "weapons cache"
    assert singular("headquarters") == "headquarters"
    assert singular("mortar system") == "mortar system"


NUMBER_WORDS = {1: "a", 2: "two", 3: "three", 4: "four", 5: "five", 10: "ten", 12: "twelve",
                20: "twenty", 23: "twenty-three"}
TARGETS = ["fighting position", "vehicle", "tunnel", "supply route", "vehicle bomb factory",
           "mortar system", "weapons cache", "command and control node", "building"]


def plural(target: str) -> str:
    if target.endswith("y"):
        return target[:-1] + "ies"
    if target.endswith("cache"):
        return target + "s"
    return target + "s"


@settings(max_examples=150, deadline=None)
@given(
    strikes=st.integers(1, 40),
    units=st.one_of(st.none(), st.integers(1, 20)),
    targets=st.dictionaries(st.sampled_from(TARGETS), st.integers(1, 30), max_size=4),
    use_words=st.booleans(),
    bullet=st.sampled_from(["--", "•", "*", ""]),
    place=st.sampled_from(["Raqqa", "Raqqah", "Ar Raqqah", "Dayr Az Zawr", "Deir ez-Zor"]),
)
def test_generated_lines_read_back_exactly(
    strikes: int, units: int | None, targets: dict[str, int], use_words: bool, bullet: str,
    place: str,
) -> None:
    def say(n: int) -> str:
        return NUMBER_WORDS.get(n, str(n)) if use_words else str(n)

    parts = [f"{say(strikes)} strike{'s' if strikes != 1 else ''}"]
    if units:
        parts.append(f"engaged {say(units)} ISIS tactical unit{'s' if units != 1 else ''}")
    if targets:
        items = [f"{say(n)} {plural(t) if n != 1 else t}" for t, n in targets.items()]
        listing = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
        parts.append(("and " if units else "") + f"destroyed {listing}")
    line = f"{bullet} Near {place}, {' '.join(parts)}.".strip()
    parsed = parse_strike_release(f"In Syria, forces conducted strikes.\n{line}\n",
                                  release_date=date(2017, 8, 1))
    assert parsed.problems == []
    assert len(parsed.lines) == 1
    found = parsed.lines[0]
    assert (found.place, found.strikes, found.tactical_units) == (place, strikes, units)
    assert found.destroyed == targets
    assert found.country == "Syria"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_on_any_text(text: str) -> None:
    parsed = parse_strike_release(text)
    lines = text.splitlines()
    for problem in parsed.problems:
        assert 1 <= problem.line <= len(lines)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([
    "Near", "Raqqah,", "strikes", "engaged", "destroyed", "two", "a", "and", ",", "--", "•",
    "On", "Oct.", "18,", "near", "Syria,", "consisting", "of", "engagements", "In", "Iraq",
    "tactical", "units", "ISIS", "12", "positions", ".",
]), max_size=30).map(" ".join))
def test_never_raises_on_release_like_noise(text: str) -> None:
    parse_strike_release(text + "\n" + text)
