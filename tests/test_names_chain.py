"""Name chains (given, father, grandfather, family), their comparison, and name_features."""

from __future__ import annotations

import dataclasses

import pytest

from civharm.analysis.names import (
    COLUMNS,
    NameFeatures,
    compare_chains,
    compare_names,
    feature_row,
    feature_rows,
    name_features,
    name_similarity,
    split_chain,
)

# The victims of issue 5: one man on three lists, and his two sons.
FATHER = ["محمد عبد الكريم الحسن", "Mohammed Abdulkarim al-Hassan", "Mohamad Abdel Karim el-Hasan",
          "MUHAMMAD ABD AL-KARIM AL-HASAN", "مُحَمَّد عبدالكريم حسن"]
SONS = ["Ahmad Mohammed al-Hassan", "Ali Mohammed al-Hassan", "أحمد محمد الحسن", "علي محمد الحسن"]


def _links(name: str) -> tuple[str | None, ...]:
    chain = split_chain(name)
    return tuple(w.text if w else None for w in (chain.given, chain.father, chain.grandfather, chain.family))


@pytest.mark.parametrize(("name", "links"), [
    ("محمد عبد الكريم الحسن", ("محمد", "عبدالكريم", None, "الحسن")),
    ("Mohammed Abdulkarim al-Hassan", ("muhamad", "abd-al-karim", None, "al-hasan")),
    ("Mohammed al-Hassan", ("muhamad", None, None, "al-hasan")),
    ("Yusuf Ahmad Ali al-Khalil", ("yusuf", "ahmad", "ali", "al-khalil")),
    ("Muhammad bin Ahmad bin Ali", ("muhamad", "ahmad", "ali", None)),
    ("Muhammad ibn Ahmad al-Hasan", ("muhamad", "ahmad", None, "al-hasan")),
    ("Fatima bint Ahmad", ("fatima", "ahmad", None, None)),
    ("محمد بن أحمد بن علي", ("محمد", "احمد", "علي", None)),
    ("Abu Bakr al-Hasan", ("abu-bakr", None, None, "al-hasan")),
    ("Ahmad Abu Zayd", ("ahmad", None, None, "abu-zayd")),
    ("Muhammad al-Shaykh", ("muhamad", None, None, "al-shaykh")),
    ("Abdurrahman Abd Allah al-Abd Allah", ("abd-al-rahman", "abd-allah", None, "al-abd-allah")),
    ("عبد الرحمن عبد الله العبد الله", ("عبدالرحمن", "عبدالله", None, "العبدالله")),
])
def test_split_chain(name: str, links: tuple[str | None, ...]) -> None:
    assert _links(name) == links


@pytest.mark.parametrize(("name", "kunya", "honorifics", "given"), [
    ("Sheikh Abu Ahmad Muhammad Ali al-Hasan", "abu-ahmad", ["shaykh"], "muhamad"),
    ("Umm Ahmad Fatima Khalil", "umm-ahmad", [], "fatima"),
    ("الحاج أبو علي محمد حسن الخلف", "ابوعلي", ["الحاج"], "محمد"),
    ("الشهيد الطفل أحمد محمد الحسن", None, ["الشهيد", "الطفل"], "احمد"),
    ("Dr. Hassan Ali", None, ["dr"], "hasan"),
    ("al-Hajj Ibrahim Salih", None, ["al-haj"], "ibrahim"),
    ("Sayyid Ali Hasan al-Musawi", None, ["sayid"], "ali"),
    ("Sayyid Ali", None, [], "sayid"),  # a given name when too little follows
    ("Sheikh", None, [], "shaykh"),
])
def test_kunya_and_honorifics_are_set_apart(name: str, kunya: str | None, honorifics: list[str],
                                            given: str) -> None:
    chain = split_chain(name)
    assert (chain.kunya.text if chain.kunya else None) == kunya
    assert [w.text for w in chain.honorifics] == honorifics
    assert chain.given is not None and chain.given.text == given


@pytest.mark.parametrize("name", FATHER[1:])
def test_the_same_man_on_three_lists(name: str) -> None:
    reference, other = name_features(FATHER[0]), name_features(name)
    for field in ("given_skeleton", "given_key", "father_skeleton", "family_skeleton", "family_key",
                  "blocking_key", "blocking_key_alt", "skeleton", "key"):
        assert getattr(other, field) == getattr(reference, field), field
    assert name_similarity(FATHER[0], name) >= 0.95


def test_a_dropped_father_does_not_sink_a_match() -> None:
    for full in FATHER:
        assert name_similarity(full, "Mohammed al-Hassan") >= 0.9
        assert name_similarity(full, "محمد الحسن") >= 0.9
        assert name_similarity("Muhammad Hasan", full) >= 0.9  # article dropped too


