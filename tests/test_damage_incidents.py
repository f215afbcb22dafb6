"""Damage tied to incidents: precisely placed incidents with no destruction seen near them,
those no imagery covers, and the city's latest damage figures in ``civharm stats``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from conftest import civharm

# Latitude steps of 0.001 degree are about 111 m.
INCIDENTS = """code,date,place,latitude,longitude,geo_precision
RQ1,2017-09-10,"Near the destroyed site, Raqqa",35.950,39.010,street
RQ2,2017-09-10,"Near a site seen only moderately damaged, Raqqa",35.960,39.010,neighbourhood
RQ3,2017-09-10,"Far from any assessed site, Raqqa",36.050,39.010,within_100m
RQ4,2016-01-01,"Near a site, before any imagery, Raqqa",35.960,39.010,street
RQ5,2017-09-10,"Raqqa",35.950,39.010,city
RQ6,2017-09-10,"Placed by district only, Raqqa",35.960,39.010,district
"""

# Long form: one site on one imagery date per row. A is 111 m from RQ1 and seen destroyed
# ten days after it; B is 111 m from RQ2 and seen moderately damaged; C (severe) and D
# (undamaged) are kilometres from every incident.
DAMAGE = """SiteID,Latitude,Longitude,Neighbourhood,SensorDate,Main_Damage_Site_Class
A,35.951,39.010,east,2017-08-01,6
A,35.951,39.010,east,2017-09-20,1
B,35.961,39.010,east,2017-08-01,6
B,35.961,39.010,east,2017-09-20,3
C,35.980,39.010,west,2017-09-20,2
D,35.990,39.010,west,2017-09-20,6
"""


def _files(folder: Path) -> tuple[Path, Path]:
    incidents, damage = folder / "incidents.csv", folder / "damage-sites.csv"
    incidents.write_text(INCIDENTS, encoding="utf-8")
    damage.write_text(DAMAGE, encoding="utf-8")
    return incidents, damage


def test_incidents_without_destruction_and_not_assessed(in_process_database: str,
                                                        tmp_path: Path) -> None:
    from civharm.services.damage import (
        NO_DESTRUCTION,
        NOT_ASSESSED,
        import_damage,
        incidents_without_destruction,
    )
    from civharm.services.importing import import_files

    incidents, damage = _files(tmp_path)
    import_files([incidents])
    import_damage(damage)

    report = incidents_without_destruction()
    assert report.checked == 4 and report.imprecise == 2  # RQ5 (city), RQ6 (district)
    assert report.with_destruction == 1  # RQ1: site A destroyed 111 m away
    assert [(i.code, i.status, i.sites_assessed) for i in report.unmatched] == [
        ("RQ2", NO_DESTRUCTION, 1)]  # only B, moderately damaged, is near it
    assert {i.code: i.status for i in report.not_assessed} == {
        "RQ3": NOT_ASSESSED,  # no site within 500 m
        "RQ4": NOT_ASSESSED}  # sites near it, but no imagery from its date

    # Severe damage counts as destruction: widened to reach C, RQ2 is matched too.
    wide = incidents_without_destruction(radius_m=2_500)
    assert "RQ2" not in {i.code for i in wide.unmatched}
    # A window that stops before the imagery after RQ1 leaves it unassessed, not unmatched.
    short = incidents_without_destruction(days_after=5)
    assert {i.code for i in short.not_assessed} >= {"RQ1", "RQ2"}
    assert not short.unmatched


def test_stats_json_damage_key_against_hand_counts(in_process_database: str,
                                                   tmp_path: Path) -> None:
    from civharm.services.damage import import_damage
    from civharm.services.figures import stats_json

    assert "damage" not in stats_json()  # no observations yet
    import_damage(_files(tmp_path)[1])
    damage = stats_json()["damage"]
    assert isinstance(damage, dict)
    # 2017-09-20: A destroyed, B moderate, C severe, D none.
    assert damage["product"] == "UNOSAT"
    assert damage["observed_on"] == date(2017, 9, 20).isoformat()
    assert (damage["assessed"], damage["damaged"], damage["destroyed"], damage["severe"]) == \
        (4, 3, 1, 1)
    assert damage["damaged_share"] == 0.75
    assert damage["destroyed_share"] == 0.25
    assert damage["destroyed_or_severe_share"] == 0.5
    assert "(destroyed + severe) / assessed" in str(damage["definition"])


def test_damage_unmatched_and_stats_commands(fresh_database_url: str, tmp_path: Path) -> None:
    db = fresh_database_url
    incidents, damage = _files(tmp_path)
    civharm("init", db=db, check=True)
    civharm("import", str(incidents), db=db, check=True)
    plain = civharm("stats", db=db, check=True).stdout
    assert "sites assessed" not in plain
    civharm("damage", "import", str(damage), db=db, check=True)

    listed = json.loads(civharm("damage", "unmatched", "--json", db=db, check=True).stdout)
    assert [i["code"] for i in listed["unmatched"]] == ["RQ2"]
    assert sorted(i["code"] for i in listed["not_assessed"]) == ["RQ3", "RQ4"]
    assert listed["radius_m"] == 500 and listed["days_before"] == 14
    text = civharm("damage", "unmatched", db=db, check=True).stdout
    assert "for a second look" in text and "RQ2" in text and "not assessed" in text.lower()

    stats = civharm("stats", db=db, check=True).stdout
    assert "4 sites assessed on 2017-09-20" in stats
    assert "75% damaged, 25% destroyed, 50% destroyed or severe" in stats
