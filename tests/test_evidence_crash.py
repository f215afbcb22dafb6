"""``civharm evidence add`` killed with SIGKILL at random points never leaves a row pointing
at a missing or partial file, and re-running it completes with no duplicate rows.

What a kill may leave, by design (docs/evidence.md): a temporary file in the store's tmp/
(killed while copying: not evidence, reported apart, swept by the next add or by
``civharm verify --remove-temp``) or one orphan file (killed between the rename and the
commit: complete bytes at their address with no row; ``civharm verify`` names it and the
re-run adopts it). Never a missing file, an altered file, a row without its bytes, or an
audit entry without its row.

After each kill, one helper process runs the real ``civharm verify --json`` and then
``civharm evidence add`` on the same batch, in-process one after the other (it saves a
second interpreter start per run; the commands are the same code a user runs).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from civharm.services.evidence import STALE_TEMP_SECONDS
from conftest import civharm, counted

RUNS = 10
FILES = 12
FILE_BYTES = 1_000_000
SEED = 20170606

AFTER_KILL = """
import sys
from civharm.cli.main import app
db, *files = sys.argv[1:]
code = app(["--db", db, "verify", "--json"], standalone_mode=False)
print(f"verify exit {code or 0}", flush=True)
code = app(["--db", db, "evidence", "add", *files], standalone_mode=False)
print(f"add exit {code or 0}", flush=True)
"""


def write_batch(folder: Path, run: int, rng: random.Random) -> list[str]:
    """FILES distinct files of FILE_BYTES (cheap to make: one random block, a distinct head)."""
    folder.mkdir(parents=True, exist_ok=True)
    block = rng.randbytes(FILE_BYTES)
    paths = []
    for n in range(FILES):
        path = folder / f"run{run:03d}-{n:02d}.bin"
        path.write_bytes(f"run {run} file {n}\n".encode() + block)
        paths.append(str(path))
    return paths


def environment(store: Path) -> dict[str, str]:
    env = {**os.environ, "CIVHARM_EVIDENCE_DIR": str(store), "COLUMNS": "200"}
    env.pop("CIVHARM_DEBUG", None)
    return env


def start_add(db: str, files: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """Start an add and return once it announces that it is reading the files."""
    process = subprocess.Popen(
        [sys.executable, "-m", "civharm", "--db", db, "evidence", "add", *files],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("reading"):
            return process
    raise AssertionError(f"the add never started: exit status {process.wait()}")


def rows(db: str) -> tuple[int, ...]:
    """Evidence rows, rows not stored, and evidence.add audit entries, read with a plain
    driver (and, on SQLite, the file's own integrity checks)."""
    return counted(db, "SELECT (SELECT count(*) FROM civharm_evidencefile),"
                       " (SELECT count(*) FROM civharm_evidencefile WHERE NOT stored),"
                       " (SELECT count(*) FROM civharm_auditentry WHERE action = 'evidence.add')")


def check_after_kill(report: dict[str, Any], batch_shas: set[str]) -> None:
    assert report["missing"] == [], report
    assert report["altered"] == [], report
    assert report["strays"] == [], report
    assert report["audit_problem"] == "" and report["database_problems"] == [], report
    # An orphan can only be a file of this batch whose row had not committed yet.
    assert set(report["orphans"]) <= batch_shas and len(report["orphans"]) <= 1, report


@pytest.mark.slow
def test_sigkill_mid_add_never_leaves_a_row_without_its_file(tmp_path: Path,
                                                             fresh_database_url: str) -> None:
    import hashlib

    db = fresh_database_url
    store = tmp_path / "store"
    env = environment(store)
    rng = random.Random(SEED)
    civharm("init", db=db, check=True)

    # A full add first, to learn how long writing a batch takes here.
    files = write_batch(tmp_path / "files", 0, rng)
    process = start_add(db, files, env)
    started = time.monotonic()
    assert process.wait(timeout=300) == 0
    write_time = time.monotonic() - started
    assert process.stderr is not None
    process.stderr.close()
    expected = FILES
    assert rows(db) == (expected, 0, expected)

    # Kill at a random moment within the writing; the window adapts to this machine, and
    # the runs go on until RUNS kills have landed mid-write (at most twice as many runs).
    landed = {"mid-write": 0, "temporary left": 0, "orphan left": 0, "after the last file": 0}
    window = 0.7 * write_time  # the measured time includes the process's exit
    last_kill = time.monotonic()
    run = 0
    while landed["mid-write"] < RUNS and run < 2 * RUNS:
        run += 1
        files = write_batch(tmp_path / "files", run, rng)
        shas = {hashlib.sha256(Path(f).read_bytes()).hexdigest() for f in files}
        process = start_add(db, files, env)
        time.sleep(rng.uniform(0.0, window))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        last_kill = time.monotonic()
        assert process.stderr is not None
        process.stderr.close()

        stored, not_stored, added = rows(db)
        assert not_stored == 0 and added == stored  # no row without its bytes and entry
        assert expected <= stored <= expected + FILES

        helper = subprocess.run([sys.executable, "-c", AFTER_KILL, db, *files],
                                capture_output=True, text=True, env=env, timeout=300)
        lines = helper.stdout.splitlines()
        assert "add exit 0" in lines, helper.stderr
        report = json.loads(lines[0])
        check_after_kill(report, shas)
        if stored == expected + FILES:
            landed["after the last file"] += 1
            window *= 0.75
        else:
            landed["mid-write"] += 1
            landed["temporary left"] += bool(report["temporaries"])
            landed["orphan left"] += bool(report["orphans"])

        # The re-run completed the batch: every file once, each with one add entry.
        expected += FILES
        assert rows(db) == (expected, 0, expected)
        for old in files:
            Path(old).unlink()

    # Whatever the kills left in tmp/ is swept, and the whole installation checks out.
    time.sleep(max(0.0, STALE_TEMP_SECONDS + 0.1 - (time.monotonic() - last_kill)))
    final = subprocess.run([sys.executable, "-m", "civharm", "--db", db, "verify", "--json",
                            "--remove-temp"], capture_output=True, text=True, env=env,
                           timeout=300)
    report = json.loads(final.stdout)
    assert final.returncode == 0 and report["ok"], report
    assert report["temporaries"] == [] and report["orphans"] == []
    assert report["checked"] == expected == (run + 1) * FILES
    print(f"{run} kills, a batch written in {write_time:.2f} s: {landed}")
    assert landed["mid-write"] == RUNS, landed
