"""An import killed with SIGKILL leaves the database consistent; re-running completes it."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import civharm, counted

VICTIMS = 40_000


def write_big_files(folder: Path) -> list[str]:
    with (folder / "incidents.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "date", "place"])
        for n in range(400):
            writer.writerow([f"RQ{n:05d}", "2017-07-01", "Raqqa"])
    with (folder / "sources.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source_id", "kind"])
        writer.writerow(["LIST-A", "casualty_list"])
    with (folder / "victims.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["victim_id", "incident", "name", "name_ar", "age", "sources"])
        for n in range(VICTIMS):
            writer.writerow([f"V{n:06d}", f"RQ{n % 400:05d}", f"Person {n}", "محمد", n % 90,
                             "LIST-A"])
    return [str(folder / name) for name in ("incidents.csv", "sources.csv", "victims.csv")]


def counts(db: str) -> tuple[int, ...]:
    """Victims, incidents and import batches, read with a plain driver, not civharm."""
    return counted(db, "SELECT (SELECT count(*) FROM civharm_victim), (SELECT count(*) FROM "
                       "civharm_incident), (SELECT count(*) FROM civharm_importbatch)")


def start_import(db: str, files: list[str]) -> tuple[subprocess.Popen[str], float]:
    """Start an import and return once it announces that it is writing."""
    env = {**os.environ}
    env.pop("CIVHARM_DEBUG", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "civharm", "--db", db, "import", *files],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("writing"):
            return process, time.monotonic()
    raise AssertionError("the import never started writing")


@pytest.mark.slow
def test_sigkill_mid_import_leaves_nothing_half_done(tmp_path: Path, new_database) -> None:  # type: ignore[no-untyped-def]
    files = write_big_files(tmp_path)
    timing_db = new_database()
    civharm("init", db=timing_db, check=True)
    process, writing_since = start_import(timing_db, files)
    assert process.wait(timeout=300) == 0
    assert process.stderr is not None
    process.stderr.close()
    write_time = time.monotonic() - writing_since

    db = new_database()
    civharm("init", db=db, check=True)
    for fraction in (0.0, 0.25, 0.5):
        process, _ = start_import(db, files)
        time.sleep(write_time * fraction)
        finished_first = process.poll() is not None
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        assert process.stderr is not None
        process.stderr.close()
        found = counts(db)
        if finished_first or found != (0, 0, 0):
            # A loaded machine can finish, or commit and be killed on its way out, before
            # the kill lands; then the import must be whole.
            assert found == (VICTIMS, 400, 3), fraction
            break
        # Killed while writing: not one row of the files may be visible (checked above).
    civharm("import", *files, db=db, check=True)
    assert counts(db) == (VICTIMS, 400, 3)
    rerun = civharm("import", *files, db=db, check=True)
    assert "Nothing changed" in rerun.stdout
    assert counts(db) == (VICTIMS, 400, 3)
