"""The simulated Raqqa-2017 campaign: deterministic, importable, labelled, and true to its truth.

Pure: no database. The scale-1 campaign is generated once for the whole module.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civharm.analysis.civcas_reports import parse_civcas_report
from civharm.analysis.mgrs_grid import parse_mgrs
from civharm.analysis.strike_releases import parse_strike_release
from civharm.ingest import parse_file
from civharm.simulation import (
    DEFAULT_SEED,
    LABEL,
    MARKER,
    ScenarioError,
    generate,
    importable_files,
)
from civharm.simulation.civcas import number_words
from civharm.simulation.damage import CLASS_NAMES
from civharm.simulation.gazetteer import load_gazetteer
from civharm.simulation.mgrs import mgrs
from civharm.simulation.monitoring import LISTS
from civharm.simulation.names import (
    FAMILY,
    FEMALE,
    MALE,
    ArabicHabits,
    LatinHabits,
    arabic_typo,
    arabic_variant,
    latin_typo,
    transliterate,
)
from civharm.simulation.releases import SIMULATED_LINE

ARABIC = re.compile(r"[\u0600-\u06FF]")


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def chain_of(name: str, sex: str) -> list[str]:
    """Split a canonical name into given name, father's, grandfather's and family name."""
    tables = [FEMALE if sex == "female" else MALE, MALE, MALE, FAMILY]
    parts: list[str] = []
    rest = name
    for table in tables:
        for part in sorted((p.latin for p in table), key=len, reverse=True):
            if rest == part or rest.startswith(part + " "):
                parts.append(part)
                rest = rest[len(part):].lstrip()
                break
        else:
            raise AssertionError(f"cannot split {name!r}")
    assert rest == ""
    return parts


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default campaign at scale 1."""
    out = tmp_path_factory.mktemp("campaign")
    generate(out, seed=DEFAULT_SEED, scale=1.0)
    return out


@pytest.fixture(scope="module")
def totals(campaign: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((campaign / "truth" / "totals.json").read_text("utf-8"))
    return loaded


# --- determinism -------------------------------------------------------------------------


def test_same_seed_same_bytes_and_another_seed_other_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=11, scale=0.1)
    generate(tmp_path / "b", seed=11, scale=0.1)
    generate(tmp_path / "c", seed=12, scale=0.1)
    first, second, other = tree(tmp_path / "a"), tree(tmp_path / "b"), tree(tmp_path / "c")
    assert first == second
    changed = [name for name in first if first[name] != other.get(name)]
    assert "incidents.csv" in changed and "victims-field.csv" in changed
    assert len(changed) > len(first) // 2


def test_the_damage_process_writes_the_same_bytes(tmp_path: Path) -> None:
    """Large scales write the damage tables in a second process; the output must not change."""
    generate(tmp_path / "serial", seed=5, scale=0.05, parallel=False)
    generate(tmp_path / "parallel", seed=5, scale=0.05, parallel=True)
    assert tree(tmp_path / "serial") == tree(tmp_path / "parallel")


def test_regenerating_replaces_only_a_simulated_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    generate(out, seed=1, scale=0.05)
    (out / "stale.csv").write_text("left over\n")
    generate(out, seed=1, scale=0.05)
    assert not (out / "stale.csv").exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my own work\n")
    with pytest.raises(ScenarioError, match="not written by the simulator"):
        generate(mine, seed=1, scale=0.05)
    assert (mine / "notes.txt").read_text() == "my own work\n"
    with pytest.raises(ScenarioError, match="scale"):
        generate(tmp_path / "zero", scale=0)


# --- import files ------------------------------------------------------------------------


def test_every_import_file_parses_without_a_problem(campaign: Path) -> None:
    kinds: Counter[str] = Counter()
    for path in importable_files(campaign):
        parsed = parse_file(path)
        assert parsed.problems == [], [str(p) for p in parsed.problems[:5]]
        assert parsed.rows > 0, path.name
        for kind, found in parsed.records.items():
            kinds[kind] += len(found)
    assert set(kinds) == {"incidents", "sources", "claims", "victims", "verdicts",
                          "declared_strikes"}


