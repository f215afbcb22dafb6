"""The comparisons and blocking rules of the victim model, as Splink settings.

Every SQL condition here is written in the subset DuckDB and Spark SQL share
(``=``, ``abs``, ``levenshtein``, ``substr``, ``length``, ``instr``, ``concat``,
``coalesce``), so one model serves both backends. Columns are those of
:mod:`civharm.analysis.linkage.prepare`.

Names are compared link by link. For the given, father's and family name the levels
are, strongest first:

1. the keys agree (consonants and long vowels; term-frequency adjusted, so a match on
   محمد is worth less than a match on a rare name);
2. a key of the other form of a name agrees (``…2`` columns);
3. the skeletons agree and one spelling is unsure of its long vowels (an unknown
   Latin spelling against any other);
4. the skeletons agree but both keys are exact and differ: محمود against محمد, the
   same consonants and another name — evidence *against* a match;
5. the skeletons are one edit apart (a typo);
6. anything else.

A missing link (a list that drops the father) is the null level: neutral, so it
neither helps nor sinks a match.

Relatives share much: siblings share their father's, grandfather's and family name,
the day and the place. Counting each agreement as independent evidence would merge
them. So the given name decides between relatives: the father's and grandfather's
names count only when the given names do not disagree (skeletons more than equal:
even one consonant apart, Nasir and Yasir, is two brothers as often as a typo) —
when they do, those two comparisons fall in a fixed neutral level (Bayes factor 1),
and what remains (the given names' disagreement, ages) speaks. Training caps the
given name's "different names" and "other long vowels" levels so low that they all
but rule a match out (:data:`civharm.analysis.linkage.model.CAPS`). Sex likewise
counts only where the given names do not already agree on it.

Age: same, one year apart, two or three apart, bands that overlap, or apart. Date
of death: same day, within two days, within 45 days (died of wounds later), or
apart. Place: a cross-script skeleton, same, similar (one edit, or one contained in
the other: Hart al-Badu and al-Badu), or different. List: whether the two records
are on one list, where a person is rarely named twice.
"""

from __future__ import annotations

from typing import Any

NAME_LINKS = ("given", "father", "family")
TF_COLUMNS = ("given_key", "family_key")

Level = dict[str, Any]
Comparison = dict[str, Any]


def _either(column: str, other: str | None = None) -> str:
    """SQL: a value of the left record equals one of the right's (primary or alt)."""
    second = other or f"{column}2"
    return (f"({column}_l = {second}_r OR {second}_l = {column}_r "
            f"OR {second}_l = {second}_r)")


def _unsure(key: str) -> str:
    return f"(substr({key}_l, 1, 1) = '~' OR substr({key}_r, 1, 1) = '~')"


# Given names one consonant apart count as differing here: brothers are as often
# Nasir and Yasir as a list misspells one name.
GIVEN_DIFFER = "given_sk_l <> given_sk_r AND NOT coalesce(" + _either("given_sk") + ", FALSE)"
NEUTRAL_LABEL = "given names differ: not counted"
SEX_IMPLIED_LABEL = "same sex, as the same given name says: not counted"


def _neutral() -> Level:
    return {"sql_condition": GIVEN_DIFFER, "label_for_charts": NEUTRAL_LABEL,
            "m_probability": 0.5, "u_probability": 0.5,
            "fix_m_probability": True, "fix_u_probability": True}


def name_comparison(link: str, tf: bool) -> Comparison:
    key, sk = f"{link}_key", f"{link}_sk"
    same_sk = f"({sk}_l = {sk}_r OR {_either(sk)})"
    exact: Level = {"sql_condition": f"{key}_l = {key}_r", "label_for_charts": "same name (key)"}
    if tf:
        exact |= {"tf_adjustment_column": key, "tf_adjustment_weight": 1.0}
    levels: list[Level] = [
        {"sql_condition": f"{key}_l IS NULL OR {key}_r IS NULL",
         "label_for_charts": "not given on both", "is_null_level": True},
        *([_neutral()] if link == "father" else []),
        exact,
        {"sql_condition": _either(key), "label_for_charts": "same name in the other script's form"},
        {"sql_condition": f"{same_sk} AND {_unsure(key)}",
         "label_for_charts": "same consonants, vowels unsure"},
        {"sql_condition": same_sk, "label_for_charts": "same consonants, different long vowels"},
        {"sql_condition": f"length({sk}_l) >= 3 AND levenshtein({sk}_l, {sk}_r) <= 1",
         "label_for_charts": "consonants one edit apart"},
        {"sql_condition": "ELSE", "label_for_charts": "different names"},
    ]
    return {"output_column_name": f"{link}_name", "comparison_levels": levels,
            "comparison_description": f"{link} name"}


