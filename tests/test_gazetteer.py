"""Place names in Arabic and Latin spellings resolve to one canonical place."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civharm.analysis.gazetteer import load_gazetteer, name_key, read_places_csv
from civharm.domain.vocabulary import GeoPrecision


@pytest.mark.parametrize("spelling", ["Raqqa", "Raqqah", "Ar Raqqah", "al-Raqqa", "الرقة"])
def test_raqqa_spellings(spelling: str) -> None:
    place = load_gazetteer().lookup(spelling)
    assert place is not None and place.id == "raqqa"
    assert place.precision is GeoPrecision.CITY


@pytest.mark.parametrize("spelling", ["Dayr Az Zawr", "Dayr Az Zwar", "Deir ez-Zor"])
def test_dayr_az_zawr_spellings(spelling: str) -> None:
    assert load_gazetteer().place_id(spelling) == "dayr-az-zawr"


def test_neighbourhoods_with_and_without_the_article() -> None:
    gazetteer = load_gazetteer()
    assert gazetteer.place_id("al-Mishlab") == gazetteer.place_id("Mishlab") == "mishlab"
    place = gazetteer.lookup("المشلب")
    assert place is not None and place.precision is GeoPrecision.NEIGHBOURHOOD
    assert gazetteer.lookup("Atlantis") is None


def test_users_add_places_by_csv(tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    path.write_text("id,kind,name,name_ar,variants,country,latitude,longitude\n"
                    "karama,village,Karama,الكرامة,Al Karamah;Kerama,Syria,35.93,39.33\n",
                    encoding="utf-8")
    gazetteer = load_gazetteer(path)
    place = gazetteer.lookup("al-Karamah")
    assert place is not None and place.id == "karama"
    assert place.precision is GeoPrecision.VILLAGE
    assert gazetteer.place_id("Raqqah") == "raqqa"


def test_a_bad_places_file_says_where(tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    path.write_text("id,kind,name,name_ar,variants,country,latitude,longitude\n"
                    "x,town,X,,,Syria,north,39\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"places\.csv, line 2"):
        read_places_csv(path)


@given(st.text(max_size=30))
def test_name_key_never_fails(name: str) -> None:
    assert isinstance(name_key(name), str)
