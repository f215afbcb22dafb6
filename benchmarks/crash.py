"""Kill harness: SIGKILL ``civharm evidence add`` and ``civharm import`` at random points,
many times, and check that nothing is ever half-done.

    python benchmarks/crash.py                   # 100 runs of each on SQLite
    python benchmarks/crash.py --runs 20         # fewer
    python benchmarks/crash.py --backend postgresql
    python benchmarks/run.py --only crash        # the same, through the benchmark runner

Evidence: each run starts from an empty store and a fresh copy of an initialised database,
adds a batch of files, and is killed at a random moment while writing (the window adapts to
the machine). Then ``civharm verify --json`` must report no missing, altered or stray file,
an intact audit chain and a sound database, at most one orphan (a file of the batch whose
row had not committed) and no row without its bytes; re-running the add must complete with
every file recorded once and one ``evidence.add`` entry each.

Imports: each run imports a large file set into a fresh database and is killed at a random
moment after the import announces it is writing. The database must pass its integrity
checks and hold either nothing of the files or all of them; re-running the import must
complete, and a second re-run must change nothing.

Seeded: the same --seed gives the same files and the same kill delays (what a kill hits
still depends on the machine's speed).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import pgserver  # noqa: E402  (beside this file, which is run as a script)

FILES = 12
FILE_BYTES = 1_000_000
INCIDENTS = 200
VICTIMS = 10_000

AFTER_KILL = """
import sys
from civharm.cli.main import app
db, *files = sys.argv[1:]
code = app(["--db", db, "verify", "--json"], standalone_mode=False)
print(f"verify exit {code or 0}", flush=True)
code = app(["--db", db, "evidence", "add", *files], standalone_mode=False)
print(f"add exit {code or 0}", flush=True)
"""


@dataclass(slots=True)
class Tally:
    """What the kills of one harness hit, and what went wrong."""

    name: str
    backend: str
    runs: int = 0
    mid_write: int = 0
    finished_first: int = 0
    temporaries_left: int = 0
    orphans_left: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _environment(**extra: str) -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "200", **extra}
    env.pop("CIVHARM_DEBUG", None)
    return env


def _civharm(db: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "civharm", "--db", db, *args],
                          capture_output=True, text=True, env=env, timeout=600, cwd=ROOT)


def _start(db: str, args: list[str], marker: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """Start a command; return once it prints ``marker`` at the start of a line on stderr."""
    process = subprocess.Popen([sys.executable, "-m", "civharm", "--db", db, *args],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               env=env, cwd=ROOT)
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith(marker):
            return process
    raise RuntimeError(f"civharm {args[0]} never started: exit status {process.wait()}")


def _kill(process: subprocess.Popen[str]) -> bool:
    """SIGKILL it; whether it was still running."""
    running = process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    if process.stderr is not None:
        process.stderr.close()
    return running


# ---------------------------------------------------------------------------------------
# Fresh databases: copies of one initialised database


class Databases:
    """Hands out fresh, initialised databases quickly: a copy of a template file on SQLite,
    CREATE DATABASE … TEMPLATE on PostgreSQL."""

    def __init__(self, backend: str, folder: Path, server_url: str | None) -> None:
        self.backend = backend
        self.folder = folder
        self.server_url = server_url
        self.made: list[str] = []
        self.template = self._template()

    def _template(self) -> str:
        env = _environment()
        if self.backend == "sqlite":
            path = str(self.folder / "template.db")
        else:
            path = self._create(f"civharm_crash_tpl_{uuid.uuid4().hex[:8]}")
        done = _civharm(path, "init", env=env)
        if done.returncode != 0:
            raise RuntimeError(f"civharm init failed: {done.stderr.strip()}")
        return path

    def _create(self, name: str, template: str | None = None) -> str:
        import psycopg

        assert self.server_url is not None
        clause = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"{clause}')
        self.made.append(name)
        return pgserver.with_database(self.server_url, name)

    def fresh(self) -> str:
        if self.backend == "sqlite":
            path = self.folder / f"run-{uuid.uuid4().hex[:8]}.db"
            shutil.copyfile(self.template, path)
            return str(path)
        return self._create(f"civharm_crash_{uuid.uuid4().hex[:8]}",
                            self.template.rsplit("/", 1)[1])

    def drop(self, url: str) -> None:
        if self.backend == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(url + suffix).unlink(missing_ok=True)
            return
        import psycopg

        name = url.rsplit("/", 1)[1]
        assert self.server_url is not None
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        if self.backend == "postgresql":
            for name in reversed(self.made):
                self.drop(pgserver.with_database(str(self.server_url), name))


def _query(backend: str, db: str, sql: str) -> tuple[Any, ...]:
    if backend == "sqlite":
        import sqlite3

        with sqlite3.connect(db) as conn:
            if conn.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                raise AssertionError("PRAGMA integrity_check failed")
            if conn.execute("PRAGMA foreign_key_check").fetchall():
                raise AssertionError("PRAGMA foreign_key_check found dangling rows")
            row = conn.execute(sql).fetchone()
    else:
        import psycopg

        with psycopg.connect(db) as conn:
            row = conn.execute(sql).fetchone()
    assert row is not None
    return tuple(row)


# ---------------------------------------------------------------------------------------
# Evidence writes


def _batch(folder: Path, run: int, rng: random.Random) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    block = rng.randbytes(FILE_BYTES)
    paths = []
    for n in range(FILES):
        path = folder / f"run{run:03d}-{n:02d}.bin"
        path.write_bytes(f"run {run} file {n}\n".encode() + block)
        paths.append(str(path))
    return paths


EVIDENCE_ROWS = ("SELECT (SELECT count(*) FROM civharm_evidencefile),"
                 " (SELECT count(*) FROM civharm_evidencefile WHERE NOT stored),"
                 " (SELECT count(*) FROM civharm_auditentry WHERE action = 'evidence.add')")


def evidence_run(run: int, databases: Databases, work: Path, rng: random.Random,
                 window: float, tally: Tally) -> float:
    """One killed add and its checks; returns the next kill window."""
    db = databases.fresh()
    store = work / f"store-{run}"
    env = _environment(CIVHARM_EVIDENCE_DIR=str(store))
    files = _batch(work / "files", run, rng)
    shas = {hashlib.sha256(Path(f).read_bytes()).hexdigest() for f in files}
    try:
        process = _start(db, ["evidence", "add", *files], "reading", env)
        time.sleep(rng.uniform(0.0, window))
        _kill(process)
        stored, not_stored, added = _query(databases.backend, db, EVIDENCE_ROWS)
        if not_stored or added != stored:
            raise AssertionError(f"after the kill: {stored} rows, {not_stored} not stored, "
                                 f"{added} add entries")
        helper = subprocess.run([sys.executable, "-c", AFTER_KILL, db, *files],
                                capture_output=True, text=True, env=env, timeout=600, cwd=ROOT)
        lines = helper.stdout.splitlines()
        if "add exit 0" not in lines:
            raise AssertionError(f"the re-run failed: {helper.stderr.strip()[-300:]}")
        report = json.loads(lines[0])
        for finding in ("missing", "altered", "strays", "database_problems"):
            if report[finding]:
                raise AssertionError(f"verify found {finding}: {report[finding]}")
        if report["audit_problem"]:
            raise AssertionError(f"audit chain: {report['audit_problem']}")
        if not set(report["orphans"]) <= shas or len(report["orphans"]) > 1:
            raise AssertionError(f"unexpected orphans: {report['orphans']}")
        if stored == FILES:
            tally.finished_first += 1
            window *= 0.75
        else:
            tally.mid_write += 1
            tally.temporaries_left += bool(report["temporaries"])
            tally.orphans_left += bool(report["orphans"])
        final = _query(databases.backend, db, EVIDENCE_ROWS)
        if final != (FILES, 0, FILES):
            raise AssertionError(f"after the re-run: {final}, expected {(FILES, 0, FILES)}")
    except (AssertionError, RuntimeError, json.JSONDecodeError, IndexError) as error:
        tally.failures.append(f"run {run}: {error}")
    finally:
        for path in files:
            Path(path).unlink(missing_ok=True)
        shutil.rmtree(store, ignore_errors=True)
        databases.drop(db)
    return window


def evidence_harness(runs: int, databases: Databases, work: Path, seed: int) -> Tally:
    tally = Tally("evidence add", databases.backend)
    rng = random.Random(seed)
    started = time.perf_counter()
    # One full add to learn how long writing a batch takes here.
    db = databases.fresh()
    files = _batch(work / "files", 0, rng)
    env = _environment(CIVHARM_EVIDENCE_DIR=str(work / "store-0"))
    process = _start(db, ["evidence", "add", *files], "reading", env)
    began = time.monotonic()
    process.wait(timeout=600)
    window = 0.7 * (time.monotonic() - began)  # the measured time includes the exit
    databases.drop(db)
    for run in range(1, runs + 1):
        window = evidence_run(run, databases, work, rng, window, tally)
        tally.runs += 1
        if run % 10 == 0:
            _log(f"  evidence: {run}/{runs} runs, {tally.mid_write} mid-write, "
                 f"{len(tally.failures)} failures")
    tally.seconds = time.perf_counter() - started
    return tally


# ---------------------------------------------------------------------------------------
# Imports (as tests/test_crash.py, repeated)


def write_import_files(folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "incidents.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "date", "place"])
        for n in range(INCIDENTS):
            writer.writerow([f"RQ{n:05d}", "2017-07-01", "Raqqa"])
    with (folder / "sources.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source_id", "kind"])
        writer.writerow(["LIST-A", "casualty_list"])
    with (folder / "victims.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["victim_id", "incident", "name", "name_ar", "age", "sources"])
        for n in range(VICTIMS):
            writer.writerow([f"V{n:06d}", f"RQ{n % INCIDENTS:05d}", f"Person {n}", "محمد",
                             n % 90, "LIST-A"])
    return [str(folder / name) for name in ("incidents.csv", "sources.csv", "victims.csv")]


IMPORT_ROWS = ("SELECT (SELECT count(*) FROM civharm_victim),"
               " (SELECT count(*) FROM civharm_incident),"
               " (SELECT count(*) FROM civharm_importbatch)")


def import_harness(runs: int, databases: Databases, work: Path, seed: int) -> Tally:
    tally = Tally("import", databases.backend)
    rng = random.Random(seed + 1)
    files = write_import_files(work / "import")
    whole = (VICTIMS, INCIDENTS, 3)
    env = _environment()
    started = time.perf_counter()
    db = databases.fresh()
    process = _start(db, ["import", *files], "writing", env)
    began = time.monotonic()
    process.wait(timeout=600)
    window = time.monotonic() - began
    databases.drop(db)
    for run in range(1, runs + 1):
        tally.runs += 1
        db = databases.fresh()
        try:
            process = _start(db, ["import", *files], "writing", env)
            time.sleep(rng.uniform(0.0, window))
            running = _kill(process)
            after = _query(databases.backend, db, IMPORT_ROWS)
            if after == (0, 0, 0) and running:
                tally.mid_write += 1
            elif after == whole:
                tally.finished_first += 1
                window *= 0.8
            else:
                raise AssertionError(f"half an import is visible: {after}")
            done = _civharm(db, "import", *files, env=env)
            if done.returncode != 0 or _query(databases.backend, db, IMPORT_ROWS) != whole:
                raise AssertionError(f"the re-run did not complete: {done.stderr.strip()[-300:]}")
            again = _civharm(db, "import", *files, env=env)
            if "Nothing changed" not in again.stdout or _query(
                    databases.backend, db, IMPORT_ROWS) != whole:
                raise AssertionError("a second re-run changed something")
        except (AssertionError, RuntimeError) as error:
            tally.failures.append(f"run {run}: {error}")
        finally:
            databases.drop(db)
        if run % 10 == 0:
            _log(f"  import: {run}/{runs} runs, {tally.mid_write} mid-write, "
                 f"{len(tally.failures)} failures")
    tally.seconds = time.perf_counter() - started
    return tally


# ---------------------------------------------------------------------------------------


@contextmanager
def _server(backend: str) -> Iterator[str | None]:
    if backend == "sqlite":
        yield None
        return
    with pgserver.database() as target:
        yield target.url


def benchmark(runs: int, backends: list[str], seed: int,
              harnesses: list[str]) -> dict[str, Any]:
    tallies: list[Tally] = []
    skipped: dict[str, str] = {}
    chosen: dict[str, Callable[[int, Databases, Path, int], Tally]] = {
        "evidence": evidence_harness, "import": import_harness}
    for backend in backends:
        try:
            with _server(backend) as server, tempfile.TemporaryDirectory(
                    prefix="civharm-crash-") as temp:
                databases = Databases(backend, Path(temp), server)
                try:
                    for name in harnesses:
                        _log(f"… {name} on {backend}: {runs} killed runs")
                        tallies.append(chosen[name](runs, databases, Path(temp), seed))
                finally:
                    databases.close()
        except pgserver.Unavailable as error:
            skipped[backend] = str(error)
            _log(f"  {backend} skipped: {error}")
    return {"runs": runs, "seed": seed, "tallies": [asdict(t) for t in tallies],
            "skipped": skipped}


def show(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="civharm kill harness (SIGKILL at random points)")
    for column in ("harness", "backend", "runs", "killed mid-write", "finished first",
                   "temp left", "orphan left", "failures", "seconds"):
        table.add_column(column, justify="left" if column in ("harness", "backend") else "right")
    for tally in results["tallies"]:
        table.add_row(tally["name"], tally["backend"], str(tally["runs"]),
                      str(tally["mid_write"]), str(tally["finished_first"]),
                      str(tally["temporaries_left"]) if tally["name"] != "import" else "",
                      str(tally["orphans_left"]) if tally["name"] != "import" else "",
                      str(len(tally["failures"])), f"{tally['seconds']:.0f}",
                      style="red" if tally["failures"] else None)
    console.print(table)
    for tally in results["tallies"]:
        for failure in tally["failures"][:20]:
            console.print(f"[red]{tally['name']} on {tally['backend']}:[/red] {failure}",
                          markup=True, highlight=False)
    for backend, reason in results["skipped"].items():
        console.print(f"[yellow]{backend} skipped:[/yellow] {reason}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, help="killed runs per harness (default 100 × scale)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply the default number of runs (100)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--only", choices=("evidence", "import"),
                        help="one harness instead of both")
    parser.add_argument("--seed", type=int, default=20170606)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    runs = args.runs if args.runs is not None else max(1, round(100 * args.scale))
    if runs < 1:
        parser.error("--runs must be at least 1")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    harnesses = [args.only] if args.only else ["evidence", "import"]
    results = benchmark(runs, backends, args.seed, harnesses)
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        show(results)
    return 1 if any(t["failures"] for t in results["tallies"]) else 0


if __name__ == "__main__":
    sys.exit(main())