def grandfather_comparison() -> Comparison:
    key, sk = "grandfather_key", "grandfather_sk"
    return {"output_column_name": "grandfather_name", "comparison_description": "grandfather's name",
            "comparison_levels": [
                {"sql_condition": f"{key}_l IS NULL OR {key}_r IS NULL",
                 "label_for_charts": "not given on both", "is_null_level": True},
                _neutral(),
                {"sql_condition": f"{sk}_l = {sk}_r", "label_for_charts": "same consonants"},
                {"sql_condition": "ELSE", "label_for_charts": "different names"},
            ]}


def age_comparison() -> Comparison:
    point = "age_lo_l = age_hi_l AND age_lo_r = age_hi_r"
    return {"output_column_name": "age", "comparison_description": "age",
            "comparison_levels": [
                {"sql_condition": "age_lo_l IS NULL OR age_lo_r IS NULL",
                 "label_for_charts": "not given on both", "is_null_level": True},
                {"sql_condition": f"{point} AND age_lo_l = age_lo_r", "label_for_charts": "same age"},
                {"sql_condition": f"{point} AND abs(age_lo_l - age_lo_r) <= 1",
                 "label_for_charts": "ages one year apart"},
                {"sql_condition": f"{point} AND abs(age_lo_l - age_lo_r) <= 3",
                 "label_for_charts": "ages two or three years apart"},
                {"sql_condition": "age_lo_l <= age_hi_r AND age_lo_r <= age_hi_l AND NOT (" + point + ")",
                 "label_for_charts": "age bands overlap"},
                {"sql_condition": "ELSE", "label_for_charts": "ages differ"},
            ]}


def date_comparison() -> Comparison:
    return {"output_column_name": "date_of_death", "comparison_description": "date of death",
            "comparison_levels": [
                {"sql_condition": "day_l IS NULL OR day_r IS NULL",
                 "label_for_charts": "not given on both", "is_null_level": True},
                {"sql_condition": "day_l = day_r", "label_for_charts": "same day"},
                {"sql_condition": "abs(day_l - day_r) <= 2", "label_for_charts": "within two days"},
                {"sql_condition": "abs(day_l - day_r) <= 45",
                 "label_for_charts": "within 45 days (died of wounds later)"},
                {"sql_condition": "ELSE", "label_for_charts": "dates far apart"},
            ]}


def place_comparison() -> Comparison:
    """Places as cross-script skeletons; lists spell a neighbourhood their own way
    (Nazlat Shahada, Nazlet Shhada) or name a wider place (Hart al-Badu, al-Badu)."""
    return {"output_column_name": "place", "comparison_description": "place",
            "comparison_levels": [
                {"sql_condition": "place_l IS NULL OR place_r IS NULL",
                 "label_for_charts": "not given on both", "is_null_level": True},
                {"sql_condition": "place_l = place_r", "label_for_charts": "same place"},
                {"sql_condition": "(length(place_l) >= 3 AND levenshtein(place_l, place_r) <= 1) OR "
                                  "instr(concat(' ', place_l, ' '), concat(' ', place_r, ' ')) > 0 OR "
                                  "instr(concat(' ', place_r, ' '), concat(' ', place_l, ' ')) > 0",
                 "label_for_charts": "similar place"},
                {"sql_condition": "ELSE", "label_for_charts": "different place"},
            ]}