def test_import_files_carry_no_label_column(campaign: Path) -> None:
    """The importer rejects unknown columns: the label lives in the marker file instead."""
    for path in importable_files(campaign):
        header = path.read_text("utf-8").splitlines()[0]
        assert "simulated" not in header.lower()
    marker = (campaign / MARKER).read_text("utf-8")
    assert marker.startswith(LABEL)
    assert "None of it describes real people" in marker


def test_victim_ids_are_unique_across_lists(campaign: Path) -> None:
    ids: list[str] = []
    for profile in LISTS:
        found = rows(campaign / profile.file_name)
        assert all(r["victim_id"].startswith(profile.prefix + "-") for r in found)
        ids += [r["victim_id"] for r in found]
    assert len(ids) == len(set(ids))


def test_lists_write_their_own_scripts(campaign: Path) -> None:
    for profile in LISTS:
        found = [r for r in rows(campaign / profile.file_name) if r["name"] or r["name_ar"]]
        latin = sum(1 for r in found if r["name"])
        arabic = sum(1 for r in found if ARABIC.search(r["name_ar"]))
        assert (latin > 0) == (profile.latin is not None), profile.key
        assert (arabic > 0) == (profile.arabic is not None), profile.key


def test_sources_are_the_lists_the_interviews_and_the_belligerents_reports(
        campaign: Path, totals: dict[str, Any]) -> None:
    sources = rows(campaign / "sources.csv")
    by_kind = Counter(s["kind"] for s in sources)
    assert by_kind["witness_interview"] == totals["witness_interviews"]
    assert all(s["public"] == "no" for s in sources if s["kind"] == "witness_interview")
    assert {p.source_key for p in LISTS} <= {s["source_id"] for s in sources}
    assert by_kind["official_statement"] == totals["civcas_reports"]
    assert all("SIMULATED" in s["title"] for s in sources)


# --- the truth ---------------------------------------------------------------------------


def test_headline_sizes_at_scale_one(totals: dict[str, Any]) -> None:
    assert 250 <= totals["true_incidents"] <= 300
    assert 1500 <= totals["true_civilian_deaths"] <= 1700
    assert totals["witness_interviews"] >= 400
    assert totals["investigated_locations"] >= 200
    assert 900 <= totals["true_documented"] <= 1200
    assert 11_500 <= totals["damage"]["buildings"] <= 12_500
    assert 0.08 <= totals["conceded_deaths"] / totals["true_civilian_deaths"] <= 0.12


def test_two_hundred_distinct_investigated_locations(campaign: Path) -> None:
    precise = {(r["latitude"][:7], r["longitude"][:7]) for r in rows(campaign / "incidents.csv")
               if r["geo_precision"] in ("within_100m", "street", "landmark")}
    assert len(precise) >= 200


def test_every_record_maps_to_a_person_and_every_person_to_an_incident(campaign: Path) -> None:
    truth = campaign / "truth"
    incidents = {r["true_incident"]: r for r in rows(truth / "incidents.csv")}
    persons = {r["person_id"]: r for r in rows(truth / "persons.csv")}
    mapping = {r["victim_id"]: r for r in rows(truth / "victim-records.csv")}
    records = [r for p in LISTS for r in rows(campaign / p.file_name)]
    assert len(records) == len(mapping)
    for record in records:
        truth_row = mapping[record["victim_id"]]
        person = persons[truth_row["person_id"]]
        assert truth_row["incident"] == record["incident"]
        assert person["true_incident"] == truth_row["true_incident"]
        assert record["fate"] == person["fate"]
        if record["sex"]:
            assert record["sex"] == person["sex"]
    assert {p["true_incident"] for p in persons.values()} <= incidents.keys()


def test_deaths_add_up(campaign: Path, totals: dict[str, Any]) -> None:
    truth = campaign / "truth"
    incidents = rows(truth / "incidents.csv")
    fates: dict[str, Counter[str]] = defaultdict(Counter)
    for person in rows(truth / "persons.csv"):
        fates[person["true_incident"]][person["fate"]] += 1
    for incident in incidents:
        killed = int(incident["civilians_killed"])
        assert fates[incident["true_incident"]]["killed"] == killed
        assert fates[incident["true_incident"]]["injured"] == int(incident["civilians_injured"])
        assert int(incident["children_killed"]) + int(incident["women_killed"]) + \
            int(incident["men_killed"]) == killed
    assert sum(int(i["civilians_killed"]) for i in incidents) == totals["true_civilian_deaths"]
    by = totals["true_deaths_by_belligerent"]
    assert sum(by.values()) == totals["true_civilian_deaths"]
    assert {"Russia", "Syrian government", "US-led Coalition"} <= by.keys()