def test_sons_do_not_match_their_father_or_each_other() -> None:
    for son in SONS:
        for father in FATHER:
            assert name_similarity(son, father) < 0.6, (son, father)
            assert name_features(son).blocking_key != name_features(father).blocking_key
    assert name_similarity(SONS[0], SONS[1]) < 0.6
    assert name_similarity(SONS[2], SONS[3]) < 0.6
    assert name_similarity(SONS[0], SONS[2]) >= 0.95  # Ahmad in both scripts
    assert name_similarity(SONS[1], SONS[3]) >= 0.95


@pytest.mark.parametrize(("a", "b"), [
    ("Mohammed Abdulkarim al-Hassan", "Mohammed Ahmad al-Hassan"),  # cousins: fathers differ
    ("Muhammad al-Hasan", "Muhammad al-Khalaf"),  # families differ
    ("Mahmoud Abdulkarim al-Hassan", "محمد عبد الكريم الحسن"),  # Mahmud is not Muhammad
    ("Ahmad Ali al-Hasan", "Mahmoud Ali al-Hasan"),
    ("Jamila Ahmad al-Ali", "Jamil Ahmad al-Ali"),  # sister and brother
    ("Hasan Ali al-Khalaf", "Husayn Ali al-Khalaf"),
])
def test_relatives_and_namesakes_stay_apart(a: str, b: str) -> None:
    assert name_similarity(a, b) < 0.85
    assert name_similarity(b, a) == pytest.approx(name_similarity(a, b))


def test_a_list_that_writes_given_and_father_only() -> None:
    comparison = compare_names("Muhammad Ahmad", "Muhammad Ahmad al-Hasan")
    assert comparison.family_as_father
    assert comparison.score >= 0.85
    assert comparison.father == 1.0 and comparison.family is None
    # With an article, the last name is the family name, and it differs.
    assert compare_names("Muhammad al-Ahmad", "Muhammad Ali al-Hasan").score < 0.7
    features = [name_features(n) for n in ("Muhammad Ahmad", "Muhammad Ahmad al-Hasan")]
    assert features[0].blocking_key_alt == features[1].blocking_key_alt == "mhmd hmd"


def test_comparison_explains_itself() -> None:
    comparison = compare_names(FATHER[0], "Mohammed al-Hassan")
    assert comparison.father is None and comparison.grandfather is None
    assert comparison.given == comparison.family == 1.0
    assert comparison.explain().startswith("names 0.9")
    assert "given 1.00" in comparison.explain() and "father" not in comparison.explain()
    assert compare_chains(split_chain(FATHER[0]), split_chain(FATHER[1])).score == pytest.approx(1.0)
    assert compare_names("", "Muhammad").score == 0.0


def test_name_features_columns() -> None:
    features = name_features("Sheikh Mohammed bin Abdulkarim al-Hassan")
    assert features == NameFeatures(
        script="latin", folded="muhamad abd-al-karim al-hasan", skeleton="mhmd bdkrm hsn",
        key="mhmd 'bdkrIm hsn", vowels=".... '....I. ...",
        given="muhamad", given_skeleton="mhmd", given_key="mhmd", given_code="mhmd",
        father="abd-al-karim", father_skeleton="bdkrm", father_key="'bdkrIm", father_code="'bdkrIm",
        grandfather=None, grandfather_skeleton=None, grandfather_key=None, grandfather_code=None,
        family="hasan", family_skeleton="hsn", family_key="hsn", family_code="hsn", family_article=True,
        kunya=None, honorifics="shaykh", blocking_key="mhmd hsn", blocking_key_alt="mhmd bdkrm",
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        features.given = "x"  # type: ignore[misc]
    assert name_features("محمد Hassan").script == "mixed"
    assert name_features("محمد").script == "arabic"
    assert name_features("").script == "none"
    single = name_features("Mohammed")
    assert single.blocking_key is None and single.family is None and single.blocking_key_alt is None


def test_unknown_spellings_still_block_together() -> None:
    a, b = name_features("Zuhair Mamdouh Makhlouf"), name_features("زهير ممدوح مخلوف")
    assert a.blocking_key == b.blocking_key == "zhr mxlf"
    assert a.given_key != b.given_key  # the Latin key is unsure: it never claims an exact match
    assert name_similarity("Zuhair Mamdouh Makhlouf", "زهير ممدوح مخلوف") >= 0.85


def test_features_lay_out_as_table_rows() -> None:
    features = name_features("Mohammed al-Hassan")
    row = feature_row(features)
    assert len(row) == len(COLUMNS) == len(dataclasses.fields(NameFeatures))
    assert dict(zip(COLUMNS, row, strict=True)) == dataclasses.asdict(features)


def test_feature_rows_equal_name_features() -> None:
    names = [*FATHER, *SONS, "", "Sheikh Abu Ahmad Muhammad Ali al-Hasan", FATHER[0]]
    assert list(feature_rows(names)) == [feature_row(name_features(n)) for n in names]
