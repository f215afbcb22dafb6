"""``civharm link victims``: the standalone contract on fresh lists. No database is used."""

from __future__ import annotations

import csv
from pathlib import Path

from conftest import civharm

FIELD = """source,record_id,name,sex,age,date_of_death,place
field,F1,محمد عبد الكريم الحسن,male,34,2017-06-06,البريد
field,F2,أحمد محمد الحسن,male,8,2017-06-06,البريد
field,F3,علي محمد الحسن,male,5,2017-06-06,البريد
field,F4,هند خالد العلي,female,41,2017-06-09,الفردوس
field,F5,هند خالد العلي,female,41,2017-06-09,الفردوس
"""
MONITOR = """source,record_id,name,sex,age,date_of_death,place
monitor,M1,Mohammed Abdulkarim al-Hassan,M,35,2017-06-06,al-Bareed
monitor,M2,Ahmad Mohammed al-Hassan,M,8,2017-06-06,al-Bareed
monitor,M3,Ali Mohammed al-Hassan,M,5,,
news,N1,Mohamad Abdel Karim el-Hasan,,,,
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_lists_in_two_scripts_become_persons_and_a_model_can_be_reused(tmp_path: Path) -> None:
    field, monitor = write(tmp_path, "field.csv", FIELD), write(tmp_path, "monitor.csv", MONITOR)
    out, model = tmp_path / "clusters.csv", tmp_path / "model.json"
    result = civharm("link", "victims", str(field), str(monitor), "--out", str(out),
                     "--save-model", str(model), check=True)
    rows = read_rows(out)
    assert list(rows[0]) == ["source", "record_id", "person_id"]
    # One row per input record, in input order.
    assert [(r["source"], r["record_id"]) for r in rows] == [
        ("field", "F1"), ("field", "F2"), ("field", "F3"), ("field", "F4"), ("field", "F5"),
        ("monitor", "M1"), ("monitor", "M2"), ("monitor", "M3"), ("news", "N1")]
    person = {r["record_id"]: r["person_id"] for r in rows}
    assert person["F1"] == person["M1"] == person["N1"]
    assert person["F2"] == person["M2"] != person["F1"]
    assert person["F3"] == person["M3"] != person["F2"]
    # A duplicate within one list is found too.
    assert person["F4"] == person["F5"]
    assert len(set(person.values())) == 4
    assert "9 records from 3 list(s) into 4 persons" in result.stdout
    assert "Traceback" not in result.stderr

    again = tmp_path / "again.csv"
    civharm("link", "victims", str(field), str(monitor), "--out", str(again), "--model", str(model),
            "--threshold", "0.7", check=True)
    assert read_rows(again) == rows


def test_bad_input_is_one_plain_line_naming_file_and_line(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.csv",
                "source,record_id,name,age\nfield,1,Ali al-Hasan,8\nfield,2,Umar,eight\n")
    out = tmp_path / "out.csv"
    result = civharm("link", "victims", str(bad), "--out", str(out))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error:") and "bad.csv, line 3, column 'age'" in last and "eight" in last
    assert not out.exists()

    headless = write(tmp_path, "headless.csv", "who,what\nx,y\n")
    result = civharm("link", "victims", str(headless), "--out", str(out))
    assert result.returncode == 1 and "lacks columns source, record_id, name" in result.stderr
    result = civharm("link", "victims", str(bad), "--out", str(out), "--threshold", "1.5")
    assert result.returncode == 1 and "--threshold 1.5 must be between 0 and 1" in result.stderr
    result = civharm("link", "victims", str(tmp_path / "missing.csv"), "--out", str(out))
    assert result.returncode == 1 and "missing.csv" in result.stderr
    assert not out.exists()
