"""Import benchmark: civharm on SQLite and PostgreSQL beside a bare csv + sqlite3 loader.

    python benchmarks/run.py               # every benchmark (what `make bench` runs)
    python benchmarks/run.py --only import # the import benchmark alone
    python benchmarks/run.py --json        # the same results, machine-readable
    python benchmarks/run.py --scale 0.1   # a tenth of the rows
    python benchmarks/run.py --only matching   # the strike-matching benchmark (matching.py)

It writes seeded CSV files (10,000 incidents, 2,000 sources, one claim per incident and
100,000 victims at scale 1) into a temporary folder, then runs every measured import in a
subprocess of its own (``--one``): Django is configured once per process, and each
child's peak memory is then its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import datagen  # noqa: E402  (beside this file, which is run as a script)
import peer  # noqa: E402
import pgserver  # noqa: E402

TARGET_SECONDS = 20.0
TARGET_TEXT = "≤ 20 s on SQLite for 10k incidents + 100k victims on 2 cores"
KINDS = ("sqlite", "postgresql", "peer")


@dataclass(slots=True)
class Figure:
    """One measured import."""

    name: str
    backend: str
    again: bool = False
    seconds: float | None = None
    rows: int = 0
    peak_mb: float | None = None
    before_import_mb: float | None = None
    counts: dict[str, Any] = field(default_factory=dict)
    changed: int | None = None
    error: str | None = None

    @property
    def rows_per_second(self) -> float | None:
        return self.rows / self.seconds if self.seconds else None


# ---------------------------------------------------------------------------------------
# The child: one measured import, results as one JSON line on standard output.


def _peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def measure_civharm(url: str, folder: Path) -> dict[str, Any]:
    from civharm.services import database

    database.configure(url)
    database.initialise()
    from civharm.services.errors import ImportRejected
    from civharm.services.importing import import_files

    files = datagen.files_in(folder)
    before = _peak_mb()
    start = time.perf_counter()
    try:
        report = import_files(files)
    except ImportRejected as err:
        problems = [str(p) for p in err.problems]
        raise SystemExit(f"the import was rejected with {len(problems)} problems, first: "
                         + "; ".join(problems[:5])) from None
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "rows": report.rows,
        "peak_mb": _peak_mb(),
        "before_import_mb": before,
        "counts": {**report.counts, "assessments_added": report.assessments_added},
        "changed": report.changed,
    }


def measure_peer(target: str, folder: Path) -> dict[str, Any]:
    path = Path(target)
    peer.create(path)
    before = _peak_mb()
    start = time.perf_counter()
    rows = peer.load(path, folder)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": rows, "peak_mb": _peak_mb(), "before_import_mb": before}


def child(kind: str, target: str, folder: Path) -> None:
    measure = measure_peer if kind == "peer" else measure_civharm
    print(json.dumps(measure(target, folder)))


# ---------------------------------------------------------------------------------------
# The parent: data, children, checks, table.


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_child(figure: Figure, target: str, folder: Path) -> Figure:
    command = [sys.executable, str(Path(__file__).resolve()), "--one", figure.backend, target,
               "--data", str(folder)]
    _log(f"… {figure.name}")
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        figure.error = lines[-1] if lines else f"exit status {done.returncode}"
        _log(f"  failed: {figure.error}")
        return figure
    result = json.loads(done.stdout.strip().splitlines()[-1])
    figure.seconds = result["seconds"]
    figure.rows = result["rows"]
    figure.peak_mb = result["peak_mb"]
    figure.before_import_mb = result["before_import_mb"]
    figure.counts = result.get("counts", {})
    figure.changed = result.get("changed")
    _log(f"  {figure.seconds:.2f} s")
    return figure


def write_data(folder: Path, scale: float) -> datagen.Dataset:
    """Generate the files in a subprocess too. On Linux a child's ru_maxrss starts from
    its parent's resident size at fork, so the parent stays small: no rows in memory."""
    command = [sys.executable, str(Path(__file__).resolve()), "--write-data", str(folder),
               "--scale", repr(scale)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True)
    written = json.loads(done.stdout.strip().splitlines()[-1])
    return datagen.Dataset(folder, datagen.Sizes(**written["sizes"]), written["links"])


