"""The civharm command as a user meets it: setup, adding records, and bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import civharm, rename_table


def test_init_creates_then_reports_up_to_date(fresh_database_url: str) -> None:
    first = civharm("init", db=fresh_database_url, check=True)
    assert "applied" in first.stdout
    second = civharm("init", db=fresh_database_url, check=True)
    assert "already up to date" in second.stdout


def test_add_list_show_an_incident_with_arabic_place(fresh_database_url: str) -> None:
    db = fresh_database_url
    civharm("init", db=db, check=True)
    civharm("incident", "add", "--code", "RQ0001", "--date", "2017-06-30", "--place", "Raqqa",
            "--place-ar", "الرقة", "--lat", "35.95", "--lon", "39.01",
            "--precision", "neighbourhood", "--strike-type", "air", db=db, check=True)
    listed = civharm("incident", "list", "--json", db=db, check=True)
    row = json.loads(listed.stdout.strip())
    assert row["code"] == "RQ0001"
    assert row["place_ar"] == "الرقة"
    shown = civharm("incident", "show", "RQ0001", "--json", db=db, check=True)
    detail = json.loads(shown.stdout)
    assert detail["incident"]["geo_precision"] == "neighbourhood"
    assert detail["incident"]["strike_type"] == "air"


def test_grade_keeps_history(fresh_database_url: str) -> None:
    db = fresh_database_url
    civharm("init", db=db, check=True)
    civharm("incident", "add", "--code", "RQ0002", "--date", "2017-07", "--place", "Raqqa",
            db=db, check=True)
    civharm("incident", "grade", "RQ0002", "--grade", "weak", "--reason", "one source",
            "--by", "analyst-a", db=db, check=True)
    civharm("incident", "grade", "RQ0002", "--grade", "fair", "--reason", "a second source",
            "--by", "analyst-b", db=db, check=True)
    detail = json.loads(civharm("incident", "show", "RQ0002", "--json", db=db, check=True).stdout)
    assert [a["grade"] for a in detail["assessments"]] == ["fair", "weak"]
    assert detail["incident"]["date"] == "2017-07"


def _no_traceback(result) -> None:  # type: ignore[no-untyped-def]
    assert "Traceback" not in result.stderr + result.stdout
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith("error:")


def test_bad_input_is_one_plain_line_and_changes_nothing(fresh_database_url: str) -> None:
    db = fresh_database_url
    civharm("init", db=db, check=True)
    bad_date = civharm("incident", "add", "--code", "RQ9", "--date", "2017-02-30",
                       "--place", "Raqqa", db=db)
    _no_traceback(bad_date)
    assert "2017-02-30" in bad_date.stderr
    unknown = civharm("incident", "show", "NOPE", db=db)
    _no_traceback(unknown)
    assert "NOPE" in unknown.stderr
    missing_file = civharm("import", "does-not-exist.csv", db=db)
    _no_traceback(missing_file)
    assert "no such file" in missing_file.stderr
    claim_on_unknown = civharm("claim", "add", "--incident", "RQ404", "--source", "S1",
                               "--killed-min", "3", db=db)
    _no_traceback(claim_on_unknown)
    stats = json.loads(civharm("stats", "--json", db=db, check=True).stdout)
    assert stats["incidents"] == 0


def test_wrong_database_url_is_explained(tmp_path) -> None:  # type: ignore[no-untyped-def]
    unsupported = civharm("stats", db="mysql://x@y/z")
    _no_traceback(unsupported)
    assert "unsupported database scheme" in unsupported.stderr
    refused = civharm("stats", db="postgresql://nobody@127.0.0.1:1/none")
    _no_traceback(refused)
    assert "cannot open the database" in refused.stderr
    absent = civharm("stats", db=str(tmp_path / "absent.db"))
    _no_traceback(absent)
    assert "civharm init" in absent.stderr
    assert not (tmp_path / "absent.db").exists()


def test_database_from_environment(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "from-env.db"
    civharm("init", env={"CIVHARM_DATABASE_URL": str(path)}, check=True)
    assert path.exists()


def test_an_unexpected_failure_shows_an_error_id_and_no_sql(fresh_database_url: str,
                                                            tmp_path: Path) -> None:
    db = fresh_database_url
    civharm("init", db=db, check=True)
    rename_table(db, "civharm_incident", "civharm_incident_gone")
    log = tmp_path / "failures.log"
    failed = civharm("incident", "list", db=db, env={"CIVHARM_LOG_FILE": str(log)})
    assert failed.returncode == 70
    shown = failed.stdout + failed.stderr
    assert "Traceback" not in shown and "civharm_incident" not in shown
    assert "SELECT" not in shown and "relation" not in shown and "no such table" not in shown
    error_id = re.search(r"error id (E-[0-9A-F]{8})", failed.stderr)
    assert error_id is not None, failed.stderr
    # The administrator finds the details under the same id, in a file only they can read.
    kept = log.read_text(encoding="utf-8")
    assert error_id.group(1) in kept and "Traceback" in kept and "civharm_incident" in kept
    assert log.stat().st_mode & 0o077 == 0
    # Without a log file, the user is told how to keep the details.
    again = civharm("incident", "list", db=db)
    assert "CIVHARM_LOG_FILE" in again.stderr and "Traceback" not in again.stderr
