"""``civharm demo``: a fresh database built from the simulated campaign, labelled everywhere.

Runs on both backends through the conftest fixtures, as a user would, in subprocesses.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

from civharm.services.demo import DEFAULT_DATABASE, data_dir_for
from civharm.simulation.evaluation import NOT_BUILT, Truth, evaluate
from conftest import civharm, free_port, serving

LABEL = "SIMULATED DATA"


def totals_of(data_dir: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((data_dir / "truth" / "totals.json").read_text("utf-8"))
    return loaded


def test_demo_builds_a_simulated_database_labelled_in_every_output(
        fresh_database_url: str, tmp_path: Path) -> None:
    db, data = fresh_database_url, tmp_path / "data"
    built = civharm("demo", "--no-serve", "--scale", "0.2", "--data-dir", str(data), db=db,
                    check=True)
    assert LABEL in built.stdout
    assert "not built yet" not in built.stdout  # nothing was to be served
    totals = totals_of(data)

    figures = json.loads(civharm("stats", "--json", db=db, check=True).stdout)
    assert figures["simulated"] is True and figures["label"] == LABEL
    assert figures["incidents"] == totals["reported_incidents"]
    assert 40 <= figures["incidents"] <= 80
    assert figures["witnesses"] == totals["witness_interviews"] >= 80
    assert figures["named_victims"] >= totals["true_documented"] >= 150
    assert 0 < figures["killed_min"] <= figures["killed_max"]
    assert figures["killed_min"] <= totals["true_civilian_deaths"] * 1.2
    assert figures["strike_locations"] >= 40
    # Verdicts come from the report texts: only the entries the linker could tie to one
    # incident count, so the concession read is part of the one the reports state.
    assert 0 < figures["conceded"]["US-led Coalition"]["min"] <= totals["conceded_deaths"]

    assert LABEL in civharm("stats", db=db, check=True).stdout
    civharm("export", "--format", "csv", str(tmp_path / "csv"), db=db, check=True)
    notice = tmp_path / "csv" / "SIMULATED-DATA.txt"
    assert LABEL in notice.read_text("utf-8")
    assert all(p.name.startswith("SIMULATED-DATA") for p in (tmp_path / "csv").iterdir())
    civharm("export", "--format", "json", str(tmp_path / "out.json"), db=db, check=True)
    document = json.loads((tmp_path / "out.json").read_text("utf-8"))
    assert document["simulated"] == LABEL
    assert not any(s["kind"] == "witness_interview" for s in document["sources"])
    civharm("export", "--format", "geojson", str(tmp_path / "out.geojson"), db=db, check=True)
    collection = json.loads((tmp_path / "out.geojson").read_text("utf-8"))
    assert collection["simulated"] == LABEL
    assert collection["features"]
    assert all(f["properties"]["simulated"] == LABEL for f in collection["features"])

    scored = civharm("demo", "evaluate", "--data-dir", str(data), db=db, check=True)
    assert LABEL in scored.stdout
    assert "true incidents covered" in scored.stdout
    assert f"{totals['true_civilian_deaths']:,} killed" in scored.stdout
    # Matching, grading suggestions, victim linkage and estimation run in the demo and are
    # scored, and so are the damage classes and the volunteers' destruction windows.
    assert scored.stdout.count("not built yet") == len(NOT_BUILT) - 4 == 0
    assert "damage assessments" in scored.stdout and "damage dating" in scored.stdout
    assert "victim linkage" in scored.stdout and "MSE estimation" in scored.stdout
    assert "suggested grade equals the true grade" in scored.stdout
    assert re.search(r"\d+ right, 0 wrong, \d+ left unlinked", scored.stdout.replace("\n", " "))


def test_demo_serves_the_web_app_after_building(fresh_database_url: str, tmp_path: Path) -> None:
    port = free_port()
    with serving("demo", "--scale", "0.05", "--port", str(port), "--data-dir",
                 str(tmp_path / "data"), db=fresh_database_url) as (address, printed):
        assert address == f"http://127.0.0.1:{port}/"
        assert LABEL in printed
        with urllib.request.urlopen(address) as response:
            page = response.read().decode("utf-8")
        assert response.status == 200 and "SIMULATED DATA" in page
        with urllib.request.urlopen(address + "?lang=ar") as response:
            assert 'dir="rtl"' in response.read().decode("utf-8")


def test_demo_rebuilds_its_own_database_from_scratch(fresh_database_url: str, tmp_path: Path
                                                     ) -> None:
    db = fresh_database_url
    civharm("demo", "--no-serve", "--scale", "0.05", "--seed", "1", "--data-dir",
            str(tmp_path / "one"), db=db, check=True)
    civharm("demo", "--no-serve", "--scale", "0.1", "--seed", "2", "--data-dir",
            str(tmp_path / "two"), db=db, check=True)
    figures = json.loads(civharm("stats", "--json", db=db, check=True).stdout)
    assert figures["simulated"] is True
    assert figures["incidents"] == totals_of(tmp_path / "two")["reported_incidents"]


def test_demo_refuses_a_database_that_is_not_simulated(fresh_database_url: str, tmp_path: Path
                                                       ) -> None:
    db = fresh_database_url
    civharm("init", db=db, check=True)
    civharm("incident", "add", "--code", "REAL1", "--date", "2017-06-30", "--place", "Raqqa",
            db=db, check=True)
    refused = civharm("demo", "--no-serve", "--scale", "0.05", "--data-dir",
                      str(tmp_path / "data"), db=db)
    assert refused.returncode == 1
    assert "not marked simulated" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "data").exists()
    figures = json.loads(civharm("stats", "--json", db=db, check=True).stdout)
    assert figures["incidents"] == 1 and "simulated" not in figures
    evaluated = civharm("demo", "evaluate", "--data-dir", str(tmp_path / "data"), db=db)
    assert evaluated.returncode == 1 and "truth" in evaluated.stderr


def test_demo_defaults_to_its_own_database_beside_its_data(tmp_path: Path) -> None:
    """Without --db the demo uses ./civharm-demo.db, never $CIVHARM_DATABASE_URL."""
    elsewhere = tmp_path / "real.db"
    env = {**os.environ, "CIVHARM_DATABASE_URL": str(elsewhere), "COLUMNS": "200"}
    env.pop("CIVHARM_DEBUG", None)
    done = subprocess.run([sys.executable, "-m", "civharm", "demo", "--no-serve", "--scale",
                           "0.05"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / DEFAULT_DATABASE).is_file()
    assert (tmp_path / "civharm-demo-data" / "SIMULATED-DATA.txt").is_file()
    assert not elsewhere.exists()


def test_generate_writes_the_same_files_for_the_same_seed(tmp_path: Path) -> None:
    for name in ("a", "b"):
        made = civharm("demo", "generate", str(tmp_path / name), "--scale", "0.05", "--seed",
                       "3", check=True)
        assert LABEL in made.stdout
    first = {p.relative_to(tmp_path / "a"): p.read_bytes()
             for p in (tmp_path / "a").rglob("*") if p.is_file()}
    second = {p.relative_to(tmp_path / "b"): p.read_bytes()
              for p in (tmp_path / "b").rglob("*") if p.is_file()}
    assert first == second
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine\n")
    refused = civharm("demo", "generate", str(tmp_path / "mine"), "--scale", "0.05")
    assert refused.returncode == 1 and "not written by the simulator" in refused.stderr


def test_data_folder_sits_beside_the_database(tmp_path: Path) -> None:
    assert data_dir_for(str(tmp_path / "civharm-demo.db")) == tmp_path / "civharm-demo-data"
    assert data_dir_for(str(tmp_path / "raqqa.db")) == tmp_path / "raqqa-demo-data"
    assert data_dir_for("postgresql://u@h/civharm_demo") == Path.cwd() / "civharm_demo-data"


def test_evaluation_scores_what_exists_and_lists_the_rest() -> None:
    truth = Truth(
        totals={"true_civilian_deaths": 100, "true_incidents": 10, "true_documented": 60,
                "true_deaths_by_belligerent": {"US-led Coalition": 90, "Russia": 10}},
        true_incident_of={"RQ1": "T1", "RQ2": "T1", "RQ3": "T2"},
    )
    figures = {"killed_min": 80, "killed_max": 120, "likely_deaths": 0, "likely_deaths_max": 0,
               "named_victims": 90, "incidents": 3, "ungraded_incidents": 3,
               "conceded": {"US-led Coalition": {"min": 9, "max": 9}}}
    scores = {(s.stage, s.measure): s for s in evaluate(truth, figures, ["RQ1", "RQ2", "RQ3"])}
    killed = scores[("documented counts", "civilians reported killed, lowest to highest")]
    assert killed.found == "80–120" and killed.score.startswith("range includes the truth")
    covered = scores[("incidents", "true incidents covered by a reported incident")]
    assert covered.found == "2" and covered.score == "20%"
    assert scores[("incidents", "reported incidents for the covered true incidents")].score \
        == "1 duplicate to merge"
    assert scores[("belligerent verdicts", "civilian deaths the coalition conceded")].score \
        == "10% conceded"
    unbuilt = [s for s in scores.values() if not s.built]
    assert {s.stage for s in unbuilt} == {stage for stage, _ in NOT_BUILT}
    assert all(s.score == "not built yet" and s.found == "" for s in unbuilt)


def test_importing_simulated_files_by_hand_marks_the_database(tmp_path, fresh_database_url):  # type: ignore[no-untyped-def]
    out = tmp_path / "campaign"
    civharm("demo", "generate", str(out), "--scale", "0.1", check=True)
    db = fresh_database_url
    civharm("init", db=db, check=True)
    civharm("import", str(out / "incidents.csv"), db=db, check=True)
    assert json.loads(civharm("stats", "--json", db=db, check=True).stdout)["simulated"] is True