def check(figure: Figure, sizes: datagen.Sizes) -> None:
    """A benchmark that did not do the work measures nothing: refuse such a figure."""
    if figure.error or figure.backend == "peer":
        if not figure.error and figure.rows != sizes.total:
            figure.error = f"read {figure.rows} rows, expected {sizes.total}"
        return
    if figure.again:
        if figure.changed != 0:
            figure.error = f"the re-import changed {figure.changed} records; expected none"
        return
    expected = {"incidents": sizes.incidents, "sources": sizes.sources,
                "claims": sizes.claims, "victims": sizes.victims}
    for kind, count in expected.items():
        created = figure.counts.get(kind, {}).get("created")
        if created != count:
            figure.error = f"created {created} {kind}, expected {count}"
            return


def civharm_pair(backend: str, label: str, target: str, folder: Path,
                 sizes: datagen.Sizes) -> list[Figure]:
    first = run_child(Figure(f"civharm → {label}", backend), target, folder)
    check(first, sizes)
    figures = [first]
    if not first.error:
        again = run_child(Figure(f"civharm → {label}, no-change re-import", backend, True),
                          target, folder)
        check(again, sizes)
        figures.append(again)
    return figures


def benchmark(scale: float) -> dict[str, Any]:
    figures: list[Figure] = []
    postgres: dict[str, Any] = {"server": None, "skipped": None}
    with tempfile.TemporaryDirectory(prefix="civharm-bench-") as temp:
        work = Path(temp)
        _log(f"writing seeded CSV files (scale {scale:g}) to {work}")
        started = time.perf_counter()
        data = write_data(work / "data", scale)
        _log(f"  {data.sizes.total:,} rows in {time.perf_counter() - started:.1f} s")

        figures += civharm_pair("sqlite", "SQLite", str(work / "civharm.sqlite3"),
                                data.folder, data.sizes)
        bare = run_child(Figure("peer: csv + sqlite3 executemany", "peer"),
                         str(work / "peer.sqlite3"), data.folder)
        check(bare, data.sizes)
        figures.append(bare)

        _log("… PostgreSQL: preparing a fresh database")
        try:
            with pgserver.database() as pg:
                postgres["server"] = pg.server
                figures += civharm_pair("postgresql", "PostgreSQL", pg.url, data.folder,
                                        data.sizes)
        except pgserver.Unavailable as err:
            postgres["skipped"] = str(err)
            _log(f"  skipped: {err}")

    sqlite_first = figures[0]
    ratio = None
    if sqlite_first.seconds and bare.seconds and not (sqlite_first.error or bare.error):
        ratio = sqlite_first.seconds / bare.seconds
    met = None
    if scale == 1 and sqlite_first.seconds is not None and not sqlite_first.error:
        met = sqlite_first.seconds <= TARGET_SECONDS
    return {
        "scale": scale,
        "sizes": asdict(data.sizes) | {"total_rows": data.sizes.total,
                                       "victim_source_links": data.victim_source_links},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(),
        },
        "figures": [asdict(f) | {"rows_per_second": f.rows_per_second} for f in figures],
        "ratio_civharm_to_peer_sqlite": ratio,
        "target": {"text": TARGET_TEXT, "seconds": TARGET_SECONDS, "met": met},
        "postgresql": postgres,
    }