def sex_comparison() -> Comparison:
    """Sex counts only where the given names do not already agree: a given name says
    the sex, and counting both would count one fact twice."""
    return {"output_column_name": "sex", "comparison_description": "sex",
            "comparison_levels": [
                {"sql_condition": "sex_l IS NULL OR sex_r IS NULL",
                 "label_for_charts": "not given on both", "is_null_level": True},
                {"sql_condition": "sex_l = sex_r AND given_sk_l = given_sk_r",
                 # m a hair above u: it weighs nothing, yet an explanation can tell this level
                 # from "not given", which weighs exactly nothing.
                 "label_for_charts": SEX_IMPLIED_LABEL, "m_probability": 0.500001, "u_probability": 0.5,
                 "fix_m_probability": True, "fix_u_probability": True},
                {"sql_condition": "sex_l = sex_r", "label_for_charts": "same sex"},
                {"sql_condition": "ELSE", "label_for_charts": "different sex"},
            ]}


def source_comparison() -> Comparison:
    """Whether the two records are on one list: a list rarely names one person twice."""
    return {"output_column_name": "list", "comparison_description": "list",
            "comparison_levels": [
                {"sql_condition": "source_l IS NULL OR source_r IS NULL",
                 "label_for_charts": "list not given", "is_null_level": True},
                {"sql_condition": "source_l = source_r", "label_for_charts": "same list"},
                {"sql_condition": "ELSE", "label_for_charts": "different lists"},
            ]}


def descriptions() -> dict[str, str]:
    """What each comparison (by output column name) compares, for explanations."""
    return {c["output_column_name"]: c["comparison_description"] for c in comparisons()}


def comparisons() -> list[Comparison]:
    return [
        name_comparison("given", tf=True),
        name_comparison("father", tf=False),
        grandfather_comparison(),
        name_comparison("family", tf=True),
        age_comparison(),
        date_comparison(),
        place_comparison(),
        sex_comparison(),
        source_comparison(),
    ]


# Blocking: names always take part (skeleton keys from name_features). On small
# inputs the name keys alone; on large ones each name key is joined with a place or a
# day too, or blocks of common names would hold millions of pairs. The rules after
# the first few catch typos and records written in two scripts.
_ALT_BLOCKS = ("l.block_gf2 = r.block_gf", "l.block_gf = r.block_gf2",
               "l.block_gp2 = r.block_gp", "l.block_gp = r.block_gp2")
_SAME_AGE = "l.age_lo = r.age_lo AND l.age_hi = r.age_hi"
NAME_ONLY_RULES = ("l.block_gf = r.block_gf", "l.block_gp = r.block_gp", *_ALT_BLOCKS,
                   "l.block_fp = r.block_fp AND l.day = r.day",
                   f"l.given_sk = r.given_sk AND {_SAME_AGE} AND l.place = r.place",
                   f"l.family_sk = r.family_sk AND {_SAME_AGE} AND l.place = r.place")
# Measured on a simulated million records (one city: every name key and place is
# shared by hundreds): the first rule finds 98 % of true pairs; each other rule
# kept here adds little but costs little, while those left out (the whole name's
# skeleton, given and father with a place, given and family with an age, typo
# rules by place) cost a minute between them for under 0.3 % of true pairs.
QUALIFIED_RULES = (
    "l.block_gf = r.block_gf AND l.place = r.place",
    "l.block_gf = r.block_gf AND l.day = r.day",
    "l.block_gp = r.block_gp AND l.day = r.day",
    *(f"{rule} AND l.place = r.place" for rule in _ALT_BLOCKS),
    "l.block_fp = r.block_fp AND l.day = r.day",
    f"l.given_sk = r.given_sk AND {_SAME_AGE} AND l.day = r.day",
    f"l.family_sk = r.family_sk AND {_SAME_AGE} AND l.day = r.day",
)


def settings_dict(blocking_rules: tuple[str, ...], prior: float) -> dict[str, Any]:
    """A fresh (untrained) Splink settings dictionary for the victim model."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": prior,
        "comparisons": comparisons(),
        "blocking_rules_to_generate_predictions": list(blocking_rules),
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": True,
        "additional_columns_to_retain": [],
        "max_iterations": 20,
        "em_convergence": 0.001,
    }