def test_families_die_together_with_name_chains(campaign: Path) -> None:
    persons = rows(campaign / "truth" / "persons.csv")
    by_id = {p["person_id"]: p for p in persons}
    children = [p for p in persons if p["role"] in ("son", "daughter") and p["relation"]]
    assert len(children) > 200
    for child in children:
        parent = by_id[child["relation"].rsplit(" ", 1)[1]]
        assert parent["household"] == child["household"]
        assert parent["true_incident"] == child["true_incident"]
        if parent["role"] == "father":
            # The child's chain continues the father's: his name, his father's, the family.
            father = chain_of(parent["name"], parent["sex"])
            chain = chain_of(child["name"], child["sex"])
            assert chain[1:3] == father[:2]
            assert chain[3] == father[3]
    households = Counter((p["true_incident"], p["household"]) for p in persons
                         if p["fate"] == "killed")
    assert max(households.values()) >= 5


def test_reported_incidents_point_at_true_incidents(campaign: Path, totals: dict[str, Any]
                                                    ) -> None:
    truth = campaign / "truth"
    reported = {r["code"]: r for r in rows(truth / "reported-incidents.csv")}
    codes = {r["code"] for r in rows(campaign / "incidents.csv")}
    assert codes == reported.keys()
    incidents = {r["true_incident"]: r for r in rows(truth / "incidents.csv")}
    for row in reported.values():
        listed = incidents[row["true_incident"]]["reported_codes"].split(";")
        assert row["code"] in listed
        if row["state"] == "duplicate":
            assert row["duplicate_of"] in listed
    duplicates = [r for r in reported.values() if r["state"] == "duplicate"]
    assert 1 <= len(duplicates) <= 0.1 * len(reported)
    assert len(duplicates) == totals["duplicate_reported_incidents"]
    grades = Counter(r["true_grade"] for r in reported.values() if r["state"] == "incident")
    assert {"confirmed", "fair", "weak", "contested", "discounted"} <= grades.keys()


def test_true_grades_follow_the_rules(campaign: Path) -> None:
    truth = campaign / "truth"
    incidents = {r["true_incident"]: r for r in rows(truth / "incidents.csv")}
    credible = {r["incident"] for r in rows(campaign / "verdicts.csv")
                if r["assessment"] == "credible"}
    for row in rows(truth / "reported-incidents.csv"):
        belligerent = incidents[row["true_incident"]]["belligerent"]
        if row["code"] in credible:
            assert row["true_grade"] == "confirmed"
        if belligerent != "US-led Coalition":
            assert row["true_grade"] in ("contested", "discounted")
        if row["true_grade"] == "fair":
            assert int(row["sources"]) >= 2


def test_coalition_incidents_belong_to_a_declared_strike_line(campaign: Path) -> None:
    truth = campaign / "truth"
    lines = {r["line_id"]: r for r in rows(truth / "strike-lines.csv")}
    parsed = parse_file(campaign / "declared_strikes.csv")
    keys = {item.record.key for item in parsed.of("declared_strikes")}
    for incident in rows(truth / "incidents.csv"):
        if incident["belligerent"] != "US-led Coalition":
            assert incident["declared_strike_line"] == ""
            continue
        line = lines[incident["declared_strike_line"]]
        day = date.fromisoformat(incident["date"])
        assert date.fromisoformat(line["date"]) in (day, day - timedelta(days=1))
        assert line["place_id"] == "raqqa"
        assert incident["true_incident"] in line["true_incidents"].split(";")
        assert int(line["strikes"]) >= len(line["true_incidents"].split(";"))
        assert incident["declared_strike_key"] == line["key"]
        assert line["key"] in keys


