"""`civharm estimate mse TABLE.csv`: the CLI contract, on tables with known answers."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import civharm

KEYS = {"observed", "estimate", "lower", "upper", "method", "lists", "warnings"}


def write(tmp_path: Path, text: str, name: str = "table.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_two_lists_give_the_lincoln_petersen_answer(tmp_path: Path) -> None:
    # 100 on list a, 80 on list b, 40 on both: the independence estimate is 100 * 80 / 40.
    table = write(tmp_path, "a,b,count\n1,0,60\n0,1,40\n1,1,40\n")
    shown = civharm("estimate", "mse", str(table), "--method", "loglinear", "--json", check=True)
    result = json.loads(shown.stdout)
    assert set(result) >= KEYS
    assert result["method"] == "loglinear" and result["lists"] == ["a", "b"]
    assert result["observed"] == 140
    assert abs(result["estimate"] - 200.0) < 1e-6
    assert result["lower"] <= 200.0 <= result["upper"]


def test_lcmcr_is_the_default_seeded_and_shown_beside_loglinear(tmp_path: Path) -> None:
    table = write(tmp_path, "field,monitor,media,count\n1,0,0,300\n0,1,0,250\n0,0,1,120\n"
                            "1,1,0,90\n1,0,1,40\n0,1,1,35\n1,1,1,20\n")
    first = json.loads(civharm("estimate", "mse", str(table), "--seed", "7", "--json", check=True).stdout)
    again = json.loads(civharm("estimate", "mse", str(table), "--seed", "7", "--json", check=True).stdout)
    assert first == again
    assert first["method"] == "lcmcr"
    assert first["observed"] == 855 <= first["lower"] <= first["estimate"] <= first["upper"]
    assert [c["method"] for c in first["compared"]] == ["loglinear"]
    text = civharm("estimate", "mse", str(table), check=True).stdout
    assert "855 people documented on 3 lists" in text
    assert "beside it, loglinear" in text


def test_a_bad_table_is_refused_line_by_line(tmp_path: Path) -> None:
    table = write(tmp_path, "a,b,count\n1,0,x\n0,0,3\n")
    refused = civharm("estimate", "mse", str(table))
    assert refused.returncode == 1
    assert "table.csv: line 2, column 'count'" in refused.stderr
    assert "table.csv: line 3" in refused.stderr
    assert "nothing estimated" in refused.stderr
    assert "Traceback" not in refused.stderr
    missing = civharm("estimate", "mse", str(tmp_path / "nope.csv"))
    assert missing.returncode == 1 and "no such file" in missing.stderr
    wrong = civharm("estimate", "mse", str(table), "--method", "bayes")
    assert wrong.returncode == 1 and "--method must be one of" in wrong.stderr


def test_the_capture_prior_is_a_choice_that_is_said_and_kept(tmp_path: Path) -> None:
    table = write(tmp_path, "field,monitor,media,count\n1,0,0,300\n0,1,0,250\n0,0,1,120\n"
                            "1,1,0,90\n1,0,1,40\n0,1,1,35\n1,1,1,20\n")
    leaning = json.loads(civharm("estimate", "mse", str(table), "--json", check=True).stdout)
    flat = json.loads(civharm("estimate", "mse", str(table), "--capture-prior", "1,1",
                              "--json", check=True).stdout)
    assert leaning["details"]["settings"]["capture_prior"] == {"a": 0.5, "b": 1.0}
    assert flat["details"]["settings"]["capture_prior"] == {"a": 1.0, "b": 1.0}
    assert leaning["estimate"] != flat["estimate"]
    text = civharm("estimate", "mse", str(table), "--capture-prior", "1,1", check=True).stdout
    assert "Beta(1, 1), not the default Beta(0.5, 1)" in text
    assert "not the default" not in civharm("estimate", "mse", str(table), check=True).stdout
    assert "not the default" not in civharm("estimate", "mse", str(table), "--capture-prior", "0.5,1",
                                            check=True).stdout
    for bad in ("1", "a,b", "0,1", "1,-2", "nan,1", "1,2,3"):
        refused = civharm("estimate", "mse", str(table), "--capture-prior", bad)
        assert refused.returncode == 1 and "--capture-prior" in refused.stderr, bad
        assert "Traceback" not in refused.stderr