def show(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    sizes = results["sizes"]
    table = Table(
        title="civharm import benchmark",
        caption=(f"{sizes['incidents']:,} incidents, {sizes['sources']:,} sources, "
                 f"{sizes['claims']:,} claims, {sizes['victims']:,} victims: "
                 f"{sizes['total_rows']:,} rows"),
    )
    table.add_column("figure")
    table.add_column("seconds", justify="right")
    table.add_column("rows/s", justify="right")
    table.add_column("peak MB", justify="right")
    for figure in results["figures"]:
        if figure["error"]:
            table.add_row(figure["name"], "[red]failed[/red]", "", "", style="red")
            continue
        table.add_row(
            figure["name"],
            f"{figure['seconds']:.2f}",
            f"{figure['rows_per_second']:,.0f}",
            f"{figure['peak_mb']:.0f}",
        )
    if results["postgresql"]["skipped"]:
        table.add_row("civharm → PostgreSQL", "[yellow]skipped[/yellow]", "", "")
    console.print(table)

    for figure in results["figures"]:
        if figure["error"]:
            console.print(f"[red]{figure['name']} failed:[/red] {figure['error']}")
    if results["postgresql"]["skipped"]:
        console.print(f"[yellow]PostgreSQL figure skipped:[/yellow] "
                      f"{results['postgresql']['skipped']}")
    elif results["postgresql"]["server"]:
        console.print(f"PostgreSQL: {results['postgresql']['server']}")
    ratio = results["ratio_civharm_to_peer_sqlite"]
    if ratio is not None:
        console.print(f"civharm / peer on SQLite: [bold]{ratio:.1f}×[/bold] the peer's time")
    machine = results["machine"]
    target = results["target"]
    cores = f"{machine['cpus']} cores here"
    if target["met"] is None:
        verdict = "[yellow]not assessed[/yellow] (it applies at --scale 1 to a successful run)"
    elif target["met"]:
        verdict = f"[green]met[/green] ({results['figures'][0]['seconds']:.1f} s, {cores})"
    else:
        verdict = f"[red]not met[/red] ({results['figures'][0]['seconds']:.1f} s, {cores})"
    console.print(f"Target {target['text']}: {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply every row count (default 1: 10k incidents, 100k victims)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--one", nargs=2, metavar=("KIND", "TARGET"),
                        help=f"internal: run one measured import ({', '.join(KINDS)}) "
                             "into TARGET (a path or URL)")
    parser.add_argument("--only", choices=("all", *SUITES), default="all",
                        help="which benchmark: all of them (default), the import, or one of "
                             "the others (benchmarks/NAME.py)")
    parser.add_argument("--data", type=Path, help="internal: the folder of CSV files")
    parser.add_argument("--write-data", type=Path, metavar="FOLDER",
                        help="internal: only write the CSV files into FOLDER")
    args = parser.parse_args(argv)

    if args.one:
        kind, target = args.one
        if kind not in KINDS or args.data is None:
            parser.error(f"--one takes one of {', '.join(KINDS)} and needs --data")
        child(kind, target, args.data)
        return 0
    if args.scale <= 0:
        parser.error("--scale must be positive")
    if args.only not in ("all", "import"):
        return _other(args.only, args.scale, args.json)
    if args.write_data:
        data = datagen.generate(args.write_data, args.scale)
        print(json.dumps({"sizes": asdict(data.sizes), "links": data.victim_source_links}))
        return 0

    results = benchmark(args.scale)
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        show(results)
    status = 1 if any(f["error"] for f in results["figures"]) else 0
    if args.only == "all":
        for name in SUITES[1:]:
            print(flush=True)
            status = max(status, _other(name, args.scale, args.json))
    return status


SUITES = ("import", "matching", "linkage", "estimation", "published_tables", "crash")


def _other(name: str, scale: float, as_json: bool) -> int:
    """Run benchmarks/NAME.py's main() at the same scale (for the linkage: the number of
    records of its speed figure, 100,000 at scale 1; the published tables have no scale)."""
    import importlib

    module = importlib.import_module(name)
    args = ["--json"] if as_json else []
    if name == "linkage":
        args = ["--records", str(round(100_000 * scale)), *args]
    elif name != "published_tables":
        args = ["--scale", repr(scale), *args]
    return int(module.main(args))


if __name__ == "__main__":
    sys.exit(main())