def test_lists_are_positively_dependent(campaign: Path) -> None:
    """A person named on one list is likelier to be named on another than chance says."""
    killed = [p for p in rows(campaign / "truth" / "persons.csv") if p["fate"] == "killed"]
    on = {p["person_id"]: set(p["lists"].split(";")) - {""} for p in killed}
    total = len(on)
    field = {k for k, v in on.items() if "field" in v}
    media = {k for k, v in on.items() if "media" in v}
    assert len(field & media) / total > (len(field) / total) * (len(media) / total)


def test_records_differ_in_spelling_across_lists(campaign: Path) -> None:
    spellings: dict[str, set[str]] = defaultdict(set)
    for row in rows(campaign / "truth" / "victim-records.csv"):
        spellings[row["person_id"]].add(row["list"])
    names = {r["victim_id"]: r["name"] for p in LISTS for r in rows(campaign / p.file_name)}
    mapping = rows(campaign / "truth" / "victim-records.csv")
    by_person: dict[str, set[str]] = defaultdict(set)
    for row in mapping:
        if names[row["victim_id"]]:
            by_person[row["person_id"]].add(names[row["victim_id"]])
    assert sum(1 for found in by_person.values() if len(found) > 1) > 100
    assert any("Mohammed" in n for n in names.values())
    assert any("Muhammad" in n for n in names.values())


# --- texts ------------------------------------------------------------------------------


def test_every_text_file_says_simulated(campaign: Path) -> None:
    texts = sorted((campaign / "releases").glob("*.txt")) + \
        sorted((campaign / "civcas-reports").glob("*.txt"))
    assert len(texts) > 100
    for path in texts:
        assert path.read_text("utf-8").splitlines()[0] == SIMULATED_LINE, path.name
    assert all(r["summary"].startswith("SIMULATED") for r in rows(campaign / "incidents.csv"))


def test_releases_vary_as_real_ones_do(campaign: Path) -> None:
    text = "\n".join(p.read_text("utf-8") for p in sorted((campaign / "releases").glob("*.txt")))
    for bullet in ("\n-- Near ", "\n• Near ", "\n* Near "):
        assert bullet in text
    for spelling in ("Near Raqqa,", "Near Raqqah,", "Near Ar Raqqah,"):
        assert spelling in text
    assert "In Iraq, Coalition military forces conducted" in text
    assert re.search(r"\nOn (Sept?\.|Oct\.|Aug\.|June|July) \d+, near ", text)
    assert re.search(r"\b(two|three|four) (strikes|fighting positions)\b", text)
    assert " a mortar system" in text or " an IED factory" in text


def test_the_release_parser_reads_back_every_declared_strike(campaign: Path) -> None:
    """Texts and the structured file agree: the parser of releases finds each line as written."""
    declared = {(r["date"], r["text"]): r for r in rows(campaign / "declared_strikes.csv")}
    lines = {r["line_id"] for r in rows(campaign / "truth" / "strike-lines.csv")}
    found = 0
    for path in sorted((campaign / "releases").glob("*.txt")):
        parsed = parse_strike_release(path.read_text("utf-8"))
        assert parsed.problems == [], [str(p) for p in parsed.problems]
        for line in parsed.lines:
            assert line.date is not None
            row = declared[(line.date.isoformat(), line.text)]
            assert f"releases/{path.name}#{line.line}" in lines
            assert line.strikes == int(row["strikes"])
            assert line.tactical_units == (int(row["tactical_units"]) if row["tactical_units"]
                                           else None)
            assert line.destroyed == (json.loads(row["destroyed"]) if row["destroyed"] else {})
            found += 1
    assert found == len(declared) == len(lines)


def test_monthly_reports_add_up_and_read_back(campaign: Path) -> None:
    """The report parser reads each monthly report; its numbers agree with verdicts.csv."""
    verdicts = {v["incident"]: v for v in rows(campaign / "verdicts.csv")
                if v["belligerent"] == "US-led Coalition"}
    statuses = {"credible": "credible", "non-credible": "non_credible", "duplicate": "duplicate"}
    conceded = cited = 0
    for path in sorted((campaign / "civcas-reports").glob("*.txt")):
        parsed = parse_civcas_report(path.read_text("utf-8"), default_year=int(path.stem[:4]))
        assert parsed.problems == [], path.name
        summary = parsed.summary
        assert summary["reports_carried_over"] is not None, path.name
        assert summary["reports_carried_over"] + summary["reports_received"] - \
            summary["reports_assessed"] == summary["reports_open"]
        assert summary["credible"] + summary["non_credible"] + summary["duplicate"] == \
            summary["reports_assessed"] == len(parsed.allegations)
        for entry in parsed.allegations:
            if entry.status == "credible":
                assert entry.killed
                conceded += entry.killed
            if entry.airwars_code:
                verdict = verdicts[entry.airwars_code]
                assert statuses[entry.status] == verdict["assessment"]
                assert entry.mgrs in (None, verdict["mgrs"])
                assert verdict["assessed_on"].startswith(path.stem)
                cited += 1
    assert cited > 20
    assert conceded == sum(int(v["deaths_conceded_min"]) for v in verdicts.values()
                           if v["assessment"] == "credible")
    assert any("non-credible" in v["statement"] for v in verdicts.values())
    assert any(v["mgrs"].startswith("37S") for v in verdicts.values())


# --- damage -----------------------------------------------------------------------------


def test_damage_table_is_wide_and_uses_the_codes(campaign: Path) -> None:
    sites = rows(campaign / "damage" / "damage-sites.csv")
    header = list(sites[0])
    assert header[:4] == ["SiteID", "latitude", "longitude", "Neighbourhood"]
    assert "SensorDate_5" in header and "Main_Damage_Site_Class_5" in header
    codes = {int(s[f"Main_Damage_Site_Class_{i}"]) for s in sites for i in range(1, 6)}
    assert codes <= set(CLASS_NAMES)
    truth = {r["SiteID"]: r for r in rows(campaign / "truth" / "damage.csv")}
    assert truth.keys() == {s["SiteID"] for s in sites}
    destroyed = [r for r in truth.values() if r["final_class"] == "1"]
    assert 0.2 < len(destroyed) / len(truth) < 0.5


def test_volunteers_answer_with_consecutive_images(campaign: Path) -> None:
    answers = rows(campaign / "damage" / "volunteer-answers.csv")
    assert len(answers) > 1000
    for answer in answers:
        shown = answer["dates_shown"].split(";")
        assert shown.index(answer["answer_after"]) == shown.index(answer["answer_before"]) + 1
    gold = rows(campaign / "damage" / "gold-answers.csv")
    assert gold and {g["task"] for g in gold} <= {a["task"] for a in answers}
    kinds = Counter(v["kind"] for v in rows(campaign / "truth" / "volunteers.csv"))
    assert kinds["unreliable"] > 0 and kinds["careful"] > kinds["unreliable"]


def test_confidential_witnesses_are_kept_apart(campaign: Path, totals: dict[str, Any]) -> None:
    witnesses = rows(campaign / "confidential" / "witnesses.csv")
    assert len(witnesses) == totals["witness_interviews"]
    assert all(w["contact"].endswith("@example.org") for w in witnesses)
    assert "confidential" not in {p.parent.name for p in importable_files(campaign)}


# --- the city frame ----------------------------------------------------------------------


def test_gazetteer_has_raqqas_neighbourhoods_and_the_release_towns() -> None:
    gazetteer = load_gazetteer()
    names = {p.name for p in gazetteer.neighbourhoods}
    assert len(names) >= 18
    for expected in ("al-Mishlab", "al-Rumaila", "al-Badu", "al-Thakana", "al-Dariya",
                     "Hisham bin Abd al-Malik", "al-Sinaa", "al-Nahda", "al-Firdaws",
                     "al-Jazra", "al-Rashid"):
        assert expected in names
    south, west, north, east = gazetteer.city.bounds
    for place in gazetteer.neighbourhoods:
        assert ARABIC.search(place.name_ar), place.id
        assert place.variants
        assert place.contains(place.latitude, place.longitude), place.id
        assert south <= place.latitude <= north and west <= place.longitude <= east
    assert 4 <= (east - west) * 90.1 <= 7  # km, east to west
    towns = {t.name: t for t in gazetteer.towns}
    assert {"Tabqah", "Dayr Az Zawr", "Mayadin", "Abu Kamal"} <= towns.keys()
    assert {"Dayr Az Zwar", "Deir ez-Zor"} <= set(towns["Dayr Az Zawr"].variants)


def test_mgrs_of_known_points() -> None:
    assert mgrs(48.8583, 2.2945) == "31UDQ4825111943"
    assert mgrs(35.95, 39.01).startswith("37SEV")
    assert mgrs(35.95, 39.01, 3) == "37SEV009784"


def test_credible_verdicts_cite_the_grid_of_the_strike(campaign: Path) -> None:
    """The grid reader finds each conceded strike where it truly was."""
    incidents = {r["true_incident"]: r for r in rows(campaign / "truth" / "incidents.csv")}
    true_of = {r["code"]: r["true_incident"]
               for r in rows(campaign / "truth" / "reported-incidents.csv")}
    credible = [v for v in rows(campaign / "verdicts.csv") if v["assessment"] == "credible"]
    assert credible
    for verdict in credible:
        point = parse_mgrs(verdict["mgrs"])
        assert point.precision_m == int(verdict["mgrs_accuracy_m"])
        truth = incidents[true_of[verdict["incident"]]]
        north = (point.latitude - float(truth["latitude"])) * 111_300
        east = (point.longitude - float(truth["longitude"])) * 90_100
        assert (north ** 2 + east ** 2) ** 0.5 < 2 * point.precision_m


def test_number_words() -> None:
    assert number_words(17) == "seventeen"
    assert number_words(64) == "sixty-four"
    assert number_words(305) == "three hundred and five"


# --- names ------------------------------------------------------------------------------

probability = st.floats(min_value=0, max_value=1)
weights3 = st.tuples(probability, probability, probability).filter(lambda w: sum(w) > 0)
weights4 = st.tuples(probability, probability, probability, probability).filter(
    lambda w: sum(w) > 0)
weights6 = st.tuples(*([probability] * 6)).filter(lambda w: sum(w) > 0)
latin_habits = st.builds(
    LatinHabits, article=weights6, abd=weights6, abd_allah=weights4, short_u_as_o=probability,
    long_u=weights4, long_i_as_ee=probability, i_as_e=probability, final_ad_as_ed=probability,
    final_ah=weights4, undouble=probability, double_s=probability, ay=weights3, aw=weights3,
    q_as_k=probability, upper=st.booleans(), typo=probability)
arabic_habits = st.builds(
    ArabicHabits, hamza_dropped=probability, taa_marbuta_as_haa=probability,
    alif_maqsura_as_ya=probability, abd_joined=probability,
    family_article_dropped=probability, typo=probability)
canonical = st.sampled_from([p.latin for p in MALE + FEMALE + FAMILY])
any_text = st.text(min_size=1).filter(lambda t: t.strip() != "")


@settings(max_examples=200, deadline=None)
@given(st.one_of(canonical, any_text), latin_habits, st.integers(0, 2**32))
def test_transliteration_never_returns_nothing(text: str, habits: LatinHabits, seed: int
                                               ) -> None:
    rng = random.Random(seed)
    assert transliterate(text, habits, rng).strip()
    assert latin_typo(text, rng).strip()


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.sampled_from([p.arabic for p in MALE + FEMALE + FAMILY]), any_text),
       arabic_habits, st.booleans(), st.integers(0, 2**32))
def test_arabic_noise_never_returns_nothing(text: str, habits: ArabicHabits, family: bool,
                                            seed: int) -> None:
    rng = random.Random(seed)
    assert arabic_variant(text, habits, rng, family).strip()
    assert arabic_typo(text, rng).strip()


def test_transliteration_habits_give_the_familiar_spellings() -> None:
    english = LatinHabits(short_u_as_o=1, final_ad_as_ed=1, double_s=1, ay=(0, 0, 1),
                          abd=(0, 1, 0, 0, 0, 0))
    rng = random.Random(1)
    assert transliterate("Muhammad", english, rng) == "Mohammed"
    assert transliterate("Husayn", english, rng) == "Hossein"
    assert transliterate("Husayn", LatinHabits(double_s=1, ay=(0, 0, 1)), rng) == "Hussein"
    assert transliterate("Abd al-Rahman", english, rng) == "Abdul Rahman"
    assert transliterate("al-Hasan", LatinHabits(article=(0, 0, 1, 0, 0, 0)), rng) == "el-Hasan"
    assert transliterate("Yusuf", LatinHabits(long_u=(0, 1, 0, 0)), rng) == "Yusouf"
